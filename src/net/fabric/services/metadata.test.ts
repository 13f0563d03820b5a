import { describe, expect, it } from "vitest";
import { httpClientRequest } from "../../http/httpClient.ts";
import { METADATA_IP } from "../addresses.ts";
import { DEFAULT_GROUP, METADATA, PORTS, WEB_GROUP, fabricWith, portConfig, topology } from "../testing/fakeNetwork.ts";
import { StackGuest, settle } from "../testing/stackGuest.ts";

/** An instance in a group that admits nothing: the metadata service is not behind security groups. */
const instance = { ...PORTS.a, groups: ["sg-web"] };

function instanceAsking() {
  const network = fabricWith([], undefined, { autoTurns: true });
  network.fabric.configure(topology([instance], [DEFAULT_GROUP, WEB_GROUP]));
  const guest = new StackGuest(network.fabric, instance, network.scheduler);
  const request = (method: string, path: string, headers: readonly (readonly [string, string])[] = []) =>
    settle(
      network.scheduler,
      httpClientRequest(
        guest.stack,
        { localIp: guest.guest.ip, remoteIp: METADATA_IP, remotePort: 80 },
        { method, target: path, headers: [["Host", "169.254.169.254"], ...headers], body: null },
      ),
    );
  return { ...network, guest, request };
}

const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe("the instance metadata service", () => {
  it("answers a GET over TCP from the instance, whatever its security groups", async () => {
    const { fabric, request } = instanceAsking();
    const result = await request("GET", "/latest/meta-data/instance-id");
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && text(result.body)).toBe(METADATA.instanceId);
    expect(fabric.flowLog("eni-a")).toEqual([]);
  });

  it("issues an IMDSv2 token (its answer's IP TTL is the hop limit) and answers with it; refuses a v1 read when tokens are required", async () => {
    const { fabric, guest, request } = instanceAsking();
    const token = await request("PUT", "/latest/api/token", [["X-aws-ec2-metadata-token-ttl-seconds", "21600"]]);
    expect(token).toMatchObject({ ok: true, status: 200 });
    expect(guest.ttls).toContain(METADATA.options.httpPutResponseHopLimit);
    const value = token.ok ? text(token.body) : "";
    const read = await request("GET", "/latest/meta-data/local-ipv4", [["X-aws-ec2-metadata-token", value]]);
    expect(read.ok && text(read.body)).toBe("172.31.0.10");

    const required = {
      ...portConfig(instance),
      metadata: { ...METADATA, options: { ...METADATA.options, httpTokens: "required" as const } },
    };
    fabric.configure({ ...topology([instance], [DEFAULT_GROUP, WEB_GROUP]), ports: [required] });
    expect(await request("GET", "/latest/meta-data/local-ipv4")).toMatchObject({ ok: true, status: 401 });
  });
});

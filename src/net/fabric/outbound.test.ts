import { describe, expect, it } from "vitest";
import { httpClientRequest } from "../http/httpClient.ts";
import { ipv4ToNumber, numberToIpv4 } from "../packets/address.ts";
import { IP_PROTOCOL_UDP } from "../packets/ipv4.ts";
import { buildUdp, parseUdp } from "../packets/udp.ts";
import { ManualScheduler } from "../tcp/scheduler.ts";
import type { SecurityGroupConfig } from "../topology.ts";
import { FABRIC_MAC } from "./addresses.ts";
import { Fabric } from "./fabric.ts";
import type { OutboundFetch } from "./services/outboundHttp.ts";
import { DEFAULT_GROUP, PORTS, WEB_GROUP, type PortSpec, topology } from "./testing/fakeNetwork.ts";
import { StackGuest, settle } from "./testing/stackGuest.ts";

type FetchCall = { url: string; method: string; headers: [string, string][]; body: string | null; signal: AbortSignal };

function answer(status: number, body: string, contentType = "text/plain"): Awaited<ReturnType<OutboundFetch>> {
  const bytes = new TextEncoder().encode(body);
  return {
    status,
    statusText: status === 200 ? "OK" : "",
    headers: { get: (name) => ({ "content-type": contentType, "content-length": String(bytes.length) })[name.toLowerCase()] ?? null },
    arrayBuffer: async () => bytes.buffer,
  };
}

/** A fabric whose fetch() is a fake that records what it is asked and answers as told. */
function outboundNetwork(
  spec: PortSpec,
  groups: readonly SecurityGroupConfig[],
  reply: (call: FetchCall) => ReturnType<OutboundFetch>,
  secureOrigin = false,
) {
  const scheduler = new ManualScheduler(1_000_000);
  const calls: FetchCall[] = [];
  const fetch: OutboundFetch = (url, init) => {
    const call = {
      url,
      method: init.method,
      headers: init.headers,
      body: init.body ? new TextDecoder().decode(init.body) : null,
      signal: init.signal,
    };
    calls.push(call);
    return reply(call);
  };
  const fabric = new Fabric({ scheduler, wallClock: () => Date.UTC(2026, 10, 30, 12) + scheduler.now(), fetch, secureOrigin });
  fabric.configure(topology([spec], groups));
  const guest = new StackGuest(fabric, spec, scheduler);
  return { scheduler, fabric, guest, calls };
}

function dnsQuery(name: string, id = 0x1234): Uint8Array {
  const labels = name.split(".").flatMap((label) => [label.length, ...new TextEncoder().encode(label)]);
  return Uint8Array.of(id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1);
}

/** The guest asks the VPC's resolver for the name's A record; the rcode and the address it gets. */
async function resolve(network: ReturnType<typeof outboundNetwork>, name: string) {
  const { guest, scheduler } = network;
  const dnsIp = ipv4ToNumber("172.31.0.2") ?? 0;
  const udp = buildUdp({ srcIp: guest.guest.ip, dstIp: dnsIp, srcPort: 40_000, dstPort: 53, payload: dnsQuery(name) });
  guest.guest.send(guest.guest.ipv4(FABRIC_MAC, "172.31.0.2", IP_PROTOCOL_UDP, udp));
  await settle(scheduler, Promise.resolve(), 20);
  scheduler.advance(10);
  const reply = guest.guest
    .packets()
    .flatMap(({ packet }) => {
      const datagram = packet.protocol === IP_PROTOCOL_UDP ? parseUdp(packet) : null;
      return datagram?.srcPort === 53 ? [datagram.payload] : [];
    })
    .at(-1);
  if (!reply) throw new Error("no DNS answer");
  const rcode = (reply[3] ?? 0) & 0x0f;
  const answers = ((reply[6] ?? 0) << 8) | (reply[7] ?? 0);
  return { rcode, address: answers > 0 ? numberToIpv4(new DataView(reply.buffer, reply.byteOffset).getUint32(reply.length - 4)) : null };
}

function get(network: ReturnType<typeof outboundNetwork>, address: string, port: number, target: string, timeoutMs = 30_000) {
  const { guest, scheduler } = network;
  return settle(
    scheduler,
    httpClientRequest(
      guest.stack,
      { localIp: guest.guest.ip, remoteIp: ipv4ToNumber(address) ?? 0, remotePort: port, timeoutMs },
      {
        method: "GET",
        target,
        headers: [
          ["Host", `site.localhost:${port}`],
          ["User-Agent", "Wget"],
        ],
        body: null,
      },
    ),
  );
}

const ok = () => Promise.resolve(answer(200, "hello from the host"));
const withoutEgress: SecurityGroupConfig = { ...WEB_GROUP, groupId: "sg-web", egress: [] };

describe("DNS for public names", () => {
  it("answers a public name with an address of the fabric's own range, and NXDOMAIN for one that is not a name", async () => {
    const network = outboundNetwork(PORTS.a, [DEFAULT_GROUP, WEB_GROUP], ok);
    expect(await resolve(network, "site.localhost")).toEqual({ rcode: 0, address: "198.18.0.1" });
    expect(await resolve(network, "example.com")).toEqual({ rcode: 0, address: "198.18.0.2" });
    expect(await resolve(network, "site.localhost")).toEqual({ rcode: 0, address: "198.18.0.1" });
    expect(await resolve(network, "bad-.example.com")).toEqual({ rcode: 3, address: null });
    expect(await resolve(network, "ip-172-31-0-99.ec2.internal")).toEqual({ rcode: 3, address: null });
  });
});

describe("HTTP out through the internet gateway", () => {
  it("fetches the name's URL for a public instance and hands the guest the answer, then closes", async () => {
    const network = outboundNetwork(PORTS.a, [DEFAULT_GROUP, WEB_GROUP], ok);
    const { address } = await resolve(network, "site.localhost");
    const result = await get(network, address ?? "", 8080, "/hello?x=1");
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      headers: [
        ["Content-Type", "text/plain"],
        ["Content-Length", "19"],
      ],
    });
    expect(result.ok && new TextDecoder().decode(result.body)).toBe("hello from the host");
    expect(network.calls).toMatchObject([
      { url: "http://127.0.0.1:8080/hello?x=1", method: "GET", headers: [["User-Agent", "Wget"]], body: null },
    ]);
    expect(network.fabric.flowLog("eni-a")[0]).toMatchObject({ srcAddr: "172.31.0.10", dstAddr: address, dstPort: 8080, action: "ACCEPT" });
  });

  it("answers 502 with what happened and what to do when fetch() fails", async () => {
    const network = outboundNetwork(PORTS.a, [DEFAULT_GROUP, WEB_GROUP], () =>
      Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:8080") })),
    );
    const { address } = await resolve(network, "example.com");
    const result = await get(network, address ?? "", 80, "/");
    expect(result).toMatchObject({ ok: true, status: 502 });
    expect(result.ok && new TextDecoder().decode(result.body)).toBe(
      "The browser could not fetch http://example.com/: it is offline, or the site does not allow requests from this page (CORS). " +
        "Check that the browser is online and that the site sends Access-Control-Allow-Origin (fetch failed: connect ECONNREFUSED 127.0.0.1:8080).\n",
    );
  });

  it("answers 504 when the site does not answer in 30 s", async () => {
    // fetch() rejects once its signal aborts, as the worker's own does.
    const network = outboundNetwork(
      PORTS.a,
      [DEFAULT_GROUP, WEB_GROUP],
      (call) => new Promise((_, reject) => call.signal.addEventListener("abort", () => reject(call.signal.reason))),
    );
    const { address } = await resolve(network, "example.com");
    const result = await get(network, address ?? "", 80, "/slow", 60_000);
    expect(result).toMatchObject({ ok: true, status: 504 });
    expect(result.ok && new TextDecoder().decode(result.body)).toBe("http://example.com/slow did not answer within 30 s.\n");
  });

  it("refuses port 443 at once: there is no HTTPS", async () => {
    const network = outboundNetwork(PORTS.a, [DEFAULT_GROUP, WEB_GROUP], ok);
    const { address } = await resolve(network, "example.com");
    expect(await get(network, address ?? "", 443, "/")).toMatchObject({ ok: false, code: "ConnectionRefused" });
    expect(network.calls).toEqual([]);
  });

  it.each([
    ["an instance without a public IP", PORTS.b, [DEFAULT_GROUP, WEB_GROUP], "noRoute"],
    ["an instance in a private subnet", { ...PORTS.c, publicIp: "54.0.0.12" }, [DEFAULT_GROUP, WEB_GROUP], "noRoute"],
    ["a group without egress", { ...PORTS.a, groups: ["sg-web"] }, [DEFAULT_GROUP, withoutEgress], "securityGroup"],
  ] as const)("drops the connection of %s: the guest times out and nothing is fetched", async (_, spec, groups, reason) => {
    const network = outboundNetwork(spec, groups, ok);
    const { address } = await resolve(network, "example.com");
    expect(address).toBe("198.18.0.1");
    expect(await get(network, address ?? "", 80, "/", 5000)).toMatchObject({ ok: false, code: "Timeout" });
    expect(network.calls).toEqual([]);
    expect(network.fabric.counters().dropped[reason]).toBeGreaterThan(0);
  });

  it("from a page served over HTTPS, fetches port 80 by https:// and this computer by http://, and says why another port cannot be", async () => {
    const network = outboundNetwork(
      PORTS.a,
      [DEFAULT_GROUP, WEB_GROUP],
      (call) => (call.url.startsWith("http://example.com") ? Promise.reject(new TypeError("Failed to fetch")) : ok()),
      true,
    );
    const example = (await resolve(network, "example.com")).address ?? "";
    const site = (await resolve(network, "site.localhost")).address ?? "";
    expect(await get(network, example, 80, "/page")).toMatchObject({ ok: true, status: 200 });
    expect(await get(network, site, 8080, "/hello")).toMatchObject({ ok: true, status: 200 });
    const refused = await get(network, example, 8080, "/page");
    expect(refused).toMatchObject({ ok: true, status: 502 });
    expect(refused.ok && new TextDecoder().decode(refused.body)).toContain(
      "The browser could not fetch http://example.com:8080/page: this page is served over HTTPS, so it may not fetch plain http:// from a port other than 80 (mixed content).",
    );
    expect(network.calls.map((call) => call.url)).toEqual([
      "https://example.com/page",
      "http://127.0.0.1:8080/hello",
      "http://example.com:8080/page",
    ]);
  });
});

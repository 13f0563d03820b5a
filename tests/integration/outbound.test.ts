/**
 * The way out with real instances: a guest with a public IP fetches a page the host serves
 * through the internet gateway (the fabric worker's fetch(); *.localhost is this computer), and
 * times out without egress or without a public IP; a site that cannot be fetched is a 502 with a
 * reason the guest can read.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

async function sh(hypervisor: Hypervisor, id: string, command: string, timeoutMs = 30_000): Promise<string> {
  const result = await hypervisor.runCommand(id, command, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`"${command}" on ${id} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

async function launch(hypervisor: Hypervisor, request: Parameters<Hypervisor["runInstances"]>[0] = {}): Promise<Instance> {
  const [launched] = (await hypervisor.runInstances({ instanceType: "t3.micro", ...request })) as [Instance];
  const ready = await waitForInstance(hypervisor, launched.instanceId, agentReady);
  // udhcpc runs in the background at boot: wait for eth0's address.
  await sh(
    hypervisor,
    ready.instanceId,
    `for i in $(seq 100); do ip -4 -o addr show eth0 | grep -q ' ${ready.privateIpAddress}/' && exit 0; sleep 0.2; done; exit 1`,
  );
  return ready;
}

describe("a guest fetching HTTP through the internet gateway", () => {
  let hypervisor: Hypervisor;
  let server: Server;
  let url: string;
  const requests: string[] = [];
  let publicInstance: Instance;
  let privateInstance: Instance;

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.writeHead(200, { "Content-Type": "text/plain" }).end("hello from the host\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://site.localhost:${(server.address() as AddressInfo).port}/hello`;
    hypervisor = await createNodeHypervisor({ stopTimeoutMs: 20_000 });
    publicInstance = await launch(hypervisor);
    privateInstance = await launch(hypervisor, { associatePublicIpAddress: false });
  }, 180_000);
  afterAll(async () => {
    await hypervisor.shutdownAll();
    server.close();
  });

  it("gets the host's page from an instance with a public IP", async () => {
    expect(publicInstance.publicIpAddress).not.toBeNull();
    expect(await sh(hypervisor, publicInstance.instanceId, `wget -qO- ${url}`)).toBe("hello from the host\n");
    expect(requests).toEqual(["GET /hello"]);
  });

  it("times out from an instance without a public IP", async () => {
    expect(privateInstance.publicIpAddress).toBeNull();
    // The name resolves for every instance, so wget is still waiting to connect when timeout ends it (128 + SIGTERM).
    expect(await sh(hypervisor, privateInstance.instanceId, `timeout 6 wget -qO- ${url}; echo "exit $?"`)).toBe("exit 143\n");
    expect(requests).toEqual(["GET /hello"]);
  });

  it("times out once the group's egress is revoked", async () => {
    const vpcId = publicInstance.vpcId as string;
    const { groupId } = await hypervisor.createSecurityGroup({ groupName: `no-egress-${Date.now()}`, description: "no way out", vpcId });
    await hypervisor.revokeSecurityGroupEgress(groupId, { ipPermissions: [{ ipProtocol: "-1", ipRanges: [{ cidrIp: "0.0.0.0/0" }] }] });
    await hypervisor.modifyInstanceAttribute(publicInstance.instanceId, { groups: [groupId] });
    expect(await sh(hypervisor, publicInstance.instanceId, `timeout 6 wget -qO- ${url}; echo "exit $?"`)).toBe("exit 143\n");
    expect(requests).toEqual(["GET /hello"]);
    const log = await hypervisor.getFlowLog(publicInstance.instanceId);
    expect(log.some((record) => record.dstPort === (server.address() as AddressInfo).port && record.action === "REJECT")).toBe(true);
    const [defaultGroup] = hypervisor.describeSecurityGroups({
      filters: [
        { name: "group-name", values: ["default"] },
        { name: "vpc-id", values: [vpcId] },
      ],
    });
    await hypervisor.modifyInstanceAttribute(publicInstance.instanceId, { groups: [defaultGroup?.groupId as string] });
  });

  it("answers 502 with the reason when the site cannot be fetched", async () => {
    await new Promise((resolve) => server.close(resolve));
    const failed = await hypervisor.runCommand(publicInstance.instanceId, `wget -qO- ${url}`, { timeoutMs: 20_000 });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toContain("502 Bad Gateway");
    const { host, port, pathname } = new URL(url);
    const raw = await sh(
      hypervisor,
      publicInstance.instanceId,
      `printf 'GET ${pathname} HTTP/1.1\\r\\nHost: ${host}\\r\\nConnection: close\\r\\n\\r\\n' | nc ${host.split(":")[0]} ${port}`,
    );
    expect(raw).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    expect(raw).toContain(`The browser could not fetch ${url}: it is offline, or the site does not allow requests from this page (CORS).`);
  });
});

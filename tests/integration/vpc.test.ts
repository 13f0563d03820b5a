/**
 * The VPC with real instances: addresses by DHCP, ping by address and by private DNS name, a
 * megabyte through nc intact, security groups deciding what gets in (a refused connection times
 * out; an established one survives a revoked rule), the source check, VPCs kept apart, the
 * metadata service, and an instance's address kept across stop and start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

/** Runs a command in the guest and returns its output, failing the test with its stderr when it exits non-zero. */
async function sh(hypervisor: Hypervisor, id: string, command: string, timeoutMs = 30_000): Promise<string> {
  const result = await hypervisor.runCommand(id, command, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`"${command}" on ${id} exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Waits until eth0 has the address the instance was given (udhcpc runs in the background at boot). */
async function waitForLease(hypervisor: Hypervisor, instance: Instance): Promise<void> {
  await sh(
    hypervisor,
    instance.instanceId,
    `for i in $(seq 100); do ip -4 -o addr show eth0 | grep -q ' ${instance.privateIpAddress}/' && exit 0; sleep 0.2; done; exit 1`,
  );
}

/**
 * Starts a listener that outlives the command that started it (the agent ends a command's
 * children with it) and keeps its own sending side open (BusyBox nc closes the connection when
 * its input ends), writing what it receives to a file.
 */
function listen(port: number, file: string): string {
  return `setsid sh -c 'sleep 120 | nc -l -p ${port} > ${file} 2>/dev/null' > /dev/null 2>&1 < /dev/null &`;
}

async function launch(hypervisor: Hypervisor, request: Parameters<Hypervisor["runInstances"]>[0] = {}): Promise<Instance> {
  const [launched] = (await hypervisor.runInstances({ instanceType: "t3.micro", ...request })) as [Instance];
  const ready = await waitForInstance(hypervisor, launched.instanceId, agentReady);
  await waitForLease(hypervisor, ready);
  return ready;
}

describe("two instances in the default VPC", () => {
  let hypervisor: Hypervisor;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ stopTimeoutMs: 20_000 });
    a = await launch(hypervisor);
    b = await launch(hypervisor, { hibernationOptions: { configured: true } });
  }, 120_000);
  afterAll(() => hypervisor.shutdownAll());

  it("get their addresses, router and DNS server by DHCP", async () => {
    expect(a.privateIpAddress).toMatch(/^172\.31\.(\d+)\.(\d+)$/);
    expect(a.privateIpAddress).not.toBe(b.privateIpAddress);
    const route = await sh(hypervisor, a.instanceId, "ip route; cat /etc/resolv.conf");
    expect(route).toContain("default via 172.31.0.1");
    expect(route).toContain("nameserver 172.31.0.2");
  });

  it("ping each other by address and by private DNS name", async () => {
    expect(await sh(hypervisor, a.instanceId, `ping -c 3 -W 2 ${b.privateIpAddress}`)).toContain("3 packets received");
    expect(await sh(hypervisor, b.instanceId, `ping -c 2 -W 2 ${a.privateDnsName}`)).toContain(`(${a.privateIpAddress})`);
  });

  it("carry a megabyte through nc intact", async () => {
    await sh(hypervisor, b.instanceId, listen(5000, "/tmp/received"));
    const sent = await sh(
      hypervisor,
      a.instanceId,
      `dd if=/dev/urandom of=/tmp/sent bs=1024 count=1024 2>/dev/null && nc ${b.privateIpAddress} 5000 < /tmp/sent && sha256sum < /tmp/sent`,
      60_000,
    );
    const received = await sh(
      hypervisor,
      b.instanceId,
      "for i in $(seq 50); do [ $(wc -c < /tmp/received) -ge 1048576 ] && break; sleep 0.2; done; sha256sum < /tmp/received",
    );
    expect(received.split(" ")[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(received.split(" ")[0]).toBe(sent.split(" ")[0]);
  });

  it("drop a connection the receiver's groups do not allow, let it through once a rule does, and keep a tracked one after the rule goes", async () => {
    const vpcId = b.vpcId as string;
    const { groupId } = await hypervisor.createSecurityGroup({ groupName: `closed-${Date.now()}`, description: "no ingress", vpcId });
    await hypervisor.modifyInstanceAttribute(b.instanceId, { groups: [groupId] });
    await sh(hypervisor, b.instanceId, listen(5001, "/tmp/first"));
    const refused = await hypervisor.runCommand(a.instanceId, `echo knock | nc -w 3 ${b.privateIpAddress} 5001`, { timeoutMs: 20_000 });
    expect(refused.exitCode).not.toBe(0);
    expect(await sh(hypervisor, b.instanceId, "cat /tmp/first")).toBe("");

    const rule = { ipProtocol: "tcp", fromPort: 5001, toPort: 5002, ipRanges: [{ cidrIp: "172.31.0.0/16" }] } as const;
    await hypervisor.authorizeSecurityGroupIngress(groupId, { ipPermissions: [rule] });
    await sh(hypervisor, a.instanceId, `echo knock | nc -w 3 ${b.privateIpAddress} 5001`);
    expect(await sh(hypervisor, b.instanceId, "sleep 0.5; cat /tmp/first")).toBe("knock\n");

    await sh(hypervisor, b.instanceId, listen(5002, "/tmp/tracked"));
    await sh(
      hypervisor,
      a.instanceId,
      `setsid sh -c '(echo one; sleep 3; echo two) | nc ${b.privateIpAddress} 5002' > /dev/null 2>&1 < /dev/null &`,
    );
    await sh(hypervisor, b.instanceId, "for i in $(seq 50); do grep -q one /tmp/tracked && exit 0; sleep 0.1; done; exit 1");
    await hypervisor.revokeSecurityGroupIngress(groupId, { ipPermissions: [rule] });
    await sh(hypervisor, b.instanceId, "for i in $(seq 80); do grep -q two /tmp/tracked && exit 0; sleep 0.1; done; exit 1");
    expect(await sh(hypervisor, b.instanceId, "cat /tmp/tracked")).toBe("one\ntwo\n");

    const log = await hypervisor.getFlowLog(b.instanceId);
    expect(log.some((record) => record.dstPort === 5001 && record.action === "REJECT")).toBe(true);
    expect(log.some((record) => record.dstPort === 5001 && record.action === "ACCEPT")).toBe(true);
    const defaultGroup = hypervisor.describeSecurityGroups({
      filters: [
        { name: "group-name", values: ["default"] },
        { name: "vpc-id", values: [vpcId] },
      ],
    });
    await hypervisor.modifyInstanceAttribute(b.instanceId, { groups: [defaultGroup[0]?.groupId as string] });
  });

  it("lets no frame out from an address that is not the instance's own", async () => {
    const spoofed = await hypervisor.runCommand(
      a.instanceId,
      `ip addr add 172.31.9.9/20 dev eth0 && ping -c 2 -W 2 -I 172.31.9.9 ${b.privateIpAddress}; r=$?; ip addr del 172.31.9.9/20 dev eth0; exit $r`,
      { timeoutMs: 20_000 },
    );
    expect(spoofed.exitCode).not.toBe(0);
    expect(spoofed.stdout).toContain("0 packets received");
    expect(await sh(hypervisor, a.instanceId, `ping -c 1 -W 2 ${b.privateIpAddress}`)).toContain("1 packets received");
  });

  it("answers the metadata service through ec2-metadata (IMDSv2), and refuses a tokenless read when tokens are required", async () => {
    expect(await sh(hypervisor, a.instanceId, "ec2-metadata -i")).toBe(`instance-id: ${a.instanceId}\n`);
    expect(await sh(hypervisor, a.instanceId, "ec2-metadata -o")).toBe(`local-ipv4: ${a.privateIpAddress}\n`);
    const v1 = `printf 'GET /latest/meta-data/instance-id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 169.254.169.254 80 | head -1`;
    expect(await sh(hypervisor, a.instanceId, v1)).toMatch(/^HTTP\/1\.[01] 200/);
    await hypervisor.modifyInstanceMetadataOptions(a.instanceId, { httpTokens: "required" });
    expect(await sh(hypervisor, a.instanceId, v1)).toMatch(/^HTTP\/1\.[01] 401/);
    expect(await sh(hypervisor, a.instanceId, "ec2-metadata -i")).toBe(`instance-id: ${a.instanceId}\n`);
  });

  it("keeps an instance's private address across stop and start, and across hibernation", async () => {
    await hypervisor.stopInstances([b.instanceId]);
    await hypervisor.startInstances([b.instanceId]);
    const started = await waitForInstance(hypervisor, b.instanceId, agentReady);
    expect(started.privateIpAddress).toBe(b.privateIpAddress);
    await waitForLease(hypervisor, started);
    expect(await sh(hypervisor, a.instanceId, `ping -c 1 -W 2 ${b.privateIpAddress}`)).toContain("1 packets received");

    await hypervisor.stopInstances([b.instanceId], { hibernate: true });
    await hypervisor.startInstances([b.instanceId]);
    await waitForInstance(hypervisor, b.instanceId, agentReady);
    expect(await sh(hypervisor, a.instanceId, `ping -c 1 -W 3 ${b.privateIpAddress}`)).toContain("1 packets received");
  }, 120_000);
});

describe("an instance in another VPC", () => {
  let hypervisor: Hypervisor;
  afterAll(() => hypervisor.shutdownAll());

  it("cannot be reached from the default VPC", async () => {
    hypervisor = await createNodeHypervisor();
    const vpc = await hypervisor.createVpc({ cidrBlock: "10.0.0.0/16" });
    const subnet = await hypervisor.createSubnet({ vpcId: vpc.vpcId, cidrBlock: "10.0.1.0/24" });
    const inDefault = await launch(hypervisor);
    const elsewhere = await launch(hypervisor, { subnetId: subnet.subnetId });
    expect(elsewhere.privateIpAddress).toMatch(/^10\.0\.1\./);
    const unreachable = await hypervisor.runCommand(inDefault.instanceId, `ping -c 2 -W 2 ${elsewhere.privateIpAddress}`, {
      timeoutMs: 20_000,
    });
    expect(unreachable.exitCode).not.toBe(0);
  }, 120_000);
});

describe("a reload", () => {
  let second: Hypervisor | null = null;
  afterAll(() => second?.shutdownAll());

  it("brings back the network: VPCs, groups, the instance's interface and address, and its lease", async () => {
    const databaseName = `tabcloud-vpc-reload-${Date.now()}`;
    const first = await createNodeHypervisor({ databaseName });
    const vpc = await first.createVpc({ cidrBlock: "10.1.0.0/16" });
    const { groupId } = await first.createSecurityGroup({ groupName: "web", description: "web servers", vpcId: vpc.vpcId });
    await first.authorizeSecurityGroupIngress(groupId, {
      ipPermissions: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }],
    });
    const instance = await launch(first);
    await first.shutdownAll();

    second = await createNodeHypervisor({ databaseName });
    expect(second.describeVpcs({ vpcIds: [vpc.vpcId] })).toHaveLength(1);
    expect(second.describeSecurityGroupRules({ filters: [{ name: "group-id", values: [groupId] }] })).toEqual(
      expect.arrayContaining([expect.objectContaining({ isEgress: false, fromPort: 80, cidrIpv4: "0.0.0.0/0" })]),
    );
    const back = await waitForInstance(second, instance.instanceId, agentReady);
    expect(back.privateIpAddress).toBe(instance.privateIpAddress);
    expect(back.networkInterfaces[0]?.macAddress).toBe(instance.networkInterfaces[0]?.macAddress);
    await waitForLease(second, back);
    expect(await sh(second, back.instanceId, "ec2-metadata -o")).toBe(`local-ipv4: ${instance.privateIpAddress}\n`);
  }, 120_000);
});

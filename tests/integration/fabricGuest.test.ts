/**
 * The VPC switch with a real guest: an instance of the default image plugged into the fabric
 * (the worker's class, run in this process) gets its address by DHCP, pings its router, resolves
 * its private DNS name, reads the metadata service, and serves a page the browser's path fetches
 * once its security group admits HTTP.
 */
import { MessageChannel, MessagePort } from "node:worker_threads";
import { transfer } from "comlink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, NodeWorkerHost, type NodeHypervisorOptions } from "../../src/hypervisor/node.ts";
import type { FramePort } from "../../src/net/fabricApi.ts";
import { FabricWorker } from "../../src/net/fabricWorker.ts";
import { realScheduler } from "../../src/net/tcp/scheduler.ts";
import type { NetworkTopology, SecurityGroupConfig } from "../../src/net/topology.ts";
import type { BootSpec, NicPort } from "../../src/worker/api.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

type WorkerHost = NonNullable<NodeHypervisorOptions["workerHost"]>;

const ENI = "eni-0fab0000000000001";
const MAC = "02:00:ac:1f:00:0a";

const webGroup = (ingress: SecurityGroupConfig["ingress"]): SecurityGroupConfig => ({
  groupId: "sg-web",
  vpcId: "vpc-a",
  ingress,
  egress: [{ ruleId: "sgr-out", protocol: "-1", fromPort: -1, toPort: -1, peer: { cidr: "0.0.0.0/0" } }],
});
const HTTP_RULE = { ruleId: "sgr-http", protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "0.0.0.0/0" } } as const;

function topologyFor(instanceId: string, group: SecurityGroupConfig): NetworkTopology {
  return {
    region: "us-east-1",
    vpcs: [
      {
        vpcId: "vpc-a",
        cidrBlock: "172.31.0.0/16",
        subnets: [{ subnetId: "subnet-a", cidrBlock: "172.31.0.0/20", availabilityZone: "us-east-1a", public: true }],
      },
    ],
    securityGroups: [group],
    ports: [
      {
        networkInterfaceId: ENI,
        instanceId,
        macAddress: MAC,
        privateIpAddress: "172.31.0.10",
        publicIpAddress: "54.0.0.10",
        vpcId: "vpc-a",
        subnetId: "subnet-a",
        securityGroupIds: ["sg-web"],
        metadata: {
          instanceId,
          instanceType: "t3.micro",
          imageId: "ami-0123456789abcdef0",
          availabilityZone: "us-east-1a",
          region: "us-east-1",
          launchTime: "2026-11-30T12:00:00Z",
          userData: null,
          tags: [],
          securityGroupNames: ["web"],
          options: { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        },
      },
    ],
  };
}

/** Boots every instance with its NIC plugged into the fabric's port ENI, the port's MAC on eth0. */
class FabricWorkerHost implements WorkerHost {
  readonly #inner = new NodeWorkerHost();

  constructor(readonly fabric: FabricWorker) {}

  spawn(instanceId: string): ReturnType<WorkerHost["spawn"]> {
    const handle = this.#inner.spawn(instanceId);
    const boot = async (spec: BootSpec) => {
      const { port1, port2 } = new MessageChannel();
      await this.fabric.configure(topologyFor(instanceId, webGroup([])));
      await this.fabric.connect(ENI, port2 as unknown as FramePort);
      const plugged: BootSpec = {
        ...spec,
        kernelCommandLine: `${spec.kernelCommandLine} tabcloud.mac=${MAC}`,
        network: { port: port1 as unknown as NicPort, macAddress: MAC, mtu: 1500 },
      };
      // The spec's other ports (the console's channel) go along; a port the hypervisor plugged for its own fabric is not used here.
      (spec.network?.port as unknown as MessagePort | undefined)?.close();
      const others = Object.values(spec).filter((value): value is MessagePort => value instanceof MessagePort);
      return handle.api.boot(transfer(plugged, [...others, port1]));
    };
    const api = new Proxy(handle.api, {
      get: (target, key, receiver) => (key === "boot" ? boot : Reflect.get(target, key, receiver)),
    });
    return { ...handle, api, onCrash: (listener) => handle.onCrash(listener), terminate: () => handle.terminate() };
  }

  spawnFabric(): ReturnType<WorkerHost["spawnFabric"]> {
    return this.#inner.spawnFabric();
  }
}

describe("a guest on the VPC switch", () => {
  const fabric = new FabricWorker(realScheduler);
  let hypervisor: Hypervisor;
  let instance: Instance;
  let console: ConsoleReader;

  const run = async (command: string) => (await hypervisor.runCommand(instance.instanceId, command)).stdout;

  beforeAll(async () => {
    // Every worker it spawns is plugged into the one port: no golden boot may take it.
    hypervisor = await createNodeHypervisor({ workerHost: new FabricWorkerHost(fabric), fastLaunch: false });
    [instance] = (await hypervisor.runInstances({ terminalSize: { rows: 30, cols: 160 } })) as [Instance];
    console = new ConsoleReader(hypervisor, instance.instanceId);
    await console.waitFor(PROMPT, 60_000).catch((error: unknown) => {
      // A boot that failed says why in the instance's state reason.
      process.stderr.write(`${JSON.stringify(hypervisor.describeInstances({ instanceIds: [instance.instanceId] }))}\n`);
      throw error;
    });
    await waitForInstance(hypervisor, instance.instanceId, (i) => i.statusChecks.instance === "ok");
  });

  afterAll(async () => {
    console?.dispose();
    await hypervisor?.shutdownAll();
    await fabric.forget(ENI);
  });

  it("gets its address, route and DNS server by DHCP", async () => {
    // udhcpc asks in the background from boot; a lease comes within its first retries. The
    // lease's script writes /run/tabcloud/network once address, route and DNS are all in place.
    const shown = await run(
      "for i in $(seq 30); do [ -e /run/tabcloud/network ] && break; sleep 1; done; ip -4 addr show dev eth0; ip route; cat /etc/resolv.conf",
    );
    expect(shown).toMatch(/inet 172\.31\.0\.10\/20 /);
    expect(shown).toMatch(/^default via 172\.31\.0\.1 dev eth0/m);
    expect(shown).toContain("nameserver 172.31.0.2");
  });

  it("pings its router and resolves its private DNS name", async () => {
    expect(await run("ping -c 2 -W 2 172.31.0.1 >/dev/null && echo PING-OK")).toContain("PING-OK");
    expect(await run("nslookup ip-172-31-0-10.ec2.internal 172.31.0.2")).toMatch(/Address:? 172\.31\.0\.10/);
  });

  it("reads its instance id from the metadata service", async () => {
    expect(await run("wget -qO- http://169.254.169.254/latest/meta-data/instance-id")).toBe(instance.instanceId);
  });

  it("serves a page the browser reaches only once its group admits HTTP", async () => {
    await run("mkdir -p /tmp/www && echo '<h1>served by the guest</h1>' > /tmp/www/index.html && httpd -p 80 -h /tmp/www");
    const request = { publicIp: "54.0.0.10", port: 80, method: "GET", path: "/index.html", headers: [], body: null };
    expect(await fabric.httpRequest(request)).toMatchObject({ ok: false, code: "Blocked" });
    await fabric.configure(topologyFor(instance.instanceId, webGroup([HTTP_RULE])));
    const result = await fabric.httpRequest(request);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && new TextDecoder().decode(result.body)).toContain("<h1>served by the guest</h1>");
    expect((await fabric.flowLog(ENI)).map((record) => record.action)).toContain("REJECT");
  });
});

/**
 * The guest's side of the network, in the default image: its kernel drives a virtio-net NIC,
 * its boot script gives eth0 the MAC the host names and leaves DHCP to udhcpc in the background,
 * udhcpc's hook applies a lease, and ec2-metadata asks the metadata service (and says plainly
 * when none answers). No fabric is attached here: the NIC's frames reach a port nobody serves.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { transfer } from "comlink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, NodeWorkerHost, type NodeHypervisorOptions } from "../../src/hypervisor/node.ts";
import type { BootSpec, NicPort } from "../../src/worker/api.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { bootToPrompt } from "./bootToPrompt.ts";
import { waitForInstance } from "./waitFor.ts";

type WorkerHost = NonNullable<NodeHypervisorOptions["workerHost"]>;

/** The NIC's own MAC, and the one the kernel command line asks eth0 to take instead. */
const NIC_MAC = "02:00:00:aa:bb:01";
const COMMAND_LINE_MAC = "02:00:00:aa:bb:02";

/** Boots every instance with a virtio-net NIC whose frames go to a port this test holds, and `tabcloud.mac` on its command line. */
class PluggedWorkerHost implements WorkerHost {
  readonly #inner = new NodeWorkerHost();
  readonly #fabricEnds: MessagePort[] = [];

  spawn(instanceId: string): ReturnType<WorkerHost["spawn"]> {
    const handle = this.#inner.spawn(instanceId);
    const boot = (spec: BootSpec) => {
      const { port1, port2 } = new MessageChannel();
      this.#fabricEnds.push(port2);
      const plugged: BootSpec = {
        ...spec,
        kernelCommandLine: `${spec.kernelCommandLine} tabcloud.mac=${COMMAND_LINE_MAC}`,
        network: { port: port1 as unknown as NicPort, macAddress: NIC_MAC, mtu: 1500 },
      };
      return handle.api.boot(transfer(plugged, [port1 as unknown as Transferable]));
    };
    const api = new Proxy(handle.api, {
      get: (target, key, receiver) => (key === "boot" ? boot : Reflect.get(target, key, receiver)),
    });
    return { ...handle, api, onCrash: (listener) => handle.onCrash(listener), terminate: () => handle.terminate() };
  }

  close(): void {
    for (const port of this.#fabricEnds) port.close();
  }
}

describe("an instance without a network interface", () => {
  let hypervisor: Hypervisor;
  let instance: Instance;
  let console: ConsoleReader;

  beforeAll(async () => {
    ({ hypervisor, instance, console } = await bootToPrompt({ rows: 30, cols: 160 }));
  });

  afterAll(async () => {
    console?.dispose();
    await hypervisor?.shutdownAll();
  });

  it("has ec2-metadata, which prints Amazon Linux's usage on --help", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "ec2-metadata --help");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Usage: ec2-metadata <option>");
    expect(result.stdout).toMatch(/^-i\/--instance-id +The ID of this instance$/m);
  });

  it("has ec2-metadata say that the metadata service does not answer, and fail", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "ec2-metadata -i");
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("the instance metadata service at 169.254.169.254 does not answer");
  });

  it("has ec2-metadata refuse an option it does not know, pointing to --help", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "ec2-metadata --bogus");
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("unknown option: --bogus (ec2-metadata --help lists the options)");
  });

  it("pings itself by name on the loopback interface", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "ping -c 1 -W 5 localhost");
    expect(result.stdout).toContain("1 packets transmitted, 1 packets received");
    expect(result.exitCode).toBe(0);
  });
});

describe("an instance with a virtio-net network interface", () => {
  let hypervisor: Hypervisor;
  let instance: Instance;
  let console: ConsoleReader;
  const workerHost = new PluggedWorkerHost();

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ workerHost });
    [instance] = (await hypervisor.runInstances({ terminalSize: { rows: 30, cols: 160 } })) as [Instance];
    console = new ConsoleReader(hypervisor, instance.instanceId);
    await console.waitFor(PROMPT, 60_000);
    await waitForInstance(hypervisor, instance.instanceId, (i) => i.statusChecks.instance === "ok");
  });

  afterAll(async () => {
    console?.dispose();
    await hypervisor?.shutdownAll();
    workerHost.close();
  });

  it("has eth0, up, with the MAC the kernel command line names", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "ip link show eth0");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\d+: eth0: <[^>]*\bUP\b[^>]*>/);
    expect(result.stdout).toContain(`link/ether ${COMMAND_LINE_MAC} `);
  });

  it("keeps asking for a lease in the background, without a word on the terminal", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "cat /proc/$(cat /run/udhcpc.eth0.pid)/cmdline | tr '\\0' ' '");
    expect(result.stdout).toContain("udhcpc -f -i eth0");
    expect(console.text).not.toMatch(/udhcpc/);
  });

  it("applies a DHCP lease with udhcpc's hook: address, route, MTU, DNS, and the host name left alone", async () => {
    const lease =
      "interface=eth0 ip=172.31.16.10 mask=20 subnet=255.255.240.0 router=172.31.16.1 dns=172.31.0.2 " +
      "domain=us-east-1.compute.internal mtu=1400 lease=3600 hostname=ip-172-31-16-10";
    const bound = await hypervisor.runCommand(instance.instanceId, `env ${lease} /usr/share/udhcpc/default.script bound`);
    expect(bound.exitCode).toBe(0);
    const shown = await hypervisor.runCommand(
      instance.instanceId,
      "ip -4 addr show dev eth0; ip route; cat /etc/resolv.conf; hostname; cat /run/tabcloud/network",
    );
    expect(shown.stdout).toMatch(/^\d+: eth0: .* mtu 1400 /m);
    expect(shown.stdout).toMatch(/inet 172\.31\.16\.10\/20 brd 172\.31\.31\.255 .*eth0/);
    expect(shown.stdout).toMatch(/^default via 172\.31\.16\.1 dev eth0/m);
    expect(shown.stdout).toContain("search us-east-1.compute.internal\nnameserver 172.31.0.2\n");
    expect(shown.stdout).toContain(`\n${instance.instanceId}\n`);
    expect(shown.stdout).toContain("eth0 172.31.16.10/20 router=172.31.16.1 lease=3600s");

    const renewed = await hypervisor.runCommand(
      instance.instanceId,
      `env ${lease} /usr/share/udhcpc/default.script renew; ip -4 addr show dev eth0 | grep -c inet`,
    );
    expect(renewed.stdout.trim()).toBe("1");

    const deconfigured = await hypervisor.runCommand(
      instance.instanceId,
      "interface=eth0 /usr/share/udhcpc/default.script deconfig; ip -4 addr show dev eth0 | grep -c inet; ls /run/tabcloud",
    );
    expect(deconfigured.stdout).toMatch(/^0\n/);
    expect(deconfigured.stdout).not.toContain("network");
  });
});

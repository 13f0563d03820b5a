/**
 * The instance's NIC, emulator side: two instances of the default image booted with network
 * ports (virtio-net, each with the MAC its BootSpec names) joined by a hub that hands each batch
 * of frames to the other, as the fabric would without deciding anything. With static addresses
 * they ping each other both ways, also after one of them hibernated and resumed.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { transfer } from "comlink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, NodeWorkerHost, type NodeHypervisorOptions } from "../../src/hypervisor/node.ts";
import type { FrameBatch } from "../../src/net/fabricApi.ts";
import type { BootSpec, NicPort } from "../../src/worker/api.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

type WorkerHost = NonNullable<NodeHypervisorOptions["workerHost"]>;

const MACS = ["02:00:0a:00:00:01", "02:00:0a:00:00:02"] as const;
const ADDRESSES = ["10.0.0.1", "10.0.0.2"] as const;

/** Every port plugged into it hears every other's frames: a wire between the instances, nothing more. */
class Hub {
  readonly #ports = new Set<MessagePort>();
  frames = 0;

  plug(port: MessagePort): void {
    this.#ports.add(port);
    port.on("close", () => this.#ports.delete(port));
    port.on("message", (batch: FrameBatch) => {
      this.frames += batch.frames.length;
      for (const other of this.#ports) {
        if (other === port) continue;
        // Each listener gets its own copies: a transferred buffer goes to one port only.
        const frames = batch.frames.map((frame) => frame.slice());
        other.postMessage(
          { type: "frames", frames } satisfies FrameBatch,
          frames.map((frame) => frame.buffer),
        );
      }
    });
  }

  close(): void {
    for (const port of this.#ports) port.close();
  }
}

/** Boots each instance with a virtio-net NIC on the hub, with the MAC of its turn (kept across its boots, like an ENI's). */
class HubWorkerHost implements WorkerHost {
  readonly #inner = new NodeWorkerHost();
  readonly #macs = new Map<string, string>();
  readonly hub = new Hub();

  macOf(instanceId: string): string {
    const mac = this.#macs.get(instanceId) ?? MACS[this.#macs.size];
    if (!mac) throw new Error("this test has MAC addresses for two instances");
    this.#macs.set(instanceId, mac);
    return mac;
  }

  spawn(instanceId: string): ReturnType<WorkerHost["spawn"]> {
    const handle = this.#inner.spawn(instanceId);
    const boot = (spec: BootSpec) => {
      const { port1, port2 } = new MessageChannel();
      this.hub.plug(port2);
      const plugged: BootSpec = {
        ...spec,
        // The NIC's own MAC must be eth0's, without the boot script's help.
        kernelCommandLine: spec.kernelCommandLine.replace(/ tabcloud\.mac=\S+/, ""),
        network: { port: port1 as unknown as NicPort, macAddress: this.macOf(spec.instanceId), mtu: 1500 },
      };
      // Both ports move to the worker: the console channel and the NIC's.
      return handle.api.boot(transfer(plugged, [spec.channel as unknown as Transferable, port1 as unknown as Transferable]));
    };
    const api = new Proxy(handle.api, {
      get: (target, key, receiver) => (key === "boot" ? boot : Reflect.get(target, key, receiver)),
    });
    return { api, onCrash: (listener) => handle.onCrash(listener), terminate: () => handle.terminate() };
  }

  spawnFabric(): ReturnType<WorkerHost["spawnFabric"]> {
    return this.#inner.spawnFabric();
  }
}

describe("two instances whose NICs are joined by a hub", () => {
  const workerHost = new HubWorkerHost();
  let hypervisor: Hypervisor;
  let instances: Instance[] = [];
  const consoles: ConsoleReader[] = [];

  const run = async (index: number, command: string) => hypervisor.runCommand(instances[index]!.instanceId, command, { timeoutMs: 60_000 });

  /** Stops DHCP (nobody serves it on the hub) and gives eth0 its static address. */
  const configure = async (index: number) => {
    const address = ADDRESSES[index]!;
    const result = await run(
      index,
      `if [ -f /run/udhcpc.eth0.pid ]; then kill $(cat /run/udhcpc.eth0.pid); fi; ` +
        `ip addr flush dev eth0; ip addr add ${address}/24 dev eth0 && ip link set eth0 up && ip -4 addr show dev eth0`,
    );
    expect(result.stdout).toContain(`inet ${address}/24`);
  };

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ workerHost, keepSpareWorker: false });
    for (let i = 0; i < 2; i++) {
      const [instance] = (await hypervisor.runInstances({ hibernationOptions: { configured: true } })) as [Instance];
      workerHost.macOf(instance.instanceId);
      instances.push(instance);
      consoles.push(new ConsoleReader(hypervisor, instance.instanceId));
    }
    await Promise.all(consoles.map((console) => console.waitFor(PROMPT, 90_000)));
    await Promise.all(
      instances.map((instance) => waitForInstance(hypervisor, instance.instanceId, (i) => i.statusChecks.instance === "ok", 90_000)),
    );
    await configure(0);
    await configure(1);
  }, 240_000);

  afterAll(async () => {
    for (const console of consoles) console.dispose();
    await hypervisor?.shutdownAll();
    workerHost.hub.close();
    instances = [];
  });

  it("gives each guest's eth0 the MAC its BootSpec named", async () => {
    for (const [index, instance] of instances.entries()) {
      const result = await run(index, "cat /sys/class/net/eth0/address");
      expect(result.stdout.trim()).toBe(workerHost.macOf(instance.instanceId));
    }
  });

  it.each([
    [0, 1],
    [1, 0],
  ])("carries ping from instance %i to instance %i", async (from, to) => {
    const result = await run(from, `ping -c 3 -W 5 ${ADDRESSES[to]}`);
    expect(result.stdout).toContain("3 packets transmitted, 3 packets received");
    expect(result.exitCode).toBe(0);
  });

  it("knows the other's MAC from ARP, through the hub", async () => {
    const result = await run(0, `ip neigh show ${ADDRESSES[1]}`);
    expect(result.stdout).toContain(`lladdr ${workerHost.macOf(instances[1]!.instanceId)}`);
  });

  it("pings both ways again after one of them hibernated and resumed on the same NIC", async () => {
    const id = instances[1]!.instanceId;
    await hypervisor.stopInstances([id], { hibernate: true });
    await waitForInstance(hypervisor, id, (i) => i.state.name === "stopped" && i.hibernated, 60_000);
    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, (i) => i.state.name === "running" && i.statusChecks.instance === "ok", 60_000);
    const there = await run(0, `ping -c 3 -W 5 ${ADDRESSES[1]}`);
    expect(there.stdout).toContain("3 packets transmitted, 3 packets received");
    const back = await run(1, `ping -c 3 -W 5 ${ADDRESSES[0]}`);
    expect(back.stdout).toContain("3 packets transmitted, 3 packets received");
    expect((await run(1, "cat /sys/class/net/eth0/address")).stdout.trim()).toBe(workerHost.macOf(id));
  }, 120_000);
});

describe("an instance worker asked to resume a state on other devices", () => {
  it("refuses before starting the emulator, saying which NIC the state needs", async () => {
    const worker = new NodeWorkerHost().spawn("i-0123456789abcdef0");
    try {
      const channel = new MessageChannel();
      const empty = new ArrayBuffer(0);
      const spec: BootSpec = {
        instanceId: "i-0123456789abcdef0",
        memoryMib: 64,
        kernelCommandLine: "",
        bios: empty,
        kernel: empty,
        rootVolume: { base: null, sizeBytes: 4096, writtenBlocks: new Map() },
        channel: channel.port2 as unknown as BootSpec["channel"],
        hibernation: new ArrayBuffer(16),
        hibernationDevices: { nic: { type: "virtio", mtu: 1500, macAddress: MACS[0] } },
      };
      const booted = await worker.api.boot(transfer(spec, [channel.port2 as unknown as Transferable]));
      expect(booted).toEqual({
        ok: false,
        error: {
          code: "IncorrectInstanceState",
          message: `The saved state was taken with a virtio-net NIC with MAC ${MACS[0]} and MTU 1500 and cannot resume on an unplugged ne2k NIC.`,
        },
      });
      channel.port1.close();
    } finally {
      await worker.terminate();
    }
  });
});

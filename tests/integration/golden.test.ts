/**
 * Fast launch on real guests: the first launch of an image cold-boots and leaves a golden state
 * behind; later launches restore it and come up as themselves (host name, no trace of another
 * instance's user data, their own random numbers, their own address), run their own user data
 * once, and stop, start, hibernate and resume like any instance. A golden state that does not
 * fit, or whose bytes are damaged, is not restored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { openPersistence } from "../../src/persistence/persistence.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";
const SNAPSHOT_LINE = "started from the boot snapshot";

async function goldenStatesOf(hypervisor: Hypervisor): Promise<{ memoryMib: number; sizeBytes: number }[]> {
  return (await hypervisor.describeFastLaunchImages()).flatMap((image) => image.goldenStates);
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function launch(hypervisor: Hypervisor, request: Parameters<Hypervisor["runInstances"]>[0] = {}): Promise<string> {
  const [instance] = (await hypervisor.runInstances({ instanceType: "t3.micro", ...request })) as [Instance];
  await waitForInstance(hypervisor, instance.instanceId, agentReady, 90_000);
  return instance.instanceId;
}

const run = async (hypervisor: Hypervisor, id: string, command: string) => (await hypervisor.runCommand(id, command)).stdout.trim();

describe("a launch from the image's golden state", () => {
  const databaseName = `tabcloud-golden-${Date.now()}`;
  let hypervisor: Hypervisor;
  let clones: string[];

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ databaseName, stopTimeoutMs: 20_000 });
    // The first launch cold-boots; its user data runs in it alone, after the golden boot began.
    const first = await launch(hypervisor, { userData: "#!/bin/sh\necho first > /root/first-instance.txt" });
    expect(hypervisor.getConsoleOutput(first).output).not.toContain(SNAPSHOT_LINE);
    await until("a golden state", async () => ((await goldenStatesOf(hypervisor)).length > 0 ? true : null));
    clones = [
      await launch(hypervisor, { userData: "#!/bin/sh\necho ran >> /root/user-data-runs.txt", hibernationOptions: { configured: true } }),
      await launch(hypervisor),
    ];
  }, 300_000);
  afterAll(async () => {
    await hypervisor.shutdownAll();
    await new Promise<void>((resolve) => {
      const request = indexedDB.deleteDatabase(databaseName);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  });

  it("says so on its console and answers as the new instance, with nothing of the first one's user data", async () => {
    const [id] = clones as [string];
    expect(hypervisor.getConsoleOutput(id).output).toContain(SNAPSHOT_LINE);
    expect(await run(hypervisor, id, "hostname")).toBe(id);
    expect(await run(hypervisor, id, "cat /root/first-instance.txt 2>&1 || echo absent")).toMatch(/absent$/);
    const [described] = hypervisor.describeInstances({ instanceIds: [id] });
    // The lease comes in the background, as at a cold boot.
    const address =
      "for i in $(seq 50); do ip -4 -o addr show dev eth0 | grep -q inet && break; usleep 200000; done; ip -4 -o addr show dev eth0";
    expect(await run(hypervisor, id, `${address} | awk '{print $4}'`)).toBe(`${described?.privateIpAddress}/20`);
  });

  it("shows the new instance's prompt on its console, and never the golden boot's", async () => {
    const [id] = clones as [string];
    await until("the new prompt", async () => (hypervisor.getConsoleOutput(id).output.includes(`root@${id}`) ? true : null), 10_000);
    // The golden boot's shell waited at its gate when the state was saved: its first prompt is the clone's.
    expect(hypervisor.getConsoleOutput(id).output).not.toContain("root@tabcloud");
  });

  it("gives each clone its own random numbers and a clock that is now", async () => {
    const [a, b] = clones as [string, string];
    const [randomA, randomB] = await Promise.all([a, b].map((id) => run(hypervisor, id, "head -c 32 /dev/urandom | base64")));
    expect(randomA).not.toBe(randomB);
    const guestClock = Number(await run(hypervisor, a, "date +%s"));
    expect(Math.abs(guestClock - Date.now() / 1000)).toBeLessThan(30);
  });

  it("runs its own user data once, and boots its own volume at a start after a stop", async () => {
    const [id] = clones as [string];
    expect(await run(hypervisor, id, "cat /root/user-data-runs.txt")).toBe("ran");
    await hypervisor.stopInstances([id]);
    await waitForInstance(hypervisor, id, (i) => i.state.name === "stopped", 60_000);
    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady, 90_000);
    expect(await run(hypervisor, id, "cat /root/user-data-runs.txt; hostname")).toBe(`ran\n${id}`);
  });

  it("hibernates and resumes like any instance", async () => {
    const [id] = clones as [string];
    await hypervisor.runCommand(id, "echo kept-in-memory > /tmp/memory.txt");
    await hypervisor.stopInstances([id], { hibernate: true });
    await waitForInstance(hypervisor, id, (i) => i.state.name === "stopped" && i.hibernated, 60_000);
    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady, 90_000);
    expect(await run(hypervisor, id, "cat /tmp/memory.txt; hostname")).toBe(`kept-in-memory\n${id}`);
  });

  it("is not restored for another memory size", async () => {
    const id = await launch(hypervisor, { instanceType: "t3.small" });
    expect(hypervisor.getConsoleOutput(id).output).not.toContain(SNAPSHOT_LINE);
    await hypervisor.terminateInstances([id]);
  });

  it("is refused and removed when its stored bytes are damaged, and the launch boots instead", async () => {
    // A spare restored earlier, and the state last launched from, are checked copies in memory: a new host reads the stored bytes.
    await hypervisor.shutdownAll();
    hypervisor = await createNodeHypervisor({ databaseName, keepSpareWorker: false });
    const storage = await openPersistence({ name: databaseName });
    try {
      const [record] = await storage.goldenStates.records();
      if (!record) throw new Error("no golden state to damage");
      const bytes = new Uint8Array((await storage.goldenStates.bytes(record.key)) as ArrayBuffer);
      const middle = bytes.length >> 1;
      bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
      await storage.goldenStates.put(record, bytes.buffer);
      const id = await launch(hypervisor);
      const console = hypervisor.getConsoleOutput(id).output;
      expect(console).toContain("was not used: its stored bytes do not match their checksum");
      expect(console).not.toContain(SNAPSHOT_LINE);
      expect(await run(hypervisor, id, "hostname")).toBe(id);
      // Removed at once; the boot that replaced it makes a sound one for the next launch.
      const kept = await storage.goldenStates.record(record.key);
      expect(kept === undefined || kept.sha256 !== record.sha256).toBe(true);
      const remade = await until("a sound golden state again", async () => {
        const again = await storage.goldenStates.record(record.key);
        return again && again.sha256 !== record.sha256 ? again : null;
      });
      expect(remade.sizeBytes).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  });

  it("is dropped when it was made by another emulator build, once the host starts again", async () => {
    await hypervisor.shutdownAll();
    const storage = await openPersistence({ name: databaseName });
    try {
      const records = await storage.goldenStates.records();
      expect(records.length).toBeGreaterThan(0);
      for (const record of records) {
        const bytes = (await storage.goldenStates.bytes(record.key)) as ArrayBuffer;
        await storage.goldenStates.put({ ...record, identity: { ...(record.identity as object), emulator: "v86@0.0.1" } }, bytes);
      }
    } finally {
      await storage.close();
    }
    hypervisor = await createNodeHypervisor({ databaseName });
    expect(await goldenStatesOf(hypervisor)).toEqual([]);
  });
});

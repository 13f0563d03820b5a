/**
 * Bad input and broken parts: each failure lands on the one instance it concerns, with a
 * reason a person can act on, while the other instances carry on.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { gunzipSync, gzipSync } from "node:zlib";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ec2Error } from "../../src/shared/errors.ts";
import type { Hypervisor, Instance, WorkerHost } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, SERVED_IMAGES_DIR, NodeWorkerHost } from "../../src/hypervisor/node.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

describe("an image whose file does not match its manifest", () => {
  let dir: string;
  let hypervisor: Hypervisor;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tabcloud-bad-image-"));
    await cp(SERVED_IMAGES_DIR, dir, { recursive: true });
    // One bit of the kernel changed, served gzip-compressed as the real one is.
    const kernel = join(dir, "tabcloud-linux", "bzImage.gz");
    const bytes = gunzipSync(await readFile(kernel));
    bytes[4096] = (bytes[4096] ?? 0) ^ 1;
    await writeFile(kernel, gzipSync(bytes));
    hypervisor = await createNodeHypervisor({ imagesDir: dir });
  });
  afterAll(async () => {
    await hypervisor.shutdownAll();
    await rm(dir, { recursive: true, force: true });
  });

  it("never boots: the launch ends terminated with a reason naming the file", async () => {
    const [instance] = (await hypervisor.runInstances()) as [Instance];
    const ended = await waitForInstance(hypervisor, instance.instanceId, (i) => i.state.name === "terminated");
    expect(ended.stateReason?.code).toBe("Server.InternalError");
    expect(ended.stateReason?.message).toContain("ImageIntegrityError");
    expect(ended.stateReason?.message).toContain("bzImage.gz does not match its manifest");
  });
});

describe("a worker that crashes while another instance runs", () => {
  let hypervisor: Hypervisor;
  let crashNext = false;
  const real = new NodeWorkerHost();
  const crashing = new NodeWorkerHost(new URL("./fixtures/crashingWorker.mjs", import.meta.url));
  const host: WorkerHost = {
    spawn(id) {
      const chosen = crashNext ? crashing : real;
      crashNext = false;
      return chosen.spawn(id);
    },
    spawnFabric: () => real.spawnFabric(),
  };

  beforeAll(async () => {
    // No spare worker: each launch spawns its own, so the crash lands on the launch it is meant for.
    hypervisor = await createNodeHypervisor({ workerHost: host, keepSpareWorker: false });
  });
  afterAll(() => hypervisor.shutdownAll());

  it("marks only that instance failed, with the reason; the other keeps working", async () => {
    const [healthy] = (await hypervisor.runInstances()) as [Instance];
    const console = new ConsoleReader(hypervisor, healthy.instanceId);
    await console.waitFor(PROMPT, 60_000);

    crashNext = true;
    const [doomed] = (await hypervisor.runInstances()) as [Instance];
    const failed = await waitForInstance(hypervisor, doomed.instanceId, (i) => i.state.name === "terminated");
    expect(failed.stateReason?.message).toContain("simulated emulator crash while booting");

    expect((await console.run("echo still-here")).trim()).toBe("still-here");
    const [stillRunning] = hypervisor.describeInstances({ instanceIds: [healthy.instanceId] });
    expect(stillRunning?.state.name).toBe("running");
    console.dispose();
  });
});

describe("bad parameters", () => {
  let hypervisor: Hypervisor;
  beforeAll(async () => {
    hypervisor = await createNodeHypervisor();
  });
  afterAll(() => hypervisor.shutdownAll());

  it.each([
    [{ instanceType: "t3.enormous" }, "InvalidParameterValue", /t3\.enormous/],
    [{ imageId: "ami-00000000000000000" }, "InvalidAMIID.NotFound", /ami-00000000000000000/],
    [{ count: 0 }, "InvalidParameterValue", /Count/],
    [{ count: 300 }, "InstanceLimitExceeded", /quota/],
    [{ tags: [{ key: "aws:name", value: "x" }] }, "InvalidParameterValue", /aws:/],
    [{ terminalSize: { rows: 0, cols: 80 } }, "InvalidParameterValue", /terminal/],
  ])("runInstances(%j) fails with %s and launches nothing", async (request, code, message) => {
    const error = await hypervisor.runInstances(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Ec2Error);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    expect(hypervisor.describeInstances()).toEqual([]);
  });

  it.each([
    ["i-123", "InvalidInstanceID.Malformed"],
    ["i-00000000000000000", "InvalidInstanceID.NotFound"],
  ])("terminateInstances([%j]) fails with %s", async (id, code) => {
    await expect(hypervisor.terminateInstances([id])).rejects.toMatchObject({ code });
  });
});

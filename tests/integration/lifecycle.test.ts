/**
 * EC2's lifecycle on real instances: stop and start keep the root volume, poweroff inside the
 * guest follows the shutdown behaviour, types change while stopped, reboot stays running.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

describe("an instance through stop, start, resize and reboot", () => {
  let hypervisor: Hypervisor;
  let id: string;

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ stopTimeoutMs: 20_000 });
    const [instance] = (await hypervisor.runInstances({ instanceType: "t3.micro" })) as [Instance];
    id = instance.instanceId;
    await waitForInstance(hypervisor, id, agentReady);
  });
  afterAll(() => hypervisor.shutdownAll());

  it("keeps a file on its root volume across stop and start", async () => {
    await hypervisor.runCommand(id, "echo kept-across-stop > /root/kept.txt");
    const [change] = await hypervisor.stopInstances([id]);
    expect(change?.previousState.name).toBe("running");
    const stopped = hypervisor.describeInstances({ instanceIds: [id] })[0];
    expect(stopped?.state).toEqual({ name: "stopped", code: 80 });
    expect(stopped?.stateReason?.code).toBe("Client.UserInitiatedShutdown");

    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady);
    expect((await hypervisor.runCommand(id, "cat /root/kept.txt")).stdout).toBe("kept-across-stop\n");
  });

  it("refuses a type change while running, naming the state", async () => {
    await expect(hypervisor.modifyInstanceAttribute(id, { instanceType: "t3.small" })).rejects.toMatchObject({
      code: "IncorrectInstanceState",
      message: expect.stringMatching(/running.*only while it is stopped/),
    });
  });

  it("boots with the new type's memory after a change while stopped", async () => {
    const before = Number((await hypervisor.runCommand(id, "free -m | awk '/Mem:/ {print $2}'")).stdout);
    await hypervisor.stopInstances([id]);
    await hypervisor.modifyInstanceAttribute(id, { instanceType: "t3.small" });
    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady);
    const after = Number((await hypervisor.runCommand(id, "free -m | awk '/Mem:/ {print $2}'")).stdout);
    expect(hypervisor.describeInstances({ instanceIds: [id] })[0]?.instanceType).toBe("t3.small");
    expect(before).toBeGreaterThan(90);
    expect(before).toBeLessThan(128);
    expect(after).toBeGreaterThan(220);
    expect(after).toBeLessThan(256);
  });

  it("reboots its operating system and stays running", async () => {
    await hypervisor.runCommand(id, "echo before-reboot > /tmp/volatile; echo on-disk > /root/durable");
    await hypervisor.rebootInstances([id]);
    expect(hypervisor.describeInstances({ instanceIds: [id] })[0]?.state.name).toBe("running");
    await waitForInstance(hypervisor, id, (i) => i.statusChecks.instance === "initializing");
    await waitForInstance(hypervisor, id, agentReady);
    const after = await hypervisor.runCommand(id, "cat /root/durable; cat /tmp/volatile 2>/dev/null || echo tmp-cleared");
    expect(after.stdout).toBe("on-disk\ntmp-cleared\n");
  });

  it("stops when poweroff is typed in the guest (the default shutdown behaviour)", async () => {
    const console = new ConsoleReader(hypervisor, id);
    await hypervisor.sendConsoleInput(id, "poweroff\n");
    const stopped = await waitForInstance(hypervisor, id, (i) => i.state.name === "stopped");
    expect(stopped.stateReason?.code).toBe("Client.InstanceInitiatedShutdown");
    console.dispose();
  });
});

describe("shutdown behaviour, termination protection and bad requests", () => {
  let hypervisor: Hypervisor;
  afterAll(() => hypervisor.shutdownAll());
  beforeAll(async () => {
    hypervisor = await createNodeHypervisor();
  });

  it("terminates on poweroff when the shutdown behaviour says terminate", async () => {
    const [instance] = (await hypervisor.runInstances({ instanceInitiatedShutdownBehavior: "terminate" })) as [Instance];
    const console = new ConsoleReader(hypervisor, instance.instanceId);
    await console.waitFor(PROMPT, 60_000);
    await hypervisor.sendConsoleInput(instance.instanceId, "poweroff\n");
    const ended = await waitForInstance(hypervisor, instance.instanceId, (i) => i.state.name === "terminated");
    expect(ended.stateReason?.code).toBe("Client.InstanceInitiatedShutdown");
    await expect(hypervisor.startInstances([instance.instanceId])).rejects.toMatchObject({ code: "IncorrectInstanceState" });
    console.dispose();
  });

  it("refuses to terminate a protected instance until protection is turned off", async () => {
    const [instance] = (await hypervisor.runInstances({ disableApiTermination: true })) as [Instance];
    const id = instance.instanceId;
    await waitForInstance(hypervisor, id, agentReady);
    await expect(hypervisor.terminateInstances([id])).rejects.toMatchObject({ code: "OperationNotPermitted" });
    expect(hypervisor.describeInstances({ instanceIds: [id] })[0]?.state.name).toBe("running");
    await hypervisor.modifyInstanceAttribute(id, { disableApiTermination: false });
    const [change] = await hypervisor.terminateInstances([id]);
    expect(change?.currentState).toEqual({ name: "terminated", code: 48 });
    // Terminating again is harmless, as on EC2.
    const [again] = await hypervisor.terminateInstances([id]);
    expect(again?.previousState.name).toBe("terminated");
  });

  it("finds instances by state, type and tag", async () => {
    const [tagged] = (await hypervisor.runInstances({ tags: [{ key: "Name", value: "web-1" }], instanceType: "t3.nano" })) as [Instance];
    const byTag = hypervisor.describeInstances({ filters: [{ name: "tag:Name", values: ["web-1"] }] });
    expect(byTag.map((i) => i.instanceId)).toEqual([tagged.instanceId]);
    expect(hypervisor.describeInstances({ filters: [{ name: "instance-type", values: ["t3.nano"] }] })).toHaveLength(1);
    expect(
      hypervisor.describeInstances({ filters: [{ name: "instance-state-name", values: ["terminated"] }] }).length,
    ).toBeGreaterThanOrEqual(2);
    expect(() => hypervisor.describeInstances({ filters: [{ name: "colour", values: ["blue"] }] })).toThrow(/colour/);
    await hypervisor.terminateInstances([tagged.instanceId]);
  });
});

describe("hibernation", () => {
  let hypervisor: Hypervisor;
  afterAll(() => hypervisor.shutdownAll());

  it("resumes where it was: a background process, shell variables and /tmp survive", async () => {
    hypervisor = await createNodeHypervisor();
    // Wide enough that the commands typed below are echoed on one line.
    const [instance] = (await hypervisor.runInstances({
      terminalSize: { rows: 30, cols: 160 },
      hibernationOptions: { configured: true },
    })) as [Instance];
    const id = instance.instanceId;
    const console = new ConsoleReader(hypervisor, id);
    await console.waitFor(PROMPT, 60_000);
    await waitForInstance(hypervisor, id, agentReady);
    const started = await console.run("GREETING=still-here; echo in-tmp > /tmp/note; sh -c 'while :; do sleep 1; done' & echo pid=$!");
    const pid = /pid=(\d+)/.exec(started)?.[1];
    expect(pid).toMatch(/^\d+$/);

    const [change] = await hypervisor.stopInstances([id], { hibernate: true });
    expect(change?.currentState.name).toBe("stopped");
    expect(hypervisor.describeInstances({ instanceIds: [id] })[0]?.stateReason?.code).toBe("Client.UserInitiatedHibernate");
    await expect(hypervisor.modifyInstanceAttribute(id, { instanceType: "t3.small" })).rejects.toMatchObject({
      code: "UnsupportedOperation",
    });

    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady);
    expect((await hypervisor.runCommand(id, `kill -0 ${pid} && cat /tmp/note`)).stdout).toBe("in-tmp\n");
    expect((await console.run("echo $GREETING")).trim()).toBe("still-here");
    console.dispose();
  });
});

describe("a force stop", () => {
  let hypervisor: Hypervisor;
  afterAll(() => hypervisor.shutdownAll());

  it("stops an instance whose guest never finishes shutting down, keeping what it had synced", async () => {
    // A stop would wait ten minutes for this guest.
    hypervisor = await createNodeHypervisor({ stopTimeoutMs: 600_000 });
    const [instance] = (await hypervisor.runInstances()) as [Instance];
    const id = instance.instanceId;
    await waitForInstance(hypervisor, id, agentReady);
    // The guest's poweroff hangs, as a service that will not stop does.
    await hypervisor.runCommand(
      id,
      "echo synced-before > /root/kept.txt; rm -f /sbin/poweroff; printf '#!/bin/sh\\nsleep 3600\\n' > /sbin/poweroff; chmod +x /sbin/poweroff; sync",
    );
    const stuck = hypervisor.stopInstances([id]);
    await waitForInstance(hypervisor, id, (i) => i.state.name === "stopping");

    const [forced] = await hypervisor.stopInstances([id], { force: true });
    expect(forced?.currentState.name).toBe("stopped");
    await expect(stuck).resolves.toHaveLength(1);

    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady);
    expect((await hypervisor.runCommand(id, "cat /root/kept.txt")).stdout).toBe("synced-before\n");
  });
});

describe("an instance-store-backed instance", () => {
  let hypervisor: Hypervisor;
  afterAll(() => hypervisor.shutdownAll());

  it("can be rebooted (its disk kept) but not stopped or hibernated, has no EBS volume, and a shutdown inside terminates it", async () => {
    hypervisor = await createNodeHypervisor();
    const image = (await hypervisor.describeImages()).find((candidate) => candidate.rootDeviceType === "instance-store");
    if (!image) throw new Error("the catalog offers no instance-store image");
    expect(image.name).toMatch(/instance-store/);
    const [instance] = (await hypervisor.runInstances({ imageId: image.imageId })) as [Instance];
    const id = instance.instanceId;
    expect(instance.rootDeviceType).toBe("instance-store");
    await waitForInstance(hypervisor, id, agentReady);
    expect(hypervisor.describeVolumes()).toEqual([]);

    await expect(hypervisor.stopInstances([id])).rejects.toMatchObject({
      code: "UnsupportedOperation",
      message: expect.stringMatching(/instance-store/),
    });
    await expect(hypervisor.stopInstances([id], { hibernate: true })).rejects.toMatchObject({ code: "UnsupportedOperation" });
    expect(hypervisor.describeInstances({ instanceIds: [id] })[0]?.state.name).toBe("running");

    // EC2 keeps instance-store data through a reboot.
    await hypervisor.runCommand(id, "echo on-the-instance-store > /root/ephemeral.txt; sync");
    await hypervisor.rebootInstances([id]);
    await waitForInstance(hypervisor, id, (i) => i.statusChecks.instance === "initializing");
    await waitForInstance(hypervisor, id, agentReady);
    expect((await hypervisor.runCommand(id, "cat /root/ephemeral.txt")).stdout).toBe("on-the-instance-store\n");

    // The default shutdown behaviour is stop, but an instance-store root cannot stop: it terminates.
    await hypervisor.sendConsoleInput(id, "poweroff\n");
    const gone = await waitForInstance(hypervisor, id, (i) => i.state.name === "terminated");
    expect(gone.stateReason?.code).toBe("Client.InstanceInitiatedShutdown");
  });
});

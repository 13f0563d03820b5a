/**
 * Boots the default image through the hypervisor, as the page does, and uses it over the
 * serial console and the guest agent.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import type { ConsoleReader } from "./consoleReader.ts";
import { bootToPrompt } from "./bootToPrompt.ts";

describe("the default image, booted through the hypervisor", () => {
  let hypervisor: Hypervisor;
  let instance: Instance;
  let console: ConsoleReader;

  beforeAll(async () => {
    ({ hypervisor, instance, console } = await bootToPrompt({ rows: 30, cols: 100 }));
  });

  afterAll(async () => {
    console?.dispose();
    await hypervisor?.shutdownAll();
  });

  it("is running with both status checks passed", () => {
    const [described] = hypervisor.describeInstances({ instanceIds: [instance.instanceId] });
    expect(described?.state).toEqual({ name: "running", code: 16 });
    expect(described?.statusChecks).toEqual({ system: "ok", instance: "ok" });
  });

  it("greets with a root prompt naming the instance", () => {
    expect(console.text).toMatch(new RegExp(`root@${instance.instanceId}:~# `));
  });

  it.each([
    ["uname -m", "i686"],
    ["echo $((6*7))", "42"],
    ["echo $TERM", "xterm-256color"],
    ["stty size", "30 100"],
    [". /etc/os-release; echo $NAME", "tabcloud Linux"],
  ])("answers %s with %s", async (command, expected) => {
    const answer = await console.run(command);
    expect(answer.trim()).toBe(expected);
  });

  it("is named after its instance id", async () => {
    expect((await console.run("hostname")).trim()).toBe(instance.instanceId);
  });

  it("keeps a file written in the terminal, and the agent reads it back", async () => {
    await console.run("echo 'written at the prompt' > /root/note.txt && sync");
    expect((await console.run("cat /root/note.txt")).trim()).toBe("written at the prompt");
    const read = await hypervisor.runCommand(instance.instanceId, "cat /root/note.txt");
    expect(read).toEqual({ exitCode: 0, stdout: "written at the prompt\n", stderr: "" });
  });

  it("returns a command's non-zero exit code and stderr through the agent", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "ls /no/such/dir; exit 3");
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("No such file or directory");
  });

  it("carries output of any size and bytes through the agent", async () => {
    const result = await hypervisor.runCommand(instance.instanceId, "seq 1 20000; printf 'caf\\303\\251 \\001\\n'");
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("1");
    expect(lines[19999]).toBe("20000");
    expect(lines[20000]).toBe("café \u0001");
  });

  it("applies a new terminal size to the running shell", async () => {
    await hypervisor.setTerminalSize(instance.instanceId, { rows: 40, cols: 132 });
    expect((await console.run("stty size")).trim()).toBe("40 132");
  });

  it("never shows agent traffic on the user's console", async () => {
    for (let i = 0; i < 5; i++) await hypervisor.runCommand(instance.instanceId, `echo agent-${i}`);
    const output = hypervisor.getConsoleOutput(instance.instanceId).output;
    expect(output).not.toMatch(/TC1 /);
    expect(output).not.toContain("agent-");
    expect(output).not.toContain(btoa("agent-0\n"));
  });

  it("counts the instructions the guest retires", async () => {
    const before = await hypervisor.getInstanceStats(instance.instanceId);
    await hypervisor.runCommand(instance.instanceId, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done");
    const after = await hypervisor.getInstanceStats(instance.instanceId);
    expect(before.instructions).toBeGreaterThan(100_000_000);
    // The loop alone needs far more than 2^32 / 1000 instructions; the count only grows.
    expect(after.instructions - before.instructions).toBeGreaterThan(10_000_000);
    expect(after.running).toBe(true);
  });
});

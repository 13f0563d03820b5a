import { describe, expect, it } from "vitest";
import { inState, withWorker } from "../testing/records.ts";
import { InstanceConsole } from "./console.ts";
import type { Instance } from "./instance.ts";
import type { InstanceRecord } from "./record.ts";
import { InstanceRegistry } from "./registry.ts";

function consoleOf(...records: InstanceRecord[]): InstanceConsole {
  const registry = new InstanceRegistry({ changed: () => undefined, removed: () => undefined, terminatedVisibleMs: 1000 });
  for (const record of records) registry.add(record);
  return new InstanceConsole(registry);
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("an instance's serial console", () => {
  it("keeps what the guest wrote for getConsoleOutput and passes it to every listener", () => {
    const record = inState("running");
    const serial = consoleOf(record);
    const heard: string[][] = [[], []];
    const stopFirst = serial.listen(record.instance.instanceId, (data) => heard[0]?.push(new TextDecoder().decode(data)));
    serial.listen(record.instance.instanceId, (data) => heard[1]?.push(new TextDecoder().decode(data)));
    serial.received(record, bytes("login: "));
    stopFirst();
    serial.received(record, bytes("root\n"));
    expect(heard).toEqual([["login: "], ["login: ", "root\n"]]);
    expect(serial.output(record.instance.instanceId)).toMatchObject({ instanceId: record.instance.instanceId, output: "login: root\n" });
  });

  it("types into a running instance's emulator", async () => {
    const record = inState("running");
    const worker = withWorker(record);
    await consoleOf(record).type(record.instance.instanceId, "ls\n");
    expect(worker.callsOf("sendConsoleInput").map((call) => call.args)).toEqual([["ls\n"]]);
  });

  it("refuses typing into an instance that is not running, with the lifecycle table's reason", async () => {
    const record = inState("stopped");
    await expect(consoleOf(record).type(record.instance.instanceId, "ls\n")).rejects.toMatchObject({
      code: "IncorrectInstanceState",
      message: `Cannot type into the instance ${record.instance.instanceId}: it is stopped, not running.`,
    });
  });

  it("refuses typing into a running instance whose emulator is gone", async () => {
    const record = inState("running");
    await expect(consoleOf(record).type(record.instance.instanceId, "ls\n")).rejects.toMatchObject({
      code: "IncorrectInstanceState",
      message: expect.stringContaining("no running emulator"),
    });
  });
});

describe("the terminal's size", () => {
  it("is kept for the next boot and told to a guest whose agent answers", async () => {
    const record = inState("running");
    const worker = withWorker(record);
    await consoleOf(record).resize(record.instance.instanceId, { rows: 50, cols: 160 });
    expect(record.config.terminalSize).toEqual({ rows: 50, cols: 160 });
    expect(worker.callsOf("setTerminalSize").map((call) => call.args)).toEqual([[50, 160]]);
  });

  it.each([
    ["stopped", { state: { name: "stopped", code: 80 } }],
    ["still booting", { statusChecks: { system: "ok", instance: "initializing" } }],
  ] as const)("is only kept while the instance is %s", async (_, changes: Partial<Instance>) => {
    const record = inState("running", changes);
    const worker = withWorker(record);
    await consoleOf(record).resize(record.instance.instanceId, { rows: 30, cols: 100 });
    expect(record.config.terminalSize).toEqual({ rows: 30, cols: 100 });
    expect(worker.callsOf("setTerminalSize")).toEqual([]);
  });

  it("passes on the guest's refusal as EC2's error", async () => {
    const record = inState("running");
    const worker = withWorker(record);
    worker.script.setTerminalSize = () => ({ ok: false, error: { code: "GuestAgentError", message: "stty failed" } });
    await expect(consoleOf(record).resize(record.instance.instanceId, { rows: 30, cols: 100 })).rejects.toMatchObject({
      code: "GuestAgentError",
      message: "stty failed",
    });
  });
});

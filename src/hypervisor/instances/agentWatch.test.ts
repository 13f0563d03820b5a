import { afterEach, describe, expect, it, vi } from "vitest";
import { inState, withWorker } from "../testing/records.ts";
import { AgentWatch, MISSED_PINGS_TO_FAIL } from "./agentWatch.ts";
import { instanceState, type Instance } from "./instance.ts";
import type { InstanceRecord } from "./record.ts";

/** The deadline agentWatch.ts gives a booting guest's agent. */
const AGENT_DEADLINE_MS = 60_000;

afterEach(() => {
  vi.useRealTimers();
});

/** An AgentWatch whose updates change the record, as the registry's do. */
function watch(): AgentWatch {
  return new AgentWatch({
    update: (record: InstanceRecord, changes: Partial<Instance>) => {
      record.instance = { ...record.instance, ...changes };
    },
  });
}

function booting(): InstanceRecord {
  return inState("running", { statusChecks: { system: "ok", instance: "initializing" } });
}

describe("the instance status check after a boot", () => {
  it("fails when the agent has not said ready by the deadline", () => {
    vi.useFakeTimers();
    const record = booting();
    watch().watch(record, record.runtime.generation);
    vi.advanceTimersByTime(AGENT_DEADLINE_MS - 1);
    expect(record.instance.statusChecks.instance).toBe("initializing");
    vi.advanceTimersByTime(1);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "impaired" });
  });

  it("passes when the agent says ready in time, and the deadline is dropped", () => {
    vi.useFakeTimers();
    const record = booting();
    const agents = watch();
    agents.watch(record, record.runtime.generation);
    agents.ready(record);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "ok" });
    expect(record.runtime.agentDeadline).toBeNull();
    vi.advanceTimersByTime(AGENT_DEADLINE_MS);
    expect(record.instance.statusChecks.instance).toBe("ok");
  });

  it("leaves alone an instance that moved on (stopped, or booted again) before the deadline", () => {
    vi.useFakeTimers();
    const stopped = booting();
    const rebooted = booting();
    const agents = watch();
    agents.watch(stopped, stopped.runtime.generation);
    agents.watch(rebooted, rebooted.runtime.generation);
    stopped.instance = { ...stopped.instance, state: instanceState("stopped") };
    rebooted.runtime.generation++;
    vi.advanceTimersByTime(AGENT_DEADLINE_MS);
    expect(stopped.instance.statusChecks.instance).toBe("initializing");
    expect(rebooted.instance.statusChecks.instance).toBe("initializing");
  });
});

describe("the instance status check after a resume", () => {
  it("stays initializing until the resumed agent answers a ping, then passes", async () => {
    vi.useFakeTimers();
    const record = booting();
    const worker = withWorker(record);
    worker.script.ping = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "no answer" } });
    watch().resumed(record, record.runtime.generation);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(record.instance.statusChecks.instance).toBe("initializing");
    worker.script.ping = () => ({ ok: true, value: undefined });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "ok" });
    const pings = worker.callsOf("ping").length;
    await vi.advanceTimersByTimeAsync(AGENT_DEADLINE_MS);
    expect(worker.callsOf("ping")).toHaveLength(pings);
  });

  it("fails at the deadline when the resumed agent never answers, and stops asking", async () => {
    vi.useFakeTimers();
    const record = booting();
    const worker = withWorker(record);
    worker.script.ping = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "no answer" } });
    watch().resumed(record, record.runtime.generation);
    await vi.advanceTimersByTimeAsync(AGENT_DEADLINE_MS);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "impaired" });
    const pings = worker.callsOf("ping").length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(worker.callsOf("ping")).toHaveLength(pings);
  });
});

describe("the system status check", () => {
  it("is impaired while the worker does not answer and ok when it answers again, the instance check left alone", () => {
    const record = inState("running");
    const agents = watch();
    agents.workerAnswers(record, false);
    expect(record.instance.statusChecks).toEqual({ system: "impaired", instance: "ok" });
    agents.workerAnswers(record, true);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "ok" });
  });

  it("does not change for an instance that is no longer running", () => {
    const record = inState("stopping", { statusChecks: { system: "not-applicable", instance: "not-applicable" } });
    watch().workerAnswers(record, false);
    expect(record.instance.statusChecks.system).toBe("not-applicable");
  });
});

describe("the first boot's user data", () => {
  it("runs once when the agent is ready, then the check passes", async () => {
    const record = booting();
    record.config.userData = "#!/bin/sh\necho hello\n";
    const worker = withWorker(record);
    const agents = watch();
    agents.ready(record);
    await vi.waitFor(() => expect(record.instance.statusChecks.instance).toBe("ok"));
    const [run] = worker.callsOf("exec");
    const script = Buffer.from("#!/bin/sh\necho hello\n").toString("base64");
    expect(run?.args[0]).toContain(`echo '${script}' | base64 -d > /var/lib/tabcloud/user-data`);
    expect(record.config.userData).toBeNull();

    agents.ready(record);
    expect(worker.callsOf("exec")).toHaveLength(1);
  });

  it("lets the instance pass its check even when the script could not run", async () => {
    const record = booting();
    record.config.userData = "exit 1";
    const worker = withWorker(record);
    worker.script.exec = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "no answer" } });
    watch().ready(record);
    await vi.waitFor(() => expect(record.instance.statusChecks.instance).toBe("ok"));
  });
});

describe("the agent of a booted instance", () => {
  it("is impaired when it stops answering pings, and ok again when it answers", async () => {
    const record = inState("running");
    const worker = withWorker(record);
    const agents = watch();
    worker.script.ping = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "no answer" } });
    for (let ping = 0; ping < MISSED_PINGS_TO_FAIL; ping++) await agents.check(record);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "impaired" });
    worker.script.ping = () => ({ ok: true, value: undefined });
    await agents.check(record);
    expect(record.instance.statusChecks).toEqual({ system: "ok", instance: "ok" });
  });

  it("is impaired when its worker does not answer at all", async () => {
    const record = inState("running");
    const worker = withWorker(record);
    worker.terminated = true;
    const agents = watch();
    for (let ping = 0; ping < MISSED_PINGS_TO_FAIL; ping++) await agents.check(record);
    expect(record.instance.statusChecks.instance).toBe("impaired");
  });

  it("stays ok through pings missed while it is busy, as long as one in a few is answered", async () => {
    const record = inState("running", { statusChecks: { system: "ok", instance: "ok" } });
    const worker = withWorker(record);
    const agents = watch();
    const missed = () => ({ ok: false as const, error: { code: "GuestAgentTimeout" as const, message: "busy" } });
    for (let round = 0; round < 3; round++) {
      worker.script.ping = missed;
      for (let ping = 1; ping < MISSED_PINGS_TO_FAIL; ping++) await agents.check(record);
      expect(record.instance.statusChecks.instance).toBe("ok");
      worker.script.ping = () => ({ ok: true, value: undefined });
      await agents.check(record);
    }
    expect(record.instance.statusChecks.instance).toBe("ok");
  });

  it("does not pass on an answer that came after a reboot began (the guest that answered is going away)", async () => {
    const record = inState("running", { statusChecks: { system: "ok", instance: "impaired" } });
    const worker = withWorker(record);
    worker.script.ping = () => {
      record.instance = { ...record.instance, statusChecks: { system: "ok", instance: "initializing" } };
      return { ok: true, value: undefined };
    };
    await watch().check(record);
    expect(record.instance.statusChecks.instance).toBe("initializing");
  });

  it("is not asked while the guest still boots", async () => {
    const record = booting();
    const worker = withWorker(record);
    await watch().check(record);
    expect(worker.callsOf("ping")).toEqual([]);
  });
});

describe("the instance status check while a command runs", () => {
  it("sends no ping while the agent runs a command for the host, so a long apt-get install does not fail the check", async () => {
    const record = inState("running", { statusChecks: { system: "ok", instance: "ok" } });
    const worker = withWorker(record);
    worker.script.ping = () => ({ ok: false, error: { code: "GuestAgentTimeout", message: "busy" } });
    const watcher = watch();
    record.runtime.commandsInFlight = 1;
    for (let i = 0; i < MISSED_PINGS_TO_FAIL + 1; i++) await watcher.check(record);
    expect(worker.callsOf("ping")).toHaveLength(0);
    expect(record.instance.statusChecks.instance).toBe("ok");
    record.runtime.commandsInFlight = 0;
    for (let i = 0; i < MISSED_PINGS_TO_FAIL; i++) await watcher.check(record);
    expect(record.instance.statusChecks.instance).toBe("impaired");
  });
});

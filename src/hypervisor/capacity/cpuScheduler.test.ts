import { describe, expect, it } from "vitest";
import { findInstanceType, type InstanceType } from "../instances/instanceTypes.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { FakeWorkerHost, type FakeWorker } from "../testing/fakeWorkerHost.ts";
import { inState, withWorker } from "../testing/records.ts";
import { CpuScheduler } from "./cpuScheduler.ts";
import { CreditAccount } from "./cpuCredits.ts";

function typeOf(record: InstanceRecord): InstanceType {
  const type = findInstanceType(record.instance.instanceType);
  if (!type) throw new Error(record.instance.instanceType);
  return type;
}

function scheduler(running: InstanceRecord[], cpuBudgetPct = 100): CpuScheduler {
  return new CpuScheduler({ running: () => running, typeOf, cpuBudgetPct: () => cpuBudgetPct, sampleIntervalMs: 1000 });
}

/** Running instances with their fake workers, ids in order so their turns are laid in that order. */
function runningInstances(count: number, instanceType = "c5.large"): { records: InstanceRecord[]; workers: FakeWorker[] } {
  const host = new FakeWorkerHost();
  const records = Array.from({ length: count }, (_, i) =>
    inState("running", { instanceType, instanceId: `i-${String(i + 1).padStart(17, "0")}` }),
  );
  return { records, workers: records.map((record) => withWorker(record, host)) };
}

/** The sampler's first reading marks a worker as told: the scheduler then sends only changes. */
function sampled(records: readonly InstanceRecord[]): void {
  for (const record of records) record.runtime.lastReading = { wallMs: 0, cpuTimeMs: 0, instructions: 0 };
}

const sharesSent = (worker: FakeWorker) => worker.callsOf("setCpuShare").map((call) => call.args);

describe("the CPU scheduler", () => {
  it("divides the budget by weight and lays the turns end to end", async () => {
    const { records, workers } = runningInstances(2);
    await scheduler(records, 100).reschedule();
    expect(workers.map(sharesSent)).toEqual([[[50, 0]], [[50, 50]]]);
    expect(records.map((record) => [record.runtime.cpuSharePct, record.runtime.cpuTurnOffsetPct])).toEqual([
      [50, 0],
      [50, 50],
    ]);
  });

  it("does not send a share again while it is unchanged", async () => {
    const { records, workers } = runningInstances(2);
    const cpu = scheduler(records, 100);
    await cpu.reschedule();
    sampled(records);
    await cpu.reschedule();
    await cpu.reschedule();
    expect(workers.map((worker) => sharesSent(worker).length)).toEqual([1, 1]);
  });

  it("tells a fresh worker its share even when the share is what the record held", async () => {
    const { records, workers } = runningInstances(1);
    const cpu = scheduler(records, 100);
    await cpu.reschedule();
    sampled(records);
    // A reboot gives the instance a new emulator, which has not been told anything.
    const fresh = withWorker(records[0] as InstanceRecord);
    (records[0] as InstanceRecord).runtime.lastReading = null;
    await cpu.reschedule();
    expect(sharesSent(workers[0] as FakeWorker)).toEqual([[100, 0]]);
    expect(sharesSent(fresh)).toEqual([[100, 0]]);
  });

  it("sends the new shares to every instance when one more starts running", async () => {
    const { records, workers } = runningInstances(2);
    const running = records.slice(0, 1);
    const cpu = scheduler(running, 100);
    await cpu.reschedule();
    sampled(running);
    running.push(records[1] as InstanceRecord);
    await cpu.reschedule();
    expect(workers.map(sharesSent)).toEqual([
      [
        [100, 0],
        [50, 0],
      ],
      [[50, 50]],
    ]);
  });

  it("holds a standard-mode burstable instance without credits to its baseline", async () => {
    const { records, workers } = runningInstances(1, "t3.micro");
    const record = records[0] as InstanceRecord;
    const type = typeOf(record);
    if (!type.burstable) throw new Error("t3.micro is burstable");
    record.config.credits = new CreditAccount(type.burstable, "standard", 0);
    await scheduler(records, 200).reschedule();
    expect(sharesSent(workers[0] as FakeWorker)).toEqual([[type.burstable.baselinePct, 0]]);
  });

  it("survives a worker that cannot be told (it died): the others are still told", async () => {
    const { records, workers } = runningInstances(2);
    (workers[0] as FakeWorker).terminated = true;
    await expect(scheduler(records, 100).reschedule()).resolves.toBeUndefined();
    expect(sharesSent(workers[1] as FakeWorker)).toEqual([[50, 50]]);
  });

  it("does not wait for a worker that does not answer (hung): the others are told and the division ends", async () => {
    const { records, workers } = runningInstances(2);
    (workers[0] as FakeWorker).hang();
    await scheduler(records, 100).reschedule();
    expect(workers.map(sharesSent)).toEqual([[[50, 0]], [[50, 50]]]);
  });
});

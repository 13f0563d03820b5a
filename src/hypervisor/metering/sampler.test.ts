import { afterEach, describe, expect, it, vi } from "vitest";
import type { InstanceStats } from "../../worker/api.ts";
import { findInstanceType } from "../instances/instanceTypes.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { CreditAccount } from "../capacity/cpuCredits.ts";
import type { FakeWorker } from "../testing/fakeWorkerHost.ts";
import { inState, withWorker } from "../testing/records.ts";
import { METRIC_SAMPLES_KEPT } from "./monitoring.ts";
import { Sampler, WORKER_DEADLINE_SAMPLES } from "./sampler.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** The host's clock, moved by the test: utilisation is CPU time over wall time. */
function clock(): { set(ms: number): void } {
  let nowMs = 0;
  vi.spyOn(performance, "now").mockImplementation(() => nowMs);
  return { set: (ms) => (nowMs = ms) };
}

/** Counters as a worker reports them; a run time of 0 says nothing of when the emulator started. */
function stats(cpuTimeMs: number, instructions: number, runTimeMs = 0): InstanceStats {
  return { instructions, runTimeMs, cpuTimeMs, cpuSharePct: 100, running: true, agentGarbageLines: 0 };
}

function sampler(running: InstanceRecord[]) {
  const calls = {
    reschedule: 0,
    sampled: 0,
    checked: [] as InstanceRecord[],
    workerAnswers: [] as { record: InstanceRecord; answers: boolean }[],
  };
  const sampling = new Sampler({
    running: () => running,
    reschedule: async () => void calls.reschedule++,
    checkAgent: async (record) => void calls.checked.push(record),
    workerAnswers: (record, answers) => void calls.workerAnswers.push({ record, answers }),
    sampled: () => void calls.sampled++,
  });
  return { sampling, calls };
}

function runningWithCounters(record = inState("running")): { record: InstanceRecord; worker: FakeWorker; counters: InstanceStats[] } {
  const worker = withWorker(record);
  const counters: InstanceStats[] = [];
  worker.script.stats = () => counters.shift() ?? stats(0, 0);
  return { record, worker, counters };
}

describe("sampling", () => {
  it("turns two readings into a metric: utilisation, speed and the share granted", async () => {
    const time = clock();
    const { record, counters } = runningWithCounters(inState("running", { instanceType: "c5.large" }));
    record.runtime.cpuSharePct = 80;
    const { sampling } = sampler([record]);
    counters.push(stats(1000, 5_000_000), stats(1500, 9_000_000));
    time.set(10_000);
    await sampling.sample();
    expect(record.runtime.metrics).toEqual([]);
    time.set(11_000);
    await sampling.sample();
    expect(record.runtime.metrics).toEqual([
      {
        timestamp: expect.any(Number),
        cpuUtilizationPct: 50,
        instructionsPerSecond: 4_000_000,
        cpuSharePct: 80,
        cpuCreditBalance: null,
        cpuSurplusCredits: null,
      },
    ]);
  });

  it("measures a fresh emulator's first reading from its start, so its first second is not lost", async () => {
    const time = clock();
    const { record, counters } = runningWithCounters();
    const { sampling } = sampler([record]);
    counters.push(stats(500, 3_000_000, 1000), stats(1000, 5_000_000, 2000));
    time.set(10_000);
    await sampling.sample();
    time.set(11_000);
    await sampling.sample();
    expect(record.runtime.metrics.map((metric) => [metric.cpuUtilizationPct, metric.instructionsPerSecond])).toEqual([
      [50, 3_000_000],
      [50, 2_000_000],
    ]);
  });

  it("spends a burstable instance's credits and shows its balance and surplus", async () => {
    const time = clock();
    const record = inState("running", { instanceType: "t3.micro", cpuCredits: "standard" });
    const burstable = findInstanceType("t3.micro")?.burstable;
    if (!burstable) throw new Error("t3.micro is burstable");
    record.config.credits = new CreditAccount(burstable, "standard", 10);
    const { counters } = runningWithCounters(record);
    const { sampling } = sampler([record]);
    counters.push(stats(0, 0), stats(60_000, 0));
    await sampling.sample();
    time.set(60_000);
    await sampling.sample();
    // A minute at a full core spends one credit; a minute at the 10% baseline earns 0.1.
    const [metric] = record.runtime.metrics;
    expect(metric?.cpuCreditBalance).toBeCloseTo(10 - 1 + 0.1, 6);
    expect(metric?.cpuSurplusCredits).toBe(0);
    expect(record.config.credits.balance).toBeCloseTo(9.1, 6);
  });

  it("starts over after the emulator's counters go back (a fresh emulator)", async () => {
    const time = clock();
    const { record, counters } = runningWithCounters();
    const { sampling } = sampler([record]);
    counters.push(stats(5000, 0), stats(10, 0), stats(510, 0));
    for (const ms of [0, 1000, 2000]) {
      time.set(ms);
      await sampling.sample();
    }
    expect(record.runtime.metrics.map((metric) => metric.cpuUtilizationPct)).toEqual([50]);
  });

  it("keeps five minutes of samples at most", async () => {
    const time = clock();
    const { record } = runningWithCounters();
    const { sampling } = sampler([record]);
    for (let i = 0; i <= METRIC_SAMPLES_KEPT + 5; i++) {
      time.set(i * 1000);
      await sampling.sample();
    }
    expect(record.runtime.metrics).toHaveLength(METRIC_SAMPLES_KEPT);
  });

  it("re-divides the CPU and says there is something new after every sample", async () => {
    const { record } = runningWithCounters();
    const { sampling, calls } = sampler([record]);
    await sampling.sample();
    await sampling.sample();
    expect([calls.reschedule, calls.sampled]).toEqual([2, 2]);
  });

  it("asks every running instance's agent whether it is alive every tenth sample", async () => {
    const first = runningWithCounters().record;
    const second = runningWithCounters().record;
    const { sampling, calls } = sampler([first, second]);
    for (let i = 0; i < 9; i++) await sampling.sample();
    expect(calls.checked).toEqual([]);
    await sampling.sample();
    expect(calls.checked).toEqual([first, second]);
    for (let i = 0; i < 10; i++) await sampling.sample();
    expect(calls.checked).toHaveLength(4);
  });

  it("skips a sample asked for while one is under way, and does not ask a worker again before it answered", async () => {
    const { record } = runningWithCounters();
    let answer: (value: InstanceStats) => void = () => undefined;
    const held = new Promise<InstanceStats>((resolve) => (answer = resolve));
    const api = record.runtime.worker?.api;
    if (!api) throw new Error("the record has a worker");
    const statsCall = vi.spyOn(api, "stats").mockReturnValueOnce(held);
    const { sampling, calls } = sampler([record]);
    const first = sampling.sample();
    await sampling.sample();
    await first;
    expect(calls.sampled).toBe(0);
    answer(stats(0, 0));
    await vi.waitFor(() => expect(calls.sampled).toBe(1));
    expect(statsCall).toHaveBeenCalledTimes(1);
  });

  it("passes over an instance whose worker does not answer, and samples the others", async () => {
    const time = clock();
    const broken = runningWithCounters();
    broken.worker.terminated = true;
    const healthy = runningWithCounters();
    healthy.counters.push(stats(0, 0), stats(250, 0));
    const { sampling } = sampler([broken.record, healthy.record]);
    await sampling.sample();
    time.set(1000);
    await sampling.sample();
    expect(broken.record.runtime.metrics).toEqual([]);
    expect(healthy.record.runtime.metrics.map((metric) => metric.cpuUtilizationPct)).toEqual([25]);
  });
});

describe("the system status check", () => {
  it("fails when a worker has not answered for the deadline's samples, and passes again when it answers", async () => {
    const time = clock();
    const { record, worker } = runningWithCounters();
    worker.script.stats = () => stats(1000, 0, 1000);
    const { sampling, calls } = sampler([record]);
    worker.hang();
    // The sample that asked the stuck worker waits until the next one is due.
    const first = sampling.sample();
    for (let i = 1; i < WORKER_DEADLINE_SAMPLES; i++) await sampling.sample();
    await first;
    expect(calls.workerAnswers).toEqual([]);
    await sampling.sample();
    expect(calls.workerAnswers).toEqual([{ record, answers: false }]);
    await sampling.sample();
    expect(worker.callsOf("stats")).toHaveLength(1);

    time.set(1000);
    worker.answerAgain();
    await vi.waitFor(() =>
      expect(calls.workerAnswers).toEqual([
        { record, answers: false },
        { record, answers: true },
      ]),
    );
    expect(record.runtime.metrics).toHaveLength(1);
  });

  it("lets a stuck worker hold up no other instance's samples, nor be asked for its agent", async () => {
    const time = clock();
    const stuck = runningWithCounters();
    const healthy = runningWithCounters();
    healthy.worker.script.stats = () => stats(0, 0);
    stuck.worker.hang();
    const { sampling, calls } = sampler([stuck.record, healthy.record]);
    const first = sampling.sample();
    await sampling.sample();
    await first;
    for (let i = 3; i <= 10; i++) {
      time.set(i * 1000);
      await sampling.sample();
    }
    expect(healthy.record.runtime.metrics).toHaveLength(8);
    expect(calls.checked).toEqual([healthy.record]);
  });

  it("is not failed by a worker that answers every sample", async () => {
    const { record } = runningWithCounters();
    const { sampling, calls } = sampler([record]);
    for (let i = 0; i < 3 * WORKER_DEADLINE_SAMPLES; i++) await sampling.sample();
    expect(calls.workerAnswers).toEqual([]);
  });
});

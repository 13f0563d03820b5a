import { describe, expect, it } from "vitest";
import { FakeWorkerHost, type FakeWorker } from "../testing/fakeWorkerHost.ts";
import { WorkerPool } from "./workerPool.ts";

/** The pool warms its next spare in a microtask after a worker is taken. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const spares = (host: FakeWorkerHost) => host.workers.filter((worker) => worker.spawnedFor === "spare");

describe("the worker pool", () => {
  it("spawns the first worker for the instance, then warms a spare (compiled ahead of need)", async () => {
    const host = new FakeWorkerHost();
    const pool = new WorkerPool(host, true);
    pool.take("i-00000000000000001");
    expect(host.workers.map((worker) => worker.spawnedFor)).toEqual(["i-00000000000000001"]);
    await settle();
    const [spare] = spares(host);
    expect(spare?.callsOf("prepare")).toHaveLength(1);
    await pool.close();
  });

  it("hands out the warmed spare and warms the next one", async () => {
    const host = new FakeWorkerHost();
    const pool = new WorkerPool(host, true);
    pool.take("i-00000000000000001");
    await settle();
    const [spare] = spares(host) as [FakeWorker];
    const taken = pool.take("i-00000000000000002");
    await taken.api.ping();
    expect(spare.callsOf("ping")).toHaveLength(1);
    await settle();
    expect(spares(host)).toHaveLength(2);
    expect(host.workers).toHaveLength(3);
    await pool.close();
  });

  it("drops a spare that crashed: the next instance gets a worker of its own", async () => {
    const host = new FakeWorkerHost();
    const pool = new WorkerPool(host, true);
    pool.take("i-00000000000000001");
    await settle();
    (spares(host)[0] as FakeWorker).crash("out of memory");
    pool.take("i-00000000000000002");
    expect(host.workers.at(-1)?.spawnedFor).toBe("i-00000000000000002");
    await pool.close();
  });

  it("ends the spare at close and starts no more", async () => {
    const host = new FakeWorkerHost();
    const pool = new WorkerPool(host, true);
    pool.take("i-00000000000000001");
    await settle();
    await pool.close();
    expect(spares(host)[0]?.terminated).toBe(true);
    pool.take("i-00000000000000002");
    await settle();
    expect(spares(host)).toHaveLength(1);
  });

  it("keeps no spare when told not to", async () => {
    const host = new FakeWorkerHost();
    const pool = new WorkerPool(host, false);
    pool.take("i-00000000000000001");
    pool.take("i-00000000000000002");
    await settle();
    expect(host.workers.map((worker) => worker.spawnedFor)).toEqual(["i-00000000000000001", "i-00000000000000002"]);
    await pool.close();
  });
});

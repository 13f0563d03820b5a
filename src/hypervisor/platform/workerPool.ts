/**
 * Where instances' workers come from: one worker is started and compiled ahead of need, so a
 * launch, start or resume skips that wait; the next spare is warmed as soon as one is taken.
 */
import type { InstanceWorkerHandle, WorkerHost } from "./workerHost.ts";

export class WorkerPool {
  readonly #host: WorkerHost;
  readonly #keepSpare: boolean;
  #spare: InstanceWorkerHandle | null = null;
  #closed = false;

  constructor(host: WorkerHost, keepSpare: boolean) {
    this.#host = host;
    this.#keepSpare = keepSpare;
  }

  /** A worker for the instance: the spare if there is one, else a new one. */
  take(instanceId: string): InstanceWorkerHandle {
    const spare = this.#spare;
    this.#spare = null;
    queueMicrotask(() => this.#warmSpare());
    return spare ?? this.#host.spawn(instanceId);
  }

  /** Ends the spare; no more are started. */
  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    this.#spare = null;
    await spare?.terminate();
  }

  #warmSpare(): void {
    if (this.#spare || this.#closed || !this.#keepSpare) return;
    const spare = this.#host.spawn("spare");
    this.#spare = spare;
    spare.onCrash(() => {
      if (this.#spare === spare) this.#spare = null;
    });
    void spare.api.prepare().catch(() => undefined);
  }
}

/**
 * Time for the TCP endpoints, injected: the fabric's worker gives the real clock and timers,
 * tests a manual one they advance by hand, so every retransmission and timeout is exact.
 */
export interface Scheduler {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now; the returned function cancels it. */
  schedule(delayMs: number, callback: () => void): () => void;
}

/** The real clock and timers (a worker's or Node's). */
export const realScheduler: Scheduler = {
  now: () => performance.now(),
  schedule(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};

/** One timer at a time, of a named kind: setting one cancels the one before. */
export class TimerSlot<K extends string> {
  readonly #scheduler: Scheduler;
  #current: { readonly kind: K; readonly cancel: () => void } | null = null;

  constructor(scheduler: Scheduler) {
    this.#scheduler = scheduler;
  }

  get kind(): K | null {
    return this.#current?.kind ?? null;
  }

  set(kind: K, delayMs: number, callback: () => void): void {
    this.stop();
    const cancel = this.#scheduler.schedule(delayMs, () => {
      this.#current = null;
      callback();
    });
    this.#current = { kind, cancel };
  }

  stop(): void {
    this.#current?.cancel();
    this.#current = null;
  }
}

interface Pending {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

function earlier(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

/** A clock that moves only when told to: `advance(ms)` runs every callback due, in time order. */
export class ManualScheduler implements Scheduler {
  #now: number;
  #order = 0;
  #live = 0;
  /** A binary min-heap by time, then by scheduling order; cancelled entries are skipped when they surface. */
  readonly #heap: Pending[] = [];

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, callback: () => void): () => void {
    const entry: Pending = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback, cancelled: false };
    this.#push(entry);
    this.#live += 1;
    return () => {
      if (entry.cancelled) return;
      entry.cancelled = true;
      this.#live -= 1;
    };
  }

  /** How many callbacks wait (cancelled ones are not counted). */
  get pendingCount(): number {
    return this.#live;
  }

  /** When the next callback is due, or null when none waits. */
  nextDueMs(): number | null {
    while (this.#heap[0]?.cancelled) this.#pop();
    return this.#heap[0]?.at ?? null;
  }

  /** Moves the clock `ms` forward, running callbacks when their time comes (also ones they schedule). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#heap[0];
      if (!next || next.at > target) break;
      this.#pop();
      if (next.cancelled) continue;
      next.cancelled = true;
      this.#live -= 1;
      this.#now = next.at;
      next.callback();
    }
    this.#now = target;
  }

  #push(entry: Pending): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as Pending;
      if (!earlier(entry, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = entry;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right] as Pending, heap[left] as Pending) ? right : left;
      if (!earlier(heap[child] as Pending, last)) break;
      heap[index] = heap[child] as Pending;
      index = child;
    }
    heap[index] = last;
  }
}

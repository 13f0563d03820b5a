/**
 * Drives v86's main loop with our own yield: slices run as soon as the CPU gate allows (the
 * instance's CPU share), on the worker's thread, and a halted guest sleeps on a timer until its
 * next event, so an idle instance costs almost nothing.
 */
import type { CpuGate } from "./cpuGate.ts";
import type { V86Core, V86Exports } from "./v86Internals.ts";

/** v86 asks to sleep no longer than this, even with no timer due sooner. */
const V86_LONGEST_SLEEP_MS = 100;
/** How long a halted guest with a distant timer sleeps at most (an interrupt wakes it sooner). */
const IDLE_SLEEP_MS = 1000;

/** Milliseconds on a clock every worker of the page (or process) shares: their turns line up on it. */
export function sharedClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs a callback as soon as the thread is free, with no timer clamping (setImmediate under Node). */
function runSoon(): (callback: () => void) => void {
  if (typeof setImmediate === "function") return (callback) => void setImmediate(callback);
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => queue.shift()?.();
  return (callback) => {
    queue.push(callback);
    channel.port2.postMessage(null);
  };
}

/**
 * How long a halted guest may sleep. v86 never asks for more than 100 ms, so an idle tickless
 * guest woke ten times a second for nothing. Its PIT and RTC are quiet (Linux keeps time with
 * the local APIC's one-shot timer): when v86 asks for its longest sleep, the APIC's next
 * interrupt says how long the guest may really sleep. Device interrupts (a key, a frame) wake
 * the emulator at once whatever the sleep (v86's stop_idling starts a new tick).
 */
export function idleSleepMs(exports: V86Exports | undefined, delayMs: number, now: number): number {
  if (delayMs < V86_LONGEST_SLEEP_MS || !exports?.apic_timer) return delayMs;
  const apicMs = exports.apic_timer(now);
  return apicMs > V86_LONGEST_SLEEP_MS ? Math.min(apicMs, IDLE_SLEEP_MS) : delayMs;
}

export function driveMainLoop(core: V86Core | undefined, gate: CpuGate): void {
  if (!core) throw new Error("this v86 build has no main loop to drive (was the v86 version changed?)");
  core.unregister_yield();
  const soon = runSoon();
  const run = (tick: number) => {
    const wait = gate.delayMs(sharedClock());
    if (wait > 0) {
      setTimeout(() => run(tick), wait);
      return;
    }
    const start = performance.now();
    core.yield_callback(tick);
    gate.charge(performance.now() - start);
  };
  // v86 asks for 0 when it has more to run, and for the time to the next timer event when the
  // guest has halted; that is often a fraction of a millisecond, which must sleep on a timer
  // too, or an idle guest spins through thousands of empty slices a second.
  core.yield = (delayMs, tick) => {
    if (delayMs <= 0) soon(() => run(tick));
    else setTimeout(() => run(tick), Math.ceil(idleSleepMs(core.cpu?.wm?.exports, delayMs, performance.now())));
  };
}

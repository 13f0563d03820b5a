/**
 * What the hypervisor holds for one instance, in three parts: what describeInstances shows, its
 * configuration (kept across reloads: what it was launched with, its meter and credits) and its
 * runtime (this session's emulator, console, CPU share and disk writes, rebuilt after a reload).
 */
import type { ImageManifest } from "../../images/manifest.ts";
import type { WrittenBlocks } from "../../disk/blockOverlay.ts";
import type { CreditAccount } from "../capacity/cpuCredits.ts";
import type { InstanceMeter } from "../metering/meter.ts";
import type { CounterReading, MetricSample } from "../metering/monitoring.ts";
import type { InstanceWorkerHandle } from "../platform/workerHost.ts";
import type { EmulatorDevices, InstanceChannelMessage } from "../../worker/api.ts";
import type { GoldenIdentity } from "../golden/identity.ts";
import { ConsoleLog } from "./consoleLog.ts";
import type { Instance } from "./instance.ts";
import type { TerminalSize } from "./kernelCommandLine.ts";
import type { SavedState } from "./savedState.ts";

/** The hypervisor's end of an instance's channel: what it uses of a MessagePort (a browser's or Node's). */
export interface HostChannelPort {
  onmessage: ((event: { readonly data: InstanceChannelMessage }) => void) | null;
  close(): void;
}

/** Kept in storage with the instance and read back after a reload (see persist.ts). */
export interface InstanceConfig {
  readonly image: ImageManifest;
  /** The EBS root volume (null for an instance-store root). */
  readonly rootVolumeId: string | null;
  /** Left to run at the first boot; null once it has run (or when there is none). */
  userData: string | null;
  /** The user data given at launch, kept for the metadata service (null when none was given). */
  readonly launchUserData: string | null;
  /** Its primary network interface, deleted with it; null for an instance launched before instances had a network. */
  readonly networkInterfaceId: string | null;
  /** Its launch asked for a public address (or its subnet gives one): it gets one at each start in a public subnet. */
  readonly associatePublicIpAddress: boolean;
  /** Set once the instance first ran: a failed start then leaves it stopped, not terminated. */
  hasRun: boolean;
  terminalSize: TerminalSize;
  readonly meter: InstanceMeter;
  credits: CreditAccount | null;
}

/** This session's part: nothing of it survives a reload. */
export interface InstanceRuntime {
  /** Bumped by every transition, so a slower one that is overtaken stops where it is. */
  generation: number;
  /**
   * Settles when the current transition is overtaken (see nextGeneration): a step waiting on a
   * worker that may never answer (a guest stuck stopping, a worker terminated under it) stops waiting.
   */
  overtaken: Overtaken;
  worker: InstanceWorkerHandle | null;
  channel: HostChannelPort | null;
  readonly console: ConsoleLog;
  readonly consoleListeners: Set<(data: Uint8Array) => void>;
  /** When the current boot's agent must have answered by, for the instance status check. */
  agentDeadline: ReturnType<typeof setTimeout> | null;
  /** Pings in a row the booted guest's agent left unanswered (see AgentWatch.check). */
  missedPings: number;
  /** Commands the agent is running for the host: it answers no ping until they end, so none is sent. */
  commandsInFlight: number;
  /** The saved state of a hibernated instance, to resume at the next start (read from storage at a reload). */
  hibernation: SavedState | null;
  /** An instance-store root's written blocks: kept across reboots in memory, never stored, gone at termination. */
  instanceStoreBlocks: WrittenBlocks;
  /** Flushes of this instance's disks, one after another. */
  flushing: Promise<void>;
  lastFlushOk: boolean;
  /** The save that will store (or has stored) this instance's record as it is now. */
  saving: Promise<void>;
  readonly metrics: MetricSample[];
  lastReading: CounterReading | null;
  cpuSharePct: number;
  /** Where the instance's window starts in each scheduling period, in percent of the period. */
  cpuTurnOffsetPct: number;
  /** The golden state this cold boot of a fresh volume would have restored: made once the guest is up. */
  goldenWanted: { readonly identity: GoldenIdentity; readonly devices: EmulatorDevices } | null;
}

export interface InstanceRecord {
  /** What describeInstances shows; replaced whole at every change. */
  instance: Instance;
  readonly config: InstanceConfig;
  readonly runtime: InstanceRuntime;
}

interface Overtaken {
  readonly promise: Promise<void>;
  readonly signal: () => void;
}

function overtaken(): Overtaken {
  let signal = () => {};
  const promise = new Promise<void>((resolve) => (signal = resolve));
  return { promise, signal };
}

/** Starts a transition: the one under way is told it was overtaken. Returns the new generation. */
export function nextGeneration(runtime: InstanceRuntime): number {
  runtime.overtaken.signal();
  runtime.overtaken = overtaken();
  return ++runtime.generation;
}

export function newRuntime(): InstanceRuntime {
  return {
    generation: 0,
    overtaken: overtaken(),
    worker: null,
    channel: null,
    console: new ConsoleLog(),
    consoleListeners: new Set(),
    agentDeadline: null,
    missedPings: 0,
    commandsInFlight: 0,
    hibernation: null,
    instanceStoreBlocks: new Map(),
    flushing: Promise.resolve(),
    lastFlushOk: false,
    saving: Promise.resolve(),
    metrics: [],
    lastReading: null,
    cpuSharePct: 100,
    cpuTurnOffsetPct: 0,
    goldenWanted: null,
  };
}

/** True while the instance's emulator runs (or is being started or stopped) and holds host memory. */
export function holdsMemory(record: InstanceRecord): boolean {
  const state = record.instance.state.name;
  return state === "pending" || state === "running" || state === "stopping" || state === "shutting-down";
}

/** True when the instance runs with an emulator behind it. */
export function isRunning(record: InstanceRecord): boolean {
  return record.instance.state.name === "running" && record.runtime.worker !== null;
}

/**
 * The instance worker's API, typed once for both sides. The hypervisor holds a comlink
 * Remote<InstanceWorkerApi>; the worker exposes an InstanceWorker that implements it.
 * Nothing here imports v86.
 */
import type { ExecOptions, ExecResult } from "../guest/agentClient.ts";
import type { GuestIdentity } from "../guest/protocol.ts";
import type { CloudError, Result } from "../shared/errors.ts";
import type { WrittenBlocks } from "../disk/blockOverlay.ts";
import type { FrameBatch, FramePort } from "../net/fabricApi.ts";
import type { ImageBytes } from "../shared/sharedBytes.ts";

/**
 * The worker's end of the instance's channel: a browser MessagePort, or Node's worker_threads
 * one under tests. Only what the worker calls, so this API does not need the DOM's types.
 */
export interface ChannelPort {
  postMessage(message: InstanceChannelMessage, transfer: ArrayBuffer[]): void;
  close(): void;
}

export interface BootSpec {
  readonly instanceId: string;
  readonly memoryMib: number;
  /** The whole kernel command line, instance parameters included. */
  readonly kernelCommandLine: string;
  /** The image's files; shared with the page (no copy) where it may share memory. */
  readonly bios: ImageBytes;
  readonly kernel: ImageBytes;
  /** The root volume (the guest's /dev/sda). */
  readonly rootVolume: VolumeSpec;
  /** A second volume, attached as the guest's /dev/sdb. */
  readonly dataVolume?: VolumeSpec;
  /** Carries InstanceChannelMessage from the worker; transferred with the call. */
  readonly channel: ChannelPort;
  /** A saved state (gzip) to resume instead of booting. */
  readonly hibernation?: ArrayBuffer;
  /**
   * The devices the saved state was taken with (Hibernation.devices); absent for a state saved
   * before they were recorded, which had v86's default ne2k. A state resumes only on the same devices.
   */
  readonly hibernationDevices?: EmulatorDevices;
  /**
   * The saved state is an image's golden state (a fresh boot's, taken in another emulator), not
   * this instance's: its NIC may have had another MAC, which the host re-personalises after the resume.
   */
  readonly golden?: boolean;
  /** Plugs the instance into the VPC: a virtio-net NIC with this MAC, its frames on the port. Without it the NIC is unplugged. */
  readonly network?: NetworkSpec;
}

/** What an emulator restored ahead of need (and paused) is given when an instance takes it. */
export interface AdoptSpec {
  readonly instanceId: string;
  /** Replaces the channel it was restored with; transferred with the call. */
  readonly channel: ChannelPort;
  /** The instance's NIC: its MAC and frame port (the NIC type and MTU must be the restored state's). */
  readonly network?: NetworkSpec;
}

/** The worker's end of the instance's frame channel: it sends the guest's frames and hears the fabric's. */
export interface NicPort extends FramePort {
  onmessage: ((event: { readonly data: FrameBatch }) => void) | null;
}

export interface NetworkSpec {
  /** Transferred with the call; closed when the emulator stops. */
  readonly port: NicPort;
  /** The ENI's MAC, "02:1a:2b:3c:4d:5e": the guest's eth0 has it. */
  readonly macAddress: string;
  readonly mtu: number;
}

/** The emulator's NIC. A saved state holds the device's registers and rings, so it resumes only on the same NIC. */
export type NicDevice =
  /** v86's default when no NIC is asked for, with nothing attached: every state saved before NICs were connected has it. */
  { readonly type: "ne2k" } | { readonly type: "virtio"; readonly mtu: number; readonly macAddress: string };

/** The devices an emulator was created with that its saved state depends on (besides memory and disks, which the instance fixes). */
export interface EmulatorDevices {
  readonly nic: NicDevice;
}

/** A disk: what it reads as where nothing was written (an image's bytes, never changed, or zeros), and the blocks written on top. */
export interface VolumeSpec {
  /** Shared, never written: every instance of the image reads the one copy (see shared/sharedBytes.ts). */
  readonly base: ImageBytes | null;
  readonly sizeBytes: number;
  readonly writtenBlocks: WrittenBlocks;
  /**
   * Give v86 a plain in-memory copy instead of the overlay: nothing is kept (only the volume-io
   * benchmark uses it, as the yardstick the overlay is measured against).
   */
  readonly inMemory?: boolean;
  /** The base is a chunked image file not all of whose chunks are in memory: reads ask for the missing ones. */
  readonly lazyBase?: LazyBaseSpec;
}

/**
 * How a worker gets the chunks of a lazily loaded base (manifest.ts, ChunkedImageFile): the page
 * answers on the port with each chunk's verified bytes, which the worker writes into its base.
 */
export interface LazyBaseSpec {
  readonly chunkBytes: number;
  /** Per chunk, 1 when the base holds it (or it is all zeros): the page's shared flags when the base is shared, else a copy. */
  readonly present: Uint8Array;
  /** Transferred with the boot; closed when the emulator stops. */
  readonly port: ChunkPort;
}

export interface ChunkRequest {
  readonly id: number;
  readonly indexes: readonly number[];
}

export type ChunkReply =
  | { readonly id: number; readonly ok: true; readonly chunks: readonly (readonly [number, Uint8Array])[] }
  | { readonly id: number; readonly ok: false; readonly error: CloudError };

/** The worker's end of a lazy base's channel: a browser MessagePort, or worker_threads' under Node. */
export interface ChunkPort {
  postMessage(message: ChunkRequest): void;
  onmessage: ((event: { readonly data: ChunkReply }) => void) | null;
  close(): void;
}

/** Blocks written since the last flush, per disk. */
export interface DirtyBlocks {
  readonly root: WrittenBlocks;
  readonly data: WrittenBlocks | null;
}

/** An emulator's saved state: memory, devices and the root volume's written blocks. */
export interface Hibernation {
  /** gzip-compressed v86 state. */
  readonly state: ArrayBuffer;
  readonly rawBytes: number;
  readonly saveMs: number;
  /** What the state must be resumed on (BootSpec.hibernationDevices). */
  readonly devices: EmulatorDevices;
}

/** What the worker says on its channel, in order. */
export type InstanceChannelMessage =
  /** Bytes the guest wrote to its serial console (ttyS0), batched. */
  | { readonly type: "console"; readonly data: Uint8Array }
  /** The guest agent is up: the instance status check can pass. */
  | { readonly type: "agent-ready"; readonly agentVersion: number }
  /** The guest powered itself off (poweroff inside the guest, or a requested power-off finished). */
  | { readonly type: "guest-shutdown" }
  /** The guest rebooted: the emulator has stopped, its volume clean, for the host to boot again. */
  | { readonly type: "guest-reboot" }
  /** The emulator stopped working; the instance is failed. */
  | { readonly type: "emulator-error"; readonly error: CloudError };

export interface InstanceStats {
  /** Instructions retired since boot, accumulated across the emulator's 32-bit counter's wrap. */
  readonly instructions: number;
  /** Wall time the emulator has been running, in ms. */
  readonly runTimeMs: number;
  /** Host CPU time the emulator's slices took, in ms. */
  readonly cpuTimeMs: number;
  /** The CPU share the emulator is held to, in percent of one host core. */
  readonly cpuSharePct: number;
  readonly running: boolean;
  /** Lines on the agent's port that were not frames; they never reach the console. */
  readonly agentGarbageLines: number;
  /** Guest memory the guest has written (see v86Internals.ts), when asked for: reading it scans all of it. */
  readonly guestMemoryInUseBytes?: number;
}

export interface StatsOptions {
  /** Also scan guest memory for what the guest has written (tens of ms for a large guest). */
  readonly guestMemory?: boolean;
}

export interface ShutdownOutcome {
  /** True when the guest powered off by itself within the time given; false when it was cut off. */
  readonly graceful: boolean;
}

export interface InstanceWorkerApi {
  /** Gets ready to boot (compiles the emulator), for a worker kept warm before it is needed. */
  prepare(): Promise<void>;
  /** Starts the emulator; resolves once it runs (the guest then boots on its own). */
  boot(spec: BootSpec): Promise<Result<void>>;
  /**
   * The emulator, compiled once by the page for all its workers (a WebAssembly.Module is shared
   * between threads, compiled code and all): a worker given it compiles nothing. One that boots
   * before it arrives compiles its own.
   */
  useEmulator(module: WebAssembly.Module): Promise<void>;
  /** Holds the running emulator still: one restored ahead of need waits, paused, for its instance. */
  pause(): Promise<void>;
  /** Hands a paused emulator to an instance (its channels, its NIC's MAC) and runs it. */
  adopt(spec: AdoptSpec): Promise<Result<void>>;
  /** Types into the guest's serial console, as UTF-8; input of any size is queued and arrives whole, as fast as the guest reads it. */
  sendConsoleInput(data: string): Promise<void>;
  /** Asks the guest agent whether it is alive. */
  ping(): Promise<Result<void>>;
  /** Runs a shell command in the guest through the agent; options.input, when given, is its standard input (at most MAX_COMMAND_INPUT_BYTES). */
  exec(command: string, timeoutMs: number, options?: ExecOptions): Promise<Result<ExecResult>>;
  /** Makes a guest restored from its image's boot snapshot this instance, through its agent (version 2 and later). */
  personalise(identity: GuestIdentity, timeoutMs: number): Promise<Result<void>>;
  /** Tells the guest its console's size, so full-screen programs draw correctly. */
  setTerminalSize(rows: number, cols: number): Promise<Result<void>>;
  /**
   * Asks the guest to power off and stops the emulator once it has, or after timeoutMs if it
   * has not; with force, stops it at once (pulling the plug).
   */
  powerOff(options: { readonly timeoutMs: number; readonly force: boolean }): Promise<Result<ShutdownOutcome>>;
  /** Asks the guest to reboot; stops the emulator at once if the guest does not take the request. Either way a guest-reboot follows. */
  reboot(): Promise<Result<ShutdownOutcome>>;
  stats(options?: StatsOptions): Promise<InstanceStats>;
  /** Holds the emulator to a share of one host core, in percent (100: no limit). */
  /**
   * Holds the emulator to sharePct of one host core, as a budget of each scheduling period that
   * renews at turnOffsetPct of it (on the clock all workers share): busy instances whose windows
   * do not overlap never run at once.
   */
  setCpuShare(sharePct: number, turnOffsetPct: number): Promise<void>;
  /** Stops the emulator and saves its whole state, to resume where it was (EC2's hibernate). */
  hibernate(): Promise<Result<Hibernation>>;
  /** Copies of the blocks written since the last call, for the host to store; the guest runs on. */
  takeDirtyBlocks(): Promise<Result<DirtyBlocks>>;
  /** Stops the emulator at once and frees it. */
  destroy(): Promise<void>;
}

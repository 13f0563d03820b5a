/**
 * One instance: one v86 emulator, driven from inside its own worker.
 * This is the only module that imports v86.
 */
import { transfer } from "comlink";
import { V86, type V86Options } from "v86";
import { AgentClient, type ExecOptions, type ExecResult } from "../guest/agentClient.ts";
import type { GuestIdentity, ShutdownKind } from "../guest/protocol.ts";
import { fail, ok, toCloudError, type CloudError, type Result } from "../shared/errors.ts";
import type {
  AdoptSpec,
  BootSpec,
  ChannelPort,
  DirtyBlocks,
  EmulatorDevices,
  Hibernation,
  InstanceChannelMessage,
  InstanceStats,
  StatsOptions,
  InstanceWorkerApi,
  ShutdownOutcome,
  VolumeSpec,
} from "./api.ts";
import { ByteBatcher } from "./byteBatcher.ts";
import { ConsoleInputQueue } from "./consoleInputQueue.ts";
import { MAX_COMMAND_INPUT_BYTES } from "../guest/commandInput.ts";
import { CpuGate } from "./cpuGate.ts";
import { devicesFor, invalidNic, LEGACY_DEVICES, resumeRefusal } from "./emulatorDevices.ts";
import { NicChannel } from "./nicChannel.ts";
import { netDeviceOption, setNicMac, virtioNicBus } from "./v86Nic.ts";
import { InstructionCounter } from "./instructionCounter.ts";
import { V86Disk } from "./v86Disk.ts";
import { GuestCodeJit } from "./guestCodeJit.ts";
import { driveMainLoop, sharedClock } from "./mainLoop.ts";
import { restoreIntoFreshMemory } from "./freshMemory.ts";
import { guestMemoryInUseBytes, v86Core } from "./v86Internals.ts";
import { BlockOverlay, type WrittenBlocks } from "../disk/blockOverlay.ts";
import { privateCopy } from "../shared/sharedBytes.ts";
import { LazyChunks } from "./lazyChunks.ts";

function overlayFor(volume: VolumeSpec): V86Disk {
  const base = volume.base ? new Uint8Array(volume.base) : null;
  const lazy = base && volume.lazyBase ? new LazyChunks(base, volume.lazyBase) : null;
  return new V86Disk(new BlockOverlay(base ?? volume.sizeBytes, volume.writtenBlocks), lazy);
}

/** v86's own in-memory disk, for the benchmark's yardstick. */
function plainDiskFor(volume: VolumeSpec): NonNullable<V86Options["hda"]> {
  const bytes = new Uint8Array(volume.sizeBytes);
  if (volume.base) bytes.set(new Uint8Array(volume.base));
  for (const [index, block] of volume.writtenBlocks) bytes.set(block, index * block.byteLength);
  return { buffer: bytes.buffer };
}

function blockBuffers(blocks: WrittenBlocks | null): ArrayBuffer[] {
  return blocks ? [...blocks.values()].map((block) => block.buffer as ArrayBuffer) : [];
}

export interface InstanceWorkerOptions {
  /** Compiles v86.wasm; each platform finds the file its own way. */
  loadWasm(): Promise<WebAssembly.Module>;
  /**
   * Drive v86's main loop ourselves: CPU shares are enforced, and inside a browser worker v86
   * does not start a nested helper worker per emulator just to yield. Only the benchmark that
   * compares with v86 on a page turns this off.
   */
  sameThreadYield: boolean;
}

const LOAD_TIMEOUT_MS = 30_000;
/**
 * The instruction counter wraps after 2^32 instructions: over 4 s even at 1,000 MIPS, so a
 * reading a second is enough, and an idle instance is not woken more often than that.
 */
const COUNTER_SAMPLE_MS = 1000;
/** Between the agent's last word before power-off and the kernel halting. */
const POWER_OFF_SETTLE_MS = 300;
const VGA_MEMORY_BYTES = 2 * 1024 * 1024;

async function gzip(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
}

async function gunzip(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
}

function post(port: ChannelPort, message: InstanceChannelMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

export class InstanceWorker implements InstanceWorkerApi {
  readonly #options: InstanceWorkerOptions;
  #emulator: V86 | null = null;
  #disk: V86Disk | null = null;
  #dataDisk: V86Disk | null = null;
  #channel: ChannelPort | null = null;
  #console: ByteBatcher | null = null;
  readonly #consoleInput = new ConsoleInputQueue();
  /** What the console UART holds that the guest has not read yet. */
  #uartReceiveBuffer: { readonly length: number } | null = null;
  /** Requests and command input for the agent's port, paced as console input is (they may be large). */
  readonly #agentInput = new ConsoleInputQueue();
  #agentUartBuffer: { readonly length: number } | null = null;
  #agentBytes: ByteBatcher | null = null;
  #agent: AgentClient | null = null;
  #nic: NicChannel | null = null;
  #devices: EmulatorDevices = LEGACY_DEVICES;
  #counter = new InstructionCounter();
  readonly #gate = new CpuGate();
  #sampler: ReturnType<typeof setInterval> | null = null;
  #jit: GuestCodeJit | null = null;
  #startedAt = 0;
  #stoppedAt: number | null = null;
  #shutdownWaiters: (() => void)[] = [];
  #poweredOff = false;

  constructor(options: InstanceWorkerOptions) {
    this.#options = options;
  }

  async boot(spec: BootSpec): Promise<Result<void>> {
    if (this.#emulator) return fail("IncorrectInstanceState", "This worker already runs an instance.");
    const channel = spec.channel;
    this.#channel = channel;
    const refused = this.#refuseDevices(spec);
    if (refused) {
      spec.network?.port.close();
      spec.rootVolume.lazyBase?.port.close();
      spec.dataVolume?.lazyBase?.port.close();
      channel.close();
      this.#channel = null;
      return { ok: false, error: refused };
    }
    const devices = devicesFor(spec.network);
    this.#devices = devices;
    try {
      const module = await this.#wasm();
      const console = new ByteBatcher((data) => this.#post({ type: "console", data }, [data.buffer]));
      this.#console = console;
      const agent = new AgentClient((data) => this.#writeAgent(data), {
        ready: (agentVersion) => {
          this.#jit?.bootEnded();
          this.#post({ type: "agent-ready", agentVersion });
        },
        shutdown: (kind) => this.#onGuestShutdown(kind),
      });
      this.#agent = agent;
      this.#agentBytes = new ByteBatcher((bytes) => agent.receive(bytes));

      this.#disk = overlayFor(spec.rootVolume);
      this.#dataDisk = spec.dataVolume && !spec.dataVolume.inMemory ? overlayFor(spec.dataVolume) : null;
      const dataDisk = spec.dataVolume?.inMemory
        ? plainDiskFor(spec.dataVolume)
        : (this.#dataDisk as unknown as NonNullable<V86Options["hda"]> | null);
      const options: V86Options = {
        wasm_fn: async (imports) => (await WebAssembly.instantiate(module, imports)).exports,
        memory_size: spec.memoryMib * 1024 * 1024,
        vga_memory_size: VGA_MEMORY_BYTES,
        // v86 loads these into guest memory once; it expects plain buffers. No VGA BIOS: the
        // guest's console is its serial port, and setting up a VGA text mode nobody sees took
        // SeaBIOS about 70 ms of every boot.
        bios: { buffer: privateCopy(spec.bios) },
        // A restored state has its kernel in memory already: loaded again, it would only be
        // zeroed again (see freshMemory.ts).
        ...(spec.hibernation ? {} : { bzimage: { buffer: privateCopy(spec.kernel) }, cmdline: spec.kernelCommandLine }),
        // v86 takes any object with get/set/load as a drive (see v86Disk.ts); its types do not say so.
        hda: this.#disk as unknown as NonNullable<V86Options["hda"]>,
        ...(dataDisk ? { hdb: dataDisk } : {}),
        uart1: true,
        // ACPI brings the local APIC and its timer: with it an idle guest sleeps for seconds at
        // a time, where the PIT alone (27 ms at most) woke it 40 times a second.
        acpi: true,
        autostart: false,
        disable_keyboard: true,
        disable_mouse: true,
        disable_speaker: true,
        screen_container: null,
        net_device: netDeviceOption(devices),
      };
      const emulator = new V86(options);
      this.#emulator = emulator;
      await this.#waitForLoad(emulator);
      const core = v86Core(emulator);
      this.#jit = new GuestCodeJit(core?.cpu?.wm?.exports, spec.hibernation !== undefined);
      if (spec.network) {
        setNicMac(emulator, spec.network.macAddress);
        this.#nic = new NicChannel(spec.network.port, virtioNicBus(emulator));
      }
      this.#paceConsoleInput(emulator);
      if (this.#options.sameThreadYield) driveMainLoop(core, this.#gate);
      if (spec.hibernation) {
        // Resuming: the state carries memory, devices and the disk's written blocks; the agent
        // in it is already up, mid-read on its port.
        const state = await gunzip(spec.hibernation);
        await restoreIntoFreshMemory(core?.cpu, () => emulator.restore_state(state));
        agent.resumed();
      }
      emulator.add_listener("serial0-output-byte", (byte) => console.push(byte));
      emulator.add_listener("serial1-output-byte", (byte) => this.#agentBytes?.push(byte));
      await emulator.run();
      this.#startedAt = performance.now();
      this.#sampler = setInterval(() => this.#sample(), COUNTER_SAMPLE_MS);
      return ok(undefined);
    } catch (error) {
      const cloudError: CloudError = {
        code: "InstanceBootFailure",
        message: `The emulator could not start: ${toCloudError(error).message}`,
      };
      await this.destroy();
      spec.network?.port.close();
      return { ok: false, error: cloudError };
    }
  }

  async pause(): Promise<void> {
    if (this.#emulator?.is_running() && !this.#poweredOff) await this.#emulator.stop();
  }

  async adopt(spec: AdoptSpec): Promise<Result<void>> {
    const emulator = this.#emulator;
    const refused = (message: string): Result<void> => {
      spec.network?.port.close();
      spec.channel.close();
      return fail("IncorrectInstanceState", message);
    };
    if (!emulator || this.#poweredOff || emulator.is_running()) return refused("This worker holds no paused emulator to hand over.");
    const devices = devicesFor(spec.network);
    const refusal = (spec.network ? invalidNic(spec.network) : null) ?? resumeRefusal(this.#devices, devices, { anyMac: true });
    if (refusal) return refused(refusal);
    this.#channel?.close();
    this.#channel = spec.channel;
    if (spec.network) {
      setNicMac(emulator, spec.network.macAddress);
      this.#nic?.rebind(spec.network.port);
    }
    this.#devices = devices;
    this.#counter.restart(emulator.get_instruction_counter());
    await emulator.run();
    this.#startedAt = performance.now();
    return ok(undefined);
  }

  /** Compiles the emulator ahead of a boot, so a warm worker boots (or resumes) sooner. */
  async prepare(): Promise<void> {
    await this.#wasm();
  }

  async useEmulator(module: WebAssembly.Module): Promise<void> {
    this.#wasmModule ??= Promise.resolve(module);
  }

  #wasmModule: Promise<WebAssembly.Module> | null = null;

  #wasm(): Promise<WebAssembly.Module> {
    this.#wasmModule ??= this.#options.loadWasm();
    return this.#wasmModule;
  }

  async sendConsoleInput(data: string): Promise<void> {
    if (!this.#emulator || this.#poweredOff) return;
    // UTF-8, as the guest's terminal expects (v86's serial0_send would send UTF-16 code units cut to a byte).
    this.#consoleInput.push(new TextEncoder().encode(data));
    this.#feedConsole();
  }

  async exec(command: string, timeoutMs: number, options: ExecOptions = {}): Promise<Result<ExecResult>> {
    if (!this.#agent || this.#poweredOff) return fail("IncorrectInstanceState", "The instance is not running.");
    if (options.input && options.input.byteLength > MAX_COMMAND_INPUT_BYTES) {
      return fail("InvalidParameterValue", `A command takes at most ${MAX_COMMAND_INPUT_BYTES} bytes of input.`);
    }
    return this.#agent.exec(command, timeoutMs, options);
  }

  #writeAgent(data: string | Uint8Array): void {
    this.#agentInput.push(typeof data === "string" ? new TextEncoder().encode(data) : data);
    this.#feedAgent();
  }

  async personalise(identity: GuestIdentity, timeoutMs: number): Promise<Result<void>> {
    if (!this.#agent || this.#poweredOff) return fail("IncorrectInstanceState", "The instance is not running.");
    return this.#agent.personalise(identity, timeoutMs);
  }

  async ping(): Promise<Result<void>> {
    if (!this.#agent || this.#poweredOff) return fail("IncorrectInstanceState", "The instance is not running.");
    return this.#agent.ping();
  }

  async setTerminalSize(rows: number, cols: number): Promise<Result<void>> {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 2 || cols < 2 || rows > 1000 || cols > 1000) {
      return fail("InvalidParameterValue", `A terminal of ${rows} rows and ${cols} columns is not possible.`);
    }
    if (!this.#agent || this.#poweredOff) return fail("IncorrectInstanceState", "The instance is not running.");
    return this.#agent.setTerminalSize(rows, cols);
  }

  async powerOff(options: { readonly timeoutMs: number; readonly force: boolean }): Promise<Result<ShutdownOutcome>> {
    if (!this.#emulator || this.#poweredOff) return ok({ graceful: true });
    if (options.force || !this.#agent) {
      await this.#stopEmulator();
      return ok({ graceful: false });
    }
    const poweredOff = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.timeoutMs);
      this.#shutdownWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    const asked = await this.#agent.shutdown("poweroff", Math.min(options.timeoutMs, 5_000));
    const graceful = asked.ok ? await poweredOff : false;
    await this.#stopEmulator();
    return ok({ graceful });
  }

  async reboot(): Promise<Result<ShutdownOutcome>> {
    if (!this.#emulator || this.#poweredOff) return fail("IncorrectInstanceState", "The instance is not running.");
    const asked = this.#agent ? await this.#agent.shutdown("reboot") : fail("GuestAgentError", "no agent");
    if (asked.ok) return ok({ graceful: true });
    // The guest did not take the request: press the reset button, as EC2 does after a while.
    await this.#stopEmulator();
    if (this.#channel) post(this.#channel, { type: "guest-reboot" });
    return ok({ graceful: false });
  }

  async setCpuShare(sharePct: number, turnOffsetPct: number): Promise<void> {
    if (Number.isFinite(sharePct) && Number.isFinite(turnOffsetPct)) this.#gate.setTurn(sharePct, turnOffsetPct, sharedClock());
  }

  async stats(options?: StatsOptions): Promise<InstanceStats> {
    this.#sample();
    const end = this.#stoppedAt ?? performance.now();
    const inUse = options?.guestMemory && this.#emulator ? guestMemoryInUseBytes(v86Core(this.#emulator)) : null;
    return {
      ...(inUse === null ? {} : { guestMemoryInUseBytes: inUse }),
      instructions: this.#counter.total,
      cpuTimeMs: this.#gate.usedMs,
      cpuSharePct: this.#gate.sharePct,
      runTimeMs: this.#startedAt === 0 ? 0 : end - this.#startedAt,
      running: this.#emulator?.is_running() ?? false,
      agentGarbageLines: this.#agent?.garbageLines ?? 0,
    };
  }

  async hibernate(): Promise<Result<Hibernation>> {
    const emulator = this.#emulator;
    if (!emulator || this.#poweredOff) return fail("IncorrectInstanceState", "The instance is not running.");
    const started = performance.now();
    await this.#stopEmulator();
    const raw = await emulator.save_state();
    const state = await gzip(raw);
    return ok(transfer({ state, rawBytes: raw.byteLength, saveMs: performance.now() - started, devices: this.#devices }, [state]));
  }

  async takeDirtyBlocks(): Promise<Result<DirtyBlocks>> {
    if (!this.#disk) return fail("IncorrectInstanceState", "This worker has no root volume.");
    // Taken between two slices of the emulator: the disk as the guest left it at one instant.
    const dirty: DirtyBlocks = { root: this.#disk.overlay.takeDirty(), data: this.#dataDisk?.overlay.takeDirty() ?? null };
    return ok(transfer(dirty, [...blockBuffers(dirty.root), ...blockBuffers(dirty.data)]));
  }

  async destroy(): Promise<void> {
    await this.#stopEmulator();
    const emulator = this.#emulator;
    this.#emulator = null;
    if (emulator) await emulator.destroy().catch(() => undefined);
    this.#disk?.close();
    this.#dataDisk?.close();
    this.#channel?.close();
    this.#channel = null;
  }

  #post(message: InstanceChannelMessage, transfer: ArrayBuffer[] = []): void {
    if (this.#channel) post(this.#channel, message, transfer);
  }

  #waitForLoad(emulator: V86): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`it did not load within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      emulator.add_listener("emulator-loaded", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Console input is handed over after every slice of the emulator (the guest drains the UART
   * inside slices), and the slice's frames go out as one batch.
   */
  #paceConsoleInput(emulator: V86): void {
    const core = v86Core(emulator);
    const receiveBuffer = core?.cpu?.devices?.uart0?.input;
    const agentBuffer = core?.cpu?.devices?.uart1?.input;
    if (!core || !receiveBuffer || !agentBuffer)
      throw new Error("this v86 build has no console or agent UART to pace input by (was the v86 version changed?)");
    this.#uartReceiveBuffer = receiveBuffer;
    this.#agentUartBuffer = agentBuffer;
    const slice = core.yield_callback.bind(core);
    core.yield_callback = (tick) => {
      slice(tick);
      this.#feedConsole();
      this.#feedAgent();
      this.#nic?.afterSlice();
    };
  }

  #feedConsole(): void {
    const emulator = this.#emulator;
    if (!emulator || !this.#uartReceiveBuffer || this.#consoleInput.pendingBytes === 0) return;
    const batch = this.#consoleInput.next(this.#uartReceiveBuffer.length);
    // Raises the UART's interrupt, which wakes a halted guest.
    if (batch) emulator.serial_send_bytes(0, batch);
  }

  #feedAgent(): void {
    const emulator = this.#emulator;
    if (!emulator || !this.#agentUartBuffer || this.#agentInput.pendingBytes === 0) return;
    const batch = this.#agentInput.next(this.#agentUartBuffer.length);
    if (batch) emulator.serial_send_bytes(1, batch);
  }

  #sample(): void {
    if (this.#emulator && this.#stoppedAt === null) this.#counter.sample(this.#emulator.get_instruction_counter());
    this.#jit?.check(performance.now() - this.#startedAt);
  }

  /**
   * The guest is going down with its volume clean. A reboot too ends this emulator: the host
   * boots a fresh one from the same volume (v86's own reset does not survive a bzImage boot).
   */
  #onGuestShutdown(kind: ShutdownKind): void {
    // The agent speaks just before init halts the kernel; let it finish before stopping.
    setTimeout(() => {
      if (this.#poweredOff) return;
      const waiters = this.#shutdownWaiters;
      this.#shutdownWaiters = [];
      void this.#stopEmulator().then(() => {
        if (this.#channel) post(this.#channel, { type: kind === "reboot" ? "guest-reboot" : "guest-shutdown" });
        for (const wake of waiters) wake();
      });
    }, POWER_OFF_SETTLE_MS);
  }

  async #stopEmulator(): Promise<void> {
    if (this.#poweredOff) return;
    this.#poweredOff = true;
    this.#sample();
    this.#stoppedAt = performance.now();
    if (this.#sampler !== null) clearInterval(this.#sampler);
    this.#sampler = null;
    this.#console?.flush();
    this.#consoleInput.clear();
    this.#agentInput.clear();
    this.#agentBytes?.dispose();
    this.#agent?.abandon("The instance stopped.");
    if (this.#emulator?.is_running()) await this.#emulator.stop();
    this.#nic?.close();
  }

  /** Why the devices asked for cannot be created, or cannot take the saved state; null when they can. */
  #refuseDevices(spec: BootSpec): CloudError | null {
    const invalid = spec.network ? invalidNic(spec.network) : null;
    if (invalid) return { code: "InvalidParameterValue", message: invalid };
    if (!spec.hibernation) return null;
    const refusal = resumeRefusal(spec.hibernationDevices ?? LEGACY_DEVICES, devicesFor(spec.network), { anyMac: spec.golden === true });
    return refusal ? { code: "IncorrectInstanceState", message: refusal } : null;
  }
}

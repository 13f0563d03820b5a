/**
 * A WorkerHost whose workers are in memory: no emulator, no thread. Each worker records the calls
 * the hypervisor makes, answers them from a script a test can change, can be held at a gate (so an
 * instance stays pending, stopping or shutting-down until the test lets it go), and speaks on the
 * instance's channel when the test says (agent ready, console bytes, guest shutdown or reboot, an
 * emulator error). A crash is one call away, and so is a hang (the worker's thread stuck: nothing is answered).
 */
import type { Remote } from "comlink";
import type { ExecResult } from "../../guest/agentClient.ts";
import type { GuestIdentity } from "../../guest/protocol.ts";
import type { CloudError, Result } from "../../shared/errors.ts";
import type { WrittenBlocks } from "../../disk/blockOverlay.ts";
import type {
  BootSpec,
  ChannelPort,
  DirtyBlocks,
  Hibernation,
  InstanceChannelMessage,
  InstanceStats,
  InstanceWorkerApi,
  ShutdownOutcome,
} from "../../worker/api.ts";
import { LEGACY_DEVICES } from "../../worker/emulatorDevices.ts";
import type { FabricHandle, InstanceWorkerHandle, WorkerHost } from "../platform/workerHost.ts";
import { FakeFabric } from "./fakeFabric.ts";

export type WorkerMethod = keyof InstanceWorkerApi;

export interface WorkerCall {
  readonly method: WorkerMethod;
  readonly args: readonly unknown[];
}

/** A promise the test settles: a worker call waits on it before it answers. */
export class Gate {
  readonly #opened: Promise<void>;
  readonly #reached: Promise<void>;
  #open!: () => void;
  #fail!: (error: Error) => void;
  #arrive!: () => void;

  constructor() {
    this.#opened = new Promise<void>((resolve, reject) => {
      this.#open = resolve;
      this.#fail = reject;
    });
    // A gate failed before anything waits on it must not be reported as unhandled.
    this.#opened.catch(() => undefined);
    this.#reached = new Promise<void>((resolve) => (this.#arrive = resolve));
  }

  /** Resolves once a call has arrived at the gate. */
  get reached(): Promise<void> {
    return this.#reached;
  }

  open(): void {
    this.#open();
  }

  /** The held call throws, as a worker call does when the worker dies under it. */
  fail(error: Error): void {
    this.#fail(error);
  }

  async pass(): Promise<void> {
    this.#arrive();
    await this.#opened;
  }
}

/** How workers answer. Every answer may be replaced, for all workers (host.script) or one (worker.script). */
export interface WorkerScript {
  boot(spec: BootSpec): Result<void>;
  powerOff(options: { readonly timeoutMs: number; readonly force: boolean }): Result<ShutdownOutcome>;
  hibernate(): Result<Hibernation>;
  exec(command: string, timeoutMs: number): Result<ExecResult>;
  personalise(identity: GuestIdentity): Result<void>;
  ping(): Result<void>;
  stats(): InstanceStats;
  /** Whatever the worker holds as written since the last take is added to it (see FakeWorker.write). */
  takeDirtyBlocks(): Result<DirtyBlocks>;
  setTerminalSize(rows: number, cols: number): Result<void>;
  reboot(): Result<ShutdownOutcome>;
  /** Whether a reboot is followed by guest-reboot on the channel, as the real worker does. */
  readonly rebootSignals: boolean;
}

/** Calls that can be held at a gate. */
export type GatedCall = "boot" | "powerOff" | "hibernate" | "takeDirtyBlocks" | "terminate";

export const SAVED_STATE_BYTES = 16;

function defaultScript(): WorkerScript {
  return {
    boot: () => ({ ok: true, value: undefined }),
    powerOff: () => ({ ok: true, value: { graceful: true } }),
    hibernate: () => ({
      ok: true,
      value: { state: new Uint8Array(SAVED_STATE_BYTES).fill(7).buffer, rawBytes: 1024, saveMs: 1, devices: LEGACY_DEVICES },
    }),
    exec: (command) => ({ ok: true, value: { exitCode: 0, stdout: `ran: ${command}\n`, stderr: "" } }),
    personalise: () => ({ ok: true, value: undefined }),
    ping: () => ({ ok: true, value: undefined }),
    stats: () => ({ instructions: 0, runTimeMs: 0, cpuTimeMs: 0, cpuSharePct: 100, running: true, agentGarbageLines: 0 }),
    takeDirtyBlocks: () => ({ ok: true, value: { root: new Map(), data: null } }),
    setTerminalSize: () => ({ ok: true, value: undefined }),
    reboot: () => ({ ok: true, value: { graceful: true } }),
    rebootSignals: true,
  };
}

export class FakeWorker {
  /** The id the worker was spawned for ("spare" for a worker kept warm). */
  readonly spawnedFor: string;
  readonly calls: WorkerCall[] = [];
  /** Answers for this worker only; the host's script for the rest. */
  script: Partial<WorkerScript> = {};
  bootSpec: BootSpec | null = null;
  terminated = false;
  readonly #host: FakeWorkerHost;
  #crashListener: ((reason: string) => void) | null = null;
  #stuck: Gate | null = null;
  #root: WrittenBlocks = new Map();
  #data: WrittenBlocks = new Map();

  constructor(host: FakeWorkerHost, spawnedFor: string) {
    this.#host = host;
    this.spawnedFor = spawnedFor;
  }

  /** The instance this worker booted, or was spawned for. */
  get instanceId(): string {
    return this.bootSpec?.instanceId ?? this.spawnedFor;
  }

  get channel(): ChannelPort | null {
    return this.bootSpec?.channel ?? null;
  }

  callsOf(method: WorkerMethod): WorkerCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The guest writes blocks: the next takeDirtyBlocks hands them over. */
  write(disk: "root" | "data", blocks: WrittenBlocks): void {
    for (const [index, block] of blocks) (disk === "root" ? this.#root : this.#data).set(index, block);
  }

  /** Says something on the instance's channel, as the real worker does. */
  post(message: InstanceChannelMessage): void {
    const channel = this.channel;
    if (!channel) throw new Error(`the worker for ${this.instanceId} has not booted: it has no channel to speak on`);
    channel.postMessage(message, []);
  }

  agentReady(): void {
    this.post({ type: "agent-ready", agentVersion: 1 });
  }

  consoleOutput(text: string): void {
    this.post({ type: "console", data: new TextEncoder().encode(text) });
  }

  guestShutdown(): void {
    this.post({ type: "guest-shutdown" });
  }

  guestReboot(): void {
    this.post({ type: "guest-reboot" });
  }

  emulatorError(error: CloudError): void {
    this.post({ type: "emulator-error", error });
  }

  /** The worker dies on its own, as an uncaught error or running out of memory does. */
  crash(reason: string): void {
    const listener = this.#crashListener;
    this.#crashListener = null;
    listener?.(reason);
  }

  /** The worker's thread is stuck (an endless loop, a deadlock): calls arrive but none is answered until answerAgain. */
  hang(): void {
    this.#stuck ??= new Gate();
  }

  /** The stuck thread goes on: the calls held are answered, and later ones at once. */
  answerAgain(): void {
    this.#stuck?.open();
    this.#stuck = null;
  }

  handle(): InstanceWorkerHandle {
    return {
      api: this.#api() as unknown as Remote<InstanceWorkerApi>,
      onCrash: (listener) => {
        this.#crashListener = listener;
      },
      terminate: async () => {
        this.calls.push({ method: "destroy", args: ["terminate"] });
        await this.#host.gates.terminate?.pass();
        this.terminated = true;
        this.#crashListener = null;
        this.channel?.close();
      },
    };
  }

  #answer<K extends Exclude<keyof WorkerScript, "rebootSignals">>(method: K): WorkerScript[K] {
    return this.script[method] ?? this.#host.script[method];
  }

  async #gate(call: GatedCall): Promise<void> {
    await this.#host.gates[call]?.pass();
    // A worker terminated under a call never answers it, as with a real worker behind comlink.
    if (this.terminated) await new Promise<never>(() => undefined);
  }

  #api(): InstanceWorkerApi {
    // While the worker hangs, the call waits on what this returns.
    const record = (method: WorkerMethod, ...args: unknown[]): Promise<void> | undefined => {
      if (this.terminated) throw new Error(`the worker for ${this.instanceId} was terminated and cannot ${method}`);
      this.calls.push({ method, args });
      return this.#stuck?.pass();
    };
    return {
      prepare: async () => record("prepare"),
      useEmulator: async () => record("useEmulator"),
      pause: async () => record("pause"),
      adopt: async (spec) => {
        await record("adopt", spec);
        if (this.bootSpec) this.bootSpec = { ...this.bootSpec, instanceId: spec.instanceId, channel: spec.channel };
        return { ok: true, value: undefined };
      },
      boot: async (spec) => {
        await record("boot", spec);
        this.bootSpec = spec;
        await this.#gate("boot");
        return this.#answer("boot")(spec);
      },
      sendConsoleInput: async (data) => record("sendConsoleInput", data),
      ping: async () => {
        await record("ping");
        return this.#answer("ping")();
      },
      exec: async (command, timeoutMs) => {
        await record("exec", command, timeoutMs);
        return this.#answer("exec")(command, timeoutMs);
      },
      personalise: async (identity, timeoutMs) => {
        await record("personalise", identity, timeoutMs);
        return this.#answer("personalise")(identity);
      },
      setTerminalSize: async (rows, cols) => {
        await record("setTerminalSize", rows, cols);
        return this.#answer("setTerminalSize")(rows, cols);
      },
      powerOff: async (options) => {
        await record("powerOff", options);
        // The gate is a guest that does not shut down; a forced power-off does not wait for the guest.
        if (!options.force) await this.#gate("powerOff");
        return this.#answer("powerOff")(options);
      },
      reboot: async () => {
        await record("reboot");
        const answer = this.#answer("reboot")();
        if ((this.script.rebootSignals ?? this.#host.script.rebootSignals) && answer.ok) this.guestReboot();
        return answer;
      },
      stats: async () => {
        await record("stats");
        return this.#answer("stats")();
      },
      setCpuShare: async (sharePct, turnOffsetPct) => record("setCpuShare", sharePct, turnOffsetPct),
      hibernate: async () => {
        await record("hibernate");
        await this.#gate("hibernate");
        return this.#answer("hibernate")();
      },
      takeDirtyBlocks: async () => {
        await record("takeDirtyBlocks");
        await this.#gate("takeDirtyBlocks");
        const answer = this.#answer("takeDirtyBlocks")();
        if (!answer.ok) return answer;
        const root = new Map([...answer.value.root, ...this.#root]);
        const written = new Map([...(answer.value.data ?? []), ...this.#data]);
        this.#root = new Map();
        this.#data = new Map();
        return { ok: true, value: { root, data: written.size > 0 || answer.value.data ? written : null } };
      },
      destroy: async () => record("destroy"),
    };
  }
}

export class FakeWorkerHost implements WorkerHost {
  /** Every worker spawned, oldest first. */
  readonly workers: FakeWorker[] = [];
  /** How every worker answers unless its own script says otherwise. */
  script: WorkerScript = defaultScript();
  /** Calls held until the test opens the gate (all workers). */
  gates: Partial<Record<GatedCall, Gate>> = {};

  /** Every fabric spawned, oldest first. */
  readonly fabrics: FakeFabric[] = [];

  spawnFabric(): FabricHandle {
    const fabric = new FakeFabric();
    this.fabrics.push(fabric);
    return fabric.handle();
  }

  spawn(instanceId: string): InstanceWorkerHandle {
    const worker = new FakeWorker(this, instanceId);
    this.workers.push(worker);
    return worker.handle();
  }

  /** Holds every later call of this kind until the gate is opened. */
  hold(call: GatedCall): Gate {
    const gate = new Gate();
    this.gates[call] = gate;
    return gate;
  }

  /** Opens the gate and stops holding that call. */
  release(call: GatedCall): void {
    this.gates[call]?.open();
    delete this.gates[call];
  }

  /** The newest worker of the instance (a reboot or a start gives it a fresh one). */
  workerOf(instanceId: string): FakeWorker {
    const worker = this.workers.findLast((candidate) => candidate.instanceId === instanceId);
    if (!worker) throw new Error(`no worker was spawned for ${instanceId}`);
    return worker;
  }

  workersOf(instanceId: string): FakeWorker[] {
    return this.workers.filter((worker) => worker.instanceId === instanceId);
  }

  /** Every gate opened, every hung worker let go and every channel closed: nothing is left waiting when a test ends. */
  dispose(): void {
    for (const call of Object.keys(this.gates) as GatedCall[]) this.release(call);
    for (const worker of this.workers) worker.answerAgain();
    for (const worker of this.workers) worker.channel?.close();
    for (const fabric of this.fabrics) for (const port of fabric.ports.values()) port.close();
  }
}

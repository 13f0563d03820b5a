/**
 * Talks to the guest agent: numbers requests, matches replies, times out the ones the guest
 * never answers. Transport-free: the owner feeds it the agent port's bytes and gives it a
 * function that writes a line to that port.
 */
import { fail, ok, type Result } from "../shared/errors.ts";
import { withInput } from "./commandInput.ts";
import { encodeRequest, FrameParser, type AgentMessage, type GuestIdentity, type ShutdownKind } from "./protocol.ts";

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The output's bytes as the command wrote them, when asked for (binaryStdout): stdout is their UTF-8 reading. */
  readonly stdoutBytes?: Uint8Array;
}

export interface ExecOptions {
  /** Bytes the command reads as its standard input (see commandInput.ts). */
  readonly input?: Uint8Array;
  /** Also return the output's bytes unchanged, for output that is not text. */
  readonly binaryStdout?: boolean;
}

export interface AgentClientEvents {
  ready(agentVersion: number): void;
  shutdown(kind: ShutdownKind): void;
}

type Reply = Extract<AgentMessage, { seq: number }>;

interface Pending {
  resolve(reply: Reply | null): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The guest's clock and the host's differ by a little: a kill this close to the timeout is the timeout's. */
const TIMEOUT_CLOCK_SLACK_MS = 300;
/** Host-side slack on top of the guest's own command timeout, for the reply to arrive. */
const REPLY_SLACK_MS = 5_000;

/** Writes to the agent's port: a request line, or the input that follows one. */
export type AgentPortWriter = (data: string | Uint8Array) => void;

export class AgentClient {
  readonly #write: AgentPortWriter;
  readonly #events: AgentClientEvents;
  readonly #parser = new FrameParser();
  readonly #pending = new Map<number, Pending>();
  #nextSeq = 1;
  #agentVersion: number | null = null;
  #abandonReason = "";
  /** Settles when the command reading input from the port has answered; nothing else is written before. */
  #inputHeld: Promise<void> | null = null;

  constructor(write: AgentPortWriter, events: AgentClientEvents) {
    this.#write = write;
    this.#events = events;
  }

  /** The agent's version once it has said ready; null before. */
  get agentVersion(): number | null {
    return this.#agentVersion;
  }

  get garbageLines(): number {
    return this.#parser.garbageLines;
  }

  /** Feeds bytes read from the agent's serial port. */
  receive(bytes: Uint8Array): void {
    for (const message of this.#parser.push(bytes)) {
      switch (message.kind) {
        case "ready":
          this.#agentVersion = message.agentVersion;
          this.#events.ready(message.agentVersion);
          break;
        case "shutdown":
          this.#events.shutdown(message.shutdownKind);
          break;
        default:
          this.#settle(message.seq, message);
      }
    }
  }

  /**
   * Runs a command; with input, the command reads those bytes as its standard input (see
   * commandInput.ts). Until a command with input has answered, other requests wait their turn.
   */
  async exec(command: string, timeoutMs: number, options: ExecOptions = {}): Promise<Result<ExecResult>> {
    const input = options.input;
    if (command.length === 0) return fail("InvalidParameterValue", "The command is empty.");
    const timeoutSec = Math.max(1, Math.ceil(timeoutMs / 1000));
    const withStdin = input !== undefined && input.byteLength > 0;
    const line = withStdin ? withInput(command, input.byteLength) : command;
    const started = Date.now();
    const reply = await this.#request(
      (seq) => ({ verb: "exec", seq, command: line, timeoutSec }),
      timeoutSec * 1000 + REPLY_SLACK_MS,
      withStdin ? input : undefined,
    );
    if (!reply.ok) return reply;
    const message = reply.value;
    if (message.kind === "exit") {
      // The guest kills the command with SIGKILL at its timeout: exit code 137. So does the
      // kernel's out-of-memory killer, sooner: only a kill at the timeout is a timeout.
      const ranMs = Date.now() - started;
      if (
        message.exitCode === 137 &&
        message.stdout === "" &&
        message.stderr === "" &&
        ranMs >= timeoutSec * 1000 - TIMEOUT_CLOCK_SLACK_MS
      ) {
        return fail("GuestAgentTimeout", `The command did not finish within ${timeoutSec} s and was killed.`);
      }
      const result = { exitCode: message.exitCode, stdout: message.stdout, stderr: message.stderr };
      return ok(options.binaryStdout ? { ...result, stdoutBytes: message.stdoutBytes } : result);
    }
    return this.#unexpected(message);
  }

  async setTerminalSize(rows: number, cols: number, timeoutMs = 5_000): Promise<Result<void>> {
    const reply = await this.#request((seq) => ({ verb: "winsize", seq, rows, cols }), timeoutMs);
    return reply.ok ? this.#expectOk(reply.value) : reply;
  }

  /** Makes a guest restored from its image's boot snapshot this instance (agent version 2 and later). */
  async personalise(identity: GuestIdentity, timeoutMs: number): Promise<Result<void>> {
    const reply = await this.#request((seq) => ({ verb: "personalise", seq, identity }), timeoutMs);
    return reply.ok ? this.#expectOk(reply.value) : reply;
  }

  async ping(timeoutMs = 5_000): Promise<Result<void>> {
    const reply = await this.#request((seq) => ({ verb: "ping", seq }), timeoutMs);
    return reply.ok ? this.#expectOk(reply.value) : reply;
  }

  /** Asks the guest to power off or reboot cleanly; resolves when the agent has accepted. */
  async shutdown(kind: ShutdownKind, timeoutMs = 5_000): Promise<Result<void>> {
    const reply = await this.#request((seq) => ({ verb: kind, seq }), timeoutMs);
    return reply.ok ? this.#expectOk(reply.value) : reply;
  }

  /**
   * The emulator was restored from a saved state in which the agent was already running: it
   * will not say ready again. Requests from before the save are gone with the old emulator.
   */
  resumed(agentVersion = 1): void {
    this.#agentVersion = agentVersion;
    this.#abandonReason = "";
  }

  /** Fails every request still waiting, for example when the emulator stops. */
  abandon(reason: string): void {
    this.#abandonReason = reason;
    for (const [seq, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(seq);
      pending.resolve(null);
    }
  }

  #request(build: (seq: number) => Parameters<typeof encodeRequest>[0], timeoutMs: number, input?: Uint8Array): Promise<Result<Reply>> {
    if (this.#agentVersion === null) {
      return Promise.resolve(fail("GuestAgentError", "The guest agent has not started yet: wait for the instance status check."));
    }
    // Written at once unless a command reads the port: a request written then would be read as its input.
    const before = this.#inputHeld;
    if (!input && !before) return this.#send(build, timeoutMs);
    let release = (): void => undefined;
    if (input) {
      const held = new Promise<void>((resolve) => (release = resolve));
      this.#inputHeld = held;
      void held.then(() => {
        if (this.#inputHeld === held) this.#inputHeld = null;
      });
    }
    return (async () => {
      await before;
      try {
        return await this.#send(build, timeoutMs, input);
      } finally {
        release();
      }
    })();
  }

  #send(build: (seq: number) => Parameters<typeof encodeRequest>[0], timeoutMs: number, input?: Uint8Array): Promise<Result<Reply>> {
    const seq = this.#nextSeq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(seq);
        resolve(fail("GuestAgentTimeout", `The guest agent did not answer within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.#pending.set(seq, {
        timer,
        resolve: (reply) => resolve(reply ? ok(reply) : fail("GuestAgentError", this.#abandonReason || "The guest agent went away.")),
      });
      this.#write(encodeRequest(build(seq)));
      if (input) this.#write(input);
    });
  }

  #settle(seq: number, reply: Reply): void {
    const pending = this.#pending.get(seq);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(seq);
    pending.resolve(reply);
  }

  #expectOk(message: Reply): Result<void> {
    return message.kind === "ok" ? ok(undefined) : this.#unexpected(message);
  }

  #unexpected(message: Reply): Result<never> {
    if (message.kind === "error") return fail("GuestAgentError", `The guest agent refused: ${message.message}`);
    return fail("GuestAgentError", `The guest agent answered "${message.kind}" where another answer was expected.`);
  }
}

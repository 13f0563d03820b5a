/**
 * The tabcloud guest agent protocol, host side. The guest side is the shell script
 * images/tabcloud-linux/rootfs/sbin/tabcloud-agent; both must agree on what is here.
 *
 * One frame per line on the guest's second serial port (/dev/ttyS1):
 *   "TC1 <seq> <verb> <fields...>\n", fields separated by one space,
 *   text payloads in base64, "-" for an empty payload.
 * seq 0 is for messages the guest starts (ready, shutdown).
 */
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

const PROTOCOL_TAG = "TC1";
/** A frame longer than this is garbage, however it ends: it bounds the parser's memory. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

export type AgentRequest =
  | { readonly verb: "exec"; readonly seq: number; readonly command: string; readonly timeoutSec: number }
  | { readonly verb: "winsize"; readonly seq: number; readonly rows: number; readonly cols: number }
  | { readonly verb: "poweroff"; readonly seq: number }
  | { readonly verb: "reboot"; readonly seq: number }
  | { readonly verb: "ping"; readonly seq: number }
  | { readonly verb: "personalise"; readonly seq: number; readonly identity: GuestIdentity };

/**
 * Who a guest restored from its image's boot snapshot becomes (agent version 2 and later): it
 * takes all of it in one request and then lets its console's shell go on to a login.
 */
export interface GuestIdentity {
  /** Checked by the host: letters, digits, dots and hyphens. */
  readonly hostname: string;
  /** The host's clock, in whole seconds since the epoch. */
  readonly epochSec: number;
  readonly rows: number;
  readonly cols: number;
  /** Random bytes from the host, mixed into the guest's pool. */
  readonly seed: Uint8Array;
  /** The MAC its NIC takes (lower case), or null when it has none. */
  readonly macAddress: string | null;
}

/** The first agent version that takes a personalise request. */
export const PERSONALISE_AGENT_VERSION = 2;

export type ShutdownKind = "poweroff" | "reboot";

export type AgentMessage =
  | { readonly kind: "ready"; readonly agentVersion: number }
  | {
      readonly kind: "exit";
      readonly seq: number;
      readonly exitCode: number;
      readonly stdout: string;
      /** The command's output as it wrote it: stdout is its UTF-8 reading, lossy for other bytes. */
      readonly stdoutBytes: Uint8Array;
      readonly stderr: string;
    }
  | { readonly kind: "ok"; readonly seq: number }
  | { readonly kind: "error"; readonly seq: number; readonly message: string }
  /** The guest is going down: powering off or rebooting, its root volume already clean. */
  | { readonly kind: "shutdown"; readonly shutdownKind: ShutdownKind };

const utf8 = new TextEncoder();

function encodeText(text: string): string {
  return text.length === 0 ? "-" : bytesToBase64(utf8.encode(text));
}

function decodeBytes(field: string): Uint8Array | null {
  return field === "-" ? new Uint8Array(0) : base64ToBytes(field);
}

function utf8Text(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

function decodeText(field: string): string | null {
  const bytes = decodeBytes(field);
  return bytes === null ? null : utf8Text(bytes);
}

/** Encodes one request as the line the agent reads, newline included. */
export function encodeRequest(request: AgentRequest): string {
  const head = `${PROTOCOL_TAG} ${request.seq} ${request.verb}`;
  switch (request.verb) {
    case "exec":
      return `${head} ${Math.max(1, Math.ceil(request.timeoutSec))} ${encodeText(request.command)}\n`;
    case "winsize":
      return `${head} ${request.rows} ${request.cols}\n`;
    case "poweroff":
    case "reboot":
    case "ping":
      return `${head}\n`;
    case "personalise": {
      const { hostname, epochSec, rows, cols, seed, macAddress } = request.identity;
      return `${head} ${hostname} ${epochSec} ${rows} ${cols} ${bytesToBase64(seed)} ${macAddress ?? "-"}\n`;
    }
  }
}

const isCount = (field: string | undefined): field is string => field !== undefined && /^\d{1,9}$/.test(field);

/** Decodes one line (without its newline). Returns null for anything that is not a well-formed frame. */
export function decodeMessage(line: string): AgentMessage | null {
  const fields = line.replace(/\r$/, "").split(" ");
  const [tag, seqField, kind] = fields;
  if (tag !== PROTOCOL_TAG || !isCount(seqField)) return null;
  const seq = Number(seqField);
  const arity = fields.length;
  switch (kind) {
    case "ready":
      return arity === 4 && seq === 0 && isCount(fields[3]) ? { kind, agentVersion: Number(fields[3]) } : null;
    case "shutdown": {
      const shutdownKind = fields[3];
      return arity === 4 && seq === 0 && (shutdownKind === "poweroff" || shutdownKind === "reboot") ? { kind, shutdownKind } : null;
    }
    case "ok":
      return arity === 3 && seq > 0 ? { kind, seq } : null;
    case "error": {
      const message = arity === 4 && seq > 0 ? decodeText(fields[3] ?? "") : null;
      return message === null ? null : { kind, seq, message };
    }
    case "exit": {
      if (arity !== 6 || seq === 0 || !isCount(fields[3])) return null;
      const stdoutBytes = decodeBytes(fields[4] ?? "");
      const stderr = decodeText(fields[5] ?? "");
      if (stdoutBytes === null || stderr === null) return null;
      return { kind, seq, exitCode: Number(fields[3]), stdout: utf8Text(stdoutBytes), stdoutBytes, stderr };
    }
    default:
      return null;
  }
}

/**
 * Splits the agent's byte stream into frames. Chunks may end anywhere, even inside a frame;
 * lines that are not frames (boot noise, line garbage, overlong lines) are counted and dropped.
 */
export class FrameParser {
  #pieces: Uint8Array[] = [];
  #pendingBytes = 0;
  #overlong = false;
  #ascii = new TextDecoder("latin1");
  garbageLines = 0;

  /** Feeds bytes; returns the frames that became complete. */
  push(bytes: Uint8Array): AgentMessage[] {
    const messages: AgentMessage[] = [];
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline === -1 ? bytes.length : newline;
      this.#append(bytes.subarray(start, end));
      if (newline === -1) break;
      const message = this.#overlong ? null : decodeMessage(this.#ascii.decode(this.#takeLine()));
      if (message) messages.push(message);
      else if (this.#pendingBytes > 0 || this.#overlong) this.garbageLines++;
      this.#pieces = [];
      this.#pendingBytes = 0;
      this.#overlong = false;
      start = newline + 1;
    }
    return messages;
  }

  #append(piece: Uint8Array): void {
    if (piece.length === 0 || this.#overlong) return;
    if (this.#pendingBytes + piece.length > MAX_FRAME_BYTES) {
      this.#overlong = true;
      this.#pieces = [];
      return;
    }
    // Copy: the caller may reuse its buffer.
    this.#pieces.push(piece.slice());
    this.#pendingBytes += piece.length;
  }

  #takeLine(): Uint8Array {
    if (this.#pieces.length === 1) return this.#pieces[0] as Uint8Array;
    const line = new Uint8Array(this.#pendingBytes);
    let offset = 0;
    for (const piece of this.#pieces) {
      line.set(piece, offset);
      offset += piece.length;
    }
    return line;
  }
}

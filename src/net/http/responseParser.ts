/**
 * Reads one HTTP/1.1 response from a connection's bytes as they arrive, for the client side: the
 * status line, header fields, and a body delimited by Content-Length, by chunked coding, or by
 * the server closing the connection (finish()). Interim 1xx responses are skipped.
 */
import { ByteQueue } from "../tcp/byteQueue.ts";
import { contentLength, headEnd, latin1, parseHead } from "./head.ts";
import { headerHasToken, type HttpHeaders, MAX_BODY_BYTES, MAX_HEADER_BYTES } from "./message.ts";

interface ParsedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: HttpHeaders;
  readonly body: Uint8Array;
}

export type ResponseParseResult =
  | { readonly state: "incomplete" }
  | { readonly state: "complete"; readonly response: ParsedResponse }
  | { readonly state: "error"; readonly message: string };

type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

/** Where the chunked decoder is: a size line, chunk data, the CRLF after it, or trailer lines. */
type ChunkState = { readonly at: "size" } | { readonly at: "data"; left: number } | { readonly at: "dataEnd" } | { readonly at: "trailer" };

const MAX_CHUNK_LINE = 1024;

export class HttpResponseParser {
  readonly #headRequest: boolean;
  readonly #maxHeaderBytes: number;
  readonly #maxBodyBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);
  #head: { readonly status: number; readonly statusText: string; readonly headers: HttpHeaders; readonly framing: Framing } | null = null;
  readonly #body = new ByteQueue();
  #chunk: ChunkState = { at: "size" };
  #result: ResponseParseResult = { state: "incomplete" };

  /** `requestMethod` matters: the answer to HEAD has no body whatever its headers say. */
  constructor(requestMethod: string, limits: { readonly maxHeaderBytes?: number; readonly maxBodyBytes?: number } = {}) {
    this.#headRequest = requestMethod.toUpperCase() === "HEAD";
    this.#maxHeaderBytes = limits.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.#maxBodyBytes = limits.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  push(bytes: Uint8Array): ResponseParseResult {
    if (this.#result.state !== "incomplete") return this.#result;
    this.#buffer = this.#buffer.length === 0 ? bytes : concat(this.#buffer, bytes);
    while (this.#result.state === "incomplete") {
      const progressed = this.#head ? this.#readBody() : this.#readHead();
      if (!progressed) break;
    }
    return this.#result;
  }

  /** The server closed the connection: completes a close-delimited body, or fails a cut one. */
  finish(): ResponseParseResult {
    if (this.#result.state !== "incomplete") return this.#result;
    if (this.#head?.framing.kind === "close") this.#complete();
    else
      this.#result = {
        state: "error",
        message: this.#head
          ? "The server closed the connection before the end of the response body."
          : "The server closed the connection without a complete response.",
      };
    return this.#result;
  }

  #readHead(): boolean {
    const end = headEnd(this.#buffer, 0);
    if (end < 0) {
      if (this.#buffer.length > this.#maxHeaderBytes)
        this.#fail(`The response's header section is larger than ${this.#maxHeaderBytes} bytes.`);
      return false;
    }
    if (end > this.#maxHeaderBytes) return this.#fail(`The response's header section is larger than ${this.#maxHeaderBytes} bytes.`);
    const parsed = parseHead(latin1(this.#buffer.subarray(0, end)));
    this.#buffer = this.#buffer.subarray(end);
    if (!parsed.ok) return this.#fail(parsed.message);
    const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(parsed.startLine);
    if (!match) return this.#fail(`The status line is not "HTTP/1.1 200 OK": ${JSON.stringify(parsed.startLine.slice(0, 80))}.`);
    const status = Number(match[1]);
    if (status >= 100 && status < 200) return true; // an interim answer; the real one follows
    const framing = this.#framing(status, parsed.headers);
    if ("message" in framing) return this.#fail(framing.message);
    this.#head = { status, statusText: match[2] ?? "", headers: parsed.headers, framing };
    return true;
  }

  #framing(status: number, headers: HttpHeaders): Framing | { readonly message: string } {
    if (this.#headRequest || status === 204 || status === 304) return { kind: "none" };
    if (headers.some(([name]) => name.toLowerCase() === "transfer-encoding")) {
      // RFC 9112 §6.3: chunked must be the last coding; anything else is read to the close.
      return headerHasToken(headers, "transfer-encoding", "chunked") ? { kind: "chunked" } : { kind: "close" };
    }
    const length = contentLength(headers);
    if (length === null) return { kind: "close" };
    if (typeof length === "object") return length;
    if (length > this.#maxBodyBytes) return { message: `The response body (${length} bytes) is larger than ${this.#maxBodyBytes} bytes.` };
    return { kind: "length", length };
  }

  /** Consumes buffered body bytes; false when it needs more. */
  #readBody(): boolean {
    const framing = this.#head?.framing ?? { kind: "none" };
    switch (framing.kind) {
      case "none":
        this.#complete();
        return false;
      case "length": {
        const take = Math.min(this.#buffer.length, framing.length - this.#body.length);
        this.#body.push(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        if (this.#body.length === framing.length) this.#complete();
        return false;
      }
      case "close":
        if (!this.#bodyFits(this.#buffer.length)) return false;
        this.#body.push(this.#buffer);
        this.#buffer = new Uint8Array(0);
        return false;
      case "chunked":
        return this.#readChunked();
    }
  }

  #readChunked(): boolean {
    const state = this.#chunk;
    if (state.at === "data") {
      const take = Math.min(this.#buffer.length, state.left);
      if (take === 0) return false;
      if (!this.#bodyFits(take)) return false;
      this.#body.push(this.#buffer.subarray(0, take));
      this.#buffer = this.#buffer.subarray(take);
      state.left -= take;
      if (state.left === 0) this.#chunk = { at: "dataEnd" };
      return true;
    }
    const line = this.#line();
    if (line === null) return false;
    if (state.at === "dataEnd") {
      if (line !== "") return this.#fail("A chunk is longer than its size line says.");
      this.#chunk = { at: "size" };
    } else if (state.at === "size") {
      const match = /^([0-9A-Fa-f]{1,8})[ \t]*(;.*)?$/.exec(line);
      if (!match) return this.#fail(`A chunk size line is not hexadecimal: ${JSON.stringify(line.slice(0, 40))}.`);
      const size = parseInt(match[1] ?? "0", 16);
      this.#chunk = size === 0 ? { at: "trailer" } : { at: "data", left: size };
    } else if (line === "") {
      this.#complete();
      return false;
    }
    return true;
  }

  /** One line (CRLF or LF) taken from the buffer, or null until it is whole. */
  #line(): string | null {
    const newline = this.#buffer.indexOf(0x0a);
    if (newline < 0) {
      if (this.#buffer.length > MAX_CHUNK_LINE) this.#fail("A chunk size or trailer line is too long.");
      return null;
    }
    const end = newline > 0 && this.#buffer[newline - 1] === 0x0d ? newline - 1 : newline;
    const line = latin1(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.subarray(newline + 1);
    return line;
  }

  #bodyFits(more: number): boolean {
    if (this.#body.length + more <= this.#maxBodyBytes) return true;
    this.#fail(`The response body is larger than ${this.#maxBodyBytes} bytes.`);
    return false;
  }

  #complete(): void {
    const head = this.#head;
    if (!head) return;
    this.#result = {
      state: "complete",
      response: { status: head.status, statusText: head.statusText, headers: head.headers, body: this.#body.takeAll() },
    };
  }

  #fail(message: string): false {
    this.#result = { state: "error", message };
    return false;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Reads HTTP/1.1 requests from a connection's bytes as they arrive, in any pieces, several
 * pipelined in one: request line, header fields, and a Content-Length body. A chunked upload is
 * refused with 411 (send a Content-Length); anything malformed or too large ends the parser
 * with the status to answer before closing.
 */
import { ByteQueue } from "../tcp/byteQueue.ts";
import { contentLength, headEnd, isToken, latin1, parseHead } from "./head.ts";
import { headerHasToken, type HttpRequest, type HttpRequestError, MAX_BODY_BYTES, MAX_HEADER_BYTES } from "./message.ts";

export interface RequestParseResult {
  readonly requests: readonly HttpRequest[];
  /** Set once the stream cannot be read further; no request follows it. */
  readonly error: HttpRequestError | null;
}

interface PendingHead {
  readonly method: string;
  readonly target: string;
  readonly version: "HTTP/1.0" | "HTTP/1.1";
  readonly headers: HttpRequest["headers"];
  readonly keepAlive: boolean;
  readonly length: number;
}

export class HttpRequestParser {
  readonly #maxHeaderBytes: number;
  readonly #maxBodyBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);
  #scanned = 0;
  #head: PendingHead | null = null;
  readonly #body = new ByteQueue();
  #error: HttpRequestError | null = null;

  constructor(limits: { readonly maxHeaderBytes?: number; readonly maxBodyBytes?: number } = {}) {
    this.#maxHeaderBytes = limits.maxHeaderBytes ?? MAX_HEADER_BYTES;
    this.#maxBodyBytes = limits.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  push(bytes: Uint8Array): RequestParseResult {
    if (this.#error) return { requests: [], error: this.#error };
    const requests: HttpRequest[] = [];
    let input = bytes;
    while (input.length > 0 && !this.#error) {
      if (this.#head) {
        const take = Math.min(input.length, this.#head.length - this.#body.length);
        this.#body.push(input.subarray(0, take));
        input = input.subarray(take);
      } else {
        input = this.#readHead(input);
      }
      const head = this.#head;
      if (head && this.#body.length === head.length) {
        const { length: _length, ...request } = head;
        requests.push({ ...request, body: this.#body.takeAll() });
        this.#head = null;
      }
    }
    return { requests, error: this.#error };
  }

  /** Adds bytes to the header section; returns what follows its end (the body's first bytes). */
  #readHead(input: Uint8Array): Uint8Array {
    let start = 0;
    // RFC 9112 §2.2: empty lines before a request line are skipped.
    if (this.#buffer.length === 0) while (start < input.length && (input[start] === 0x0d || input[start] === 0x0a)) start++;
    const joined = new Uint8Array(this.#buffer.length + input.length - start);
    joined.set(this.#buffer);
    joined.set(input.subarray(start), this.#buffer.length);
    const end = headEnd(joined, this.#scanned);
    if (end < 0) {
      if (joined.length > this.#maxHeaderBytes)
        this.#fail(431, `The request's header section is larger than ${this.#maxHeaderBytes} bytes.`);
      this.#buffer = joined;
      this.#scanned = Math.max(0, joined.length - 3);
      return new Uint8Array(0);
    }
    if (end > this.#maxHeaderBytes) {
      this.#fail(431, `The request's header section is larger than ${this.#maxHeaderBytes} bytes.`);
      return new Uint8Array(0);
    }
    this.#buffer = new Uint8Array(0);
    this.#scanned = 0;
    this.#startRequest(latin1(joined.subarray(0, end)));
    return joined.subarray(end);
  }

  #startRequest(text: string): void {
    const parsed = parseHead(text);
    if (!parsed.ok) return this.#fail(400, parsed.message);
    const parts = parsed.startLine.split(" ");
    const [method = "", target = "", version = ""] = parts;
    if (parts.length !== 3 || !isToken(method) || target === "")
      return this.#fail(400, `The request line is not "METHOD target HTTP/1.1": ${JSON.stringify(parsed.startLine.slice(0, 80))}.`);
    if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
      return /^HTTP\/\d\.\d$/.test(version)
        ? this.#fail(505, `${version} is not served; send HTTP/1.1.`)
        : this.#fail(400, `The request line ends in ${JSON.stringify(version)}, not an HTTP version.`);
    }
    const { headers } = parsed;
    if (headers.some(([name]) => name.toLowerCase() === "transfer-encoding")) {
      return headerHasToken(headers, "transfer-encoding", "chunked")
        ? this.#fail(411, "Chunked uploads are not accepted here: send the body with a Content-Length.")
        : this.#fail(501, "Transfer-Encoding other than chunked is not implemented.");
    }
    const length = contentLength(headers);
    if (length !== null && typeof length === "object") return this.#fail(400, length.message);
    if (length !== null && length > this.#maxBodyBytes)
      return this.#fail(413, `The request body (${length} bytes) is larger than ${this.#maxBodyBytes} bytes.`);
    const keepAlive =
      version === "HTTP/1.1" ? !headerHasToken(headers, "connection", "close") : headerHasToken(headers, "connection", "keep-alive");
    this.#head = { method, target, version, headers, keepAlive, length: length ?? 0 };
  }

  #fail(status: HttpRequestError["status"], message: string): void {
    this.#error = { status, message };
  }
}

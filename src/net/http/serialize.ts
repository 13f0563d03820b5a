/** HTTP/1.1 messages to bytes: the head as ISO-8859-1 text, then the body, framed by Content-Length. */
import { type HttpHeaders, type HttpResponse, reasonPhrase } from "./message.ts";

/** What a client sends. */
export interface OutgoingRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: HttpHeaders;
  readonly body: Uint8Array | null;
}

function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  // A character beyond ISO-8859-1 cannot be sent in a header: it becomes "?".
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) < 256 ? text.charCodeAt(i) : 0x3f;
  return bytes;
}

function message(head: string, headers: HttpHeaders, body: Uint8Array | null): Uint8Array {
  const text = head + "\r\n" + headers.map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, " ")}\r\n`).join("") + "\r\n";
  const headBytes = latin1Bytes(text);
  if (!body || body.length === 0) return headBytes;
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}

function without(headers: HttpHeaders, names: readonly string[]): HttpHeaders {
  return headers.filter(([name]) => !names.includes(name.toLowerCase()));
}

/**
 * A response: Content-Length is always ours (a body never chunked), "Connection: close" when the
 * connection ends after it; for HEAD, the head alone with the length the body would have.
 */
export function serializeResponse(
  response: HttpResponse,
  options: { readonly close?: boolean; readonly headRequest?: boolean } = {},
): Uint8Array {
  const bodyless = response.status < 200 || response.status === 204 || response.status === 304;
  const headers: (readonly [string, string])[] = [...without(response.headers, ["content-length", "transfer-encoding", "connection"])];
  if (!bodyless) headers.push(["Content-Length", String(response.body.length)]);
  if (options.close) headers.push(["Connection", "close"]);
  const statusLine = `HTTP/1.1 ${response.status} ${response.statusText ?? reasonPhrase(response.status)}`;
  return message(statusLine, headers, bodyless || options.headRequest ? null : response.body);
}

/** A request; a body gets its Content-Length, and one is never chunked. */
export function serializeRequest(request: OutgoingRequest): Uint8Array {
  const headers: (readonly [string, string])[] = [...without(request.headers, ["content-length", "transfer-encoding"])];
  const body = request.body ?? new Uint8Array(0);
  if (body.length > 0 || ["POST", "PUT", "PATCH"].includes(request.method.toUpperCase()))
    headers.push(["Content-Length", String(body.length)]);
  return message(`${request.method} ${request.target} HTTP/1.1`, headers, body);
}

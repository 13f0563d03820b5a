/**
 * One HTTP/1.1 request over a TCP connection the fabric opens (the browser opening a guest's web
 * server): connect, send, read the answer, close. Every failure is a value with a code:
 * "ConnectionRefused" (RST to our SYN), "Timeout" (no connection or no complete answer in
 * time), "BadResponse" (not HTTP, cut short, or too large).
 */
import type { InboundHttpResult } from "../fabricApi.ts";
import { dottedIp } from "../tcp/segments.ts";
import type { TcpStack } from "../tcp/stack.ts";
import { headerValue, type HttpHeaders } from "./message.ts";
import { HttpResponseParser, type ResponseParseResult } from "./responseParser.ts";
import { type OutgoingRequest, serializeRequest } from "./serialize.ts";

export interface HttpClientTarget {
  readonly localIp: number;
  readonly remoteIp: number;
  readonly remotePort: number;
  /** The whole exchange, connecting included. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Headers about this one connection, not the message: the answer's body is already whole. */
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "proxy-connection"];

export function httpClientRequest(stack: TcpStack, target: HttpClientTarget, request: OutgoingRequest): Promise<InboundHttpResult> {
  const address = `${dottedIp(target.remoteIp)}:${target.remotePort}`;
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const localPort = stack.freePort(target.localIp, target.remoteIp, target.remotePort);
    if (localPort === null) {
      resolve({ ok: false, code: "TooManyConnections", message: `Every local port to ${address} is in use.` });
      return;
    }
    const opened = stack.connect(target.localIp, localPort, target.remoteIp, target.remotePort);
    if (!opened.ok) {
      resolve({ ok: false, code: opened.code, message: opened.message });
      return;
    }
    const { connection } = opened;
    const parser = new HttpResponseParser(request.method);
    let settled = false;
    const settle = (result: InboundHttpResult, how: "end" | "abort"): void => {
      if (settled) return;
      settled = true;
      cancelTimeout();
      if (how === "abort") connection.abort();
      else connection.end();
      resolve(result);
    };
    const take = (parsed: ResponseParseResult): void => {
      if (parsed.state === "complete") {
        const { status, statusText, headers, body } = parsed.response;
        settle(
          { ok: true, status, statusText, headers: headers.filter(([name]) => !HOP_BY_HOP.includes(name.toLowerCase())), body },
          "end",
        );
      } else if (parsed.state === "error") {
        settle({ ok: false, code: "BadResponse", message: `${address} did not answer with HTTP: ${parsed.message}` }, "abort");
      }
    };
    const cancelTimeout = stack.scheduler.schedule(timeoutMs, () =>
      settle({ ok: false, code: "Timeout", message: `${address} did not answer within ${Math.round(timeoutMs / 1000)} s.` }, "abort"),
    );

    connection.on("connect", () => {
      const headers: HttpHeaders = [
        ...(headerValue(request.headers, "host") === null ? [["Host", address] as const] : []),
        ...request.headers.filter(([name]) => !HOP_BY_HOP.includes(name.toLowerCase())),
        // One request per connection: the server's close also ends a body sent without a length.
        ["Connection", "close"],
      ];
      const written = connection.write(serializeRequest({ ...request, headers }));
      if (!written.ok) settle({ ok: false, code: "BadResponse", message: written.message }, "abort");
    });
    connection.on("data", (chunk) => take(parser.push(chunk)));
    connection.on("end", () => take(parser.finish()));
    connection.on("error", (error) => {
      const code = error.code === "ConnectionReset" ? "BadResponse" : error.code;
      settle({ ok: false, code, message: error.message }, "abort");
    });
    connection.on("close", () =>
      settle({ ok: false, code: "BadResponse", message: `${address} closed the connection without a complete answer.` }, "end"),
    );
  });
}

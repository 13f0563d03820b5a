/**
 * An HTTP/1.1 server on the fabric's TCP endpoint: accepts connections to ip:port, reads
 * requests (several per connection, pipelined ones answered in order), asks the handler and
 * writes its answers. A request it cannot read gets the parser's status and the connection closes.
 */
import type { TcpConnection } from "../tcp/connection.ts";
import type { ListenResult, TcpStack } from "../tcp/stack.ts";
import { DEFAULT_IP_TTL } from "../tcp/tuning.ts";
import type { HttpRequest, HttpRequestError, HttpResponse } from "./message.ts";
import { HttpRequestParser } from "./requestParser.ts";
import { serializeResponse } from "./serialize.ts";

/** Who asked: the connection's two ends. */
export interface HttpPeer {
  readonly remoteIp: number;
  readonly remotePort: number;
  readonly localIp: number;
  readonly localPort: number;
}

export interface HttpServerReply {
  readonly response: HttpResponse;
  /** The IP TTL of the segments that carry this answer (the metadata service's hop limit); 64 when left out. */
  readonly ipTtl?: number;
  /** Closes the connection after this answer, whatever the request asked. */
  readonly close?: boolean;
}

export type HttpHandler = (request: HttpRequest, peer: HttpPeer) => HttpServerReply | Promise<HttpServerReply>;

export interface ServeOptions {
  /** A connection with no request for this long is closed, so idle keep-alive connections do not pile up. */
  readonly idleTimeoutMs?: number;
  /** The largest request body read (16 MiB unless smaller: the metadata service needs none); a larger one is answered 413. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Requests read ahead of the one being answered before we stop reading (and our window closes). */
const MAX_QUEUED_REQUESTS = 16;

export function serveHttp(stack: TcpStack, ip: number, port: number, handler: HttpHandler, options: ServeOptions = {}): ListenResult {
  return stack.listen(ip, port, (connection) => serveConnection(stack, connection, handler, options));
}

function plainText(status: number, text: string): HttpResponse {
  return { status, headers: [["Content-Type", "text/plain"]], body: new TextEncoder().encode(text) };
}

function serveConnection(stack: TcpStack, connection: TcpConnection, handler: HttpHandler, options: ServeOptions): void {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const peer: HttpPeer = {
    remoteIp: connection.remoteIp,
    remotePort: connection.remotePort,
    localIp: connection.localIp,
    localPort: connection.localPort,
  };
  const parser = new HttpRequestParser(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes });
  const queue: HttpRequest[] = [];
  let parseError: HttpRequestError | null = null;
  let answering = false;
  let peerEnded = false;
  let finished = false;
  let cancelIdle = (): void => undefined;

  const armIdle = (): void => {
    cancelIdle();
    cancelIdle = stack.scheduler.schedule(idleTimeoutMs, () => finish());
  };
  const finish = (): void => {
    if (finished) return;
    finished = true;
    cancelIdle();
    queue.length = 0;
    connection.end();
  };
  const send = (response: HttpResponse, request: HttpRequest | null, close: boolean, ipTtl: number): void => {
    connection.ipTtl = ipTtl;
    const written = connection.write(serializeResponse(response, { close, headRequest: request?.method === "HEAD" }));
    if (!written.ok) {
      finished = true;
      connection.abort();
    }
  };

  const answer = async (): Promise<void> => {
    if (answering) return;
    answering = true;
    cancelIdle();
    for (let request = queue.shift(); request && !finished; request = queue.shift()) {
      connection.resume();
      let reply: HttpServerReply;
      try {
        reply = await handler(request, peer);
      } catch (error) {
        reply = { response: plainText(500, `The service failed: ${error instanceof Error ? error.message : String(error)}`) };
      }
      if (finished) break;
      const close = !request.keepAlive || reply.close === true;
      send(reply.response, request, close, reply.ipTtl ?? DEFAULT_IP_TTL);
      if (close) finish();
    }
    answering = false;
    if (finished) return;
    if (parseError) {
      send(plainText(parseError.status, parseError.message), null, true, DEFAULT_IP_TTL);
      finish();
    } else if (peerEnded) {
      finish();
    } else {
      armIdle();
    }
  };

  connection.on("data", (chunk) => {
    if (finished || parseError) return;
    const result = parser.push(chunk);
    queue.push(...result.requests);
    parseError = result.error;
    if (queue.length >= MAX_QUEUED_REQUESTS) connection.pause();
    void answer();
  });
  connection.on("end", () => {
    peerEnded = true;
    void answer();
  });
  connection.on("close", () => {
    finished = true;
    cancelIdle();
  });
  armIdle();
}

/**
 * The internet gateway's way out: one HTTP/1.1 request a guest sends to a public name's address
 * becomes a fetch() of `http://<name>:<port><path>` by the fabric's worker, and its answer goes
 * back to the guest. What fetch() cannot do is answered too: 502 Bad Gateway with what happened
 * and what to do, so `wget` in the guest prints a reason, not a hang.
 */
import type { HttpHandler, HttpServerReply } from "../../http/serveHttp.ts";
import { type HttpHeaders, type HttpRequest, MAX_BODY_BYTES } from "../../http/message.ts";
import type { Scheduler } from "../../tcp/scheduler.ts";

/** What the gateway asks of fetch(); the worker's own fetch is one. */
export type OutboundFetch = (
  url: string,
  init: {
    readonly method: string;
    readonly headers: [string, string][];
    readonly body?: Uint8Array<ArrayBuffer>;
    readonly signal: AbortSignal;
    readonly redirect: "follow";
  },
) => Promise<{
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

export interface OutboundHttpOptions {
  /** The public name the connection's address was given to, or undefined when it is no one's. */
  nameOf(address: number): string | undefined;
  /** Null where there is none: every request then gets 502. */
  readonly fetch: OutboundFetch | null;
  readonly scheduler: Scheduler;
  /**
   * Whether the page is served over HTTPS: it may not fetch plain http:// (mixed content), so a
   * site on port 80 is fetched by https:// instead, the gateway speaking TLS for the guest.
   */
  readonly secureOrigin?: boolean;
  /** A site that has not answered in this long gets 504; 30 s unless told. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Request headers fetch() does not let a page set (the Fetch standard's forbidden request
 * headers): the browser writes its own, so they are left out rather than made to fail.
 */
const FORBIDDEN_HEADERS = new Set([
  "accept-charset",
  "accept-encoding",
  "access-control-request-headers",
  "access-control-request-method",
  "connection",
  "content-length",
  "cookie",
  "cookie2",
  "date",
  "dnt",
  "expect",
  "host",
  "keep-alive",
  "origin",
  "referer",
  "set-cookie",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "via",
]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** The handler to serve on a public name's address: it answers every request by fetching it. */
export function outboundHttpHandler(options: OutboundHttpOptions): HttpHandler {
  return async (request, peer) => {
    const name = options.nameOf(peer.localIp);
    if (name === undefined) return text(502, "This address belongs to no name any more: look the name up again.");
    if (!request.target.startsWith("/")) return text(400, `Send the path ("GET /page HTTP/1.1"), not ${JSON.stringify(request.target)}.`);
    const url = `http://${name}${peer.localPort === 80 ? "" : `:${peer.localPort}`}${request.target}`;
    if (FORBIDDEN_METHODS.has(request.method.toUpperCase())) return text(405, `The browser does not send ${request.method} requests.`);
    if (!options.fetch) return text(502, `There is no way out to ${url} here: the fabric runs without fetch().`);
    return fetchFor(options.fetch, options, request, url);
  };
}

async function fetchFor(fetch: OutboundFetch, options: OutboundHttpOptions, request: HttpRequest, url: string): Promise<HttpServerReply> {
  const aborter = new AbortController();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cancelTimeout = options.scheduler.schedule(timeoutMs, () => aborter.abort());
  const bodyless = request.method === "GET" || request.method === "HEAD";
  try {
    const response = await fetch(fetchUrl(url, options.secureOrigin === true), {
      method: request.method,
      headers: allowedHeaders(request.headers),
      ...(bodyless || request.body.length === 0 ? {} : { body: new Uint8Array(request.body) }),
      signal: aborter.signal,
      redirect: "follow",
    });
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_BODY_BYTES) return text(502, tooLarge(url));
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > MAX_BODY_BYTES) return text(502, tooLarge(url));
    const contentType = response.headers.get("content-type");
    return {
      response: {
        status: response.status,
        ...(response.statusText === "" ? {} : { statusText: response.statusText }),
        headers: contentType === null ? [] : [["Content-Type", contentType]],
        body,
      },
      close: true,
    };
  } catch (error) {
    if (aborter.signal.aborted) return text(504, `${url} did not answer within ${Math.round(timeoutMs / 1000)} s.`);
    if (options.secureOrigin === true && fetchUrl(url, true).startsWith("http:") && !isLocalhost(new URL(url).hostname)) {
      return text(
        502,
        `The browser could not fetch ${url}: this page is served over HTTPS, so it may not fetch plain http:// from a port other than 80 (mixed content). ` +
          `Use port 80 (fetched by https://) or a site on this computer (*.localhost).`,
      );
    }
    return text(
      502,
      `The browser could not fetch ${url}: it is offline, or the site does not allow requests from this page (CORS). ` +
        `Check that the browser is online and that the site sends Access-Control-Allow-Origin (${reason(error)}).`,
    );
  } finally {
    cancelTimeout();
  }
}

/**
 * What is fetched for the guest's URL: `localhost` and its subdomains are this computer, as
 * Chromium resolves them (RFC 6761), at 127.0.0.1, which a secure page may fetch by http:// too;
 * another site on port 80 by https:// from a secure page.
 */
function fetchUrl(url: string, secureOrigin: boolean): string {
  const parsed = new URL(url);
  if (isLocalhost(parsed.hostname)) parsed.hostname = "127.0.0.1";
  else if (secureOrigin && parsed.port === "") parsed.protocol = "https:";
  return parsed.href;
}

function isLocalhost(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost");
}

function allowedHeaders(headers: HttpHeaders): [string, string][] {
  return headers.flatMap(([name, value]): [string, string][] => {
    const lower = name.toLowerCase();
    return FORBIDDEN_HEADERS.has(lower) || lower.startsWith("proxy-") || lower.startsWith("sec-") ? [] : [[name, value]];
  });
}

function tooLarge(url: string): string {
  return `${url} answered with more than ${MAX_BODY_BYTES / 1024 / 1024} MiB, more than the gateway carries.`;
}

/** fetch()'s TypeError says only "fetch failed" or "Failed to fetch"; Node puts the cause (ECONNREFUSED) beside it. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function text(status: number, message: string): HttpServerReply {
  return {
    response: { status, headers: [["Content-Type", "text/plain; charset=utf-8"]], body: new TextEncoder().encode(`${message}\n`) },
    close: true,
  };
}

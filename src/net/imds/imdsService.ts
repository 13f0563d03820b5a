/**
 * The instance metadata service (169.254.169.254:80) as a pure handler: a request, the facts
 * about the instance that asked, the fabric's tokens and the time in; the answer out, with the IP
 * TTL its segments must carry. EC2's rules:
 * - `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` of 1–21600 gives a token
 *   (400 when the header is missing or out of range; 403 when the request carries
 *   `X-Forwarded-For`, since a proxy forwarded it). Answers to PUT leave with
 *   HttpPutResponseHopLimit as their IP TTL, so a token does not travel further than that.
 * - A read with `X-aws-ec2-metadata-token` needs a live token of this instance (401 otherwise,
 *   also when tokens are optional); without one, it is answered when HttpTokens is `optional`
 *   (IMDSv1) and refused with 401 when `required`.
 * - HttpEndpoint `disabled`: every request gets 403, as EC2 answers when IMDS is turned off (the
 *   connection itself is accepted, so a client sees the refusal at once rather than a timeout).
 * - Unknown paths are 404 with EC2's page; every answer says `Server: EC2ws`.
 */
import type { HttpServerReply, HttpHandler, HttpPeer } from "../http/serveHttp.ts";
import { headerValue, type HttpHeaders, type HttpRequest, type HttpResponse, reasonPhrase } from "../http/message.ts";
import { DEFAULT_IP_TTL } from "../tcp/tuning.ts";
import { type ImdsInstance, listing, lookup, metadataTree } from "./metadataTree.ts";
import { type ImdsTokens, MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from "./tokens.ts";

export interface ImdsRequest {
  readonly method: string;
  /** The request target: path and perhaps a query, "/latest/meta-data/instance-id". */
  readonly path: string;
  readonly headers: HttpHeaders;
}

export interface ImdsAnswer {
  readonly response: HttpResponse;
  readonly ipTtl: number;
}

const TOKEN_PATH = "/latest/api/token";
const TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER = "X-aws-ec2-metadata-token";

const encoder = new TextEncoder();

/** EC2's error page: a small XHTML document naming the status. */
function errorPage(status: number): string {
  const title = `${status} - ${reasonPhrase(status)}`;
  return [
    '<?xml version="1.0" encoding="iso-8859-1"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"',
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
    " <head>",
    `  <title>${title}</title>`,
    " </head>",
    " <body>",
    `  <h1>${title}</h1>`,
    " </body>",
    "</html>",
  ].join("\n");
}

function respond(status: number, body: string, contentType: string, extra: HttpHeaders = []): HttpResponse {
  return {
    status,
    headers: [["Content-Type", contentType], ["Accept-Ranges", "none"], ...extra, ["Server", "EC2ws"]],
    body: encoder.encode(body),
  };
}

function error(status: number, extra: HttpHeaders = []): HttpResponse {
  return respond(status, errorPage(status), "text/html", extra);
}

export function answerImds(request: ImdsRequest, instance: ImdsInstance, tokens: ImdsTokens, nowMs: number): ImdsAnswer {
  const options = instance.port.metadata.options;
  const method = request.method.toUpperCase();
  const ipTtl = method === "PUT" ? options.httpPutResponseHopLimit : DEFAULT_IP_TTL;
  const answer = (response: HttpResponse): ImdsAnswer => ({ response, ipTtl });
  if (options.httpEndpoint === "disabled") return answer(error(403));

  const path = request.path.split("?")[0] ?? "/";
  const instanceId = instance.port.instanceId;
  if (path === TOKEN_PATH || path === `${TOKEN_PATH}/`) {
    if (method !== "PUT") return answer(error(405, [["Allow", "PUT"]]));
    if (headerValue(request.headers, "x-forwarded-for") !== null) return answer(error(403));
    const ttlText = headerValue(request.headers, TTL_HEADER) ?? "";
    const ttl = /^\d{1,5}$/.test(ttlText) ? Number(ttlText) : NaN;
    if (!(ttl >= MIN_TOKEN_TTL_SECONDS && ttl <= MAX_TOKEN_TTL_SECONDS)) return answer(error(400));
    return answer(respond(200, tokens.issue(instanceId, ttl, nowMs), "text/plain", [[TTL_HEADER, String(ttl)]]));
  }
  if (method !== "GET" && method !== "HEAD") return answer(error(405, [["Allow", "GET, HEAD"]]));

  const token = headerValue(request.headers, TOKEN_HEADER);
  let tokenHeaders: HttpHeaders = [];
  if (token !== null) {
    const remaining = tokens.remainingSeconds(token, instanceId, nowMs);
    if (remaining === null) return answer(error(401));
    tokenHeaders = [[TTL_HEADER, String(remaining)]];
  } else if (options.httpTokens === "required") {
    return answer(error(401));
  }

  const node = lookup(metadataTree(instance), path);
  if (!node) return answer(error(404, tokenHeaders));
  if (node.kind === "folder") return answer(respond(200, listing(node), "text/plain", tokenHeaders));
  return answer(respond(200, node.text, node.contentType, tokenHeaders));
}

/**
 * The service as serveHttp's handler. `instanceFor` names the instance behind the asking address
 * (null when no instance has it: the connection is answered 404, which no instance can tell apart
 * from a missing path); `nowMs` is the clock tokens expire by.
 */
export function imdsHttpHandler(
  instanceFor: (peer: HttpPeer) => ImdsInstance | null,
  tokens: ImdsTokens,
  nowMs: () => number,
): HttpHandler {
  return (request: HttpRequest, peer: HttpPeer): HttpServerReply => {
    const instance = instanceFor(peer);
    if (!instance) return { response: error(404) };
    return answerImds({ method: request.method, path: request.target, headers: request.headers }, instance, tokens, nowMs());
  };
}

/**
 * The service worker's half of the browser-as-internet route (see net/publicRoute.ts): turns a
 * request for `vpc/<ip>/<port>/<path>` into a message to the tab that runs the fleet and its
 * answer into a Response. The tab asks the fabric, which opens a TCP connection to the guest.
 */
import type { InboundHttpRequest, InboundHttpResult } from "./net/fabricApi.ts";
import { parsePublicRoute, PUBLIC_ROUTE_CHANNEL, type PublicRouteMessage } from "./net/publicRoute.ts";

/** The fleet's tab acknowledges a request as soon as it reads it; without that, no tab runs the lab. */
const ACCEPT_TIMEOUT_MS = 5_000;
/** Longer than the fabric's own request timeout, so its answer (a timeout, a refusal) arrives first. */
const ANSWER_TIMEOUT_MS = 40_000;
/** Headers the browser adds that would mean nothing to a guest's web server. */
const DROPPED_HEADERS = new Set(["host", "connection", "keep-alive", "upgrade-insecure-requests", "cookie"]);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A page the browser shows in place of the guest's: what happened, why, and (last) what a person can do. */
function errorPage(status: number, title: string, paragraphs: readonly string[]): Response {
  const hint = paragraphs.length - 1;
  const body = [
    '<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(title)}</title>`,
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1.5rem}",
    "h1{font-size:1.6rem;font-weight:600}.hint{opacity:.75}</style>",
    `<h1>${escapeHtml(title)}</h1>`,
    ...paragraphs.map((text, index) => `<p${index > 0 && index === hint ? ' class="hint"' : ""}>${escapeHtml(text)}</p>`),
  ].join("");
  return new Response(body, { status, statusText: title, headers: { "content-type": "text/html; charset=utf-8" } });
}

/** What the browser shows for each way a connection to an instance can fail. */
function failure(result: Extract<InboundHttpResult, { ok: false }>, publicIp: string, port: number): Response {
  const address = `${publicIp}:${port}`;
  switch (result.code) {
    case "Blocked":
      return errorPage(504, "The connection timed out", [
        `${publicIp} did not answer on port ${port}.`,
        result.message,
        `A security group drops what it does not allow, so the browser waits and gives up. To let it in, add an inbound rule to one of the instance's security groups: type ${port === 80 ? "HTTP" : `Custom TCP, port ${port}`}, source 0.0.0.0/0.`,
      ]);
    case "Timeout":
      return errorPage(504, "The connection timed out", [
        `${publicIp} did not answer on port ${port}.`,
        result.message,
        `Check in the instance's terminal that its server answers there, for example with wget -O- http://localhost:${port}/.`,
      ]);
    case "ConnectionRefused":
      return errorPage(502, "The connection was refused", [
        `${address} refused the connection: nothing listens on that port.`,
        result.message,
        `Start a server on port ${port} in the instance's terminal, for example httpd -p ${port} -h /www.`,
      ]);
    case "NoSuchAddress":
      return errorPage(404, "No such address", [
        `No instance has the public address in ${address}.`,
        result.message,
        "An instance gets a new public address each time it starts: open it from the instance's Details (Open address).",
      ]);
    default:
      return errorPage(502, "Bad answer", [`${address} did not answer as a web server.`, result.message]);
  }
}

/** The fleet's answer, or null when no tab runs the lab (nothing acknowledged the request, or no answer came). */
function askFleet(request: InboundHttpRequest): Promise<InboundHttpResult | null> {
  const id = crypto.randomUUID();
  const channel = new BroadcastChannel(PUBLIC_ROUTE_CHANNEL);
  return new Promise<InboundHttpResult | null>((resolve) => {
    let timer = setTimeout(() => resolve(null), ACCEPT_TIMEOUT_MS);
    channel.onmessage = (event: MessageEvent<PublicRouteMessage>) => {
      const message = event.data;
      if (message.type === "request" || message.id !== id) return;
      clearTimeout(timer);
      if (message.type === "accepted") timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS);
      else resolve(message.result);
    };
    const message: PublicRouteMessage = { type: "request", id, request };
    channel.postMessage(message);
  }).finally(() => channel.close());
}

export async function answerPublicAddress(request: Request, routePath: string): Promise<Response> {
  const route = parsePublicRoute(routePath);
  if (!route) return errorPage(400, "Not an address", ["Public addresses look like vpc/<public IP>/<port>/<path>."]);
  const body = request.method === "GET" || request.method === "HEAD" ? null : new Uint8Array(await request.arrayBuffer());
  const headers: [string, string][] = [];
  request.headers.forEach((value, name) => {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.push([name, value]);
  });
  const result = await askFleet({ ...route, method: request.method, headers, body });
  if (!result)
    return errorPage(504, "No lab is running", [
      `Nothing answered for ${route.publicIp}:${route.port}: no tab runs your instances.`,
      "Open tabcloud in a tab: the tab that runs your instances answers for their public addresses.",
    ]);
  if (!result.ok) return failure(result, route.publicIp, route.port);
  const nullBody = request.method === "HEAD" || result.status === 204 || result.status === 304;
  return new Response(nullBody ? null : new Blob([result.body as Uint8Array<ArrayBuffer>]), {
    status: result.status,
    statusText: result.statusText,
    headers: result.headers.map(([name, value]): [string, string] => [name, value]),
  });
}

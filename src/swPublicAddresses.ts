/**
 * The service worker's half of the browser-as-internet route (see net/publicRoute.ts): turns a
 * request for `vpc/<ip>/<port>/<path>` into a message to the tab that runs the fleet and its
 * answer into a Response. The tab asks the fabric, which opens a TCP connection to the guest.
 */
import type { InboundHttpResult } from "./net/fabricApi.ts";
import { parsePublicRoute, PUBLIC_ROUTE_CHANNEL, type PublicRouteMessage } from "./net/publicRoute.ts";

/** Longer than the fabric's own connect timeout, so its answer (a timeout, a refusal) arrives first. */
const ANSWER_TIMEOUT_MS = 30_000;
/** Headers the browser adds that would mean nothing to a guest's web server. */
const DROPPED_HEADERS = new Set(["host", "connection", "keep-alive", "upgrade-insecure-requests", "cookie"]);

function errorPage(status: number, title: string, detail: string): Response {
  const body = `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${detail}</p>`;
  return new Response(body, { status, statusText: title, headers: { "content-type": "text/html; charset=utf-8" } });
}

/** What the browser shows for each way a connection to an instance can fail. */
function failure(result: Extract<InboundHttpResult, { ok: false }>, address: string): Response {
  switch (result.code) {
    case "Blocked":
    case "Timeout":
      return errorPage(504, "The connection timed out", `${address} did not answer. ${result.message}`);
    case "ConnectionRefused":
      return errorPage(
        502,
        "The connection was refused",
        `${address} refused the connection: nothing listens on that port. ${result.message}`,
      );
    case "NoSuchAddress":
      return errorPage(404, "No such address", `No instance has the public address in ${address}. ${result.message}`);
    default:
      return errorPage(502, "Bad answer", `${address}: ${result.message}`);
  }
}

export async function answerPublicAddress(request: Request, routePath: string): Promise<Response> {
  const route = parsePublicRoute(routePath);
  if (!route) return errorPage(400, "Not an address", "Public addresses look like vpc/&lt;public IP&gt;/&lt;port&gt;/&lt;path&gt;.");
  const address = `${route.publicIp}:${route.port}`;
  const body = request.method === "GET" || request.method === "HEAD" ? null : new Uint8Array(await request.arrayBuffer());
  const headers: [string, string][] = [];
  request.headers.forEach((value, name) => {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.push([name, value]);
  });
  const id = crypto.randomUUID();
  const channel = new BroadcastChannel(PUBLIC_ROUTE_CHANNEL);
  try {
    const result = await new Promise<InboundHttpResult | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS);
      channel.onmessage = (event: MessageEvent<PublicRouteMessage>) => {
        if (event.data.type !== "answer" || event.data.id !== id) return;
        clearTimeout(timer);
        resolve(event.data.result);
      };
      const message: PublicRouteMessage = {
        type: "request",
        id,
        request: { ...route, method: request.method, headers, body },
      };
      channel.postMessage(message);
    });
    if (!result)
      return errorPage(
        504,
        "No lab is running",
        "Open tabcloud in a tab: the tab that runs your instances answers for their public addresses.",
      );
    if (!result.ok) return failure(result, address);
    const nullBody = request.method === "HEAD" || result.status === 204 || result.status === 304;
    return new Response(nullBody ? null : new Blob([result.body as Uint8Array<ArrayBuffer>]), {
      status: result.status,
      statusText: result.statusText,
      headers: result.headers.map(([name, value]): [string, string] => [name, value]),
    });
  } finally {
    channel.close();
  }
}

/**
 * How the browser reaches an instance's public address. The page is "the internet": a URL
 * `<lab>/vpc/<public-ip>/<port>/<path>` is answered by the service worker, which hands the request
 * to the tab that runs the fleet (over a BroadcastChannel: the service worker has no other way to
 * reach a page it does not control) and that tab asks the fabric to open a TCP connection to the
 * guest. Shared by both ends, so the message shapes are written once.
 */
import type { InboundHttpRequest, InboundHttpResult } from "./fabricApi.ts";

export const PUBLIC_ROUTE_CHANNEL = "tabcloud-public-addresses";
/** The path segment under the lab's own address that public addresses live under. */
const PUBLIC_ROUTE_PREFIX = "vpc/";

interface PublicRouteRequest {
  readonly type: "request";
  readonly id: string;
  readonly request: InboundHttpRequest;
}

/** Sent by the fleet's tab as soon as it has a request, so the service worker knows a lab runs before the guest answers. */
interface PublicRouteAccepted {
  readonly type: "accepted";
  readonly id: string;
}

interface PublicRouteAnswer {
  readonly type: "answer";
  readonly id: string;
  readonly result: InboundHttpResult;
}

export type PublicRouteMessage = PublicRouteRequest | PublicRouteAccepted | PublicRouteAnswer;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The public IP, port and path a URL under the route names, or null when it names none. */
export function parsePublicRoute(pathAndQuery: string): { readonly publicIp: string; readonly port: number; readonly path: string } | null {
  const match = /^([^/]+)\/(\d{1,5})(\/.*)?$/.exec(pathAndQuery);
  if (!match) return null;
  const [, publicIp = "", portText = "", path] = match;
  const port = Number(portText);
  if (!IPV4.test(publicIp) || port < 1 || port > 65_535) return null;
  return { publicIp, port, path: path ?? "/" };
}

/** The lab-relative URL of a public address, for links: "vpc/54.12.0.9/80/". */
export function publicRouteUrl(publicIp: string, port: number, path = "/"): string {
  return `${PUBLIC_ROUTE_PREFIX}${publicIp}/${port}${path.startsWith("/") ? path : `/${path}`}`;
}

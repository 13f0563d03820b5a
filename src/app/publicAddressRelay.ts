/**
 * The fleet tab's half of the browser-as-internet route (see net/publicRoute.ts): answers the
 * service worker's requests for instances' public addresses by asking the fabric. Only the tab
 * that owns the fleet listens, so exactly one answer comes back.
 */
import type { InboundHttpRequest, InboundHttpResult } from "../net/fabricApi.ts";
import { PUBLIC_ROUTE_CHANNEL, type PublicRouteMessage } from "../net/publicRoute.ts";

export function relayPublicAddresses(open: (request: InboundHttpRequest) => Promise<InboundHttpResult>): () => void {
  const channel = new BroadcastChannel(PUBLIC_ROUTE_CHANNEL);
  channel.onmessage = (event: MessageEvent<PublicRouteMessage>) => {
    const message = event.data;
    if (message.type !== "request") return;
    const accepted: PublicRouteMessage = { type: "accepted", id: message.id };
    channel.postMessage(accepted);
    void open(message.request)
      .catch((error: unknown): InboundHttpResult => ({
        ok: false,
        code: "BadResponse",
        message: error instanceof Error ? error.message : String(error),
      }))
      .then((result) => {
        const answer: PublicRouteMessage = { type: "answer", id: message.id, result };
        channel.postMessage(answer);
      });
  };
  return () => channel.close();
}

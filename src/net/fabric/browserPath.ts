/**
 * The browser as the internet: an HTTP request to an instance's public address becomes a TCP
 * connection from the browser's address (BROWSER_IP) to the instance's private address, as an
 * internet gateway translates a public IP, and one HTTP/1.1 exchange over it. The instance's
 * security groups decide as for any traffic from the internet; when they do not admit it the SYN
 * is dropped, and the answer is "Blocked" after as long as a browser would wait for the first
 * retry of a dropped SYN, not a minute.
 */
import type { InboundHttpRequest, InboundHttpResult } from "../fabricApi.ts";
import { httpClientRequest } from "../http/httpClient.ts";
import { IP_PROTOCOL_TCP } from "../packets/ipv4.ts";
import { ipv4ToNumber, numberToIpv4 } from "../packets/address.ts";
import { TCP_SYN } from "../security/packet.ts";
import { BROWSER_IP } from "./addresses.ts";
import type { NetworkIndex } from "./network.ts";
import type { VpcGates } from "./securityGate.ts";
import type { TcpStacks } from "./tcpStacks.ts";

/** How long a blocked request waits: a dropped SYN's first retransmission comes after about a second, a browser gives up later. */
export const BLOCKED_AFTER_MS = 3000;
/** A guest that accepts the connection has this long to answer (connecting included). */
const REQUEST_TIMEOUT_MS = 30_000;

export interface BrowserPathHost {
  readonly index: NetworkIndex;
  readonly gates: VpcGates;
  readonly stacks: TcpStacks;
}

export async function browserRequest(host: BrowserPathHost, request: InboundHttpRequest): Promise<InboundHttpResult> {
  const publicIp = ipv4ToNumber(request.publicIp);
  const port = publicIp === null ? undefined : host.index.portByPublicIp(publicIp);
  if (!port) {
    return {
      ok: false,
      code: "NoSuchAddress",
      message: `No running instance in a public subnet has the public address ${request.publicIp}.`,
    };
  }
  if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65_535) {
    return { ok: false, code: "NoSuchAddress", message: `${request.port} is not a TCP port (1–65535).` };
  }
  const syn = {
    protocol: IP_PROTOCOL_TCP,
    srcIp: BROWSER_IP,
    dstIp: port.ip,
    srcPort: 0,
    dstPort: request.port,
    icmpType: 0,
    icmpCode: 0,
    tcpFlags: TCP_SYN,
  };
  const blocked = !host.gates.wouldAdmitNew(null, port, syn);
  const result = await httpClientRequest(
    host.stacks.stackFor(port),
    { localIp: BROWSER_IP, remoteIp: port.ip, remotePort: request.port, timeoutMs: blocked ? BLOCKED_AFTER_MS : REQUEST_TIMEOUT_MS },
    { method: request.method, target: request.path, headers: withHost(request), body: request.body },
  );
  if (blocked && !result.ok && result.code === "Timeout") {
    return {
      ok: false,
      code: "Blocked",
      message: `The security groups of ${port.config.instanceId} do not allow TCP port ${request.port} from this browser (${numberToIpv4(BROWSER_IP)}), so its connection was dropped.`,
    };
  }
  return result;
}

/** HTTP/1.1 needs a Host header; the browser's is the page's own, so the public address stands in. */
function withHost(request: InboundHttpRequest): readonly (readonly [string, string])[] {
  const headers = request.headers.filter(([name]) => name.toLowerCase() !== "host");
  return [["Host", request.port === 80 ? request.publicIp : `${request.publicIp}:${request.port}`], ...headers];
}

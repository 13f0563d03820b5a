/**
 * The internet gateway as a guest meets it going out: a TCP connection to a public name's address
 * (198.18.0.0/15, see internetNames.ts) leaves only from an instance with a public IP in a subnet
 * whose route table sends 0.0.0.0/0 to an attached internet gateway, and only as its security
 * groups' egress allows; anything else is dropped, so the guest sees a timeout, as from a private
 * subnet on EC2. The fabric's TCP stack accepts the connection in the site's place and answers
 * HTTP by fetch() (outboundHttp.ts). Port 443 is refused at once: the guest has no TLS client to
 * speak HTTPS with, and a refusal says so sooner than a timeout.
 */
import { type HttpHandler, serveHttp } from "../../http/serveHttp.ts";
import { IP_PROTOCOL_TCP, type Ipv4Packet } from "../../packets/ipv4.ts";
import { TCP_ACK, TCP_SYN } from "../../security/packet.ts";
import type { Scheduler } from "../../tcp/scheduler.ts";
import type { TcpStack } from "../../tcp/stack.ts";
import type { Counters } from "../counters.ts";
import type { PacketFlow } from "../flowTuple.ts";
import type { PortView } from "../network.ts";
import type { FlowGate } from "../switching.ts";
import type { TcpStacks } from "../tcpStacks.ts";
import { InternetNames } from "./internetNames.ts";
import { type OutboundFetch, outboundHttpHandler } from "./outboundHttp.ts";

const HTTPS_PORT = 443;
/**
 * The name:port pairs one port's stack serves at most; past it the oldest stops listening (its
 * connections go on), so a guest sweeping ports and names holds a bounded number of listeners.
 */
const MAX_SERVED = 256;

export interface InternetGatewayHost {
  readonly counters: Counters;
  readonly gate: FlowGate;
  readonly stacks: TcpStacks;
  readonly scheduler: Scheduler;
  readonly fetch: OutboundFetch | null;
  /** The page is served over HTTPS (see outboundHttp.ts). */
  readonly secureOrigin: boolean;
}

export class InternetGateway {
  readonly names = new InternetNames();
  readonly #host: InternetGatewayHost;
  /** One handler answers every name and port: the connection's own address says which site it is. */
  readonly #handler: HttpHandler;
  /** Per port's stack, the name:port pairs it serves, oldest first, and how to stop each; a new stack starts empty. */
  readonly #serving = new WeakMap<TcpStack, Map<string, () => void>>();

  constructor(host: InternetGatewayHost) {
    this.#host = host;
    this.#handler = outboundHttpHandler({
      nameOf: (address) => this.names.nameOf(address),
      fetch: host.fetch,
      scheduler: host.scheduler,
      secureOrigin: host.secureOrigin,
    });
  }

  /** A packet from a guest to one of the names' addresses. */
  receive(port: PortView, packet: Ipv4Packet, flow: PacketFlow): void {
    const { counters, gate, stacks } = this.#host;
    if (port.publicIp === null || !port.subnet.public || flow.protocol !== IP_PROTOCOL_TCP) return counters.drop("noRoute");
    if (!gate.admit(port, null, flow, packet.bytes.length)) return counters.drop("securityGroup");
    if ((flow.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN && flow.dstPort !== HTTPS_PORT) this.#serve(port, flow);
    if (!stacks.receive(port, packet)) counters.drop("unparseable");
  }

  #serve(port: PortView, flow: PacketFlow): void {
    if (this.names.nameOf(flow.dstIp) === undefined) return;
    const stack = this.#host.stacks.stackFor(port);
    let serving = this.#serving.get(stack);
    if (!serving) {
      serving = new Map();
      this.#serving.set(stack, serving);
    }
    const key = `${flow.dstIp}:${flow.dstPort}`;
    if (serving.has(key)) return;
    for (const [oldest, stop] of serving) {
      if (serving.size < MAX_SERVED) break;
      stop();
      serving.delete(oldest);
    }
    const served = serveHttp(stack, flow.dstIp, flow.dstPort, this.#handler);
    if (served.ok) serving.set(key, () => served.listener.close());
  }
}

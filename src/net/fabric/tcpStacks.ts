/**
 * The fabric's own TCP endpoint as each port sees it: one stack per port, since two VPCs may use
 * the same addresses and a segment the stack sends must reach the one port it is for. The
 * metadata service listens on it, and the browser's connections to the guest leave from it.
 */
import { IP_PROTOCOL_TCP, buildIpv4, type Ipv4Packet } from "../packets/ipv4.ts";
import { buildTcp, parseTcp } from "../packets/tcp.ts";
import type { TcpSegment } from "../packets/tcpSegment.ts";
import type { Scheduler } from "../tcp/scheduler.ts";
import { TcpStack } from "../tcp/stack.ts";
import { segmentFlow, type PacketFlow } from "./flowTuple.ts";
import type { PortView } from "./network.ts";
import { ipv4Frame } from "./services/reply.ts";

export interface TcpStacksHost {
  readonly scheduler: Scheduler;
  /** The port as the topology has it now (its MAC or groups may have changed), or undefined once gone. */
  port(networkInterfaceId: string): PortView | undefined;
  /** Whether a packet the fabric sends may leave for the port (the browser's pass the port's groups). */
  mayLeave(port: PortView, flow: PacketFlow, bytes: number): boolean;
  send(port: PortView, frame: Uint8Array): void;
  /** Called once for each new stack, to start what listens on it. */
  started(port: PortView, stack: TcpStack): void;
}

export class TcpStacks {
  readonly #host: TcpStacksHost;
  readonly #stacks = new Map<string, TcpStack>();

  constructor(host: TcpStacksHost) {
    this.#host = host;
  }

  stackFor(port: PortView): TcpStack {
    const networkInterfaceId = port.config.networkInterfaceId;
    let stack = this.#stacks.get(networkInterfaceId);
    if (!stack) {
      stack = new TcpStack({
        scheduler: this.#host.scheduler,
        output: (segment, ipTtl) => this.#output(networkInterfaceId, segment, ipTtl),
      });
      this.#stacks.set(networkInterfaceId, stack);
      this.#host.started(port, stack);
    }
    return stack;
  }

  /** Hands a TCP packet from the port to its stack; false if it is not a valid segment. */
  receive(port: PortView, packet: Ipv4Packet): boolean {
    const segment = parseTcp(packet);
    if (!segment) return false;
    this.stackFor(port).receive(segment);
    return true;
  }

  /** The port's connections end with it (its instance stopped or is gone). */
  close(networkInterfaceId: string): void {
    this.#stacks.delete(networkInterfaceId);
  }

  #output(networkInterfaceId: string, segment: TcpSegment, ipTtl: number): void {
    const port = this.#host.port(networkInterfaceId);
    if (!port) return;
    const bytes = buildIpv4({ src: segment.srcIp, dst: segment.dstIp, protocol: IP_PROTOCOL_TCP, ttl: ipTtl, payload: buildTcp(segment) });
    if (!this.#host.mayLeave(port, segmentFlow(segment), bytes.length)) return;
    this.#host.send(port, ipv4Frame(port.mac, bytes));
  }
}

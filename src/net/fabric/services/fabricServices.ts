/**
 * Everything the fabric answers itself, as the switch meets it: DHCP (to anyone, before and after
 * the lease), DNS at the VPC's base + 2 and 169.254.169.253, ping to the router and the DNS
 * server, the metadata service at 169.254.169.254, and the internet gateway's side of the
 * browser's connections and of the guests' own to public names. Security groups do not apply to the fabric's own services, as on EC2;
 * they do apply to the browser's traffic.
 */
import { DHCP_SERVER_PORT } from "../../packets/dhcp.ts";
import { DNS_PORT } from "../../packets/dns.ts";
import { buildIcmpEchoReply, parseIcmpEcho } from "../../packets/icmp.ts";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, buildIpv4, type Ipv4Packet } from "../../packets/ipv4.ts";
import { parseUdp } from "../../packets/udp.ts";
import { BROWSER_IP, LIMITED_BROADCAST_IP, LINK_LOCAL_DNS_IP, METADATA_IP } from "../addresses.ts";
import type { Counters } from "../counters.ts";
import type { PacketFlow } from "../flowTuple.ts";
import type { PortView } from "../network.ts";
import type { FabricServices, FlowGate } from "../switching.ts";
import type { TcpStacks } from "../tcpStacks.ts";
import { answerDhcp } from "./dhcpService.ts";
import { answerDnsQuery } from "./dnsService.ts";
import type { InternetGateway } from "./internetGateway.ts";
import { isInternetAddress } from "./internetNames.ts";
import { ipv4Frame, udpFrame } from "./reply.ts";

export interface ServicesHost {
  readonly counters: Counters;
  readonly gate: FlowGate;
  readonly stacks: TcpStacks;
  readonly internet: InternetGateway;
  region(): string;
  send(port: PortView, frame: Uint8Array): void;
}

export class ServiceHost implements FabricServices {
  readonly #host: ServicesHost;

  constructor(host: ServicesHost) {
    this.#host = host;
  }

  handle(port: PortView, packet: Ipv4Packet, flow: PacketFlow): boolean {
    const dst = packet.dst;
    if (
      flow.protocol === IP_PROTOCOL_UDP &&
      flow.dstPort === DHCP_SERVER_PORT &&
      (dst === LIMITED_BROADCAST_IP || dst === port.subnet.routerIp)
    ) {
      this.#udp(port, packet, (datagram) => answerDhcp(port, this.#host.region(), datagram));
      return true;
    }
    if (dst === BROWSER_IP) return this.#toBrowser(port, packet, flow);
    if (isInternetAddress(dst)) {
      this.#host.internet.receive(port, packet, flow);
      return true;
    }
    const dns = dst === port.vpc.dnsIp || dst === LINK_LOCAL_DNS_IP;
    if (!dns && dst !== port.subnet.routerIp && dst !== METADATA_IP) return false;
    if (dns && flow.protocol === IP_PROTOCOL_UDP && flow.dstPort === DNS_PORT) {
      this.#udp(port, packet, (datagram) => {
        const answer = answerDnsQuery(port, this.#host.region(), datagram.payload, this.#host.internet.names);
        if (!answer) return null;
        return udpFrame({ dstMac: port.mac, srcIp: dst, dstIp: port.ip, srcPort: DNS_PORT, dstPort: datagram.srcPort, payload: answer });
      });
    } else if (flow.protocol === IP_PROTOCOL_ICMP && dst !== METADATA_IP) {
      this.#echo(port, packet);
    } else if (flow.protocol === IP_PROTOCOL_TCP && dst === METADATA_IP) {
      if (!this.#host.stacks.receive(port, packet)) this.#host.counters.drop("unparseable");
    } else {
      this.#host.counters.drop("noRoute");
    }
    return true;
  }

  /** The guest's side of a browser connection, through the internet gateway: only from a public address. */
  #toBrowser(port: PortView, packet: Ipv4Packet, flow: PacketFlow): boolean {
    if (port.publicIp === null || !port.subnet.public || flow.protocol !== IP_PROTOCOL_TCP) {
      this.#host.counters.drop("noRoute");
    } else if (!this.#host.gate.admit(port, null, flow, packet.bytes.length)) {
      this.#host.counters.drop("securityGroup");
    } else if (!this.#host.stacks.receive(port, packet)) {
      this.#host.counters.drop("unparseable");
    }
    return true;
  }

  #udp(port: PortView, packet: Ipv4Packet, answer: (datagram: NonNullable<ReturnType<typeof parseUdp>>) => Uint8Array | null): void {
    const datagram = parseUdp(packet);
    if (!datagram) return this.#host.counters.drop("unparseable");
    const frame = answer(datagram);
    if (frame) this.#host.send(port, frame);
  }

  /** The router and the DNS server answer ping, so a person can check the way out of the instance. */
  #echo(port: PortView, packet: Ipv4Packet): void {
    const echo = parseIcmpEcho(packet.payload);
    if (!echo) return this.#host.counters.drop("unparseable");
    if (echo.kind !== "request") return;
    const reply = buildIpv4({ src: packet.dst, dst: port.ip, protocol: IP_PROTOCOL_ICMP, payload: buildIcmpEchoReply(echo) });
    this.#host.send(port, ipv4Frame(port.mac, reply));
  }
}

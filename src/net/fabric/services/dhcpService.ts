/**
 * DHCP with a fixed lease: each port gets its own private address, as RFC 2131 says by message
 * type (the packet module answers; this says what the VPC leases). The server is the subnet's
 * router, and the reply goes to the asking port only, even when addressed to everyone.
 */
import { prefixMask } from "../../cidr.ts";
import { macEquals } from "../../packets/address.ts";
import {
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  dhcpReply,
  parseDhcp,
  privateDomainName,
  privateHostName,
  type DhcpLease,
} from "../../packets/dhcp.ts";
import type { UdpDatagram } from "../../packets/udp.ts";
import { VPC_MTU } from "../../topology.ts";
import type { PortView } from "../network.ts";
import { udpFrame } from "./reply.ts";

/** An hour, as a VPC's DHCP server leases: udhcpc renews at half of it, which costs nothing. */
const DHCP_LEASE_SECONDS = 3600;

function leaseOf(port: PortView, region: string): DhcpLease {
  return {
    ip: port.ip,
    subnetMask: prefixMask(port.subnet.cidr.prefix),
    router: port.subnet.routerIp,
    dnsServer: port.vpc.dnsIp,
    hostName: privateHostName(port.ip),
    domainName: privateDomainName(region),
    mtu: VPC_MTU,
    leaseSeconds: DHCP_LEASE_SECONDS,
  };
}

/** The frame answering a DHCP message from the port, or null when none is due. */
export function answerDhcp(port: PortView, region: string, datagram: UdpDatagram): Uint8Array | null {
  const request = parseDhcp(datagram.payload);
  // The port's lease is for its own MAC: a request on behalf of another hardware address gets none.
  if (!request || !macEquals(request.chaddr, port.mac)) return null;
  const server = port.subnet.routerIp;
  const reply = dhcpReply(request, leaseOf(port, region), { ip: server });
  if (!reply) return null;
  return udpFrame({
    dstMac: reply.dstMac,
    srcIp: server,
    dstIp: reply.dstIp,
    srcPort: DHCP_SERVER_PORT,
    dstPort: DHCP_CLIENT_PORT,
    payload: reply.payload,
  });
}

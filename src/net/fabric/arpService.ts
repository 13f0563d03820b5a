/**
 * ARP as a VPC answers it: the switch knows every address, so it replies itself and never
 * broadcasts a request to other instances. It answers for what the asking port can reach in its
 * own VPC: its subnet's router, the DNS server, the metadata service, and other instances (their
 * own MAC in the same subnet; the router's in another one, as routing between subnets goes
 * through the router).
 */
import { ETHERTYPE_ARP, buildEthernet } from "../packets/ethernet.ts";
import { ARP_REQUEST, buildArpReply, type ArpPacket } from "../packets/arp.ts";
import { FABRIC_MAC, LINK_LOCAL_DNS_IP, METADATA_IP } from "./addresses.ts";
import type { PortView } from "./network.ts";

/** The MAC that `targetIp` is at for this port, or null when nothing there answers. */
function resolveMac(port: PortView, targetIp: number): Uint8Array | null {
  if (targetIp === port.ip) return null;
  if (targetIp === port.subnet.routerIp || targetIp === port.vpc.dnsIp) return FABRIC_MAC;
  if (targetIp === METADATA_IP || targetIp === LINK_LOCAL_DNS_IP) return FABRIC_MAC;
  const other = port.vpc.portsByIp.get(targetIp);
  if (!other) return null;
  return other.subnet === port.subnet ? other.mac : FABRIC_MAC;
}

/** The Ethernet frame answering an ARP request from the port, or null when none is due. */
export function answerArp(port: PortView, arp: ArpPacket): Uint8Array | null {
  if (arp.operation !== ARP_REQUEST) return null;
  const mac = resolveMac(port, arp.targetIp);
  if (!mac) return null;
  return buildEthernet(port.mac, mac, ETHERTYPE_ARP, buildArpReply(arp, mac));
}

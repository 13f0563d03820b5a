/** The addresses the fabric itself answers on, and the one the browser's traffic comes from. */
import { parseMac } from "../packets/address.ts";

function mac(text: string): Uint8Array {
  const bytes = parseMac(text);
  if (!bytes) throw new Error(`bad MAC constant ${text}`);
  return bytes;
}

/**
 * The MAC of everything the fabric answers for: each subnet's router, the DNS server and the
 * metadata service. Locally administered (02:…), as the instances' own MACs are; a VPC router
 * has one address per subnet, and one MAC for all of them is enough since a guest sees only its own.
 */
export const FABRIC_MAC = mac("02:fa:b0:00:00:01");

/** The instance metadata service, 169.254.169.254. */
export const METADATA_IP = 0xa9fea9fe;
/** Amazon's DNS server is also reachable at 169.254.169.253 from every VPC. */
export const LINK_LOCAL_DNS_IP = 0xa9fea9fd;

/**
 * The browser's address, 198.51.100.1: what a guest sees a request from the browser come from,
 * and what a security group rule must admit (0.0.0.0/0 does, as do 198.51.100.0/24 and
 * 198.51.100.1/32). It stands for "the internet" in a documentation range (RFC 5737), so it is
 * no one's real address.
 */
export const BROWSER_IP = 0xc6336401;

export const LIMITED_BROADCAST_IP = 0xffffffff;

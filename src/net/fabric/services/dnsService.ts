/**
 * The Amazon-provided DNS server at the VPC's base + 2 (and 169.254.169.253): private DNS names
 * (`ip-172-31-0-10.ec2.internal` in us-east-1, `ip-….<region>.compute.internal` elsewhere) of
 * the instances of the asking port's VPC, and their reverse (PTR) names. A public name gets the
 * address the fabric's table gives it (198.18.0.0/15), which the internet gateway fetches by name,
 * for every instance, as Route 53 Resolver answers public names in private subnets too.
 */
import { addressOfReverseName, answerDns, DNS_TYPE_A, DNS_TYPE_PTR, type DnsResolution } from "../../packets/dns.ts";
import { privateDomainName, privateHostName } from "../../packets/dhcp.ts";
import type { PortView } from "../network.ts";
import type { InternetNames } from "./internetNames.ts";

const NXDOMAIN: DnsResolution = { kind: "nxdomain" };
const OCTET = "(0|[1-9]\\d{0,2})";
const HOST_NAME = new RegExp(`^ip-${OCTET}-${OCTET}-${OCTET}-${OCTET}$`);

/** The DNS answer (a UDP payload) to a query from the port, or null when none is due. */
export function answerDnsQuery(port: PortView, region: string, query: Uint8Array, internet?: InternetNames): Uint8Array | null {
  const domain = privateDomainName(region);
  return answerDns(query, (name, type) => {
    const reverse = addressOfReverseName(name);
    if (reverse !== null) {
      if (!port.vpc.portsByIp.has(reverse)) return NXDOMAIN;
      return {
        kind: "records",
        records: type === DNS_TYPE_PTR ? [{ type: DNS_TYPE_PTR, name: `${privateHostName(reverse)}.${domain}` }] : [],
      };
    }
    // us-east-1's names answer under the other regions' form too, as Route 53 Resolver does.
    const suffix = [domain, `${region}.compute.internal`].find((candidate) => name.endsWith(`.${candidate}`));
    if (!suffix && internet && !isPrivateZone(name)) {
      const address = internet.addressOf(name);
      if (address === null) return NXDOMAIN;
      return { kind: "records", records: type === DNS_TYPE_A ? [{ type: DNS_TYPE_A, address }] : [] };
    }
    const address = suffix ? addressOfHostName(name.slice(0, -suffix.length - 1)) : null;
    if (address === null || !port.vpc.portsByIp.has(address)) return NXDOMAIN;
    return { kind: "records", records: type === DNS_TYPE_A ? [{ type: DNS_TYPE_A, address }] : [] };
  });
}

/** The zones the VPC's resolver owns: a name in them that is not an instance's does not exist. */
function isPrivateZone(name: string): boolean {
  return ["ec2.internal", "compute.internal", "in-addr.arpa"].some((zone) => name === zone || name.endsWith(`.${zone}`));
}

function addressOfHostName(label: string): number | null {
  const match = HOST_NAME.exec(label);
  if (!match) return null;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

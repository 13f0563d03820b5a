/**
 * The topology as the switch looks things up: addresses as numbers, MACs as bytes, a map per
 * question it asks on every frame. Rebuilt whole on every configure(); an entry that does not
 * make sense (a bad CIDR, a port of an unknown subnet) is left out rather than thrown, so one bad
 * resource cannot take the network down.
 */
import { type Cidr, addressInCidr, dnsAddress, parseCidr, routerAddress } from "../cidr.ts";
import { ipv4ToNumber, parseMac } from "../packets/address.ts";
import type { NetworkTopology, PortConfig, SecurityGroupConfig } from "../topology.ts";

interface SubnetView {
  readonly subnetId: string;
  readonly cidr: Cidr;
  /** The VPC router's address in this subnet: base + 1. */
  readonly routerIp: number;
  readonly public: boolean;
}

interface VpcView {
  readonly vpcId: string;
  readonly cidr: Cidr;
  /** The Amazon DNS server: the VPC's base + 2. */
  readonly dnsIp: number;
  readonly subnets: ReadonlyMap<string, SubnetView>;
  readonly portsByIp: ReadonlyMap<number, PortView>;
}

export interface PortView {
  readonly config: PortConfig;
  readonly mac: Uint8Array;
  readonly ip: number;
  readonly publicIp: number | null;
  readonly vpc: VpcView;
  readonly subnet: SubnetView;
}

export class NetworkIndex {
  readonly region: string;
  readonly #ports = new Map<string, PortView>();
  readonly #byPublicIp = new Map<number, PortView>();
  readonly #groups = new Map<string, SecurityGroupConfig>();

  constructor(topology: NetworkTopology) {
    this.region = topology.region;
    for (const group of topology.securityGroups) this.#groups.set(group.groupId, group);
    for (const vpc of topology.vpcs) {
      const cidr = parseCidr(vpc.cidrBlock);
      if (!cidr) continue;
      const subnets = new Map<string, SubnetView>();
      for (const subnet of vpc.subnets) {
        const subnetCidr = parseCidr(subnet.cidrBlock);
        if (!subnetCidr) continue;
        subnets.set(subnet.subnetId, {
          subnetId: subnet.subnetId,
          cidr: subnetCidr,
          routerIp: routerAddress(subnetCidr),
          public: subnet.public,
        });
      }
      const portsByIp = new Map<number, PortView>();
      const view: VpcView = { vpcId: vpc.vpcId, cidr, dnsIp: dnsAddress(cidr), subnets, portsByIp };
      for (const config of topology.ports) {
        if (config.vpcId !== vpc.vpcId) continue;
        const port = portView(config, view);
        if (!port || portsByIp.has(port.ip)) continue;
        portsByIp.set(port.ip, port);
        this.#ports.set(config.networkInterfaceId, port);
        if (port.publicIp !== null && port.subnet.public) this.#byPublicIp.set(port.publicIp, port);
      }
    }
  }

  port(networkInterfaceId: string): PortView | undefined {
    return this.#ports.get(networkInterfaceId);
  }

  ports(): IterableIterator<PortView> {
    return this.#ports.values();
  }

  /** The port the internet reaches by this public IP: only in a public subnet. */
  portByPublicIp(publicIp: number): PortView | undefined {
    return this.#byPublicIp.get(publicIp);
  }

  group(groupId: string): SecurityGroupConfig | undefined {
    return this.#groups.get(groupId);
  }
}

function portView(config: PortConfig, vpc: VpcView): PortView | null {
  const mac = parseMac(config.macAddress);
  const ip = ipv4ToNumber(config.privateIpAddress);
  const subnet = vpc.subnets.get(config.subnetId);
  if (!mac || ip === null || !subnet || !addressInCidr(ip, subnet.cidr)) return null;
  const publicIp = config.publicIpAddress === null ? null : ipv4ToNumber(config.publicIpAddress);
  return { config, mac, ip, publicIp, vpc, subnet };
}

/**
 * What the hypervisor tells the VPC fabric: the network as EC2 resources describe it, reduced to
 * the facts the switch decides by. Plain, structured-clonable data (it crosses into the fabric's
 * worker); addresses are dotted strings here and numbers inside the fabric. The hypervisor sends
 * the whole topology again whenever any of it changes; the fabric keeps only what is not in it
 * (connection tracking, flow logs, captures).
 */

/** An IPv4 address, "172.31.0.10". */
type Ipv4Address = string;
/** An IPv4 network, "172.31.0.0/16". */
type Ipv4Cidr = string;
/** A MAC address, lower-case, "02:1a:2b:3c:4d:5e". */
type MacAddress = string;

export interface NetworkTopology {
  /** The region every availability zone belongs to, "us-east-1": private DNS names end in `<region>.compute.internal`. */
  readonly region: string;
  readonly vpcs: readonly VpcConfig[];
  readonly securityGroups: readonly SecurityGroupConfig[];
  /** One per network interface (ENI) of an instance that runs; a stopped instance has none here. */
  readonly ports: readonly PortConfig[];
}

interface VpcConfig {
  readonly vpcId: string;
  readonly cidrBlock: Ipv4Cidr;
  readonly subnets: readonly SubnetConfig[];
}

interface SubnetConfig {
  readonly subnetId: string;
  readonly cidrBlock: Ipv4Cidr;
  readonly availabilityZone: string;
  /** Its route table sends 0.0.0.0/0 to an attached internet gateway. */
  readonly public: boolean;
}

/** EC2's IpProtocol: "tcp", "udp", "icmp", or "-1" for every protocol. */
export type RuleProtocol = "tcp" | "udp" | "icmp" | "-1";

/**
 * One rule of a security group, one source each (EC2 splits an IpPermission with several
 * sources into several rules). Ports are inclusive; for icmp, fromPort is the ICMP type and
 * toPort the code (-1: any); for "-1", both are -1.
 */
export interface SecurityGroupRuleConfig {
  readonly ruleId: string;
  readonly protocol: RuleProtocol;
  readonly fromPort: number;
  readonly toPort: number;
  /** For ingress the source, for egress the destination. */
  readonly peer: { readonly cidr: Ipv4Cidr } | { readonly groupId: string };
}

export interface SecurityGroupConfig {
  readonly groupId: string;
  readonly vpcId: string;
  readonly ingress: readonly SecurityGroupRuleConfig[];
  readonly egress: readonly SecurityGroupRuleConfig[];
}

/** EC2's MetadataOptions of an instance. */
export interface MetadataOptions {
  readonly httpEndpoint: "enabled" | "disabled";
  readonly httpTokens: "optional" | "required";
  /** 1–64: the IP TTL of the service's replies, so a token does not travel further than this many hops. */
  readonly httpPutResponseHopLimit: number;
  readonly instanceMetadataTags: "enabled" | "disabled";
}

/** What the instance metadata service says about the instance behind a port. */
export interface InstanceMetadata {
  readonly instanceId: string;
  readonly instanceType: string;
  readonly imageId: string;
  readonly availabilityZone: string;
  readonly region: string;
  /** ISO 8601. */
  readonly launchTime: string;
  /** The user data as given at launch (decoded), or null when none was given. */
  readonly userData: string | null;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  /** The names of its security groups, in order. */
  readonly securityGroupNames: readonly string[];
  readonly options: MetadataOptions;
}

export interface PortConfig {
  /** The network interface, "eni-…": a port of the switch. */
  readonly networkInterfaceId: string;
  readonly instanceId: string;
  readonly macAddress: MacAddress;
  readonly privateIpAddress: Ipv4Address;
  /** Set only in a public subnet: the address the browser (the internet) reaches it by. */
  readonly publicIpAddress: Ipv4Address | null;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
  readonly metadata: InstanceMetadata;
}

/** The MTU the fabric offers by DHCP and the NIC is created with. */
export const VPC_MTU = 1500;

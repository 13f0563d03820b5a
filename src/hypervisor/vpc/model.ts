/**
 * The network's resources as the hypervisor keeps them: one record per VPC, subnet, internet
 * gateway, route table, security group and network interface, each immutable, keyed by its id.
 * An action computes a ChangeSet from the current state (or throws an Ec2Error), and only a
 * change set that was stored is applied, so a refused or failed action changes nothing.
 */
import { Ec2Error, type ErrorCode } from "../../shared/errors.ts";
import type { RuleProtocol } from "../../net/topology.ts";
import type { Tag } from "../instances/instance.ts";

export interface VpcRecord {
  readonly kind: "vpc";
  readonly id: string;
  readonly cidrBlock: string;
  readonly isDefault: boolean;
  readonly tags: readonly Tag[];
}

export interface SubnetRecord {
  readonly kind: "subnet";
  readonly id: string;
  readonly vpcId: string;
  readonly cidrBlock: string;
  readonly availabilityZone: string;
  readonly mapPublicIpOnLaunch: boolean;
  readonly defaultForAz: boolean;
  readonly tags: readonly Tag[];
}

export interface InternetGatewayRecord {
  readonly kind: "igw";
  readonly id: string;
  /** The VPC it is attached to, or null while detached. */
  readonly vpcId: string | null;
  readonly tags: readonly Tag[];
}

/** A route besides the VPC's local one, which every table has and nobody can remove. */
export interface RouteRecord {
  readonly destinationCidrBlock: string;
  readonly gatewayId: string;
}

interface RouteTableAssociationRecord {
  readonly associationId: string;
  readonly subnetId: string;
}

export interface RouteTableRecord {
  readonly kind: "rtb";
  readonly id: string;
  readonly vpcId: string;
  /** Set for the VPC's main table (the one of every subnet not associated with another): its main association. */
  readonly mainAssociationId: string | null;
  readonly routes: readonly RouteRecord[];
  readonly associations: readonly RouteTableAssociationRecord[];
  readonly tags: readonly Tag[];
}

/** For ingress the source, for egress the destination. */
export type RulePeer = { readonly cidr: string } | { readonly groupId: string };

/** One rule, one peer: EC2 splits an IpPermission with several sources into as many rules. */
export interface RuleRecord {
  readonly ruleId: string;
  readonly isEgress: boolean;
  readonly protocol: RuleProtocol;
  /** tcp/udp: the first port; icmp: the type (-1 any); "-1": -1. */
  readonly fromPort: number;
  /** tcp/udp: the last port; icmp: the code (-1 any); "-1": -1. */
  readonly toPort: number;
  readonly peer: RulePeer;
  readonly description: string;
}

export interface SecurityGroupRecord {
  readonly kind: "sg";
  readonly id: string;
  readonly vpcId: string;
  readonly groupName: string;
  readonly description: string;
  /** The VPC's default group, made with it: it cannot be deleted. */
  readonly isDefault: boolean;
  readonly rules: readonly RuleRecord[];
  readonly tags: readonly Tag[];
}

export interface NetworkInterfaceRecord {
  readonly kind: "eni";
  readonly id: string;
  readonly vpcId: string;
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly privateIpAddress: string;
  readonly macAddress: string;
  readonly publicIpAddress: string | null;
  readonly groupIds: readonly string[];
  readonly description: string;
  /** The instance it is attached to, or null. */
  readonly instanceId: string | null;
}

/** Says the default VPC was made once: after a person deletes it, a reload does not bring it back (as on EC2). */
interface DefaultsRecord {
  readonly kind: "defaults";
  readonly id: typeof DEFAULTS_RECORD_ID;
  readonly createdAt: string;
}

export const DEFAULTS_RECORD_ID = "defaults";

export type NetworkRecord =
  VpcRecord | SubnetRecord | InternetGatewayRecord | RouteTableRecord | SecurityGroupRecord | NetworkInterfaceRecord | DefaultsRecord;

type RecordOf<K extends NetworkRecord["kind"]> = Extract<NetworkRecord, { kind: K }>;

/** What an action changes: records put (new or replaced) and ids deleted. */
export class ChangeSet {
  readonly puts = new Map<string, NetworkRecord>();
  readonly deletes = new Set<string>();

  put(record: NetworkRecord): this {
    this.deletes.delete(record.id);
    this.puts.set(record.id, record);
    return this;
  }

  delete(id: string): this {
    this.puts.delete(id);
    this.deletes.add(id);
    return this;
  }

  get empty(): boolean {
    return this.puts.size === 0 && this.deletes.size === 0;
  }
}

const NOT_FOUND: Readonly<Record<Exclude<NetworkRecord["kind"], "defaults">, { code: ErrorCode; what: string }>> = {
  vpc: { code: "InvalidVpcID.NotFound", what: "VPC" },
  subnet: { code: "InvalidSubnetID.NotFound", what: "subnet" },
  igw: { code: "InvalidInternetGatewayID.NotFound", what: "internet gateway" },
  rtb: { code: "InvalidRouteTableID.NotFound", what: "route table" },
  sg: { code: "InvalidGroup.NotFound", what: "security group" },
  eni: { code: "InvalidNetworkInterfaceID.NotFound", what: "network interface" },
};

/** Every network record by id, with the lookups and relations the actions need. */
export class NetworkState {
  readonly #records = new Map<string, NetworkRecord>();

  constructor(records: Iterable<NetworkRecord> = []) {
    for (const record of records) this.#records.set(record.id, record);
  }

  apply(change: ChangeSet): void {
    for (const id of change.deletes) this.#records.delete(id);
    for (const [id, record] of change.puts) this.#records.set(id, record);
  }

  has(id: string): boolean {
    return this.#records.has(id);
  }

  get defaultsCreated(): boolean {
    return this.#records.has(DEFAULTS_RECORD_ID);
  }

  all<K extends NetworkRecord["kind"]>(kind: K): RecordOf<K>[] {
    const found: RecordOf<K>[] = [];
    for (const record of this.#records.values()) if (record.kind === kind) found.push(record as RecordOf<K>);
    return found;
  }

  find<K extends NetworkRecord["kind"]>(kind: K, id: string): RecordOf<K> | undefined {
    const record = this.#records.get(id);
    return record?.kind === kind ? (record as RecordOf<K>) : undefined;
  }

  /** The record, or EC2's NotFound error for its kind. */
  get<K extends Exclude<NetworkRecord["kind"], "defaults">>(kind: K, id: string): RecordOf<K> {
    const record = this.find(kind, id);
    if (record) return record;
    const { code, what } = NOT_FOUND[kind];
    throw new Ec2Error(code, `The ${what} ID '${id}' does not exist.`);
  }

  /** Each id's record, in the order asked; the first unknown one is EC2's NotFound. */
  getAll<K extends Exclude<NetworkRecord["kind"], "defaults">>(kind: K, ids: readonly string[] | undefined): RecordOf<K>[] {
    return ids ? ids.map((id) => this.get(kind, id)) : this.all(kind);
  }

  defaultVpc(): VpcRecord | undefined {
    return this.all("vpc").find((vpc) => vpc.isDefault);
  }

  subnetsOf(vpcId: string): SubnetRecord[] {
    return this.all("subnet").filter((subnet) => subnet.vpcId === vpcId);
  }

  groupsOf(vpcId: string): SecurityGroupRecord[] {
    return this.all("sg").filter((group) => group.vpcId === vpcId);
  }

  defaultGroupOf(vpcId: string): SecurityGroupRecord | undefined {
    return this.groupsOf(vpcId).find((group) => group.isDefault);
  }

  tablesOf(vpcId: string): RouteTableRecord[] {
    return this.all("rtb").filter((table) => table.vpcId === vpcId);
  }

  mainTableOf(vpcId: string): RouteTableRecord | undefined {
    return this.tablesOf(vpcId).find((table) => table.mainAssociationId !== null);
  }

  gatewayOf(vpcId: string): InternetGatewayRecord | undefined {
    return this.all("igw").find((gateway) => gateway.vpcId === vpcId);
  }

  interfacesIn(subnetId: string): NetworkInterfaceRecord[] {
    return this.all("eni").filter((eni) => eni.subnetId === subnetId);
  }

  /** The table whose routes a subnet follows: the one it is associated with, else its VPC's main table. */
  tableOf(subnet: SubnetRecord): RouteTableRecord | undefined {
    const tables = this.tablesOf(subnet.vpcId);
    return (
      tables.find((table) => table.associations.some((association) => association.subnetId === subnet.id)) ??
      tables.find((table) => table.mainAssociationId !== null)
    );
  }

  /** A route to a gateway that is attached to the table's VPC carries traffic; any other is a blackhole. */
  routeIsActive(table: RouteTableRecord, route: RouteRecord): boolean {
    return this.find("igw", route.gatewayId)?.vpcId === table.vpcId;
  }

  /** A public subnet: its table sends 0.0.0.0/0 to an internet gateway attached to its VPC. */
  isPublic(subnet: SubnetRecord): boolean {
    const table = this.tableOf(subnet);
    return !!table?.routes.some((route) => route.destinationCidrBlock === "0.0.0.0/0" && this.routeIsActive(table, route));
  }
}

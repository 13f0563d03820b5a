/**
 * The console's view of the VPC: VPCs, subnets, gateways, route tables, security groups with
 * their rules, and network interfaces as reactive state, read again whenever the network or an
 * instance changes; and the network actions the console offers, each returning a Result so the
 * dialog or page that asked shows EC2's error where the person is looking.
 */
import type {
  Hypervisor,
  HypervisorEvent,
  InternetGateway,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  Vpc,
} from "../hypervisor/index.ts";
import { ok, toCloudError, type Result } from "../shared/errors.ts";
import { isPublicSubnet, launchWizardDescription, nextLaunchWizardName } from "./networkChoices.ts";
import { ANYWHERE, newRow, ruleChanges, type RuleChanges, type RuleRow } from "./securityGroupRules.ts";

export interface CreateSecurityGroupForm {
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: string;
  readonly inbound: readonly RuleRow[];
  readonly outbound: readonly RuleRow[];
}

/** The launch form's Network settings. */
export interface LaunchNetworkChoice {
  readonly subnetId: string;
  readonly associatePublicIpAddress: boolean;
  /** A new launch-wizard group with these rules, or the groups picked. */
  readonly firewall:
    | { readonly create: true; readonly allowSsh: boolean; readonly allowHttp: boolean }
    | { readonly create: false; readonly groupIds: readonly string[] };
}

/** What the launch request says of the network. */
export interface LaunchNetworkRequest {
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
  readonly associatePublicIpAddress: boolean;
}

/** One VPC Flow Logs record of an instance's interface. */
export type FlowLogRecord = Awaited<ReturnType<Hypervisor["getFlowLog"]>>[number];

const nameTags = (name: string) => (name.trim() ? [{ key: "Name", value: name.trim() }] : []);

export class NetworkState {
  readonly #hypervisor: Hypervisor;
  vpcs = $state.raw<Vpc[]>([]);
  subnets = $state.raw<Subnet[]>([]);
  internetGateways = $state.raw<InternetGateway[]>([]);
  routeTables = $state.raw<RouteTable[]>([]);
  securityGroups = $state.raw<SecurityGroup[]>([]);
  securityGroupRules = $state.raw<SecurityGroupRule[]>([]);
  networkInterfaces = $state.raw<NetworkInterface[]>([]);
  readonly #unsubscribe: () => void;

  constructor(hypervisor: Hypervisor) {
    this.#hypervisor = hypervisor;
    this.#read();
    this.#unsubscribe = hypervisor.subscribe((event) => this.#onEvent(event));
  }

  dispose(): void {
    this.#unsubscribe();
  }

  /** Whether the subnet's route table sends 0.0.0.0/0 to an internet gateway. */
  isPublic(subnet: Pick<Subnet, "subnetId" | "vpcId">): boolean {
    return isPublicSubnet(this.routeTables, subnet);
  }

  /** A group's described rules of one direction, in the order they were added. */
  rulesOf(groupId: string, egress: boolean): SecurityGroupRule[] {
    return this.securityGroupRules.filter((rule) => rule.groupId === groupId && rule.isEgress === egress);
  }

  createVpc(cidrBlock: string, name: string): Promise<Result<Vpc>> {
    return this.#attempt(() => this.#hypervisor.createVpc({ cidrBlock: cidrBlock.trim(), tags: nameTags(name) }));
  }

  deleteVpc(vpcId: string): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.deleteVpc(vpcId));
  }

  createSubnet(request: { vpcId: string; availabilityZone: string; cidrBlock: string; name: string }): Promise<Result<Subnet>> {
    return this.#attempt(() =>
      this.#hypervisor.createSubnet({
        vpcId: request.vpcId,
        cidrBlock: request.cidrBlock.trim(),
        ...(request.availabilityZone ? { availabilityZone: request.availabilityZone } : {}),
        tags: nameTags(request.name),
      }),
    );
  }

  deleteSubnet(subnetId: string): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.deleteSubnet(subnetId));
  }

  setMapPublicIpOnLaunch(subnetId: string, mapPublicIpOnLaunch: boolean): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.modifySubnetAttribute(subnetId, { mapPublicIpOnLaunch }));
  }

  /**
   * Creates a group with its rules, as the console's Create security group does. When a rule is
   * refused the group is deleted again, so a failed create leaves nothing behind and the person
   * can correct the rule and create again.
   */
  async createSecurityGroup(form: CreateSecurityGroupForm): Promise<Result<{ readonly groupId: string }>> {
    // Rules that cannot be read are refused before anything is created.
    for (const rows of [form.inbound, form.outbound]) {
      const checked = ruleChanges([], rows);
      if (!checked.ok) return checked;
    }
    const created = await this.#attempt(() =>
      this.#hypervisor.createSecurityGroup({ groupName: form.groupName.trim(), description: form.description.trim(), vpcId: form.vpcId }),
    );
    if (!created.ok) return created;
    const { groupId } = created.value;
    for (const [rows, egress] of [
      [form.inbound, false],
      [form.outbound, true],
    ] as const) {
      const saved = await this.saveRules(groupId, egress, rows);
      if (!saved.ok) {
        await this.#attempt(() => this.#hypervisor.deleteSecurityGroup(groupId));
        return saved;
      }
    }
    return created;
  }

  /**
   * The network part of a launch request; for "Create security group" the new launch-wizard-N
   * group is created first (SSH and HTTP from anywhere as ticked), as EC2's launch wizard does,
   * and stays when the launch then fails.
   */
  async prepareLaunch(choice: LaunchNetworkChoice): Promise<Result<LaunchNetworkRequest>> {
    const { subnetId, associatePublicIpAddress, firewall } = choice;
    if (!firewall.create) return ok({ subnetId, securityGroupIds: firewall.groupIds, associatePublicIpAddress });
    const vpcId = this.subnets.find((subnet) => subnet.subnetId === subnetId)?.vpcId ?? "";
    const groupName = nextLaunchWizardName(this.securityGroups.filter((group) => group.vpcId === vpcId));
    const inbound = [
      ...(firewall.allowSsh ? [{ ...newRow("ssh", ANYWHERE), description: "SSH from anywhere" }] : []),
      ...(firewall.allowHttp ? [{ ...newRow("http", ANYWHERE), description: "HTTP from the internet" }] : []),
    ];
    const created = await this.createSecurityGroup({
      groupName,
      description: launchWizardDescription(groupName, Date.now()),
      vpcId,
      inbound,
      outbound: [newRow("all-traffic", ANYWHERE)],
    });
    if (!created.ok) return created;
    return ok({ subnetId, securityGroupIds: [created.value.groupId], associatePublicIpAddress });
  }

  deleteSecurityGroup(groupId: string): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.deleteSecurityGroup(groupId));
  }

  /** Takes a group's rules of one direction to the edited rows, with authorize and revoke (see RuleChanges for the order). */
  async saveRules(groupId: string, egress: boolean, rows: readonly RuleRow[]): Promise<Result<RuleChanges>> {
    const current = this.#hypervisor.describeSecurityGroupRules({ filters: [{ name: "group-id", values: [groupId] }] });
    const planned = ruleChanges(
      current.filter((rule) => rule.isEgress === egress),
      rows,
    );
    if (!planned.ok) return planned;
    const { changes } = planned;
    const hv = this.#hypervisor;
    const authorize = (ipPermissions: RuleChanges["authorize"]) =>
      egress ? hv.authorizeSecurityGroupEgress(groupId, { ipPermissions }) : hv.authorizeSecurityGroupIngress(groupId, { ipPermissions });
    return this.#attempt(async () => {
      if (changes.authorize.length > 0) await authorize(changes.authorize);
      if (changes.revokeRuleIds.length > 0) {
        const request = { securityGroupRuleIds: changes.revokeRuleIds };
        await (egress ? hv.revokeSecurityGroupEgress(groupId, request) : hv.revokeSecurityGroupIngress(groupId, request));
      }
      if (changes.reauthorize.length > 0) await authorize(changes.reauthorize);
      return changes;
    });
  }

  /** Replaces an instance's security groups (EC2's ModifyInstanceAttribute Groups), running or not. */
  changeSecurityGroups(instanceId: string, groupIds: readonly string[]): Promise<Result<void>> {
    return this.#attempt(() => this.#hypervisor.modifyInstanceAttribute(instanceId, { groups: groupIds }));
  }

  /** The instance's flow records, newest first. */
  flowLog(instanceId: string): Promise<Result<FlowLogRecord[]>> {
    return this.#attempt(async () => [...(await this.#hypervisor.getFlowLog(instanceId))].reverse());
  }

  /** The instance's recent traffic as a .pcap file. */
  exportTraffic(instanceId: string): Promise<Result<Uint8Array>> {
    return this.#attempt(() => this.#hypervisor.exportTraffic(instanceId));
  }

  #onEvent(event: HypervisorEvent): void {
    // Interfaces come and go with instances, and groups' member counts with them.
    if (event.type === "network-changed" || event.type === "instance-changed" || event.type === "instance-removed") this.#read();
  }

  #read(): void {
    const hv = this.#hypervisor;
    this.vpcs = hv.describeVpcs();
    this.subnets = hv.describeSubnets();
    this.internetGateways = hv.describeInternetGateways();
    this.routeTables = hv.describeRouteTables();
    this.securityGroups = hv.describeSecurityGroups();
    this.securityGroupRules = hv.describeSecurityGroupRules();
    this.networkInterfaces = hv.describeNetworkInterfaces();
  }

  async #attempt<T>(action: () => Promise<T>): Promise<Result<T>> {
    try {
      return ok(await action());
    } catch (error) {
      return { ok: false, error: toCloudError(error) };
    }
  }
}

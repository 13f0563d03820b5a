/**
 * The launch form's Network settings as state: the VPC (the default one first), the subnet ("No
 * preference" is the first zone's default subnet), Auto-assign public IP (following the subnet's
 * MapPublicIpOnLaunch until the person changes it), and the firewall: a new launch-wizard group
 * or groups of the VPC picked from a list.
 */
import type { CloudError, Result } from "../shared/errors.ts";
import type { LaunchNetworkChoice, NetworkState } from "./network.svelte.ts";
import { defaultVpcOf, nextLaunchWizardName, noPreferenceSubnet, subnetsOf } from "./networkChoices.ts";

export class LaunchNetworkForm {
  readonly #network: NetworkState;
  vpcId = $state("");
  /** "" for No preference. */
  subnetId = $state("");
  associatePublicIpAddress = $state(true);
  firewall = $state<"create" | "existing">("create");
  allowSsh = $state(true);
  allowHttp = $state(false);
  groupIds = $state<string[]>([]);

  // Getters in $derived.by: the network is set in the constructor, after the fields.
  readonly vpcs = $derived.by(() => this.#network.vpcs);
  readonly subnets = $derived.by(() => subnetsOf(this.#network.subnets, this.vpcId));
  /** The subnet the instance launches into. */
  readonly subnet = $derived.by(() =>
    this.subnetId
      ? (this.#network.subnets.find((subnet) => subnet.subnetId === this.subnetId) ?? null)
      : noPreferenceSubnet(this.#network.subnets, this.vpcId),
  );
  readonly subnetIsPublic = $derived.by(() => (this.subnet ? this.#network.isPublic(this.subnet) : false));
  readonly groups = $derived.by(() => this.#network.securityGroups.filter((group) => group.vpcId === this.vpcId));
  /** The name a new group would get. */
  readonly newGroupName = $derived(nextLaunchWizardName(this.groups));

  constructor(network: NetworkState) {
    this.#network = network;
    this.chooseVpc(defaultVpcOf(network.vpcs)?.vpcId ?? "");
  }

  chooseVpc(vpcId: string): void {
    this.vpcId = vpcId;
    this.subnetId = "";
    const fallback = this.groups.find((group) => group.groupName === "default");
    this.groupIds = fallback ? [fallback.groupId] : [];
    this.#followSubnet();
  }

  chooseSubnet(subnetId: string): void {
    this.subnetId = subnetId;
    this.#followSubnet();
  }

  /** The settings as the launch takes them, or why they cannot launch. */
  readonly choice: Result<LaunchNetworkChoice> = $derived.by(() => {
    const subnet = this.subnet;
    if (!subnet)
      return refused("MissingParameter", "This VPC has no subnet to launch into: create one under Subnets, or pick another VPC.");
    if (this.firewall === "existing" && this.groupIds.length === 0)
      return refused("MissingParameter", "Select at least one security group, or create one.");
    return {
      ok: true,
      value: {
        subnetId: subnet.subnetId,
        associatePublicIpAddress: this.associatePublicIpAddress,
        firewall:
          this.firewall === "create"
            ? { create: true, allowSsh: this.allowSsh, allowHttp: this.allowHttp }
            : { create: false, groupIds: [...this.groupIds] },
      },
    };
  });

  #followSubnet(): void {
    this.associatePublicIpAddress = this.subnet?.mapPublicIpOnLaunch ?? false;
  }
}

function refused(code: CloudError["code"], message: string): Result<never> {
  return { ok: false, error: { code, message } };
}

/**
 * An instance's place on the network: its primary network interface (ENI), made at launch in the
 * asked (or default) subnet with its groups, the networking fields describeInstances shows, what
 * the metadata service says about it, and its port on the fabric while it runs. As on EC2 the
 * private address stays for the instance's life; a public address is given at each start (in a
 * subnet whose instances get one) and released at each stop; the interface goes at termination.
 */
import type { NetworkSpec } from "../../worker/api.ts";
import { VPC_MTU, type InstanceMetadata, type MetadataOptions } from "../../net/topology.ts";
import { Ec2Error } from "../../shared/errors.ts";
import type { NetworkInterface } from "../vpc/describe.ts";
import type { NetworkResources } from "../vpc/networkResources.ts";
import type { PortFacts } from "../vpc/topology.ts";
import { REGION } from "../vpc/zones.ts";
import type { InstanceNetworking } from "./instance.ts";
import type { LaunchNetwork } from "./launchSpec.ts";
import type { InstanceRecord } from "./record.ts";

export interface InstanceNetworkContext {
  readonly network: NetworkResources;
  /** Every instance the hypervisor knows. */
  all(): readonly InstanceRecord[];
  /** Sets the instance's described networking fields. */
  update(record: InstanceRecord, fields: Partial<InstanceNetworking>): void;
  /** The fabric's side: the current topology pushed, and the instance's port plugged in or out. */
  readonly fabric: {
    sync(): Promise<void>;
    plug(networkInterfaceId: string): Promise<NetworkSpec["port"]>;
    unplug(networkInterfaceId: string): Promise<void>;
    forget(networkInterfaceId: string): Promise<void>;
  };
}

/** States in which an instance's emulator may be on the network. */
const ON_THE_NETWORK = new Set(["pending", "running", "stopping", "shutting-down"]);

/** EC2's public DNS name of an address in us-east-1: "ec2-54-10-0-9.compute-1.amazonaws.com". */
function publicDnsName(publicIp: string): string {
  return `ec2-${publicIp.replaceAll(".", "-")}.compute-1.amazonaws.com`;
}

/** The instance's fields from its interface; a public address shows only while the instance may be on the network. */
export function networkingOf(eni: NetworkInterface, metadataOptions: MetadataOptions, showPublic = true): InstanceNetworking {
  const publicIp = showPublic ? (eni.association?.publicIp ?? null) : null;
  return {
    placement: { availabilityZone: eni.availabilityZone },
    vpcId: eni.vpcId,
    subnetId: eni.subnetId,
    privateIpAddress: eni.privateIpAddress,
    publicIpAddress: publicIp,
    privateDnsName: eni.privateDnsName,
    publicDnsName: publicIp ? publicDnsName(publicIp) : "",
    securityGroups: eni.groups,
    networkInterfaces: [
      {
        networkInterfaceId: eni.networkInterfaceId,
        macAddress: eni.macAddress,
        privateIpAddress: eni.privateIpAddress,
        privateDnsName: eni.privateDnsName,
        subnetId: eni.subnetId,
        vpcId: eni.vpcId,
        groups: eni.groups,
        association: publicIp ? { publicIp, publicDnsName: publicDnsName(publicIp) } : null,
        sourceDestCheck: true,
        status: "in-use",
      },
    ],
    metadataOptions,
  };
}

export class InstanceNetwork {
  readonly #ctx: InstanceNetworkContext;
  /** Interfaces plugged into the fabric now. */
  readonly #plugged = new Set<string>();

  constructor(context: InstanceNetworkContext) {
    this.#ctx = context;
  }

  /**
   * One interface per instance to launch, all or none: the subnet (the default VPC's first one
   * when none is named), its groups (the VPC's default group when none are named), its address.
   */
  async createInterfaces(spec: LaunchNetwork, instanceIds: readonly string[]): Promise<NetworkInterface[]> {
    const { network } = this.#ctx;
    const subnet = spec.subnetId ? network.describeSubnets({ subnetIds: [spec.subnetId] })[0] : network.defaultSubnet();
    if (!subnet) throw new Ec2Error("VPCIdNotSpecified", "There is no default VPC to launch into: name a subnet (subnetId).");
    const associatePublicIpAddress = spec.associatePublicIpAddress ?? subnet.mapPublicIpOnLaunch;
    const created: NetworkInterface[] = [];
    try {
      for (const instanceId of instanceIds) {
        created.push(
          await network.createNetworkInterface({
            subnetId: subnet.subnetId,
            groupIds: spec.securityGroupIds,
            ...(spec.privateIpAddress ? { privateIpAddress: spec.privateIpAddress } : {}),
            description: "",
            instanceId,
            associatePublicIpAddress,
          }),
        );
      }
    } catch (error) {
      for (const eni of created) await network.deleteNetworkInterface(eni.networkInterfaceId).catch(() => undefined);
      throw error;
    }
    return created;
  }

  /** Deletes interfaces made for a launch that did not go ahead. */
  async discard(interfaces: readonly NetworkInterface[]): Promise<void> {
    for (const eni of interfaces) await this.#ctx.network.deleteNetworkInterface(eni.networkInterfaceId).catch(() => undefined);
  }

  /**
   * Before the instance's emulator starts: its public address (when its launch asked for one),
   * the fabric told about its port, and the port plugged in for the NIC. Null for an instance
   * with no interface.
   */
  async plug(record: InstanceRecord): Promise<Pick<NetworkSpec, "port" | "macAddress" | "mtu"> | null> {
    const eniId = record.config.networkInterfaceId;
    if (!eniId) return null;
    const { network, fabric } = this.#ctx;
    if (record.config.associatePublicIpAddress) await network.setPublicAddress(eniId, true);
    this.refresh(record);
    await fabric.sync();
    const port = await fabric.plug(eniId);
    this.#plugged.add(eniId);
    return { port, macAddress: this.#eni(eniId).macAddress, mtu: VPC_MTU };
  }

  /** The instance's state changed: off the network when it stopped (its public address released) or went (its interface deleted). */
  async stateChanged(record: InstanceRecord): Promise<void> {
    const eniId = record.config.networkInterfaceId;
    if (!eniId) return;
    const state = record.instance.state.name;
    if (ON_THE_NETWORK.has(state)) return;
    // What describeInstances shows changes with the state, at once; the interface follows.
    if (state === "terminated") this.#ctx.update(record, { publicIpAddress: null, publicDnsName: "", networkInterfaces: [] });
    else this.refresh(record);
    const { network, fabric } = this.#ctx;
    if (this.#plugged.delete(eniId)) await fabric.unplug(eniId).catch(() => undefined);
    if (!this.#find(eniId)) return;
    if (state === "terminated") {
      await fabric.forget(eniId).catch(() => undefined);
      await network.deleteNetworkInterface(eniId);
    } else if (this.#find(eniId)?.association) {
      await network.setPublicAddress(eniId, false);
    }
  }

  /** Copies the interface's current facts (groups, addresses) into the instance's described fields. */
  refresh(record: InstanceRecord): void {
    const eniId = record.config.networkInterfaceId;
    const eni = eniId ? this.#find(eniId) : undefined;
    const state = record.instance.state.name;
    if (!eni || state === "terminated") return;
    const fields = networkingOf(eni, record.instance.metadataOptions, ON_THE_NETWORK.has(state));
    const unchanged = (Object.keys(fields) as (keyof InstanceNetworking)[]).every(
      (key) => JSON.stringify(fields[key]) === JSON.stringify(record.instance[key]),
    );
    if (!unchanged) this.#ctx.update(record, fields);
  }

  /** Refreshes every instance's fields: groups or routes changed. */
  refreshAll(): void {
    for (const record of this.#ctx.all()) this.refresh(record);
  }

  /** EC2's ModifyInstanceAttribute Groups. */
  async setGroups(record: InstanceRecord, groupIds: readonly string[]): Promise<void> {
    const eniId = record.config.networkInterfaceId;
    if (!eniId)
      throw new Ec2Error(
        "UnsupportedOperation",
        `The instance ${record.instance.instanceId} has no network interface: it was launched before instances had one.`,
      );
    await this.#ctx.network.setInterfaceGroups(eniId, groupIds);
    this.refresh(record);
  }

  /** EC2's ModifyInstanceMetadataOptions: takes effect on the next request to the service. */
  setMetadataOptions(record: InstanceRecord, options: Partial<MetadataOptions>): MetadataOptions {
    const metadataOptions = { ...record.instance.metadataOptions, ...options };
    this.#ctx.update(record, { metadataOptions });
    return metadataOptions;
  }

  /** The ports of the instances on the network now, with what the metadata service tells each. */
  ports(): PortFacts[] {
    return this.#ctx.all().flatMap((record) => {
      const eniId = record.config.networkInterfaceId;
      if (!eniId || !ON_THE_NETWORK.has(record.instance.state.name)) return [];
      return [{ networkInterfaceId: eniId, metadata: metadataOf(record) }];
    });
  }

  #find(eniId: string): NetworkInterface | undefined {
    return this.#ctx.network.describeNetworkInterfaces({ filters: [{ name: "network-interface-id", values: [eniId] }] })[0];
  }

  #eni(eniId: string): NetworkInterface {
    const eni = this.#find(eniId);
    if (!eni) throw new Ec2Error("InvalidNetworkInterfaceID.NotFound", `The network interface '${eniId}' does not exist.`);
    return eni;
  }
}

function metadataOf(record: InstanceRecord): InstanceMetadata {
  const { instance, config } = record;
  return {
    instanceId: instance.instanceId,
    instanceType: instance.instanceType,
    imageId: instance.imageId,
    availabilityZone: instance.placement.availabilityZone ?? `${REGION}a`,
    region: REGION,
    launchTime: instance.launchTime,
    userData: config.launchUserData,
    tags: instance.tags,
    securityGroupNames: instance.securityGroups.map((group) => group.groupName),
    options: instance.metadataOptions,
  };
}

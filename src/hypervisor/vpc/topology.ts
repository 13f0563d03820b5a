/**
 * The network as the fabric needs it (src/net/topology.ts): VPCs with their subnets and whether
 * each is public, every security group's rules, and one port per interface of a running instance.
 */
import type { InstanceMetadata, NetworkTopology, PortConfig, SecurityGroupRuleConfig } from "../../net/topology.ts";
import type { NetworkState, RuleRecord } from "./model.ts";
import { REGION } from "./zones.ts";

/** An interface of a running instance, with what the metadata service says about the instance. */
export interface PortFacts {
  readonly networkInterfaceId: string;
  readonly metadata: InstanceMetadata;
}

export function buildTopology(state: NetworkState, ports: readonly PortFacts[]): NetworkTopology {
  const rule = (record: RuleRecord): SecurityGroupRuleConfig => ({
    ruleId: record.ruleId,
    protocol: record.protocol,
    fromPort: record.fromPort,
    toPort: record.toPort,
    peer: "cidr" in record.peer ? { cidr: record.peer.cidr } : { groupId: record.peer.groupId },
  });
  return {
    region: REGION,
    vpcs: state.all("vpc").map((vpc) => ({
      vpcId: vpc.id,
      cidrBlock: vpc.cidrBlock,
      subnets: state.subnetsOf(vpc.id).map((subnet) => ({
        subnetId: subnet.id,
        cidrBlock: subnet.cidrBlock,
        availabilityZone: subnet.availabilityZone,
        public: state.isPublic(subnet),
      })),
    })),
    securityGroups: state.all("sg").map((group) => ({
      groupId: group.id,
      vpcId: group.vpcId,
      ingress: group.rules.filter((record) => !record.isEgress).map(rule),
      egress: group.rules.filter((record) => record.isEgress).map(rule),
    })),
    ports: ports.flatMap((port): PortConfig[] => {
      const eni = state.find("eni", port.networkInterfaceId);
      const subnet = eni && state.find("subnet", eni.subnetId);
      if (!eni || !subnet) return [];
      return [
        {
          networkInterfaceId: eni.id,
          instanceId: port.metadata.instanceId,
          macAddress: eni.macAddress,
          privateIpAddress: eni.privateIpAddress,
          publicIpAddress: state.isPublic(subnet) ? eni.publicIpAddress : null,
          vpcId: eni.vpcId,
          subnetId: eni.subnetId,
          securityGroupIds: eni.groupIds,
          metadata: port.metadata,
        },
      ];
    }),
  };
}

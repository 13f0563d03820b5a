/**
 * The facade's network actions: VPCs, subnets, internet gateways, route tables, security groups
 * and network interfaces, one method per EC2 action, each validating its request (requests/vpc.ts,
 * requests/securityGroups.ts) and delegating to the network's module (vpc/networkResources.ts).
 * The Hypervisor extends this class, so the facade stays one file per family of resources.
 */
import type { Tag } from "./instances/instance.ts";
import * as sg from "./requests/securityGroups.ts";
import * as vpc from "./requests/vpc.ts";
import type { InternetGateway, NetworkInterface, RouteTable, SecurityGroup, SecurityGroupRule, Subnet, Vpc } from "./vpc/describe.ts";
import type { NetworkResources } from "./vpc/networkResources.ts";

export abstract class VpcFacade {
  /** The network's module, given by the Hypervisor. */
  protected abstract get network(): NetworkResources;

  // VPCs and subnets.
  describeVpcs(request: vpc.DescribeVpcsRequest = {}): Vpc[] {
    return this.network.describeVpcs(vpc.parseDescribeVpcs(request));
  }
  /** A VPC with its main route table and its default security group. */
  async createVpc(request: vpc.CreateVpcRequest): Promise<Vpc> {
    return this.network.createVpc(vpc.parseCreateVpc(request));
  }
  /** Deletes a VPC with nothing left in it but its main route table and default group. */
  async deleteVpc(vpcId: string): Promise<void> {
    return this.network.deleteVpc(vpc.parseVpcId(vpcId));
  }
  describeSubnets(request: vpc.DescribeSubnetsRequest = {}): Subnet[] {
    return this.network.describeSubnets(vpc.parseDescribeSubnets(request));
  }
  async createSubnet(request: vpc.CreateSubnetRequest): Promise<Subnet> {
    return this.network.createSubnet(vpc.parseCreateSubnet(request));
  }
  async deleteSubnet(subnetId: string): Promise<void> {
    return this.network.deleteSubnet(vpc.parseSubnetId(subnetId));
  }
  async modifySubnetAttribute(subnetId: string, request: vpc.ModifySubnetAttributeRequest): Promise<void> {
    const checked = vpc.parseModifySubnetAttribute(subnetId, request);
    return this.network.modifySubnetAttribute(checked.subnetId, checked.request);
  }

  // Internet gateways and route tables.
  describeInternetGateways(request: vpc.DescribeInternetGatewaysRequest = {}): InternetGateway[] {
    return this.network.describeInternetGateways(vpc.parseDescribeInternetGateways(request));
  }
  async createInternetGateway(request: vpc.CreateInternetGatewayRequest = {}): Promise<InternetGateway> {
    return this.network.createInternetGateway(vpc.parseCreateInternetGateway(request).tags);
  }
  async attachInternetGateway(internetGatewayId: string, vpcId: string): Promise<void> {
    const checked = vpc.parseGatewayAndVpc(internetGatewayId, vpcId);
    return this.network.attachInternetGateway(checked.internetGatewayId, checked.vpcId);
  }
  async detachInternetGateway(internetGatewayId: string, vpcId: string): Promise<void> {
    const checked = vpc.parseGatewayAndVpc(internetGatewayId, vpcId);
    return this.network.detachInternetGateway(checked.internetGatewayId, checked.vpcId);
  }
  async deleteInternetGateway(internetGatewayId: string): Promise<void> {
    return this.network.deleteInternetGateway(vpc.parseInternetGatewayId(internetGatewayId));
  }
  describeRouteTables(request: vpc.DescribeRouteTablesRequest = {}): RouteTable[] {
    return this.network.describeRouteTables(vpc.parseDescribeRouteTables(request));
  }
  async createRouteTable(request: vpc.CreateRouteTableRequest): Promise<RouteTable> {
    const checked = vpc.parseCreateRouteTable(request);
    return this.network.createRouteTable(checked.vpcId, checked.tags ?? noTags);
  }
  async deleteRouteTable(routeTableId: string): Promise<void> {
    return this.network.deleteRouteTable(vpc.parseRouteTableId(routeTableId));
  }
  /** Sends a destination (0.0.0.0/0: everything outside the VPC) to an internet gateway attached to the table's VPC. */
  async createRoute(routeTableId: string, request: vpc.CreateRouteRequest): Promise<void> {
    const checked = vpc.parseCreateRoute(routeTableId, request);
    return this.network.createRoute(checked.routeTableId, checked.request);
  }
  async deleteRoute(routeTableId: string, destinationCidrBlock: string): Promise<void> {
    const checked = vpc.parseDeleteRoute(routeTableId, destinationCidrBlock);
    return this.network.deleteRoute(checked.routeTableId, checked.destinationCidrBlock);
  }
  /** Makes the subnet follow this table instead of its VPC's main table. */
  async associateRouteTable(routeTableId: string, subnetId: string): Promise<{ readonly associationId: string }> {
    const checked = vpc.parseAssociateRouteTable(routeTableId, subnetId);
    return this.network.associateRouteTable(checked.routeTableId, checked.subnetId);
  }
  async disassociateRouteTable(associationId: string): Promise<void> {
    return this.network.disassociateRouteTable(vpc.parseAssociationId(associationId));
  }

  // Security groups.
  describeSecurityGroups(request: sg.DescribeSecurityGroupsRequest = {}): SecurityGroup[] {
    return this.network.describeSecurityGroups(sg.parseDescribeSecurityGroups(request));
  }
  /** A group that lets everything out and nothing in; in the default VPC unless vpcId says otherwise. */
  async createSecurityGroup(request: sg.CreateSecurityGroupRequest): Promise<{ readonly groupId: string }> {
    return this.network.createSecurityGroup(sg.parseCreateSecurityGroup(request));
  }
  async deleteSecurityGroup(groupId: string): Promise<void> {
    return this.network.deleteSecurityGroup(sg.parseGroupId(groupId));
  }
  async authorizeSecurityGroupIngress(groupId: string, request: sg.AuthorizeSecurityGroupRequest): Promise<SecurityGroupRule[]> {
    const checked = sg.parseAuthorize(groupId, request);
    return this.network.authorize(checked.groupId, checked.rules, false);
  }
  async authorizeSecurityGroupEgress(groupId: string, request: sg.AuthorizeSecurityGroupRequest): Promise<SecurityGroupRule[]> {
    const checked = sg.parseAuthorize(groupId, request);
    return this.network.authorize(checked.groupId, checked.rules, true);
  }
  /** Removes inbound rules; a flow the switch already tracks goes on, as on EC2. */
  async revokeSecurityGroupIngress(groupId: string, request: sg.RevokeSecurityGroupRequest): Promise<void> {
    const checked = sg.parseRevoke(groupId, request);
    return this.network.revoke(checked.groupId, checked.request, false);
  }
  async revokeSecurityGroupEgress(groupId: string, request: sg.RevokeSecurityGroupRequest): Promise<void> {
    const checked = sg.parseRevoke(groupId, request);
    return this.network.revoke(checked.groupId, checked.request, true);
  }
  describeSecurityGroupRules(request: sg.DescribeSecurityGroupRulesRequest = {}): SecurityGroupRule[] {
    return this.network.describeSecurityGroupRules(sg.parseDescribeSecurityGroupRules(request));
  }

  // Network interfaces (made and deleted with their instances).
  describeNetworkInterfaces(request: vpc.DescribeNetworkInterfacesRequest = {}): NetworkInterface[] {
    return this.network.describeNetworkInterfaces(vpc.parseDescribeNetworkInterfaces(request));
  }
}

const noTags: readonly Tag[] = [];

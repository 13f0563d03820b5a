import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../shared/errors.ts";
import {
  parseAssociateRouteTable,
  parseCreateRoute,
  parseCreateSubnet,
  parseCreateVpc,
  parseDeleteRoute,
  parseDescribeSubnets,
  parseDescribeVpcs,
  parseGatewayAndVpc,
  parseModifySubnetAttribute,
} from "./vpc.ts";
import { expectRefused } from "./testing.ts";

const VPC_ID = "vpc-0123456789abcdef0";
const SUBNET_ID = "subnet-0123456789abcdef0";
const RTB_ID = "rtb-0123456789abcdef0";
const IGW_ID = "igw-0123456789abcdef0";

describe("parseCreateVpc", () => {
  it.each([["10.0.0.0/16"], ["192.168.0.0/28"], ["172.16.0.0/20"]])("takes %s", (cidrBlock) => {
    expect(parseCreateVpc({ cidrBlock })).toEqual({ cidrBlock });
  });

  it.each([
    ["a block larger than /16", "10.0.0.0/8", "InvalidVpc.Range", /\/16.*\/28/],
    ["a block smaller than /28", "10.0.0.0/29", "InvalidVpc.Range", /\/16.*\/28/],
    ["an address that is not the network's", "10.0.0.5/16", "InvalidParameterValue", /not a valid CIDR block/],
    ["no prefix", "10.0.0.0", "InvalidParameterValue", /not a valid CIDR block/],
    ["an octet over 255", "300.0.0.0/16", "InvalidParameterValue", /not a valid CIDR block/],
  ])("refuses %s", (_, cidrBlock, code, message) => {
    expectRefused(() => parseCreateVpc({ cidrBlock }), code as ErrorCode, message);
  });

  it("refuses a missing block and unknown parameters", () => {
    expectRefused(() => parseCreateVpc({}), "MissingParameter", /cidrBlock/);
    expectRefused(() => parseCreateVpc({ cidrBlock: "10.0.0.0/16", CidrBlock: "x" }), "InvalidParameterValue", /CidrBlock is not known/);
  });
});

describe("parseCreateSubnet", () => {
  it("takes a block and a known zone", () => {
    const request = { vpcId: VPC_ID, cidrBlock: "10.0.1.0/24", availabilityZone: "us-east-1b" };
    expect(parseCreateSubnet(request)).toEqual(request);
  });

  it.each([
    ["a block larger than /16", { vpcId: VPC_ID, cidrBlock: "10.0.0.0/15" }, "InvalidSubnet.Range", /\/16/],
    ["a malformed VPC id", { vpcId: "vpc-1", cidrBlock: "10.0.0.0/24" }, "InvalidVpcID.Malformed", /vpc-1/],
    ["an unknown zone", { vpcId: VPC_ID, cidrBlock: "10.0.0.0/24", availabilityZone: "eu-west-1a" }, "InvalidParameterValue", /us-east-1a/],
  ])("refuses %s", (_, request, code, message) => {
    expectRefused(() => parseCreateSubnet(request), code as ErrorCode, message);
  });
});

describe("the other VPC requests", () => {
  it("check ids by their prefix", () => {
    expectRefused(() => parseGatewayAndVpc("igw-x", VPC_ID), "InvalidInternetGatewayID.Malformed", /igw-x/);
    expectRefused(() => parseAssociateRouteTable(RTB_ID, "sub-1"), "InvalidSubnetID.Malformed", /sub-1/);
    expectRefused(
      () => parseCreateRoute("rtb", { destinationCidrBlock: "0.0.0.0/0", gatewayId: IGW_ID }),
      "InvalidRouteTableID.Malformed",
      /rtb/,
    );
  });

  it("check a route's destination", () => {
    expect(parseCreateRoute(RTB_ID, { destinationCidrBlock: "0.0.0.0/0", gatewayId: IGW_ID }).request.destinationCidrBlock).toBe(
      "0.0.0.0/0",
    );
    expectRefused(() => parseDeleteRoute(RTB_ID, "0.0.0.1/0"), "InvalidParameterValue", /not a valid CIDR block/);
  });

  it("take MapPublicIpOnLaunch as true or false only", () => {
    expect(parseModifySubnetAttribute(SUBNET_ID, { mapPublicIpOnLaunch: true }).request).toEqual({ mapPublicIpOnLaunch: true });
    expectRefused(() => parseModifySubnetAttribute(SUBNET_ID, { mapPublicIpOnLaunch: "yes" }), "InvalidParameterType", /true or false/);
  });

  it("take filters by the names each Describe knows, and tags", () => {
    expect(
      parseDescribeSubnets({
        filters: [
          { name: "vpc-id", values: [VPC_ID] },
          { name: "tag:Name", values: ["a"] },
        ],
      }).filters,
    ).toHaveLength(2);
    expectRefused(
      () => parseDescribeVpcs({ filters: [{ name: "subnet-id", values: [] }] }),
      "InvalidParameterValue",
      /filter 'subnet-id' is invalid/,
    );
    expectRefused(() => parseDescribeVpcs({ vpcIds: ["vpc-"] }), "InvalidVpcID.Malformed", /vpc-/);
  });
});

/**
 * The hypervisor's public surface: the only module of src/hypervisor that the rest of the app
 * (the console, the labs, the benchmarks' page) imports. The browser's constructor is in
 * browser.ts and the Node one (tests, benchmarks) in node.ts; README.md says which module
 * inside owns which EC2 resource.
 */
export {
  Hypervisor,
  type DescribeInstancesRequest,
  type HostCapacity,
  type ServiceQuota,
  type HypervisorEvent,
  type RunInstancesRequest,
} from "./hypervisor.ts";
export { nameTag, NO_NETWORK, type Instance, type InstanceStateName } from "./instances/instance.ts";
export { DEFAULT_INSTANCE_TYPE, findInstanceType, INSTANCE_TYPES, type InstanceType } from "./instances/instanceTypes.ts";
export { DEFAULT_TERMINAL_SIZE, instanceKernelCommandLine, type TerminalSize } from "./instances/kernelCommandLine.ts";
export { decide, unavailableBecause, type LifecycleAction } from "./instances/lifecycle.ts";
export { MAX_VOLUME_MIB, MIN_VOLUME_MIB, ROOT_DEVICE, type Snapshot, type StorageBill, type Volume } from "./ebs/volumes.ts";
export { EBS_PRICE_PER_GIB_MONTH_USD, SNAPSHOT_PRICE_PER_GIB_MONTH_USD, type Bill } from "./metering/meter.ts";
export type { MetricSample } from "./metering/monitoring.ts";
export { instanceFootprintMib } from "./capacity/memoryBudget.ts";
export { newInstanceId } from "./resourceIds.ts";
export type { WorkerHost } from "./platform/workerHost.ts";
export type { ImageDescription } from "../images/imageRepository.ts";
export type { FastLaunchImage, GoldenStateSummary } from "./golden/goldenStates.ts";
export { VOLUME_TEMPLATE_SIZES_MIB } from "../images/volumeTemplates.ts";

/**
 * The types of the other requests and answers of the public methods, for callers that name them.
 * @public
 */
export type { InstanceStateChange, Tag } from "./instances/instance.ts";
/** @public */
export type { InstanceFacts, LifecycleDecision } from "./instances/lifecycle.ts";
/** @public */
export type { ModifyInstanceAttributeRequest } from "./hypervisor.ts";
/** @public */
export type { LoadOptions } from "../images/imageRepository.ts";

/** The network: the region and zones, EC2's VPC resources and the shapes of their requests. */
export { AVAILABILITY_ZONES } from "./vpc/zones.ts";
/** @public */
export type {
  Filter,
  InternetGateway,
  NetworkInterface,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  Vpc,
} from "./vpc/describe.ts";
/** @public */
export type { IpPermission, IpPermissionRequest, IpRange, UserIdGroupPair } from "./vpc/permissions.ts";
/** @public */
export type {
  CreateInternetGatewayRequest,
  CreateRouteRequest,
  CreateRouteTableRequest,
  CreateSubnetRequest,
  CreateVpcRequest,
  DescribeInternetGatewaysRequest,
  DescribeNetworkInterfacesRequest,
  DescribeRouteTablesRequest,
  DescribeSubnetsRequest,
  DescribeVpcsRequest,
  ModifySubnetAttributeRequest,
} from "./requests/vpc.ts";
/** @public */
export type {
  AuthorizeSecurityGroupRequest,
  CreateSecurityGroupRequest,
  DescribeSecurityGroupRulesRequest,
  DescribeSecurityGroupsRequest,
  RevokeSecurityGroupRequest,
} from "./requests/securityGroups.ts";
export { publicRouteUrl } from "../net/publicRoute.ts";

/** Launch templates: EC2's LaunchTemplate and LaunchTemplateVersion, and the shapes of their requests. */
/** @public */
export type { LaunchTemplate, LaunchTemplateVersion } from "./templates/model.ts";
export { TEMPLATE_ID_TAG } from "./templates/launchTemplates.ts";
/** @public */
export type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateVersionRequest,
  DeleteLaunchTemplateRequest,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplateVersionsRequest,
  LaunchTemplateData,
  ModifyLaunchTemplateRequest,
} from "./requests/launchTemplates.ts";
/** @public */
export type { LaunchTemplateSpecification, TemplateVersion } from "./requests/templateSpecifier.ts";

/** Copying files into and out of running instances, through the public API (files/). */
export { FileTransfers } from "./files/fileTransfers.ts";
/** The part sizes a transfer uses, for the benchmark that measured them. */
export { DOWNLOAD_CHUNK_BYTES, UPLOAD_CHUNK_BYTES } from "./files/transferPlan.ts";
export type { DownloadedPath, TransferProgress } from "./files/fileTransfers.ts";

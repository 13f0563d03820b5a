/**
 * Errors that reach a person. Codes follow EC2's API so that what is learnt here holds there.
 * A CloudError is plain data (it crosses worker boundaries by structured clone);
 * Ec2Error wraps it for code that prefers exceptions, as the AWS SDKs do.
 */
export type ErrorCode =
  | "InvalidParameterValue"
  | "MissingParameter"
  | "InvalidInstanceID.NotFound"
  | "InvalidInstanceID.Malformed"
  | "InvalidAMIID.NotFound"
  | "InvalidAMIID.Malformed"
  | "IncorrectInstanceState"
  | "InsufficientInstanceCapacity"
  | "InstanceLimitExceeded"
  | "UnsupportedOperation"
  | "VPCIdNotSpecified"
  | "OperationNotPermitted"
  | "ImageIntegrityError"
  | "ImageDownloadError"
  | "InstanceBootFailure"
  | "GuestAgentTimeout"
  | "GuestAgentError"
  | "InvalidVolume.NotFound"
  | "InvalidVolumeID.Malformed"
  | "InvalidSnapshot.NotFound"
  | "InvalidSnapshotID.Malformed"
  | "InvalidSnapshot.InUse"
  | "IncorrectState"
  | "VolumeInUse"
  | "InvalidDevice.InUse"
  | "InvalidAMIID.Unavailable"
  | "StorageQuotaExceeded"
  | "StorageError"
  | "DownloadCancelled"
  // Copying files in and out of an instance (hypervisor/files/).
  | "InsufficientFreeSpace"
  | "TransferCancelled"
  | "DryRunOperation"
  | "InternalError"
  | "InvalidParameterType"
  | "InvalidParameterCombination"
  | "UnsupportedHibernationConfiguration"
  // VPCs, subnets, gateways, route tables, security groups and network interfaces.
  | "DependencyViolation"
  | "InvalidVpcID.NotFound"
  | "InvalidVpcID.Malformed"
  | "InvalidVpc.Range"
  | "InvalidSubnetID.NotFound"
  | "InvalidSubnetID.Malformed"
  | "InvalidSubnet.Range"
  | "InvalidSubnet.Conflict"
  | "InvalidInternetGatewayID.NotFound"
  | "InvalidInternetGatewayID.Malformed"
  | "Gateway.NotAttached"
  | "Resource.AlreadyAssociated"
  | "InvalidRouteTableID.NotFound"
  | "InvalidRouteTableID.Malformed"
  | "InvalidAssociationID.NotFound"
  | "InvalidAssociationID.Malformed"
  | "InvalidRoute.NotFound"
  | "RouteAlreadyExists"
  | "InvalidGroup.NotFound"
  | "InvalidGroupId.Malformed"
  | "InvalidGroup.Duplicate"
  | "CannotDelete"
  | "InvalidPermission.Duplicate"
  | "InvalidPermission.NotFound"
  | "InvalidSecurityGroupRuleId.NotFound"
  | "InvalidSecurityGroupRuleId.Malformed"
  | "RulesPerSecurityGroupLimitExceeded"
  | "InvalidNetworkInterfaceID.NotFound"
  | "InvalidNetworkInterfaceID.Malformed"
  | "InvalidIPAddress.InUse"
  | "InsufficientFreeAddressesInSubnet"
  // Launch templates.
  | "InvalidLaunchTemplateId.Malformed"
  | "InvalidLaunchTemplateId.NotFound"
  | "InvalidLaunchTemplateId.VersionNotFound"
  | "InvalidLaunchTemplateName.MalformedException"
  | "InvalidLaunchTemplateName.NotFoundException"
  | "InvalidLaunchTemplateName.AlreadyExistsException";

export interface CloudError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CloudError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

export class Ec2Error extends Error implements CloudError {
  override readonly name = "Ec2Error";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  static from(error: CloudError): Ec2Error {
    return new Ec2Error(error.code, error.message);
  }
}

/** Turns anything thrown into a CloudError, keeping the code when there is one. */
export function toCloudError(thrown: unknown, fallback: ErrorCode = "InternalError"): CloudError {
  if (thrown instanceof Ec2Error) return { code: thrown.code, message: thrown.message };
  if (thrown instanceof Error) return { code: fallback, message: thrown.message };
  return { code: fallback, message: String(thrown) };
}

/** Unwraps a Result, throwing its error as an Ec2Error. */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw Ec2Error.from(result.error);
}

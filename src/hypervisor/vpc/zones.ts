/**
 * Where the lab's network lives: one region and its availability zones, fixed, so that private
 * DNS names, metadata and subnets read as they would in a real account.
 */
export const REGION = "us-east-1";
export const AVAILABILITY_ZONES: readonly string[] = ["us-east-1a", "us-east-1b", "us-east-1c"];
/** The default VPC's block, as in every AWS account. */
export const DEFAULT_VPC_CIDR = "172.31.0.0/16";

/**
 * What the instance metadata service knows about one instance, as the folders and values of its
 * paths under /latest/ (the names and formats of EC2's: listings name folders with a trailing "/",
 * values have no trailing newline). Only the paths that apply exist: public-ipv4 without a public
 * address, tags/ without instanceMetadataTags, user-data without user data are all 404s.
 */
import { privateDomainName, privateHostName } from "../packets/dhcp.ts";
import type { PortConfig } from "../topology.ts";

/** The facts about an instance that the service answers from: its port and the CIDR blocks around it. */
export interface ImdsInstance {
  readonly port: PortConfig;
  readonly subnetCidrBlock: string;
  readonly vpcCidrBlock: string;
  /** The AWS account id in the identity document and owner-id; the lab has no accounts, so one stands for all. */
  readonly accountId?: string;
}

const DEFAULT_ACCOUNT_ID = "123456789012";

export type MetadataNode =
  | { readonly kind: "value"; readonly text: string; readonly contentType: string }
  | {
      readonly kind: "folder";
      readonly entries: ReadonlyMap<string, MetadataNode>;
      /** EC2's top listings (/ and /latest/) name their folders without the trailing "/". */
      readonly bareNames?: boolean;
    };

const TEXT = "text/plain";

function value(text: string, contentType = TEXT): MetadataNode {
  return { kind: "value", text, contentType };
}

function folder(entries: readonly (readonly [string, MetadataNode | null])[], bareNames = false): MetadataNode {
  const kept = entries.filter((entry): entry is readonly [string, MetadataNode] => entry[1] !== null);
  return { kind: "folder", entries: new Map(kept), ...(bareNames ? { bareNames } : {}) };
}

function dotted(ip: string): number {
  return ip.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** "ec2-54-1-2-3.compute-1.amazonaws.com" in us-east-1, "ec2-….<region>.compute.amazonaws.com" elsewhere. */
function publicHostName(publicIp: string, region: string): string {
  const domain = region === "us-east-1" ? "compute-1.amazonaws.com" : `${region}.compute.amazonaws.com`;
  return `ec2-${publicIp.replaceAll(".", "-")}.${domain}`;
}

/** The instance identity document, formatted as EC2 writes it (two spaces, " : "). */
function identityDocument(instance: ImdsInstance): string {
  const { metadata } = instance.port;
  const fields: readonly (readonly [string, string | null])[] = [
    ["accountId", instance.accountId ?? DEFAULT_ACCOUNT_ID],
    // v86 emulates a 32-bit x86 machine.
    ["architecture", "i386"],
    ["availabilityZone", metadata.availabilityZone],
    ["billingProducts", null],
    ["devpayProductCodes", null],
    ["marketplaceProductCodes", null],
    ["imageId", metadata.imageId],
    ["instanceId", metadata.instanceId],
    ["instanceType", metadata.instanceType],
    ["kernelId", null],
    ["pendingTime", metadata.launchTime.replace(/\.\d+Z$/, "Z")],
    ["privateIp", instance.port.privateIpAddress],
    ["ramdiskId", null],
    ["region", metadata.region],
    ["version", "2017-09-30"],
  ];
  return `{\n${fields.map(([key, text]) => `  ${JSON.stringify(key)} : ${text === null ? "null" : JSON.stringify(text)}`).join(",\n")}\n}`;
}

export function metadataTree(instance: ImdsInstance): MetadataNode {
  const { port } = instance;
  const { metadata } = port;
  const localHostname = `${privateHostName(dotted(port.privateIpAddress))}.${privateDomainName(metadata.region)}`;
  const publicIp = port.publicIpAddress;
  const publicHostname = publicIp === null ? null : publicHostName(publicIp, metadata.region);
  const accountId = instance.accountId ?? DEFAULT_ACCOUNT_ID;
  const mac = port.macAddress;

  const macFolder = folder([
    ["device-number", value("0")],
    ["interface-id", value(port.networkInterfaceId)],
    ["ipv4-associations", publicIp === null ? null : folder([[publicIp, value(port.privateIpAddress)]])],
    ["local-hostname", value(localHostname)],
    ["local-ipv4s", value(port.privateIpAddress)],
    ["mac", value(mac)],
    ["owner-id", value(accountId)],
    ["public-hostname", publicHostname === null ? null : value(publicHostname)],
    ["public-ipv4s", publicIp === null ? null : value(publicIp)],
    ["security-group-ids", value(port.securityGroupIds.join("\n"))],
    ["security-groups", value(metadata.securityGroupNames.join("\n"))],
    ["subnet-id", value(port.subnetId)],
    ["subnet-ipv4-cidr-block", value(instance.subnetCidrBlock)],
    ["vpc-id", value(port.vpcId)],
    ["vpc-ipv4-cidr-block", value(instance.vpcCidrBlock)],
    ["vpc-ipv4-cidr-blocks", value(instance.vpcCidrBlock)],
  ]);

  const tags =
    metadata.options.instanceMetadataTags === "enabled"
      ? folder([["instance", folder(metadata.tags.map((tag) => [tag.key, value(tag.value)]))]])
      : null;

  const metaData = folder([
    ["ami-id", value(metadata.imageId)],
    ["ami-launch-index", value("0")],
    ["hostname", value(localHostname)],
    ["instance-action", value("none")],
    ["instance-id", value(metadata.instanceId)],
    ["instance-life-cycle", value("on-demand")],
    ["instance-type", value(metadata.instanceType)],
    ["local-hostname", value(localHostname)],
    ["local-ipv4", value(port.privateIpAddress)],
    ["mac", value(mac)],
    ["network", folder([["interfaces", folder([["macs", folder([[mac, macFolder]])]])]])],
    [
      "placement",
      folder([
        ["availability-zone", value(metadata.availabilityZone)],
        ["region", value(metadata.region)],
      ]),
    ],
    ["public-hostname", publicHostname === null ? null : value(publicHostname)],
    ["public-ipv4", publicIp === null ? null : value(publicIp)],
    ["security-groups", value(metadata.securityGroupNames.join("\n"))],
    [
      "services",
      folder([
        ["domain", value("amazonaws.com")],
        ["partition", value("aws")],
      ]),
    ],
    ["tags", tags],
  ]);

  const latest = folder(
    [
      ["dynamic", folder([["instance-identity", folder([["document", value(identityDocument(instance))]])]])],
      ["meta-data", metaData],
      ["user-data", metadata.userData === null ? null : value(metadata.userData, "application/octet-stream")],
    ],
    true,
  );
  return folder([["latest", latest]], true);
}

/** The node at a path ("/latest/meta-data/mac"), or null: a value asked for as a folder ("mac/") is not there. */
export function lookup(root: MetadataNode, path: string): MetadataNode | null {
  const asFolder = path.endsWith("/");
  let names: string[];
  try {
    names = path
      .split("/")
      .filter((name) => name !== "")
      .map((name) => decodeURIComponent(name));
  } catch {
    return null; // a broken %-escape names nothing
  }
  let node: MetadataNode = root;
  for (const name of names) {
    if (node.kind !== "folder") return null;
    const next = node.entries.get(name);
    if (!next) return null;
    node = next;
  }
  return asFolder && node.kind === "value" ? null : node;
}

/** A folder's listing: one name a line, folders with "/" (except in the top listings). */
export function listing(node: Extract<MetadataNode, { kind: "folder" }>): string {
  return [...node.entries].map(([name, child]) => (child.kind === "folder" && !node.bareNames ? `${name}/` : name)).join("\n");
}

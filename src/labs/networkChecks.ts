/**
 * Checks of the network a person can see from outside the guest: whether the internet (the
 * browser) gets the instance's web page through its public address, and whether its security
 * groups hold an inbound rule. Both ask the hypervisor, never the guest.
 */
import type { Hypervisor, Instance, IpPermission } from "../hypervisor/index.ts";
import type { InstanceLookup } from "./placeholders.ts";
import type { PublicHttpCheck, SecurityGroupRuleCheck } from "./schema.ts";

/** What the network checks read from the hypervisor. */
export type NetworkLabHost = Pick<Hypervisor, "describeSecurityGroups" | "requestPublicAddress">;

type Verdict<R> = (passed: boolean, message: string) => R;

/** Most of an answer's body quoted in a message. */
const QUOTED_BODY_CHARS = 120;

/**
 * Asks for the page as the browser's Open address does. A request the security groups drop
 * fails after the fabric's short wait for a dropped SYN (about 3 s), not a browser's minute.
 */
export async function judgePublicHttp<R>(
  host: NetworkLabHost,
  lookup: InstanceLookup,
  check: PublicHttpCheck,
  result: Verdict<R>,
): Promise<R> {
  const { instance, who } = lookup(check.instance);
  const served = (check.expect ?? "served") === "served";
  const port = check.port ?? 80;
  const path = check.path ?? "/";
  if (!instance) return result(false, `${who} does not exist yet.`);
  const unreachableBecause = noPublicAddress(instance, who);
  if (unreachableBecause !== null) return result(!served, unreachableBecause);
  const url = `http://${instance.publicIpAddress}${port === 80 ? "" : `:${port}`}${path}`;
  const answer = await host.requestPublicAddress({
    publicIp: instance.publicIpAddress as string,
    port,
    method: "GET",
    path,
    headers: [],
    body: null,
  });
  if (answer.ok) {
    if (!served) return result(false, `${url} answered ${answer.status} ${answer.statusText}: the internet still reaches the instance.`);
    const body = new TextDecoder().decode(answer.body);
    if (answer.status < 200 || answer.status > 299)
      return result(false, `${url} answered ${answer.status} ${answer.statusText}: the web server runs, but has no page there.`);
    if (check.contains !== undefined && !body.includes(check.contains))
      return result(false, `${url} answered, but its page does not contain "${check.contains}" (it begins: ${quote(body)}).`);
    return result(true, `${url} answered ${answer.status}${check.contains !== undefined ? ` with "${check.contains}"` : ""}.`);
  }
  switch (answer.code) {
    case "Blocked":
      return served
        ? result(
            false,
            `The request from the internet to ${url} timed out: does the instance's security group allow TCP port ${port} from 0.0.0.0/0?`,
          )
        : result(true, `The request from the internet to ${url} timed out: no security group rule lets it in.`);
    case "NoSuchAddress":
      return result(!served, `Nothing answers at ${url}: ${answer.message}`);
    case "ConnectionRefused":
      return result(
        false,
        served
          ? `The request reached ${who}, but nothing listens on port ${port}: start the web server.`
          : `The request reached ${who} (its security groups let it in), though nothing listens on port ${port}.`,
      );
    default:
      return result(false, `${url}: ${answer.message}`);
  }
}

/** Why the internet cannot reach the instance whatever its groups say, or null when it could. */
function noPublicAddress(instance: Instance, who: string): string | null {
  if (instance.state.name !== "running") return `${who} is ${instance.state.name}: only a running instance has a public address.`;
  if (instance.publicIpAddress === null)
    return `${who} has no public IPv4 address (it was launched without one, or in a private subnet): the internet cannot reach it.`;
  return null;
}

/** Whether one of the instance's security groups has an inbound rule admitting the protocol and port from the source. */
export async function judgeSecurityGroupRule<R>(
  host: NetworkLabHost,
  lookup: InstanceLookup,
  check: SecurityGroupRuleCheck,
  result: Verdict<R>,
): Promise<R> {
  const { instance, who } = lookup(check.instance);
  if (!instance) return result(false, `${who} does not exist yet.`);
  const protocol = check.protocol ?? "tcp";
  const wanted = check.allowed ?? true;
  let sourceGroups: readonly string[] = [];
  let source = check.cidr ?? "";
  if (check.sourceInstance !== undefined) {
    const peer = lookup(check.sourceInstance);
    if (!peer.instance) return result(false, `${peer.who} does not exist yet.`);
    sourceGroups = peer.instance.securityGroups.map((group) => group.groupId);
    source = `the security group of ${check.sourceInstance} (${sourceGroups.join(", ") || "none"})`;
  }
  const groupIds = instance.securityGroups.map((group) => group.groupId);
  const groups = groupIds.length > 0 ? host.describeSecurityGroups({ groupIds }) : [];
  const admitting = groups.find((group) =>
    group.ipPermissions.some(
      (permission) =>
        covers(permission, protocol, check.port) &&
        (check.cidr !== undefined
          ? permission.ipRanges.some((range) => range.cidrIp === check.cidr)
          : permission.userIdGroupPairs.some((pair) => sourceGroups.includes(pair.groupId))),
    ),
  );
  const what = `${protocol.toUpperCase()} port ${check.port} from ${source}`;
  const names = groups.map((group) => `${group.groupName} (${group.groupId})`).join(", ") || "none";
  if (admitting) return result(wanted, `${admitting.groupName} (${admitting.groupId}) of ${who} allows inbound ${what}.`);
  return result(!wanted, `No security group of ${who} allows inbound ${what} (its groups: ${names}).`);
}

function covers(permission: IpPermission, protocol: "tcp" | "udp", port: number): boolean {
  if (permission.ipProtocol === "-1") return true;
  if (permission.ipProtocol !== protocol) return false;
  return (permission.fromPort ?? 0) <= port && port <= (permission.toPort ?? 65_535);
}

function quote(body: string): string {
  const flat = body.trim().replace(/\s+/g, " ");
  return flat.length > QUOTED_BODY_CHARS ? `${flat.slice(0, QUOTED_BODY_CHARS)}…` : flat || "(empty)";
}

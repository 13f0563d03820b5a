/**
 * EC2's security group actions as pure functions over the network's state: groups, and their
 * rules authorized and revoked in EC2's IpPermissions shape (already turned into one rule per
 * peer by the request's parser, permissions.ts). A rule's group peer must be a group of the same
 * VPC; a group another group's rule names, or an interface uses, cannot be deleted.
 */
import { Ec2Error } from "../../shared/errors.ts";
import type { CreateSecurityGroupRequest, RevokeRequest } from "../requests/securityGroups.ts";
import type { ActionContext, Outcome } from "./context.ts";
import { ChangeSet, type RuleRecord, type SecurityGroupRecord } from "./model.ts";
import { describeRule, ruleKey, type RuleSpec } from "./permissions.ts";
import { allEgress } from "./vpcActions.ts";

/** EC2's default quota of rules per direction of one group. */
const MAX_RULES_PER_DIRECTION = 60;

/** A new group: all traffic out, nothing in. In the default VPC when no VPC is named. */
export function createSecurityGroup(context: ActionContext, request: CreateSecurityGroupRequest): Outcome<SecurityGroupRecord> {
  const { state } = context;
  const vpcId = request.vpcId ?? state.defaultVpc()?.id;
  if (vpcId === undefined) throw new Ec2Error("MissingParameter", "There is no default VPC: name the VPC of the security group (vpcId).");
  state.get("vpc", vpcId);
  const taken = state.groupsOf(vpcId).find((group) => group.groupName === request.groupName);
  if (taken)
    throw new Ec2Error(
      "InvalidGroup.Duplicate",
      `The security group '${request.groupName}' already exists for VPC '${vpcId}' (${taken.id}).`,
    );
  const group: SecurityGroupRecord = {
    kind: "sg",
    id: context.newId("sg"),
    vpcId,
    groupName: request.groupName,
    description: request.description,
    isDefault: false,
    rules: [allEgress(context)],
    tags: request.tags ?? [],
  };
  return { change: new ChangeSet().put(group), result: group };
}

export function deleteSecurityGroup(context: ActionContext, groupId: string): Outcome<void> {
  const { state } = context;
  const group = state.get("sg", groupId);
  if (group.isDefault)
    throw new Ec2Error("CannotDelete", `The security group '${group.id}' is the default group of ${group.vpcId}: it goes with its VPC.`);
  const users = state.all("eni").filter((eni) => eni.groupIds.includes(groupId));
  if (users.length > 0) {
    const named = users.map((eni) => eni.instanceId ?? eni.id).join(", ");
    throw new Ec2Error("DependencyViolation", `The security group '${groupId}' is in use by ${named}: change their groups first.`);
  }
  const referrers = state
    .all("sg")
    .filter((other) => other.id !== groupId && other.rules.some((rule) => "groupId" in rule.peer && rule.peer.groupId === groupId));
  if (referrers.length > 0)
    throw new Ec2Error(
      "DependencyViolation",
      `The security group '${groupId}' is named by rules of ${referrers.map((other) => other.id).join(", ")}: revoke those rules first.`,
    );
  return { change: new ChangeSet().delete(groupId), result: undefined };
}

/** Adds rules to one direction of a group; a rule it has already is InvalidPermission.Duplicate. */
export function authorize(context: ActionContext, groupId: string, specs: readonly RuleSpec[], isEgress: boolean): Outcome<RuleRecord[]> {
  const { state } = context;
  const group = state.get("sg", groupId);
  for (const spec of specs) {
    if (!("groupId" in spec.peer)) continue;
    const peer = state.get("sg", spec.peer.groupId);
    if (peer.vpcId !== group.vpcId)
      throw new Ec2Error(
        "InvalidGroup.NotFound",
        `The security group '${peer.id}' is in ${peer.vpcId}, not in ${group.vpcId}: a rule names groups of its own VPC.`,
      );
  }
  const existing = new Set(group.rules.filter((rule) => rule.isEgress === isEgress).map(ruleKey));
  const duplicate = specs.find((spec) => existing.has(ruleKey(spec)));
  if (duplicate)
    throw new Ec2Error("InvalidPermission.Duplicate", `The rule ${describeRule(duplicate, isEgress)} already exists in ${group.id}.`);
  if (existing.size + specs.length > MAX_RULES_PER_DIRECTION)
    throw new Ec2Error(
      "RulesPerSecurityGroupLimitExceeded",
      `A security group has at most ${MAX_RULES_PER_DIRECTION} ${isEgress ? "outbound" : "inbound"} rules; ${group.id} has ${existing.size}.`,
    );
  const added = specs.map((spec): RuleRecord => ({ ...spec, ruleId: context.newId("sgr"), isEgress }));
  return { change: new ChangeSet().put({ ...group, rules: [...group.rules, ...added] }), result: added };
}

/** Removes rules from one direction of a group, given as IpPermissions or by id; one it does not have is InvalidPermission.NotFound. */
export function revoke(context: ActionContext, groupId: string, request: RevokeRequest, isEgress: boolean): Outcome<void> {
  const group = context.state.get("sg", groupId);
  const rules = group.rules.filter((rule) => rule.isEgress === isEgress);
  const removed = new Set<string>();
  for (const spec of request.rules) {
    const key = ruleKey(spec);
    const rule = rules.find((candidate) => ruleKey(candidate) === key);
    if (!rule) throw new Ec2Error("InvalidPermission.NotFound", `The rule ${describeRule(spec, isEgress)} does not exist in ${group.id}.`);
    removed.add(rule.ruleId);
  }
  for (const ruleId of request.securityGroupRuleIds) {
    if (!rules.some((rule) => rule.ruleId === ruleId))
      throw new Ec2Error(
        "InvalidSecurityGroupRuleId.NotFound",
        `The ${isEgress ? "outbound" : "inbound"} rule '${ruleId}' does not exist in ${group.id}.`,
      );
    removed.add(ruleId);
  }
  const kept = group.rules.filter((rule) => !removed.has(rule.ruleId));
  return { change: new ChangeSet().put({ ...group, rules: kept }), result: undefined };
}

/**
 * The requests of EC2's security group actions: groups, their rules in EC2's IpPermissions shape
 * (turned here into one rule per source, with EC2's checks of protocols, ports and CIDRs), and
 * describing rules. Whether a group exists, or a rule is already there, is the action's question.
 */
import * as v from "valibot";
import type { Tag } from "../instances/instance.ts";
import { SECURITY_GROUP_FILTERS, SECURITY_GROUP_RULE_FILTERS, type Filter } from "../vpc/describe.ts";
import {
  MAX_RULE_DESCRIPTION_CHARS,
  ruleSpecsOf,
  type IpPermissionRequest,
  type IpRange,
  type RuleSpec,
  type UserIdGroupPair,
} from "../vpc/permissions.ts";
import { describedIds, optionalRequest, requestObject, resourceId, TagsSchema, text } from "./common.ts";
import { checkWithCode, parse, type RequestSchema } from "./parse.ts";
import { filtersSchema, VpcIdSchema } from "./vpc.ts";

export const GroupIdSchema = resourceId("sg", "InvalidGroupId.Malformed", "a security group id");
const SecurityGroupRuleIdSchema = resourceId("sgr", "InvalidSecurityGroupRuleId.Malformed", "a security group rule id");

export interface CreateSecurityGroupRequest {
  readonly groupName: string;
  readonly description: string;
  /** Left out, the default VPC. */
  readonly vpcId?: string;
  readonly tags?: readonly Tag[];
}

export interface DescribeSecurityGroupsRequest {
  readonly groupIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

export interface DescribeSecurityGroupRulesRequest {
  readonly securityGroupRuleIds?: readonly string[];
  readonly filters?: readonly Filter[];
}

export interface AuthorizeSecurityGroupRequest {
  readonly ipPermissions: readonly IpPermissionRequest[];
}

export interface RevokeSecurityGroupRequest {
  readonly ipPermissions?: readonly IpPermissionRequest[];
  readonly securityGroupRuleIds?: readonly string[];
}

/** A revoke as the action takes it: the rules by what they allow, and rules by id. */
export interface RevokeRequest {
  readonly rules: readonly RuleSpec[];
  readonly securityGroupRuleIds: readonly string[];
}

/** The characters EC2 allows in a VPC security group's name and description. */
const GROUP_TEXT = /^[A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
const GROUP_TEXT_RULE = "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*";

const GroupNameSchema = v.pipe(
  v.string(),
  v.check(
    (name: string) => name.length >= 1 && name.length <= 255 && GROUP_TEXT.test(name),
    `A group name is 1 to 255 ${GROUP_TEXT_RULE}.`,
  ),
  v.check((name: string) => !name.toLowerCase().startsWith("sg-"), "A group name cannot start with sg- (that is how group ids start)."),
  v.check((name: string) => name !== "default", "The name default is the VPC's default group's: pick another."),
);

const GroupDescriptionSchema = v.pipe(
  v.string(),
  v.check(
    (description: string) => description.length >= 1 && description.length <= 255 && GROUP_TEXT.test(description),
    `A group's description is 1 to 255 ${GROUP_TEXT_RULE}.`,
  ),
);

const RuleDescriptionSchema = text(MAX_RULE_DESCRIPTION_CHARS, `A rule's description is at most ${MAX_RULE_DESCRIPTION_CHARS} characters.`);

const IpPermissionSchema = requestObject<IpPermissionRequest>(
  {
    ipProtocol: v.union([v.string(), v.number()], "a protocol: tcp, udp, icmp, -1 (all), or 6, 17, 1"),
    fromPort: v.optional(v.number()),
    toPort: v.optional(v.number()),
    ipRanges: v.optional(
      v.pipe(
        v.array(requestObject<IpRange>({ cidrIp: v.string(), description: v.optional(RuleDescriptionSchema) }, "an IP range ({ cidrIp })")),
        v.maxLength(60, "At most 60 sources in one permission."),
      ),
    ),
    userIdGroupPairs: v.optional(
      v.pipe(
        v.array(
          requestObject<UserIdGroupPair>(
            { groupId: GroupIdSchema, description: v.optional(RuleDescriptionSchema) },
            "a group ({ groupId })",
          ),
        ),
        v.maxLength(60, "At most 60 sources in one permission."),
      ),
    ),
  },
  "an IpPermission ({ ipProtocol, fromPort, toPort, ipRanges, userIdGroupPairs })",
);

const IpPermissionsSchema = v.pipe(
  v.array(IpPermissionSchema, "a list of IpPermissions"),
  v.maxLength(60, "At most 60 permissions in one request."),
);

const CreateSecurityGroupSchema = requestObject<CreateSecurityGroupRequest>({
  groupName: GroupNameSchema,
  description: GroupDescriptionSchema,
  vpcId: v.optional(VpcIdSchema),
  tags: v.optional(TagsSchema),
});

export function parseCreateSecurityGroup(request: unknown): CreateSecurityGroupRequest {
  return parse(optionalRequest(CreateSecurityGroupSchema), request, "request");
}

export const parseGroupId = (groupId: unknown): string => parse(GroupIdSchema, groupId, "groupId");

const DescribeSecurityGroupsSchema = requestObject<DescribeSecurityGroupsRequest>({
  groupIds: v.optional(describedIds(GroupIdSchema, "security group id")),
  filters: v.optional(filtersSchema(Object.keys(SECURITY_GROUP_FILTERS))),
});

export function parseDescribeSecurityGroups(request: unknown): DescribeSecurityGroupsRequest {
  return parse(optionalRequest(DescribeSecurityGroupsSchema), request, "request");
}

const DescribeSecurityGroupRulesSchema = requestObject<DescribeSecurityGroupRulesRequest>({
  securityGroupRuleIds: v.optional(describedIds(SecurityGroupRuleIdSchema, "security group rule id")),
  filters: v.optional(filtersSchema(Object.keys(SECURITY_GROUP_RULE_FILTERS))),
});

export function parseDescribeSecurityGroupRules(request: unknown): DescribeSecurityGroupRulesRequest {
  return parse(optionalRequest(DescribeSecurityGroupRulesSchema), request, "request");
}

const AuthorizeSchema: RequestSchema<AuthorizeSecurityGroupRequest> = requestObject<AuthorizeSecurityGroupRequest>({
  ipPermissions: v.pipe(
    IpPermissionsSchema,
    checkWithCode("MissingParameter", (permissions: IpPermissionRequest[]) => permissions.length > 0, "Give at least one IpPermission."),
  ),
});

/** The group and the rules to add, one per source. */
export function parseAuthorize(groupId: unknown, request: unknown): { readonly groupId: string; readonly rules: RuleSpec[] } {
  const checked = { groupId: parseGroupId(groupId), request: parse(optionalRequest(AuthorizeSchema), request, "request") };
  return { groupId: checked.groupId, rules: ruleSpecsOf(checked.request.ipPermissions) };
}

const RevokeSchema = v.pipe(
  requestObject<RevokeSecurityGroupRequest>({
    ipPermissions: v.optional(IpPermissionsSchema),
    securityGroupRuleIds: v.optional(describedIds(SecurityGroupRuleIdSchema, "security group rule id")),
  }),
  checkWithCode(
    "MissingParameter",
    (request: RevokeSecurityGroupRequest) => (request.ipPermissions?.length ?? 0) + (request.securityGroupRuleIds?.length ?? 0) > 0,
    "Give the rules to revoke: ipPermissions, or securityGroupRuleIds.",
  ),
);

export function parseRevoke(groupId: unknown, request: unknown): { readonly groupId: string; readonly request: RevokeRequest } {
  const checked = { groupId: parseGroupId(groupId), request: parse(optionalRequest(RevokeSchema), request, "request") };
  return {
    groupId: checked.groupId,
    request: { rules: ruleSpecsOf(checked.request.ipPermissions ?? []), securityGroupRuleIds: checked.request.securityGroupRuleIds ?? [] },
  };
}

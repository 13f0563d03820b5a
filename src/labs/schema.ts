/**
 * What a lab file may say, as valibot schemas: the front matter, the checks of a step and the
 * actions of its machine-readable solution. Everything here is data: a check or an action names
 * what to look at or do through the hypervisor's API, never code to run on the page.
 */
import * as v from "valibot";
import type { InstanceStateName } from "../hypervisor/index.ts";
import { compileLabPattern } from "./pattern.ts";
import { placeholderProblem } from "./placeholders.ts";

const INSTANCE_STATES: readonly InstanceStateName[] = ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"];

const LAB_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const text = (what: string) => v.pipe(v.string(`must be ${what}`), v.trim(), v.nonEmpty(`must be ${what}`));
const wholeNumber = (min: number, max: number) =>
  v.pipe(
    v.number("must be a whole number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
const bool = v.boolean("must be true or false");
/** A regular expression in RE2's syntax (see pattern.ts), compiled when the lab loads so a bad one is an error then, not at Check. */
const pattern = v.pipe(
  v.string("must be a regular expression in quotes"),
  v.nonEmpty("must be a regular expression in quotes"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const compiled = compileLabPattern(dataset.value);
    if (!compiled.ok) addIssue({ message: compiled.message });
  }),
);
/** Text that may hold placeholders for an instance's facts ({{instanceId}}, {{backend.privateDnsName}}: see placeholders.ts). */
const withPlaceholders = <T extends v.GenericSchema<unknown, string>>(schema: T) =>
  v.pipe(
    schema,
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const problem = placeholderProblem(dataset.value);
      if (problem !== null) addIssue({ message: problem });
    }),
  );
const absolutePath = v.pipe(
  v.string("must be an absolute path, like /root/notes.txt"),
  v.regex(/^\/[^\0\n]*$/, "must be an absolute path, like /root/notes.txt"),
);
const stateName = v.picklist(INSTANCE_STATES, `must be one of ${INSTANCE_STATES.join(", ")}`);
/** The Name tag of an instance the check or action is about; without it, the lab's instance. */
const instanceName = v.optional(text("the Name tag of an instance"));
/** The message of a strict object: a misspelt or unknown field, or not an object at all. */
const fields = (what: string) => (issue: v.StrictObjectIssue) =>
  issue.expected === "never"
    ? `is not a field of ${what} (misspelt?)`
    : issue.input === undefined && issue.path !== undefined
      ? "is missing"
      : `must be ${what}: fields written as name: value`;
const label = v.optional(text("a short sentence"));
const failMessage = v.optional(text("a sentence a person can act on"));

const CommandCheck = v.strictObject(
  {
    kind: v.literal("command"),
    label,
    failMessage,
    instance: instanceName,
    /** Shell command run in the guest through its agent, as root, in /root; placeholders are filled in. */
    run: withPlaceholders(text("a shell command")),
    /** Expected exit code; 0 when neither exitCode nor stdout is given. */
    exitCode: v.optional(wholeNumber(0, 255)),
    /** A regular expression (multiline: ^ and $ match at each line) the command's stdout must match. */
    stdout: v.optional(withPlaceholders(pattern)),
  },
  fields("a check"),
);

const FileCheck = v.strictObject(
  {
    kind: v.literal("file"),
    label,
    failMessage,
    instance: instanceName,
    path: absolutePath,
    /** true (default): the path must exist; false: it must not. */
    exists: v.optional(bool),
    type: v.optional(v.picklist(["file", "directory"], "must be file or directory")),
    /** Text the file must contain (exactly, case and all); placeholders are filled in. */
    contains: v.optional(withPlaceholders(v.pipe(v.string("must be text"), v.nonEmpty("must be text")))),
    /** A regular expression the file's content must match (multiline). */
    matches: v.optional(pattern),
    /** The file must (true) or must not (false) be executable. */
    executable: v.optional(bool),
  },
  fields("a check"),
);

const InstanceCheck = v.strictObject(
  {
    kind: v.literal("instance"),
    label,
    failMessage,
    instance: instanceName,
    /** true (default): the instance must exist (a terminated one still exists while it is listed). */
    exists: v.optional(bool),
    /** The state, or one of several. */
    state: v.optional(
      v.union(
        [stateName, v.pipe(v.array(stateName), v.minLength(1, "must list at least one state"))],
        `must be a state or a list of states: ${INSTANCE_STATES.join(", ")}`,
      ),
    ),
    instanceType: v.optional(text("an instance type")),
    /** ok: both status checks (system and instance) passed. */
    statusChecks: v.optional(v.literal("ok", "must be ok")),
    /** Stopped with its memory saved (true) or not (false). */
    hibernated: v.optional(bool),
    /** Has (true) or has not (false) a public IPv4 address. */
    publicIp: v.optional(bool),
  },
  fields("a check"),
);

const VolumeCheck = v.strictObject(
  {
    kind: v.literal("volume"),
    label,
    failMessage,
    /** The instance the volume is (or is not) attached to; the lab's instance by default. */
    instance: instanceName,
    /** The volume's Name tag; without it, whichever volume is at `device` of the instance. */
    volume: v.optional(text("the Name tag of a volume")),
    /** The device: /dev/sdb (default, the data volume) or /dev/sda (the root volume). */
    device: v.optional(v.picklist(["/dev/sda", "/dev/sdb"], "must be /dev/sda or /dev/sdb")),
    /** true (default): attached to the instance; false: a named volume is available, or nothing is at the device. */
    attached: v.optional(bool),
    minSizeMib: v.optional(wholeNumber(1, 1024)),
  },
  fields("a check"),
);

const BillCheck = v.pipe(
  v.strictObject(
    {
      kind: v.literal("bill"),
      label,
      failMessage,
      instance: instanceName,
      /** charged: compute cost above zero; stopped: it did not grow between two readings and the instance is not billed for compute. */
      compute: v.optional(v.picklist(["charged", "stopped"], "must be charged or stopped")),
      /** growing: the root volume's storage cost grew between two readings; stopped: it did not. */
      storage: v.optional(v.picklist(["growing", "stopped"], "must be growing or stopped")),
    },
    fields("a check"),
  ),
  v.check((check) => check.compute !== undefined || check.storage !== undefined, "needs compute or storage (or both)"),
);

const CapacityCheck = v.strictObject(
  {
    kind: v.literal("capacity"),
    label,
    failMessage,
    instanceType: text("an instance type"),
    count: v.optional(wholeNumber(1, 8)),
    /** accepted: a dry-run launch would succeed; refused: it fails with InsufficientInstanceCapacity. */
    expect: v.picklist(["accepted", "refused"], "must be accepted or refused"),
  },
  fields("a check"),
);

const port = wholeNumber(1, 65_535);

const PublicHttpCheck = v.strictObject(
  {
    kind: v.literal("public-http"),
    label,
    failMessage,
    instance: instanceName,
    /** The TCP port of the instance's public address (default 80). */
    port: v.optional(port),
    /** The path asked for (default /). */
    path: v.optional(v.pipe(v.string("must be a path, like /index.html"), v.regex(/^\/[\x21-\x7e]*$/, "must be a path, like /index.html"))),
    /** served (default): the answer is 2xx and holds `contains`; unreachable: the request from the internet does not reach the instance. */
    expect: v.optional(v.picklist(["served", "unreachable"], "must be served or unreachable")),
    /** Text the answer's body must contain (exactly). */
    contains: v.optional(v.pipe(v.string("must be text"), v.nonEmpty("must be text"))),
  },
  fields("a check"),
);

const SecurityGroupRuleCheck = v.pipe(
  v.strictObject(
    {
      kind: v.literal("security-group-rule"),
      label,
      failMessage,
      instance: instanceName,
      /** tcp (default) or udp. */
      protocol: v.optional(v.picklist(["tcp", "udp"], "must be tcp or udp")),
      port,
      /** The source: a CIDR, like 0.0.0.0/0 ... */
      cidr: v.optional(
        v.pipe(v.string("must be a CIDR, like 0.0.0.0/0"), v.regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be a CIDR, like 0.0.0.0/0")),
      ),
      /** ... or the security groups of the instance with this Name tag. */
      sourceInstance: v.optional(text("the Name tag of an instance")),
      /** true (default): a rule lets it in; false: none does. */
      allowed: v.optional(bool),
    },
    fields("a check"),
  ),
  v.check((check) => (check.cidr === undefined) !== (check.sourceInstance === undefined), "needs cidr or sourceInstance (one of them)"),
);

/** A launch template and what it launches (the instances EC2 tags with the template's id). */
const LaunchTemplateCheck = v.strictObject(
  {
    kind: v.literal("launch-template"),
    label,
    failMessage,
    /** The template's name. */
    name: text("a launch template's name"),
    minVersions: v.optional(wholeNumber(1, 10_000)),
    defaultVersion: v.optional(wholeNumber(1, 10_000)),
    /** The instance type its default version launches. */
    instanceType: v.optional(text("an instance type")),
    /** At least this many pending or running instances were launched from it, all of one image and type. */
    launchedInstances: v.optional(wholeNumber(1, 8)),
  },
  fields("a check"),
);

const CHECK_KINDS = [
  "command",
  "file",
  "instance",
  "volume",
  "bill",
  "capacity",
  "public-http",
  "security-group-rule",
  "launch-template",
] as const;

const CheckSchema = v.variant(
  "kind",
  [
    CommandCheck,
    FileCheck,
    InstanceCheck,
    VolumeCheck,
    BillCheck,
    CapacityCheck,
    PublicHttpCheck,
    SecurityGroupRuleCheck,
    LaunchTemplateCheck,
  ],
  (issue) =>
    issue.expected === "Object"
      ? "must be a check: fields written as name: value"
      : issue.input === undefined
        ? `is missing: one of ${CHECK_KINDS.join(", ")}`
        : `must be one of ${CHECK_KINDS.join(", ")}`,
);
export const ChecksSchema = v.pipe(
  v.array(CheckSchema, "must be a list of checks (each starting with - kind: ...)"),
  v.minLength(1, "a step needs at least one check"),
);

export type Check = v.InferOutput<typeof CheckSchema>;
export type CheckKind = Check["kind"];
export type CommandCheck = v.InferOutput<typeof CommandCheck>;
export type FileCheck = v.InferOutput<typeof FileCheck>;
export type InstanceCheck = v.InferOutput<typeof InstanceCheck>;
export type VolumeCheck = v.InferOutput<typeof VolumeCheck>;
export type BillCheck = v.InferOutput<typeof BillCheck>;
export type CapacityCheck = v.InferOutput<typeof CapacityCheck>;
export type PublicHttpCheck = v.InferOutput<typeof PublicHttpCheck>;
export type SecurityGroupRuleCheck = v.InferOutput<typeof SecurityGroupRuleCheck>;
export type LaunchTemplateCheck = v.InferOutput<typeof LaunchTemplateCheck>;

const on = { instance: instanceName };

const ACTION_KINDS = [
  "run",
  "launch",
  "waitFor",
  "stop",
  "start",
  "reboot",
  "terminate",
  "modifyInstanceType",
  "createVolume",
  "attachVolume",
  "detachVolume",
  "setHostCapacity",
  "createSecurityGroup",
  "authorizeIngress",
  "revokeIngress",
  "createLaunchTemplate",
  "createLaunchTemplateVersion",
  "setDefaultTemplateVersion",
  "launchFromTemplate",
  "wait",
] as const;

/** A rule of the instance's first security group, as the console's Edit inbound rules writes one. */
const ingressRule = {
  ...on,
  protocol: v.optional(v.picklist(["tcp", "udp"], "must be tcp or udp")),
  port,
  cidr: v.optional(
    v.pipe(v.string("must be a CIDR, like 0.0.0.0/0"), v.regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be a CIDR, like 0.0.0.0/0")),
  ),
  /** The source: the first security group of the instance with this Name tag. */
  sourceInstance: v.optional(text("the Name tag of an instance")),
};
const oneSource = (rule: { cidr?: string | undefined; sourceInstance?: string | undefined }) =>
  (rule.cidr === undefined) !== (rule.sourceInstance === undefined);

const ActionSchema = v.variant(
  "action",
  [
    /** Runs a shell command in the guest; its exit code must be exitCode (default 0). */
    v.strictObject(
      {
        action: v.literal("run"),
        ...on,
        command: withPlaceholders(text("a shell command")),
        exitCode: v.optional(wholeNumber(0, 255)),
        timeoutMs: v.optional(wholeNumber(1, 600_000)),
      },
      fields("an action"),
    ),
    /** Launches an instance with a Name tag (the lab's image and type unless given); waits for both status checks unless wait is false. */
    v.strictObject(
      {
        action: v.literal("launch"),
        name: text("a Name tag"),
        instanceType: v.optional(text("an instance type")),
        /** Launched with hibernation enabled (EC2's HibernationOptions), so it can hibernate. */
        hibernation: v.optional(bool),
        /** false: no public IPv4 address (the launch form's Auto-assign public IP: Disable). */
        associatePublicIpAddress: v.optional(bool),
        /** Security groups of the default VPC by name (default: its default group). */
        securityGroups: v.optional(v.pipe(v.array(text("a security group's name"), "must be a list of group names"), v.minLength(1))),
        wait: v.optional(bool),
      },
      fields("an action"),
    ),
    v.strictObject(
      {
        action: v.literal("waitFor"),
        ...on,
        state: v.optional(stateName),
        statusChecks: v.optional(v.literal("ok", "must be ok")),
        timeoutMs: v.optional(wholeNumber(1, 600_000)),
      },
      fields("an action"),
    ),
    v.strictObject({ action: v.literal("stop"), ...on, hibernate: v.optional(bool), force: v.optional(bool) }, fields("an action")),
    v.strictObject({ action: v.literal("start"), ...on, wait: v.optional(bool) }, fields("an action")),
    v.strictObject({ action: v.literal("reboot"), ...on, wait: v.optional(bool) }, fields("an action")),
    v.strictObject({ action: v.literal("terminate"), ...on }, fields("an action")),
    v.strictObject({ action: v.literal("modifyInstanceType"), ...on, instanceType: text("an instance type") }, fields("an action")),
    v.strictObject({ action: v.literal("createVolume"), name: text("a Name tag"), sizeMib: wholeNumber(1, 1024) }, fields("an action")),
    v.strictObject({ action: v.literal("attachVolume"), ...on, volume: text("the Name tag of a volume") }, fields("an action")),
    v.strictObject({ action: v.literal("detachVolume"), volume: text("the Name tag of a volume") }, fields("an action")),
    v.strictObject({ action: v.literal("setHostCapacity"), memoryBudgetMib: wholeNumber(64, 1024 * 1024) }, fields("an action")),
    /** Creates a security group in the default VPC: all traffic out, nothing in. */
    v.strictObject(
      { action: v.literal("createSecurityGroup"), name: text("a group name"), description: v.optional(text("a description")) },
      fields("an action"),
    ),
    v.pipe(
      v.strictObject({ action: v.literal("authorizeIngress"), ...ingressRule }, fields("an action")),
      v.check((rule) => oneSource(rule), "needs cidr or sourceInstance (one of them)"),
    ),
    v.pipe(
      v.strictObject({ action: v.literal("revokeIngress"), ...ingressRule }, fields("an action")),
      v.check((rule) => oneSource(rule), "needs cidr or sourceInstance (one of them)"),
    ),
    /** Creates a launch template whose version 1 launches the lab's image with this type and Name tag. */
    v.strictObject(
      {
        action: v.literal("createLaunchTemplate"),
        name: text("a template name"),
        instanceType: text("an instance type"),
        instanceName: text("a Name tag"),
      },
      fields("an action"),
    ),
    /** A new version of the template: its latest version's settings with this instance type. */
    v.strictObject(
      { action: v.literal("createLaunchTemplateVersion"), template: text("a template name"), instanceType: text("an instance type") },
      fields("an action"),
    ),
    v.strictObject(
      { action: v.literal("setDefaultTemplateVersion"), template: text("a template name"), version: wholeNumber(1, 10_000) },
      fields("an action"),
    ),
    /** Launches count instances from the template's default version; waits for their status checks unless wait is false. */
    v.strictObject(
      {
        action: v.literal("launchFromTemplate"),
        template: text("a template name"),
        count: v.optional(wholeNumber(1, 8)),
        wait: v.optional(bool),
      },
      fields("an action"),
    ),
    /** Waits a while (for a meter to move). */
    v.strictObject({ action: v.literal("wait"), ms: wholeNumber(1, 120_000) }, fields("an action")),
  ],
  (issue) =>
    issue.expected === "Object"
      ? "must be an action: fields written as name: value"
      : issue.input === undefined
        ? `is missing: one of ${ACTION_KINDS.join(", ")}`
        : `must be one of ${ACTION_KINDS.join(", ")}`,
);
export const ActionsSchema = v.pipe(
  v.array(ActionSchema, "must be a list of actions (each starting with - action: ...)"),
  v.minLength(1, "a solution needs at least one action"),
);

export type Action = v.InferOutput<typeof ActionSchema>;

const LEVELS = ["beginner", "intermediate"] as const;

export const FrontMatterSchema = v.strictObject(
  {
    id: v.pipe(v.string("must be a lab id"), v.regex(LAB_ID_PATTERN, "must be lower-case words joined by hyphens, like first-instance")),
    title: text("a title"),
    summary: text("a one- or two-sentence summary"),
    level: v.picklist(LEVELS, `must be one of ${LEVELS.join(", ")}`),
    minutes: wholeNumber(1, 120),
    /** An image's name, or "default" for the first image of the catalog. */
    image: text('an image name or "default"'),
    instanceType: text("an instance type"),
    prerequisites: v.optional(
      v.array(v.pipe(v.string("must be a lab id"), v.regex(LAB_ID_PATTERN, "must be a lab id")), "must be a list of lab ids"),
      [],
    ),
    /** true (default): the player launches the lab's instance before step 1; false: a step has the person launch it. */
    launch: v.optional(bool, true),
    /** The lab's instance's Name tag (default: the lab's id). */
    instanceName: v.optional(text("a Name tag")),
    /** The lab's instance is launched with hibernation enabled: on EC2 only such an instance can hibernate. */
    hibernation: v.optional(bool, false),
    /** User data for the lab's instance: a script run once at its first boot (set-up the lab needs). */
    userData: v.optional(v.pipe(v.string("must be a script"), v.maxLength(16 * 1024, "must be at most 16 KiB, as on EC2"))),
    /** EC2's MetadataOptions.HttpTokens for the lab's instance: required (IMDSv2 only) or optional (default). */
    httpTokens: v.optional(v.picklist(["optional", "required"], "must be optional or required"), "optional"),
  },
  fields("front matter"),
);

export type FrontMatter = v.InferOutput<typeof FrontMatterSchema>;

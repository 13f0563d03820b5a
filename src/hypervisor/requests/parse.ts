/**
 * Runs a request schema on whatever a caller passed and answers as EC2 does: the typed request,
 * or an Ec2Error whose code says what kind of mistake it is (MissingParameter,
 * InvalidParameterType, InvalidParameterValue, a malformed id) and whose message names the
 * parameter by its path (`tags[2].key`) and says what it must be.
 *
 * The schemas' messages follow one convention, so that this module can build whole sentences
 * from them: a schema's own message (a type) says what is expected as a noun phrase ("a list of
 * instance ids"); a validation's message is a sentence ("Count must be a whole number of at
 * least 1."). Schemas without a message of their own get one from the table below.
 */
import * as v from "valibot";
import { Ec2Error, type ErrorCode } from "../../shared/errors.ts";

/** A schema that takes anything and, when it succeeds, gives a T. */
export type RequestSchema<T> = v.GenericSchema<unknown, T>;

/** A failed check of one of these requirements is answered with the code given, not InvalidParameterValue. */
const codedRequirements = new WeakMap<object, ErrorCode>();

/**
 * A check whose failure has its own EC2 code: a malformed id (InvalidInstanceID.Malformed …) or
 * a request that names nothing to act on (MissingParameter).
 */
export function checkWithCode<T>(
  code: ErrorCode,
  requirement: (input: T) => boolean,
  message: string | ((issue: v.CheckIssue<T>) => string),
): v.CheckAction<T, string | ((issue: v.CheckIssue<T>) => string)> {
  codedRequirements.set(requirement, code);
  return v.check(requirement, message);
}

/** What a type schema expects, for schemas that do not say it themselves (keyed by valibot's `expected`). */
const EXPECTED_TYPES: Readonly<Record<string, string>> = {
  string: "text (a string)",
  number: "a number",
  boolean: "true or false",
  Array: "a list (an array)",
  Object: "an object",
  Function: "a function",
};

const MAX_SHOWN_CHARS = 64;

/**
 * The typed request, or an Ec2Error. `name` is the argument's name, used when the argument itself
 * is wrong (`instanceId`, `request`); its parts are named by their own path (`count`, `tags[0].key`).
 */
export function parse<T>(schema: RequestSchema<T>, input: unknown, name: string): T {
  let result: v.SafeParseResult<RequestSchema<T>>;
  try {
    result = v.safeParse(schema, input, { abortEarly: true, message: defaultMessage });
  } catch (thrown) {
    // Only an object whose getters throw (a Proxy, say) gets here.
    const reason = thrown instanceof Error ? thrown.message : "it threw when read";
    throw new Ec2Error("InvalidParameterValue", `The parameter ${name} could not be read: ${reason}`);
  }
  if (result.success) return result.output;
  throw errorFor(result.issues[0], name);
}

function defaultMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.kind === "schema") {
    const expected = issue.expected ?? "";
    return EXPECTED_TYPES[expected] ?? (/^[A-Z]\w*$/.test(expected) ? `a ${expected}` : expected);
  }
  return issue.expected ? `It must be ${issue.expected}.` : "It is not valid here.";
}

function errorFor(issue: v.BaseIssue<unknown>, name: string): Ec2Error {
  const code = codeFor(issue);
  const path = pathOf(issue, name);
  // The value as it sits at the path: a check forwarded to a field is raised on the whole object.
  const value = issue.path ? issue.path[issue.path.length - 1]?.value : issue.input;
  const sentence =
    issue.kind !== "schema"
      ? issue.message
      : Number.isNaN(value)
        ? `It must be ${issue.message}; NaN is not one.`
        : `It must be ${issue.message}.`;
  switch (code) {
    case "MissingParameter":
      return new Ec2Error(code, issue.kind === "schema" ? `The request must contain the parameter ${path}.` : issue.message);
    case "InvalidParameterType":
      return new Ec2Error(code, `The parameter ${path} must be ${issue.message}, not ${typeName(value)}.`);
    case "InvalidInstanceID.Malformed":
    case "InvalidVolumeID.Malformed":
    case "InvalidSnapshotID.Malformed":
    case "InvalidAMIID.Malformed":
    case "InvalidVpcID.Malformed":
    case "InvalidSubnetID.Malformed":
    case "InvalidInternetGatewayID.Malformed":
    case "InvalidRouteTableID.Malformed":
    case "InvalidAssociationID.Malformed":
    case "InvalidGroupId.Malformed":
    case "InvalidSecurityGroupRuleId.Malformed":
    case "InvalidNetworkInterfaceID.Malformed":
    case "InvalidLaunchTemplateId.Malformed":
      return new Ec2Error(code, `Invalid id: '${shown(value)}' for parameter ${path} (${issue.message}).`);
    default:
      if (isUnknownKey(issue)) return new Ec2Error(code, `The parameter ${path} is not known. ${issue.message}`);
      return new Ec2Error(
        code,
        isPrimitive(value)
          ? `Value (${shown(value)}) for parameter ${path} is invalid. ${sentence}`
          : `The value for parameter ${path} is invalid. ${sentence}`,
      );
  }
}

function codeFor(issue: v.BaseIssue<unknown>): ErrorCode {
  const requirement = issue.requirement;
  const coded = typeof requirement === "function" ? codedRequirements.get(requirement) : undefined;
  if (coded) return coded;
  if (issue.kind !== "schema" || isUnknownKey(issue)) return "InvalidParameterValue";
  if (issue.input === undefined) return "MissingParameter";
  // A number that is no number (NaN), or text outside a fixed set, is a value of the right type.
  if (issue.type === "number" && typeof issue.input === "number") return "InvalidParameterValue";
  if (issue.type === "picklist" || issue.type === "literal") return "InvalidParameterValue";
  return "InvalidParameterType";
}

/** A strict object refuses a key it does not know with an issue expecting "never". */
function isUnknownKey(issue: v.BaseIssue<unknown>): boolean {
  return issue.type === "strict_object" && issue.expected === "never";
}

function pathOf(issue: v.BaseIssue<unknown>, name: string): string {
  let path = "";
  for (const item of issue.path ?? []) {
    const key: unknown = item.key;
    if (typeof key === "number") path += `[${key}]`;
    else path += `${path ? "." : ""}${truncate(String(key))}`;
  }
  if (path === "") return name;
  return path.startsWith("[") ? `${name}${path}` : path;
}

function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== "object" && typeof value !== "function");
}

function shown(value: unknown): string {
  return truncate(typeof value === "string" ? value : String(value));
}

function truncate(text: string): string {
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") {
    const constructorName = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof constructorName === "string" && constructorName !== "Object" ? `a ${constructorName}` : "an object";
  }
  return typeof value === "string" ? "text" : `a ${typeof value}`;
}

/**
 * Schemas that more than one request uses, each written once: resource ids and lists of them,
 * tags, an instance type's name, the instance attributes RunInstances and
 * ModifyInstanceAttribute share, a terminal's size, timeouts, names and descriptions.
 * Whether a named thing exists (an instance type in the catalog, an image, a volume) is for the
 * action to say; these say only whether a value is well-formed.
 */
import * as v from "valibot";
import type { ErrorCode } from "../../shared/errors.ts";
import type { Tag } from "../instances/instance.ts";
import { isTerminalSize, type TerminalSize } from "../instances/kernelCommandLine.ts";
import { isResourceId, type ResourcePrefix } from "../resourceIds.ts";
import { checkWithCode, type RequestSchema } from "./parse.ts";

/** Each key of a request type with the schema of its value, so that a schema cannot drift from its type. */
type Fields<T> = { readonly [K in keyof T]-?: RequestSchema<T[K]> };

/**
 * A request given as an object of named parameters: a plain object (not an array, a Date or a
 * typed array) with no parameter the request does not know, as EC2 refuses unknown parameters.
 */
export function requestObject<T extends object>(fields: Fields<T>, expected = "an object of named parameters"): RequestSchema<T> {
  const names = Object.keys(fields);
  const known = names.length === 1 ? `The only parameter here is ${names[0]}.` : `The parameters here are ${names.join(", ")}.`;
  const schema = v.pipe(
    v.custom<Record<string, unknown>>(isPlainObject, expected),
    v.strictObject(fields as v.ObjectEntries, () => known),
  );
  // Fields<T> gives every key of T a schema of exactly its type, which valibot cannot infer back.
  return schema as unknown as RequestSchema<T>;
}

/**
 * A request object that may be left out: left out, it is the empty request, so `runInstances()`
 * launches the default and `createVolume()` is told which parameter it lacks.
 */
export function optionalRequest<T extends object>(schema: RequestSchema<T>): RequestSchema<T> {
  return v.optional(schema, () => ({}) as T);
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A whole number from min to max; `rule` is the sentence a person reads when it is not. */
export function wholeNumber(min: number, max: number, rule: string): RequestSchema<number> {
  return v.pipe(v.number(), v.integer(rule), v.minValue(min, rule), v.maxValue(max, rule));
}

/** Text of at most maxChars characters. */
export function text(maxChars: number, rule: string): RequestSchema<string> {
  return v.pipe(v.string(), v.maxLength(maxChars, rule));
}

// Resource ids.

export function resourceId(prefix: ResourcePrefix, malformed: ErrorCode, what: string): RequestSchema<string> {
  return v.pipe(
    v.string(`${what} (${prefix}- and 17 hex digits)`),
    checkWithCode(malformed, (id: string) => isResourceId(prefix, id), `expected ${prefix}- and 17 hex digits`),
  );
}

export const InstanceIdSchema = resourceId("i", "InvalidInstanceID.Malformed", "an instance id");
export const VolumeIdSchema = resourceId("vol", "InvalidVolumeID.Malformed", "a volume id");
export const SnapshotIdSchema = resourceId("snap", "InvalidSnapshotID.Malformed", "a snapshot id");
export const ImageIdSchema = resourceId("ami", "InvalidAMIID.Malformed", "an image id");

/** EC2 takes at most 1000 ids in one call. */
export const MAX_IDS_PER_REQUEST = 1000;

/**
 * The ids an action acts on: at least one, at most 1000. A repeated id is one id, as on EC2: the
 * instance is acted on and reported once (acting twice, two stops of one instance would race).
 */
export function actionIds(id: RequestSchema<string>, idName: string): RequestSchema<readonly string[]> {
  return v.pipe(
    v.array(id, `a list of ${idName}s`),
    checkWithCode("MissingParameter", (ids: string[]) => ids.length > 0, `The request must contain at least one ${idName}.`),
    v.maxLength(MAX_IDS_PER_REQUEST, `At most ${MAX_IDS_PER_REQUEST} ${idName}s in one request.`),
    v.transform((ids: string[]) => [...new Set(ids)]),
  );
}

/** The ids a Describe call is limited to: none means all; a repeated id is described once, as on EC2. */
export function describedIds(id: RequestSchema<string>, idName: string): RequestSchema<readonly string[]> {
  return v.pipe(
    v.array(id, `a list of ${idName}s`),
    v.maxLength(MAX_IDS_PER_REQUEST, `At most ${MAX_IDS_PER_REQUEST} ${idName}s in one request.`),
    v.transform((ids: string[]) => [...new Set(ids)]),
  );
}

/**
 * Refuses a list in which two items have the same key (of the item itself, or of its `field`),
 * naming the second one's path.
 */
function noRepeats<T>(keyOf: (item: T) => string, field: string | null, rule: (key: string) => string): v.RawCheckAction<T[]> {
  return v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const items = dataset.value;
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      const key = keyOf(item);
      if (!seen.has(key)) {
        seen.add(key);
        continue;
      }
      const atItem: v.ArrayPathItem = { type: "array", origin: "value", input: items, key: index, value: item };
      const atField: v.UnknownPathItem = { type: "unknown", origin: "value", input: item, key: field ?? "", value: key };
      addIssue({ message: rule(key), path: field === null ? [atItem] : [atItem, atField] });
      return;
    }
  });
}

// Tags.

const MAX_TAGS = 50;
const MAX_TAG_KEY_CHARS = 128;
const MAX_TAG_VALUE_CHARS = 256;

const TagKeySchema = v.pipe(
  v.string(),
  v.check(
    (key: string) => key.length >= 1 && key.length <= MAX_TAG_KEY_CHARS && !key.toLowerCase().startsWith("aws:"),
    `A tag key is 1 to ${MAX_TAG_KEY_CHARS} characters and does not start with aws: (AWS keeps that prefix for its own tags).`,
  ),
);

const TagSchema = v.pipe(
  requestObject<Tag>({ key: TagKeySchema, value: v.string() }, "a tag ({ key, value })"),
  v.forward(
    v.check(
      // Tag as a mapped type: forward wants a record, which an interface is not.
      (tag: Pick<Tag, keyof Tag>) => tag.value.length <= MAX_TAG_VALUE_CHARS,
      (issue) => `The value of tag '${issue.input.key}' is longer than ${MAX_TAG_VALUE_CHARS} characters.`,
    ),
    ["value"],
  ),
);

/** An instance's or a volume's tags, with EC2's limits: at most 50, each key once. */
export const TagsSchema: RequestSchema<readonly Tag[]> = v.pipe(
  v.array(TagSchema, "a list of tags ({ key, value })"),
  v.maxLength(MAX_TAGS, `A resource has at most ${MAX_TAGS} tags.`),
  noRepeats(
    (tag: Tag) => tag.key,
    "key",
    (key) => `The tag key '${key}' is given twice: each key appears once.`,
  ),
);

// Instance attributes, shared by RunInstances and ModifyInstanceAttribute.

/**
 * A name such as t3.micro; whether the catalog has it is the action's question. The length
 * limit keeps a name that cannot be one out of the catalog's error message.
 */
export const InstanceTypeNameSchema = v.pipe(
  v.string("an instance type's name (text, such as t3.micro)"),
  v.check(
    (name: string) => name.length >= 1 && name.length <= 64,
    "An instance type is a name such as t3.micro: see describeInstanceTypes for the ones offered.",
  ),
);

export type ShutdownBehavior = "stop" | "terminate";

/** What a shutdown from inside the instance does (EC2's InstanceInitiatedShutdownBehavior). */
export const ShutdownBehaviorSchema: RequestSchema<ShutdownBehavior> = v.pipe(
  v.string("'stop' or 'terminate'"),
  v.picklist(["stop", "terminate"], "'stop' or 'terminate'"),
);

/** A yes-or-no parameter: true or false, never 1, "yes" or an object. */
export const FlagSchema: RequestSchema<boolean> = v.boolean();

export const TerminalSizeSchema: RequestSchema<TerminalSize> = v.pipe(
  requestObject<TerminalSize>({ rows: v.number(), cols: v.number() }, "a terminal size ({ rows, cols })"),
  v.check(
    isTerminalSize,
    (issue) => `A terminal of ${issue.input.rows}x${issue.input.cols} is not possible: rows and columns are whole numbers from 2 to 1000.`,
  ),
);

// Callbacks and bytes.

export function listenerSchema<T>(): RequestSchema<(value: T) => void> {
  return v.function("a function");
}

export const BytesSchema: RequestSchema<Uint8Array> = v.instance(Uint8Array, "bytes (a Uint8Array)");

// Names and descriptions.

/** The characters EC2 allows in an image's name. */
const IMAGE_NAME_PATTERN = /^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/;

export const ImageNameSchema = v.pipe(
  v.string(),
  v.regex(IMAGE_NAME_PATTERN, "An image's name must be 3 to 128 letters, digits, spaces or ( ) [ ] . / - ' @ _."),
);

/** EC2's limit on an image's or a snapshot's description. */
const MAX_DESCRIPTION_CHARS = 255;

export const DescriptionSchema = text(MAX_DESCRIPTION_CHARS, `A description is at most ${MAX_DESCRIPTION_CHARS} characters.`);

/** A volume's name is its Name tag, so it has a tag value's limit. */
export const VolumeNameSchema = text(MAX_TAG_VALUE_CHARS, `A volume's name (its Name tag) is at most ${MAX_TAG_VALUE_CHARS} characters.`);

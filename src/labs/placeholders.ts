/**
 * Placeholders for facts of an instance that exist only once it runs: `{{instanceId}}` of the
 * lab's instance, `{{backend.privateDnsName}}` of the instance named backend. A check's command
 * or expected text, or a solution's command, can then compare what the guest says with what the
 * hypervisor knows (the file the person wrote holds the real instance id), or reach another
 * instance by its name. They are filled in from describeInstances just before the check runs.
 */
import type { Instance } from "../hypervisor/index.ts";
import type { CommandCheck, FileCheck } from "./schema.ts";

/** The fields a placeholder may name: describeInstances' own names. */
const FIELDS = ["instanceId", "instanceType", "privateIpAddress", "publicIpAddress", "privateDnsName", "publicDnsName"] as const;
type Field = (typeof FIELDS)[number];

const WHAT: Readonly<Record<Field, string>> = {
  instanceId: "instance id",
  instanceType: "instance type",
  privateIpAddress: "private IPv4 address",
  publicIpAddress: "public IPv4 address",
  privateDnsName: "private DNS name",
  publicDnsName: "public DNS name",
};

/** Anything between double braces; whether it is a placeholder we know is decided after. */
const BRACES = /\{\{([^{}]*)\}\}/g;
const PLACEHOLDER = /^\s*(?:([A-Za-z0-9_-]+)\.)?([A-Za-z]+)\s*$/;

/** Which instance a name means (undefined: the lab's own), and how to call it in a message. */
export type InstanceLookup = (name: string | undefined) => { readonly instance: Instance | undefined; readonly who: string };

/** Why the text's placeholders cannot be filled whatever runs, or null when they are all known. */
export function placeholderProblem(text: string): string | null {
  for (const match of text.matchAll(BRACES)) {
    const parts = PLACEHOLDER.exec(match[1] ?? "");
    if (!parts || !isField(parts[2] ?? ""))
      return `{{${match[1]}}} is not a placeholder: write {{FIELD}} or {{NAME.FIELD}}, FIELD one of ${FIELDS.join(", ")}`;
  }
  return null;
}

/**
 * The text with its placeholders filled in (each value passed through `escape`, e.g. to quote it
 * for a regular expression), or a sentence saying which instance lacks which fact.
 */
export function fillPlaceholders(
  text: string,
  lookup: InstanceLookup,
  escape: (value: string) => string = (value) => value,
): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string } {
  let missing: string | null = null;
  const filled = text.replace(BRACES, (whole, inner: string) => {
    const parts = PLACEHOLDER.exec(inner);
    const field = parts?.[2];
    if (!parts || field === undefined || !isField(field)) return whole;
    const { instance, who } = lookup(parts[1]);
    const value = instance?.[field];
    if (!instance) missing ??= `${who} does not exist yet`;
    else if (!value) missing ??= `${who} (${instance.instanceId}) has no ${WHAT[field]}`;
    return escape(value ?? "");
  });
  return missing === null ? { ok: true, text: filled } : { ok: false, message: `${missing}.` };
}

function hasPlaceholders(text: string | undefined): boolean {
  return text !== undefined && /\{\{[^{}]*\}\}/.test(text);
}

/** Quotes a value to stand for itself in a regular expression. */
function escapeForPattern(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

function isField(name: string): name is Field {
  return (FIELDS as readonly string[]).includes(name);
}

/** The check with its placeholders filled in from the instances' facts, or why they cannot be. */
export function fillCheckPlaceholders<C extends CommandCheck | FileCheck>(check: C, lookup: InstanceLookup): C | string {
  const problems: string[] = [];
  const fill = <T extends string | undefined>(text: T, escape?: (value: string) => string): T => {
    if (!hasPlaceholders(text)) return text;
    const filled = fillPlaceholders(text as string, lookup, escape);
    if (filled.ok) return filled.text as T;
    problems.push(filled.message);
    return text;
  };
  const filled =
    check.kind === "command"
      ? { ...check, run: fill(check.run), stdout: fill(check.stdout, escapeForPattern) }
      : { ...check, contains: fill(check.contains) };
  const [problem] = problems;
  return problem === undefined ? filled : `The check needs a fact the hypervisor does not have yet: ${problem}`;
}

/**
 * Runs a step's checks and says, for each, whether it passed and what to do if not. It works
 * against LabHost, the part of the hypervisor's API it reads, so tests can pass a stub. Checks
 * in the guest (command, file) go to each instance as one script: one agent round trip per
 * instance per step. Nothing here is throttled; the player decides how often to check.
 */
import { decide, type Bill, type Hypervisor, type Instance } from "../hypervisor/index.ts";
import { batchScript, checkSnippet, newNonce, parseBatchOutput, parseFileFacts, type GuestOutput } from "./guestScript.ts";
import { targetInstance, type LabContext } from "./instances.ts";
import { judgePublicHttp, judgeSecurityGroupRule, type NetworkLabHost } from "./networkChecks.ts";
import { describeLaunchTemplateCheck, judgeLaunchTemplate, type TemplateLabHost } from "./templateChecks.ts";
import type { Lab, LabStep } from "./parse.ts";
import { matchesLabPattern } from "./pattern.ts";
import { fillCheckPlaceholders, type InstanceLookup } from "./placeholders.ts";
import type { BillCheck, CapacityCheck, Check, CheckKind, CommandCheck, FileCheck, InstanceCheck, VolumeCheck } from "./schema.ts";

/** What the checker reads from the hypervisor. */
export type LabHost = Pick<Hypervisor, "describeInstances" | "describeVolumes" | "getInstanceBill" | "runCommand" | "runInstances"> &
  NetworkLabHost &
  TemplateLabHost;

export interface CheckOptions {
  /** Time between the two readings of a bill check (default 1500 ms). */
  readonly billIntervalMs?: number;
  /** How long the guest may take over the step's checks (default 10 s). */
  readonly guestTimeoutMs?: number;
  /** For tests: how to wait between bill readings. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CheckResult {
  /** The check's index in the step's list. */
  readonly index: number;
  readonly kind: CheckKind;
  /** What the check looks for, in a sentence (the author's label, or one made from its fields). */
  readonly label: string;
  readonly passed: boolean;
  /** What was found; when it failed, what to do about it. */
  readonly message: string;
}

export interface StepCheckResult {
  /** Every check passed. */
  readonly passed: boolean;
  readonly results: readonly CheckResult[];
  readonly elapsedMs: number;
}

const DEFAULT_BILL_INTERVAL_MS = 1500;
const DEFAULT_GUEST_TIMEOUT_MS = 10_000;

/** Runs the checks of one step (by index from 0, or the step itself). */
export async function checkStep(
  host: LabHost,
  lab: Lab,
  step: number | LabStep,
  context: LabContext = {},
  options: CheckOptions = {},
): Promise<StepCheckResult> {
  const started = performance.now();
  const theStep = typeof step === "number" ? lab.steps[step] : step;
  if (!theStep) throw new RangeError(`The lab ${lab.id} has no step ${String(step)}.`);
  const results = await runChecks(host, lab, theStep.checks, context, options);
  return { passed: results.every((result) => result.passed), results, elapsedMs: performance.now() - started };
}

/** Runs a list of checks; the results come back in the same order. */
export async function runChecks(
  host: LabHost,
  lab: Lab,
  checks: readonly Check[],
  context: LabContext = {},
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  // Host checks start at once; guest checks are grouped by the instance they run in.
  const results: (Promise<CheckResult> | ((outputs: ReadonlyMap<number, GuestOutput | string>) => CheckResult))[] = [];
  const guest = new Map<string, { instance: Instance; items: { index: number; check: CommandCheck | FileCheck }[] }>();
  const lookup: InstanceLookup = (name) => targetInstance(host, lab, context, name);
  checks.forEach((check, index) => {
    const label = check.label ?? describeCheck(check, lab);
    const result = (passed: boolean, message: string): CheckResult => ({
      index,
      kind: check.kind,
      label,
      passed,
      message: !passed && check.failMessage ? `${check.failMessage} (${message})` : message,
    });
    switch (check.kind) {
      case "command":
      case "file": {
        const { instance, who } = targetInstance(host, lab, context, check.instance);
        const unusable = notReadyForCommands(instance, who);
        if (unusable !== null || !instance) {
          results.push(Promise.resolve(result(false, unusable ?? `${who} does not exist.`)));
          break;
        }
        const filled = fillCheckPlaceholders(check, lookup);
        if (typeof filled === "string") {
          results.push(Promise.resolve(result(false, filled)));
          break;
        }
        const group = guest.get(instance.instanceId) ?? { instance, items: [] };
        group.items.push({ index, check: filled });
        guest.set(instance.instanceId, group);
        results.push((outputs) => {
          const output = outputs.get(index) ?? "The check was not run.";
          if (typeof output === "string") return result(false, output);
          return filled.kind === "command" ? judgeCommand(filled, output, result) : judgeFile(filled, output, result);
        });
        break;
      }
      case "instance":
        results.push(safely(async () => judgeInstance(host, lab, context, check, result), result));
        break;
      case "volume":
        results.push(safely(async () => judgeVolume(host, lab, context, check, result), result));
        break;
      case "bill":
        results.push(safely(() => judgeBill(host, lab, context, check, options, result), result));
        break;
      case "capacity":
        results.push(safely(() => judgeCapacity(host, check, result), result));
        break;
      case "public-http":
        results.push(safely(() => judgePublicHttp(host, lookup, check, result), result));
        break;
      case "security-group-rule":
        results.push(safely(() => judgeSecurityGroupRule(host, lookup, check, result), result));
        break;
      case "launch-template":
        results.push(safely(async () => judgeLaunchTemplate(host, check, result), result));
        break;
    }
  });
  const outputs = await runGuestChecks(host, [...guest.values()], options.guestTimeoutMs ?? DEFAULT_GUEST_TIMEOUT_MS);
  return Promise.all(results.map((entry) => (typeof entry === "function" ? entry(outputs) : entry)));
}

type Verdict = (passed: boolean, message: string) => CheckResult;

/** A check that throws (an instance forgotten while it ran, say) fails with the reason. */
async function safely(judge: () => Promise<CheckResult>, result: Verdict): Promise<CheckResult> {
  try {
    return await judge();
  } catch (error) {
    return result(false, `The check could not be made: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** One round trip per instance; each check gets its output, or a string saying why there is none. */
async function runGuestChecks(
  host: LabHost,
  groups: readonly { instance: Instance; items: readonly { index: number; check: CommandCheck | FileCheck }[] }[],
  timeoutMs: number,
): Promise<Map<number, GuestOutput | string>> {
  const outputs = new Map<number, GuestOutput | string>();
  await Promise.all(
    groups.map(async ({ instance, items }) => {
      try {
        const nonce = newNonce();
        const run = await host.runCommand(
          instance.instanceId,
          batchScript(
            items.map((item) => checkSnippet(item.check)),
            nonce,
          ),
          { timeoutMs },
        );
        const parsed = parseBatchOutput(run.stdout, run.stderr, nonce);
        // The script numbers its snippets by their place in this group.
        items.forEach((item, position) =>
          outputs.set(
            item.index,
            parsed.get(position) ?? `The check did not finish in ${instance.instanceId} (exit code ${run.exitCode}).`,
          ),
        );
      } catch (error) {
        const message = `The instance ${instance.instanceId} did not answer the check: ${error instanceof Error ? error.message : String(error)}`;
        for (const item of items) outputs.set(item.index, message);
      }
    }),
  );
  return outputs;
}

/** Why the guest cannot be checked now, in a lab's words; the lifecycle table decides whether it can. */
function notReadyForCommands(instance: Instance | undefined, who: string): string | null {
  if (!instance) return `${who} does not exist yet.`;
  if (decide("labCheck", instance).kind === "proceed") return null;
  const state = instance.state.name;
  if (state === "terminated" || state === "shutting-down")
    return `${who} (${instance.instanceId}) is ${state}: its files are gone with it.`;
  if (state === "stopped" || state === "stopping") return `${who} (${instance.instanceId}) is ${state}: start it, then check again.`;
  if (state === "pending") return `${who} (${instance.instanceId}) is still pending: wait until it is running.`;
  if (instance.statusChecks.instance === "impaired")
    return `${who} (${instance.instanceId}) does not answer (see its status checks): reboot it, then check again.`;
  return `${who} (${instance.instanceId}) is still booting: wait for its status checks to pass.`;
}

function judgeCommand(check: CommandCheck, output: GuestOutput, result: Verdict): CheckResult {
  const expectedCode = check.exitCode ?? (check.stdout === undefined ? 0 : undefined);
  const problems: string[] = [];
  if (expectedCode !== undefined && output.exitCode !== expectedCode)
    problems.push(`it exited with ${output.exitCode}, not ${expectedCode}`);
  if (check.stdout !== undefined && !matchesLabPattern(check.stdout, output.stdout))
    problems.push(`its output did not match /${check.stdout}/`);
  if (problems.length === 0)
    return result(true, `\`${check.run}\` ${expectedCode !== undefined ? `exited with ${expectedCode}` : "printed what was expected"}.`);
  const seen = [output.stdout.trim() && `output: ${clip(output.stdout)}`, output.stderr.trim() && `errors: ${clip(output.stderr)}`]
    .filter(Boolean)
    .join("; ");
  return result(false, `\`${check.run}\`: ${problems.join(" and ")}${seen ? ` (${seen})` : ""}.`);
}

function judgeFile(check: FileCheck, output: GuestOutput, result: Verdict): CheckResult {
  const facts = parseFileFacts(output.stdout);
  const path = check.path;
  const shouldExist = check.exists ?? true;
  if (!shouldExist) {
    return facts.type === "missing"
      ? result(true, `${path} does not exist.`)
      : result(false, `${path} still exists (a ${facts.type}): remove it.`);
  }
  if (facts.type === "missing") return result(false, `${path} does not exist yet.`);
  if (check.type !== undefined && facts.type !== check.type) return result(false, `${path} is a ${facts.type}, not a ${check.type}.`);
  if (check.executable !== undefined && facts.executable !== check.executable) {
    return result(false, check.executable ? `${path} is not executable: chmod +x ${path}` : `${path} is executable, and should not be.`);
  }
  if ((check.contains !== undefined || check.matches !== undefined) && facts.type !== "file")
    return result(false, `${path} is a ${facts.type}, not a file with text in it.`);
  if (check.contains !== undefined && !facts.content.includes(check.contains))
    return result(false, `${path} does not contain "${check.contains}" yet.`);
  if (check.matches !== undefined && !matchesLabPattern(check.matches, facts.content))
    return result(false, `${path} has no text matching /${check.matches}/ yet.`);
  return result(true, `${path} is there${check.contains !== undefined || check.matches !== undefined ? " with the expected text" : ""}.`);
}

function judgeInstance(host: LabHost, lab: Lab, context: LabContext, check: InstanceCheck, result: Verdict): CheckResult {
  const { instance, who } = targetInstance(host, lab, context, check.instance);
  const shouldExist = check.exists ?? true;
  if (!instance) return shouldExist ? result(false, `${who} does not exist yet: launch it.`) : result(true, `${who} does not exist.`);
  if (!shouldExist) {
    return instance.state.name === "terminated"
      ? result(true, `${who} is terminated.`)
      : result(false, `${who} (${instance.instanceId}) still exists: it is ${instance.state.name}.`);
  }
  const problems: string[] = [];
  const states = check.state === undefined ? null : Array.isArray(check.state) ? check.state : [check.state];
  if (states && !states.includes(instance.state.name)) problems.push(`it is ${instance.state.name}, not ${states.join(" or ")}`);
  if (check.instanceType !== undefined && instance.instanceType !== check.instanceType)
    problems.push(`its type is ${instance.instanceType}, not ${check.instanceType}`);
  if (check.statusChecks === "ok") {
    const { system, instance: own } = instance.statusChecks;
    const passed = (system === "ok" ? 1 : 0) + (own === "ok" ? 1 : 0);
    if (passed < 2) problems.push(`${passed}/2 status checks have passed (system: ${system}, instance: ${own})`);
  }
  if (check.hibernated !== undefined) {
    if (instance.hibernated !== check.hibernated)
      problems.push(check.hibernated ? "it is not hibernated (stop it with Hibernate)" : "it is hibernated");
  }
  if (check.publicIp !== undefined && (instance.publicIpAddress !== null) !== check.publicIp)
    problems.push(
      check.publicIp
        ? "it has no public IPv4 address"
        : `it has the public IPv4 address ${instance.publicIpAddress} (launch it with Auto-assign public IP: Disable)`,
    );
  if (problems.length > 0) return result(false, `${who} (${instance.instanceId}): ${problems.join("; ")}.`);
  return result(true, `${who} (${instance.instanceId}) is ${instance.state.name}, ${instance.instanceType}.`);
}

function judgeVolume(host: LabHost, lab: Lab, context: LabContext, check: VolumeCheck, result: Verdict): CheckResult {
  const attached = check.attached ?? true;
  const device = check.device ?? "/dev/sdb";
  const { instance, who } = targetInstance(host, lab, context, check.instance);
  const volumes = host.describeVolumes();
  const sizeOk = (sizeBytes: number) => check.minSizeMib === undefined || sizeBytes >= check.minSizeMib * 1024 * 1024;
  const mib = (sizeBytes: number) => `${Math.round(sizeBytes / 1024 / 1024)} MiB`;
  if (check.volume !== undefined) {
    const named = volumes.filter((volume) => volume.tags.some((tag) => tag.key === "Name" && tag.value === check.volume));
    const volume =
      named.find((candidate) =>
        attached ? candidate.attachments[0]?.instanceId === instance?.instanceId : candidate.state === "available",
      ) ?? named[0];
    if (!volume) return result(false, `There is no volume named ${check.volume}: create one with that Name tag.`);
    if (!sizeOk(volume.sizeBytes))
      return result(
        false,
        `The volume ${check.volume} (${volume.volumeId}) is ${mib(volume.sizeBytes)}; it should be at least ${check.minSizeMib} MiB.`,
      );
    const attachment = volume.attachments[0];
    if (!attached) {
      return attachment
        ? result(
            false,
            `The volume ${check.volume} is still attached to ${attachment.instanceId}: detach it (the instance must be stopped).`,
          )
        : result(true, `The volume ${check.volume} (${volume.volumeId}) is available.`);
    }
    if (!instance) return result(false, `${who} does not exist yet.`);
    if (attachment?.instanceId !== instance.instanceId || (check.device !== undefined && attachment.device !== device)) {
      return result(
        false,
        `The volume ${check.volume} (${volume.volumeId}) is ${attachment ? `attached to ${attachment.instanceId}` : "not attached"}: attach it to ${who} (${instance.instanceId}) while that is stopped.`,
      );
    }
    return result(true, `The volume ${check.volume} (${volume.volumeId}) is attached to ${who} at ${attachment.device}.`);
  }
  if (!instance)
    return attached ? result(false, `${who} does not exist yet.`) : result(true, `${who} does not exist, so nothing is attached to it.`);
  const there = volumes.find((volume) => volume.attachments.some((a) => a.instanceId === instance.instanceId && a.device === device));
  if (!attached)
    return there ? result(false, `${who} still has ${there.volumeId} at ${device}.`) : result(true, `${who} has no volume at ${device}.`);
  if (!there) return result(false, `${who} (${instance.instanceId}) has no volume at ${device}: attach one while it is stopped.`);
  if (!sizeOk(there.sizeBytes))
    return result(
      false,
      `The volume at ${device} (${there.volumeId}) is ${mib(there.sizeBytes)}; it should be at least ${check.minSizeMib} MiB.`,
    );
  return result(true, `${who} has ${there.volumeId} (${mib(there.sizeBytes)}) at ${device}.`);
}

async function judgeBill(
  host: LabHost,
  lab: Lab,
  context: LabContext,
  check: BillCheck,
  options: CheckOptions,
  result: Verdict,
): Promise<CheckResult> {
  const { instance, who } = targetInstance(host, lab, context, check.instance);
  if (!instance) return result(false, `${who} does not exist yet: launch it.`);
  const read = (): Bill | null => {
    try {
      return host.getInstanceBill(instance.instanceId);
    } catch {
      return null;
    }
  };
  const first = read();
  if (!first) return result(false, `${who} (${instance.instanceId}) is no longer listed, so its bill cannot be read.`);
  const compares = check.compute === "stopped" || check.storage !== undefined;
  let second = first;
  if (compares) {
    const intervalMs = options.billIntervalMs ?? DEFAULT_BILL_INTERVAL_MS;
    await (options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))))(intervalMs);
    second = read() ?? first;
  }
  const state = (host.describeInstances({ filters: [{ name: "instance-id", values: [instance.instanceId] }] })[0] ?? instance).state.name;
  const problems: string[] = [];
  const found: string[] = [];
  const usd = (value: number) => `$${value.toFixed(6)}`;
  if (check.compute === "charged") {
    if (second.computeUsd > 0) found.push(`compute so far ${usd(second.computeUsd)}`);
    else problems.push(`its compute charge is still ${usd(0)}: it has not run yet`);
  }
  if (check.compute === "stopped") {
    const billedState = state === "pending" || state === "running" || state === "stopping";
    if (second.computeUsd !== first.computeUsd)
      problems.push(`its compute charge is still growing (${usd(first.computeUsd)} -> ${usd(second.computeUsd)}): it is ${state}`);
    else if (billedState)
      problems.push(
        `it is ${state}, so it is still billed for compute (a start is billed for at least 60 s, so the meter can stand still for a while): stop it`,
      );
    else found.push(`compute stopped at ${usd(second.computeUsd)}`);
  }
  if (check.storage === "growing") {
    if (second.storageUsd > first.storageUsd) found.push(`storage growing (${usd(second.storageUsd)})`);
    else
      problems.push(
        `its storage charge did not grow: ${state === "terminated" ? "it is terminated and its root volume deleted" : "its root volume is gone"}`,
      );
  }
  if (check.storage === "stopped") {
    if (second.storageUsd === first.storageUsd) found.push(`storage stopped at ${usd(second.storageUsd)}`);
    else problems.push(`its storage charge is still growing: its root volume exists until the instance is terminated`);
  }
  if (problems.length > 0) return result(false, `${who} (${instance.instanceId}): ${problems.join("; ")}.`);
  return result(true, `${who}: ${found.join("; ")}.`);
}

async function judgeCapacity(host: LabHost, check: CapacityCheck, result: Verdict): Promise<CheckResult> {
  const count = check.count ?? 1;
  const what = `${count === 1 ? "a" : count} ${check.instanceType}${count === 1 ? "" : " instances"}`;
  let code: string | undefined;
  let message: string;
  try {
    const launched = await host.runInstances({ instanceType: check.instanceType, count, dryRun: true });
    return result(false, `The host launched ${launched.length} instance(s) instead of a dry run: it does not support DryRun.`);
  } catch (error) {
    code = (error as { code?: string }).code;
    message = error instanceof Error ? error.message : String(error);
  }
  if (code === "DryRunOperation") {
    return check.expect === "accepted"
      ? result(true, `A launch of ${what} would succeed: the host has room.`)
      : result(false, `A launch of ${what} would still succeed: the host has room for it.`);
  }
  if (code === "InsufficientInstanceCapacity") {
    return check.expect === "refused"
      ? result(true, `A launch of ${what} is refused: ${message}`)
      : result(false, `A launch of ${what} is refused: ${message}`);
  }
  return result(false, `A dry-run launch of ${what} failed with ${code ?? "an error"}: ${message}`);
}

/** A sentence saying what a check looks for, made from its fields. */
function describeCheck(check: Check, lab: Lab): string {
  const on = (name: string | undefined) => (name === undefined ? "the lab's instance" : `the instance named ${name}`);
  switch (check.kind) {
    case "command": {
      const expects = [
        check.exitCode !== undefined || check.stdout === undefined ? `exits with ${check.exitCode ?? 0}` : "",
        check.stdout !== undefined ? `prints text matching /${check.stdout}/` : "",
      ];
      return `\`${check.run}\` ${expects.filter(Boolean).join(" and ")} on ${on(check.instance)}`;
    }
    case "file": {
      if (check.exists === false) return `${check.path} does not exist on ${on(check.instance)}`;
      const parts = [check.type === "directory" ? "is a directory" : check.type === "file" ? "is a file" : "exists"];
      if (check.executable !== undefined) parts.push(check.executable ? "is executable" : "is not executable");
      if (check.contains !== undefined) parts.push(`contains "${check.contains}"`);
      if (check.matches !== undefined) parts.push(`matches /${check.matches}/`);
      return `${check.path} ${parts.join(", ")} on ${on(check.instance)}`;
    }
    case "instance": {
      const who = check.instance === undefined ? `The lab's instance (${lab.instanceName})` : `The instance named ${check.instance}`;
      if (check.exists === false) return `${who} no longer exists`;
      const parts: string[] = [];
      if (check.state !== undefined) parts.push(`is ${Array.isArray(check.state) ? check.state.join(" or ") : check.state}`);
      if (check.instanceType !== undefined) parts.push(`is a ${check.instanceType}`);
      if (check.statusChecks === "ok") parts.push("has passed both status checks");
      if (check.hibernated !== undefined) parts.push(check.hibernated ? "is hibernated" : "is not hibernated");
      if (check.publicIp !== undefined) parts.push(check.publicIp ? "has a public IPv4 address" : "has no public IPv4 address");
      return `${who} ${parts.length > 0 ? parts.join(", ") : "exists"}`;
    }
    case "volume": {
      const size = check.minSizeMib !== undefined ? ` of at least ${check.minSizeMib} MiB` : "";
      if (check.volume !== undefined) {
        return check.attached === false
          ? `The volume ${check.volume}${size} is available (attached to nothing)`
          : `The volume ${check.volume}${size} is attached to ${on(check.instance)}`;
      }
      const device = check.device ?? "/dev/sdb";
      return check.attached === false
        ? `Nothing is attached at ${device} of ${on(check.instance)}`
        : `A volume${size} is attached at ${device} of ${on(check.instance)}`;
    }
    case "bill": {
      const parts = [
        check.compute === "charged" ? "compute has been charged" : check.compute === "stopped" ? "compute charges have stopped" : "",
        check.storage === "growing" ? "storage charges keep growing" : check.storage === "stopped" ? "storage charges have stopped" : "",
      ];
      return `On the bill of ${on(check.instance)}: ${parts.filter(Boolean).join(", ")}`;
    }
    case "capacity":
      return `A launch of ${check.count ?? 1} ${check.instanceType} would be ${check.expect === "accepted" ? "accepted" : "refused for lack of capacity"}`;
    case "public-http": {
      const port = check.port ?? 80;
      const where = `port ${port} of ${on(check.instance)}'s public address${check.path !== undefined ? `, ${check.path}` : ""}`;
      return check.expect === "unreachable"
        ? `The internet cannot reach ${where}`
        : `The internet gets a page from ${where}${check.contains !== undefined ? ` containing "${check.contains}"` : ""}`;
    }
    case "security-group-rule": {
      const from = check.cidr ?? `the security group of ${check.sourceInstance ?? ""}`;
      const what = `inbound ${(check.protocol ?? "tcp").toUpperCase()} port ${check.port} from ${from}`;
      return `The security groups of ${on(check.instance)} ${check.allowed === false ? "do not allow" : "allow"} ${what}`;
    }
    case "launch-template":
      return describeLaunchTemplateCheck(check);
  }
}

function clip(text: string, max = 200): string {
  const flat = text.trim().replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * The status checks and the first boot's user data. The instance check: the guest agent must say
 * ready within a deadline after a boot (or answer a ping after a resume) and keep answering pings;
 * once it is ready, the launch's user data runs, once, as cloud-init runs it on EC2. The system
 * check follows whether the instance's worker answers at all (the sampler watches that).
 */
import type { ExecResult } from "../../guest/agentClient.ts";
import { bytesToBase64 } from "../../guest/base64.ts";
import type { Result } from "../../shared/errors.ts";
import type { Instance } from "./instance.ts";
import type { InstanceRecord } from "./record.ts";

/** A guest agent that has not answered this long after boot fails the instance status check. */
const AGENT_DEADLINE_MS = 60_000;
/** How long the user data may run. */
const USER_DATA_TIMEOUT_MS = 300_000;
/** Between pings to a resumed guest's agent that did not answer yet (a failed ping may return at once). */
const RESUME_PING_RETRY_MS = 1_000;
/**
 * Pings in a row the agent must leave unanswered before the instance check fails. The agent
 * answers one request at a time, so a ping sent while a long command streams its output can miss
 * its deadline on a slow host; a guest that is really gone misses every one.
 */
export const MISSED_PINGS_TO_FAIL = 3;

export interface AgentWatchContext {
  update(record: InstanceRecord, changes: Partial<Instance>): void;
}

/** A reboot set the instance check back to initializing (read afresh: a check started before it). */
function rebooting(record: InstanceRecord): boolean {
  return record.instance.statusChecks.instance === "initializing";
}

export class AgentWatch {
  readonly #ctx: AgentWatchContext;

  constructor(context: AgentWatchContext) {
    this.#ctx = context;
  }

  /** After a boot: the status check fails unless the agent says ready in time. */
  watch(record: InstanceRecord, generation: number): void {
    const runtime = record.runtime;
    runtime.missedPings = 0;
    if (runtime.agentDeadline !== null) clearTimeout(runtime.agentDeadline);
    runtime.agentDeadline = setTimeout(() => {
      runtime.agentDeadline = null;
      if (runtime.generation !== generation || record.instance.state.name !== "running") return;
      this.#ctx.update(record, { statusChecks: { system: record.instance.statusChecks.system, instance: "impaired" } });
    }, AGENT_DEADLINE_MS);
    (runtime.agentDeadline as { unref?: () => void }).unref?.();
  }

  /**
   * After a resume: the agent in the saved state is already up and will not say ready again, so it
   * is asked until it answers (the check passes) or the deadline passes (the check fails), as after a boot.
   */
  resumed(record: InstanceRecord, generation: number): void {
    this.watch(record, generation);
    void this.#askAfterResume(record, generation);
  }

  /** The system status check: impaired while the instance's worker does not answer, ok when it answers again. */
  workerAnswers(record: InstanceRecord, answers: boolean): void {
    const system = answers ? "ok" : "impaired";
    if (record.instance.state.name !== "running" || record.instance.statusChecks.system === system) return;
    this.#ctx.update(record, { statusChecks: { system, instance: record.instance.statusChecks.instance } });
  }

  /** The agent said ready: the first boot's user data runs, then the check passes. */
  ready(record: InstanceRecord): void {
    const runtime = record.runtime;
    if (runtime.agentDeadline !== null) clearTimeout(runtime.agentDeadline);
    runtime.agentDeadline = null;
    if (record.instance.state.name !== "running") return;
    if (record.config.userData !== null) void this.#runUserData(record);
    else this.#ctx.update(record, { statusChecks: { system: "ok", instance: "ok" } });
  }

  /** Does the guest agent of a booted instance still answer? */
  async check(record: InstanceRecord): Promise<void> {
    const { runtime } = record;
    const worker = runtime.worker;
    if (record.instance.statusChecks.instance === "initializing" || !worker) return;
    // A command under way (apt installing for a minute, say) holds the agent: a ping would only
    // wait behind it and count as missed. Its answer says whether the agent lives.
    if (runtime.commandsInFlight > 0) return;
    const generation = runtime.generation;
    const alive = await worker.api.ping().then(
      (answer) => answer.ok,
      () => false,
    );
    // A reboot (or any transition) that began meanwhile decides the check anew: this answer is the old guest's.
    const overtaken = runtime.generation !== generation || runtime.worker !== worker;
    if (overtaken || record.instance.state.name !== "running" || rebooting(record)) return;
    runtime.missedPings = alive ? 0 : runtime.missedPings + 1;
    if (!alive && runtime.missedPings < MISSED_PINGS_TO_FAIL) return;
    const now = alive ? "ok" : "impaired";
    if (now !== record.instance.statusChecks.instance) {
      this.#ctx.update(record, { statusChecks: { system: record.instance.statusChecks.system, instance: now } });
    }
  }

  async #askAfterResume(record: InstanceRecord, generation: number): Promise<void> {
    const runtime = record.runtime;
    // The deadline is dropped when the check is decided (ready, or failed) and when the worker goes.
    const waiting = () => runtime.generation === generation && runtime.agentDeadline !== null;
    while (waiting()) {
      const worker = runtime.worker;
      if (!worker) return;
      const answered = await worker.api.ping().then(
        (answer) => answer.ok,
        () => false,
      );
      if (!waiting()) return;
      if (answered) return this.ready(record);
      await new Promise<void>((resolve) => {
        const retry = setTimeout(resolve, RESUME_PING_RETRY_MS);
        (retry as { unref?: () => void }).unref?.();
      });
    }
  }

  /** Its output goes to the serial console (so getConsoleOutput has it) and to /var/log/user-data.log. */
  async #runUserData(record: InstanceRecord): Promise<void> {
    const script = record.config.userData ?? "";
    record.config.userData = null;
    const encoded = bytesToBase64(new TextEncoder().encode(script));
    const command = [
      "mkdir -p /var/lib/tabcloud /var/log",
      `echo '${encoded}' | base64 -d > /var/lib/tabcloud/user-data`,
      "chmod 700 /var/lib/tabcloud/user-data",
      "echo 'user-data: running /var/lib/tabcloud/user-data' > /dev/console",
      "if head -c 2 /var/lib/tabcloud/user-data | grep -q '^#!'; then run=/var/lib/tabcloud/user-data; else run='sh /var/lib/tabcloud/user-data'; fi",
      "$run > /var/log/user-data.log 2>&1; code=$?",
      "sed 's/^/user-data: /' /var/log/user-data.log > /dev/console",
      'echo "user-data: finished with exit code $code" > /dev/console',
    ].join("\n");
    record.runtime.commandsInFlight++;
    try {
      await (record.runtime.worker?.api.exec(command, USER_DATA_TIMEOUT_MS) as Promise<Result<ExecResult>> | undefined);
    } catch {
      // Its output, or the lack of it, is on the console; the instance runs on regardless.
    } finally {
      record.runtime.commandsInFlight--;
    }
    if (record.instance.state.name === "running") this.#ctx.update(record, { statusChecks: { system: "ok", instance: "ok" } });
  }
}

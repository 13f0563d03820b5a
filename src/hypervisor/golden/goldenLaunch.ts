/**
 * A launch from a golden state, from the instance's side: which golden state a fresh instance
 * may start from, what its console says about it, and making the restored guest this instance
 * (through its agent) before it counts as running.
 */
import type { Remote } from "comlink";
import { fail, ok, type Result } from "../../shared/errors.ts";
import type { EmulatorDevices, InstanceWorkerApi } from "../../worker/api.ts";
import type { InstanceRecord } from "../instances/record.ts";
import { goldenIdentity, type GoldenIdentity } from "./identity.ts";
import { PERSONALISE_AGENT_VERSION } from "../../guest/protocol.ts";
import { guestIdentity, personaliseScript, type Personality } from "./personalise.ts";

/** A restored guest that has not become the instance by then is cold-booted instead. */
export const PERSONALISE_DEADLINE_MS = 5_000;
const SEED_BYTES = 64;

/**
 * The golden state a boot may restore, or null when it must boot: only the first boot of a fresh
 * root volume (start after stop, reboot and resume boot the instance's own volume), and only
 * without a data volume (a golden state has none).
 */
export function goldenIdentityForBoot(
  record: InstanceRecord,
  rootSnapshotId: string | null,
  devices: EmulatorDevices,
  hasDataVolume: boolean,
): GoldenIdentity | null {
  if (record.config.hasRun || record.runtime.hibernation || hasDataVolume) return null;
  return goldenIdentity(record.config.image, rootSnapshotId, record.instance.memoryMib, devices);
}

/** Shown first on the console of an instance restored from a golden state: where its boot messages come from. */
export function goldenConsolePreface(imageId: string, createdAt: string, bootConsole: string): string {
  return (
    `[tabcloud] This instance started from the boot snapshot of ${imageId} (saved ${createdAt}): ` +
    "the boot messages below are that boot's. It was then given its own host name, clock, random seed and network.\r\n" +
    bootConsole
  );
}

/** A line on the console saying why the instance did not start from its image's boot snapshot. */
export function goldenConsoleNote(reason: string): string {
  return `\r\n[tabcloud] ${reason}\r\n`;
}

/**
 * Makes the restored guest this instance; fails with why if it does not answer in time or answers
 * wrongly. An agent from version 2 takes it in one request (and its console's shell, held at a
 * gate in the golden boot, then logs in as this instance); an older one runs a script.
 */
export async function personalise(
  worker: Remote<InstanceWorkerApi>,
  record: InstanceRecord,
  macAddress: string | null,
  agentVersion: number,
): Promise<Result<void>> {
  const hostname = record.instance.instanceId;
  const personality: Personality = {
    hostname,
    nowMs: Date.now(),
    seed: crypto.getRandomValues(new Uint8Array(SEED_BYTES)),
    terminal: record.config.terminalSize,
    macAddress,
  };
  const broken = (error: unknown) => fail("GuestAgentError", String(error));
  if (agentVersion >= PERSONALISE_AGENT_VERSION) {
    return worker.personalise(guestIdentity(personality), PERSONALISE_DEADLINE_MS).catch(broken);
  }
  const answer = await worker.exec(personaliseScript(personality), PERSONALISE_DEADLINE_MS).catch(broken);
  if (!answer.ok) return answer;
  const { exitCode, stdout, stderr } = answer.value;
  if (exitCode !== 0 || stdout.trim() !== hostname) {
    return fail("GuestAgentError", `the guest answered with exit code ${exitCode}${stderr ? `: ${stderr.trim()}` : ""}`);
  }
  return ok(undefined);
}

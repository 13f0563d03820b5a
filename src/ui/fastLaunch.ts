/**
 * How the Images page words an image's fast launch: its state, and which instances each of its
 * boot snapshots (the hypervisor's golden states) serves. Pure, so it is unit-tested under Node.
 */
import type { FastLaunchImage, GoldenStateSummary, InstanceType } from "../hypervisor/index.ts";

/** What the console is doing to an image's fast launch right now, if anything. */
export type FastLaunchAction = "enabling" | "disabling";

export interface FastLaunchStatus {
  readonly kind: "on" | "off" | "making" | "turning-off";
  readonly label: string;
  /** The colour it is shown in, as StateBadge's tones. */
  readonly tone: "ok" | "warn" | "idle";
}

/** "On", "Off", or what is under way; the hypervisor's `making` covers a snapshot made after a first launch. */
export function fastLaunchStatus(image: FastLaunchImage | undefined, action: FastLaunchAction | undefined): FastLaunchStatus {
  if (action === "enabling" || (image?.making && action !== "disabling"))
    return { kind: "making", label: "Making boot snapshot…", tone: "warn" };
  if (action === "disabling") return { kind: "turning-off", label: "Turning off…", tone: "warn" };
  return image?.state === "enabled" ? { kind: "on", label: "On", tone: "ok" } : { kind: "off", label: "Off", tone: "idle" };
}

/** Which instances a boot snapshot serves: "128 MiB (t3.micro)", "512 MiB (t3.medium, m5.large)", with ", no network" for a NIC-less one. */
export function bootSnapshotFor(state: Pick<GoldenStateSummary, "memoryMib" | "nic">, types: readonly InstanceType[]): string {
  const names = types.filter((type) => type.memoryMib === state.memoryMib).map((type) => type.name);
  const memory = names.length > 0 ? `${state.memoryMib} MiB (${names.join(", ")})` : `${state.memoryMib} MiB`;
  return state.nic === "none" ? `${memory}, no network` : memory;
}

/** The image's boot snapshots, smallest memory first. */
export function bootSnapshots(image: FastLaunchImage | undefined): GoldenStateSummary[] {
  return [...(image?.goldenStates ?? [])].sort((a, b) => a.memoryMib - b.memoryMib || a.nic.localeCompare(b.nic));
}

/** A fast launch button an image card offers. */
export type FastLaunchButton = "enable" | "make-snapshot" | "disable";

/** The labels of the card's buttons row; "make-snapshot" is offered beside the boot snapshots instead. */
export const FAST_LAUNCH_BUTTON_LABELS: Record<Exclude<FastLaunchButton, "make-snapshot">, string> = {
  enable: "Enable fast launch",
  disable: "Disable fast launch",
};

/**
 * What an image card offers: turning fast launch on (which makes the boot snapshot for the
 * default type at once) needs the image's files in this browser; while it is on without that
 * snapshot, making it now; turning it off, whenever it is on.
 */
export function fastLaunchButtons(image: FastLaunchImage | undefined, filesHere: boolean, defaultMemoryMib: number): FastLaunchButton[] {
  if (!image) return [];
  if (image.state === "disabled") return filesHere ? ["enable"] : [];
  const hasDefault = image.goldenStates.some((state) => state.memoryMib === defaultMemoryMib && state.nic !== "none");
  return filesHere && !hasDefault && !image.making ? ["make-snapshot", "disable"] : ["disable"];
}

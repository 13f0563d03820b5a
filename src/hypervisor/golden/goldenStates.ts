/**
 * The golden states this browser keeps: found by identity and checked before a restore, made
 * in the background (one at a time) when an image is first launched or marked for fast launch,
 * and dropped when their image goes or when they were made by another emulator build or agent
 * protocol.
 */
import * as v from "valibot";
import type { ImageManifest } from "../../images/manifest.ts";
import { sha256Hex } from "../../images/sha256.ts";
import type { StoredGoldenState } from "../../persistence/database.ts";
import type { GoldenStateStore } from "../../persistence/goldenStateStore.ts";
import { toCloudError } from "../../shared/errors.ts";
import type { EmulatorDevices } from "../../worker/api.ts";
import { devicesRecord, readDevicesRecord } from "../instances/savedState.ts";
import { goldenKey, madeByAnotherHost, type GoldenIdentity } from "./identity.ts";
import type { MadeGolden } from "./goldenMaker.ts";

/** A golden state, read and checked, ready to restore. */
export interface GoldenState {
  readonly identity: GoldenIdentity;
  /** gzip-compressed v86 state. */
  readonly state: ArrayBuffer;
  readonly devices: EmulatorDevices;
  readonly bootConsole: string;
  readonly createdAt: string;
  /** The guest agent's version in the state: 2 and later take who the clone is in one request. */
  readonly agentVersion: number;
}

/** What the Images page shows of one. */
export interface GoldenStateSummary {
  readonly imageId: string;
  readonly memoryMib: number;
  /** "none" or "virtio mtu=<n>". */
  readonly nic: string;
  readonly sizeBytes: number;
  readonly rawBytes: number;
  readonly createdAt: string;
}

/** What looking one up found: a state to restore, none, or one that was refused (and removed) with the reason. */
export type GoldenLookup =
  | { readonly kind: "found"; readonly golden: GoldenState }
  | { readonly kind: "none" }
  | { readonly kind: "refused"; readonly reason: string };

/** An image's fast launch, as describeFastLaunchImages shows it. */
export interface FastLaunchImage {
  readonly imageId: string;
  /** "enabled": launches start from a golden state when one fits, and one is made at the first launch that finds none. */
  readonly state: "enabled" | "disabled";
  /** A golden state of it is being made now. */
  readonly making: boolean;
  readonly goldenStates: readonly GoldenStateSummary[];
}

/** Where the images whose fast launch was turned off are remembered. */
interface FastLaunchSettings {
  setting<T>(key: string): Promise<T | undefined>;
  putSetting(key: string, value: unknown): Promise<void>;
}

const DISABLED_SETTING = "fastLaunchDisabledImages";

export interface GoldenStatesContext {
  /** False: this host never makes or restores golden states (HypervisorOptions.fastLaunch). */
  readonly enabled: boolean;
  readonly store: GoldenStateStore;
  readonly settings: FastLaunchSettings;
  /** Makes one; the signal aborts it (the hypervisor shuts down). */
  make(image: ImageManifest, identity: GoldenIdentity, devices: EmulatorDevices, signal: AbortSignal): Promise<MadeGolden>;
  /** A golden state was stored or removed. */
  changed(): void;
  /** A golden state was made and stored. */
  stored?(image: ImageManifest, identity: GoldenIdentity): void;
}

const IdentitySchema = v.object({
  imageId: v.string(),
  rootSnapshotId: v.nullable(v.string()),
  rootVolumeSizeBytes: v.number(),
  memoryMib: v.number(),
  nic: v.string(),
  emulator: v.string(),
  agentProtocol: v.number(),
});

function readIdentity(record: StoredGoldenState): GoldenIdentity | null {
  const parsed = v.safeParse(IdentitySchema, record.identity);
  return parsed.success && goldenKey(parsed.output) === record.key ? parsed.output : null;
}

export class GoldenStates {
  readonly #ctx: GoldenStatesContext;
  /** Keys being made (with their image), so a second launch meanwhile does not start another. */
  readonly #making = new Map<string, string>();
  /** Makes run one after another: each is a whole boot. */
  #queue: Promise<void> = Promise.resolve();
  /** Why the last make of each key failed, for the console of whoever asks next. */
  readonly #failures = new Map<string, string>();
  /** Images whose fast launch was turned off. */
  #disabled = new Set<string>();
  /**
   * The golden state last found, checked: the next launch of the same identity restores it
   * without reading and checking it again. One at a time, dropped with its record.
   */
  #recent: { readonly key: string; readonly golden: GoldenState } | null = null;
  readonly #closing = new AbortController();

  constructor(context: GoldenStatesContext) {
    this.#ctx = context;
  }

  /** Reads which images' fast launch is off, and removes the states this host cannot restore (see prune). */
  async load(imageIds: ReadonlySet<string>): Promise<void> {
    const disabled = await this.#ctx.settings.setting<unknown>(DISABLED_SETTING);
    this.#disabled = new Set(Array.isArray(disabled) ? disabled.filter((id): id is string => typeof id === "string") : []);
    await this.prune(imageIds);
  }

  /** Turns the image's fast launch on or off; off removes its golden states. Returns the bytes freed. */
  async setFastLaunch(imageId: string, enabled: boolean): Promise<number> {
    if (enabled) this.#disabled.delete(imageId);
    else this.#disabled.add(imageId);
    await this.#ctx.settings.putSetting(DISABLED_SETTING, [...this.#disabled]);
    this.#ctx.changed();
    return enabled ? 0 : this.dropImage(imageId);
  }

  isEnabled(imageId: string): boolean {
    return this.#ctx.enabled && !this.#disabled.has(imageId);
  }

  /** Whether this host makes and restores golden states at all. */
  get available(): boolean {
    return this.#ctx.enabled;
  }

  async describe(imageIds: readonly string[]): Promise<FastLaunchImage[]> {
    const states = await this.list();
    const making = new Set(this.#making.values());
    return imageIds.map((imageId) => ({
      imageId,
      state: this.isEnabled(imageId) ? "enabled" : "disabled",
      making: making.has(imageId),
      goldenStates: states.filter((state) => state.imageId === imageId),
    }));
  }

  /** Stops making golden states; one being made is abandoned. */
  close(): void {
    this.#closing.abort();
  }

  /** The golden state for this identity, checked; a damaged or unreadable one is removed and refused. */
  async find(identity: GoldenIdentity): Promise<GoldenLookup> {
    if (!this.isEnabled(identity.imageId) || this.#closing.signal.aborted) return { kind: "none" };
    const key = goldenKey(identity);
    if (this.#recent?.key === key) return { kind: "found", golden: this.#recent.golden };
    const { store } = this.#ctx;
    const record = await store.record(key).catch(() => undefined);
    if (!record) return { kind: "none" };
    const refuse = async (reason: string): Promise<GoldenLookup> => {
      await this.#remove(key);
      return { kind: "refused", reason };
    };
    const kept = readIdentity(record);
    const devices = readDevicesRecord(record.devices);
    if (!kept || !devices) return refuse("its record cannot be read");
    const state = await store.bytes(key);
    if (!state || state.byteLength !== record.sizeBytes || (await sha256Hex(state)) !== record.sha256) {
      return refuse("its stored bytes do not match their checksum (the copy in this browser is damaged)");
    }
    const golden: GoldenState = {
      identity: kept,
      state,
      devices,
      bootConsole: record.bootConsole,
      createdAt: record.createdAt,
      agentVersion: record.agentVersion ?? 1,
    };
    this.#recent = { key, golden };
    return { kind: "found", golden };
  }

  /** Makes the golden state in the background unless it is kept or being made already. */
  want(image: ImageManifest, identity: GoldenIdentity, devices: EmulatorDevices): Promise<void> {
    const key = goldenKey(identity);
    if (this.#making.has(key) || !this.isEnabled(identity.imageId) || this.#closing.signal.aborted) return this.#queue;
    this.#making.set(key, identity.imageId);
    this.#queue = this.#queue.then(async () => {
      try {
        if (this.#closing.signal.aborted || (await this.#ctx.store.record(key))) return;
        const made = await this.#ctx.make(image, identity, devices, this.#closing.signal);
        // Turned off (or shut down) while it was being made: not kept.
        if (!this.isEnabled(identity.imageId) || this.#closing.signal.aborted) return;
        const record: StoredGoldenState = {
          key,
          imageId: identity.imageId,
          identity,
          devices: devicesRecord(made.devices),
          sizeBytes: made.state.byteLength,
          rawBytes: made.rawBytes,
          sha256: await sha256Hex(made.state),
          createdAt: new Date().toISOString(),
          bootConsole: made.bootConsole,
          agentVersion: made.agentVersion,
        };
        await this.#ctx.store.put(record, made.state);
        this.#failures.delete(key);
        this.#ctx.changed();
        this.#ctx.stored?.(image, identity);
      } catch (error) {
        // A launch that finds none cold-boots, as before; it says why there was none.
        this.#failures.set(key, toCloudError(error).message);
      } finally {
        this.#making.delete(key);
      }
    });
    return this.#queue;
  }

  /** Why the last attempt to make this identity's state failed, or null. */
  failure(identity: GoldenIdentity): string | null {
    return this.#failures.get(goldenKey(identity)) ?? null;
  }

  /** Resolves once no golden state is being made. */
  async idle(): Promise<void> {
    let queue;
    do {
      queue = this.#queue;
      await queue;
    } while (queue !== this.#queue);
  }

  async list(): Promise<GoldenStateSummary[]> {
    const records = await this.#ctx.store.records();
    return records.flatMap((record) => {
      const identity = readIdentity(record);
      if (!identity) return [];
      const { sizeBytes, rawBytes, createdAt } = record;
      return [{ imageId: identity.imageId, memoryMib: identity.memoryMib, nic: identity.nic, sizeBytes, rawBytes, createdAt }];
    });
  }

  /** Removes the image's golden states (it was deregistered); returns the bytes freed. */
  async dropImage(imageId: string): Promise<number> {
    const records = (await this.#ctx.store.records()).filter((record) => record.imageId === imageId);
    for (const record of records) await this.#remove(record.key);
    return records.reduce((sum, record) => sum + record.sizeBytes, 0);
  }

  /** Removes states this host cannot restore: of images no longer here, another emulator build, another agent protocol, or unreadable. */
  async prune(imageIds: ReadonlySet<string>): Promise<void> {
    for (const record of await this.#ctx.store.records()) {
      const identity = readIdentity(record);
      if (!identity || madeByAnotherHost(identity) || !imageIds.has(identity.imageId)) await this.#remove(record.key);
    }
  }

  async #remove(key: string): Promise<void> {
    if (this.#recent?.key === key) this.#recent = null;
    await this.#ctx.store.delete(key);
    this.#ctx.changed();
  }
}

/**
 * A golden state restored ahead of need: a worker of its own restores the latest golden state
 * launched (or made), runs a few of the commands re-personalising will run (so the emulator has
 * compiled the guest code they take), and pauses. The next launch of the same identity takes this
 * emulator instead of restoring one, and only re-personalises it. One is kept at a time; it holds
 * its guest memory while it waits.
 */
import { transfer } from "comlink";
import type { ImageRepository } from "../../images/imageRepository.ts";
import type { ImageManifest } from "../../images/manifest.ts";
import type { BootSpec, InstanceChannelMessage } from "../../worker/api.ts";
import type { HostChannelPort } from "../instances/record.ts";
import type { InstanceWorkerHandle } from "../platform/workerHost.ts";
import { goldenBootSpec } from "./goldenBoot.ts";
import type { GoldenState } from "./goldenStates.ts";
import { goldenKey } from "./identity.ts";

/** The programs re-personalising runs, run once with no effect. */
const WARM_UP =
  "hostname > /dev/null; date > /dev/null; stty -a < /dev/null > /dev/null 2>&1; ip link show > /dev/null 2>&1; usleep 1; echo warm";
const WARM_UP_TIMEOUT_MS = 20_000;

export interface GoldenSpareContext {
  readonly images: ImageRepository;
  spawn(): InstanceWorkerHandle;
}

interface Spare {
  readonly key: string;
  /** What it was restored from (read and checked when it was restored). */
  readonly golden: GoldenState;
  readonly handle: InstanceWorkerHandle;
  readonly ports: readonly { close(): void }[];
  ready: boolean;
}

export class GoldenSpares {
  readonly #ctx: GoldenSpareContext;
  readonly #enabled: boolean;
  #spare: Spare | null = null;
  #closed = false;

  constructor(context: GoldenSpareContext, enabled: boolean) {
    this.#ctx = context;
    this.#enabled = enabled;
  }

  /** Restores this golden state in a spare worker, unless one holds it already (or is restoring it). */
  prepare(image: ImageManifest, golden: GoldenState): void {
    const key = goldenKey(golden.identity);
    if (!this.#enabled || this.#closed || this.#spare?.key === key) return;
    this.#discard();
    const channel = new MessageChannel();
    const nic = golden.devices.nic.type === "virtio" ? new MessageChannel() : null;
    // What the paused guest says before an instance takes it is nobody's.
    (channel.port1 as unknown as HostChannelPort).onmessage = (_event: { readonly data: InstanceChannelMessage }) => undefined;
    const spare: Spare = { key, golden, handle: this.#ctx.spawn(), ports: [channel.port1, ...(nic ? [nic.port1] : [])], ready: false };
    this.#spare = spare;
    spare.handle.onCrash(() => this.#spare === spare && this.#discard());
    void this.#restore(spare, image, golden, channel, nic).then(
      (ready) => {
        if (this.#spare !== spare) return;
        if (ready) spare.ready = true;
        else this.#discard();
      },
      () => this.#spare === spare && this.#discard(),
    );
  }

  /** The golden state a ready spare holds for this identity, or null: a launch that finds one need not read it again. */
  ready(key: string): GoldenState | null {
    const spare = this.#spare;
    return spare?.key === key && spare.ready ? spare.golden : null;
  }

  /** The paused emulator restored from this golden state, if one is ready: the caller adopts it (and terminates it when done). */
  take(key: string): InstanceWorkerHandle | null {
    const spare = this.#spare;
    if (!spare || spare.key !== key || !spare.ready) return null;
    this.#spare = null;
    for (const port of spare.ports) port.close();
    return spare.handle;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const spare = this.#spare;
    this.#spare = null;
    for (const port of spare?.ports ?? []) port.close();
    await spare?.handle.terminate().catch(() => undefined);
  }

  #discard(): void {
    const spare = this.#spare;
    this.#spare = null;
    for (const port of spare?.ports ?? []) port.close();
    void spare?.handle.terminate().catch(() => undefined);
  }

  async #restore(
    spare: Spare,
    image: ImageManifest,
    golden: GoldenState,
    channel: InstanceType<typeof MessageChannel>,
    nicChannel: InstanceType<typeof MessageChannel> | null,
  ): Promise<boolean> {
    const boot = await goldenBootSpec({
      images: this.#ctx.images,
      image,
      memoryMib: golden.identity.memoryMib,
      devices: golden.devices,
      writtenBlocks: new Map(),
      channel,
      nic: nicChannel,
    });
    const spec: BootSpec = { ...boot.spec, hibernation: golden.state.slice(0), hibernationDevices: golden.devices, golden: true };
    const api = spare.handle.api;
    if (!(await api.boot(transfer(spec, boot.ports))).ok || this.#spare !== spare) return false;
    const warmed = await api.exec(WARM_UP, WARM_UP_TIMEOUT_MS);
    if (!warmed.ok || this.#spare !== spare) return false;
    await api.pause();
    return true;
  }
}

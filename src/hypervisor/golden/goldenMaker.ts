/**
 * Makes a golden state: boots a fresh root volume of the image in a worker of its own (no
 * instance, no network behind its NIC), waits for the guest agent, lets the guest write back its
 * disk and drop its page cache, and saves the emulator's state. The boot's console messages are
 * kept with it: an instance launched from it shows them as its own boot's.
 */
import { transfer } from "comlink";
import type { WrittenBlocks } from "../../disk/blockOverlay.ts";
import type { ImageRepository } from "../../images/imageRepository.ts";
import type { ImageManifest } from "../../images/manifest.ts";
import { Ec2Error, unwrap } from "../../shared/errors.ts";
import type { EmulatorDevices, InstanceChannelMessage } from "../../worker/api.ts";
import type { HostChannelPort } from "../instances/record.ts";
import type { InstanceWorkerHandle } from "../platform/workerHost.ts";
import { goldenBootSpec } from "./goldenBoot.ts";
import type { GoldenIdentity } from "./identity.ts";
import { SETTLE_BEFORE_SAVE } from "./personalise.ts";

const AGENT_READY_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_SEC = 30;

export interface GoldenMakerContext {
  readonly images: ImageRepository;
  /** A worker of its own, ended when the state is saved. */
  spawn(): InstanceWorkerHandle;
  /** The blocks a snapshot holds (an image made here boots with its root snapshot's blocks over the file). */
  snapshotBlocks(snapshotId: string): Promise<WrittenBlocks>;
}

export interface MadeGolden {
  /** gzip-compressed v86 state. */
  readonly state: ArrayBuffer;
  readonly rawBytes: number;
  readonly devices: EmulatorDevices;
  readonly bootConsole: string;
  readonly agentVersion: number;
}

export async function makeGolden(
  ctx: GoldenMakerContext,
  image: ImageManifest,
  identity: GoldenIdentity,
  devices: EmulatorDevices,
  signal: AbortSignal,
): Promise<MadeGolden> {
  const writtenBlocks = identity.rootSnapshotId ? await ctx.snapshotBlocks(identity.rootSnapshotId) : new Map<number, Uint8Array>();
  const channel = new MessageChannel();
  const nic = devices.nic.type === "virtio" ? new MessageChannel() : null;
  signal.throwIfAborted();
  const worker = ctx.spawn();
  const abandon = () => void worker.terminate().catch(() => undefined);
  signal.addEventListener("abort", abandon);
  try {
    const host = channel.port1 as unknown as HostChannelPort;
    let bootConsole = "";
    const decoder = new TextDecoder();
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("its guest agent did not answer")), AGENT_READY_TIMEOUT_MS);
      worker.onCrash((reason) => reject(new Error(`its worker stopped: ${reason}`)));
      signal.addEventListener("abort", () => reject(new Error("the hypervisor shut down")));
      host.onmessage = ({ data }: { readonly data: InstanceChannelMessage }) => {
        if (data.type === "console") bootConsole += decoder.decode(data.data, { stream: true });
        if (data.type === "agent-ready") {
          clearTimeout(timer);
          resolve(data.agentVersion);
        }
      };
    });
    // Awaited only once the emulator runs: a failure before then must not go unhandled.
    ready.catch(() => undefined);
    const { spec, ports } = await goldenBootSpec({
      images: ctx.images,
      image,
      memoryMib: identity.memoryMib,
      devices,
      writtenBlocks,
      channel,
      nic,
    });
    unwrap(await worker.api.boot(transfer(spec, ports)));
    const agentVersion = await ready;
    const settled = unwrap(await worker.api.exec(SETTLE_BEFORE_SAVE, SETTLE_TIMEOUT_SEC * 1000));
    if (settled.exitCode !== 0) throw new Ec2Error("InstanceBootFailure", `The guest could not settle its disk: ${settled.stderr.trim()}`);
    const saved = unwrap(await worker.api.hibernate());
    return { state: saved.state, rawBytes: saved.rawBytes, devices: saved.devices, bootConsole, agentVersion };
  } finally {
    signal.removeEventListener("abort", abandon);
    channel.port1.close();
    nic?.port1.close();
    await worker.terminate().catch(() => undefined);
  }
}

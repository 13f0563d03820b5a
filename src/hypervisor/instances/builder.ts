/**
 * Builds an instance's emulator and boots it: the image's boot files and the instance's volumes
 * from this browser (downloading the image the first time), a worker, the console channel, and
 * the saved state when it resumes from hibernation. Also boots it again after the guest rebooted.
 */
import { transfer } from "comlink";
import type { ImageRepository, LoadOptions } from "../../images/imageRepository.ts";
import type { ImageBytes } from "../../shared/sharedBytes.ts";
import type { ImageFileRole } from "../../images/manifest.ts";
import type { FleetStore } from "../../persistence/fleetStore.ts";
import { Ec2Error, toCloudError, unwrap, type CloudError } from "../../shared/errors.ts";
import type {
  BootSpec,
  ChannelPort,
  EmulatorDevices,
  InstanceChannelMessage,
  LazyBaseSpec,
  NetworkSpec,
  VolumeSpec,
} from "../../worker/api.ts";
import { lazyBasePorts, serveChunks } from "../platform/chunkPorts.ts";
import type { DiskFlusher } from "../ebs/diskFlush.ts";
import { DATA_DEVICE, type VolumeRegistry } from "../ebs/volumes.ts";
import type { WorkerPool } from "../platform/workerPool.ts";
import type { AgentWatch } from "./agentWatch.ts";
import type { InstanceConsole } from "./console.ts";
import { instanceState } from "./instance.ts";
import { instanceKernelCommandLine } from "./kernelCommandLine.ts";
import type { HostChannelPort, InstanceRecord } from "./record.ts";
import type { InstanceRegistry } from "./registry.ts";
import type { Transitions } from "./transitions.ts";
import type { GoldenState, GoldenStates } from "../golden/goldenStates.ts";
import {
  goldenConsoleNote,
  goldenConsolePreface,
  goldenIdentityForBoot,
  personalise,
  PERSONALISE_DEADLINE_MS,
} from "../golden/goldenLaunch.ts";
import { devicesFor } from "../../worker/emulatorDevices.ts";
import { goldenKey, type GoldenIdentity } from "../golden/identity.ts";
import type { GoldenSpares } from "../golden/goldenSpare.ts";

/** The files an instance boots from besides its root volume. */
const BOOT_ROLES: readonly ImageFileRole[] = ["bios", "kernel"];

export interface BuilderContext {
  readonly registry: InstanceRegistry;
  readonly images: ImageRepository;
  readonly volumes: VolumeRegistry;
  readonly workers: WorkerPool;
  readonly transitions: Transitions;
  readonly disks: DiskFlusher;
  readonly agents: AgentWatch;
  readonly console: InstanceConsole;
  readonly fleet: FleetStore;
  /** An instance began running: sampling and flushing run, and the CPU is divided again. */
  started(): Promise<void>;
  /** An image was downloaded into this browser. */
  imagesChanged(): void;
  /** Data volumes as plain in-memory disks whose writes are not kept (the volume-io benchmark's yardstick). */
  readonly dataVolumesInMemory: boolean;
  /** Puts the instance on its network: its port on the fabric for the NIC, or null when it has no interface. */
  plugNetwork(record: InstanceRecord): Promise<NetworkSpec | null>;
  /** Fresh instances start from these when one fits (and the image's fast launch is on). */
  readonly goldens: GoldenStates;
  /** A golden state restored ahead of need, for the next launch of its identity. */
  readonly goldenSpares: GoldenSpares;
}

interface BootDisks {
  readonly boot: Record<ImageFileRole, ImageBytes>;
  readonly root: VolumeSpec | null;
  readonly data: VolumeSpec | null;
  /** The snapshot the root volume was created from (an image made here), or null. */
  readonly rootSnapshotId: string | null;
  /** An instance-store root reading a chunked image disk: how its worker gets the chunks. */
  readonly imageLazyBase: LazyBaseSpec | null;
}

/**
 * How long a launch from a golden state has the host to itself before the next spare is restored
 * (restoring one takes a core for about half a second): its login shows in a few hundred ms.
 */
const SPARE_AFTER_LAUNCH_MS = 1500;

export interface BootOptions {
  /** false: boot from the image even if a golden state fits (a restored one did not become the instance). */
  readonly golden?: boolean;
}

export class InstanceBuilder {
  readonly #ctx: BuilderContext;

  constructor(context: BuilderContext) {
    this.#ctx = context;
  }

  /**
   * Boots (or resumes) the instance, or restores its image's golden state when it is fresh and
   * one fits; ends running, or failed with the reason, unless overtaken.
   */
  async boot(record: InstanceRecord, generation: number, options: BootOptions = {}): Promise<void> {
    const { registry, transitions } = this.#ctx;
    const { instanceId } = record.instance;
    const runtime = record.runtime;
    const current = () => runtime.generation === generation;
    let disks: BootDisks;
    let network: NetworkSpec | null = null;
    try {
      disks = await this.#bootDisks(record, (progress) => current() && registry.update(record, { launchProgress: progress }));
      // A state saved before NICs were plugged resumes on the unplugged NIC it had (see savedState.ts).
      if (current() && runtime.hibernation?.devices.nic.type !== "ne2k") network = await this.#ctx.plugNetwork(record);
    } catch (error) {
      if (!current()) return;
      registry.update(record, { launchProgress: null });
      return transitions.failBoot(record, toCloudError(error, "InstanceBootFailure"));
    }
    if (!current()) {
      network?.port.close();
      return;
    }
    if (record.instance.launchProgress) registry.update(record, { launchProgress: null });
    const lookup = options.golden === false ? null : this.#golden(record, disks, network);
    const golden = lookup ? await lookup : null;
    if (!current()) {
      network?.port.close();
      return;
    }

    // A golden state already restored (and warmed) in a spare worker is taken as it is.
    const adopted = golden ? this.#ctx.goldenSpares.take(goldenKey(golden.identity)) : null;
    const worker = adopted ?? this.#ctx.workers.take(instanceId);
    // After a guest's reboot the stopped emulator stood in until now (see restart); it goes as the fresh one arrives.
    const replaced = runtime.worker;
    if (replaced) void this.#ctx.transitions.releaseWorker(record);
    runtime.worker = worker;
    worker.onCrash((reason) =>
      transitions.onWorkerLost(record, { code: "InstanceBootFailure", message: `The instance's worker stopped: ${reason}` }),
    );
    const channel = new MessageChannel();
    // Browsers' and Node's ports differ in their types, not in what is used of them here.
    const port = channel.port1 as unknown as HostChannelPort;
    runtime.channel = port;
    port.onmessage = (event) => this.#onChannelMessage(record, event.data);
    const spec = this.#bootSpec(record, disks, channel.port2 as unknown as ChannelPort, network, golden);
    const resuming = runtime.hibernation !== null && !golden;
    if (golden)
      this.#ctx.console.received(
        record,
        new TextEncoder().encode(goldenConsolePreface(record.config.image.imageId, golden.createdAt, golden.bootConsole)),
      );
    let booted;
    try {
      const ports = network ? [channel.port2, network.port as unknown as typeof channel.port2] : [channel.port2];
      const lazyPorts = lazyBasePorts([spec.rootVolume, spec.dataVolume]) as unknown as (typeof channel.port2)[];
      // An adopted emulator reads its disks through the ports it was restored with.
      if (adopted) lazyPorts.forEach((lazyPort) => lazyPort.close());
      booted = adopted
        ? await worker.api.adopt(transfer({ instanceId, channel: spec.channel, ...(network ? { network } : {}) }, ports))
        : await worker.api.boot(transfer(spec, [...ports, ...lazyPorts]));
    } catch (error) {
      booted = { ok: false as const, error: toCloudError(error, "InstanceBootFailure") };
    }
    if (!current()) return;
    if (!booted.ok && golden)
      return this.#bootInstead(record, generation, `The boot snapshot could not be restored (${booted.error.message}).`);
    if (!booted.ok) {
      if (record.instance.state.name === "running") return transitions.onWorkerLost(record, booted.error);
      return transitions.failBoot(record, booted.error);
    }
    if (golden) {
      const personalised = await personalise(worker.api, record, network?.macAddress ?? null, golden.agentVersion);
      if (!current()) return;
      if (!personalised.ok) {
        const seconds = PERSONALISE_DEADLINE_MS / 1000;
        return this.#bootInstead(
          record,
          generation,
          `The guest restored from the boot snapshot did not take this instance's identity within ${seconds} s (${personalised.error.message}).`,
        );
      }
    }
    record.config.hasRun = true;
    record.config.meter.startRun(registry.typeOf(record).pricePerHourUsd, Date.now());
    runtime.lastReading = null;
    if (resuming) void this.#ctx.fleet.deleteHibernation(instanceId).catch(() => undefined);
    runtime.hibernation = null;
    registry.update(record, {
      state: instanceState("running"),
      hibernated: false,
      // What went wrong with an earlier emulator is no longer the instance's state.
      ...(record.instance.stateReason?.code === "Server.InternalError" ? { stateReason: null } : {}),
      // Resumed or booted, the guest is alive only once its agent has said so.
      statusChecks: { system: "ok", instance: "initializing" },
    });
    // A golden state's agent is up and has just answered: the instance check goes straight on (user data first).
    if (golden) this.#ctx.agents.ready(record);
    else if (resuming) this.#ctx.agents.resumed(record, generation);
    else this.#ctx.agents.watch(record, generation);
    await this.#ctx.started();
    // The next launch of the image finds it restored already; restored a moment from now, so it
    // does not take the host's CPU from this instance while its login and user data run.
    if (golden) setTimeout(() => this.#ctx.goldenSpares.prepare(record.config.image, golden), SPARE_AFTER_LAUNCH_MS);
  }

  /**
   * The guest rebooted (its volume is clean and its emulator stopped): boot it again from the
   * same root volume in a fresh emulator. The instance stays running, as a reboot does on EC2.
   */
  async restart(record: InstanceRecord): Promise<void> {
    if (record.instance.state.name !== "running") return;
    const generation = this.#ctx.registry.begin(record, { statusChecks: { system: "ok", instance: "initializing" } });
    await this.#ctx.disks.keep(record, generation).catch(() => false);
    if (record.runtime.generation !== generation) return;
    // The stopped emulator stays the instance's until boot takes a fresh one, so there is always
    // one to type into (keys typed while the machine restarts are lost, as on a real console).
    await this.boot(record, generation);
  }

  #bootSpec(
    record: InstanceRecord,
    disks: BootDisks,
    channel: ChannelPort,
    network: NetworkSpec | null,
    golden: GoldenState | null,
  ): BootSpec {
    const { instanceId } = record.instance;
    const { image } = record.config;
    const files = disks.boot;
    const hibernation = record.runtime.hibernation;
    return {
      instanceId,
      memoryMib: record.instance.memoryMib,
      kernelCommandLine: instanceKernelCommandLine(image.kernelCommandLine, instanceId, record.config.terminalSize),
      bios: files.bios,
      kernel: files.kernel,
      // The image's disk is shared by every instance; each keeps only the blocks it wrote.
      rootVolume: disks.root ?? {
        base: files.rootVolume,
        sizeBytes: image.rootVolumeSizeBytes,
        writtenBlocks: record.runtime.instanceStoreBlocks,
        ...(disks.imageLazyBase ? { lazyBase: disks.imageLazyBase } : {}),
      },
      ...(disks.data ? { dataVolume: disks.data } : {}),
      channel,
      ...(network ? { network } : {}),
      ...(hibernation ? { hibernation: hibernation.state, hibernationDevices: hibernation.devices } : {}),
      ...(golden ? { hibernation: golden.state, hibernationDevices: golden.devices, golden: true } : {}),
    };
  }

  /**
   * The golden state this boot restores, or null: it is a fresh instance's first boot and its
   * image has one that fits. When none fits, the one this boot would have used is made once the
   * guest is up (see #onChannelMessage), for the next launch.
   */
  #golden(record: InstanceRecord, disks: BootDisks, network: NetworkSpec | null): Promise<GoldenState | null> | null {
    const goldens = this.#ctx.goldens;
    const devices = devicesFor(network ?? undefined);
    record.runtime.goldenWanted = null;
    if (!goldens.isEnabled(record.config.image.imageId)) return null;
    const identity = goldenIdentityForBoot(record, disks.rootSnapshotId, devices, disks.data !== null);
    if (!identity) return null;
    // A spare holding it restored already was checked when it read it.
    const held = this.#ctx.goldenSpares.ready(goldenKey(identity));
    return held ? Promise.resolve(held) : this.#findGolden(record, goldens, identity, devices);
  }

  async #findGolden(
    record: InstanceRecord,
    goldens: GoldenStates,
    identity: GoldenIdentity,
    devices: EmulatorDevices,
  ): Promise<GoldenState | null> {
    // Storage that cannot be read (closed under a shutting-down host) means no golden state, never a failed launch.
    const lookup = await goldens.find(identity).catch(() => ({ kind: "none" }) as const);
    if (lookup.kind === "found") return lookup.golden;
    if (lookup.kind === "refused")
      this.#note(
        record,
        `The boot snapshot of ${identity.imageId} was not used: ${lookup.reason}. It was removed; this instance boots from its image.`,
      );
    record.runtime.goldenWanted = { identity, devices };
    return null;
  }

  /** A restored golden state did not become the instance: it goes, and the instance boots from its image as if there had been none. */
  async #bootInstead(record: InstanceRecord, generation: number, reason: string): Promise<void> {
    this.#note(record, `${reason} Booting from the image instead.`);
    await this.#ctx.transitions.releaseWorker(record);
    // Nothing the restored guest wrote was stored (the instance never ran): its root volume is fresh again.
    record.runtime.instanceStoreBlocks = new Map();
    if (record.runtime.generation !== generation) return;
    await this.boot(record, generation, { golden: false });
  }

  #note(record: InstanceRecord, text: string): void {
    this.#ctx.console.received(record, new TextEncoder().encode(goldenConsoleNote(text)));
  }

  /**
   * What the emulator boots from: the image's boot files and the instance's volumes, from this
   * browser; the first launch of an image downloads it (with progress) and keeps it.
   */
  async #bootDisks(record: InstanceRecord, onProgress: NonNullable<LoadOptions["onProgress"]>): Promise<BootDisks> {
    const { images, volumes } = this.#ctx;
    const image = record.config.image;
    const root = record.config.rootVolumeId ? volumes.stored(record.config.rootVolumeId) : null;
    const data = volumes.attachedAt(record.instance.instanceId, DATA_DEVICE) ?? null;
    const baseShas = [root, data].flatMap((volume) => (volume?.base.kind === "blob" ? [volume.base.sha256] : []));
    // An instance-store root reads from the image's disk file too.
    if (!root) baseShas.push(image.files.rootVolume.sha256);
    const roles: readonly ImageFileRole[] = root ? BOOT_ROLES : [...BOOT_ROLES, "rootVolume"];
    let boot = await images.files(image, roles);
    const basesHeld = async () => (await Promise.all(baseShas.map((sha) => images.blob(sha)))).every((bytes) => bytes !== undefined);
    if (!boot.ok || !(await basesHeld())) {
      const downloaded = await images.download(image.imageId, { onProgress });
      this.#ctx.imagesChanged();
      unwrap(downloaded);
      boot = await images.files(image, roles);
    }
    const chunkTrouble = (error: CloudError) =>
      this.#ctx.console.received(record, new TextEncoder().encode(goldenConsoleNote(error.message)));
    const imageChunked = root ? null : await images.chunked(image.files.rootVolume.sha256);
    // The chunks a boot of the image reads first, fetched together while the emulator starts.
    const bootDisk = root?.base.kind === "blob" ? await images.chunked(root.base.sha256) : imageChunked;
    if (bootDisk && !record.runtime.hibernation) bootDisk.prefetch(bootDisk.file.bootChunks ?? []);
    const spec = async (volume: typeof root): Promise<VolumeSpec | null> => {
      if (!volume) return null;
      const base = volume.base.kind === "blob" ? await images.blob(volume.base.sha256) : null;
      const chunked = volume.base.kind === "blob" ? await images.chunked(volume.base.sha256) : null;
      if (volume.base.kind === "blob" && !base) {
        throw new Ec2Error(
          "InvalidAMIID.Unavailable",
          `The volume ${volume.volumeId} reads from an image file that is no longer in this browser.`,
        );
      }
      return {
        base: base ?? null,
        sizeBytes: volume.sizeBytes,
        writtenBlocks: await volumes.blocks(volume.volumeId),
        ...(chunked ? { lazyBase: serveChunks(chunked, chunkTrouble) } : {}),
      };
    };
    const dataSpec = await spec(data);
    return {
      boot: unwrap(boot).files,
      rootSnapshotId: root?.snapshotId ? root.snapshotId : null,
      imageLazyBase: imageChunked ? serveChunks(imageChunked, chunkTrouble) : null,
      root: await spec(root),
      data: dataSpec && this.#ctx.dataVolumesInMemory ? { ...dataSpec, inMemory: true } : dataSpec,
    };
  }

  #onChannelMessage(record: InstanceRecord, message: InstanceChannelMessage): void {
    switch (message.type) {
      case "console":
        this.#ctx.console.received(record, message.data);
        break;
      case "agent-ready": {
        this.#ctx.agents.ready(record);
        // A fresh instance booted because its image had no golden state: now that it is up, one is made for the next launch.
        const wanted = record.runtime.goldenWanted;
        record.runtime.goldenWanted = null;
        if (wanted) void this.#ctx.goldens.want(record.config.image, wanted.identity, wanted.devices);
        break;
      }
      case "guest-shutdown":
        this.#ctx.transitions.onGuestShutdown(record);
        break;
      case "guest-reboot":
        void this.restart(record);
        break;
      case "emulator-error":
        this.#ctx.transitions.onWorkerLost(record, message.error);
        break;
    }
  }
}

/**
 * The emulator a golden state is saved from and restored into before it is any instance's: the
 * image's files over a fresh root volume, the golden boot's command line and host name, and a
 * MAC of its own on its NIC (each instance's guest is given its interface's).
 */
import type { WrittenBlocks } from "../../disk/blockOverlay.ts";
import type { ImageRepository } from "../../images/imageRepository.ts";
import { lazyBasePorts, serveChunks } from "../platform/chunkPorts.ts";
import { IMAGE_FILE_ROLES, type ImageManifest } from "../../images/manifest.ts";
import { unwrap } from "../../shared/errors.ts";
import type { BootSpec, ChannelPort, EmulatorDevices, NetworkSpec } from "../../worker/api.ts";
import { GOLDEN_HOSTNAME, goldenKernelCommandLine } from "../instances/kernelCommandLine.ts";

/** A locally administered MAC for the golden boot's NIC. */
const GOLDEN_MAC = "02:00:00:00:00:01";

type Channel = InstanceType<typeof MessageChannel>;

export interface GoldenBoot {
  readonly images: ImageRepository;
  readonly image: ImageManifest;
  readonly memoryMib: number;
  readonly devices: EmulatorDevices;
  /** Blocks over the image's root disk: a root snapshot's for an image made here (a restore brings its own). */
  readonly writtenBlocks: WrittenBlocks;
  /** Its port2 goes to the worker. */
  readonly channel: Channel;
  /** Its port2 goes to the worker, when the devices have a NIC. */
  readonly nic: Channel | null;
}

/** The boot spec, and the ports to transfer with it. */
export async function goldenBootSpec(boot: GoldenBoot): Promise<{ readonly spec: BootSpec; readonly ports: Channel["port2"][] }> {
  const { image, devices, channel, nic } = boot;
  const files = unwrap(await boot.images.files(image, IMAGE_FILE_ROLES)).files;
  // A chunked disk: the golden boot fetches what it reads, like any boot (its errors end the boot by its time limit).
  const chunked = await boot.images.chunked(image.files.rootVolume.sha256);
  const network: NetworkSpec | undefined =
    nic && devices.nic.type === "virtio"
      ? { port: nic.port2 as unknown as NetworkSpec["port"], macAddress: GOLDEN_MAC, mtu: devices.nic.mtu }
      : undefined;
  const spec: BootSpec = {
    instanceId: GOLDEN_HOSTNAME,
    memoryMib: boot.memoryMib,
    kernelCommandLine: goldenKernelCommandLine(image.kernelCommandLine),
    bios: files.bios,
    kernel: files.kernel,
    rootVolume: {
      base: files.rootVolume,
      sizeBytes: image.rootVolumeSizeBytes,
      writtenBlocks: boot.writtenBlocks,
      ...(chunked ? { lazyBase: serveChunks(chunked, () => undefined) } : {}),
    },
    channel: channel.port2 as unknown as ChannelPort,
    ...(network ? { network } : {}),
  };
  const lazy = lazyBasePorts([spec.rootVolume]) as unknown as Channel["port2"][];
  return { spec, ports: [...(network && nic ? [channel.port2, nic.port2] : [channel.port2]), ...lazy] };
}

/**
 * v86's NIC as the worker uses it. v86 creates its virtio-net device with a random MAC and has
 * no option for one; the device answers the guest's reads of its config space from a field, so
 * setting that field before the guest boots gives eth0 the ENI's MAC. The state v86 saves keeps
 * the device's rings; the guest keeps the MAC its driver read, so the field is set again on every
 * boot and resume (v86 does not restore it from the state). Reached through internals the
 * typings do not declare; checked, so a v86 upgrade that moves them fails loudly at boot.
 */
import type { EmulatorDevices } from "./api.ts";
import { macBytes } from "./emulatorDevices.ts";
import type { NicBus } from "./nicChannel.ts";

/** v86's net_device option for these devices. */
export function netDeviceOption(devices: EmulatorDevices): { type: "ne2k" } | { type: "virtio"; mtu: number } {
  return devices.nic.type === "virtio" ? { type: "virtio", mtu: devices.nic.mtu } : { type: "ne2k" };
}

interface VirtQueue {
  readonly enabled: boolean;
  has_request(): boolean;
}

interface VirtioNetInternals {
  mac: Uint8Array;
  readonly virtio: { readonly queues: readonly VirtQueue[] };
}

/** The parts of a V86 the NIC uses. */
export interface V86NicHost {
  add_listener(event: "net0-send", listener: (frame: Uint8Array) => void): void;
}

interface V86NicInternals {
  readonly bus?: { send(event: string, data: unknown): void };
  readonly v86?: { readonly cpu?: { readonly devices?: { readonly virtio_net?: VirtioNetInternals } } };
}

function virtioNetOf(emulator: V86NicHost): VirtioNetInternals {
  const device = (emulator as V86NicInternals).v86?.cpu?.devices?.virtio_net;
  if (!device || !(device.mac instanceof Uint8Array) || !device.virtio?.queues?.[0]) {
    throw new Error("this v86 build has no virtio-net device to connect (was the v86 version changed?)");
  }
  return device;
}

/** Gives the guest's NIC the MAC address (call after the emulator loaded, before it runs). */
export function setNicMac(emulator: V86NicHost, macAddress: string): void {
  virtioNetOf(emulator).mac = macBytes(macAddress);
}

/** The virtio-net NIC of a loaded emulator, as the frame channel drives it. */
export function virtioNicBus(emulator: V86NicHost): NicBus {
  const device = virtioNetOf(emulator);
  const bus = (emulator as V86NicInternals).bus;
  if (!bus) throw new Error("this v86 build has no bus to hand frames to its NIC (was the v86 version changed?)");
  // Queue 0 is the guest's receive ring. v86 would write into a ring the driver has not set up
  // yet (it reads its addresses as 0), so nothing is handed over until the driver enabled it.
  const receiveRing = () => device.virtio.queues[0];
  return {
    onFrame: (listener) => emulator.add_listener("net0-send", listener),
    receive: (frame) => bus.send("net0-receive", frame),
    canReceive: () => {
      const ring = receiveRing();
      return ring !== undefined && ring.enabled && ring.has_request();
    },
  };
}

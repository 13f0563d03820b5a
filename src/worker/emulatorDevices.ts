/**
 * Which devices an emulator is created with, and whether a saved state may resume on them. v86
 * restores each device from its own slot of the state: a state resumed on another NIC (or the
 * same NIC with another MAC or MTU) leaves the guest's driver talking to a device that is not
 * there. Pure, for the worker and the hypervisor alike.
 */
import type { EmulatorDevices, NetworkSpec, NicDevice } from "./api.ts";

/** Every state saved before devices were recorded: v86 gave each emulator an ne2k NIC, unplugged. */
export const LEGACY_DEVICES: EmulatorDevices = { nic: { type: "ne2k" } };

const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** Linux's virtio-net takes 68 (IPv4's minimum) up to what fits a 64 KiB buffer. */
const MIN_MTU = 68;
const MAX_MTU = 65_535;

export function devicesFor(network: Pick<NetworkSpec, "macAddress" | "mtu"> | undefined): EmulatorDevices {
  if (!network) return LEGACY_DEVICES;
  return { nic: { type: "virtio", mtu: network.mtu, macAddress: network.macAddress.toLowerCase() } };
}

/** Why the NIC cannot be created as asked, or null when it can. */
export function invalidNic(network: Pick<NetworkSpec, "macAddress" | "mtu">): string | null {
  if (!MAC_PATTERN.test(network.macAddress.toLowerCase())) {
    return `The MAC address "${network.macAddress}" is not six hexadecimal bytes separated by colons.`;
  }
  if (!Number.isInteger(network.mtu) || network.mtu < MIN_MTU || network.mtu > MAX_MTU) {
    return `The MTU ${network.mtu} is not a whole number from ${MIN_MTU} to ${MAX_MTU}.`;
  }
  return null;
}

/** "02:1a:2b:3c:4d:5e" as its six bytes (the address must have passed invalidNic). */
export function macBytes(macAddress: string): Uint8Array {
  return Uint8Array.from(macAddress.split(":"), (byte) => Number.parseInt(byte, 16));
}

function sameDevices(a: EmulatorDevices, b: EmulatorDevices): boolean {
  return describeNic(a.nic) === describeNic(b.nic);
}

export function describeNic(nic: NicDevice): string {
  return nic.type === "ne2k" ? "an unplugged ne2k NIC" : `a virtio-net NIC with MAC ${nic.macAddress} and MTU ${nic.mtu}`;
}

/**
 * Why a state saved on `saved` cannot resume on `now`, or null when it can. A golden state may
 * resume on a NIC with another MAC: the guest is given the new one after the resume.
 */
export function resumeRefusal(saved: EmulatorDevices, now: EmulatorDevices, options: { readonly anyMac?: boolean } = {}): string | null {
  const withoutMac = (devices: EmulatorDevices): EmulatorDevices =>
    devices.nic.type === "virtio" ? { nic: { ...devices.nic, macAddress: "any" } } : devices;
  if (options.anyMac ? sameDevices(withoutMac(saved), withoutMac(now)) : sameDevices(saved, now)) return null;
  return `The saved state was taken with ${describeNic(saved.nic)} and cannot resume on ${describeNic(now.nic)}.`;
}

/**
 * Addresses as the fabric handles them: IPv4 as an unsigned 32-bit number (so a CIDR match is
 * one mask and compare), a MAC as its six bytes.
 */

/** "a.b.c.d" to an unsigned 32-bit number, or null when it is not a dotted quad. */
export function ipv4ToNumber(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join(".");
}

export const BROADCAST_MAC: Uint8Array = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

/** "02:00:ac:1f:00:0a" (or with dashes) to six bytes, or null. */
export function parseMac(text: string): Uint8Array | null {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return null;
  const bytes = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const part = parts[i] ?? "";
    if (!/^[0-9a-fA-F]{2}$/.test(part)) return null;
    bytes[i] = parseInt(part, 16);
  }
  return bytes;
}

/** Lower case and colons, as EC2 writes a MAC address. */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length < 6 || b.length < 6) return false;
  for (let i = 0; i < 6; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Broadcast and multicast MACs have the group bit set in their first byte. */
export function isGroupMac(mac: Uint8Array): boolean {
  return ((mac[0] ?? 0) & 1) === 1;
}

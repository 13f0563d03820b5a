/**
 * What the host tells the guest agent around a golden state: in the golden boot, just before the
 * state is saved, a script that leaves the disk clean and the page cache empty (so the state is
 * small and holds no stale file data); in every instance restored from it, who the clone is,
 * before anyone can use it: one personalise request to an agent that takes it (version 2), a
 * script for older agents. Pure.
 */
import { bytesToBase64 } from "../../guest/base64.ts";
import type { GuestIdentity } from "../../guest/protocol.ts";
import type { TerminalSize } from "../instances/kernelCommandLine.ts";

/** Run in the golden boot before its state is saved. */
export const SETTLE_BEFORE_SAVE = "sync && echo 3 > /proc/sys/vm/drop_caches";

export interface Personality {
  /** The instance id: the guest's host name, which the prompt shows. */
  readonly hostname: string;
  /** The host's clock, in ms since the epoch: the clone's clock stopped when the state was saved. */
  readonly nowMs: number;
  /**
   * Random bytes from the host, written (as base64 text, all of their randomness kept) into the
   * guest's pool: clones of one state would otherwise draw the same random numbers.
   */
  readonly seed: Uint8Array;
  readonly terminal: TerminalSize;
  /** The instance's network interface's MAC, or null when it has none. */
  readonly macAddress: string | null;
}

const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The identity a restored golden state takes; throws on one a shell could misread. */
export function guestIdentity(personality: Personality): GuestIdentity {
  const { hostname, nowMs, seed, terminal, macAddress } = personality;
  const mac = macAddress?.toLowerCase() ?? null;
  if (!HOSTNAME.test(hostname)) throw new RangeError(`"${hostname}" cannot be a host name.`);
  if (mac !== null && !MAC.test(mac)) throw new RangeError(`"${macAddress}" is not a MAC address.`);
  if (!Number.isInteger(terminal.rows) || !Number.isInteger(terminal.cols))
    throw new RangeError("The terminal size must be whole numbers.");
  return { hostname, epochSec: Math.floor(nowMs / 1000), rows: terminal.rows, cols: terminal.cols, seed, macAddress: mac };
}

/**
 * The script that makes a restored golden state this instance, for agents before version 2
 * (whose console's shell was already at a prompt when the state was saved); throws on an
 * identity a shell could misread.
 */
export function personaliseScript(personality: Personality): string {
  const { hostname, epochSec, rows, cols, seed, macAddress: mac } = guestIdentity(personality);
  // Shell builtins where they do the job: every program started in the guest costs a fork and
  // an exec, the slowest things an emulated guest does.
  const lines = [
    `echo ${hostname} > /proc/sys/kernel/hostname`,
    `echo "${rows} ${cols}" > /run/tabcloud/winsize`,
    // The console's shell was started in the golden boot (its prompt and $HOSTNAME are the golden
    // boot's): hang it up first, so init's respawn of a fresh login (which reads the new host name
    // and size) overlaps the rest. It is the process reading the console (ttyS0); init, whose loop
    // may be sleeping, is woken with SIGHUP (which re-reads an unchanged inittab) to respawn it at once.
    'for fd in /proc/[0-9]*/fd/0; do [ "$fd" -ef /dev/ttyS0 ] && fd=${fd#/proc/} && kill -HUP ${fd%%/*}; done',
    "kill -HUP 1",
    `date -s @${epochSec} > /dev/null`,
    `echo ${bytesToBase64(seed)} > /dev/urandom`,
  ];
  if (mac !== null) {
    // The golden boot's NIC had another MAC and (with no network behind it) no lease: eth0 takes
    // the interface's MAC and asks the VPC's DHCP server afresh, in the background as rcS does at
    // boot (udhcpc clears the interface's address as it starts; the lease comes in milliseconds).
    lines.push(
      "if [ -e /sys/class/net/eth0 ]; then",
      "  read -r pid 2> /dev/null < /run/udhcpc.eth0.pid && kill $pid 2> /dev/null",
      "  rm -f /run/tabcloud/network",
      `  ip link set dev eth0 address ${mac}`,
      "  setsid udhcpc -f -i eth0 -s /usr/share/udhcpc/default.script -O mtu -t 3 -T 1 -A 10 -p /run/udhcpc.eth0.pid < /dev/null > /dev/null 2>&1 &",
      "fi",
    );
  }
  lines.push("read -r name < /proc/sys/kernel/hostname; echo $name");
  return lines.join("\n");
}

/** The instance's part of the kernel command line, read by the guest's /etc/init.d/rcS. */
export interface TerminalSize {
  readonly rows: number;
  readonly cols: number;
}

export const DEFAULT_TERMINAL_SIZE: TerminalSize = { rows: 24, cols: 80 };

export function isTerminalSize(size: TerminalSize): boolean {
  const fits = (n: number) => Number.isInteger(n) && n >= 2 && n <= 1000;
  return fits(size.rows) && fits(size.cols);
}

export function instanceKernelCommandLine(imageCommandLine: string, hostname: string, terminal: TerminalSize): string {
  return `${imageCommandLine} tabcloud.hostname=${hostname} tabcloud.rows=${terminal.rows} tabcloud.cols=${terminal.cols}`;
}

/** The golden boot's host name: every instance restored from its state is given its own. */
export const GOLDEN_HOSTNAME = "tabcloud";

/**
 * The command line of the boot a golden state is saved from.
 * - `tabcloud.golden` has the guest (from agent version 2) hold its console's shell at a gate
 *   until the clone is told who it is, so the login a person sees is the clone's own, with
 *   nothing to hang up and start again.
 * - `init_on_free=1` has the kernel zero every page it frees. v86 does not store zero pages, so
 *   the state holds only memory in use: it is smaller, and restores faster, at every launch.
 *   Zeroing all of memory at boot takes time in proportion to it, paid once here instead of by
 *   every cold boot (the image's own command line leaves it out).
 */
export function goldenKernelCommandLine(imageCommandLine: string): string {
  return `${instanceKernelCommandLine(imageCommandLine, GOLDEN_HOSTNAME, DEFAULT_TERMINAL_SIZE)} init_on_free=1 tabcloud.golden`;
}

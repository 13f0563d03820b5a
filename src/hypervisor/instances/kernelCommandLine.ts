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

/** How the console writes money, sizes and rates. */
/** Dollars, with enough decimals that even a second of a tiny volume's storage shows (three significant digits). */
export function usd(amount: number): string {
  if (amount === 0) return "$0.00";
  if (amount >= 1) return `$${amount.toFixed(2)}`;
  const decimals = Math.min(12, Math.max(4, 2 - Math.floor(Math.log10(amount))));
  return `$${amount.toFixed(decimals)}`;
}

export function mib(value: number): string {
  return value >= 1024 ? `${(value / 1024).toFixed(1)} GiB` : `${Math.round(value)} MiB`;
}

export function pct(value: number): string {
  return `${value.toFixed(value < 10 ? 1 : 0)}%`;
}

export function mips(instructionsPerSecond: number): string {
  return `${(instructionsPerSecond / 1e6).toFixed(instructionsPerSecond < 1e7 ? 1 : 0)} MIPS`;
}

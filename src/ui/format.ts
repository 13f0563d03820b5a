/** How the console writes money, sizes and rates. */
export function usd(amount: number): string {
  if (amount === 0) return "$0.00";
  if (amount < 0.01) return `$${amount.toFixed(6)}`;
  return `$${amount.toFixed(amount < 1 ? 4 : 2)}`;
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

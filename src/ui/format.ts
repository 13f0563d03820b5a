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

/** Bytes in binary units, as the console writes sizes: "512 B", "4.0 KiB", "16.0 MiB", "1.2 GiB". */
export function bytes(count: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${count} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A share of a whole, rounded down to a whole percent so that an unfinished whole never shows 100%. */
export function wholePct(part: number, whole: number): number {
  if (whole <= 0) return 0;
  return Math.min(100, Math.floor((part / whole) * 100));
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A timestamp (ISO 8601) in the reader's locale and time zone. */
export function dateTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? "–" : dateTimeFormat.format(at);
}

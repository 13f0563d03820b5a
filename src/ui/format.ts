/** How the console writes money, sizes and rates. */
// As the AWS Billing console writes money: cents for totals, up to four decimals for amounts under
// a dollar (an hour of t3.nano is $0.0052), and "$0.00" for what would round to nothing.
const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const cents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** Dollars: "$1,234.50", "$0.50", "$0.0104", "$0.00". */
export function usd(amount: number): string {
  const text = (Math.abs(amount) >= 1 ? dollars : cents).format(amount);
  return text === "-$0.00" ? "$0.00" : text;
}

/** A length of time as the console writes it: "42 s", "2 min", "1 h 5 min", "1 d 1 h" (rounded down). */
export function duration(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
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

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function percentile(values: readonly number[], pct: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((pct / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** One benchmark result: a JSON object on a line of its own. */
export function report(figures: { bench: string } & Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}

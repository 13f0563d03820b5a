/**
 * Divides the host's CPU among running instances: weighted max-min fairness with caps. Each
 * instance gets its weight's part of what is left; one whose cap is below that part gets its
 * cap, and what it leaves is shared again among the rest (water-filling). Pure arithmetic.
 */
export interface CpuDemand {
  readonly id: string;
  readonly weight: number;
  /** Most this instance may have, in percent of one host core (at most 100: v86 is one CPU). */
  readonly capPct: number;
}

/** Shares in percent of one host core, by id. `budgetPct` is the host's total (100 per core). */
export function allocateCpu(budgetPct: number, demands: readonly CpuDemand[]): Map<string, number> {
  const shares = new Map<string, number>();
  let left = Math.max(0, budgetPct);
  let open = demands.filter((demand) => demand.weight > 0);
  for (const demand of demands) shares.set(demand.id, 0);
  while (open.length > 0 && left > 1e-9) {
    const totalWeight = open.reduce((sum, demand) => sum + demand.weight, 0);
    const capped = open.filter((demand) => Math.min(100, demand.capPct) <= (left * demand.weight) / totalWeight);
    if (capped.length === 0) {
      for (const demand of open) shares.set(demand.id, (left * demand.weight) / totalWeight);
      return shares;
    }
    for (const demand of capped) {
      const share = Math.max(0, Math.min(100, demand.capPct));
      shares.set(demand.id, share);
      left -= share;
    }
    open = open.filter((demand) => !capped.includes(demand));
  }
  return shares;
}

export interface CpuTurn {
  readonly sharePct: number;
  /** Where the instance's window starts in each scheduling period, in percent of the period. */
  readonly offsetPct: number;
}

/**
 * Lays the shares' windows end to end around each core's period, in id order, wrapping onto
 * the next core where one core's period is full (McNaughton's rule): on each core the windows
 * do not overlap, a window that wraps is on two cores at different times, so at most as many
 * emulators run at once as the budget has cores and none waits on another's turn.
 */
export function layTurns(shares: ReadonlyMap<string, number>): Map<string, CpuTurn> {
  const turns = new Map<string, CpuTurn>();
  let offsetPct = 0;
  for (const id of [...shares.keys()].sort()) {
    const sharePct = shares.get(id) ?? 0;
    turns.set(id, { sharePct, offsetPct: offsetPct % 100 });
    offsetPct += sharePct;
  }
  return turns;
}

/**
 * The default CPU budget: every host core but one, which is left to the page and the browser
 * (at least one). On a two-core machine four busy emulators held to one core together run as
 * fast as four unheld ones (bench/cpu-aggregate), and the page stays responsive.
 */
export function defaultCpuCores(hostCores: number): number {
  return Math.max(1, Math.floor(hostCores) - 1);
}

/**
 * CPU credits of a burstable instance, as EC2 defines them: one credit is one minute of a full
 * vCPU. Credits are earned at the baseline rate up to a maximum and spent by CPU use. In
 * standard mode a spent-out instance is held to its baseline; in unlimited mode it may go on
 * bursting and the credits it borrows are surplus credits, repaid by later earnings first and
 * charged for if still owed when it stops.
 */
import type { BurstableCpu } from "../instances/instanceTypes.ts";

export type CreditMode = "standard" | "unlimited";

export class CreditAccount {
  readonly #spec: BurstableCpu;
  readonly mode: CreditMode;
  #balance: number;
  #surplus = 0;

  constructor(spec: BurstableCpu, mode: CreditMode, initialBalance = 0, initialSurplus = 0) {
    this.#spec = spec;
    this.mode = mode;
    this.#balance = Math.min(spec.maxCredits, Math.max(0, initialBalance));
    this.#surplus = Math.max(0, initialSurplus);
  }

  get balance(): number {
    return this.#balance;
  }

  /** Credits borrowed beyond the balance (unlimited mode) and not yet repaid. */
  get surplus(): number {
    return this.#surplus;
  }

  /** Accounts for `seconds` of running at `usagePct` of a core; returns the credits used. */
  record(seconds: number, usagePct: number): number {
    const earned = (this.#spec.creditsPerHour / 3600) * seconds;
    const spent = (Math.max(0, usagePct) / 100 / 60) * seconds;
    let net = earned - spent;
    if (net > 0 && this.#surplus > 0) {
      const repay = Math.min(net, this.#surplus);
      this.#surplus -= repay;
      net -= repay;
    }
    this.#balance += net;
    if (this.#balance < 0) {
      if (this.mode === "unlimited") this.#surplus += -this.#balance;
      this.#balance = 0;
    }
    this.#balance = Math.min(this.#spec.maxCredits, this.#balance);
    return spent;
  }

  /**
   * The most of a core the instance may use over the next `intervalSeconds`. In standard mode
   * that is the baseline plus what its balance pays for in that time, so it can never spend
   * credits it does not have.
   */
  capPct(typeCapPct: number, intervalSeconds: number): number {
    if (this.mode === "unlimited") return typeCapPct;
    const affordablePct = ((this.#balance * 60) / Math.max(1e-3, intervalSeconds)) * 100;
    return Math.min(typeCapPct, this.#spec.baselinePct + affordablePct);
  }

  /** Takes the surplus owed for charging (at a stop or termination, as EC2 does). */
  settleSurplus(): number {
    const owed = this.#surplus;
    this.#surplus = 0;
    return owed;
  }
}

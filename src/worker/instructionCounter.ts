/**
 * v86's instruction counter is 32 bits and wraps every few seconds at full speed.
 * Sampled often enough (more than once per wrap), the differences add up to the true count.
 */
export class InstructionCounter {
  // A fresh emulator's counter starts at zero (a saved state does not carry it), so the
  // instructions run before the first reading are counted too.
  #last = 0;
  #total = 0;

  /** Records a raw counter reading; returns the accumulated total since the emulator started. */
  sample(raw: number): number {
    const now = raw >>> 0;
    this.#total += (now - this.#last) >>> 0;
    this.#last = now;
    return this.#total;
  }

  /** Counts from zero again, from this raw reading on (an emulator handed to a new instance). */
  restart(raw: number): void {
    this.#last = raw >>> 0;
    this.#total = 0;
  }

  get total(): number {
    return this.#total;
  }
}

/**
 * v86's instruction counter is 32 bits and wraps every few seconds at full speed.
 * Sampled often enough (more than once per wrap), the differences add up to the true count.
 */
export class InstructionCounter {
  #last: number | null = null;
  #total = 0;

  /** Records a raw counter reading; returns the accumulated total. */
  sample(raw: number): number {
    const now = raw >>> 0;
    if (this.#last !== null) this.#total += (now - this.#last) >>> 0;
    this.#last = now;
    return this.#total;
  }

  get total(): number {
    return this.#total;
  }
}

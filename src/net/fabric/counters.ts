/** The switch's counts of what it carried and why it dropped the rest; a snapshot is plain data. */
import type { FabricCounters } from "../fabricApi.ts";

export type DropReason = keyof FabricCounters["dropped"];

export class Counters {
  framesIn = 0;
  framesOut = 0;
  readonly #dropped: Record<DropReason, number> = {
    unparseable: 0,
    spoofed: 0,
    securityGroup: 0,
    noRoute: 0,
    queueFull: 0,
  };

  drop(reason: DropReason): void {
    this.#dropped[reason]++;
  }

  snapshot(): FabricCounters {
    return { framesIn: this.framesIn, framesOut: this.framesOut, dropped: { ...this.#dropped } };
  }
}

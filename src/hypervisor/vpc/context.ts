/** What every network action is given: the current state and where new ids come from. */
import type { NetworkResourcePrefix } from "../resourceIds.ts";
import type { ChangeSet, NetworkState } from "./model.ts";

export interface ActionContext {
  readonly state: NetworkState;
  newId(prefix: NetworkResourcePrefix): string;
  /** Random bytes: MAC and public addresses. */
  random(bytes: Uint8Array): void;
}

/** An action's answer and what it changes; the change is stored before the answer is given. */
export interface Outcome<T> {
  readonly change: ChangeSet;
  readonly result: T;
}

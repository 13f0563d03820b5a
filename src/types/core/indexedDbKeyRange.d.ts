/**
 * IndexedDB's key ranges, for the DOM-free check (tsconfig.core.json) only. src/persistence
 * uses them and the hypervisor imports persistence's stores; key ranges are not the DOM (workers
 * have them, Node tests get them from fake-indexeddb), yet only lib.dom declares them. Declared
 * as far as persistence uses them.
 */
interface IDBKeyRange {
  readonly lower: unknown;
  readonly upper: unknown;
  readonly lowerOpen: boolean;
  readonly upperOpen: boolean;
  includes(key: unknown): boolean;
}

declare const IDBKeyRange: {
  bound(lower: unknown, upper: unknown, lowerOpen?: boolean, upperOpen?: boolean): IDBKeyRange;
};

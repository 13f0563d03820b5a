/** A small typed event emitter: each event's arguments are written once, in the map `E`. */
export class Emitter<E extends Record<string, readonly unknown[]>> {
  readonly #listeners = new Map<keyof E, Set<unknown>>();

  /** Adds a listener; the returned function removes it. */
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) (listener as (...args: E[K]) => void)(...args);
  }

  clear(): void {
    this.#listeners.clear();
  }
}

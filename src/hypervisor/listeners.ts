/**
 * Calls the listeners a caller registered (subscribe, onConsoleOutput). A listener's own failure
 * is its caller's bug: it is reported, and neither the other listeners nor the change that was
 * being announced are held up by it.
 */
export function callEach<T>(listeners: Iterable<(value: T) => void>, value: T): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (error) {
      console.error("tabcloud: a listener failed; the hypervisor goes on:", error);
    }
  }
}

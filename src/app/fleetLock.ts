/**
 * One tab owns the fleet. Instances live in the tab whose hypervisor runs them, so two tabs of
 * tabcloud must not both run one: the owner holds a Web Lock for its page's lifetime, and the
 * browser hands the lock on when that page goes away.
 */
const FLEET_LOCK = "tabcloud-fleet";

/** Returned from a lock request's callback, it keeps the lock until the page is gone. */
const untilPageCloses = new Promise<never>(() => {});

/**
 * Takes the fleet lock if no other tab of tabcloud holds it: true when this tab now owns the fleet.
 * Without Web Locks (a page served over plain http to another machine) there is nothing to
 * coordinate with, and the tab runs its own fleet.
 */
export function takeFleetLock(): Promise<boolean> {
  if (!("locks" in navigator)) return Promise.resolve(true);
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(FLEET_LOCK, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock === null ? undefined : untilPageCloses;
      })
      .catch(reject);
  });
}

/** Waits until the tab that owns the fleet closes, then owns it for this page's lifetime. */
export function waitForFleetLock(): Promise<void> {
  if (!("locks" in navigator)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(FLEET_LOCK, () => {
        resolve();
        return untilPageCloses;
      })
      .catch(reject);
  });
}

import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";

/** Waits until the instance satisfies the predicate, by the hypervisor's own events. */
export function waitForInstance(
  hypervisor: Hypervisor,
  instanceId: string,
  predicate: (instance: Instance) => boolean,
  timeoutMs = 60_000,
): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const check = (instance: Instance) => {
      if (instance.instanceId !== instanceId || !predicate(instance)) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(instance);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      const [now] = hypervisor.describeInstances({ instanceIds: [instanceId] });
      reject(new Error(`instance ${instanceId} did not reach the awaited state within ${timeoutMs} ms; it is ${JSON.stringify(now)}`));
    }, timeoutMs);
    const unsubscribe = hypervisor.subscribe((event) => void (event.type === "instance-changed" && check(event.instance)));
    const [current] = hypervisor.describeInstances({ instanceIds: [instanceId] });
    if (current) check(current);
  });
}

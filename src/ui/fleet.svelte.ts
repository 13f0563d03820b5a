/**
 * The page's view of the hypervisor: instances as reactive state, the selection, and the
 * actions the UI offers, each turned into a message a person can act on when it fails.
 * Volumes, snapshots and images are in `storage`.
 */
import { type Hypervisor, type RunInstancesRequest, type Instance, DEFAULT_TERMINAL_SIZE, type TerminalSize } from "../hypervisor/index.ts";
import { toCloudError, type CloudError } from "../shared/errors.ts";
import { StorageState } from "./storage.svelte.ts";

export class Fleet {
  readonly hypervisor: Hypervisor;
  readonly storage: StorageState;
  instances = $state.raw<Instance[]>([]);
  selectedId = $state<string | null>(null);
  error = $state<CloudError | null>(null);
  busy = $state(false);
  /** Bumped once a second with new samples: views that show metrics, bills or capacity read it. */
  tick = $state(0);
  /** The terminal panel's size, so new instances boot with the right rows and columns. */
  terminalSize: TerminalSize = DEFAULT_TERMINAL_SIZE;

  readonly selected = $derived(this.instances.find((instance) => instance.instanceId === this.selectedId) ?? null);

  constructor(hypervisor: Hypervisor) {
    this.hypervisor = hypervisor;
    this.instances = hypervisor.describeInstances();
    this.storage = new StorageState(hypervisor);
    // The launch form lists the images.
    void this.storage.refreshImages();
    hypervisor.subscribe((event) => {
      if (event.type === "metrics-updated") {
        this.tick++;
        return;
      }
      if (event.type === "storage-changed") return;
      this.instances = hypervisor.describeInstances();
      if (event.type === "instance-removed" && this.selectedId === event.instanceId) this.selectedId = null;
    });
  }

  select(instanceId: string | null): void {
    this.selectedId = instanceId;
  }

  async launch(options: { name?: string } & Omit<RunInstancesRequest, "tags" | "terminalSize"> = {}): Promise<void> {
    this.busy = true;
    await this.#act(async () => {
      const { name: rawName, ...request } = options;
      const name = rawName?.trim();
      const [instance] = await this.hypervisor.runInstances({
        ...request,
        terminalSize: this.terminalSize,
        ...(name ? { tags: [{ key: "Name", value: name }] } : {}),
      });
      if (instance) this.selectedId = instance.instanceId;
    });
    this.busy = false;
  }

  start(instanceId: string): Promise<void> {
    return this.#act(() => this.hypervisor.startInstances([instanceId]));
  }

  stop(instanceId: string, force = false): Promise<void> {
    return this.#act(() => this.hypervisor.stopInstances([instanceId], { force }));
  }

  hibernate(instanceId: string): Promise<void> {
    return this.#act(() => this.hypervisor.stopInstances([instanceId], { hibernate: true }));
  }

  reboot(instanceId: string): Promise<void> {
    return this.#act(() => this.hypervisor.rebootInstances([instanceId]));
  }

  terminate(instanceId: string): Promise<void> {
    return this.#act(() => this.hypervisor.terminateInstances([instanceId]));
  }

  changeType(instanceId: string, instanceType: string): Promise<void> {
    return this.#act(() => this.hypervisor.modifyInstanceAttribute(instanceId, { instanceType }));
  }

  setTerminationProtection(instanceId: string, enabled: boolean): Promise<void> {
    return this.#act(() => this.hypervisor.modifyInstanceAttribute(instanceId, { disableApiTermination: enabled }));
  }

  setHostCapacity(capacity: { memoryBudgetMib?: number; cpuCores?: number }): Promise<void> {
    return this.#act(() => this.hypervisor.setHostCapacity(capacity));
  }

  dismissError(): void {
    this.error = null;
  }

  /** Runs an action; its failure becomes the error the page shows. */
  async #act(action: () => Promise<unknown>): Promise<void> {
    this.error = null;
    try {
      await action();
    } catch (error) {
      this.error = toCloudError(error);
    }
  }
}

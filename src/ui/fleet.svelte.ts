/**
 * The page's view of the hypervisor: instances as reactive state, the selection, and the
 * actions the UI offers, each turned into a message a person can act on when it fails.
 */
import type { Hypervisor } from "../hypervisor/hypervisor.ts";
import type { Instance } from "../hypervisor/instance.ts";
import { DEFAULT_TERMINAL_SIZE, type TerminalSize } from "../hypervisor/kernelCommandLine.ts";
import { toCloudError, type CloudError } from "../shared/errors.ts";

export class Fleet {
  readonly hypervisor: Hypervisor;
  instances = $state.raw<Instance[]>([]);
  selectedId = $state<string | null>(null);
  error = $state<CloudError | null>(null);
  busy = $state(false);
  /** The terminal panel's size, so new instances boot with the right rows and columns. */
  terminalSize: TerminalSize = DEFAULT_TERMINAL_SIZE;

  readonly selected = $derived(this.instances.find((instance) => instance.instanceId === this.selectedId) ?? null);

  constructor(hypervisor: Hypervisor) {
    this.hypervisor = hypervisor;
    hypervisor.subscribe(() => {
      this.instances = hypervisor.describeInstances();
    });
  }

  select(instanceId: string | null): void {
    this.selectedId = instanceId;
  }

  async launch(): Promise<void> {
    await this.#act(async () => {
      const [instance] = await this.hypervisor.runInstances({ terminalSize: this.terminalSize });
      if (instance) this.selectedId = instance.instanceId;
    });
  }

  async terminate(instanceId: string): Promise<void> {
    await this.#act(() => this.hypervisor.terminateInstances([instanceId]));
  }

  dismissError(): void {
    this.error = null;
  }

  async #act(action: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await action();
    } catch (error) {
      this.error = toCloudError(error);
    } finally {
      this.busy = false;
    }
  }
}

/**
 * The console's view of the hypervisor: instances as reactive state, the selection, what the
 * meters say (each instance's bill and samples, the storage bill, the host's capacity), and the
 * actions the console offers, each turned into a message a person can act on when it fails.
 * Volumes, snapshots and images are in `volumesAndImages`.
 */
import {
  DEFAULT_TERMINAL_SIZE,
  type Bill,
  type HostCapacity,
  type ServiceQuota,
  type Hypervisor,
  type Instance,
  type InstanceType,
  type MetricSample,
  type RunInstancesRequest,
  type StorageBill,
  type TerminalSize,
} from "../hypervisor/index.ts";
import { ok, toCloudError, type CloudError, type Result } from "../shared/errors.ts";
import { LaunchTemplatesState } from "./launchTemplates.svelte.ts";
import { NetworkState } from "./network.svelte.ts";
import { VolumesAndImages } from "./volumesAndImages.svelte.ts";

const NO_BILL: Bill = { computeUsd: 0, storageUsd: 0, creditsUsd: 0, totalUsd: 0, billedSeconds: 0, accruing: false };

export class Fleet {
  readonly hypervisor: Hypervisor;
  readonly volumesAndImages: VolumesAndImages;
  /** VPCs, subnets, security groups and network interfaces. */
  readonly network: NetworkState;
  readonly launchTemplates: LaunchTemplatesState;
  /** The catalog of instance types (it does not change while the page runs). */
  readonly instanceTypes: readonly InstanceType[];
  instances = $state.raw<Instance[]>([]);
  selectedId = $state<string | null>(null);
  error = $state<CloudError | null>(null);
  /** Each listed instance's bill so far, by instance id; read again with every sample. */
  bills = $state.raw<Readonly<Record<string, Bill>>>({});
  /** Each listed instance's monitoring samples, oldest first, by instance id. */
  metrics = $state.raw<Readonly<Record<string, readonly MetricSample[]>>>({});
  /** Volumes' and snapshots' bill so far (root volumes are on their instances' bills). */
  storageBill: StorageBill;
  /** The host's budgets and what each instance holds of them. */
  hostCapacity: HostCapacity;
  /** How many instances may exist at once, and how many do. */
  instanceQuota: ServiceQuota;
  /** The terminal panel's size, so new instances boot with the right rows and columns. */
  terminalSize: TerminalSize = DEFAULT_TERMINAL_SIZE;

  readonly selected = $derived(this.instances.find((instance) => instance.instanceId === this.selectedId) ?? null);
  /** The sum of every listed instance's bill. */
  readonly instancesBillUsd = $derived(Object.values(this.bills).reduce((sum, bill) => sum + bill.totalUsd, 0));

  readonly #unsubscribe: () => void;

  constructor(hypervisor: Hypervisor) {
    this.hypervisor = hypervisor;
    this.instanceTypes = hypervisor.describeInstanceTypes();
    this.instances = hypervisor.describeInstances();
    this.storageBill = $state.raw(hypervisor.getStorageBill());
    this.hostCapacity = $state.raw(hypervisor.describeHostCapacity());
    this.instanceQuota = $state.raw(hypervisor.getServiceQuota());
    this.#readMeters();
    this.volumesAndImages = new VolumesAndImages(hypervisor);
    this.network = new NetworkState(hypervisor);
    this.launchTemplates = new LaunchTemplatesState(hypervisor);
    // The launch form lists the images.
    void this.volumesAndImages.refreshImages();
    this.#unsubscribe = hypervisor.subscribe((event) => {
      if (event.type !== "metrics-updated" && event.type !== "storage-changed" && event.type !== "launch-templates-changed") {
        this.instances = hypervisor.describeInstances();
        if (event.type === "instance-removed" && this.selectedId === event.instanceId) this.selectedId = null;
      }
      this.#readMeters();
    });
  }

  /** The instance's bill so far (nothing yet for one just listed). */
  billOf(instanceId: string): Bill {
    return this.bills[instanceId] ?? NO_BILL;
  }

  /** The instance's samples, oldest first (none before it first runs). */
  metricsOf(instanceId: string): readonly MetricSample[] {
    return this.metrics[instanceId] ?? [];
  }

  /** Stops following the hypervisor (the console is going away). */
  dispose(): void {
    this.#unsubscribe();
    this.volumesAndImages.dispose();
    this.network.dispose();
    this.launchTemplates.dispose();
  }

  select(instanceId: string | null): void {
    this.selectedId = instanceId;
  }

  /** Launches, and selects the first instance; a refusal comes back to the launch dialog, which shows it in place. */
  async launch(options: { name?: string } & Omit<RunInstancesRequest, "tags" | "terminalSize"> = {}): Promise<Result<readonly Instance[]>> {
    const { name: rawName, ...request } = options;
    const name = rawName?.trim();
    try {
      const instances = await this.hypervisor.runInstances({
        ...request,
        terminalSize: this.terminalSize,
        ...(name ? { tags: [{ key: "Name", value: name }] } : {}),
      });
      const [first] = instances;
      if (first) this.selectedId = first.instanceId;
      return ok(instances);
    } catch (error) {
      return { ok: false, error: toCloudError(error) };
    }
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

  async setHostCapacity(capacity: { memoryBudgetMib?: number; cpuCores?: number }): Promise<void> {
    await this.#act(() => this.hypervisor.setHostCapacity(capacity));
    this.hostCapacity = this.hypervisor.describeHostCapacity();
  }

  /** Raises the instance quota, as one asks AWS through Service Quotas (granted at once here). */
  async raiseInstanceQuota(desiredValue: number): Promise<void> {
    await this.#act(() => this.hypervisor.requestServiceQuotaIncrease({ desiredValue }));
    this.instanceQuota = this.hypervisor.getServiceQuota();
  }

  dismissError(): void {
    this.error = null;
  }

  /**
   * Reads what the meters say now. Bills grow with time and samples come once a second, so this
   * runs on every sample as well as on every change of an instance, a volume or an image.
   */
  #readMeters(): void {
    const bills: Record<string, Bill> = {};
    const metrics: Record<string, readonly MetricSample[]> = {};
    for (const { instanceId } of this.instances) {
      bills[instanceId] = this.hypervisor.getInstanceBill(instanceId);
      // A copy: the hypervisor adds to its own list in place.
      metrics[instanceId] = [...this.hypervisor.getMetricData(instanceId)];
    }
    this.bills = bills;
    this.metrics = metrics;
    this.storageBill = this.hypervisor.getStorageBill();
    this.hostCapacity = this.hypervisor.describeHostCapacity();
    this.instanceQuota = this.hypervisor.getServiceQuota();
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

/**
 * The hypervisor's link to the VPC fabric's worker: started with the first instance that goes on
 * the network, told the whole topology whenever any of it changes (pushes coalesce: one runs, at
 * most one more waits), and asked to plug each instance's port in and out. The frames themselves
 * go between the instances' workers and the fabric's, never through here.
 */
import type { Remote } from "comlink";
import type { FabricApi, FabricCounters, FlowRecord, InboundHttpRequest, InboundHttpResult } from "../net/fabricApi.ts";
import type { NetworkTopology } from "../net/topology.ts";
import type { NicPort } from "../worker/api.ts";
import type { AptMirror } from "../images/aptMirror.ts";
import { plugIntoFabric } from "./platform/fabricPorts.ts";
import { serveMirror } from "./platform/mirrorPorts.ts";
import type { FabricHandle, WorkerHost } from "./platform/workerHost.ts";

export interface FabricLinkContext {
  readonly host: WorkerHost;
  /** Sites the fabric answers from this browser: the offline apt archive. */
  readonly mirror: AptMirror | null;
  /** The network as it is now. */
  topology(): NetworkTopology;
}

export class FabricLink {
  readonly #ctx: FabricLinkContext;
  #handle: FabricHandle | null = null;
  /** Closes the page's end of the mirror's port. */
  #closeMirror: Promise<(() => void) | null> = Promise.resolve(null);
  #pushing: Promise<void> = Promise.resolve();
  #pushQueued = false;

  constructor(context: FabricLinkContext) {
    this.#ctx = context;
  }

  /** Pushes the current topology; resolves once the fabric has one at least as new as when this was called. */
  sync(): Promise<void> {
    if (!this.#handle) return this.#push();
    if (this.#pushQueued) return this.#pushing;
    this.#pushQueued = true;
    this.#pushing = this.#pushing.then(() => {
      this.#pushQueued = false;
      return this.#push();
    });
    return this.#pushing;
  }

  /** Pushes only if the fabric runs: nothing is on the network otherwise. */
  changed(): void {
    if (this.#handle) void this.sync().catch((error: unknown) => console.warn("tabcloud: the VPC fabric missed a change:", error));
  }

  async plug(networkInterfaceId: string): Promise<NicPort> {
    return plugIntoFabric(this.#fabric(), networkInterfaceId);
  }

  async unplug(networkInterfaceId: string): Promise<void> {
    await this.#handle?.api.disconnect(networkInterfaceId);
  }

  async forget(networkInterfaceId: string): Promise<void> {
    await this.#handle?.api.forget(networkInterfaceId);
  }

  async flowLog(networkInterfaceId: string): Promise<readonly FlowRecord[]> {
    return this.#handle ? this.#handle.api.flowLog(networkInterfaceId) : [];
  }

  async capture(networkInterfaceId: string): Promise<Uint8Array> {
    return this.#fabric().capture(networkInterfaceId);
  }

  async counters(): Promise<FabricCounters | null> {
    return this.#handle ? this.#handle.api.counters() : null;
  }

  async httpRequest(request: InboundHttpRequest): Promise<InboundHttpResult> {
    if (!this.#handle) return { ok: false, code: "NoSuchAddress", message: "No instance is running." };
    return this.#handle.api.httpRequest(request);
  }

  async shutdown(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    this.#stopMirror();
    await handle?.terminate();
  }

  #stopMirror(): void {
    void this.#closeMirror.then((close) => close?.());
    this.#closeMirror = Promise.resolve(null);
  }

  async #push(): Promise<void> {
    await this.#fabric().configure(this.#ctx.topology());
  }

  #fabric(): Remote<FabricApi> {
    if (!this.#handle) {
      const handle = this.#ctx.host.spawnFabric();
      handle.onCrash((reason) => {
        console.warn(`tabcloud: the VPC fabric stopped (${reason}); instances started from now on get a new one.`);
        if (this.#handle !== handle) return;
        this.#handle = null;
        this.#stopMirror();
      });
      this.#handle = handle;
      const mirror = this.#ctx.mirror;
      if (mirror) this.#closeMirror = serveMirror(handle.api, mirror).catch(() => null);
    }
    return this.#handle.api;
  }
}

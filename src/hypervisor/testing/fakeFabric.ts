/**
 * The VPC fabric's worker in memory: it records what the hypervisor tells it and keeps the
 * ports plugged into it, so a test can see which instances are connected and send them frames.
 */
import type { Remote } from "comlink";
import type { FabricApi, FabricCounters, FlowRecord, FramePort, InboundHttpRequest, InboundHttpResult } from "../../net/fabricApi.ts";
import type { NetworkTopology } from "../../net/topology.ts";
import type { FabricHandle } from "../platform/workerHost.ts";

export interface FabricCall {
  readonly method: keyof FabricApi;
  readonly args: readonly unknown[];
}

const NO_COUNTERS: FabricCounters = {
  framesIn: 0,
  framesOut: 0,
  dropped: { unparseable: 0, spoofed: 0, securityGroup: 0, noRoute: 0, queueFull: 0 },
};

export class FakeFabric implements FabricApi {
  readonly calls: FabricCall[] = [];
  /** The last topology configured, or null before the first. */
  topology: NetworkTopology | null = null;
  /** The port of each connected network interface. */
  readonly ports = new Map<string, FramePort>();
  terminated = false;
  #crashListener: ((reason: string) => void) | null = null;

  async serveMirror(host: string, rootPath: string): Promise<void> {
    this.calls.push({ method: "serveMirror", args: [host, rootPath] });
  }

  async configure(topology: NetworkTopology): Promise<void> {
    this.calls.push({ method: "configure", args: [topology] });
    this.topology = topology;
  }

  async connect(networkInterfaceId: string, port: FramePort): Promise<void> {
    this.calls.push({ method: "connect", args: [networkInterfaceId] });
    this.ports.get(networkInterfaceId)?.close();
    this.ports.set(networkInterfaceId, port);
  }

  async disconnect(networkInterfaceId: string): Promise<void> {
    this.calls.push({ method: "disconnect", args: [networkInterfaceId] });
    this.ports.get(networkInterfaceId)?.close();
    this.ports.delete(networkInterfaceId);
  }

  async forget(networkInterfaceId: string): Promise<void> {
    this.calls.push({ method: "forget", args: [networkInterfaceId] });
  }

  async flowLog(networkInterfaceId: string): Promise<readonly FlowRecord[]> {
    this.calls.push({ method: "flowLog", args: [networkInterfaceId] });
    return [];
  }

  async capture(networkInterfaceId: string): Promise<Uint8Array> {
    this.calls.push({ method: "capture", args: [networkInterfaceId] });
    return new Uint8Array(0);
  }

  async counters(): Promise<FabricCounters> {
    this.calls.push({ method: "counters", args: [] });
    return NO_COUNTERS;
  }

  async httpRequest(request: InboundHttpRequest): Promise<InboundHttpResult> {
    this.calls.push({ method: "httpRequest", args: [request] });
    return { ok: false, code: "NoSuchAddress", message: `No instance has the public address ${request.publicIp}.` };
  }

  /** The worker dies on its own. */
  crash(reason: string): void {
    const listener = this.#crashListener;
    this.#crashListener = null;
    listener?.(reason);
  }

  handle(): FabricHandle {
    return {
      api: this as unknown as Remote<FabricApi>,
      onCrash: (listener) => {
        this.#crashListener = listener;
      },
      terminate: async () => {
        this.terminated = true;
        this.#crashListener = null;
        for (const port of this.ports.values()) port.close();
        this.ports.clear();
      },
    };
  }
}

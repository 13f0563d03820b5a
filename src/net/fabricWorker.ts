/**
 * The VPC fabric's worker: the Fabric behind FabricApi, with the transport. Each instance's frames
 * arrive on its FramePort as FrameBatch messages and leave the same way, one message per turn,
 * their buffers transferred. What comes in is checked (a message that is not a batch of byte
 * arrays is counted and dropped, never thrown).
 */
import { transfer } from "comlink";
import { Fabric } from "./fabric/fabric.ts";
import type {
  FabricApi,
  FabricCounters,
  FlowRecord,
  FrameBatch,
  FramePort,
  InboundHttpRequest,
  InboundHttpResult,
  MirrorPort,
} from "./fabricApi.ts";
import { Mirrors } from "./fabric/services/mirrors.ts";
import type { Scheduler } from "./tcp/scheduler.ts";
import type { NetworkTopology } from "./topology.ts";

/** Both a browser MessagePort and Node's worker_threads one have these; setting onmessage starts the port. */
interface FrameEndpoint extends FramePort {
  onmessage: ((event: { readonly data: unknown }) => void) | null;
}

export class FabricWorker implements FabricApi {
  readonly #fabric: Fabric;
  readonly #ports = new Map<string, FrameEndpoint>();
  readonly #mirrors = new Mirrors();

  constructor(scheduler: Scheduler) {
    // Guests' requests through the internet gateway are this worker's own fetches: the page's origin, CORS and all.
    this.#fabric = new Fabric({
      scheduler,
      scheduleTurn: messageTurns(),
      fetch: this.#mirrors.wrap((url, init) => fetch(url, init)),
      // Under Node there is no page, and no mixed content.
      secureOrigin: typeof location !== "undefined" && location.protocol === "https:",
    });
  }

  async serveMirror(host: string, rootPath: string, port: MirrorPort): Promise<void> {
    this.#mirrors.serve(host, rootPath, port);
  }

  async configure(topology: NetworkTopology): Promise<void> {
    this.#fabric.configure(topology);
  }

  async connect(networkInterfaceId: string, port: FramePort): Promise<void> {
    this.#close(networkInterfaceId);
    const endpoint = port as FrameEndpoint;
    this.#ports.set(networkInterfaceId, endpoint);
    this.#fabric.connect(networkInterfaceId, (frames) => {
      const batch: FrameBatch = { type: "frames", frames };
      // A buffer listed twice would make postMessage throw; each frame has its own anyway.
      endpoint.postMessage(batch, [...new Set(frames.map((frame) => frame.buffer as ArrayBuffer))]);
    });
    endpoint.onmessage = (event) => {
      if (this.#ports.get(networkInterfaceId) !== endpoint) return;
      this.#fabric.receive(networkInterfaceId, framesOf(event.data));
    };
  }

  async disconnect(networkInterfaceId: string): Promise<void> {
    this.#close(networkInterfaceId);
    this.#fabric.disconnect(networkInterfaceId);
  }

  async forget(networkInterfaceId: string): Promise<void> {
    this.#close(networkInterfaceId);
    this.#fabric.forget(networkInterfaceId);
  }

  async flowLog(networkInterfaceId: string): Promise<readonly FlowRecord[]> {
    return this.#fabric.flowLog(networkInterfaceId);
  }

  async capture(networkInterfaceId: string): Promise<Uint8Array> {
    const file = this.#fabric.capture(networkInterfaceId);
    return transfer(file, [file.buffer as ArrayBuffer]);
  }

  async counters(): Promise<FabricCounters> {
    return this.#fabric.counters();
  }

  async httpRequest(request: InboundHttpRequest): Promise<InboundHttpResult> {
    return this.#fabric.httpRequest(request);
  }

  #close(networkInterfaceId: string): void {
    const endpoint = this.#ports.get(networkInterfaceId);
    if (!endpoint) return;
    this.#ports.delete(networkInterfaceId);
    endpoint.onmessage = null;
    endpoint.close();
  }
}

/**
 * The frames of a FrameBatch, each in a buffer of its own: one the switch forwards is transferred
 * to another worker, which must not take its neighbours along. Anything else yields a frame the
 * switch counts as unparseable.
 */
function framesOf(data: unknown): Uint8Array[] {
  if (typeof data !== "object" || data === null || !("frames" in data) || !Array.isArray(data.frames)) return [new Uint8Array(0)];
  return data.frames.map((frame: unknown) => {
    if (!(frame instanceof Uint8Array)) return new Uint8Array(0);
    return frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength ? frame : frame.slice();
  });
}

/**
 * Runs turns as soon as the messages already queued have been handled: a message to ourselves,
 * where a zero-delay timer would wait a millisecond or more (browsers clamp chained ones to 4 ms)
 * on every frame's way through the switch.
 */
function messageTurns(): (turn: () => void) => void {
  const channel = new MessageChannel();
  let due: (() => void)[] = [];
  channel.port1.onmessage = () => {
    const turns = due;
    due = [];
    for (const turn of turns) turn();
  };
  // Under Node, an open port would keep the process alive after everything else is done.
  (channel.port1 as { unref?: () => void }).unref?.();
  return (turn) => {
    due.push(turn);
    if (due.length === 1) channel.port2.postMessage(null);
  };
}

/**
 * The VPC switch: the logic behind FabricApi without the transport. Ports are ENIs known from the
 * topology; frames from a guest wait in the port's inbox and are switched in turns, each port at
 * most FRAMES_PER_TURN per turn, so a flooding guest delays others by at most a turn; what a turn
 * sends to a port leaves in one batch (one `deliver` call per port per turn, never one per frame).
 * Time and turns come from an injected scheduler, so tests run every turn and timeout exactly.
 */
import type { FabricCounters, FlowRecord, InboundHttpRequest, InboundHttpResult } from "../fabricApi.ts";
import type { Scheduler } from "../tcp/scheduler.ts";
import type { NetworkTopology } from "../topology.ts";
import { Counters } from "./counters.ts";
import { NetworkIndex, type PortView } from "./network.ts";
import { FRAMES_PER_TURN, PortLink, type Deliver } from "./portLink.ts";
import { writePcap } from "../packets/pcap.ts";
import { BROWSER_IP } from "./addresses.ts";
import { browserRequest } from "./browserPath.ts";
import type { PacketFlow } from "./flowTuple.ts";
import { VpcGates } from "./securityGate.ts";
import { ServiceHost } from "./services/fabricServices.ts";
import { InternetGateway } from "./services/internetGateway.ts";
import type { OutboundFetch } from "./services/outboundHttp.ts";
import { TcpStacks } from "./tcpStacks.ts";
import { ImdsTokens } from "../imds/tokens.ts";
import { serveMetadata } from "./services/metadataService.ts";
import { switchFrame, type FabricServices, type SwitchContext } from "./switching.ts";

export interface FabricOptions {
  readonly scheduler: Scheduler;
  /** Runs `turn` soon, after pending messages from ports; a zero-delay timer unless told. */
  readonly scheduleTurn?: (turn: () => void) => void;
  /** Epoch milliseconds, for flow logs and connection tracking; Date.now unless told. */
  readonly wallClock?: () => number;
  /** How guests in public subnets fetch HTTP through the internet gateway (the worker's fetch); none unless told. */
  readonly fetch?: OutboundFetch;
  /** The page is served over HTTPS, so plain http:// cannot be fetched from it but on this computer. */
  readonly secureOrigin?: boolean;
}

const EMPTY_TOPOLOGY: NetworkTopology = { region: "us-east-1", vpcs: [], securityGroups: [], ports: [] };

export class Fabric {
  readonly #scheduler: Scheduler;
  readonly #scheduleTurn: (turn: () => void) => void;
  readonly #counters = new Counters();
  readonly #links = new Map<string, PortLink>();
  #index = new NetworkIndex(EMPTY_TOPOLOGY);
  #turnPending = false;
  readonly #context: SwitchContext;
  readonly #wallClock: () => number;
  readonly #stacks: TcpStacks;
  readonly #services: FabricServices;
  readonly #tokens = new ImdsTokens();
  readonly #gate: VpcGates;

  constructor(options: FabricOptions) {
    this.#scheduler = options.scheduler;
    this.#scheduleTurn = options.scheduleTurn ?? ((turn) => void this.#scheduler.schedule(0, turn));
    this.#wallClock = options.wallClock ?? (() => Date.now());
    this.#gate = new VpcGates(this.#wallClock);
    const send = (port: PortView, frame: Uint8Array): void => this.#send(port, frame);
    this.#stacks = new TcpStacks({
      scheduler: this.#scheduler,
      port: (networkInterfaceId) => this.#index.port(networkInterfaceId),
      // The browser's segments come from the internet: the port's groups decide, as for any.
      mayLeave: (port, flow, bytes) => flow.srcIp !== BROWSER_IP || this.#admitFromInternet(port, flow, bytes),
      send,
      started: (port, stack) =>
        serveMetadata(stack, port.config.networkInterfaceId, (id) => this.#index.port(id), this.#tokens, this.#wallClock),
    });
    const internet = new InternetGateway({
      counters: this.#counters,
      gate: this.#gate,
      stacks: this.#stacks,
      scheduler: this.#scheduler,
      fetch: options.fetch ?? null,
      secureOrigin: options.secureOrigin ?? false,
    });
    this.#services = new ServiceHost({
      counters: this.#counters,
      gate: this.#gate,
      stacks: this.#stacks,
      internet,
      region: () => this.#index.region,
      send,
    });
    this.#context = { counters: this.#counters, services: this.#services, gate: this.#gate, send };
  }

  configure(topology: NetworkTopology): void {
    this.#index = new NetworkIndex(topology);
    this.#gate.configure(topology);
  }

  connect(networkInterfaceId: string, deliver: Deliver): void {
    this.#link(networkInterfaceId).deliver = deliver;
  }

  disconnect(networkInterfaceId: string): void {
    const link = this.#links.get(networkInterfaceId);
    if (!link) return;
    link.deliver = null;
    this.#stacks.close(networkInterfaceId);
    link.inbox.clear();
    link.outbox.clear();
  }

  forget(networkInterfaceId: string): void {
    const port = this.#index.port(networkInterfaceId);
    this.#gate.forget(networkInterfaceId, port?.ip ?? null);
    if (port) this.#tokens.forget(port.config.instanceId);
    this.disconnect(networkInterfaceId);
    this.#links.delete(networkInterfaceId);
  }

  /** Frames a guest sent, in order. Handled on the next turn; what does not fit is dropped. */
  receive(networkInterfaceId: string, frames: readonly Uint8Array[]): void {
    this.#counters.framesIn += frames.length;
    const link = this.#links.get(networkInterfaceId);
    if (!link?.deliver) {
      for (let i = 0; i < frames.length; i++) this.#counters.drop("noRoute");
      return;
    }
    for (const frame of frames) if (!link.inbox.push(frame)) this.#counters.drop("queueFull");
    this.#requestTurn();
  }

  /** The interface's VPC Flow Logs records, oldest first. */
  flowLog(networkInterfaceId: string): readonly FlowRecord[] {
    return this.#gate.flowLog(networkInterfaceId);
  }

  /** The interface's recent traffic as a pcap file. */
  capture(networkInterfaceId: string): Uint8Array {
    return this.#links.get(networkInterfaceId)?.capture.toPcap() ?? writePcap([]);
  }

  /** The browser opening an instance's public address. */
  httpRequest(request: InboundHttpRequest): Promise<InboundHttpResult> {
    return browserRequest({ index: this.#index, gates: this.#gate, stacks: this.#stacks }, request);
  }

  counters(): FabricCounters {
    return this.#counters.snapshot();
  }

  #link(networkInterfaceId: string): PortLink {
    let link = this.#links.get(networkInterfaceId);
    if (!link) {
      link = new PortLink();
      this.#links.set(networkInterfaceId, link);
    }
    return link;
  }

  #send(port: PortView, frame: Uint8Array): void {
    const link = this.#links.get(port.config.networkInterfaceId);
    if (!link?.deliver) return this.#counters.drop("noRoute");
    if (!link.outbox.push(frame)) return this.#counters.drop("queueFull");
    link.capture.push(this.#wallClock(), frame);
    this.#requestTurn();
  }

  #admitFromInternet(port: PortView, flow: PacketFlow, bytes: number): boolean {
    if (this.#gate.admit(null, port, flow, bytes)) return true;
    this.#counters.drop("securityGroup");
    return false;
  }

  #requestTurn(): void {
    if (this.#turnPending) return;
    this.#turnPending = true;
    this.#scheduleTurn(() => this.#turn());
  }

  #turn(): void {
    this.#turnPending = false;
    for (const [networkInterfaceId, link] of this.#links) {
      if (link.inbox.length === 0) continue;
      const port = this.#index.port(networkInterfaceId);
      for (const frame of link.inbox.take(FRAMES_PER_TURN)) {
        link.capture.push(this.#wallClock(), frame);
        if (!port) {
          this.#counters.drop("noRoute");
          continue;
        }
        try {
          switchFrame(this.#context, port, frame);
        } catch {
          // A frame no parser caught as malformed still must not stop the switch.
          this.#counters.drop("unparseable");
        }
      }
    }
    for (const link of this.#links.values()) {
      if (link.outbox.length === 0 || !link.deliver) continue;
      const frames = link.outbox.takeAll();
      try {
        link.deliver(frames);
        this.#counters.framesOut += frames.length;
      } catch {
        // A channel that cannot take a batch (closed under us) loses it; the other ports still get theirs.
        for (let i = 0; i < frames.length; i++) this.#counters.drop("noRoute");
      }
    }
    for (const link of this.#links.values()) {
      if (link.inbox.length > 0 || link.outbox.length > 0) return this.#requestTurn();
    }
  }
}

/**
 * Security groups and connection tracking applied to traffic between ports, and between the
 * internet (the browser) and a port. A packet of a tracked flow passes whatever the rules say now,
 * so removing a rule does not cut a connection (as on EC2); a new flow passes only if the
 * sender's egress and the receiver's ingress allow it, and is then tracked. Each VPC tracks its
 * own flows: two VPCs may use the same addresses. Every packet is recorded in the flow logs of the
 * interfaces it leaves and reaches, ACCEPT or REJECT as that interface's groups decided.
 */
import type { Scheduler } from "../tcp/scheduler.ts";
import type { NetworkTopology } from "../topology.ts";
import { ConnectionTracker } from "../security/conntrack.ts";
import { compilePolicy, decideFlow, type SecurityPolicy } from "../security/rules.ts";
import type { PacketFlow } from "./flowTuple.ts";
import type { PortView } from "./network.ts";
import type { FlowGate } from "./switching.ts";

export type FlowAction = "ACCEPT" | "REJECT";

/** Where the gate writes what it decided, per interface. */
export type FlowRecorder = (networkInterfaceId: string, flow: PacketFlow, bytes: number, action: FlowAction) => void;

/** Idle flows are forgotten this often, so a table full of finished flows does not stay full. */
const SWEEP_INTERVAL_MS = 10_000;

export class SecurityGate implements FlowGate {
  readonly #scheduler: Scheduler;
  readonly #record: FlowRecorder;
  #policy: SecurityPolicy = { interfaces: new Map() };
  readonly #trackers = new Map<string, ConnectionTracker>();
  #lastSweepMs = -Infinity;

  constructor(scheduler: Scheduler, record: FlowRecorder) {
    this.#scheduler = scheduler;
    this.#record = record;
  }

  configure(topology: NetworkTopology): void {
    this.#policy = compilePolicy(topology);
    const vpcIds = new Set(topology.vpcs.map((vpc) => vpc.vpcId));
    for (const vpcId of this.#trackers.keys()) if (!vpcIds.has(vpcId)) this.#trackers.delete(vpcId);
  }

  /** Forgets the flows of an address whose interface is gone (the address may be given to another). */
  forgetAddress(vpcId: string, ip: number): void {
    this.#trackers.get(vpcId)?.forgetAddress(ip);
  }

  admit(from: PortView | null, to: PortView | null, flow: PacketFlow, bytes: number): boolean {
    const vpcId = (to ?? from)?.vpc.vpcId;
    if (vpcId === undefined) return false;
    const now = this.#scheduler.now();
    const tracker = this.#tracker(vpcId, now);
    if (tracker.continues(flow, now)) {
      this.#recordBoth(from, to, flow, bytes, "ACCEPT", "ACCEPT");
      return true;
    }
    const decision = decideFlow(this.#policy, flow, from?.config.networkInterfaceId ?? null, to?.config.networkInterfaceId ?? null);
    if (decision.allowed) {
      tracker.open(flow, now);
      this.#recordBoth(from, to, flow, bytes, "ACCEPT", "ACCEPT");
    } else if (decision.reason === "ingress-denied") {
      // The sender's groups let it out; the receiver's turned it away.
      this.#recordBoth(from, to, flow, bytes, "ACCEPT", "REJECT");
    } else {
      this.#recordBoth(from, null, flow, bytes, "REJECT", "REJECT");
    }
    return decision.allowed;
  }

  #recordBoth(
    from: PortView | null,
    to: PortView | null,
    flow: PacketFlow,
    bytes: number,
    fromAction: FlowAction,
    toAction: FlowAction,
  ): void {
    if (from) this.#record(from.config.networkInterfaceId, flow, bytes, fromAction);
    if (to) this.#record(to.config.networkInterfaceId, flow, bytes, toAction);
  }

  #tracker(vpcId: string, now: number): ConnectionTracker {
    let tracker = this.#trackers.get(vpcId);
    if (!tracker) {
      tracker = new ConnectionTracker();
      this.#trackers.set(vpcId, tracker);
    }
    if (now - this.#lastSweepMs >= SWEEP_INTERVAL_MS) {
      this.#lastSweepMs = now;
      for (const each of this.#trackers.values()) each.sweep(now);
    }
    return tracker;
  }
}

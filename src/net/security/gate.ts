/**
 * The security groups as the switch meets them: one call per IPv4 packet between two interfaces
 * (or an interface and the outside), which tracked flows pass at once, new flows by the rules,
 * and every outcome written to the flow logs of the interfaces that saw it.
 */
import type { FlowRecord } from "../fabricApi.ts";
import type { NetworkTopology } from "../topology.ts";
import { ConnectionTracker, type ConnectionTrackerOptions } from "./conntrack.ts";
import { FlowLog, type FlowLogOptions } from "./flowLog.ts";
import type { FlowPacket } from "./packet.ts";
import { compilePolicy, decideFlow, type SecurityPolicy } from "./rules.ts";

/** How often idle flows are swept out of the tracker, at most. */
const SWEEP_INTERVAL_MS = 1000;

export interface SecurityGateOptions {
  readonly conntrack?: ConnectionTrackerOptions;
  readonly flowLog?: FlowLogOptions;
}

export class SecurityGate {
  #policy: SecurityPolicy = { interfaces: new Map() };
  readonly #tracker: ConnectionTracker;
  readonly #flowLog: FlowLog;
  #lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(options: SecurityGateOptions = {}) {
    this.#tracker = new ConnectionTracker(options.conntrack);
    this.#flowLog = new FlowLog(options.flowLog);
  }

  /** Takes the topology's rules; tracked flows go on, as on EC2 when a rule is changed. */
  configure(topology: NetworkTopology): void {
    this.#policy = compilePolicy(topology);
  }

  /**
   * Whether a packet may pass from `from` to `to` (network interface ids; null for the outside:
   * the browser, the internet gateway or the fabric's own services). `bytes` is its IP length and
   * `nowMs` the time in epoch milliseconds, which flow logs report in seconds.
   */
  admit(from: string | null, to: string | null, packet: FlowPacket, bytes: number, nowMs: number): boolean {
    if (nowMs - this.#lastSweepMs >= SWEEP_INTERVAL_MS) {
      this.#tracker.sweep(nowMs);
      this.#lastSweepMs = nowMs;
    }
    if (this.#tracker.continues(packet, nowMs)) {
      this.#log(from, to, packet, bytes, "ACCEPT", "ACCEPT", nowMs);
      return true;
    }
    const decision = decideFlow(this.#policy, packet, from, to);
    switch (decision.reason) {
      case "fabric-service":
        // EC2's flow logs leave out traffic to Amazon DNS, DHCP and the metadata service too.
        return true;
      case "allowed":
        if (!this.#tracker.open(packet, nowMs, from ?? "")) {
          // The sender has used its connection tracking allowance: dropped before it leaves.
          this.#log(from, null, packet, bytes, "REJECT", "REJECT", nowMs);
          return false;
        }
        this.#log(from, to, packet, bytes, "ACCEPT", "ACCEPT", nowMs);
        return true;
      case "egress-denied":
        this.#log(from, null, packet, bytes, "REJECT", "REJECT", nowMs);
        return false;
      case "ingress-denied":
        // The sender's groups let it out; the receiver's turned it away.
        this.#log(from, to, packet, bytes, "ACCEPT", "REJECT", nowMs);
        return false;
      case "unknown-interface":
      case "other-vpc":
        return false;
    }
  }

  flowLog(networkInterfaceId: string): readonly FlowRecord[] {
    return this.#flowLog.records(networkInterfaceId);
  }

  /** Drops what is kept for an interface that is gone, and the flows of its address. */
  forget(networkInterfaceId: string, privateIp: number | null): void {
    this.#flowLog.forget(networkInterfaceId);
    if (privateIp !== null) this.#tracker.forgetAddress(privateIp);
  }

  #log(
    from: string | null,
    to: string | null,
    packet: FlowPacket,
    bytes: number,
    fromAction: "ACCEPT" | "REJECT",
    toAction: "ACCEPT" | "REJECT",
    nowMs: number,
  ): void {
    if (from !== null) this.#flowLog.record(from, packet, bytes, fromAction, nowMs);
    if (to !== null) this.#flowLog.record(to, packet, bytes, toAction, nowMs);
  }
}

/**
 * Security groups, connection tracking and flow logs (src/net/security) as the switch applies them
 * to ports: one gate per VPC, since two VPCs may use the same addresses and one's tracked flows
 * must not open the other's.
 */
import type { FlowRecord } from "../fabricApi.ts";
import { SecurityGate } from "../security/gate.ts";
import { compilePolicy, decideFlow, type SecurityPolicy } from "../security/rules.ts";
import type { NetworkTopology } from "../topology.ts";
import type { PacketFlow } from "./flowTuple.ts";
import type { PortView } from "./network.ts";
import type { FlowGate } from "./switching.ts";

export class VpcGates implements FlowGate {
  /** Epoch milliseconds: flow logs report epoch seconds. */
  readonly #wallClock: () => number;
  readonly #gates = new Map<string, SecurityGate>();
  #topology: NetworkTopology | null = null;
  #policy: SecurityPolicy = { interfaces: new Map() };

  constructor(wallClock: () => number) {
    this.#wallClock = wallClock;
  }

  configure(topology: NetworkTopology): void {
    this.#topology = topology;
    this.#policy = compilePolicy(topology);
    const vpcIds = new Set(topology.vpcs.map((vpc) => vpc.vpcId));
    for (const [vpcId, gate] of this.#gates) {
      if (vpcIds.has(vpcId)) gate.configure(topology);
      else this.#gates.delete(vpcId);
    }
  }

  admit(from: PortView | null, to: PortView | null, flow: PacketFlow, bytes: number): boolean {
    const vpcId = (to ?? from)?.vpc.vpcId;
    if (vpcId === undefined) return false;
    return this.#gate(vpcId).admit(
      from?.config.networkInterfaceId ?? null,
      to?.config.networkInterfaceId ?? null,
      flow,
      bytes,
      this.#wallClock(),
    );
  }

  /** Whether the groups would let a new flow start now, without tracking or logging it. */
  wouldAdmitNew(from: PortView | null, to: PortView | null, flow: PacketFlow): boolean {
    return decideFlow(this.#policy, flow, from?.config.networkInterfaceId ?? null, to?.config.networkInterfaceId ?? null).allowed;
  }

  flowLog(networkInterfaceId: string): readonly FlowRecord[] {
    return [...this.#gates.values()].flatMap((gate) => gate.flowLog(networkInterfaceId));
  }

  forget(networkInterfaceId: string, privateIp: number | null): void {
    for (const gate of this.#gates.values()) gate.forget(networkInterfaceId, privateIp);
  }

  #gate(vpcId: string): SecurityGate {
    let gate = this.#gates.get(vpcId);
    if (!gate) {
      gate = new SecurityGate();
      if (this.#topology) gate.configure(this.#topology);
      this.#gates.set(vpcId, gate);
    }
    return gate;
  }
}

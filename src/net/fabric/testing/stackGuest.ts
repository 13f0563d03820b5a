/**
 * A guest whose TCP is the fabric's own endpoint, driven from the guest's side of a port: it
 * plays the instance for the metadata service and the browser path, in real segments through
 * the switch.
 */
import { ETHERTYPE_IPV4, buildEthernet, parseEthernet } from "../../packets/ethernet.ts";
import { IP_PROTOCOL_TCP, buildIpv4, parseIpv4 } from "../../packets/ipv4.ts";
import { buildTcp, parseTcp } from "../../packets/tcp.ts";
import type { ManualScheduler } from "../../tcp/scheduler.ts";
import { TcpStack } from "../../tcp/stack.ts";
import { FABRIC_MAC } from "../addresses.ts";
import type { Fabric } from "../fabric.ts";
import { FakeGuest, type PortSpec } from "./fakeNetwork.ts";

export class StackGuest {
  readonly guest: FakeGuest;
  readonly stack: TcpStack;
  /** The IP TTL of every TCP packet the guest was delivered. */
  readonly ttls: number[] = [];

  constructor(fabric: Fabric, spec: PortSpec, scheduler: ManualScheduler) {
    this.stack = new TcpStack({
      scheduler,
      output: (segment, ipTtl) => {
        const packet = buildIpv4({
          src: segment.srcIp,
          dst: segment.dstIp,
          protocol: IP_PROTOCOL_TCP,
          ttl: ipTtl,
          payload: buildTcp(segment),
        });
        this.guest.send(buildEthernet(FABRIC_MAC, this.guest.mac, ETHERTYPE_IPV4, packet));
      },
    });
    this.guest = new FakeGuest(fabric, spec, (frames) => {
      for (const frame of frames) {
        const ethernet = parseEthernet(frame);
        const packet = ethernet?.etherType === ETHERTYPE_IPV4 ? parseIpv4(ethernet.payload) : null;
        const segment = packet ? parseTcp(packet) : null;
        if (!packet || !segment) continue;
        this.ttls.push(packet.ttl);
        this.stack.receive(segment);
      }
    });
  }
}

/** Moves the manual clock in small steps until the promise settles (or maxMs passes), letting its callbacks run. */
export async function settle<T>(scheduler: ManualScheduler, promise: Promise<T>, maxMs = 120_000): Promise<T> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += 10) {
    scheduler.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return promise;
}

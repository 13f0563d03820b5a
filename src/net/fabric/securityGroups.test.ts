import { describe, expect, it } from "vitest";
import type { SecurityGroupConfig } from "../topology.ts";
import { DEFAULT_GROUP, PORTS, WEB_GROUP, fabricWith, topology } from "./testing/fakeNetwork.ts";

const HTTP_RULE = { ruleId: "sgr-http", protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "0.0.0.0/0" } } as const;
const withHttp: SecurityGroupConfig = { ...WEB_GROUP, ingress: [HTTP_RULE] };
const web = { ...PORTS.b, groups: ["sg-web"] };

describe("security groups between instances", () => {
  it("drops TCP to a port its group does not admit, and passes it once the topology adds the rule", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    fabric.configure(topology([PORTS.a, web]));
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40000, 80, { syn: true }));
    turn();
    expect(guests.b.segments()).toEqual([]);
    expect(fabric.counters().dropped.securityGroup).toBe(1);
    expect(fabric.flowLog("eni-b")).toMatchObject([
      { srcAddr: "172.31.0.10", dstAddr: "172.31.0.11", dstPort: 80, protocol: 6, action: "REJECT" },
    ]);
    expect(fabric.flowLog("eni-a")).toMatchObject([{ dstPort: 80, action: "ACCEPT" }]);

    fabric.configure(topology([PORTS.a, web], [DEFAULT_GROUP, withHttp]));
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40000, 80, { syn: true }));
    turn();
    expect(guests.b.segments()).toMatchObject([{ dstPort: 80, flags: { syn: true } }]);
  });

  it("keeps an established flow after the rule is revoked, and refuses a new one", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    fabric.configure(topology([PORTS.a, web], [DEFAULT_GROUP, withHttp]));
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40000, 80, { syn: true }));
    turn();
    guests.b.send(guests.b.tcp(guests.a.mac, "172.31.0.10", 80, 40000, { syn: true, ack: true }));
    turn();
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40000, 80, { ack: true }));
    turn();

    fabric.configure(topology([PORTS.a, web]));
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40000, 80, { ack: true, psh: true }, new Uint8Array(100)));
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40001, 80, { syn: true }));
    turn();
    expect(guests.b.segments().map((segment) => [segment.srcPort, segment.payload.length])).toEqual([
      [40000, 0],
      [40000, 0],
      [40000, 100],
    ]);
    expect(guests.a.segments()).toMatchObject([{ srcPort: 80, flags: { syn: true, ack: true } }]);
  });

  it("lets a reply through but not a new flow the other way", () => {
    const { fabric, guests, turn } = fabricWith(["a", "b"]);
    fabric.configure(topology([PORTS.a, web], [DEFAULT_GROUP, withHttp]));
    guests.a.send(guests.a.tcp(guests.b.mac, "172.31.0.11", 40000, 80, { syn: true }));
    turn();
    guests.b.send(guests.b.tcp(guests.a.mac, "172.31.0.10", 80, 40000, { syn: true, ack: true }));
    guests.b.send(guests.b.tcp(guests.a.mac, "172.31.0.10", 50000, 22, { syn: true }));
    turn();
    expect(guests.a.segments()).toMatchObject([{ srcPort: 80, dstPort: 40000 }]);
    expect(fabric.counters().dropped.securityGroup).toBe(1);
  });

  it("passes a ping between members of the default group, in both directions", () => {
    const { guests, turn } = fabricWith(["a", "b"]);
    guests.a.send(guests.a.ping(guests.b.mac, "172.31.0.11", 1));
    guests.b.send(guests.b.ping(guests.a.mac, "172.31.0.10", 2));
    turn();
    expect(guests.b.echoes()).toMatchObject([{ sequence: 1 }]);
    expect(guests.a.echoes()).toMatchObject([{ sequence: 2 }]);
  });
});

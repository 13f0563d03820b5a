import { describe, expect, it } from "vitest";
import { BROADCAST_MAC, ipv4ToNumber } from "./address.ts";
import {
  DHCPACK,
  DHCPDECLINE,
  DHCPDISCOVER,
  DHCPINFORM,
  DHCPNAK,
  DHCPOFFER,
  dhcpReply,
  parseDhcp,
  privateDomainName,
  privateHostName,
  type DhcpLease,
  type DhcpMessage,
} from "./dhcp.ts";
import {
  UDHCPC_DISCOVER,
  UDHCPC_RELEASE,
  UDHCPC_REQUEST_RENEWING,
  UDHCPC_REQUEST_SELECTING,
  UDHCPD_ACK_SELECTING,
  UDHCPD_OFFER,
} from "./fixtures/busyboxDhcp.ts";
import { udpOf } from "./fixtures/frames.ts";
import { hex, toHex } from "./fixtures/hex.ts";

function ip(text: string): number {
  const value = ipv4ToNumber(text);
  if (value === null) throw new Error(`not an address: ${text}`);
  return value;
}

function messageOf(frameHex: string): DhcpMessage {
  const message = parseDhcp(udpOf(frameHex).payload);
  if (message === null) throw new Error("fixture is not DHCP");
  return message;
}

const lease: DhcpLease = {
  ip: ip("172.31.0.10"),
  subnetMask: ip("255.255.240.0"),
  router: ip("172.31.0.1"),
  dnsServer: ip("172.31.0.2"),
  hostName: "ip-172-31-0-10",
  domainName: "ec2.internal",
  mtu: 1500,
  leaseSeconds: 3600,
};
const server = { ip: ip("172.31.0.1") };
const clientMac = hex("0200ac1f000a");

function replyTo(request: DhcpMessage): { message: DhcpMessage; dstIp: number; dstMac: Uint8Array } {
  const reply = dhcpReply(request, lease, server);
  if (reply === null) throw new Error("no reply");
  const message = parseDhcp(reply.payload);
  if (message === null) throw new Error("the reply does not parse");
  return { message, dstIp: reply.dstIp, dstMac: reply.dstMac };
}

function option(message: DhcpMessage, code: number): string | undefined {
  const value = message.options.get(code);
  return value === undefined ? undefined : toHex(value);
}

describe("DHCP messages", () => {
  it("parse BusyBox udhcpc's DISCOVER", () => {
    const discover = messageOf(UDHCPC_DISCOVER);
    expect(discover).toMatchObject({ op: 1, xid: 0xd12a6240, flags: 0, ciaddr: 0, messageType: DHCPDISCOVER });
    expect(discover.chaddr).toEqual(clientMac);
    expect(new TextDecoder().decode(discover.options.get(12))).toBe("client1");
  });

  it("parse the renewing REQUEST with its ciaddr and no server id", () => {
    const renew = messageOf(UDHCPC_REQUEST_RENEWING);
    expect(renew).toMatchObject({ ciaddr: lease.ip, serverId: null, requestedIp: null });
  });

  it.each([
    ["cut inside the fixed fields", (m: Uint8Array) => m.slice(0, 200)],
    ["without the magic cookie", (m: Uint8Array) => Uint8Array.from(m, (b, i) => (i === 236 ? 0 : b))],
    ["for a hardware other than Ethernet", (m: Uint8Array) => Uint8Array.from(m, (b, i) => (i === 1 ? 6 : b))],
    ["with an option running past the end", (m: Uint8Array) => m.slice(0, 243)],
    ["without an end option", (m: Uint8Array) => m.slice(0, 240).fill(0, 240)],
  ])("are null when %s", (_name, change) => {
    expect(parseDhcp(change(udpOf(UDHCPC_DISCOVER).payload))).toBeNull();
  });
});

describe("the VPC's DHCP server", () => {
  it("offers the lease with the same options a real udhcpd sends, and more", () => {
    const { message, dstIp, dstMac } = replyTo(messageOf(UDHCPC_DISCOVER));
    const real = messageOf(UDHCPD_OFFER);
    expect(message).toMatchObject({ op: 2, xid: real.xid, messageType: DHCPOFFER, yiaddr: lease.ip, ciaddr: 0 });
    expect(message.chaddr).toEqual(clientMac);
    for (const code of [1, 3, 6, 15, 26, 51, 54]) expect(option(message, code), `option ${code}`).toBe(option(real, code));
    expect(new TextDecoder().decode(message.options.get(12))).toBe("ip-172-31-0-10");
    expect(option(message, 28)).toBe(toHex(hex("ac1f0fff")));
    // No broadcast flag and no ciaddr: RFC 2131 4.1 sends it to the offered address and chaddr.
    expect(dstIp).toBe(lease.ip);
    expect(dstMac).toEqual(clientMac);
  });

  it("pads its messages to BOOTP's 300 bytes", () => {
    expect(dhcpReply(messageOf(UDHCPC_DISCOVER), lease, server)?.payload.length).toBeGreaterThanOrEqual(300);
  });

  it("broadcasts to a client that sets the broadcast flag", () => {
    const { dstIp, dstMac } = replyTo({ ...messageOf(UDHCPC_DISCOVER), flags: 0x8000 });
    expect(dstIp).toBe(0xffffffff);
    expect(dstMac).toEqual(BROADCAST_MAC);
  });

  it("acknowledges a REQUEST that selects its offer, as udhcpd did", () => {
    const { message } = replyTo(messageOf(UDHCPC_REQUEST_SELECTING));
    const real = messageOf(UDHCPD_ACK_SELECTING);
    expect(message).toMatchObject({ messageType: DHCPACK, yiaddr: real.yiaddr, xid: real.xid });
    expect(option(message, 51)).toBe(option(real, 51));
  });

  it("stays silent when the client selected another server's offer", () => {
    expect(dhcpReply({ ...messageOf(UDHCPC_REQUEST_SELECTING), serverId: ip("172.31.0.3") }, lease, server)).toBeNull();
  });

  it("refuses, by broadcast, a selected address that is not the lease", () => {
    const { message, dstIp } = replyTo({ ...messageOf(UDHCPC_REQUEST_SELECTING), requestedIp: ip("172.31.0.99") });
    expect(message).toMatchObject({ messageType: DHCPNAK, yiaddr: 0 });
    expect(message.options.has(51)).toBe(false);
    expect(dstIp).toBe(0xffffffff);
  });

  it.each([
    ["the leased address", "172.31.0.10", DHCPACK],
    ["another address", "10.0.0.5", DHCPNAK],
  ])("answers a rebooting client asking for %s", (_name, requested, type) => {
    const reboot = { ...messageOf(UDHCPC_REQUEST_SELECTING), serverId: null, requestedIp: ip(requested) };
    expect(replyTo(reboot).message.messageType).toBe(type);
  });

  it("renews by unicast to ciaddr, echoing it", () => {
    const { message, dstIp, dstMac } = replyTo(messageOf(UDHCPC_REQUEST_RENEWING));
    expect(message).toMatchObject({ messageType: DHCPACK, ciaddr: lease.ip, yiaddr: lease.ip });
    expect(dstIp).toBe(lease.ip);
    expect(dstMac).toEqual(clientMac);
  });

  it("refuses to renew an address that is not the lease", () => {
    const renew = { ...messageOf(UDHCPC_REQUEST_RENEWING), ciaddr: ip("172.31.0.77") };
    expect(replyTo(renew).message.messageType).toBe(DHCPNAK);
  });

  it("answers INFORM with the options but no address and no lease time, to ciaddr", () => {
    const inform = { ...messageOf(UDHCPC_REQUEST_RENEWING), messageType: DHCPINFORM, ciaddr: ip("172.31.0.10") };
    const { message, dstIp } = replyTo(inform);
    expect(message).toMatchObject({ messageType: DHCPACK, yiaddr: 0, ciaddr: lease.ip });
    expect(message.options.has(51)).toBe(false);
    expect(option(message, 1)).toBe("fffff000");
    expect(dstIp).toBe(lease.ip);
  });

  it.each([
    ["RELEASE", messageOf(UDHCPC_RELEASE)],
    ["DECLINE", { ...messageOf(UDHCPC_REQUEST_SELECTING), messageType: DHCPDECLINE }],
    ["a server's own OFFER", messageOf(UDHCPD_OFFER)],
    ["plain BOOTP", { ...messageOf(UDHCPC_DISCOVER), messageType: null }],
  ])("does not answer %s", (_name, request) => {
    expect(dhcpReply(request, lease, server)).toBeNull();
  });
});

describe("private DNS names", () => {
  it("name a host after its address, in EC2's domains", () => {
    expect(privateHostName(ip("172.31.0.10"))).toBe("ip-172-31-0-10");
    expect(privateDomainName("us-east-1")).toBe("ec2.internal");
    expect(privateDomainName("eu-west-3")).toBe("eu-west-3.compute.internal");
  });
});

/**
 * The switch hands every frame a guest sends to these parsers: whatever the bytes, they return
 * a value or null and never throw, and the checksums catch any single flipped bit. Seeded, so a
 * failure repeats; fast-check prints the smallest input that fails.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseArp } from "./arp.ts";
import { parseDhcp } from "./dhcp.ts";
import { answerDns, parseDnsQuery } from "./dns.ts";
import { ETHERTYPE_ARP, parseEthernet } from "./ethernet.ts";
import * as dhcpFrames from "./fixtures/busyboxDhcp.ts";
import * as dnsFrames from "./fixtures/busyboxDns.ts";
import { hex } from "./fixtures/hex.ts";
import * as linuxFrames from "./fixtures/linuxTraffic.ts";
import { parseIcmp, parseIcmpEcho } from "./icmp.ts";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP, parseIpv4 } from "./ipv4.ts";
import { parseTcp } from "./tcp.ts";
import { parseUdp } from "./udp.ts";

const SEED = 20_261_130;
const RUNS = 2000;

const captured = [...Object.values(dhcpFrames), ...Object.values(dnsFrames), ...Object.values(linuxFrames)].map(hex);

/** Everything the switch and its services would do with a frame, layer by layer. */
function parseAll(frame: Uint8Array): void {
  const ethernet = parseEthernet(frame);
  if (ethernet === null) return;
  if (ethernet.etherType === ETHERTYPE_ARP) parseArp(ethernet.payload);
  const packet = parseIpv4(ethernet.payload);
  if (packet === null) return;
  parseIcmp(packet.payload);
  parseIcmpEcho(packet.payload);
  parseTcp(packet);
  const udp = parseUdp(packet);
  if (udp === null) return;
  parseDhcp(udp.payload);
  parseDnsQuery(udp.payload);
  answerDns(udp.payload, () => ({ kind: "nxdomain" }));
}

/** A captured frame, cut short, with some bytes overwritten. */
const damagedFrame = fc
  .tuple(fc.constantFrom(...captured), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }))
  .map(([frame, cut, writes]) => {
    const damaged = frame.slice(0, cut % (frame.length + 1) || frame.length);
    for (const [at, value] of writes) if (damaged.length > 0) damaged[at % damaged.length] = value;
    return damaged;
  });

describe("parsing what a guest may send", () => {
  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1600 }), (bytes) => {
        parseAll(bytes);
        parseArp(bytes);
        parseDhcp(bytes);
        answerDns(bytes, () => ({ kind: "refused" }));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("never throws on damaged real frames", () => {
    fc.assert(
      fc.property(damagedFrame, (frame) => {
        parseAll(frame);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("drops a real packet with any one bit flipped in its IP header or its ICMP/UDP/TCP part", () => {
    const ipFrames = captured.filter((frame) => {
      const ip = parseEthernet(frame);
      const packet = ip === null ? null : parseIpv4(ip.payload);
      // Fragments carry no whole checksummed transport part.
      return packet !== null && packet.fragmentOffset === 0 && !packet.moreFragments;
    });
    fc.assert(
      fc.property(fc.constantFrom(...ipFrames), fc.nat(), (frame, bit) => {
        const ethernet = parseEthernet(frame);
        const packet = ethernet === null ? null : parseIpv4(ethernet.payload);
        if (packet === null) throw new Error("fixture does not parse");
        const flipped = packet.bytes.slice();
        const at = bit % (flipped.length * 8);
        flipped[at >>> 3] = (flipped[at >>> 3] ?? 0) ^ (1 << (at & 7));
        const reparsed = parseIpv4(flipped);
        if (at >>> 3 < packet.headerLength) {
          expect(reparsed).toBeNull();
          return;
        }
        if (reparsed === null) throw new Error("a payload bit made the header fail");
        const transport = {
          [IP_PROTOCOL_ICMP]: () => parseIcmp(reparsed.payload),
          [IP_PROTOCOL_UDP]: () => parseUdp(reparsed),
          [IP_PROTOCOL_TCP]: () => parseTcp(reparsed),
        }[reparsed.protocol];
        expect(transport?.()).toBeNull();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

import { describe, expect, it } from "vitest";
import { ipv4ToNumber } from "./address.ts";
import {
  addressOfReverseName,
  answerDns,
  DNS_TYPE_A,
  DNS_TYPE_PTR,
  parseDnsQuery,
  reverseName,
  type DnsResolution,
  type DnsResolver,
} from "./dns.ts";
import {
  DNSMASQ_A_ANSWER,
  DNSMASQ_AAAA_EMPTY,
  DNSMASQ_NXDOMAIN,
  DNSMASQ_PTR_ANSWER,
  DNSMASQ_REFUSED,
  NSLOOKUP_A_QUERY,
  NSLOOKUP_AAAA_QUERY,
  NSLOOKUP_EXTERNAL_QUERY,
  NSLOOKUP_PTR_QUERY,
  NSLOOKUP_UNKNOWN_QUERY,
} from "./fixtures/busyboxDns.ts";
import { udpOf } from "./fixtures/frames.ts";
import { hex, toHex } from "./fixtures/hex.ts";

const host = ipv4ToNumber("172.31.0.10") ?? 0;
const hostName = "ip-172-31-0-10.ec2.internal";

/** The zone dnsmasq served in the capture, with its TTL of 0. */
const zone: DnsResolver = (name, type): DnsResolution => {
  if (name === hostName) {
    return { kind: "records", records: type === DNS_TYPE_A ? [{ type, address: host, ttlSeconds: 0 }] : [] };
  }
  if (name === reverseName(host)) {
    return { kind: "records", records: type === DNS_TYPE_PTR ? [{ type, name: hostName, ttlSeconds: 0 }] : [] };
  }
  return name.endsWith(".ec2.internal") || name.endsWith(".in-addr.arpa") ? { kind: "nxdomain" } : { kind: "refused" };
};

function payloadOf(frameHex: string): Uint8Array {
  return udpOf(frameHex).payload;
}

describe("the VPC's DNS server", () => {
  it.each([
    ["an A record", NSLOOKUP_A_QUERY, DNSMASQ_A_ANSWER],
    ["no AAAA record for a name that exists", NSLOOKUP_AAAA_QUERY, DNSMASQ_AAAA_EMPTY],
    ["a PTR record", NSLOOKUP_PTR_QUERY, DNSMASQ_PTR_ANSWER],
    ["NXDOMAIN for a name in its zone that does not exist", NSLOOKUP_UNKNOWN_QUERY, DNSMASQ_NXDOMAIN],
    ["REFUSED for a name it does not serve", NSLOOKUP_EXTERNAL_QUERY, DNSMASQ_REFUSED],
  ])("answers BusyBox nslookup with %s, byte for byte as dnsmasq did", (_name, query, answer) => {
    expect(toHex(answerDns(payloadOf(query), zone) ?? new Uint8Array(0))).toBe(toHex(payloadOf(answer)));
  });

  it("matches names whatever their case, and echoes the question as asked", () => {
    const query = payloadOf(NSLOOKUP_A_QUERY).slice();
    query.set(new TextEncoder().encode("IP-172-31-0-10"), 13);
    const answer = answerDns(query, zone) ?? new Uint8Array(0);
    expect(toHex(answer.subarray(12, query.length))).toBe(toHex(query.subarray(12)));
    expect(toHex(answer.subarray(-4))).toBe("ac1f000a");
  });

  it("gives the resolver the question in lower case, without a trailing dot", () => {
    expect(parseDnsQuery(payloadOf(NSLOOKUP_UNKNOWN_QUERY))).toEqual({
      name: "ip-172-31-0-99.ec2.internal",
      type: DNS_TYPE_A,
      class: 1,
    });
  });

  it("answers a query carrying an EDNS OPT record (as dig sends) without one, as RFC 6891 allows", () => {
    const plain = payloadOf(NSLOOKUP_A_QUERY);
    const withOpt = plain.slice();
    withOpt[11] = 1; // ARCOUNT 1
    const opt = hex("00 0029 04d0 00000000 0000");
    const query = new Uint8Array(withOpt.length + opt.length);
    query.set(withOpt);
    query.set(opt, withOpt.length);
    expect(toHex(answerDns(query, zone) ?? new Uint8Array(0))).toBe(toHex(payloadOf(DNSMASQ_A_ANSWER)));
  });

  it("uses a 60 s TTL unless told", () => {
    const answer = answerDns(payloadOf(NSLOOKUP_A_QUERY), () => ({
      kind: "records",
      records: [{ type: DNS_TYPE_A, address: host }],
    }));
    expect(toHex(answer?.subarray(-10, -6) ?? new Uint8Array(0))).toBe("0000003c");
  });

  it("follows a compression pointer back to an earlier name", () => {
    // The id 0x0178 and the flags' first byte 0x00 read as the name "x"; the question points there.
    expect(parseDnsQuery(hex("0178 0000 0001 0000 0000 0000 c000 0001 0001"))?.name).toBe("x");
  });

  it.each([
    ["onto itself", "1234 0100 0001 0000 0000 0000 0178 c00e 0001 0001"],
    ["forward", "1234 0100 0001 0000 0000 0000 0178 c014 0001 0001 0179 00"],
  ])("answers FORMERR to a name whose compression pointer points %s", (_name, text) => {
    expect(answerDns(hex(text), zone)?.[3]).toBe(0x81);
  });

  it.each([
    ["a response", "1234 8180 0001 0000 0000 0000 0178 00 0001 0001"],
    ["fewer bytes than a header", "1234 0100 0001"],
  ])("does not answer %s", (_name, text) => {
    expect(answerDns(hex(text), zone)).toBeNull();
  });

  it.each([
    ["FORMERR for no question", "1234 0100 0000 0000 0000 0000", 1],
    ["FORMERR for two questions", "1234 0100 0002 0000 0000 0000 0178 00 0001 0001 0179 00 0001 0001", 1],
    ["FORMERR for a name cut short", "1234 0100 0001 0000 0000 0000 0578", 1],
    ["FORMERR for a question without its type", "1234 0100 0001 0000 0000 0000 0178 00 00", 1],
    ["NOTIMP for an inverse query", "1234 0900 0001 0000 0000 0000 0178 00 0001 0001", 4],
    ["NOTIMP for a status query", "1234 1100 0001 0000 0000 0000 0178 00 0001 0001", 4],
    ["REFUSED for class CHAOS", "1234 0100 0001 0000 0000 0000 0178 00 0001 0003", 5],
  ])("answers %s", (_name, text, rcode) => {
    const answer = answerDns(hex(text), zone);
    expect(answer?.slice(0, 2)).toEqual(hex("1234"));
    expect((answer?.[2] ?? 0) & 0x80).toBe(0x80);
    expect((answer?.[3] ?? 0) & 0x0f).toBe(rcode);
  });

  it("cuts an answer that does not fit in 512 bytes and says so", () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ type: DNS_TYPE_A, address: i }) as const);
    const answer = answerDns(payloadOf(NSLOOKUP_A_QUERY), () => ({ kind: "records", records })) ?? new Uint8Array(0);
    expect(answer.length).toBeLessThanOrEqual(512);
    expect((answer[2] ?? 0) & 0x02).toBe(0x02);
    expect(((answer[6] ?? 0) << 8) | (answer[7] ?? 0)).toBe(Math.floor((512 - 45) / 16));
  });
});

describe("reverse names", () => {
  it("round-trip an address", () => {
    expect(reverseName(host)).toBe("10.0.31.172.in-addr.arpa");
    expect(addressOfReverseName("10.0.31.172.IN-ADDR.ARPA")).toBe(host);
  });

  it.each(["0.31.172.in-addr.arpa", "256.0.31.172.in-addr.arpa", "10.0.31.172.in-addr.arpa.example", "x.0.31.172.in-addr.arpa"])(
    "%s is not one address",
    (name) => {
      expect(addressOfReverseName(name)).toBeNull();
    },
  );
});

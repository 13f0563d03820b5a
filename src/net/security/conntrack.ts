/**
 * Connection tracking: what makes security groups stateful. A flow the rules allowed is tracked
 * under a key that both directions share, so its replies pass whatever the rules say, and a rule
 * removed later does not cut it (EC2: "When you change a security group rule, its tracked
 * connections are not immediately interrupted"). Entries idle out with EC2's timeouts; the table
 * is bounded, the least recently seen entry making room for a new one, so a guest opening flows
 * as fast as it can costs a bounded amount of memory. Time is passed in, never read.
 */
import { PROTOCOL_ICMP, PROTOCOL_TCP, PROTOCOL_UDP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type FlowPacket } from "./packet.ts";

/** How long a flow may sit idle before it is forgotten, by what it has seen. */
export interface ConntrackTimeouts {
  readonly tcpEstablishedMs: number;
  /** A handshake not completed yet. */
  readonly tcpUnestablishedMs: number;
  /** After a RST, or a FIN from each side. */
  readonly tcpClosingMs: number;
  /** Traffic one way only, or a single request and response. */
  readonly udpMs: number;
  /** More than one request-response transaction. */
  readonly udpStreamMs: number;
  readonly icmpMs: number;
  readonly otherMs: number;
}

const SECOND_MS = 1000;

export const EC2_CONNTRACK_TIMEOUTS: ConntrackTimeouts = {
  // EC2 API Reference, ConnectionTrackingSpecification: TcpEstablishedTimeout, default 432000 s (5 days).
  tcpEstablishedMs: 432_000 * SECOND_MS,
  // EC2 documents no figure for TCP before the handshake completes; like the other untunable
  // states it is short: 60 s, the shortest value EC2 lets a person set for established TCP.
  tcpUnestablishedMs: 60 * SECOND_MS,
  // EC2 documents no figure for a closed TCP flow either; 10 s, as Linux's conntrack keeps a
  // flow after a RST, is long enough for the last ACKs to pass.
  tcpClosingMs: 10 * SECOND_MS,
  // EC2 API Reference, ConnectionTrackingSpecification: UdpTimeout, default 30 s.
  udpMs: 30 * SECOND_MS,
  // EC2 API Reference, ConnectionTrackingSpecification: UdpStreamTimeout, default 180 s.
  udpStreamMs: 180 * SECOND_MS,
  // Not in EC2's documentation; 60 s keeps `ping` replies flowing with any common interval.
  icmpMs: 60 * SECOND_MS,
  // EC2 User Guide, "Security group connection tracking": for other protocols, a reply within
  // 600 seconds is accepted as response traffic.
  otherMs: 600 * SECOND_MS,
};

/** About 65 thousand flows: a few megabytes at most, whatever a guest does. */
export const CONNTRACK_CAPACITY = 65_536;

/** UDP turns (changes of direction) after which a flow has seen two request-response transactions. */
const UDP_STREAM_TURNS = 3;

interface Entry {
  readonly protocol: number;
  /** Who opened the flow, to tell its two directions apart. */
  readonly originIp: number;
  readonly originPort: number;
  readonly replyIp: number;
  lastSeenMs: number;
  replySeen: boolean;
  established: boolean;
  originFin: boolean;
  replyFin: boolean;
  closing: boolean;
  lastFromOrigin: boolean;
  turns: number;
}

export interface ConnectionTrackerOptions {
  readonly capacity?: number;
  readonly timeouts?: ConntrackTimeouts;
}

export class ConnectionTracker {
  readonly #capacity: number;
  readonly #timeouts: ConntrackTimeouts;
  readonly #shortestTimeoutMs: number;
  /** In order of last use: the first entry is the one idle longest. */
  readonly #entries = new Map<string, Entry>();
  #evicted = 0;

  constructor(options: ConnectionTrackerOptions = {}) {
    this.#capacity = options.capacity ?? CONNTRACK_CAPACITY;
    this.#timeouts = options.timeouts ?? EC2_CONNTRACK_TIMEOUTS;
    this.#shortestTimeoutMs = Math.min(...Object.values(this.#timeouts));
  }

  /** Flows tracked now (some may have idled out and not been swept yet). */
  get size(): number {
    return this.#entries.size;
  }

  /** Flows forgotten early to make room for new ones. */
  get evicted(): number {
    return this.#evicted;
  }

  /**
   * Whether the packet belongs to a tracked flow, in either direction, that has not idled out;
   * if so it is recorded. A SYN on a flow that has closed starts a new connection, which the
   * rules decide again.
   */
  continues(packet: FlowPacket, nowMs: number): boolean {
    const key = flowKey(packet);
    const entry = this.#entries.get(key);
    if (!entry) return false;
    if (nowMs - entry.lastSeenMs >= this.#timeoutOf(entry) || (entry.closing && isBareSyn(packet))) {
      this.#entries.delete(key);
      return false;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    observe(entry, packet, nowMs);
    return true;
  }

  /** Tracks a flow whose first packet the security groups allowed. */
  open(packet: FlowPacket, nowMs: number): void {
    const key = flowKey(packet);
    this.#entries.delete(key);
    if (this.#entries.size >= this.#capacity) this.#evictOldest();
    const entry: Entry = {
      protocol: packet.protocol,
      originIp: packet.srcIp,
      originPort: packet.srcPort,
      replyIp: packet.dstIp,
      lastSeenMs: nowMs,
      replySeen: false,
      established: false,
      originFin: false,
      replyFin: false,
      closing: false,
      lastFromOrigin: true,
      turns: 0,
    };
    observe(entry, packet, nowMs);
    this.#entries.set(key, entry);
  }

  /** Forgets every flow idle past its timeout; returns how many. Cheap enough to call every second. */
  sweep(nowMs: number): number {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      const idleMs = nowMs - entry.lastSeenMs;
      // Entries are in order of last use: from here on every one is younger than any timeout.
      if (idleMs < this.#shortestTimeoutMs) break;
      if (idleMs >= this.#timeoutOf(entry)) {
        this.#entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  /** Forgets every flow to or from an address (its interface is gone, and the address may be reused). */
  forgetAddress(ip: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.originIp === ip || entry.replyIp === ip) this.#entries.delete(key);
    }
  }

  #timeoutOf(entry: Entry): number {
    const t = this.#timeouts;
    switch (entry.protocol) {
      case PROTOCOL_TCP:
        return entry.closing ? t.tcpClosingMs : entry.established ? t.tcpEstablishedMs : t.tcpUnestablishedMs;
      case PROTOCOL_UDP:
        return entry.turns >= UDP_STREAM_TURNS ? t.udpStreamMs : t.udpMs;
      case PROTOCOL_ICMP:
        return t.icmpMs;
      default:
        return t.otherMs;
    }
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done) return;
    this.#entries.delete(oldest.value);
    this.#evicted += 1;
  }
}

/** The same for both directions: the lower (address, port) end first. */
function flowKey(packet: FlowPacket): string {
  const srcFirst = packet.srcIp < packet.dstIp || (packet.srcIp === packet.dstIp && packet.srcPort <= packet.dstPort);
  return srcFirst
    ? `${packet.protocol}|${packet.srcIp}|${packet.srcPort}|${packet.dstIp}|${packet.dstPort}`
    : `${packet.protocol}|${packet.dstIp}|${packet.dstPort}|${packet.srcIp}|${packet.srcPort}`;
}

function isBareSyn(packet: FlowPacket): boolean {
  return packet.protocol === PROTOCOL_TCP && (packet.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
}

function observe(entry: Entry, packet: FlowPacket, nowMs: number): void {
  entry.lastSeenMs = nowMs;
  const fromOrigin = packet.srcIp === entry.originIp && packet.srcPort === entry.originPort;
  if (!fromOrigin) entry.replySeen = true;
  if (fromOrigin !== entry.lastFromOrigin) entry.turns += 1;
  entry.lastFromOrigin = fromOrigin;
  if (entry.protocol !== PROTOCOL_TCP) return;
  const flags = packet.tcpFlags;
  if (flags & TCP_FIN) {
    if (fromOrigin) entry.originFin = true;
    else entry.replyFin = true;
  }
  if (flags & TCP_RST || (entry.originFin && entry.replyFin)) entry.closing = true;
  // Both directions seen and a segment past the SYNs: the three-way handshake is done.
  if (entry.replySeen && !(flags & TCP_SYN)) entry.established = true;
}

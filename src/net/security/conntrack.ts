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
const CONNTRACK_CAPACITY = 65_536;
/**
 * The flows one interface may open, as EC2 gives each instance a connection tracking allowance
 * and drops the new flows past it: a guest opening flows as fast as it can runs out of its own
 * share, not of the others' (whose idle flows the table would otherwise evict to make room).
 */
const CONNTRACK_PER_OPENER = 16_384;

/** UDP turns (changes of direction) after which a flow has seen two request-response transactions. */
const UDP_STREAM_TURNS = 3;

interface Entry {
  readonly protocol: number;
  /** Who opened the flow, to tell its two directions apart. */
  readonly originIp: number;
  readonly originPort: number;
  readonly replyIp: number;
  readonly key: string;
  /** The interface that opened it ("" for the outside), whose allowance it counts against. */
  readonly opener: string;
  lastSeenMs: number;
  /** Neighbours in order of last use, the idle-longest first. */
  older: Entry | null;
  newer: Entry | null;
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
  readonly perOpener?: number;
  readonly timeouts?: ConntrackTimeouts;
}

export class ConnectionTracker {
  readonly #capacity: number;
  readonly #perOpener: number;
  readonly #openedBy = new Map<string, number>();
  readonly #timeouts: ConntrackTimeouts;
  readonly #shortestTimeoutMs: number;
  readonly #entries = new Map<string, Entry>();
  /**
   * Entries in order of last use, a list through the entries themselves: moving one on every
   * packet and evicting the idle-longest are O(1), where re-inserting into the Map (whose order
   * V8 keeps with tombstones) would make eviction under a flood of new flows walk the holes.
   */
  #oldest: Entry | null = null;
  #newest: Entry | null = null;
  #evicted = 0;

  constructor(options: ConnectionTrackerOptions = {}) {
    this.#capacity = options.capacity ?? CONNTRACK_CAPACITY;
    this.#perOpener = options.perOpener ?? CONNTRACK_PER_OPENER;
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
    const entry = this.#entries.get(flowKey(packet));
    if (!entry) return false;
    if (nowMs - entry.lastSeenMs >= this.#timeoutOf(entry) || (entry.closing && isBareSyn(packet))) {
      this.#remove(entry);
      return false;
    }
    this.#unlink(entry);
    this.#append(entry);
    observe(entry, packet, nowMs);
    return true;
  }

  /**
   * Tracks a flow whose first packet the security groups allowed, opened by interface `opener`
   * ("" for the outside). False, and nothing tracked, when the opener has used its allowance: the
   * packet is to be dropped, as EC2 drops packets past an instance's allowance.
   */
  open(packet: FlowPacket, nowMs: number, opener = ""): boolean {
    const key = flowKey(packet);
    const previous = this.#entries.get(key);
    if (previous) this.#remove(previous);
    const opened = this.#openedBy.get(opener) ?? 0;
    if (opened >= this.#perOpener) return false;
    if (this.#entries.size >= this.#capacity && this.#oldest) {
      this.#remove(this.#oldest);
      this.#evicted += 1;
    }
    const entry: Entry = {
      protocol: packet.protocol,
      originIp: packet.srcIp,
      originPort: packet.srcPort,
      replyIp: packet.dstIp,
      key,
      opener,
      lastSeenMs: nowMs,
      older: null,
      newer: null,
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
    // Read again: making room may have forgotten one of the opener's own flows.
    this.#openedBy.set(opener, (this.#openedBy.get(opener) ?? 0) + 1);
    this.#append(entry);
    return true;
  }

  /** Forgets every flow idle past its timeout; returns how many. Cheap enough to call every second. */
  sweep(nowMs: number): number {
    let removed = 0;
    let entry = this.#oldest;
    // Idle-longest first: once one is younger than every timeout, so are all after it.
    while (entry && nowMs - entry.lastSeenMs >= this.#shortestTimeoutMs) {
      const next = entry.newer;
      if (nowMs - entry.lastSeenMs >= this.#timeoutOf(entry)) {
        this.#remove(entry);
        removed += 1;
      }
      entry = next;
    }
    return removed;
  }

  /** Forgets every flow to or from an address (its interface is gone, and the address may be reused). */
  forgetAddress(ip: number): void {
    for (const entry of this.#entries.values()) {
      if (entry.originIp === ip || entry.replyIp === ip) this.#remove(entry);
    }
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    const opened = (this.#openedBy.get(entry.opener) ?? 1) - 1;
    if (opened > 0) this.#openedBy.set(entry.opener, opened);
    else this.#openedBy.delete(entry.opener);
  }

  #unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = null;
    entry.newer = null;
  }

  #append(entry: Entry): void {
    entry.older = this.#newest;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
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
}

/**
 * The same for both directions: the lower (address, port) end first. Built from 16-bit char
 * codes rather than decimal text, since it is made for every frame.
 */
function flowKey(packet: FlowPacket): string {
  const { srcIp, srcPort, dstIp, dstPort } = packet;
  return srcIp < dstIp || (srcIp === dstIp && srcPort <= dstPort)
    ? String.fromCharCode(packet.protocol, srcIp >>> 16, srcIp & 0xffff, srcPort, dstIp >>> 16, dstIp & 0xffff, dstPort)
    : String.fromCharCode(packet.protocol, dstIp >>> 16, dstIp & 0xffff, dstPort, srcIp >>> 16, srcIp & 0xffff, srcPort);
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

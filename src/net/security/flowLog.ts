/**
 * VPC Flow Logs, per network interface: packets and bytes of each (5-tuple, action) summed over
 * an aggregation interval, as AWS writes its records. Only the most recent records of each
 * interface are kept, so a guest opening flows as fast as it can costs a bounded amount of memory.
 */
import { formatIpv4 } from "../cidr.ts";
import type { FlowRecord } from "../fabricApi.ts";
import { PROTOCOL_TCP, PROTOCOL_UDP, type FlowPacket } from "./packet.ts";

/** AWS's shortest maximum aggregation interval: a record covers at most one minute. */
const FLOW_LOG_AGGREGATION_MS = 60_000;
const FLOW_LOG_RECORDS_PER_INTERFACE = 1000;

export type FlowAction = FlowRecord["action"];

interface OpenRecord {
  readonly key: string;
  readonly protocol: number;
  readonly srcIp: number;
  readonly dstIp: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly action: FlowAction;
  readonly startMs: number;
  endMs: number;
  packets: number;
  bytes: number;
}

interface InterfaceLog {
  /** Oldest first; trimmed to the limit in batches, so recording stays O(1) amortised. */
  records: OpenRecord[];
  /** The record each key is adding to, while its interval lasts. */
  readonly current: Map<string, OpenRecord>;
}

export interface FlowLogOptions {
  readonly aggregationMs?: number;
  readonly recordsPerInterface?: number;
}

export class FlowLog {
  readonly #aggregationMs: number;
  readonly #limit: number;
  readonly #logs = new Map<string, InterfaceLog>();

  constructor(options: FlowLogOptions = {}) {
    this.#aggregationMs = options.aggregationMs ?? FLOW_LOG_AGGREGATION_MS;
    this.#limit = options.recordsPerInterface ?? FLOW_LOG_RECORDS_PER_INTERFACE;
  }

  /** Counts one packet of `bytes` (its IP length, as AWS counts) seen by an interface at `nowMs` (epoch ms). */
  record(networkInterfaceId: string, packet: FlowPacket, bytes: number, action: FlowAction, nowMs: number): void {
    let log = this.#logs.get(networkInterfaceId);
    if (!log) {
      log = { records: [], current: new Map() };
      this.#logs.set(networkInterfaceId, log);
    }
    const hasPorts = packet.protocol === PROTOCOL_TCP || packet.protocol === PROTOCOL_UDP;
    const srcPort = hasPorts ? packet.srcPort : 0;
    const dstPort = hasPorts ? packet.dstPort : 0;
    // 16-bit char codes rather than decimal text: this runs for every frame.
    const { srcIp, dstIp } = packet;
    const key = String.fromCharCode(
      packet.protocol,
      srcIp >>> 16,
      srcIp & 0xffff,
      srcPort,
      dstIp >>> 16,
      dstIp & 0xffff,
      dstPort,
      action === "ACCEPT" ? 1 : 0,
    );
    const open = log.current.get(key);
    if (open && nowMs - open.startMs < this.#aggregationMs) {
      open.endMs = nowMs;
      open.packets += 1;
      open.bytes += bytes;
      return;
    }
    const record: OpenRecord = {
      key,
      protocol: packet.protocol,
      srcIp: packet.srcIp,
      dstIp: packet.dstIp,
      srcPort,
      dstPort,
      action,
      startMs: nowMs,
      endMs: nowMs,
      packets: 1,
      bytes,
    };
    log.current.set(key, record);
    log.records.push(record);
    if (log.records.length >= 2 * this.#limit) this.#trim(log);
  }

  /** The interface's most recent records, newest last. */
  records(networkInterfaceId: string): readonly FlowRecord[] {
    const log = this.#logs.get(networkInterfaceId);
    if (!log) return [];
    this.#trim(log);
    return log.records.map((record) => toFlowRecord(networkInterfaceId, record));
  }

  /** Drops an interface's records (it is gone). */
  forget(networkInterfaceId: string): void {
    this.#logs.delete(networkInterfaceId);
  }

  #trim(log: InterfaceLog): void {
    const excess = log.records.length - this.#limit;
    if (excess <= 0) return;
    for (const dropped of log.records.slice(0, excess)) {
      if (log.current.get(dropped.key) === dropped) log.current.delete(dropped.key);
    }
    log.records = log.records.slice(excess);
  }
}

function toFlowRecord(networkInterfaceId: string, record: OpenRecord): FlowRecord {
  return {
    networkInterfaceId,
    srcAddr: formatIpv4(record.srcIp),
    dstAddr: formatIpv4(record.dstIp),
    srcPort: record.srcPort,
    dstPort: record.dstPort,
    protocol: record.protocol,
    packets: record.packets,
    bytes: record.bytes,
    start: Math.floor(record.startMs / 1000),
    end: Math.floor(record.endMs / 1000),
    action: record.action,
  };
}

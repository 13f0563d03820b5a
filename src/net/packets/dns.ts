/**
 * The VPC's DNS server (RFC 1035), as small as it can be: one question per query, answered from
 * what the caller resolves; no recursion, no zone transfers, no EDNS (answers fit in 512 bytes).
 */

export const DNS_PORT = 53;

export const DNS_TYPE_A = 1;
export const DNS_TYPE_PTR = 12;

const CLASS_IN = 1;
const HEADER_BYTES = 12;
const MAX_UDP_BYTES = 512;
const MAX_NAME_BYTES = 255;
const MAX_LABEL_BYTES = 63;
const POINTER_TO_QUESTION = 0xc00c;
/** Route 53 Resolver answers EC2 private names with a 60 s TTL. */
const DEFAULT_TTL_SECONDS = 60;

const FLAG_RESPONSE = 0x8000;
const FLAG_AUTHORITATIVE = 0x0400;
const FLAG_TRUNCATED = 0x0200;
const FLAG_RECURSION_DESIRED = 0x0100;
const FLAG_RECURSION_AVAILABLE = 0x0080;
const OPCODE_QUERY = 0;

const RCODE_FORMERR = 1;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const RCODE_REFUSED = 5;

export interface DnsQuestion {
  /** Lower case, without the trailing dot: names are case-insensitive (RFC 4343). */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

type DnsRecord =
  | { readonly type: typeof DNS_TYPE_A; readonly address: number; readonly ttlSeconds?: number }
  | { readonly type: typeof DNS_TYPE_PTR; readonly name: string; readonly ttlSeconds?: number };

/**
 * What the caller knows of a name: its records of the asked type (none: the name exists but has
 * no such record), that it does not exist in a zone the server serves, or that the server does
 * not serve it at all.
 */
export type DnsResolution =
  { readonly kind: "records"; readonly records: readonly DnsRecord[] } | { readonly kind: "nxdomain" } | { readonly kind: "refused" };

export type DnsResolver = (name: string, type: number) => DnsResolution;

/** Reads a possibly compressed name at `offset`; returns it and where the name ends in place. */
function readName(bytes: Uint8Array, offset: number): { name: string; end: number } | null {
  const labels: string[] = [];
  let position = offset;
  let end = -1;
  let nameBytes = 0;
  // Each pointer must go backwards, so a loop of pointers cannot keep this going.
  let limit = offset;
  for (;;) {
    const length = bytes[position];
    if (length === undefined) return null;
    if (length === 0) {
      if (end < 0) end = position + 1;
      break;
    }
    if ((length & 0xc0) === 0xc0) {
      const target = ((length & 0x3f) << 8) | (bytes[position + 1] ?? 0);
      if (position + 1 >= bytes.length || target >= limit) return null;
      if (end < 0) end = position + 2;
      limit = target;
      position = target;
      continue;
    }
    if (length > MAX_LABEL_BYTES || position + 1 + length > bytes.length) return null;
    nameBytes += length + 1;
    if (nameBytes + 1 > MAX_NAME_BYTES) return null;
    labels.push(String.fromCharCode(...bytes.subarray(position + 1, position + 1 + length)));
    position += 1 + length;
  }
  return { name: labels.join(".").toLowerCase(), end };
}

function encodeName(name: string): Uint8Array | null {
  const labels = name.replace(/\.$/, "").split(".");
  const bytes: number[] = [];
  for (const label of labels) {
    const encoded = new TextEncoder().encode(label);
    if (encoded.length === 0 || encoded.length > MAX_LABEL_BYTES) return null;
    bytes.push(encoded.length, ...encoded);
  }
  bytes.push(0);
  return bytes.length > MAX_NAME_BYTES ? null : Uint8Array.from(bytes);
}

interface ParsedQuery {
  readonly id: number;
  readonly flags: number;
  readonly question: DnsQuestion;
  /** The question section as sent, echoed in the answer (its case included). */
  readonly questionBytes: Uint8Array;
}

type QueryProblem = { readonly id: number; readonly flags: number; readonly rcode: number };

function parseQuery(bytes: Uint8Array): ParsedQuery | QueryProblem | null {
  if (bytes.length < HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const id = view.getUint16(0);
  const flags = view.getUint16(2);
  if ((flags & FLAG_RESPONSE) !== 0) return null;
  if (((flags >>> 11) & 0x0f) !== OPCODE_QUERY) return { id, flags, rcode: RCODE_NOTIMP };
  if (view.getUint16(4) !== 1) return { id, flags, rcode: RCODE_FORMERR };
  const name = readName(bytes, HEADER_BYTES);
  if (name === null || name.end + 4 > bytes.length) return { id, flags, rcode: RCODE_FORMERR };
  const question = { name: name.name, type: view.getUint16(name.end), class: view.getUint16(name.end + 2) };
  return { id, flags, question, questionBytes: bytes.subarray(HEADER_BYTES, name.end + 4) };
}

/** The question a query asks, or null when it is not a well-formed one-question query. */
export function parseDnsQuery(bytes: Uint8Array): DnsQuestion | null {
  const query = parseQuery(bytes);
  return query === null || !("question" in query) ? null : query.question;
}

function header(id: number, flags: number, counts: readonly [number, number]): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, id);
  view.setUint16(2, flags);
  view.setUint16(4, counts[0]);
  view.setUint16(6, counts[1]);
  return bytes;
}

function responseFlags(queryFlags: number, rcode: number, authoritative: boolean): number {
  return (
    FLAG_RESPONSE |
    (queryFlags & (0x7800 | FLAG_RECURSION_DESIRED)) |
    (authoritative ? FLAG_AUTHORITATIVE : 0) |
    FLAG_RECURSION_AVAILABLE |
    rcode
  );
}

function encodeRecord(record: DnsRecord): Uint8Array | null {
  const data = record.type === DNS_TYPE_A ? addressBytes(record.address) : encodeName(record.name);
  if (data === null) return null;
  const bytes = new Uint8Array(12 + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, POINTER_TO_QUESTION);
  view.setUint16(2, record.type);
  view.setUint16(4, CLASS_IN);
  view.setUint32(6, record.ttlSeconds ?? DEFAULT_TTL_SECONDS);
  view.setUint16(10, data.length);
  bytes.set(data, 12);
  return bytes;
}

function addressBytes(address: number): Uint8Array {
  return Uint8Array.of(address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/**
 * The answer to a query (the UDP payload), or null for what deserves none (a response, or fewer
 * bytes than a header). Malformed questions get FORMERR, other opcodes NOTIMP, other classes and
 * names the resolver does not serve REFUSED. An answer that would not fit in 512 bytes is cut and
 * marked truncated.
 */
export function answerDns(queryBytes: Uint8Array, resolve: DnsResolver): Uint8Array | null {
  const query = parseQuery(queryBytes);
  if (query === null) return null;
  if (!("question" in query)) return header(query.id, responseFlags(query.flags, query.rcode, false), [0, 0]);
  const { id, flags, question, questionBytes } = query;
  const refuse = (rcode: number): Uint8Array => concat([header(id, responseFlags(flags, rcode, false), [1, 0]), questionBytes]);
  if (question.class !== CLASS_IN) return refuse(RCODE_REFUSED);
  const resolution = resolve(question.name, question.type);
  if (resolution.kind === "refused") return refuse(RCODE_REFUSED);
  if (resolution.kind === "nxdomain") return refuse(RCODE_NXDOMAIN);
  const records: Uint8Array[] = [];
  let size = HEADER_BYTES + questionBytes.length;
  let truncated = false;
  for (const record of resolution.records) {
    const encoded = encodeRecord(record);
    if (encoded === null) continue;
    if (size + encoded.length > MAX_UDP_BYTES) {
      truncated = true;
      break;
    }
    records.push(encoded);
    size += encoded.length;
  }
  const answerFlags = responseFlags(flags, 0, records.length > 0) | (truncated ? FLAG_TRUNCATED : 0);
  return concat([header(id, answerFlags, [1, records.length]), questionBytes, ...records]);
}

/** "10.0.31.172.in-addr.arpa" for 172.31.0.10: the name a PTR query asks about. */
export function reverseName(address: number): string {
  return `${address & 0xff}.${(address >>> 8) & 0xff}.${(address >>> 16) & 0xff}.${address >>> 24}.in-addr.arpa`;
}

/** The address a full in-addr.arpa name stands for, or null for any other name. */
export function addressOfReverseName(name: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa\.?$/i.exec(name);
  if (match === null) return null;
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  const [d = 0, c = 0, b = 0, a = 0] = octets;
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

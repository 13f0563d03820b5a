/**
 * The fabric's own TCP endpoint: the connections of the services it answers (the metadata
 * service listens) and of the browser reaching a guest (it connects). The switch hands it the
 * segments addressed to the fabric and sends what it produces; it never sees IP or Ethernet.
 */
import type { TcpSegment } from "../packets/tcpSegment.ts";
import { type ConnectionHost, TcpConnection } from "./connection.ts";
import type { Scheduler } from "./scheduler.ts";
import { seqAdd } from "./seq.ts";
import { DEFAULT_TUNING, DEFAULT_IP_TTL, type TcpTuning } from "./tuning.ts";

export interface TcpStackOptions {
  /** Sends a segment we built: the switch wraps it in IPv4 with this TTL. */
  readonly output: (segment: TcpSegment, ipTtl: number) => void;
  readonly scheduler: Scheduler;
  /** Initial sequence numbers: random unless a test needs them fixed. */
  readonly initialSequence?: () => number;
  readonly tuning?: Partial<TcpTuning>;
}

interface TcpListener {
  readonly ip: number;
  readonly port: number;
  /** Stops accepting; connections already accepted go on. */
  close(): void;
}

export type ListenResult =
  { readonly ok: true; readonly listener: TcpListener } | { readonly ok: false; readonly code: "AddressInUse"; readonly message: string };

export type ConnectResult =
  | { readonly ok: true; readonly connection: TcpConnection }
  | { readonly ok: false; readonly code: "AddressInUse" | "TooManyConnections"; readonly message: string };

interface ListenerEntry {
  readonly ip: number;
  readonly port: number;
  readonly onConnection: (connection: TcpConnection) => void;
  halfOpen: number;
  open: boolean;
}

const EPHEMERAL_FIRST = 49_152;
const EPHEMERAL_COUNT = 65_536 - EPHEMERAL_FIRST;

function connectionKey(localIp: number, localPort: number, remoteIp: number, remotePort: number): string {
  return `${localIp}:${localPort}>${remoteIp}:${remotePort}`;
}

export class TcpStack {
  readonly tuning: TcpTuning;
  /** The clock its connections run on, for the protocols above them (idle and request timeouts). */
  readonly scheduler: Scheduler;
  readonly #output: TcpStackOptions["output"];
  readonly #initialSequence: () => number;
  readonly #connections = new Map<string, TcpConnection>();
  readonly #listeners = new Map<string, ListenerEntry>();
  readonly #halfOpen = new Map<TcpConnection, ListenerEntry>();
  readonly #host: ConnectionHost;
  #nextEphemeral = 0;

  constructor(options: TcpStackOptions) {
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.scheduler = options.scheduler;
    this.#output = options.output;
    this.#initialSequence = options.initialSequence ?? (() => Math.floor(Math.random() * 2 ** 32));
    this.#host = {
      scheduler: options.scheduler,
      tuning: this.tuning,
      output: (segment, ipTtl) => this.#output(segment, ipTtl),
      established: (connection) => this.#established(connection),
      released: (connection) => this.#released(connection),
    };
  }

  /** Connections kept now, TIME-WAIT included. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Accepts connections to ip:port, handing each to onConnection once its handshake completes. */
  listen(ip: number, port: number, onConnection: (connection: TcpConnection) => void): ListenResult {
    const key = `${ip}:${port}`;
    if (this.#listeners.has(key)) return { ok: false, code: "AddressInUse", message: `Something already listens on port ${port}.` };
    const entry: ListenerEntry = { ip, port, onConnection, halfOpen: 0, open: true };
    this.#listeners.set(key, entry);
    const listener: TcpListener = {
      ip,
      port,
      close: () => {
        entry.open = false;
        if (this.#listeners.get(key) === entry) this.#listeners.delete(key);
      },
    };
    return { ok: true, listener };
  }

  /** Opens a connection (sends its SYN); "connect" or "error" follows on the connection. */
  connect(localIp: number, localPort: number, remoteIp: number, remotePort: number): ConnectResult {
    const key = connectionKey(localIp, localPort, remoteIp, remotePort);
    if (this.#connections.has(key))
      return { ok: false, code: "AddressInUse", message: `Port ${localPort} already has a connection to that address.` };
    if (this.#connections.size >= this.tuning.maxConnections) {
      return { ok: false, code: "TooManyConnections", message: `The fabric already keeps ${this.tuning.maxConnections} connections.` };
    }
    const connection = TcpConnection.open(this.#host, { localIp, localPort, remoteIp, remotePort }, this.#initialSequence());
    this.#connections.set(key, connection);
    return { ok: true, connection };
  }

  /** A local port in the ephemeral range with no connection to remoteIp:remotePort, or null when all are taken. */
  freePort(localIp: number, remoteIp: number, remotePort: number): number | null {
    for (let tried = 0; tried < EPHEMERAL_COUNT; tried++) {
      const port = EPHEMERAL_FIRST + ((this.#nextEphemeral + tried) % EPHEMERAL_COUNT);
      if (!this.#connections.has(connectionKey(localIp, port, remoteIp, remotePort)) && !this.#listeners.has(`${localIp}:${port}`)) {
        this.#nextEphemeral = (port - EPHEMERAL_FIRST + 1) % EPHEMERAL_COUNT;
        return port;
      }
    }
    return null;
  }

  /** A segment addressed to the fabric. */
  receive(segment: TcpSegment): void {
    const existing = this.#connections.get(connectionKey(segment.dstIp, segment.dstPort, segment.srcIp, segment.srcPort));
    if (existing) {
      existing.receive(segment);
      return;
    }
    if (segment.flags.rst) return;
    const listener = this.#listeners.get(`${segment.dstIp}:${segment.dstPort}`);
    if (listener && segment.flags.syn && !segment.flags.ack) {
      this.#accept(listener, segment);
      return;
    }
    this.#refuse(segment);
  }

  #accept(listener: ListenerEntry, syn: TcpSegment): void {
    // A full backlog drops the SYN, as Linux does: the peer retries a little later.
    if (listener.halfOpen >= this.tuning.backlog || this.#connections.size >= this.tuning.maxConnections) return;
    const endpoints = { localIp: syn.dstIp, localPort: syn.dstPort, remoteIp: syn.srcIp, remotePort: syn.srcPort };
    const connection = TcpConnection.accept(this.#host, endpoints, this.#initialSequence(), syn);
    listener.halfOpen += 1;
    this.#halfOpen.set(connection, listener);
    this.#connections.set(connectionKey(endpoints.localIp, endpoints.localPort, endpoints.remoteIp, endpoints.remotePort), connection);
  }

  /** RFC 9293's reset for a segment that belongs to no connection. */
  #refuse(segment: TcpSegment): void {
    const length = segment.payload.length + (segment.flags.syn ? 1 : 0) + (segment.flags.fin ? 1 : 0);
    this.#output(
      {
        srcIp: segment.dstIp,
        dstIp: segment.srcIp,
        srcPort: segment.dstPort,
        dstPort: segment.srcPort,
        seq: segment.flags.ack ? segment.ack : 0,
        ack: segment.flags.ack ? 0 : seqAdd(segment.seq, length),
        flags: { syn: false, ack: !segment.flags.ack, fin: false, rst: true, psh: false },
        window: 0,
        payload: new Uint8Array(0),
      },
      DEFAULT_IP_TTL,
    );
  }

  #established(connection: TcpConnection): void {
    const listener = this.#halfOpen.get(connection);
    this.#halfOpen.delete(connection);
    if (!listener) return;
    listener.halfOpen -= 1;
    if (listener.open) listener.onConnection(connection);
    else connection.abort();
  }

  #released(connection: TcpConnection): void {
    const listener = this.#halfOpen.get(connection);
    if (listener) {
      listener.halfOpen -= 1;
      this.#halfOpen.delete(connection);
    }
    const key = connectionKey(connection.localIp, connection.localPort, connection.remoteIp, connection.remotePort);
    if (this.#connections.get(key) === connection) this.#connections.delete(key);
  }
}

/**
 * One TCP connection of the fabric's own endpoint (RFC 9293), either end: the handshake, in-order
 * delivery (a segment ahead of the next expected byte is dropped and the peer retransmits, as our
 * cumulative ACK tells it), the peer's window and MSS respected when sending, retransmission on a
 * timer with backoff (go-back-N: the peer keeps nothing out of order from us either), fast
 * retransmit on three duplicate ACKs, FIN both ways, RST, and a short TIME-WAIT.
 */
import type { TcpFlags, TcpSegment } from "../packets/tcpSegment.ts";
import { ByteQueue } from "./byteQueue.ts";
import { Emitter } from "./emitter.ts";
import { RetransmitTimeout } from "./rto.ts";
import { dottedIp, type Endpoints, segmentFrom } from "./segments.ts";
import { type Scheduler, TimerSlot } from "./scheduler.ts";
import { acceptable, seqAdd, seqDiff, seqGt, seqLe, seqLt } from "./seq.ts";
import { DEFAULT_IP_TTL, type TcpConnectionEvents, type TcpError, type TcpState, type TcpTuning, type WriteResult } from "./tuning.ts";

/** What a connection needs from the stack that owns it. */
export interface ConnectionHost {
  readonly scheduler: Scheduler;
  readonly tuning: TcpTuning;
  output(segment: TcpSegment, ipTtl: number): void;
  /** A passively opened connection completed its handshake: hand it to the listener. */
  established(connection: TcpConnection): void;
  /** The connection holds nothing any more: forget it. */
  released(connection: TcpConnection): void;
}

/** RFC 9293's default when the peer sends no MSS option. */
const DEFAULT_PEER_MSS = 536;
/** Without window scaling (the segment carries no such option) a window is 16 bits. */
const MAX_WINDOW = 65_535;
const DUPLICATE_ACKS_FOR_RETRANSMIT = 3;

type TimerKind = "retransmit" | "finWait2" | "timeWait";

export class TcpConnection extends Emitter<TcpConnectionEvents> {
  readonly localIp: number;
  readonly localPort: number;
  readonly remoteIp: number;
  readonly remotePort: number;
  /** The IP TTL of the segments we send (the metadata service sets its hop limit here). */
  ipTtl = DEFAULT_IP_TTL;

  readonly #host: ConnectionHost;
  #state: TcpState;
  readonly #iss: number;
  #sndUna: number;
  #sndNxt: number;
  /** The highest sequence number sent so far: below it, a segment is a retransmission and is not timed (Karn). */
  #sndMax: number;
  #sndWnd = 0;
  #sndWl1 = 0;
  #sndWl2 = 0;
  #peerMss = DEFAULT_PEER_MSS;
  /** Every byte from SND.UNA on: sent and unacknowledged, then unsent. */
  readonly #sendQueue = new ByteQueue();
  #synAcked = false;
  #finQueued = false;
  #finAcked = false;

  #irs = 0;
  #rcvNxt = 0;
  /** Bytes received while paused, which keep our window that much smaller. */
  readonly #receiveQueue = new ByteQueue();
  #paused = false;
  #peerEnded = false;
  #endEmitted = false;

  readonly #rto: RetransmitTimeout;
  #retransmits = 0;
  #dupAcks = 0;
  readonly #timer: TimerSlot<TimerKind>;
  #ackNeeded = false;
  #closeEmitted = false;

  private constructor(host: ConnectionHost, endpoints: Endpoints, iss: number, state: TcpState) {
    super();
    this.#host = host;
    this.localIp = endpoints.localIp;
    this.localPort = endpoints.localPort;
    this.remoteIp = endpoints.remoteIp;
    this.remotePort = endpoints.remotePort;
    this.#iss = iss >>> 0;
    this.#sndUna = this.#iss;
    this.#sndNxt = seqAdd(this.#iss, 1);
    this.#sndMax = this.#sndNxt;
    this.#state = state;
    this.#rto = new RetransmitTimeout(host.tuning);
    this.#timer = new TimerSlot(host.scheduler);
  }

  /** Opens a connection: sends the SYN. */
  static open(host: ConnectionHost, endpoints: Endpoints, iss: number): TcpConnection {
    const connection = new TcpConnection(host, endpoints, iss, "SYN_SENT");
    connection.#sendSyn();
    return connection;
  }

  /** Answers a listener's SYN with a SYN-ACK. */
  static accept(host: ConnectionHost, endpoints: Endpoints, iss: number, syn: TcpSegment): TcpConnection {
    const connection = new TcpConnection(host, endpoints, iss, "SYN_RECEIVED");
    connection.#irs = syn.seq;
    connection.#rcvNxt = seqAdd(syn.seq, 1);
    connection.#peerMss = syn.mss ?? DEFAULT_PEER_MSS;
    connection.#sndWnd = syn.window;
    connection.#sndWl1 = syn.seq;
    connection.#sendSyn();
    return connection;
  }

  get state(): TcpState {
    return this.#state;
  }

  /** Bytes written and not yet acknowledged by the peer. */
  get bufferedBytes(): number {
    return this.#sendQueue.length;
  }

  /** Queues bytes to send; refused when the send buffer would overflow or after end(). */
  write(bytes: Uint8Array): WriteResult {
    const open =
      this.#state === "SYN_SENT" || this.#state === "SYN_RECEIVED" || this.#state === "ESTABLISHED" || this.#state === "CLOSE_WAIT";
    if (!open || this.#finQueued) return { ok: false, code: "Closed", message: "The connection's sending side is closed." };
    if (this.#sendQueue.length + bytes.length > this.#host.tuning.sendBufferBytes) {
      return {
        ok: false,
        code: "BufferFull",
        message: `More than ${this.#host.tuning.sendBufferBytes} bytes would wait to be sent; wait for "drain".`,
      };
    }
    this.#sendQueue.push(bytes.slice());
    this.#pump();
    return { ok: true };
  }

  /** Sends FIN once everything written has been sent: a half close, we still receive. */
  end(): void {
    if (this.#finQueued || this.#state === "CLOSED" || this.#state === "TIME_WAIT") return;
    this.#finQueued = true;
    this.#pump();
  }

  /** Resets the connection at once (RST) and closes it; nothing queued is sent. */
  abort(): void {
    if (this.#state === "CLOSED") return;
    if (this.#state !== "SYN_SENT" && this.#state !== "TIME_WAIT") this.#send({ rst: true, ack: true }, this.#sndNxt);
    this.#terminate(null);
  }

  /** Stops "data" events; what arrives is kept, and our window shrinks by it. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const windowBefore = this.#window();
    if (this.#receiveQueue.length > 0) this.emit("data", this.#receiveQueue.takeAll());
    this.#emitEndIfDue();
    const synchronized = this.#state !== "CLOSED" && this.#state !== "SYN_SENT" && this.#state !== "SYN_RECEIVED";
    if (synchronized && windowBefore < this.#host.tuning.mss && this.#window() >= this.#host.tuning.mss)
      this.#send({ ack: true }, this.#sndNxt);
  }

  /** A segment of this connection, from the stack. */
  receive(segment: TcpSegment): void {
    if (this.#state === "CLOSED") return;
    if (this.#state === "SYN_SENT") this.#receiveInSynSent(segment);
    else this.#receiveSynchronized(segment);
    if (this.#ackNeeded && !this.#closed()) this.#send({ ack: true }, this.#sndNxt);
  }

  /** Read through a method: a callback run by the last step may have closed the connection. */
  #closed(): boolean {
    return this.#state === "CLOSED";
  }

  #receiveInSynSent(segment: TcpSegment): void {
    const { flags } = segment;
    if (flags.ack && (seqLe(segment.ack, this.#iss) || seqGt(segment.ack, this.#sndNxt))) {
      if (!flags.rst) this.#sendReset(segment.ack);
      return;
    }
    if (flags.rst) {
      if (flags.ack)
        this.#terminate({
          code: "ConnectionRefused",
          message: `${dottedIp(this.remoteIp)} refused the connection: nothing listens on port ${this.remotePort}.`,
        });
      return;
    }
    if (!flags.syn) return;
    this.#irs = segment.seq;
    this.#rcvNxt = seqAdd(segment.seq, 1);
    this.#peerMss = segment.mss ?? DEFAULT_PEER_MSS;
    if (!flags.ack) {
      // Both ends opened at once (RFC 9293 §3.5): answer with SYN-ACK and wait for its ACK.
      this.#state = "SYN_RECEIVED";
      this.#sendSyn();
      return;
    }
    this.#state = "ESTABLISHED";
    this.#sndWnd = segment.window;
    this.#sndWl1 = segment.seq;
    this.#sndWl2 = segment.ack;
    this.#processAck(segment);
    this.#ackNeeded = true;
    this.emit("connect");
    this.#pump();
  }

  #receiveSynchronized(segment: TcpSegment): void {
    const { flags } = segment;
    if (this.#state === "SYN_RECEIVED" && flags.syn && !flags.ack && segment.seq === this.#irs) {
      this.#sendSyn(); // our SYN-ACK was lost
      return;
    }
    const length = segment.payload.length + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0);
    if (!acceptable(segment.seq, length, this.#rcvNxt, this.#window())) {
      // RFC 9293 still takes the ACK of a segment that a closed window cannot hold.
      const zeroWindowAck = this.#window() === 0 && segment.seq === this.#rcvNxt && flags.ack && !flags.rst && !flags.syn;
      if (!zeroWindowAck) {
        if (!flags.rst) this.#ackNeeded = true;
        if (this.#state === "TIME_WAIT" && flags.fin) this.#enterTimeWait();
        return;
      }
    }
    if (flags.rst) {
      const surprising =
        this.#state === "ESTABLISHED" || this.#state === "FIN_WAIT_1" || this.#state === "FIN_WAIT_2" || this.#state === "CLOSE_WAIT";
      this.#terminate(surprising ? { code: "ConnectionReset", message: `${dottedIp(this.remoteIp)} reset the connection.` } : null);
      return;
    }
    if (flags.syn) {
      this.#ackNeeded = true; // RFC 5961's challenge ACK: a true peer answers it with RST
      return;
    }
    if (!flags.ack) return;
    if (this.#state === "SYN_RECEIVED") {
      if (!seqGt(segment.ack, this.#sndUna) || seqGt(segment.ack, this.#sndNxt)) {
        this.#sendReset(segment.ack);
        return;
      }
      this.#state = "ESTABLISHED";
      this.#processAck(segment);
      this.#host.established(this);
      this.emit("connect");
    } else if (!this.#processAck(segment)) {
      return;
    }
    if (this.#closed()) return;
    this.#processData(segment);
    this.#pump();
  }

  /** Takes the segment's ACK and window; false when it acknowledges what we never sent. */
  #processAck(segment: TcpSegment): boolean {
    const { ack } = segment;
    // Up to SND.MAX, not SND.NXT: after going back, the peer still acknowledges what it had before.
    if (seqGt(ack, this.#sndMax)) {
      this.#ackNeeded = true;
      return false;
    }
    if (seqGt(ack, this.#sndNxt)) this.#sndNxt = ack;
    if (seqGt(ack, this.#sndUna)) {
      let units = seqDiff(ack, this.#sndUna);
      if (!this.#synAcked) {
        this.#synAcked = true;
        units -= 1;
      }
      const dataAcked = Math.min(units, this.#sendQueue.length);
      this.#sendQueue.drop(dataAcked);
      if (units > dataAcked && this.#finQueued) this.#finAcked = true;
      this.#sndUna = ack;
      this.#rto.acknowledged(ack, this.#host.scheduler.now());
      this.#retransmits = 0;
      this.#dupAcks = 0;
      if (this.#sndNxt !== this.#sndUna) this.#armRetransmit(true);
      else this.#timer.stop();
      if (dataAcked > 0 && this.#sendQueue.length === 0) this.emit("drain");
      if (this.#finAcked) this.#ourFinAcknowledged();
    } else if (
      ack === this.#sndUna &&
      segment.payload.length === 0 &&
      !segment.flags.fin &&
      segment.window === this.#sndWnd &&
      this.#sndNxt !== this.#sndUna
    ) {
      this.#dupAcks += 1;
      if (this.#dupAcks === DUPLICATE_ACKS_FOR_RETRANSMIT) this.#goBack();
    }
    if (seqLt(this.#sndWl1, segment.seq) || (this.#sndWl1 === segment.seq && seqLe(this.#sndWl2, ack))) {
      this.#sndWnd = segment.window;
      this.#sndWl1 = segment.seq;
      this.#sndWl2 = ack;
      // A peer that answers with a closed window is alive: probing it is not failing.
      if (segment.window === 0) this.#retransmits = 0;
    }
    return !this.#closed();
  }

  #ourFinAcknowledged(): void {
    if (this.#state === "FIN_WAIT_1") {
      this.#state = "FIN_WAIT_2";
      this.#timer.set("finWait2", this.#host.tuning.finWait2TimeoutMs, () => this.#terminate(null));
    } else if (this.#state === "CLOSING") {
      this.#enterTimeWait();
    } else if (this.#state === "LAST_ACK") {
      this.#terminate(null);
    }
  }

  #processData(segment: TcpSegment): void {
    const receiving = this.#state === "ESTABLISHED" || this.#state === "FIN_WAIT_1" || this.#state === "FIN_WAIT_2";
    if (!receiving) return;
    let { seq, payload } = segment;
    if (seqLt(seq, this.#rcvNxt)) {
      const skip = seqDiff(this.#rcvNxt, seq);
      payload = payload.subarray(Math.min(skip, payload.length));
      seq = seqAdd(seq, skip);
    }
    if (seq !== this.#rcvNxt) {
      this.#ackNeeded = true; // out of order: dropped, and our duplicate ACK asks for the gap
      return;
    }
    if (payload.length > 0) {
      const taken = payload.subarray(0, this.#window());
      this.#ackNeeded = true;
      if (taken.length > 0) {
        this.#rcvNxt = seqAdd(this.#rcvNxt, taken.length);
        if (this.#paused) this.#receiveQueue.push(taken);
        else this.emit("data", taken);
      }
      if (taken.length < payload.length || this.#closed()) return;
    }
    if (segment.flags.fin) this.#peerFin();
  }

  #peerFin(): void {
    this.#rcvNxt = seqAdd(this.#rcvNxt, 1);
    this.#ackNeeded = true;
    this.#peerEnded = true;
    if (this.#state === "ESTABLISHED") this.#state = "CLOSE_WAIT";
    else if (this.#state === "FIN_WAIT_1") this.#state = "CLOSING";
    else if (this.#state === "FIN_WAIT_2") this.#enterTimeWait();
    this.#emitEndIfDue();
  }

  #emitEndIfDue(): void {
    if (!this.#peerEnded || this.#endEmitted || this.#paused || this.#receiveQueue.length > 0) return;
    this.#endEmitted = true;
    this.emit("end");
    if (this.#state === "TIME_WAIT") this.#emitClose();
  }

  /** Sends what the peer's window allows, and the FIN once the data is out. */
  #pump(): void {
    if (!this.#synAcked || this.#state === "CLOSED" || this.#state === "TIME_WAIT") return;
    const mss = Math.min(this.#peerMss, this.#host.tuning.mss);
    for (;;) {
      const inFlight = seqDiff(this.#sndNxt, this.#sndUna);
      const unsent = this.#sendQueue.length - inFlight;
      const room = this.#sndWnd - inFlight;
      if (unsent > 0 && room > 0) {
        const size = Math.min(unsent, room, mss);
        const last = size === unsent;
        const fin = last && this.#finQueued;
        if (fin) this.#finSending();
        this.#send({ ack: true, psh: last, fin }, this.#sndNxt, this.#sendQueue.peek(inFlight, size));
        const fresh = !seqLt(this.#sndNxt, this.#sndMax);
        this.#sndNxt = seqAdd(this.#sndNxt, size + (fin ? 1 : 0));
        if (fresh) {
          this.#rto.time(this.#sndNxt, this.#host.scheduler.now());
          this.#sndMax = this.#sndNxt;
        }
        continue;
      }
      if (unsent === 0 && this.#finQueued && !this.#finAcked) {
        this.#finSending();
        this.#send({ ack: true, fin: true }, this.#sndNxt);
        this.#sndNxt = seqAdd(this.#sndNxt, 1);
        if (seqGt(this.#sndNxt, this.#sndMax)) this.#sndMax = this.#sndNxt;
      }
      break;
    }
    // With data waiting behind a closed window, the same timer sends the window probe.
    if (this.#sndNxt !== this.#sndUna || this.#sendQueue.length > 0) this.#armRetransmit(false);
  }

  #finSending(): void {
    if (this.#state === "ESTABLISHED") this.#state = "FIN_WAIT_1";
    else if (this.#state === "CLOSE_WAIT") this.#state = "LAST_ACK";
  }

  #goBack(): void {
    this.#sndNxt = this.#sndUna;
    this.#rto.forget();
  }

  #onRetransmitTimeout(): void {
    this.#retransmits += 1;
    const { tuning } = this.#host;
    if (this.#retransmits > (this.#synAcked ? tuning.maxRetransmits : tuning.synRetries)) {
      if (this.#synAcked) this.#send({ rst: true, ack: true }, this.#sndNxt);
      const silent = this.#state === "SYN_RECEIVED";
      this.#terminate(
        silent ? null : { code: "Timeout", message: `${dottedIp(this.remoteIp)} did not answer on port ${this.remotePort}.` },
      );
      return;
    }
    this.#rto.backOff();
    if (!this.#synAcked) {
      this.#sendSyn();
      return;
    }
    if (this.#sndNxt === this.#sndUna && this.#sendQueue.length > 0 && this.#sndWnd === 0) {
      this.#send({ ack: true }, this.#sndUna, this.#sendQueue.peek(0, 1));
      this.#sndNxt = seqAdd(this.#sndUna, 1);
      if (seqGt(this.#sndNxt, this.#sndMax)) this.#sndMax = this.#sndNxt;
      this.#armRetransmit(true);
      return;
    }
    this.#goBack();
    this.#pump();
    this.#armRetransmit(true);
  }

  #sendSyn(): void {
    const ack = this.#state === "SYN_RECEIVED";
    this.#send({ syn: true, ack }, this.#iss, undefined, this.#host.tuning.mss);
    if (this.#retransmits === 0) this.#rto.time(this.#sndNxt, this.#host.scheduler.now());
    this.#armRetransmit(true);
  }

  #sendReset(seq: number): void {
    this.#host.output(segmentFrom(this, { seq, ack: 0, flags: { rst: true }, window: 0 }), this.ipTtl);
  }

  #send(flags: Partial<TcpFlags>, seq: number, payload?: Uint8Array, mss?: number): void {
    const fields = {
      seq,
      ack: this.#rcvNxt,
      flags,
      window: this.#window(),
      ...(payload ? { payload } : {}),
      ...(mss === undefined ? {} : { mss }),
    };
    this.#host.output(segmentFrom(this, fields), this.ipTtl);
    if (flags.ack) this.#ackNeeded = false;
  }

  #window(): number {
    return Math.max(0, Math.min(MAX_WINDOW, this.#host.tuning.receiveBufferBytes - this.#receiveQueue.length));
  }

  #armRetransmit(restart: boolean): void {
    if (!restart && this.#timer.kind === "retransmit") return;
    this.#timer.set("retransmit", this.#rto.ms, () => this.#onRetransmitTimeout());
  }

  #enterTimeWait(): void {
    this.#state = "TIME_WAIT";
    this.#timer.set("timeWait", this.#host.tuning.timeWaitMs, () => this.#release());
    if (this.#endEmitted) this.#emitClose();
  }

  #terminate(error: TcpError | null): void {
    if (this.#state === "CLOSED") return;
    this.#state = "CLOSED";
    this.#timer.stop();
    this.#host.released(this);
    if (error) this.emit("error", error);
    this.#emitClose();
    this.clear();
  }

  #release(): void {
    this.#state = "CLOSED";
    this.#timer.stop();
    this.#host.released(this);
    this.#emitClose();
    this.clear();
  }

  #emitClose(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this.emit("close");
  }
}

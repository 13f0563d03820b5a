import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ipv4, TcpLink } from "../testing/tcpLink.ts";
import type { TcpConnection } from "./connection.ts";
import type { TcpError } from "./tuning.ts";

const A = ipv4("169.254.169.254");
const B = ipv4("172.31.0.10");

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** Large arrays are compared by digest: element-wise equality of a megabyte is slow to report. */
function sha256(bytes: Uint8Array | undefined): string {
  return createHash("sha256")
    .update(bytes ?? new Uint8Array(0))
    .digest("hex");
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

interface Recorder {
  readonly chunks: Uint8Array[];
  ended: boolean;
  closed: boolean;
  errors: TcpError[];
  bytes(): Uint8Array;
}

function record(connection: TcpConnection): Recorder {
  const recorder: Recorder = {
    chunks: [],
    ended: false,
    closed: false,
    errors: [],
    bytes: () => concat(recorder.chunks),
  };
  connection.on("data", (chunk) => recorder.chunks.push(chunk.slice()));
  connection.on("end", () => (recorder.ended = true));
  connection.on("close", () => (recorder.closed = true));
  connection.on("error", (error) => recorder.errors.push(error));
  return recorder;
}

/** B listens on 8080; A connects from 40000. */
function pair(link: TcpLink): { client: TcpConnection; server: () => TcpConnection | null; serverRecorder: () => Recorder | null } {
  let server: TcpConnection | null = null;
  let serverRecorder: Recorder | null = null;
  const listening = link.b.listen(B, 8080, (connection) => {
    server = connection;
    serverRecorder = record(connection);
  });
  if (!listening.ok) throw new Error(listening.message);
  const opened = link.a.connect(A, 40_000, B, 8080);
  if (!opened.ok) throw new Error(opened.message);
  return { client: opened.connection, server: () => server, serverRecorder: () => serverRecorder };
}

describe("TCP endpoint", () => {
  it("completes the handshake: both ends established, the listener handed the connection", () => {
    const link = new TcpLink();
    const { client, server } = pair(link);
    let connected = false;
    client.on("connect", () => (connected = true));
    link.scheduler.advance(5);
    expect(connected).toBe(true);
    expect(client.state).toBe("ESTABLISHED");
    expect(server()?.state).toBe("ESTABLISHED");
    const syn = link.sent[0]?.segment;
    expect(syn?.flags.syn).toBe(true);
    expect(syn?.mss).toBe(1460);
  });

  it.each([1, 2, 3])(
    "carries 1 MiB intact each way over a link that drops, duplicates and reorders (seed %i)",
    (seed) => {
      const link = new TcpLink({ seed, faults: { drop: 0.05, duplicate: 0.03, reorder: 0.05 } });
      const { client, server, serverRecorder } = pair(link);
      const clientRecorder = record(client);
      const upload = pattern(1024 * 1024, seed);
      const download = pattern(1024 * 1024, seed + 100);
      expect(client.write(upload).ok).toBe(true);
      client.end();
      expect(link.runUntil(() => server() !== null)).toBe(true);
      server()?.write(download);
      server()?.end();
      expect(link.runUntil(() => clientRecorder.closed && serverRecorder()?.closed === true)).toBe(true);
      expect(sha256(serverRecorder()?.bytes())).toBe(sha256(upload));
      expect(sha256(clientRecorder.bytes())).toBe(sha256(download));
      expect(clientRecorder.errors).toEqual([]);
      expect(serverRecorder()?.errors).toEqual([]);
      link.scheduler.advance(5000);
      expect(link.a.connectionCount + link.b.connectionCount).toBe(0);
      // Generous: a loaded machine runs the thousands of segments slower, and no figure is asserted.
    },
    60_000,
  );

  it("carries data across the wrap of 32-bit sequence numbers, both ways", () => {
    const link = new TcpLink({ initialSequence: () => 0xffff_f000, faults: { drop: 0.02, duplicate: 0, reorder: 0.02 } });
    const { client, server, serverRecorder } = pair(link);
    const clientRecorder = record(client);
    const upload = pattern(50_000, 5);
    client.write(upload);
    client.end();
    expect(link.runUntil(() => server() !== null)).toBe(true);
    server()?.write(upload);
    server()?.end();
    expect(link.runUntil(() => clientRecorder.closed && serverRecorder()?.closed === true)).toBe(true);
    expect(sha256(serverRecorder()?.bytes())).toBe(sha256(upload));
    expect(sha256(clientRecorder.bytes())).toBe(sha256(upload));
  });

  it("answers a SYN to a port nobody listens on with RST: the connection is refused", () => {
    const link = new TcpLink();
    const opened = link.a.connect(A, 40_000, B, 81);
    if (!opened.ok) throw new Error(opened.message);
    const recorder = record(opened.connection);
    link.scheduler.advance(5);
    expect(recorder.errors.map((error) => error.code)).toEqual(["ConnectionRefused"]);
    expect(recorder.closed).toBe(true);
    expect(link.a.connectionCount).toBe(0);
    const rst = link.sent.find((tap) => tap.from === "b")?.segment;
    expect(rst?.flags).toMatchObject({ rst: true, ack: true });
    expect(rst?.ack).toBe(((link.sent[0]?.segment.seq ?? 0) + 1) >>> 0);
  });

  it("answers a stray ACK with RST whose sequence number is that ACK", () => {
    const link = new TcpLink();
    link.b.receive({
      srcIp: A,
      dstIp: B,
      srcPort: 40_000,
      dstPort: 8080,
      seq: 5,
      ack: 123_456,
      flags: { syn: false, ack: true, fin: false, rst: false, psh: false },
      window: 1000,
      payload: new Uint8Array(0),
    });
    expect(link.sent[0]?.segment).toMatchObject({ seq: 123_456, flags: { rst: true, ack: false } });
  });

  it("retransmits an unanswered SYN with doubling timeouts and gives up with Timeout", () => {
    const link = new TcpLink();
    link.up = false;
    const opened = link.a.connect(A, 40_000, B, 8080);
    if (!opened.ok) throw new Error(opened.message);
    const recorder = record(opened.connection);
    // RTO 1 s doubling, four retries: SYNs at 0, 1, 3, 7 and 15 s; give up at 31 s.
    link.scheduler.advance(30_999);
    expect(link.sent.map((tap) => tap.segment.flags.syn)).toEqual([true, true, true, true, true]);
    expect(recorder.errors).toEqual([]);
    link.scheduler.advance(1);
    expect(recorder.errors.map((error) => error.code)).toEqual(["Timeout"]);
    expect(link.a.connectionCount).toBe(0);
  });

  it("gives up on data nobody acknowledges with Timeout, and resets the connection", () => {
    const link = new TcpLink({ tuningA: { maxRetransmits: 3 } });
    const { client } = pair(link);
    const recorder = record(client);
    link.scheduler.advance(5);
    link.up = false;
    client.write(pattern(100, 1));
    link.scheduler.advance(120_000);
    expect(recorder.errors.map((error) => error.code)).toEqual(["Timeout"]);
    expect(link.sent.at(-1)?.segment.flags.rst).toBe(true);
  });

  it("closes half: after our FIN we still receive, then both ends close and TIME-WAIT ends", () => {
    const link = new TcpLink();
    const { client, server, serverRecorder } = pair(link);
    const clientRecorder = record(client);
    link.scheduler.advance(5);
    client.write(new TextEncoder().encode("request"));
    client.end();
    link.scheduler.advance(5);
    expect(serverRecorder()?.ended).toBe(true);
    expect(client.state).toBe("FIN_WAIT_2");
    expect(server()?.state).toBe("CLOSE_WAIT");
    expect(server()?.write(new TextEncoder().encode("answer")).ok).toBe(true);
    link.scheduler.advance(5);
    expect(new TextDecoder().decode(clientRecorder.bytes())).toBe("answer");
    expect(clientRecorder.closed).toBe(false);
    server()?.end();
    link.scheduler.advance(5);
    expect(clientRecorder.ended && clientRecorder.closed).toBe(true);
    expect(serverRecorder()?.closed).toBe(true);
    expect(client.state).toBe("TIME_WAIT");
    expect(link.a.connectionCount).toBe(1);
    link.scheduler.advance(2000);
    expect(link.a.connectionCount).toBe(0);
    expect(link.b.connectionCount).toBe(0);
  });

  it("closes both ends when both send FIN at once (CLOSING, then TIME-WAIT)", () => {
    const link = new TcpLink();
    const { client, server, serverRecorder } = pair(link);
    const clientRecorder = record(client);
    link.scheduler.advance(5);
    client.end();
    server()?.end();
    expect(client.state).toBe("FIN_WAIT_1");
    expect(server()?.state).toBe("FIN_WAIT_1");
    link.scheduler.advance(1);
    expect(client.state).toBe("CLOSING");
    link.scheduler.advance(1);
    expect([client.state, server()?.state]).toEqual(["TIME_WAIT", "TIME_WAIT"]);
    expect(clientRecorder.ended && clientRecorder.closed && serverRecorder()?.closed).toBe(true);
    link.scheduler.advance(2000);
    expect(link.a.connectionCount + link.b.connectionCount).toBe(0);
  });

  it("re-acknowledges a FIN sent again while in TIME-WAIT (our last ACK was lost)", () => {
    const link = new TcpLink();
    const { client, server } = pair(link);
    link.scheduler.advance(5);
    client.end();
    link.scheduler.advance(5);
    let lost = 0;
    link.lose = (segment, from) => from === "a" && segment.flags.ack && !segment.flags.fin && lost++ === 0;
    server()?.end();
    link.scheduler.advance(5);
    expect(client.state).toBe("TIME_WAIT");
    expect(server()?.state).toBe("LAST_ACK");
    link.scheduler.advance(1000); // the server's retransmission timeout: its FIN again, answered from TIME-WAIT
    link.scheduler.advance(5);
    expect(lost).toBeGreaterThan(0);
    expect(server()?.state).toBe("CLOSED");
    expect(client.state).toBe("TIME_WAIT");
  });

  it("sends a lost SYN-ACK again: the handshake completes", () => {
    const link = new TcpLink();
    let lost = 0;
    link.lose = (segment, from) => from === "b" && segment.flags.syn && lost++ === 0;
    const { client, server } = pair(link);
    link.scheduler.advance(5);
    expect(client.state).toBe("SYN_SENT");
    expect(server()).toBeNull();
    link.scheduler.advance(1005);
    expect(client.state).toBe("ESTABLISHED");
    expect(server()?.state).toBe("ESTABLISHED");
    expect(lost).toBeGreaterThan(1);
  });

  it("refuses writes after end() and beyond the send buffer", () => {
    const link = new TcpLink({ tuningA: { sendBufferBytes: 1000 } });
    const { client } = pair(link);
    expect(client.write(new Uint8Array(1000)).ok).toBe(true);
    expect(client.write(new Uint8Array(1))).toMatchObject({ ok: false, code: "BufferFull" });
    client.end();
    expect(client.write(new Uint8Array(1))).toMatchObject({ ok: false, code: "Closed" });
  });

  it("abort sends RST: the peer sees ConnectionReset", () => {
    const link = new TcpLink();
    const { client, serverRecorder } = pair(link);
    link.scheduler.advance(5);
    client.abort();
    link.scheduler.advance(5);
    expect(serverRecorder()?.errors.map((error) => error.code)).toEqual(["ConnectionReset"]);
    expect(serverRecorder()?.closed).toBe(true);
    expect(link.a.connectionCount + link.b.connectionCount).toBe(0);
  });

  it("never sends more than the peer's window: a paused reader holds at most its buffer, the rest follows on resume", () => {
    const link = new TcpLink();
    const { client, server, serverRecorder } = pair(link);
    link.scheduler.advance(5);
    server()?.pause();
    const data = pattern(300_000, 9);
    client.write(data);
    link.scheduler.advance(20_000);
    expect(serverRecorder()?.chunks).toEqual([]);
    expect(client.bufferedBytes).toBeGreaterThanOrEqual(300_000 - 65_535);
    server()?.resume();
    expect(serverRecorder()?.chunks[0]?.length).toBeLessThanOrEqual(65_535);
    link.runUntil(() => client.bufferedBytes === 0);
    expect(sha256(serverRecorder()?.bytes())).toBe(sha256(data));
  });

  it("sends segments no larger than the MSS the peer announced", () => {
    const link = new TcpLink({ tuningB: { mss: 536 } });
    const { client, serverRecorder } = pair(link);
    client.write(pattern(10_000, 3));
    link.runUntil(() => client.bufferedBytes === 0);
    const sizes = link.sent.filter((tap) => tap.from === "a").map((tap) => tap.segment.payload.length);
    expect(Math.max(...sizes)).toBe(536);
    expect(serverRecorder()?.bytes().length).toBe(10_000);
  });

  it("drops a segment ahead of the next expected byte and asks again for the gap", () => {
    const link = new TcpLink();
    const { client, server, serverRecorder } = pair(link);
    link.scheduler.advance(5);
    const first = link.sent.filter((tap) => tap.from === "b").at(-1)?.segment;
    if (!first || !server()) throw new Error("no handshake");
    const ahead = { ...first, srcIp: A, dstIp: B, srcPort: 40_000, dstPort: 8080 };
    // The client's next sequence number is the server's last ack; send 10 bytes 100 beyond it.
    link.b.receive({
      ...ahead,
      seq: (first.ack + 100) >>> 0,
      ack: (first.seq + 1) >>> 0,
      payload: new Uint8Array(10),
      flags: { ...ahead.flags, psh: true },
    });
    expect(serverRecorder()?.chunks).toEqual([]);
    expect(link.sent.at(-1)?.segment).toMatchObject({ ack: first.ack, flags: { ack: true } });
    expect(client.state).toBe("ESTABLISHED");
  });
});

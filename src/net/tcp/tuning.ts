/** The TCP endpoint's limits and timers, and what its connections report. */

export interface TcpTuning {
  /** The MSS we announce: the VPC's 1500-byte MTU less 40 bytes of IPv4 and TCP headers. */
  readonly mss: number;
  /** Bytes a reader may leave unread (while paused) before our window closes; at most 65535, since we do not scale windows. */
  readonly receiveBufferBytes: number;
  /** Bytes written and not yet acknowledged beyond which write() refuses more. */
  readonly sendBufferBytes: number;
  /** RFC 6298's initial retransmission timeout. */
  readonly initialRtoMs: number;
  readonly minRtoMs: number;
  readonly maxRtoMs: number;
  /** Retransmissions of a SYN (or SYN-ACK) before the connection gives up with "Timeout". */
  readonly synRetries: number;
  /** Retransmissions of data or FIN without progress before giving up with "Timeout". */
  readonly maxRetransmits: number;
  /** How long a closed connection lingers to answer a retransmitted FIN (RFC 9293 says 2 MSL; a switch with no routers behind it needs far less). */
  readonly timeWaitMs: number;
  /** How long we wait for the peer's FIN once ours is acknowledged, as Linux's tcp_fin_timeout. */
  readonly finWait2TimeoutMs: number;
  /** Half-open connections per listener beyond which new SYNs are dropped. */
  readonly backlog: number;
  /** Connections the stack keeps at once; SYNs beyond are dropped, connect() refused. */
  readonly maxConnections: number;
}

export const DEFAULT_TUNING: TcpTuning = {
  mss: 1460,
  receiveBufferBytes: 65_535,
  sendBufferBytes: 16 * 1024 * 1024,
  initialRtoMs: 1000,
  minRtoMs: 200,
  maxRtoMs: 60_000,
  synRetries: 4,
  maxRetransmits: 8,
  timeWaitMs: 2000,
  finWait2TimeoutMs: 60_000,
  backlog: 64,
  maxConnections: 1024,
};

/** Why a connection ended badly, for a person: a code to branch on and a sentence. */
export interface TcpError {
  /** "ConnectionRefused" (RST to our SYN), "ConnectionReset" (RST later), "Timeout" (no answer after retransmitting). */
  readonly code: "ConnectionRefused" | "ConnectionReset" | "Timeout";
  readonly message: string;
}

export interface TcpConnectionEvents extends Record<string, readonly unknown[]> {
  /** The handshake completed (both for connect() and for an accepted connection, before onConnection). */
  connect: [];
  data: [Uint8Array];
  /** The peer sent FIN: no more data comes; we may still write. */
  end: [];
  /** Everything written has been acknowledged. */
  drain: [];
  error: [TcpError];
  /** The connection is over (after error, if any); no event follows. */
  close: [];
}

export type TcpState =
  | "SYN_SENT"
  | "SYN_RECEIVED"
  | "ESTABLISHED"
  | "FIN_WAIT_1"
  | "FIN_WAIT_2"
  | "CLOSE_WAIT"
  | "CLOSING"
  | "LAST_ACK"
  | "TIME_WAIT"
  | "CLOSED";

/** What write() says: queued, or refused because the send buffer is full or the writing side is closed. */
export type WriteResult = { readonly ok: true } | { readonly ok: false; readonly code: "BufferFull" | "Closed"; readonly message: string };

/** The default IP TTL of our segments (Linux's). */
export const DEFAULT_IP_TTL = 64;

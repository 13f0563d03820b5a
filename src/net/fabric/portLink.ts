/**
 * What the switch keeps for a port beyond its configuration: the instance worker's channel (while
 * it runs), the frames waiting in each direction, and its flow log and capture, which outlive a
 * stop and go only when the interface is forgotten.
 */
import { FrameRing } from "../packets/pcap.ts";
import { FrameQueue } from "./frameQueue.ts";

/**
 * Bounds of each port's queues. The outbox holds what a turn delivers in one batch; the inbox
 * what the port sent and the switch has not handled yet. A flooding guest fills its own.
 */
const OUTBOX_LIMITS = { maxFrames: 1024, maxBytes: 2 * 1024 * 1024 } as const;
export const INBOX_LIMITS = { maxFrames: 2048, maxBytes: 4 * 1024 * 1024 } as const;
/** Frames of one port the switch handles per turn, before it serves the next port. */
export const FRAMES_PER_TURN = 256;

export type Deliver = (frames: Uint8Array[]) => void;

export class PortLink {
  deliver: Deliver | null = null;
  readonly inbox = new FrameQueue(INBOX_LIMITS);
  readonly outbox = new FrameQueue(OUTBOX_LIMITS);
  /** What the port sent and was sent, for its .pcap export. */
  readonly capture = new FrameRing();
}

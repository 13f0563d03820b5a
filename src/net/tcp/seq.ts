/**
 * TCP sequence number arithmetic (RFC 9293 §3.4): numbers are unsigned 32-bit and wrap, so
 * "before" means "less than half the space behind", never a plain `<`.
 */

/** `a + n`, wrapped to 32 bits. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** How far `b` is ahead of `a` (negative when behind). */
export function seqDiff(b: number, a: number): number {
  return (b - a) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** RFC 9293 §3.10.7.4: whether a segment of `length` (SYN and FIN counted) at `seq` falls in the receive window. */
export function acceptable(seq: number, length: number, rcvNxt: number, window: number): boolean {
  const inWindow = (n: number): boolean => seqGe(n, rcvNxt) && seqLt(n, seqAdd(rcvNxt, window));
  if (length === 0) return window === 0 ? seq === rcvNxt : inWindow(seq);
  if (window === 0) return false;
  return inWindow(seq) || inWindow(seqAdd(seq, length - 1));
}

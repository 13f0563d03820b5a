/**
 * IMDSv2 session tokens, one store per fabric: a token is bound to the instance that asked for it
 * and lives for the TTL it asked for (1–21600 s), as on EC2, where a token is useless on another
 * instance. Bounded: an instance that keeps asking loses its oldest tokens first.
 */

export const MIN_TOKEN_TTL_SECONDS = 1;
export const MAX_TOKEN_TTL_SECONDS = 21_600;
/** Tokens kept per instance; EC2 throttles a busy asker, we forget its oldest token instead. */
const MAX_TOKENS_PER_INSTANCE = 1000;
/** 42 random bytes: a 56-character base64 token, as long as EC2's. */
const TOKEN_BYTES = 42;

interface Token {
  readonly instanceId: string;
  readonly expiresAtMs: number;
}

function randomToken(fill: (bytes: Uint8Array) => void): string {
  const bytes = new Uint8Array(TOKEN_BYTES);
  fill(bytes);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export class ImdsTokens {
  readonly #tokens = new Map<string, Token>();
  readonly #byInstance = new Map<string, string[]>();
  readonly #fill: (bytes: Uint8Array) => void;

  /** `fill` gives the random bytes: web crypto unless a test needs them fixed. */
  constructor(fill: (bytes: Uint8Array) => void = (bytes) => crypto.getRandomValues(bytes)) {
    this.#fill = fill;
  }

  /** A new token for the instance, valid for ttlSeconds from nowMs. */
  issue(instanceId: string, ttlSeconds: number, nowMs: number): string {
    this.#sweep(instanceId, nowMs);
    const token = randomToken(this.#fill);
    this.#tokens.set(token, { instanceId, expiresAtMs: nowMs + ttlSeconds * 1000 });
    const list = this.#byInstance.get(instanceId) ?? [];
    list.push(token);
    while (list.length > MAX_TOKENS_PER_INSTANCE) this.#tokens.delete(list.shift() ?? "");
    this.#byInstance.set(instanceId, list);
    return token;
  }

  /** The seconds the token has left on this instance, or null when it is unknown, another instance's, or expired. */
  remainingSeconds(token: string, instanceId: string, nowMs: number): number | null {
    const entry = this.#tokens.get(token);
    if (!entry || entry.instanceId !== instanceId || entry.expiresAtMs <= nowMs) return null;
    return Math.ceil((entry.expiresAtMs - nowMs) / 1000);
  }

  /** Drops an instance's tokens (it was stopped or terminated: its tokens end with it). */
  forget(instanceId: string): void {
    for (const token of this.#byInstance.get(instanceId) ?? []) this.#tokens.delete(token);
    this.#byInstance.delete(instanceId);
  }

  #sweep(instanceId: string, nowMs: number): void {
    const list = this.#byInstance.get(instanceId);
    if (!list) return;
    const live = list.filter((token) => {
      const alive = (this.#tokens.get(token)?.expiresAtMs ?? 0) > nowMs;
      if (!alive) this.#tokens.delete(token);
      return alive;
    });
    this.#byInstance.set(instanceId, live);
  }
}

/**
 * Public DNS names as the fabric answers them. There is no way to the internet's DNS from a
 * worker, and the page's fetch() takes names, not addresses; so each public name a guest asks for
 * gets an address of its own from 198.18.0.0/15 (RFC 2544's benchmarking range, no one's real
 * address), and the internet gateway turns a connection to that address back into the name.
 */

/** 198.18.0.0/15. */
const RANGE_BASE = 0xc6120000;
const RANGE_SIZE = 2 ** 17;
/** Addresses handed out: the range less its first and last. */
const CAPACITY = RANGE_SIZE - 2;
const MAX_NAME_LENGTH = 253;
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
/** A top-level domain is never all digits (RFC 3696 §2), which also keeps dotted addresses out. */
const TOP_LEVEL = /[a-z]/;

export function isInternetAddress(address: number): boolean {
  return address >>> 17 === RANGE_BASE >>> 17;
}

/**
 * A name a public resolver could answer, lower case and without its trailing dot, or null: at
 * least two labels of letters, digits, '-' and '_', or `localhost` (RFC 6761).
 */
export function publicName(name: string): string | null {
  const lower = name.toLowerCase().replace(/\.$/, "");
  if (lower.length === 0 || lower.length > MAX_NAME_LENGTH) return null;
  const labels = lower.split(".");
  if (!labels.every((label) => LABEL.test(label))) return null;
  if (lower === "localhost") return lower;
  const last = labels[labels.length - 1] ?? "";
  return labels.length >= 2 && TOP_LEVEL.test(last) ? lower : null;
}

/** The table the fabric holds: one address per name, the same one each time it is asked. */
export class InternetNames {
  readonly #byName = new Map<string, number>();
  readonly #byAddress = new Map<number, string>();
  #next = 0;

  /** The name's address, or null when the name is not one a public resolver could answer. */
  addressOf(name: string): number | null {
    const normalized = publicName(name);
    if (normalized === null) return null;
    const known = this.#byName.get(normalized);
    if (known !== undefined) return known;
    const address = RANGE_BASE + 1 + this.#next;
    this.#next = (this.#next + 1) % CAPACITY;
    // Once every address is taken the oldest name gives its address up, so a guest asking for
    // endless names holds a bounded table; that name gets a new address when asked again.
    const previous = this.#byAddress.get(address);
    if (previous !== undefined) this.#byName.delete(previous);
    this.#byName.set(normalized, address);
    this.#byAddress.set(address, normalized);
    return address;
  }

  /** The name an address was given to, or undefined. */
  nameOf(address: number): string | undefined {
    return this.#byAddress.get(address);
  }
}

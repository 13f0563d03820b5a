/** Watches console bytes for the guest's shell prompt (escapes removed), for benchmarks and tests. */
/** CSI sequences (colours, cursor queries) and OSC titles. */
// eslint-disable-next-line no-control-regex -- terminal escapes are control characters
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;
export const PROMPT = /root@i-[0-9a-f]{17}:[^\n#]*# $/;

/** Console text as a person sees it: escapes removed, line ends normalised. */
export function visibleText(raw: string): string {
  return raw.replace(ESCAPES, "").replace(/\r/g, "");
}

export class PromptWatcher {
  #text = "";
  readonly #decoder = new TextDecoder();
  #waiters: { pattern: RegExp; resolve: () => void }[] = [];

  push(bytes: Uint8Array): void {
    this.#text += this.#decoder.decode(bytes, { stream: true });
    const text = this.text;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.pattern.test(text)) return true;
      waiter.resolve();
      return false;
    });
  }

  get text(): string {
    return visibleText(this.#text);
  }

  /** Resolves when the console shows the pattern (the prompt by default). */
  until(pattern: RegExp = PROMPT): Promise<void> {
    if (pattern.test(this.text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ pattern, resolve }));
  }
}

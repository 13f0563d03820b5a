/** Reads an instance's serial console as a person would see it: text with terminal escapes removed. */
import type { Hypervisor } from "../../src/hypervisor/hypervisor.ts";

// CSI sequences (colours, cursor queries) and OSC titles.
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g;

export const PROMPT = /root@i-[0-9a-f]{17}:[^\n#]*# $/;

export class ConsoleReader {
  #raw = "";
  readonly #unsubscribe: () => void;
  readonly #decoder = new TextDecoder();

  constructor(
    private readonly hypervisor: Hypervisor,
    private readonly instanceId: string,
  ) {
    this.#raw = hypervisor.getConsoleOutput(instanceId).output;
    this.#unsubscribe = hypervisor.onConsoleOutput(instanceId, (data) => {
      this.#raw += this.#decoder.decode(data, { stream: true });
    });
  }

  /** Everything seen so far, escapes removed and line ends normalised. */
  get text(): string {
    return this.#raw.replace(ESCAPES, "").replace(/\r/g, "");
  }

  get raw(): string {
    return this.#raw;
  }

  /** Waits until the text after `from` matches; returns that text. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.text.slice(from);
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`console did not show ${pattern} within ${timeoutMs} ms; last output:\n${text.slice(-800)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Types a command line and returns what it printed, up to the next prompt. */
  async run(command: string, timeoutMs = 30_000): Promise<string> {
    const from = this.text.length;
    await this.hypervisor.sendConsoleInput(this.instanceId, `${command}\n`);
    const text = await this.waitFor(new RegExp(`${PROMPT.source.slice(0, -1)}$`, "m"), timeoutMs, from);
    const lines = text.split("\n");
    // Drop the echoed command line(s) and the closing prompt.
    const echoedLines = Math.max(1, text.indexOf("\n") >= 0 ? command.split("\n").length : 1);
    return lines.slice(echoedLines, -1).join("\n");
  }

  dispose(): void {
    this.#unsubscribe();
  }
}

/** Reads an instance's serial console as a person would see it: text with terminal escapes removed. */
import { PROMPT, visibleText } from "../../src/bench/promptWatcher.ts";
import type { Hypervisor } from "../../src/hypervisor/index.ts";

export { PROMPT };

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
    return visibleText(this.#raw);
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
      if (Date.now() > deadline)
        throw new Error(`console did not show ${pattern} within ${timeoutMs} ms; last output:\n${text.slice(-800)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Types a command line and returns what it printed, up to the next prompt. It waits for the
   * command's own echo first: the shell may redraw its prompt meanwhile (after a resize, say).
   * The command must fit on one line of the instance's terminal, or its echo wraps.
   */
  async run(command: string, timeoutMs = 30_000): Promise<string> {
    const from = this.text.length;
    await this.hypervisor.sendConsoleInput(this.instanceId, `${command}\n`);
    const echo = new RegExp(`${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`);
    const echoed = await this.waitFor(echo, timeoutMs, from);
    const outputFrom = from + (echo.exec(echoed)?.index ?? 0) + command.length + 1;
    const text = await this.waitFor(new RegExp(`${PROMPT.source.slice(0, -1)}$`, "m"), timeoutMs, outputFrom);
    // Drop the closing prompt.
    return text.split("\n").slice(0, -1).join("\n");
  }

  dispose(): void {
    this.#unsubscribe();
  }
}

/**
 * Console input of any size and any text reaches the guest whole: a megabyte typed into the
 * serial console arrives byte for byte (checked by SHA-256 inside the guest), and the console
 * still answers afterwards.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { bootToPrompt } from "./bootToPrompt.ts";

const MIB = 1024 * 1024;
const ARRIVAL_TIMEOUT_MS = 240_000;

/** The same bytes every run (a linear congruential generator), so a failure can be replayed. */
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state;
  };
}

function base64Text(minBytes: number): string {
  const next = pseudoRandom(1);
  const bytes = new Uint8Array(Math.ceil((minBytes * 3) / 4));
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() >>> 24;
  return Buffer.from(bytes).toString("base64");
}

/** Text of 1-, 2-, 3- and 4-byte UTF-8 characters, at least minBytes long once encoded. */
function multiByteText(minBytes: number): string {
  const alphabet = ["a", "Z", "7", " ", "é", "ß", "Ω", "ж", "€", "中", "✓", "ー", "😀", "𝄞", "🚀", "𐍈"];
  const next = pseudoRandom(2);
  const parts: string[] = [];
  let bytes = 0;
  while (bytes < minBytes) {
    const char = alphabet[next() % alphabet.length] ?? "a";
    parts.push(char);
    bytes += new TextEncoder().encode(char).byteLength;
  }
  return parts.join("");
}

/** Splits text into pieces of about pieceChars code points, never inside a character. */
function pieces(text: string, pieceChars: number): string[] {
  const chars = Array.from(text);
  const result: string[] = [];
  for (let i = 0; i < chars.length; i += pieceChars) result.push(chars.slice(i, i + pieceChars).join(""));
  return result;
}

function sha256(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
}

describe("console input, typed into the serial console", () => {
  let hypervisor: Hypervisor;
  let instance: Instance;
  let console: ConsoleReader;

  beforeAll(async () => {
    ({ hypervisor, instance, console } = await bootToPrompt({ rows: 30, cols: 200 }));
  });

  afterAll(async () => {
    console?.dispose();
    await hypervisor?.shutdownAll();
  });

  /**
   * Has the guest read exactly the payload's bytes from its console into a file (the tty in raw
   * mode, so it passes every byte unchanged) and returns the file's SHA-256 as the guest sees it.
   */
  async function guestHashOf(payload: string, type: (payload: string) => Promise<void>): Promise<string> {
    const byteCount = Buffer.byteLength(payload, "utf8");
    const from = console.text.length;
    // The quotes keep the command's own echo from looking like its output.
    await hypervisor.sendConsoleInput(
      instance.instanceId,
      `stty raw -echo; echo 'READ''Y'; head -c ${byteCount} > /tmp/in; stty sane; sha256sum /tmp/in\n`,
    );
    await console.waitFor(/READY\n/, 30_000, from);
    await type(payload);
    const text = await console.waitFor(/[0-9a-f]{64} {2}\/tmp\/in/, ARRIVAL_TIMEOUT_MS, from);
    await console.waitFor(PROMPT, 30_000, from);
    return /([0-9a-f]{64}) {2}\/tmp\/in/.exec(text)?.[1] ?? "";
  }

  it(
    "delivers a megabyte sent in one call whole and in order",
    async () => {
      const payload = base64Text(MIB);
      expect(payload.length).toBeGreaterThanOrEqual(MIB);
      const hash = await guestHashOf(payload, (text) => hypervisor.sendConsoleInput(instance.instanceId, text));
      expect(hash).toBe(sha256(payload));
      expect((await console.run("echo $((40+2))")).trim()).toBe("42");
    },
    ARRIVAL_TIMEOUT_MS + 60_000,
  );

  it(
    "delivers a megabyte of 2-, 3- and 4-byte UTF-8 characters, typed in 1 KiB pieces back to back, as UTF-8",
    async () => {
      const payload = multiByteText(MIB);
      const hash = await guestHashOf(payload, async (text) => {
        await Promise.all(pieces(text, 1024).map((piece) => hypervisor.sendConsoleInput(instance.instanceId, piece)));
      });
      expect(hash).toBe(sha256(payload));
      expect((await console.run("echo $((40+2))")).trim()).toBe("42");
    },
    ARRIVAL_TIMEOUT_MS + 60_000,
  );

  it("passes a short non-ASCII line to the shell as UTF-8", async () => {
    const answer = await console.run("printf %s 'é€😀' | od -An -tx1 | tr -d ' \\n'; echo");
    expect(answer.trim()).toBe("c3a9e282acf09f9880");
  });
});

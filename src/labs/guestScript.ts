/**
 * The shell side of checks and solution commands. A step's checks in one instance become one
 * script, sent in one agent round trip.
 */
import type { CommandCheck, FileCheck } from "./schema.ts";

/** What a person's login shell has (see the image's /etc/profile): checks see what they see. */
export const GUEST_ENVIRONMENT = "export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Most of a file a file check reads to match its contents. */
const FILE_CHECK_MAX_BYTES = 65536;

/** Quotes text as one shell word, whatever it holds. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface GuestOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The subshell body that runs one check. */
export function checkSnippet(check: CommandCheck | FileCheck): string {
  if (check.kind === "command") return `eval ${shellQuote(check.run)}`;
  const needsContent = check.contains !== undefined || check.matches !== undefined;
  return [
    `p=${shellQuote(check.path)}`,
    `if [ -d "$p" ]; then echo directory; elif [ -f "$p" ]; then echo file; elif [ -e "$p" ]; then echo other; else echo missing; fi`,
    `if [ -x "$p" ]; then echo x; else echo -; fi`,
    ...(needsContent ? [`if [ -f "$p" ]; then head -c ${FILE_CHECK_MAX_BYTES} "$p"; fi`] : []),
  ].join("; ");
}

/**
 * One script running every snippet in a subshell (a fork, no new program: the guest is slow to
 * start programs). Each snippet's stdout and stderr go to the script's own, between marker
 * lines that carry a nonce, so nothing a check prints can pass for a marker.
 */
export function batchScript(snippets: readonly string[], nonce: string): string {
  const lines = [GUEST_ENVIRONMENT, "cd /root 2>/dev/null"];
  snippets.forEach((snippet, index) => {
    const marker = `@@tc${nonce} ${index}`;
    lines.push(`printf '${marker} begin\\n'; printf '${marker} begin\\n' >&2`);
    lines.push(`( ${snippet}\n) < /dev/null; c=$?`);
    lines.push(`printf '\\n${marker} end %s\\n' "$c"; printf '\\n${marker} end\\n' >&2`);
  });
  return lines.join("\n");
}

/** A fresh nonce for batchScript. */
export function newNonce(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The outputs of a batch script's run, by index; a check whose markers are missing is absent. */
export function parseBatchOutput(stdout: string, stderr: string, nonce: string): Map<number, GuestOutput> {
  const framed = () => new RegExp(`@@tc${nonce} (\\d+) begin\\n([\\s\\S]*?)\\n@@tc${nonce} \\1 end(?: (\\d+))?\\n`, "g");
  const errors = new Map<number, string>();
  for (const match of stderr.matchAll(framed())) errors.set(Number(match[1]), match[2] ?? "");
  const outputs = new Map<number, GuestOutput>();
  for (const match of stdout.matchAll(framed())) {
    if (match[3] === undefined) continue;
    const index = Number(match[1]);
    outputs.set(index, { exitCode: Number(match[3]), stdout: match[2] ?? "", stderr: errors.get(index) ?? "" });
  }
  return outputs;
}

export interface FileFacts {
  readonly type: "file" | "directory" | "other" | "missing";
  readonly executable: boolean;
  /** The first FILE_CHECK_MAX_BYTES bytes, when the check reads them. */
  readonly content: string;
}

export function parseFileFacts(stdout: string): FileFacts {
  const first = stdout.indexOf("\n");
  const second = stdout.indexOf("\n", first + 1);
  const type = stdout.slice(0, first);
  return {
    type: type === "file" || type === "directory" || type === "other" ? type : "missing",
    executable: stdout.slice(first + 1, second) === "x",
    content: second >= 0 ? stdout.slice(second + 1) : "",
  };
}

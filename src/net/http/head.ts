/**
 * The header section shared by requests and responses: finding where it ends, and reading its
 * start line and fields (RFC 9112 §2, §5), strictly enough that a smuggled or folded field is
 * refused rather than guessed at.
 */
import type { HttpHeaders } from "./message.ts";

/** Where the header section ends (the index after its blank line), or -1 when it has not yet. */
export function headEnd(bytes: Uint8Array, from: number): number {
  for (let i = Math.max(0, from); i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    if (bytes[i - 1] === 0x0a) return i + 1;
    if (bytes[i - 1] === 0x0d && bytes[i - 2] === 0x0a) return i + 1;
  }
  return -1;
}

/** Bytes as ISO-8859-1 text: HTTP's header sections are octets, not UTF-8. */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return text;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values may hold visible characters, spaces, tabs and obs-text, never CR, LF or NUL.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

export type ParsedHead =
  { readonly ok: true; readonly startLine: string; readonly headers: HttpHeaders } | { readonly ok: false; readonly message: string };

/** Reads a header section (without requiring its blank line to be present in `text`). */
export function parseHead(text: string): ParsedHead {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  const startLine = lines.shift() ?? "";
  const headers: [string, string][] = [];
  for (const line of lines) {
    if (line.startsWith(" ") || line.startsWith("\t")) return { ok: false, message: "A header field is folded over two lines (obs-fold)." };
    const colon = line.indexOf(":");
    if (colon <= 0) return { ok: false, message: `A header line has no field name: ${JSON.stringify(line.slice(0, 40))}.` };
    const name = line.slice(0, colon);
    if (!isToken(name))
      return {
        ok: false,
        message: `A header field name is not a token (whitespace before the colon?): ${JSON.stringify(name.slice(0, 40))}.`,
      };
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) return { ok: false, message: `The value of ${name} holds a control character.` };
    headers.push([name, value]);
  }
  return { ok: true, startLine, headers };
}

/** The Content-Length of a message: a number, null when absent, or a reason it is not valid. */
export function contentLength(headers: HttpHeaders): number | null | { readonly message: string } {
  const values = headers
    .filter(([name]) => name.toLowerCase() === "content-length")
    .flatMap(([, value]) => value.split(",").map((part) => part.trim()));
  if (values.length === 0) return null;
  const first = values[0] ?? "";
  if (!/^\d{1,15}$/.test(first) || values.some((value) => value !== first))
    return { message: `Content-Length is not one decimal number: ${JSON.stringify(values.join(", "))}.` };
  return Number(first);
}

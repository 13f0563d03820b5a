/**
 * What a lab file must be before it is parsed at all: small enough, and UTF-8 text. A person may
 * pick any file to import, so a photo, an archive or a huge file is named for what it is here,
 * and never reaches the parser (whose time grows with the file: a 5 MB lab froze the tab for
 * seconds each time the catalog was read).
 */
import type { LabError } from "./parse.ts";

/**
 * The largest lab file accepted. The shipped labs are 4 to 8 KiB (install-software.md, the
 * largest, is 7.6 KiB), so this leaves room for a lab thirty times longer than any of them,
 * while the parser still reads the largest file in a fraction of a second.
 */
export const MAX_LAB_FILE_BYTES = 256 * 1024;

export type LabFileText = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly errors: readonly LabError[] };

/** Formats, by their first bytes, that people are likely to pick by mistake. */
const MAGIC: readonly { readonly bytes: readonly (number | null)[]; readonly what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], what: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: "a GIF image" },
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], what: "a WebP image" },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: "a PDF document" },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: "a ZIP archive (or a Word or OpenDocument file)" },
  { bytes: [0x1f, 0x8b], what: "a gzip archive" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: "a program (ELF)" },
];

function fileError(file: string, message: string): { ok: false; errors: readonly LabError[] } {
  return { ok: false, errors: [{ file, step: null, field: "", message }] };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
}

/** The error for a file too large to be a lab, from its size alone (so it is refused before it is read). */
export function labFileSizeError(file: string, sizeBytes: number): LabError | null {
  if (sizeBytes <= MAX_LAB_FILE_BYTES) return null;
  return {
    file,
    step: null,
    field: "",
    message: `The file is ${kib(sizeBytes)}; a lab file may be at most ${kib(MAX_LAB_FILE_BYTES)} (the shipped labs are under 8 KiB): split it into shorter labs`,
  };
}

/** A lab file's bytes as text, or an error saying what the file is instead (empty, too large, an image, not UTF-8). */
export function decodeLabFile(file: string, bytes: Uint8Array): LabFileText {
  const tooLarge = labFileSizeError(file, bytes.length);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  if (bytes.length === 0) return fileError(file, "The file is empty: a lab is a Markdown file that begins with front matter");
  const known = MAGIC.find(
    ({ bytes: magic }) => magic.length <= bytes.length && magic.every((byte, i) => byte === null || bytes[i] === byte),
  );
  if (known) return fileError(file, `This is not a text file: it looks like ${known.what}. A lab is a Markdown (.md) file`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return fileError(file, "The file is UTF-16 text: save it as UTF-8 and import it again");
  if (bytes.includes(0)) return fileError(file, "This is not a text file: it holds NUL bytes. A lab is a Markdown (.md) file");
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return fileError(file, "This is not UTF-8 text: save the lab as UTF-8 and import it again");
  }
}

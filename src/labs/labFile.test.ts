import { describe, expect, it } from "vitest";
import { decodeLabFile, labFileSizeError, MAX_LAB_FILE_BYTES } from "./labFile.ts";
import { formatLabError, parseLab } from "./parse.ts";

const messages = (result: ReturnType<typeof decodeLabFile>) => (result.ok ? [] : result.errors.map(formatLabError));
const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52];

describe("decodeLabFile", () => {
  it("gives back the text of a UTF-8 lab file, accents and all", () => {
    expect(decodeLabFile("a.md", new TextEncoder().encode("---\ntitle: Café\n---\n"))).toEqual({
      ok: true,
      text: "---\ntitle: Café\n---\n",
    });
  });

  it("says an empty file is empty", () => {
    expect(messages(decodeLabFile("empty.md", new Uint8Array()))).toEqual([
      expect.stringMatching(/^empty\.md, front matter: The file is empty/),
    ]);
  });

  it("names an image, an archive or a PDF for what it is", () => {
    expect(messages(decodeLabFile("photo.md", Uint8Array.from(PNG_HEADER)))).toEqual([
      "photo.md, front matter: This is not a text file: it looks like a PNG image. A lab is a Markdown (.md) file",
    ]);
    expect(messages(decodeLabFile("p.md", Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])))[0]).toContain("a JPEG image");
    expect(messages(decodeLabFile("z.md", new TextEncoder().encode("PK\u0003\u0004rest")))[0]).toContain("a ZIP archive");
    expect(messages(decodeLabFile("d.md", new TextEncoder().encode("%PDF-1.7\n")))[0]).toContain("a PDF document");
  });

  it("refuses other binary content: NUL bytes, invalid UTF-8, UTF-16", () => {
    expect(messages(decodeLabFile("b.md", Uint8Array.from([0x2d, 0x2d, 0x2d, 0x00, 0x01])))[0]).toContain(
      "This is not a text file: it holds NUL bytes",
    );
    expect(messages(decodeLabFile("l.md", Uint8Array.from([0x2d, 0x2d, 0x2d, 0x0a, 0xe9, 0x0a])))[0]).toContain("This is not UTF-8 text");
    expect(messages(decodeLabFile("u.md", Uint8Array.from([0xff, 0xfe, 0x2d, 0x00])))[0]).toContain("UTF-16");
  });

  it("refuses a file over the limit, saying the limit", () => {
    expect(MAX_LAB_FILE_BYTES).toBe(256 * 1024);
    expect(labFileSizeError("ok.md", MAX_LAB_FILE_BYTES)).toBeNull();
    expect(labFileSizeError("big.md", 5 * 1024 * 1024)?.message).toBe(
      "The file is 5120 KiB; a lab file may be at most 256 KiB (the shipped labs are under 8 KiB): split it into shorter labs",
    );
    expect(messages(decodeLabFile("big.md", new Uint8Array(MAX_LAB_FILE_BYTES + 1).fill(0x61)))[0]).toContain("at most 256 KiB");
  });
});

describe("parseLab on text without content", () => {
  it("says a file of blank lines is empty, not that its front matter is missing", () => {
    expect(parseLab("blank.md", "\n  \n\t\n")).toEqual({
      ok: false,
      errors: [
        { file: "blank.md", step: null, field: "", message: "The file is empty: a lab is a Markdown file that begins with front matter" },
      ],
    });
  });
});

/**
 * Lab Markdown to HTML that is safe to put in the page. Two guards: raw HTML in a lab is shown
 * as text (marked never passes it through), and the result goes through DOMPurify, so no
 * script, event handler or javascript: link from a lab file can run. Needs a DOM (the page's
 * window, or jsdom in tests).
 */
import createDOMPurify, { type DOMPurify, type WindowLike } from "dompurify";
import { Marked, type Tokens } from "marked";
import { COMMAND_LANGUAGES } from "./parse.ts";

/** Turns lab Markdown into sanitized HTML. */
export type LabMarkdownRenderer = (markdown: string) => string;

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/**
 * Makes a renderer for a window (the page's by default). Code blocks in sh, shell, bash or
 * console become `<pre class="lab-command" data-lab-command="N">`, N counting from 0 in the
 * order of LabStep.commands, so the player can add Copy and Send-to-terminal buttons.
 */
export function createLabRenderer(window: WindowLike = globalThis.window): LabMarkdownRenderer {
  const purify: DOMPurify = createDOMPurify(window);
  // Without a DOM, DOMPurify cannot sanitize: refuse rather than pass HTML through.
  if (!purify.isSupported) throw new Error("Rendering a lab needs a DOM: give createLabRenderer a window.");
  return (markdown: string) => {
    let commandIndex = 0;
    const marked = new Marked({
      gfm: true,
      renderer: {
        html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
        code: ({ text, lang }: Tokens.Code) => {
          const language = (lang ?? "").trim().split(/\s/)[0]?.toLowerCase() ?? "";
          const code = `<code${language ? ` class="language-${escapeHtml(language)}"` : ""}>${escapeHtml(text)}</code>`;
          if (COMMAND_LANGUAGES.has(language)) return `<pre class="lab-command" data-lab-command="${commandIndex++}">${code}</pre>\n`;
          return `<pre>${code}</pre>\n`;
        },
      },
    });
    const html = marked.parse(markdown, { async: false });
    return purify.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed"],
      FORBID_ATTR: ["style"],
    });
  };
}

/**
 * The regular expressions a lab file supplies (a command check's stdout, a file check's matches).
 * A lab can be imported from anywhere, so its patterns run on RE2's engine (re2js), whose time is
 * linear in the text: a pattern like (a+)+$ cannot hang the tab as it would with JavaScript's
 * backtracking RegExp. The price is RE2's syntax: no backreferences and no lookaround.
 */
import { RE2JS } from "re2js";

export type LabPattern = { readonly ok: true; readonly test: (text: string) => boolean } | { readonly ok: false; readonly message: string };

/** Compiles a lab's pattern, multiline (^ and $ match at each line), or says why it cannot be used. */
export function compileLabPattern(source: string): LabPattern {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, RE2JS.MULTILINE);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, "");
    return {
      ok: false,
      message: `is not a regular expression the lab player can run (${reason}); backreferences like \\1 and lookaround like (?=…) are not supported`,
    };
  }
  return { ok: true, test: (text) => compiled.test(text) };
}

/** Whether text matches a pattern that validation accepted (one that does not compile matches nothing). */
export function matchesLabPattern(source: string, text: string): boolean {
  const pattern = compileLabPattern(source);
  return pattern.ok && pattern.test(text);
}

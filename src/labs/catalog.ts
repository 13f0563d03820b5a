/**
 * The labs shipped with the app, bundled by Vite from src/labs/content/*.md, and labs a person
 * imports from a file: both validated the same way. For the page (import.meta.glob is Vite's);
 * the labs:check command reads the same files from disk.
 */
import { parseLab, parseLabs, validateLabSet, type Lab, type LabError, type LabSet, type ParseOptions } from "./parse.ts";

const bundled = import.meta.glob("./content/*.md", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** The shipped lab files, named as errors name them (labs/<id>.md). */
export function bundledLabFiles(): { file: string; text: string }[] {
  return Object.entries(bundled).map(([path, text]) => ({ file: `labs/${path.slice(path.lastIndexOf("/") + 1)}`, text }));
}

/**
 * The shipped labs, in catalog order, with the errors of any that do not load (there should be
 * none: labs:check and the unit tests refuse them). Give imageNames to check the labs' images.
 */
export function loadBundledLabs(options: Pick<ParseOptions, "imageNames"> = {}): LabSet {
  return parseLabs(bundledLabFiles(), { ...options, fileNameMatchesId: true });
}

export type ImportResult = { readonly ok: true; readonly lab: Lab } | { readonly ok: false; readonly errors: readonly LabError[] };

/**
 * A lab from a local file (its name and text), validated like the shipped ones and against
 * them: its id must be new and its prerequisites must exist.
 */
export function importLab(
  fileName: string,
  text: string,
  known: readonly Lab[],
  options: Pick<ParseOptions, "imageNames"> = {},
): ImportResult {
  const parsed = parseLab(fileName, text, options);
  if (!parsed.ok) return parsed;
  const errors = validateLabSet([...known, parsed.lab]).filter((error) => error.file === fileName);
  return errors.length > 0 ? { ok: false, errors } : parsed;
}

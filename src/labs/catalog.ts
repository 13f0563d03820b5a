/**
 * The labs shipped with the app, bundled by Vite from src/labs/content/*.md, and labs a person
 * imports from a file: both validated the same way. For the page (import.meta.glob is Vite's);
 * the labs:check command reads the same files from disk.
 */
import { labFileSizeError } from "./labFile.ts";
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

export type ImportResult =
  | {
      readonly ok: true;
      readonly lab: Lab;
      /** The imported lab with the same id that this one would replace (the person is asked first), or null. */
      readonly replaces: Lab | null;
    }
  | { readonly ok: false; readonly errors: readonly LabError[] };

export interface ImportOptions extends Pick<ParseOptions, "imageNames"> {
  /** Ids of known labs that were imported: a new file may replace one of them, never a shipped lab. */
  readonly importedIds?: readonly string[];
}

/**
 * A lab from a local file (its name and text), validated like the shipped ones and against
 * them: its prerequisites must exist, and its id must be new or that of an imported lab (which
 * it would replace). A file larger than MAX_LAB_FILE_BYTES is refused unread.
 */
export function importLab(fileName: string, text: string, known: readonly Lab[], options: ImportOptions = {}): ImportResult {
  const tooLarge = labFileSizeError(fileName, new TextEncoder().encode(text).length);
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  const parsed = parseLab(fileName, text, options.imageNames ? { imageNames: options.imageNames } : {});
  if (!parsed.ok) return parsed;
  const lab = parsed.lab;
  const existing = known.find((other) => other.id === lab.id) ?? null;
  if (existing && !(options.importedIds ?? []).includes(lab.id)) {
    const message = `${lab.id} is the id of ${existing.source}, a lab shipped with tabcloud, which cannot be replaced: give your lab another id`;
    return { ok: false, errors: [{ file: fileName, step: null, field: "id", message }] };
  }
  const set = existing ? known.map((other) => (other.id === lab.id ? lab : other)) : [...known, lab];
  const errors = validateLabSet(set).filter((error) => error.file === fileName);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, lab, replaces: existing };
}

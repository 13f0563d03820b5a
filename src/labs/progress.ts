/**
 * A person's progress through the labs, as the labs module sees it: the record kept for each lab,
 * the pure steps that change it (begin, pass a step, reveal a hint or the solution, remember the
 * lab's instance), where it puts the person, and LabProgressBook, which reads and writes it in
 * the store the app opened. Records read back are validated: one a newer or broken version wrote
 * is left out (the lab starts afresh) rather than break the player.
 */
import * as v from "valibot";
import type { StoredLabProgress } from "../persistence/database.ts";
import type { ImportedLabFile, LabProgressStore } from "../persistence/labProgressStore.ts";

/** Progress through one lab, kept in the browser exactly as persistence stores it. */
export type LabProgress = StoredLabProgress;
export type { ImportedLabFile };

/** Where a person is in a lab, as the catalog says it. */
export type LabStanding =
  | { readonly kind: "not-started" }
  | { readonly kind: "in-progress"; readonly step: number; readonly of: number }
  | { readonly kind: "completed" };

const index = v.pipe(v.number(), v.integer(), v.minValue(0));
const isoTime = v.pipe(v.string(), v.isoTimestamp());

const ProgressSchema = v.object({
  labId: v.pipe(v.string(), v.nonEmpty()),
  currentStep: index,
  passedSteps: v.array(index),
  // IndexedDB gives object keys back as strings: "2", not 2.
  hintsShown: v.record(v.pipe(v.string(), v.regex(/^\d+$/)), index),
  solutionsShown: v.array(index),
  instanceId: v.nullable(v.string()),
  startedAt: isoTime,
  completedAt: v.nullable(isoTime),
});

const ImportedLabSchema = v.object({ labId: v.string(), fileName: v.string(), text: v.string() });

/** A lab just begun: at its first step, nothing passed or revealed, no instance yet. */
export function beginProgress(labId: string, nowMs: number): LabProgress {
  return {
    labId,
    currentStep: 0,
    passedSteps: [],
    hintsShown: {},
    solutionsShown: [],
    instanceId: null,
    startedAt: new Date(nowMs).toISOString(),
    completedAt: null,
  };
}

/**
 * The progress once a step's check passed: the step counted, the next one current, the lab
 * complete after its last step. Null when it was counted already (nothing to save).
 */
export function passStep(progress: LabProgress, step: number, stepCount: number, nowMs: number): LabProgress | null {
  if (progress.passedSteps.includes(step) && progress.currentStep > step) return null;
  const passedSteps = [...new Set([...progress.passedSteps, step])].sort((a, b) => a - b);
  const currentStep = Math.max(progress.currentStep, step + 1);
  const completedAt = progress.completedAt ?? (currentStep >= stepCount ? new Date(nowMs).toISOString() : null);
  return { ...progress, passedSteps, currentStep, completedAt };
}

/** One more of a step's hints shown (never more than it has). */
export function revealHint(progress: LabProgress, step: number, hintCount: number): LabProgress {
  const shown = Math.min(hintCount, (progress.hintsShown[step] ?? 0) + 1);
  return { ...progress, hintsShown: { ...progress.hintsShown, [step]: shown } };
}

/** A step's solution shown; null when it was already. */
export function revealSolution(progress: LabProgress, step: number): LabProgress | null {
  if (progress.solutionsShown.includes(step)) return null;
  return { ...progress, solutionsShown: [...progress.solutionsShown, step].sort((a, b) => a - b) };
}

/** The lab's instance remembered, so a reload finds the same one; null when it already is. */
export function recordInstance(progress: LabProgress, instanceId: string): LabProgress | null {
  return progress.instanceId === instanceId ? null : { ...progress, instanceId };
}

/**
 * The furthest page of a lab the person may open: -1 (the introduction) before they begin, the
 * current step while under way, and stepCount (the completion page) once done.
 */
export function reachablePage(progress: LabProgress | null, stepCount: number): number {
  if (progress === null) return -1;
  if (progress.completedAt !== null) return stepCount;
  return Math.min(progress.currentStep, stepCount - 1);
}

export function standing(progress: LabProgress | null | undefined, stepCount: number): LabStanding {
  if (!progress) return { kind: "not-started" };
  if (progress.completedAt !== null) return { kind: "completed" };
  return { kind: "in-progress", step: Math.min(progress.currentStep, stepCount - 1) + 1, of: stepCount };
}

/** What the book needs of the store: persistence's LabProgressStore, or a fake in tests. */
export type ProgressStore = Pick<LabProgressStore, "all" | "put" | "delete" | "importedLabs" | "putImportedLab" | "deleteImportedLab">;

/** The person's progress in every lab and the lab files they imported, kept in the browser. */
export class LabProgressBook {
  readonly #store: ProgressStore;

  constructor(store: ProgressStore) {
    this.#store = store;
  }

  /** Every lab's progress that reads back whole. */
  async all(): Promise<LabProgress[]> {
    return (await this.#store.all()).filter((record) => v.is(ProgressSchema, record));
  }

  save(progress: LabProgress): Promise<void> {
    return this.#store.put(progress);
  }

  forget(labId: string): Promise<void> {
    return this.#store.delete(labId);
  }

  /** Lab files the person imported, as given (the catalog validates each again as it adds it). */
  async importedLabs(): Promise<ImportedLabFile[]> {
    return (await this.#store.importedLabs()).filter((file) => v.is(ImportedLabSchema, file));
  }

  keepImportedLab(file: ImportedLabFile): Promise<void> {
    return this.#store.putImportedLab(file);
  }

  /** Forgets an imported lab: its file and the person's progress in it. */
  async removeImportedLab(labId: string): Promise<void> {
    await this.#store.deleteImportedLab(labId);
    await this.#store.delete(labId);
  }
}

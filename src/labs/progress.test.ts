import { describe, expect, it } from "vitest";
import {
  beginProgress,
  LabProgressBook,
  passStep,
  reachablePage,
  recordInstance,
  revealHint,
  revealSolution,
  standing,
  type ImportedLabFile,
  type LabProgress,
  type ProgressStore,
} from "./progress.ts";

const NOW = Date.parse("2026-03-01T10:00:00.000Z");
const LATER = Date.parse("2026-03-01T10:07:00.000Z");

describe("progress through a lab of three steps", () => {
  const begun = beginProgress("first-instance", NOW);

  it("begins at the first step with nothing passed", () => {
    expect(begun).toEqual({
      labId: "first-instance",
      currentStep: 0,
      passedSteps: [],
      hintsShown: {},
      solutionsShown: [],
      instanceId: null,
      startedAt: "2026-03-01T10:00:00.000Z",
      completedAt: null,
    });
    expect(reachablePage(begun, 3)).toBe(0);
    expect(standing(begun, 3)).toEqual({ kind: "in-progress", step: 1, of: 3 });
  });

  it("moves on as steps pass, and is complete after the last", () => {
    const one = passStep(begun, 0, 3, LATER);
    expect(one).toMatchObject({ currentStep: 1, passedSteps: [0], completedAt: null });
    const two = passStep(one as LabProgress, 1, 3, LATER) as LabProgress;
    const done = passStep(two, 2, 3, LATER) as LabProgress;
    expect(done).toMatchObject({ currentStep: 3, passedSteps: [0, 1, 2], completedAt: "2026-03-01T10:07:00.000Z" });
    expect(reachablePage(done, 3)).toBe(3);
    expect(standing(done, 3)).toEqual({ kind: "completed" });
  });

  it("changes nothing when a passed step passes again", () => {
    const one = passStep(begun, 0, 3, LATER) as LabProgress;
    expect(passStep(one, 0, 3, LATER)).toBeNull();
  });

  it("keeps the first completion time when a step is passed again later", () => {
    const done = [0, 1, 2].reduce((progress, step) => passStep(progress, step, 3, NOW) as LabProgress, begun);
    const again = passStep({ ...done, passedSteps: [0, 2] }, 1, 3, LATER);
    expect(again?.completedAt).toBe("2026-03-01T10:00:00.000Z");
  });

  it("reveals hints one at a time, never more than the step has", () => {
    const once = revealHint(begun, 1, 2);
    const twice = revealHint(once, 1, 2);
    expect(twice.hintsShown).toEqual({ 1: 2 });
    expect(revealHint(twice, 1, 2).hintsShown).toEqual({ 1: 2 });
  });

  it("reveals a solution once", () => {
    const shown = revealSolution(begun, 2) as LabProgress;
    expect(shown.solutionsShown).toEqual([2]);
    expect(revealSolution(shown, 2)).toBeNull();
  });

  it("remembers the lab's instance", () => {
    const recorded = recordInstance(begun, "i-0123456789abcdef0") as LabProgress;
    expect(recorded.instanceId).toBe("i-0123456789abcdef0");
    expect(recordInstance(recorded, "i-0123456789abcdef0")).toBeNull();
  });

  it("is not started, and only the introduction is open, without progress", () => {
    expect(reachablePage(null, 3)).toBe(-1);
    expect(standing(undefined, 3)).toEqual({ kind: "not-started" });
  });
});

class MemoryStore implements ProgressStore {
  records: unknown[] = [];
  files: unknown[] = [];
  async all() {
    return this.records as LabProgress[];
  }
  async put(progress: LabProgress) {
    this.records = [...this.records.filter((record) => (record as LabProgress).labId !== progress.labId), progress];
  }
  async delete(labId: string) {
    this.records = this.records.filter((record) => (record as LabProgress).labId !== labId);
  }
  async importedLabs() {
    return this.files as ImportedLabFile[];
  }
  async putImportedLab(file: ImportedLabFile) {
    this.files = [...this.files, file];
  }
  async deleteImportedLab(labId: string) {
    this.files = this.files.filter((file) => (file as ImportedLabFile).labId !== labId);
  }
}

describe("LabProgressBook", () => {
  it("saves, reads back and forgets progress", async () => {
    const book = new LabProgressBook(new MemoryStore());
    const progress = revealHint(beginProgress("first-instance", NOW), 0, 1);
    await book.save(progress);
    expect(await book.all()).toEqual([progress]);
    await book.forget("first-instance");
    expect(await book.all()).toEqual([]);
  });

  it("reads back hint counts whose keys IndexedDB returns as strings", async () => {
    const store = new MemoryStore();
    store.records = [{ ...beginProgress("first-instance", NOW), hintsShown: { "0": 1 } }];
    expect(await new LabProgressBook(store).all()).toHaveLength(1);
  });

  it("leaves out records that do not read back whole", async () => {
    const store = new MemoryStore();
    const good = beginProgress("first-instance", NOW);
    store.records = [good, { labId: "broken", currentStep: -1 }, { ...good, labId: "late", startedAt: "yesterday" }, null];
    expect(await new LabProgressBook(store).all()).toEqual([good]);
  });

  it("keeps imported lab files and leaves out broken ones", async () => {
    const store = new MemoryStore();
    const book = new LabProgressBook(store);
    const file = { labId: "my-lab", fileName: "my-lab.md", text: "---\nid: my-lab\n---" };
    await book.keepImportedLab(file);
    store.files.push({ labId: 3 });
    expect(await book.importedLabs()).toEqual([file]);
  });

  it("removes an imported lab with the progress in it, and nothing else", async () => {
    const store = new MemoryStore();
    const book = new LabProgressBook(store);
    const mine = { labId: "my-lab", fileName: "my-lab.md", text: "---\nid: my-lab\n---" };
    const other = { ...mine, labId: "other-lab", fileName: "other-lab.md" };
    await book.keepImportedLab(mine);
    await book.keepImportedLab(other);
    await book.save(beginProgress("my-lab", NOW));
    await book.save(beginProgress("first-instance", NOW));
    await book.removeImportedLab("my-lab");
    expect(await book.importedLabs()).toEqual([other]);
    expect((await book.all()).map((progress) => progress.labId)).toEqual(["first-instance"]);
  });
});

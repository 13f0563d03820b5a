/**
 * The console's view of the labs: the catalog (the shipped labs and any the person imported),
 * the person's progress in each (kept in the browser by the labs module's LabProgressBook), and which lab is
 * open. The open lab lives in the URL (#/labs/<id>) while the Labs page shows, so a reload
 * reopens it; it is remembered here while the person visits another page (to launch the lab's
 * instance, say).
 */
import { importLab, loadBundledLabs, type ImportResult } from "../labs/catalog.ts";
import type { Lab, LabError } from "../labs/parse.ts";
import { standing, type LabProgress, type LabProgressBook, type LabStanding } from "../labs/progress.ts";
import { toCloudError, type CloudError } from "../shared/errors.ts";
import type { Fleet } from "./fleet.svelte.ts";

const HASH_PREFIX = "#/labs";

/** The lab id in a location hash: "#/labs/<id>" gives the id, "#/labs" gives null, anything else undefined. */
function labIdFromHash(hash: string): string | null | undefined {
  if (hash === HASH_PREFIX || hash === `${HASH_PREFIX}/`) return null;
  if (!hash.startsWith(`${HASH_PREFIX}/`)) return undefined;
  return decodeURIComponent(hash.slice(HASH_PREFIX.length + 1)) || null;
}

/** Whether a location hash asks for the Labs page. */
export function isLabsHash(hash: string): boolean {
  return labIdFromHash(hash) !== undefined;
}

export class LabsState {
  readonly #fleet: Fleet;
  readonly #book: LabProgressBook;
  /** The catalog: shipped labs first (prerequisites before the labs that need them), then imported ones. */
  labs = $state.raw<readonly Lab[]>([]);
  /** Shipped labs that did not load (there should be none: labs:check refuses them). */
  loadErrors = $state.raw<readonly LabError[]>([]);
  /** Ids of the labs imported from files (kept in IndexedDB with the progress). */
  imported = $state.raw<readonly string[]>([]);
  /** Progress by lab id, as last read or written. */
  progress = $state.raw<Readonly<Record<string, LabProgress>>>({});
  progressLoaded = $state(false);
  /** The open lab's id; null shows the catalog. */
  openId = $state<string | null>(null);
  /** Saves of progress under way (the page says when everything is stored). */
  pendingSaves = $state(0);
  /** Why progress could not be read or saved. */
  error = $state<CloudError | null>(null);

  readonly open = $derived(this.labs.find((lab) => lab.id === this.openId) ?? null);

  #loaded = false;

  constructor(fleet: Fleet, book: LabProgressBook) {
    this.#fleet = fleet;
    this.#book = book;
    const fromHash = typeof location === "undefined" ? undefined : labIdFromHash(location.hash);
    if (fromHash) this.openId = fromHash;
    void this.#readProgress();
  }

  /** Reads the shipped labs (once: the Labs page asks when it first shows, so the console's start does not wait for it). */
  load(): void {
    if (this.#loaded) return;
    this.#loaded = true;
    const { labs, errors } = loadBundledLabs();
    this.labs = [...labs, ...this.labs];
    this.loadErrors = errors;
    void this.#readImported();
  }

  /** Brings back the labs imported earlier, validated again (a lab that no longer validates is left out). */
  async #readImported(): Promise<void> {
    let files;
    try {
      files = await this.#book.importedLabs();
    } catch (error) {
      this.error = toCloudError(error);
      return;
    }
    for (const file of files) {
      const result = this.#check(file.fileName, file.text);
      if (result.ok) this.#put(result.lab);
    }
  }

  /** Validates a lab file against the catalog; its id may be an imported lab's (to replace it). */
  #check(fileName: string, text: string): ImportResult {
    const imageNames = this.#fleet.volumesAndImages.images.map((image) => image.name);
    return importLab(fileName, text, this.labs, { importedIds: this.imported, ...(imageNames.length > 0 ? { imageNames } : {}) });
  }

  /** Puts an imported lab in the catalog, in the place of the one with its id if there is one. */
  #put(lab: Lab): void {
    this.labs = this.labs.some((other) => other.id === lab.id)
      ? this.labs.map((other) => (other.id === lab.id ? lab : other))
      : [...this.labs, lab];
    if (!this.imported.includes(lab.id)) this.imported = [...this.imported, lab.id];
  }

  /** Adds an imported lab to the catalog and keeps its file for later visits. */
  #keep(lab: Lab, fileName: string, text: string): void {
    this.#put(lab);
    this.#book.keepImportedLab({ labId: lab.id, fileName, text }).catch((error: unknown) => {
      this.error = toCloudError(error);
    });
  }

  get fleet(): Fleet {
    return this.#fleet;
  }

  lab(labId: string): Lab | undefined {
    return this.labs.find((lab) => lab.id === labId);
  }

  standing(lab: Lab): LabStanding {
    return standing(this.progress[lab.id], lab.steps.length);
  }

  /** Opens a lab (or the catalog, with null) and says so in the URL. */
  show(labId: string | null): void {
    this.openId = labId;
    this.writeHash();
  }

  /** Puts the open lab in the URL; the Labs page calls it while it shows. */
  writeHash(): void {
    const hash = this.openId ? `${HASH_PREFIX}/${encodeURIComponent(this.openId)}` : HASH_PREFIX;
    if (location.hash !== hash) history.replaceState(history.state, "", hash);
  }

  /** Takes the URL out of the Labs page (the person went to another page); the open lab is still remembered. */
  clearHash(): void {
    if (isLabsHash(location.hash)) history.replaceState(history.state, "", `${location.pathname}${location.search}`);
  }

  /** Follows the URL when the person edits it or goes back. */
  followHash(hash: string): void {
    const id = labIdFromHash(hash);
    if (id !== undefined) this.openId = id;
  }

  /**
   * Validates a lab file as the shipped ones are (and against them: a new id, known
   * prerequisites), adds it to the catalog and keeps it for later visits. A file with the id of
   * a lab imported earlier is not added: the result names the lab it would replace, and
   * replaceImported does it once the person agrees. Returns the errors, if any.
   */
  importFile(fileName: string, text: string): ImportResult {
    const result = this.#check(fileName, text);
    if (result.ok && result.replaces === null) this.#keep(result.lab, fileName, text);
    return result;
  }

  /** Replaces an imported lab with a new version of its file (from importFile), keeping the person's progress in it or not. */
  async replaceImported(fileName: string, text: string, lab: Lab, options: { keepProgress: boolean }): Promise<void> {
    this.#keep(lab, fileName, text);
    if (!options.keepProgress) await this.forget(lab.id);
  }

  /** The imported labs that list a lab among their prerequisites (it cannot be removed before them). */
  dependents(labId: string): Lab[] {
    return this.labs.filter((lab) => this.imported.includes(lab.id) && lab.prerequisites.includes(labId));
  }

  /** Removes an imported lab from the catalog and from the browser, with the person's progress in it. */
  async removeImported(labId: string): Promise<void> {
    if (!this.imported.includes(labId)) return;
    this.labs = this.labs.filter((lab) => lab.id !== labId);
    this.imported = this.imported.filter((id) => id !== labId);
    const rest = { ...this.progress };
    delete rest[labId];
    this.progress = rest;
    if (this.openId === labId) this.show(null);
    await this.#store(() => this.#book.removeImportedLab(labId));
  }

  /** Saves a lab's progress; the page shows it at once, and an error if IndexedDB refuses it. */
  async save(progress: LabProgress): Promise<void> {
    this.progress = { ...this.progress, [progress.labId]: progress };
    await this.#store(() => this.#book.save(progress));
  }

  /** Forgets a lab's progress (Reset). */
  async forget(labId: string): Promise<void> {
    const rest = { ...this.progress };
    delete rest[labId];
    this.progress = rest;
    await this.#store(() => this.#book.forget(labId));
  }

  /** Writes to IndexedDB while the page counts the write as pending; a refusal becomes the page's error. */
  async #store(write: () => Promise<void>): Promise<void> {
    this.pendingSaves++;
    try {
      await write();
    } catch (error) {
      this.error = toCloudError(error);
    } finally {
      this.pendingSaves--;
    }
  }

  dismissError(): void {
    this.error = null;
  }

  async #readProgress(): Promise<void> {
    try {
      const all = await this.#book.all();
      // Anything saved while reading wins over what was read.
      this.progress = { ...Object.fromEntries(all.map((progress) => [progress.labId, progress])), ...this.progress };
    } catch (error) {
      this.error = toCloudError(error);
    }
    this.progressLoaded = true;
  }
}

/**
 * Reads a lab file (Markdown with YAML front matter; see AUTHORING.md) into a typed Lab, or
 * into errors that each name the file, the step (number and title) and the field. Pure: no
 * DOM, no file system, so the browser, the labs:check command and the tests share it.
 */
import * as v from "valibot";
import { Marked, type Token, type Tokens } from "marked";
import { parseDocument } from "yaml";
import { findInstanceType, INSTANCE_TYPES } from "../hypervisor/index.ts";
import { ActionsSchema, ChecksSchema, FrontMatterSchema, type Action, type Check, type FrontMatter } from "./schema.ts";

export type { Action, Check };

export interface LabStep {
  /** 1-based, as people count. */
  readonly number: number;
  readonly title: string;
  /** Markdown shown to the person. */
  readonly instructions: string;
  /** The text of each ```sh code block of the instructions, in order (the renderer numbers them the same way). */
  readonly commands: readonly string[];
  readonly checks: readonly Check[];
  /** Markdown, revealed one at a time. */
  readonly hints: readonly string[];
  /** Markdown for people (the yaml actions block taken out), behind a confirmation. */
  readonly solution: string;
  /** The same solution, machine-readable: what the integration test plays. */
  readonly actions: readonly Action[];
}

export interface Lab {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly level: FrontMatter["level"];
  readonly minutes: number;
  /** An image name, or "default" for the catalog's first image. */
  readonly image: string;
  readonly instanceType: string;
  readonly prerequisites: readonly string[];
  /** Whether the player launches the lab's instance before step 1 (see labLaunchRequest). */
  readonly launch: boolean;
  /** The Name tag of the lab's instance. */
  readonly instanceName: string;
  /** The lab's instance is launched with hibernation enabled. */
  readonly hibernation: boolean;
  readonly userData: string | null;
  /** EC2's MetadataOptions.HttpTokens for the lab's instance: "required" launches it IMDSv2-only. */
  readonly httpTokens: "optional" | "required";
  /** Where the lab came from, as errors name it (e.g. labs/first-instance.md). */
  readonly source: string;
  /** Markdown before the first step: what the lab is about. */
  readonly introduction: string;
  readonly steps: readonly LabStep[];
}

export interface LabError {
  readonly file: string;
  /** The step the error is in; null for the front matter or the file as a whole. */
  readonly step: { readonly number: number; readonly title: string } | null;
  /** The field, as a path: instanceType, checks[0].exitCode, hints, ... */
  readonly field: string;
  readonly message: string;
}

export interface ParseOptions {
  /** Image names that exist; when given, the front matter's image must be one of them (or "default"). */
  readonly imageNames?: readonly string[];
  /** The file must be called <id>.md (true for the bundled labs). */
  readonly fileNameMatchesId?: boolean;
}

/** `labs/first-instance.md, step 2 "Connect": checks[0].exitCode: must be a whole number` */
export function formatLabError(error: LabError): string {
  const where = error.step ? `${error.file}, step ${error.step.number} "${error.step.title}"` : `${error.file}, front matter`;
  return error.field ? `${where}: ${error.field}: ${error.message}` : `${where}: ${error.message}`;
}

export type ParseResult = { readonly ok: true; readonly lab: Lab } | { readonly ok: false; readonly errors: readonly LabError[] };

/** The code block languages whose blocks the player offers to copy or send to the terminal. */
export const COMMAND_LANGUAGES: ReadonlySet<string> = new Set(["sh", "shell", "bash", "console"]);

const marked = new Marked();

export function parseLab(file: string, text: string, options: ParseOptions = {}): ParseResult {
  const errors: LabError[] = [];
  const fileError = (field: string, message: string) => errors.push({ file, step: null, field, message });
  const normalized = text.replace(/\r\n?/g, "\n").replace(/^\uFEFF/, "");
  if (normalized.trim() === "") {
    fileError("", "The file is empty: a lab is a Markdown file that begins with front matter");
    return { ok: false, errors };
  }
  const match = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(normalized);
  if (!match) {
    fileError("", "must begin with front matter: a line ---, the lab's fields in YAML, and a line ---");
    return { ok: false, errors };
  }
  const front = readYaml(match[1] ?? "", (message) => fileError("", `the front matter is not valid YAML: ${message}`));
  const body = normalized.slice(match[0].length);

  let frontMatter: FrontMatter | null = null;
  if (front.ok) {
    const parsed = v.safeParse(FrontMatterSchema, front.value ?? {});
    if (parsed.success) frontMatter = parsed.output;
    else for (const issue of parsed.issues) fileError(issuePath(issue), issue.message);
  }
  if (frontMatter) {
    if (!findInstanceType(frontMatter.instanceType)) fileError("instanceType", unknownType(frontMatter.instanceType));
    if (frontMatter.image !== "default" && options.imageNames && !options.imageNames.includes(frontMatter.image)) {
      fileError("image", `there is no image named ${frontMatter.image}: use "default" or one of ${options.imageNames.join(", ")}`);
    }
    if (options.fileNameMatchesId && baseName(file) !== `${frontMatter.id}.md`)
      fileError("id", `is ${frontMatter.id}, so the file must be called ${frontMatter.id}.md`);
    if (frontMatter.prerequisites.includes(frontMatter.id)) fileError("prerequisites", "a lab cannot be its own prerequisite");
  }

  const { introduction, steps: rawSteps } = splitSteps(body);
  if (rawSteps.length === 0) fileError("", 'has no steps: each step starts with a "## " heading');
  const steps: LabStep[] = [];
  rawSteps.forEach((raw, index) => {
    const step = parseStep(file, index + 1, raw, errors);
    if (step) steps.push(step);
  });

  if (errors.length > 0 || !frontMatter) return { ok: false, errors };
  return {
    ok: true,
    lab: {
      id: frontMatter.id,
      title: frontMatter.title,
      summary: frontMatter.summary,
      level: frontMatter.level,
      minutes: frontMatter.minutes,
      image: frontMatter.image,
      instanceType: frontMatter.instanceType,
      prerequisites: frontMatter.prerequisites,
      launch: frontMatter.launch,
      instanceName: frontMatter.instanceName ?? frontMatter.id,
      hibernation: frontMatter.hibernation,
      userData: frontMatter.userData ?? null,
      httpTokens: frontMatter.httpTokens,
      source: file,
      introduction,
      steps,
    },
  };
}

/**
 * Checks a set of labs together: ids are unique and every prerequisite is a lab of the set (with
 * no cycle). Returns the errors; the labs themselves are already valid one by one.
 */
export function validateLabSet(labs: readonly Lab[]): LabError[] {
  const errors: LabError[] = [];
  const byId = new Map<string, Lab>();
  for (const lab of labs) {
    const other = byId.get(lab.id);
    if (other)
      errors.push({
        file: lab.source,
        step: null,
        field: "id",
        message: `${lab.id} is also the id of ${other.source}: ids must be unique`,
      });
    else byId.set(lab.id, lab);
  }
  for (const lab of labs) {
    lab.prerequisites.forEach((id, i) => {
      if (!byId.has(id))
        errors.push({ file: lab.source, step: null, field: `prerequisites[${i}]`, message: `there is no lab with the id ${id}` });
    });
  }
  for (const lab of byId.values()) {
    const cycle = findCycle(lab, byId);
    if (cycle) errors.push({ file: lab.source, step: null, field: "prerequisites", message: `form a cycle: ${cycle.join(" -> ")}` });
  }
  return errors;
}

export interface LabSet {
  /** The labs that loaded, in catalog order (prerequisites first, then by file name). */
  readonly labs: readonly Lab[];
  readonly errors: readonly LabError[];
}

/** Parses many lab files and validates them together. */
export function parseLabs(files: readonly { readonly file: string; readonly text: string }[], options: ParseOptions = {}): LabSet {
  const labs: Lab[] = [];
  const errors: LabError[] = [];
  for (const { file, text } of [...files].sort((a, b) => a.file.localeCompare(b.file))) {
    const result = parseLab(file, text, options);
    if (result.ok) labs.push(result.lab);
    else errors.push(...result.errors);
  }
  errors.push(...validateLabSet(labs));
  return { labs: catalogOrder(labs), errors };
}

/** Prerequisites before the labs that need them; otherwise as given. */
function catalogOrder(labs: readonly Lab[]): Lab[] {
  const byId = new Map(labs.map((lab) => [lab.id, lab]));
  const ordered: Lab[] = [];
  const seen = new Set<string>();
  const visit = (lab: Lab, path: Set<string>) => {
    if (seen.has(lab.id) || path.has(lab.id)) return;
    path.add(lab.id);
    for (const id of lab.prerequisites) {
      const before = byId.get(id);
      if (before) visit(before, path);
    }
    seen.add(lab.id);
    ordered.push(lab);
  };
  for (const lab of labs) visit(lab, new Set());
  return ordered;
}

function findCycle(start: Lab, byId: ReadonlyMap<string, Lab>): string[] | null {
  const walk = (lab: Lab, path: string[]): string[] | null => {
    for (const id of lab.prerequisites) {
      if (id === start.id) return [...path, id];
      if (path.includes(id)) continue;
      const next = byId.get(id);
      const found = next ? walk(next, [...path, id]) : null;
      if (found) return found;
    }
    return null;
  };
  const cycle = walk(start, [start.id]);
  // Report a cycle once, at its alphabetically first lab.
  return cycle && cycle.slice(0, -1).every((id) => id >= start.id) && cycle.length > 2 ? cycle : null;
}

interface RawStep {
  readonly title: string;
  readonly instructions: string[];
  readonly sections: { readonly kind: "check" | "hint" | "solution"; readonly heading: string; readonly lines: string[] }[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Splits the body at "## " headings (outside code blocks) and each step at its ### Check, ### Hint and ### Solution headings. */
function splitSteps(body: string): { introduction: string; steps: RawStep[] } {
  const introduction: string[] = [];
  const steps: RawStep[] = [];
  let fence: string | null = null;
  for (const line of body.split("\n")) {
    const current = steps.at(-1);
    const target = current ? (current.sections.at(-1)?.lines ?? current.instructions) : introduction;
    if (fence !== null) {
      target.push(line);
      const close = FENCE.exec(line);
      if (close && close[1]?.[0] === fence[0] && (close[1]?.length ?? 0) >= fence.length && close[2]?.trim() === "") fence = null;
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      fence = open[1] ?? "```";
      target.push(line);
      continue;
    }
    const step = /^## +(.*?)\s*#*\s*$/.exec(line);
    if (step) {
      steps.push({ title: step[1] ?? "", instructions: [], sections: [] });
      continue;
    }
    const section = /^### +(.*?)\s*#*\s*$/.exec(line);
    const word = section?.[1]?.split(/[\s:(]/)[0]?.toLowerCase();
    if (current && section && (word === "check" || word === "checks" || word === "hint" || word === "solution")) {
      current.sections.push({ kind: word === "checks" ? "check" : word, heading: line, lines: [] });
      continue;
    }
    target.push(line);
  }
  return { introduction: introduction.join("\n").trim(), steps };
}

function parseStep(file: string, number: number, raw: RawStep, errors: LabError[]): LabStep | null {
  const title = raw.title;
  const before = errors.length;
  const stepError = (field: string, message: string) =>
    errors.push({ file, step: { number, title: title || "(untitled)" }, field, message });
  if (!title) stepError("title", 'is empty: write the step\'s title after "## "');
  const instructions = raw.instructions.join("\n").trim();
  if (!instructions) stepError("instructions", 'are empty: say what to do between the "## " heading and "### Check"');

  const checkSections = raw.sections.filter((section) => section.kind === "check");
  const hintSections = raw.sections.filter((section) => section.kind === "hint");
  const solutionSections = raw.sections.filter((section) => section.kind === "solution");
  let checks: Check[] = [];
  if (checkSections.length !== 1) {
    stepError(
      "checks",
      checkSections.length === 0
        ? 'a step needs a "### Check" section holding a ```yaml list of checks'
        : 'a step has one "### Check" section; put every check in its list',
    );
  } else {
    const blocks = yamlBlocks((checkSections[0] as RawStep["sections"][number]).lines);
    if (blocks.blocks.length !== 1 || blocks.rest.trim() !== "") {
      stepError("checks", 'the "### Check" section must hold one ```yaml block (a list of checks) and nothing else');
    } else {
      const data = readYaml(blocks.blocks[0] ?? "", (message) => stepError("checks", `not valid YAML: ${message}`));
      if (data.ok) {
        const parsed = v.safeParse(ChecksSchema, data.value);
        if (parsed.success) checks = parsed.output;
        else for (const issue of parsed.issues) stepError(`checks${issuePath(issue, true)}`, issue.message);
      }
    }
  }
  checks.forEach((check, i) => {
    if (
      (check.kind === "instance" || check.kind === "capacity") &&
      check.instanceType !== undefined &&
      !findInstanceType(check.instanceType)
    ) {
      stepError(`checks[${i}].instanceType`, unknownType(check.instanceType));
    }
  });

  const hints = hintSections.map((section) => section.lines.join("\n").trim());
  if (hints.length === 0) stepError("hints", 'a step needs at least one "### Hint" section');
  hints.forEach((hint, i) => {
    if (!hint) stepError(`hints[${i}]`, "is empty");
  });

  let solution = "";
  let actions: Action[] = [];
  if (solutionSections.length !== 1) {
    stepError(
      "solution",
      solutionSections.length === 0 ? 'a step needs a "### Solution" section' : 'a step has one "### Solution" section',
    );
  } else {
    const blocks = yamlBlocks((solutionSections[0] as RawStep["sections"][number]).lines);
    solution = blocks.rest.trim();
    if (!solution) stepError("solution", "needs words for people besides the ```yaml actions block");
    if (blocks.blocks.length !== 1) {
      stepError("actions", 'the "### Solution" section must hold one ```yaml block: the actions that solve the step');
    } else {
      const data = readYaml(blocks.blocks[0] ?? "", (message) => stepError("actions", `not valid YAML: ${message}`));
      if (data.ok) {
        const parsed = v.safeParse(ActionsSchema, data.value);
        if (parsed.success) actions = parsed.output;
        else for (const issue of parsed.issues) stepError(`actions${issuePath(issue, true)}`, issue.message);
      }
    }
  }
  actions.forEach((action, i) => {
    if (
      (action.action === "launch" || action.action === "modifyInstanceType") &&
      action.instanceType !== undefined &&
      !findInstanceType(action.instanceType)
    ) {
      stepError(`actions[${i}].instanceType`, unknownType(action.instanceType));
    }
  });

  if (errors.length > before) return null;
  return { number, title, instructions, commands: commandsOf(instructions), checks, hints, solution, actions };
}

/** The ```yaml blocks of a section, and the section without them. */
function yamlBlocks(lines: readonly string[]): { blocks: string[]; rest: string } {
  const blocks: string[] = [];
  const rest: string[] = [];
  let block: string[] | null = null;
  let fence = "";
  let inOther = false;
  for (const line of lines) {
    const marker = FENCE.exec(line);
    if (block) {
      if (marker && marker[1]?.[0] === fence[0] && (marker[1]?.length ?? 0) >= fence.length && marker[2]?.trim() === "") {
        blocks.push(block.join("\n"));
        block = null;
      } else block.push(line);
      continue;
    }
    if (inOther) {
      rest.push(line);
      if (marker && marker[1]?.[0] === fence[0] && (marker[1]?.length ?? 0) >= fence.length && marker[2]?.trim() === "") inOther = false;
      continue;
    }
    if (marker) {
      fence = marker[1] ?? "```";
      const language = marker[2]?.trim().split(/\s/)[0]?.toLowerCase();
      if (language === "yaml" || language === "yml") block = [];
      else {
        inOther = true;
        rest.push(line);
      }
      continue;
    }
    rest.push(line);
  }
  if (block) blocks.push(block.join("\n"));
  return { blocks, rest: rest.join("\n") };
}

/** The command code blocks of some Markdown, in document order (as the renderer meets them). */
export function commandsOf(markdown: string): string[] {
  const commands: string[] = [];
  marked.walkTokens(marked.lexer(markdown), (token: Token) => {
    if (token.type === "code" && COMMAND_LANGUAGES.has(((token as Tokens.Code).lang ?? "").trim().split(/\s/)[0]?.toLowerCase() ?? "")) {
      commands.push((token as Tokens.Code).text);
    }
  });
  return commands;
}

function readYaml(source: string, onError: (message: string) => void): { ok: true; value: unknown } | { ok: false } {
  const document = parseDocument(source, { prettyErrors: false, uniqueKeys: true });
  const error = document.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line;
    onError(`${error.message.split("\n")[0] ?? error.code}${line !== undefined ? ` (line ${line} of the block)` : ""}`);
    return { ok: false };
  }
  return { ok: true, value: document.toJS() };
}

/** checks[0].exitCode from a valibot issue's path (with a leading index when `indexed`). */
function issuePath(issue: v.BaseIssue<unknown>, indexed = false): string {
  let path = "";
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    if (typeof key === "number") path += `[${key}]`;
    else path += path || indexed ? `.${String(key)}` : String(key);
  }
  return path;
}

function unknownType(name: string): string {
  return `${name} is not an instance type: use one of ${INSTANCE_TYPES.map((type) => type.name).join(", ")}`;
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

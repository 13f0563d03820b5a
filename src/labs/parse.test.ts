import { describe, expect, it } from "vitest";
import { formatLabError, parseLab, parseLabs, type Lab } from "./parse.ts";

/** A small valid lab; `replace` swaps text in it to make a bad one. */
function labText(replace: Record<string, string> = {}): string {
  let text = `---
id: tiny
title: A tiny lab
summary: Two steps.
level: beginner
minutes: 5
image: default
instanceType: t3.micro
prerequisites: []
---

What this lab is about.

## Make a file

Run this:

\`\`\`sh
echo hi > /root/hi.txt
\`\`\`

\`\`\`text
## Not a step heading inside a code block
\`\`\`

### Check

\`\`\`yaml
- kind: file
  path: /root/hi.txt
  contains: hi
\`\`\`

### Hint

Type the command.

### Hint: a second one

Really.

### Solution

Run \`echo hi > /root/hi.txt\`.

\`\`\`yaml
- action: run
  command: echo hi > /root/hi.txt
\`\`\`

## Connect

Print it.

### Check

\`\`\`yaml
- kind: command
  run: cat /root/hi.txt
  exitCode: 0
  stdout: '^hi$'
\`\`\`

### Hint

Use cat.

### Solution

Nothing to do.

\`\`\`yaml
- action: wait
  ms: 1
\`\`\`
`;
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`the test lab has no ${from}`);
    text = text.replace(from, () => to);
  }
  return text;
}

function errorsOf(text: string, file = "labs/tiny.md", options = {}): string[] {
  const result = parseLab(file, text, options);
  return result.ok ? [] : result.errors.map(formatLabError);
}

describe("parseLab", () => {
  it("reads a good file into a typed lab", () => {
    const result = parseLab("labs/tiny.md", labText(), { fileNameMatchesId: true, imageNames: ["tabcloud-linux-1.0.0-i686"] });
    if (!result.ok) throw new Error(result.errors.map(formatLabError).join("\n"));
    const lab = result.lab;
    expect(lab).toMatchObject({
      id: "tiny",
      level: "beginner",
      minutes: 5,
      launch: true,
      instanceName: "tiny",
      hibernation: false,
      userData: null,
      httpTokens: "optional",
      introduction: "What this lab is about.",
    });
    expect(lab.steps.map((step) => [step.number, step.title])).toEqual([
      [1, "Make a file"],
      [2, "Connect"],
    ]);
    const [first] = lab.steps;
    // A "## " line inside a code block does not start a step.
    expect(first?.instructions).toContain("## Not a step heading inside a code block");
    expect(first?.commands).toEqual(["echo hi > /root/hi.txt"]);
    expect(first?.checks).toEqual([{ kind: "file", path: "/root/hi.txt", contains: "hi" }]);
    expect(first?.hints).toEqual(["Type the command.", "Really."]);
    expect(first?.solution).toBe("Run `echo hi > /root/hi.txt`.");
    expect(first?.actions).toEqual([{ action: "run", command: "echo hi > /root/hi.txt" }]);
  });

  it("names the file, the step and the field of a bad value", () => {
    expect(errorsOf(labText({ "exitCode: 0": "exitCode: 1.5" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": checks[0].exitCode: must be a whole number',
    ]);
    expect(errorsOf(labText({ "exitCode: 0": 'exitCode: "zero"' }))).toEqual([
      'labs/tiny.md, step 2 "Connect": checks[0].exitCode: must be a whole number',
    ]);
  });

  it("refuses front matter that is missing, malformed or wrong", () => {
    expect(errorsOf(labText({ "---\nid: tiny": "id: tiny" }))).toEqual([
      "labs/tiny.md, front matter: must begin with front matter: a line ---, the lab's fields in YAML, and a line ---",
    ]);
    expect(errorsOf(labText({ "minutes: 5": "minutes: [5" }))[0]).toMatch(
      /^labs\/tiny.md, front matter: the front matter is not valid YAML: /,
    );
    expect(errorsOf(labText({ "minutes: 5": "minutes: ten" }))).toEqual(["labs/tiny.md, front matter: minutes: must be a whole number"]);
    expect(errorsOf(labText({ "level: beginner": "level: expert" }))).toEqual([
      "labs/tiny.md, front matter: level: must be one of beginner, intermediate",
    ]);
    expect(errorsOf(labText({ "id: tiny": "id: Tiny Lab" }))).toEqual([
      "labs/tiny.md, front matter: id: must be lower-case words joined by hyphens, like first-instance",
    ]);
    expect(errorsOf(labText({ "title: A tiny lab\n": "" }))).toEqual(["labs/tiny.md, front matter: title: is missing"]);
    expect(errorsOf(labText({ "minutes: 5": "minutes: 5\nminuets: 6" }))).toEqual([
      "labs/tiny.md, front matter: minuets: is not a field of front matter (misspelt?)",
    ]);
  });

  it("checks references: instance types, images, the file's name", () => {
    expect(errorsOf(labText({ "instanceType: t3.micro": "instanceType: t3.huge" }))[0]).toMatch(
      /^labs\/tiny.md, front matter: instanceType: t3.huge is not an instance type: use one of t3.nano, t3.micro/,
    );
    expect(errorsOf(labText({ "image: default": "image: ubuntu" }), "labs/tiny.md", { imageNames: ["tabcloud-linux-1.0.0-i686"] })).toEqual(
      ['labs/tiny.md, front matter: image: there is no image named ubuntu: use "default" or one of tabcloud-linux-1.0.0-i686'],
    );
    expect(errorsOf(labText(), "labs/other.md", { fileNameMatchesId: true })).toEqual([
      "labs/other.md, front matter: id: is tiny, so the file must be called tiny.md",
    ]);
    expect(
      errorsOf(labText({ "  stdout: '^hi$'": "  stdout: '^hi$'\n- kind: capacity\n  instanceType: x9.big\n  expect: refused" })),
    ).toEqual([expect.stringMatching(/^labs\/tiny.md, step 2 "Connect": checks\[1\].instanceType: x9.big is not an instance type/)]);
    expect(errorsOf(labText({ "  ms: 1": "  ms: 1\n- action: modifyInstanceType\n  instanceType: t9.nano" }))).toEqual([
      expect.stringMatching(/^labs\/tiny.md, step 2 "Connect": actions\[1\].instanceType: t9.nano is not an instance type/),
    ]);
  });

  it("refuses a step without a check, a hint or a solution", () => {
    const noCheck = labText({ "### Check\n\n```yaml\n- kind: command": "```yaml\n- kind: command" });
    expect(errorsOf(noCheck)).toContain(
      'labs/tiny.md, step 2 "Connect": checks: a step needs a "### Check" section holding a ```yaml list of checks',
    );
    expect(
      errorsOf(labText({ "```yaml\n- kind: command\n  run: cat /root/hi.txt\n  exitCode: 0\n  stdout: '^hi$'\n```": "```yaml\n[]\n```" })),
    ).toEqual(['labs/tiny.md, step 2 "Connect": checks: a step needs at least one check']);
    expect(errorsOf(labText({ "### Hint\n\nUse cat.\n\n": "" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": hints: a step needs at least one "### Hint" section',
    ]);
    expect(errorsOf(labText({ "### Solution\n\nNothing to do.": "Nothing to do." }))).toContain(
      'labs/tiny.md, step 2 "Connect": solution: a step needs a "### Solution" section',
    );
    expect(errorsOf(labText({ "```yaml\n- action: wait\n  ms: 1\n```": "" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": actions: the "### Solution" section must hold one ```yaml block: the actions that solve the step',
    ]);
    expect(errorsOf(labText({ "## Connect\n\nPrint it.\n": "## Connect\n" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": instructions: are empty: say what to do between the "## " heading and "### Check"',
    ]);
  });

  it("refuses checks and actions of unknown kinds, with unknown fields, or with bad patterns", () => {
    expect(errorsOf(labText({ "- kind: command": "- kind: process" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": checks[0].kind: must be one of command, file, instance, volume, bill, capacity, public-http, security-group-rule, launch-template',
    ]);
    expect(errorsOf(labText({ "  exitCode: 0": "  exitcode: 0" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": checks[0].exitcode: is not a field of a check (misspelt?)',
    ]);
    expect(errorsOf(labText({ "stdout: '^hi$'": "stdout: '^(hi$'" }))).toEqual([
      expect.stringMatching(
        /^labs\/tiny.md, step 2 "Connect": checks\[0\].stdout: is not a regular expression the lab player can run \(missing closing \)/,
      ),
    ]);
    expect(errorsOf(labText({ "stdout: '^hi$'": "stdout: '^{{instance-id}}$'" }))).toEqual([
      expect.stringMatching(/^labs\/tiny.md, step 2 "Connect": checks\[0\].stdout: \{\{instance-id\}\} is not a placeholder/),
    ]);
    expect(errorsOf(labText({ "  path: /root/hi.txt": "  path: hi.txt" }))).toEqual([
      'labs/tiny.md, step 1 "Make a file": checks[0].path: must be an absolute path, like /root/notes.txt',
    ]);
    expect(errorsOf(labText({ "- action: wait": "- action: fly" }))).toEqual([
      expect.stringMatching(/^labs\/tiny.md, step 2 "Connect": actions\[0\].action: must be one of run, launch, waitFor/),
    ]);
    expect(errorsOf(labText({ "  ms: 1": "  ms: soon" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": actions[0].ms: must be a whole number',
    ]);
    expect(errorsOf(labText({ "  exitCode: 0\n": "  exitCode: 0\n - broken: [\n" }))[0]).toMatch(
      /^labs\/tiny.md, step 2 "Connect": checks: not valid YAML: /,
    );
    expect(errorsOf(labText({ "- kind: command\n  run: cat /root/hi.txt\n  exitCode: 0\n  stdout: '^hi$'": "- kind: bill" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": checks[0]: needs compute or storage (or both)',
    ]);
  });

  it("refuses patterns the linear-time engine cannot run (backreferences, lookaround), naming the step and field", () => {
    expect(errorsOf(labText({ "stdout: '^hi$'": "stdout: '^(h)\\1$'" }))).toEqual([
      expect.stringMatching(
        /^labs\/tiny.md, step 2 "Connect": checks\[0\].stdout: is not a regular expression the lab player can run .*backreferences/,
      ),
    ]);
    expect(errorsOf(labText({ "  contains: hi": "  matches: 'h(?=i)'" }))).toEqual([
      expect.stringMatching(
        /^labs\/tiny.md, step 1 "Make a file": checks\[0\].matches: is not a regular expression the lab player can run .*lookaround/,
      ),
    ]);
  });

  it("refuses a check section with more than its yaml block", () => {
    expect(errorsOf(labText({ "### Check\n\n```yaml\n- kind: command": "### Check\n\nSome words.\n\n```yaml\n- kind: command" }))).toEqual([
      'labs/tiny.md, step 2 "Connect": checks: the "### Check" section must hold one ```yaml block (a list of checks) and nothing else',
    ]);
  });
});

describe("parseLabs", () => {
  const lab = (id: string, prerequisites: string[]) => ({
    file: `labs/${id}.md`,
    text: labText({ "id: tiny": `id: ${id}`, "prerequisites: []": `prerequisites: [${prerequisites.join(", ")}]` }),
  });

  it("orders labs after their prerequisites", () => {
    const { labs, errors } = parseLabs([lab("b", ["a"]), lab("a", []), lab("c", ["b"])], { fileNameMatchesId: true });
    expect(errors).toEqual([]);
    expect(labs.map((l: Lab) => l.id)).toEqual(["a", "b", "c"]);
  });

  it("refuses unknown prerequisites, duplicate ids and cycles", () => {
    expect(parseLabs([lab("a", ["zzz"])]).errors.map(formatLabError)).toEqual([
      "labs/a.md, front matter: prerequisites[0]: there is no lab with the id zzz",
    ]);
    expect(parseLabs([lab("a", []), { file: "labs/copy.md", text: lab("a", []).text }]).errors.map(formatLabError)).toEqual([
      "labs/copy.md, front matter: id: a is also the id of labs/a.md: ids must be unique",
    ]);
    expect(parseLabs([lab("a", ["b"]), lab("b", ["a"])]).errors.map(formatLabError)).toEqual([
      "labs/a.md, front matter: prerequisites: form a cycle: a -> b -> a",
    ]);
    expect(parseLabs([lab("a", ["a"])]).errors.map(formatLabError)).toContain(
      "labs/a.md, front matter: prerequisites: a lab cannot be its own prerequisite",
    );
  });
});

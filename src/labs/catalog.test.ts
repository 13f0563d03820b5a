import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { bundledLabFiles, importLab, loadBundledLabs } from "./catalog.ts";
import { formatLabError } from "./parse.ts";

const catalog = JSON.parse(await readFile(new URL("../../public/images/index.json", import.meta.url), "utf8")) as {
  images: { name: string }[];
};

describe("the shipped labs", () => {
  const { labs, errors } = loadBundledLabs({ imageNames: catalog.images.map((image) => image.name) });

  it("all load, with no errors (what npm run labs:check says)", () => {
    expect(errors.map(formatLabError)).toEqual([]);
    expect(labs.map((lab) => lab.id)).toEqual(
      expect.arrayContaining([
        "first-instance",
        "connect-and-work",
        "install-software",
        "pay-for-what-you-use",
        "stop-hibernate-terminate",
        "vertical-scaling",
        "multitenancy",
      ]),
    );
    expect(labs).toHaveLength(bundledLabFiles().length);
  });

  it("come in catalog order, prerequisites first, and are 5 to 15 minutes each", () => {
    labs.forEach((lab, i) => {
      for (const id of lab.prerequisites)
        expect(
          labs.findIndex((other) => other.id === id),
          `${lab.id} needs ${id} first`,
        ).toBeLessThan(i);
      expect(lab.minutes).toBeGreaterThanOrEqual(5);
      expect(lab.minutes).toBeLessThanOrEqual(15);
    });
  });
});

describe("importLab", () => {
  const { labs } = loadBundledLabs();
  const [file] = bundledLabFiles().filter((candidate) => candidate.file.endsWith("/first-instance.md"));
  const text = file?.text ?? "";

  it("accepts a new lab that builds on the shipped ones", () => {
    const mine = text
      .replace("id: first-instance", "id: my-lab")
      .replace("launch: false", "launch: false\nprerequisites: [first-instance]");
    const result = importLab("my-lab.md", mine, labs);
    expect(result.ok && result.lab.id).toBe("my-lab");
  });

  it("refuses a lab whose id is a shipped lab's or whose prerequisites are unknown, naming the file", () => {
    const again = importLab("copy.md", text, labs);
    expect(again.ok ? [] : again.errors.map(formatLabError)).toEqual([
      "copy.md, front matter: id: first-instance is the id of labs/first-instance.md, a lab shipped with tabcloud, which cannot be replaced: give your lab another id",
    ]);
    const orphan = importLab(
      "orphan.md",
      text.replace("id: first-instance", "id: orphan").replace("launch: false", "launch: false\nprerequisites: [no-such-lab]"),
      labs,
    );
    expect(orphan.ok ? [] : orphan.errors.map(formatLabError)).toEqual([
      "orphan.md, front matter: prerequisites[0]: there is no lab with the id no-such-lab",
    ]);
  });

  it("offers to replace an imported lab with the same id, naming the lab it replaces", () => {
    const mine = text
      .replace("id: first-instance", "id: my-lab")
      .replace("launch: false", "launch: false\nprerequisites: [first-instance]");
    const first = importLab("my-lab.md", mine, labs);
    expect(first.ok && first.replaces).toBe(null);
    if (!first.ok) return;
    const edited = mine.replace(/^title: .*$/m, "title: My lab, edited");
    const again = importLab("my-lab.md", edited, [...labs, first.lab], { importedIds: ["my-lab"] });
    expect(again.ok && { title: again.lab.title, replaces: again.replaces?.title }).toEqual({
      title: "My lab, edited",
      replaces: first.lab.title,
    });
    // Without saying it was imported, the id is refused as any shipped lab's would be.
    expect(importLab("my-lab.md", edited, [...labs, first.lab]).ok).toBe(false);
  });

  it("refuses a lab file over 256 KiB, however valid, before parsing it", () => {
    const huge = `${text}\n${"Padding words. ".repeat(20_000)}\n`.replace("id: first-instance", "id: huge-lab");
    const result = importLab("huge-lab.md", huge, labs);
    expect(result.ok ? [] : result.errors.map(formatLabError)).toEqual([
      expect.stringMatching(/^huge-lab\.md, front matter: The file is 298 KiB; a lab file may be at most 256 KiB/),
    ]);
  });
});

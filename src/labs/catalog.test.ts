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

  it("refuses a lab whose id is taken or whose prerequisites are unknown, naming the file", () => {
    const again = importLab("copy.md", text, labs);
    expect(again.ok ? [] : again.errors.map(formatLabError)).toEqual([
      "copy.md, front matter: id: first-instance is also the id of labs/first-instance.md: ids must be unique",
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
});

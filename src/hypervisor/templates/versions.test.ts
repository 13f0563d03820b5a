import { describe, expect, it } from "vitest";
import type { TemplateRecord } from "./model.ts";
import { dataFromSource, findVersion } from "./versions.ts";

const template: TemplateRecord = {
  launchTemplateId: "lt-0123456789abcdef0",
  launchTemplateName: "web",
  createTime: "2026-12-01T00:00:00.000Z",
  defaultVersionNumber: 2,
  versions: [1, 2, 3].map((versionNumber) => ({
    versionNumber,
    versionDescription: `v${versionNumber}`,
    createTime: "2026-12-01T00:00:00.000Z",
    data: { instanceType: `t3.${["nano", "micro", "small"][versionNumber - 1]}` },
  })),
};

describe("findVersion", () => {
  it("finds $Default, $Latest and a number, and $Default when no version is named", () => {
    expect(findVersion(template, "$Default").versionNumber).toBe(2);
    expect(findVersion(template).versionNumber).toBe(2);
    expect(findVersion(template, "$Latest").versionNumber).toBe(3);
    expect(findVersion(template, "1").data).toEqual({ instanceType: "t3.nano" });
  });

  it("answers InvalidLaunchTemplateId.VersionNotFound for a version the template does not have", () => {
    expect(() => findVersion(template, "4")).toThrow(
      expect.objectContaining({ code: "InvalidLaunchTemplateId.VersionNotFound", message: expect.stringContaining("1 to 3") }),
    );
  });
});

describe("dataFromSource", () => {
  it("keeps the source's parameters and replaces those given, lists whole", () => {
    const source = { instanceType: "t3.micro", securityGroupIds: ["sg-0123456789abcdef0"], userData: "echo hi" };
    expect(dataFromSource(source, { instanceType: "t3.small", securityGroupIds: [] })).toEqual({
      instanceType: "t3.small",
      securityGroupIds: [],
      userData: "echo hi",
    });
  });

  it("takes a parameter set to undefined as one not given", () => {
    expect(dataFromSource({ instanceType: "t3.micro" }, { instanceType: undefined } as never)).toEqual({ instanceType: "t3.micro" });
  });
});

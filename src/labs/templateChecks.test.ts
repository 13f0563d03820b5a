import { describe, expect, it } from "vitest";
import type { Instance, LaunchTemplate, LaunchTemplateVersion } from "../hypervisor/index.ts";
import type { LaunchTemplateCheck } from "./schema.ts";
import { judgeLaunchTemplate, type TemplateLabHost } from "./templateChecks.ts";

const ID = "lt-0123456789abcdef0";
const template: LaunchTemplate = {
  launchTemplateId: ID,
  launchTemplateName: "web-template",
  createTime: "2026-12-01T00:00:00.000Z",
  defaultVersionNumber: 2,
  latestVersionNumber: 2,
};
const version = (instanceType: string): LaunchTemplateVersion => ({
  launchTemplateId: ID,
  launchTemplateName: "web-template",
  versionNumber: 2,
  versionDescription: "",
  createTime: template.createTime,
  defaultVersion: true,
  launchTemplateData: { instanceType },
});
const instance = (instanceType: string, state: Instance["state"]["name"] = "running") =>
  ({ imageId: "ami-0000000000000e8b5", instanceType, state: { name: state, code: 16 } }) as Instance;

function host(instances: Instance[], type = "t3.small"): TemplateLabHost {
  return {
    describeLaunchTemplates: () => [template],
    describeLaunchTemplateVersions: () => [version(type)],
    describeInstances: (request) => (request?.filters?.[0]?.values[0] === ID ? instances : []),
  };
}

const judge = (check: Omit<LaunchTemplateCheck, "kind">, on: TemplateLabHost) =>
  judgeLaunchTemplate(on, { kind: "launch-template", ...check }, (passed, message) => ({ passed, message }));

describe("the launch-template check", () => {
  it("passes when the template is as described", () => {
    const verdict = judge(
      { name: "web-template", minVersions: 2, defaultVersion: 2, instanceType: "t3.small", launchedInstances: 2 },
      host([instance("t3.micro"), instance("t3.micro")]),
    );
    expect(verdict).toEqual({ passed: true, message: expect.stringContaining("2 identical instance(s) launched from it") });
  });

  it("says what is missing: the template, versions, the default, the type, the instances", () => {
    expect(judge({ name: "db" }, host([])).message).toContain("no launch template named db");
    expect(judge({ name: "web-template", minVersions: 3 }, host([])).passed).toBe(false);
    expect(judge({ name: "web-template", defaultVersion: 1 }, host([])).message).toContain("its default is version 2, not 1");
    expect(judge({ name: "web-template", instanceType: "t3.micro" }, host([])).message).toContain("launches t3.small, not t3.micro");
    const one = judge({ name: "web-template", launchedInstances: 2 }, host([instance("t3.micro"), instance("t3.micro", "terminated")]));
    expect(one.message).toContain("1 running instance(s)");
    const mixed = judge({ name: "web-template", launchedInstances: 2 }, host([instance("t3.micro"), instance("t3.small")]));
    expect(mixed.message).toContain("differ");
  });
});

import { describe, expect, it } from "vitest";
import type { Instance } from "../hypervisor/index.ts";
import { dataFromInstance, EMPTY_TEMPLATE_FORM, formOf, templateData, versionData } from "./launchTemplateForm.ts";

describe("the launch template form", () => {
  it("leaves empty fields out of the template", () => {
    expect(templateData(EMPTY_TEMPLATE_FORM)).toEqual({});
    expect(templateData({ ...EMPTY_TEMPLATE_FORM, userData: "  \n", name: " " })).toEqual({});
  });

  it("turns filled fields into the template's data, the name into an instance Name tag", () => {
    const form = {
      imageId: "ami-0000000000000e8b5",
      instanceType: "t3.micro",
      subnetId: "subnet-0123456789abcdef0",
      securityGroupIds: ["sg-0123456789abcdef0"],
      name: " web ",
      userData: "#!/bin/sh\necho hi\n",
      shutdownBehavior: "terminate" as const,
    };
    const data = templateData(form);
    expect(data).toEqual({
      imageId: "ami-0000000000000e8b5",
      instanceType: "t3.micro",
      subnetId: "subnet-0123456789abcdef0",
      securityGroupIds: ["sg-0123456789abcdef0"],
      tagSpecifications: [{ resourceType: "instance", tags: [{ key: "Name", value: "web" }] }],
      userData: "#!/bin/sh\necho hi\n",
      instanceInitiatedShutdownBehavior: "terminate",
    });
    // A new version's form starts from its source's data.
    expect(formOf(data)).toEqual({ ...form, name: "web" });
  });
});

describe("a new version's data", () => {
  it("is the form's settings with the source's unseen ones kept, its other instance tags among them", () => {
    const source = {
      instanceType: "t3.micro",
      metadataOptions: { httpTokens: "required" as const },
      disableApiTermination: true,
      tagSpecifications: [
        {
          resourceType: "instance" as const,
          tags: [
            { key: "Name", value: "web" },
            { key: "team", value: "blue" },
          ],
        },
      ],
    };
    const form = { ...formOf(source), instanceType: "t3.small", name: "web-2" };
    expect(versionData(source, form)).toEqual({
      instanceType: "t3.small",
      metadataOptions: { httpTokens: "required" },
      disableApiTermination: true,
      tagSpecifications: [
        {
          resourceType: "instance",
          tags: [
            { key: "team", value: "blue" },
            { key: "Name", value: "web-2" },
          ],
        },
      ],
    });
  });
});

describe("Create template from instance", () => {
  it("copies the instance's settings and tags, leaving out the tags only AWS gives", () => {
    const instance = {
      imageId: "ami-0000000000000e8b5",
      instanceType: "t3.small",
      subnetId: "subnet-0123456789abcdef0",
      securityGroups: [{ groupId: "sg-0123456789abcdef0", groupName: "web" }],
      tags: [
        { key: "Name", value: "web" },
        { key: "aws:ec2launchtemplate:id", value: "lt-0123456789abcdef0" },
      ],
      instanceInitiatedShutdownBehavior: "terminate",
      disableApiTermination: false,
      cpuCredits: "unlimited",
      hibernationOptions: { configured: false },
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
    } as unknown as Instance;
    expect(dataFromInstance(instance)).toEqual({
      imageId: "ami-0000000000000e8b5",
      instanceType: "t3.small",
      subnetId: "subnet-0123456789abcdef0",
      securityGroupIds: ["sg-0123456789abcdef0"],
      tagSpecifications: [{ resourceType: "instance", tags: [{ key: "Name", value: "web" }] }],
      instanceInitiatedShutdownBehavior: "terminate",
      disableApiTermination: false,
      creditSpecification: { cpuCredits: "unlimited" },
      hibernationOptions: { configured: false },
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
    });
  });
});

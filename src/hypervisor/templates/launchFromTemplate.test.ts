import { describe, expect, it } from "vitest";
import { launchRequestFrom } from "./launchFromTemplate.ts";

const data = {
  imageId: "ami-0000000000000e8b5",
  instanceType: "t3.micro",
  userData: "#!/bin/sh\necho from the template\n",
  instanceInitiatedShutdownBehavior: "terminate" as const,
  securityGroupIds: ["sg-0123456789abcdef0"],
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

describe("launchRequestFrom", () => {
  it("is the template's data as RunInstances' parameters, without the template itself", () => {
    expect(launchRequestFrom(data, { launchTemplate: { launchTemplateName: "web" } })).toEqual({
      imageId: "ami-0000000000000e8b5",
      instanceType: "t3.micro",
      userData: "#!/bin/sh\necho from the template\n",
      instanceInitiatedShutdownBehavior: "terminate",
      securityGroupIds: ["sg-0123456789abcdef0"],
      tags: [
        { key: "Name", value: "web" },
        { key: "team", value: "blue" },
      ],
    });
  });

  it("lets every parameter of the request override the template's", () => {
    const request = launchRequestFrom(data, {
      launchTemplate: { launchTemplateName: "web" },
      instanceType: "t3.small",
      userData: "echo mine",
      instanceInitiatedShutdownBehavior: "stop",
      securityGroupIds: [],
      count: 2,
    });
    expect(request).toMatchObject({ instanceType: "t3.small", userData: "echo mine", instanceInitiatedShutdownBehavior: "stop", count: 2 });
    expect(request.securityGroupIds).toEqual([]);
    expect(request.imageId).toBe(data.imageId);
  });

  it("merges tags, the request's value winning for a key both give", () => {
    const request = launchRequestFrom(data, {
      tags: [
        { key: "Name", value: "web-2" },
        { key: "env", value: "test" },
      ],
    });
    expect(request.tags).toEqual([
      { key: "team", value: "blue" },
      { key: "Name", value: "web-2" },
      { key: "env", value: "test" },
    ]);
  });

  it("leaves a template's parameter alone where the request's is undefined", () => {
    expect(launchRequestFrom(data, { instanceType: undefined } as never).instanceType).toBe("t3.micro");
  });
});

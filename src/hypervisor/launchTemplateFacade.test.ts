/**
 * Launch templates through a real hypervisor over fake workers: versions by number, $Default and
 * $Latest; launches whose parameters override the template's; EC2's errors, each changing
 * nothing; delete; and the templates kept across a reload.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Hypervisor } from "./hypervisor.ts";
import { EBS_IMAGE_ID, fakeFleet, launchRunning, stopped, type FakeFleet } from "./testing/fakeFleet.ts";

let fleets: FakeFleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.map((fleet) => fleet.close().catch(() => undefined)));
  fleets = [];
});

async function open(databaseName = `templates-${Math.random()}`): Promise<FakeFleet> {
  const fleet = await fakeFleet({ databaseName });
  fleets.push(fleet);
  return fleet;
}

const WEB = {
  launchTemplateName: "web-server",
  versionDescription: "first",
  launchTemplateData: {
    imageId: EBS_IMAGE_ID,
    instanceType: "t3.micro",
    userData: "#!/bin/sh\necho from-the-template\n",
    instanceInitiatedShutdownBehavior: "terminate" as const,
    tagSpecifications: [{ resourceType: "instance" as const, tags: [{ key: "Name", value: "web" }] }],
  },
};

/** Everything a failed template call might have changed. */
function state(hypervisor: Hypervisor) {
  return {
    templates: hypervisor.describeLaunchTemplates(),
    versions: hypervisor
      .describeLaunchTemplates()
      .map((template) => hypervisor.describeLaunchTemplateVersions({ launchTemplateId: template.launchTemplateId })),
    instances: hypervisor.describeInstances(),
  };
}

describe("launch template versions", () => {
  it("makes version 1 the default; new versions are numbered on and $Latest, not the default, until modifyLaunchTemplate", async () => {
    const { hypervisor } = await open();
    const template = await hypervisor.createLaunchTemplate(WEB);
    expect(template).toMatchObject({ launchTemplateName: "web-server", defaultVersionNumber: 1, latestVersionNumber: 1 });
    expect(template.launchTemplateId).toMatch(/^lt-[0-9a-f]{17}$/);

    const v2 = await hypervisor.createLaunchTemplateVersion({
      launchTemplateId: template.launchTemplateId,
      sourceVersion: "1",
      versionDescription: "bigger",
      launchTemplateData: { instanceType: "t3.small" },
    });
    expect(v2).toMatchObject({ versionNumber: 2, defaultVersion: false, versionDescription: "bigger" });
    // From the source: its parameters, the given one replaced.
    expect(v2.launchTemplateData).toEqual({ ...WEB.launchTemplateData, instanceType: "t3.small" });
    // Without a source, only what is given.
    const v3 = await hypervisor.createLaunchTemplateVersion({
      launchTemplateName: "web-server",
      launchTemplateData: { instanceType: "t3.nano" },
    });
    expect(v3.launchTemplateData).toEqual({ instanceType: "t3.nano" });

    const versionOf = (version: string) =>
      hypervisor
        .describeLaunchTemplateVersions({ launchTemplateName: "web-server", versions: [version] })
        .map((found) => found.versionNumber);
    expect(versionOf("$Default")).toEqual([1]);
    expect(versionOf("$Latest")).toEqual([3]);
    expect(versionOf("2")).toEqual([2]);
    expect(hypervisor.describeLaunchTemplateVersions({ launchTemplateName: "web-server" }).map((found) => found.versionNumber)).toEqual([
      1, 2, 3,
    ]);

    const modified = await hypervisor.modifyLaunchTemplate({ launchTemplateId: template.launchTemplateId, defaultVersion: "2" });
    expect(modified).toMatchObject({ defaultVersionNumber: 2, latestVersionNumber: 3 });
    expect(versionOf("$Default")).toEqual([2]);
    expect(hypervisor.describeLaunchTemplateVersions({ launchTemplateName: "web-server", versions: ["2"] })[0]?.defaultVersion).toBe(true);
  });

  it("announces each change", async () => {
    const { hypervisor } = await open();
    const events: string[] = [];
    hypervisor.subscribe((event) => events.push(event.type));
    const { launchTemplateId } = await hypervisor.createLaunchTemplate(WEB);
    await hypervisor.createLaunchTemplateVersion({ launchTemplateId, launchTemplateData: {} });
    await hypervisor.modifyLaunchTemplate({ launchTemplateId, defaultVersion: "$Latest" });
    await hypervisor.deleteLaunchTemplate({ launchTemplateId });
    expect(events.filter((type) => type === "launch-templates-changed")).toHaveLength(4);
  });
});

describe("runInstances with a launch template", () => {
  it("launches the default version's settings, or the version named", async () => {
    const fleet = await open();
    const { hypervisor } = fleet;
    const { launchTemplateId } = await hypervisor.createLaunchTemplate(WEB);
    await hypervisor.createLaunchTemplateVersion({
      launchTemplateId,
      sourceVersion: "1",
      launchTemplateData: { instanceType: "t3.small" },
    });

    const fromDefault = await launchRunning(fleet, { launchTemplate: { launchTemplateId } });
    expect(fromDefault).toMatchObject({
      imageId: EBS_IMAGE_ID,
      instanceType: "t3.micro",
      instanceInitiatedShutdownBehavior: "terminate",
      // The template's tags, and those EC2 adds: which template and version it was launched from.
      tags: [
        { key: "Name", value: "web" },
        { key: "aws:ec2launchtemplate:id", value: launchTemplateId },
        { key: "aws:ec2launchtemplate:version", value: "1" },
      ],
    });
    // The template's user data ran at the first boot.
    expect(fleet.host.workerOf(fromDefault.instanceId).callsOf("exec")).toHaveLength(1);

    const [fromLatest] = await hypervisor.runInstances({ launchTemplate: { launchTemplateName: "web-server", version: "$Latest" } });
    expect(fromLatest?.instanceType).toBe("t3.small");
    expect(fromLatest?.tags).toContainEqual({ key: "aws:ec2launchtemplate:version", value: "2" });
    const [fromOne] = await hypervisor.runInstances({ launchTemplate: { launchTemplateName: "web-server", version: "1" } });
    expect(fromOne?.instanceType).toBe("t3.micro");
  });

  it("lets the request's parameters override the template's, tags merged", async () => {
    const { hypervisor } = await open();
    const { launchTemplateId } = await hypervisor.createLaunchTemplate(WEB);
    const launched = await hypervisor.runInstances({
      launchTemplate: { launchTemplateId },
      instanceType: "t3.small",
      instanceInitiatedShutdownBehavior: "stop",
      tags: [{ key: "env", value: "test" }],
      count: 2,
    });
    expect(launched).toHaveLength(2);
    for (const instance of launched) {
      expect(instance).toMatchObject({ instanceType: "t3.small", instanceInitiatedShutdownBehavior: "stop" });
      expect(instance.tags).toEqual([
        { key: "Name", value: "web" },
        { key: "env", value: "test" },
        { key: "aws:ec2launchtemplate:id", value: launchTemplateId },
        { key: "aws:ec2launchtemplate:version", value: "1" },
      ]);
    }
  });

  it("refuses a template naming a deregistered image with InvalidAMIID.NotFound, and launches nothing", async () => {
    const fleet = await open();
    const { hypervisor } = fleet;
    const { instanceId } = await launchRunning(fleet);
    await stopped(fleet, instanceId);
    const image = await hypervisor.createImage(instanceId, { name: "soon gone" });
    await hypervisor.createLaunchTemplate({ launchTemplateName: "old-image", launchTemplateData: { imageId: image.imageId } });
    await hypervisor.deregisterImage(image.imageId);
    const before = state(hypervisor);
    await expect(hypervisor.runInstances({ launchTemplate: { launchTemplateName: "old-image" } })).rejects.toMatchObject({
      code: "InvalidAMIID.NotFound",
    });
    expect(state(hypervisor)).toEqual(before);
  });
});

describe("EC2's errors, each changing nothing", () => {
  const missingId = "lt-0123456789abcdef0";
  const cases: [string, (hypervisor: Hypervisor, id: string) => Promise<unknown>, string][] = [
    ["a name taken", (h) => h.createLaunchTemplate(WEB), "InvalidLaunchTemplateName.AlreadyExistsException"],
    [
      "a malformed name",
      (h) => h.createLaunchTemplate({ ...WEB, launchTemplateName: "a b" }),
      "InvalidLaunchTemplateName.MalformedException",
    ],
    ["an id that does not exist", (h) => h.deleteLaunchTemplate({ launchTemplateId: missingId }), "InvalidLaunchTemplateId.NotFound"],
    ["a malformed id", (h) => h.deleteLaunchTemplate({ launchTemplateId: "lt-1" }), "InvalidLaunchTemplateId.Malformed"],
    [
      "a name that does not exist",
      (h) => h.modifyLaunchTemplate({ launchTemplateName: "nope", defaultVersion: "1" }),
      "InvalidLaunchTemplateName.NotFoundException",
    ],
    [
      "a default version that does not exist",
      (h, id) => h.modifyLaunchTemplate({ launchTemplateId: id, defaultVersion: "7" }),
      "InvalidLaunchTemplateId.VersionNotFound",
    ],
    [
      "a source version that does not exist",
      (h, id) => h.createLaunchTemplateVersion({ launchTemplateId: id, sourceVersion: "9", launchTemplateData: {} }),
      "InvalidLaunchTemplateId.VersionNotFound",
    ],
    [
      "a launch of a version that does not exist",
      (h, id) => h.runInstances({ launchTemplate: { launchTemplateId: id, version: "2" } }),
      "InvalidLaunchTemplateId.VersionNotFound",
    ],
    [
      "a launch of a template that does not exist",
      (h) => h.runInstances({ launchTemplate: { launchTemplateName: "nope" } }),
      "InvalidLaunchTemplateName.NotFoundException",
    ],
    [
      "both id and name",
      (h, id) => h.deleteLaunchTemplate({ launchTemplateId: id, launchTemplateName: "web-server" }),
      "InvalidParameterCombination",
    ],
    ["neither id nor name", (h) => h.deleteLaunchTemplate({}), "MissingParameter"],
    [
      "a version that is no version",
      (h, id) => h.modifyLaunchTemplate({ launchTemplateId: id, defaultVersion: "latest" }),
      "InvalidParameterValue",
    ],
    [
      "an instance type not offered",
      (h) => h.createLaunchTemplate({ launchTemplateName: "huge", launchTemplateData: { instanceType: "x9.huge" } }),
      "InvalidParameterValue",
    ],
    [
      "a parameter templates do not have",
      (h) => h.createLaunchTemplate({ launchTemplateName: "odd", launchTemplateData: { count: 2 } as never }),
      "InvalidParameterValue",
    ],
    [
      "volume tags",
      (h) =>
        h.createLaunchTemplate({
          launchTemplateName: "vols",
          launchTemplateData: { tagSpecifications: [{ resourceType: "volume" as never, tags: [] }] },
        }),
      "InvalidParameterValue",
    ],
    [
      "user data over 16 KiB",
      (h) => h.createLaunchTemplate({ launchTemplateName: "big", launchTemplateData: { userData: "x".repeat(16 * 1024 + 1) } }),
      "InvalidParameterValue",
    ],
  ];

  it.each(cases)("%s", async (_what, call, code) => {
    const { hypervisor } = await open();
    const { launchTemplateId } = await hypervisor.createLaunchTemplate(WEB);
    const before = state(hypervisor);
    await expect(call(hypervisor, launchTemplateId)).rejects.toMatchObject({ code });
    expect(state(hypervisor)).toEqual(before);
  });

  it("describes with EC2's not-found errors", async () => {
    const { hypervisor } = await open();
    expect(() => hypervisor.describeLaunchTemplates({ launchTemplateIds: [missingId] })).toThrow(
      expect.objectContaining({ code: "InvalidLaunchTemplateId.NotFound" }),
    );
    expect(() => hypervisor.describeLaunchTemplates({ launchTemplateNames: ["nope"] })).toThrow(
      expect.objectContaining({ code: "InvalidLaunchTemplateName.NotFoundException" }),
    );
    const { launchTemplateId } = await hypervisor.createLaunchTemplate(WEB);
    expect(() => hypervisor.describeLaunchTemplateVersions({ launchTemplateId, versions: ["2"] })).toThrow(
      expect.objectContaining({ code: "InvalidLaunchTemplateId.VersionNotFound" }),
    );
  });
});

describe("deleteLaunchTemplate", () => {
  it("deletes the template and its versions; its instances go on, and its name is free again", async () => {
    const fleet = await open();
    const { hypervisor } = fleet;
    const { launchTemplateId } = await hypervisor.createLaunchTemplate(WEB);
    await hypervisor.createLaunchTemplateVersion({ launchTemplateId, launchTemplateData: {} });
    const instance = await launchRunning(fleet, { launchTemplate: { launchTemplateId } });
    const deleted = await hypervisor.deleteLaunchTemplate({ launchTemplateName: "web-server" });
    expect(deleted).toMatchObject({ launchTemplateId, latestVersionNumber: 2 });
    expect(hypervisor.describeLaunchTemplates()).toEqual([]);
    expect(() => hypervisor.describeLaunchTemplateVersions({ launchTemplateId })).toThrow(
      expect.objectContaining({ code: "InvalidLaunchTemplateId.NotFound" }),
    );
    expect(hypervisor.describeInstances({ instanceIds: [instance.instanceId] })[0]?.state.name).toBe("running");
    const again = await hypervisor.createLaunchTemplate(WEB);
    expect(again.launchTemplateId).not.toBe(launchTemplateId);
  });
});

describe("persistence", () => {
  it("keeps templates, their versions and defaults across a reload; a deleted one stays deleted", async () => {
    const name = `templates-${Math.random()}`;
    const first = await open(name);
    const web = await first.hypervisor.createLaunchTemplate(WEB);
    await first.hypervisor.createLaunchTemplateVersion({
      launchTemplateId: web.launchTemplateId,
      sourceVersion: "$Latest",
      launchTemplateData: { instanceType: "t3.small", securityGroupIds: [], metadataOptions: { httpTokens: "required" } },
    });
    await first.hypervisor.modifyLaunchTemplate({ launchTemplateId: web.launchTemplateId, defaultVersion: "2" });
    const gone = await first.hypervisor.createLaunchTemplate({ launchTemplateName: "gone", launchTemplateData: {} });
    await first.hypervisor.deleteLaunchTemplate({ launchTemplateId: gone.launchTemplateId });
    const before = state(first.hypervisor);
    await first.hypervisor.shutdownAll();

    const second = await open(name);
    expect(state(second.hypervisor)).toEqual(before);
    const [instance] = await second.hypervisor.runInstances({ launchTemplate: { launchTemplateName: "web-server" } });
    expect(instance?.instanceType).toBe("t3.small");
  });
});

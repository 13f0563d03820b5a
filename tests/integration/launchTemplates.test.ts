/**
 * A launch template on a real instance: launched from the template with overrides, the guest
 * has the overriding type's memory, ran the template's user data, sits in the template's subnet
 * and security group with the template's tags merged with the request's, and a poweroff inside
 * follows the template's shutdown behaviour.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

describe("an instance launched from a launch template with overrides", () => {
  let hypervisor: Hypervisor;
  let instance: Instance;
  let subnetId: string;
  let groupId: string;
  let templateId: string;

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor();
    const subnet = hypervisor.describeSubnets().find((candidate) => candidate.availabilityZone === "us-east-1b");
    subnetId = subnet?.subnetId ?? "";
    ({ groupId } = await hypervisor.createSecurityGroup({ groupName: "from-template", description: "the template group" }));
    const template = await hypervisor.createLaunchTemplate({
      launchTemplateName: "web-server",
      launchTemplateData: {
        instanceType: "t3.micro",
        subnetId,
        securityGroupIds: [groupId],
        userData: "#!/bin/sh\necho made-by-the-template > /root/template.txt\n",
        instanceInitiatedShutdownBehavior: "terminate",
        tagSpecifications: [
          {
            resourceType: "instance",
            tags: [
              { key: "Name", value: "web" },
              { key: "team", value: "blue" },
            ],
          },
        ],
      },
    });
    templateId = template.launchTemplateId;
    const [launched] = (await hypervisor.runInstances({
      launchTemplate: { launchTemplateId: template.launchTemplateId, version: "$Latest" },
      instanceType: "t3.small",
      tags: [{ key: "Name", value: "web-override" }],
    })) as [Instance];
    instance = await waitForInstance(hypervisor, launched.instanceId, agentReady);
  });
  afterAll(() => hypervisor.shutdownAll());

  it("describes what the template and the overrides say", () => {
    expect(instance).toMatchObject({ instanceType: "t3.small", memoryMib: 256, subnetId, instanceInitiatedShutdownBehavior: "terminate" });
    expect(instance.securityGroups.map((group) => group.groupId)).toEqual([groupId]);
    expect(instance.tags).toEqual([
      { key: "team", value: "blue" },
      { key: "Name", value: "web-override" },
      { key: "aws:ec2launchtemplate:id", value: templateId },
      { key: "aws:ec2launchtemplate:version", value: "1" },
    ]);
  });

  it("boots a guest with the overriding type's memory that ran the template's user data", async () => {
    const memTotalKib = Number(
      /MemTotal:\s+(\d+)/.exec((await hypervisor.runCommand(instance.instanceId, "cat /proc/meminfo")).stdout)?.[1],
    );
    // t3.small's 256 MiB less what the kernel keeps; t3.micro's 128 MiB could not give this much.
    expect(memTotalKib).toBeGreaterThan(200 * 1024);
    expect((await hypervisor.runCommand(instance.instanceId, "cat /root/template.txt")).stdout).toBe("made-by-the-template\n");
  });

  it("terminates on a poweroff inside, as the template's shutdown behaviour says", async () => {
    const console = new ConsoleReader(hypervisor, instance.instanceId);
    await hypervisor.sendConsoleInput(instance.instanceId, "\n");
    await console.waitFor(PROMPT, 30_000);
    await hypervisor.sendConsoleInput(instance.instanceId, "poweroff\n");
    const ended = await waitForInstance(hypervisor, instance.instanceId, (i) => i.state.name === "terminated");
    expect(ended.stateReason?.code).toBe("Client.InstanceInitiatedShutdown");
    console.dispose();
  });
});

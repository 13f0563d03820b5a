/**
 * Plays a step's machine-readable solution (its actions) through the hypervisor's API: what the
 * integration test does to prove every lab can be completed, and what a player may offer as
 * "do this step for me". Every action is an EC2-shaped call or a command in the guest.
 */
import type { Hypervisor, Instance, IpPermissionRequest } from "../hypervisor/index.ts";
import type { LabHost } from "./checker.ts";
import { GUEST_ENVIRONMENT } from "./guestScript.ts";
import { targetInstance, type LabContext } from "./instances.ts";
import type { Action, Lab } from "./parse.ts";
import { fillPlaceholders } from "./placeholders.ts";

export type LabActionHost = LabHost &
  Pick<
    Hypervisor,
    | "startInstances"
    | "stopInstances"
    | "rebootInstances"
    | "terminateInstances"
    | "modifyInstanceAttribute"
    | "createVolume"
    | "attachVolume"
    | "detachVolume"
    | "setHostCapacity"
    | "describeImages"
    | "describeVpcs"
    | "createSecurityGroup"
    | "authorizeSecurityGroupIngress"
    | "revokeSecurityGroupIngress"
    | "createLaunchTemplate"
    | "createLaunchTemplateVersion"
    | "modifyLaunchTemplate"
  >;

export interface PlayOptions {
  /** How long a launch, start or waitFor may take to reach its state (default 120 s). */
  readonly waitTimeoutMs?: number;
  /** Called before each action, e.g. to log progress. */
  readonly onAction?: (action: Action, index: number) => void;
}

/** Thrown when an action cannot be carried out: names the lab, the action and what went wrong. */
class LabActionError extends Error {
  override readonly name = "LabActionError";
}

const POLL_MS = 200;

export async function playActions(
  host: LabActionHost,
  lab: Lab,
  actions: readonly Action[],
  context: LabContext = {},
  options: PlayOptions = {},
): Promise<void> {
  for (const [index, action] of actions.entries()) {
    options.onAction?.(action, index);
    try {
      await play(host, lab, action, context, options.waitTimeoutMs ?? 120_000);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new LabActionError(`${lab.source}: action ${index} (${action.action}) failed: ${reason}`);
    }
  }
}

async function play(host: LabActionHost, lab: Lab, action: Action, context: LabContext, timeoutMs: number): Promise<void> {
  const target = (name: string | undefined): Instance => {
    const { instance, who } = targetInstance(host, lab, context, name);
    if (!instance) throw new Error(`${who} does not exist`);
    return instance;
  };
  const ready = (instance: Instance) =>
    instance.state.name === "running" && instance.statusChecks.system === "ok" && instance.statusChecks.instance === "ok";
  switch (action.action) {
    case "run": {
      const instance = target(action.instance);
      const command = fillPlaceholders(action.command, (name) => targetInstance(host, lab, context, name));
      if (!command.ok) throw new Error(command.message);
      const result = await host.runCommand(instance.instanceId, `${GUEST_ENVIRONMENT}\ncd /root\n${command.text}`, {
        timeoutMs: action.timeoutMs ?? 60_000,
      });
      const expected = action.exitCode ?? 0;
      if (result.exitCode !== expected)
        throw new Error(`\`${action.command}\` exited with ${result.exitCode}, not ${expected}: ${result.stderr || result.stdout}`);
      return;
    }
    case "launch": {
      const images = lab.image === "default" ? [] : await host.describeImages();
      const image = images.find((candidate) => candidate.name === lab.image);
      const [instance] = await host.runInstances({
        ...(image ? { imageId: image.imageId } : {}),
        instanceType: action.instanceType ?? lab.instanceType,
        tags: [{ key: "Name", value: action.name }],
        ...(action.hibernation ? { hibernationOptions: { configured: true } } : {}),
        ...(action.associatePublicIpAddress !== undefined ? { associatePublicIpAddress: action.associatePublicIpAddress } : {}),
        ...(action.securityGroups ? { securityGroupIds: action.securityGroups.map((name) => defaultVpcGroupId(host, name)) } : {}),
      });
      if (instance && action.wait !== false)
        await waitUntil(host, instance.instanceId, ready, "running with both status checks passed", timeoutMs);
      return;
    }
    case "waitFor": {
      const instance = target(action.instance);
      const want = (i: Instance) =>
        (action.state === undefined || i.state.name === action.state) &&
        (action.statusChecks === undefined || (i.statusChecks.system === "ok" && i.statusChecks.instance === "ok"));
      await waitUntil(
        host,
        instance.instanceId,
        want,
        [action.state, action.statusChecks && "status checks ok"].filter(Boolean).join(", "),
        action.timeoutMs ?? timeoutMs,
      );
      return;
    }
    case "stop": {
      const instance = target(action.instance);
      await host.stopInstances([instance.instanceId], { hibernate: action.hibernate ?? false, force: action.force ?? false });
      await waitUntil(host, instance.instanceId, (i) => i.state.name === "stopped", "stopped", timeoutMs);
      return;
    }
    case "start": {
      const instance = target(action.instance);
      await host.startInstances([instance.instanceId]);
      if (action.wait !== false) await waitUntil(host, instance.instanceId, ready, "running with both status checks passed", timeoutMs);
      return;
    }
    case "reboot": {
      const instance = target(action.instance);
      await host.rebootInstances([instance.instanceId]);
      if (action.wait !== false) await waitUntil(host, instance.instanceId, ready, "running with both status checks passed", timeoutMs);
      return;
    }
    case "terminate": {
      const instance = target(action.instance);
      await host.terminateInstances([instance.instanceId]);
      await waitUntil(host, instance.instanceId, (i) => i.state.name === "terminated", "terminated", timeoutMs);
      return;
    }
    case "modifyInstanceType":
      await host.modifyInstanceAttribute(target(action.instance).instanceId, { instanceType: action.instanceType });
      return;
    case "createVolume":
      await host.createVolume({ sizeMib: action.sizeMib, tags: [{ key: "Name", value: action.name }] });
      return;
    case "attachVolume": {
      const volume = host
        .describeVolumes()
        .find(
          (candidate) => candidate.state === "available" && candidate.tags.some((tag) => tag.key === "Name" && tag.value === action.volume),
        );
      if (!volume) throw new Error(`no available volume is named ${action.volume}`);
      await host.attachVolume(volume.volumeId, target(action.instance).instanceId);
      return;
    }
    case "detachVolume": {
      const volume = host
        .describeVolumes()
        .find(
          (candidate) => candidate.state === "in-use" && candidate.tags.some((tag) => tag.key === "Name" && tag.value === action.volume),
        );
      if (!volume) throw new Error(`no attached volume is named ${action.volume}`);
      await host.detachVolume(volume.volumeId);
      return;
    }
    case "setHostCapacity":
      await host.setHostCapacity({ memoryBudgetMib: action.memoryBudgetMib });
      return;
    case "createSecurityGroup":
      await host.createSecurityGroup({
        groupName: action.name,
        description: action.description ?? `${action.name}, made by the lab ${lab.id}`,
      });
      return;
    case "authorizeIngress":
    case "revokeIngress": {
      const [group] = target(action.instance).securityGroups;
      if (!group) throw new Error(`${targetInstance(host, lab, context, action.instance).who} has no security group`);
      const source = action.sourceInstance === undefined ? undefined : target(action.sourceInstance).securityGroups[0];
      if (action.sourceInstance !== undefined && !source) throw new Error(`${action.sourceInstance} has no security group`);
      const permission: IpPermissionRequest = {
        ipProtocol: action.protocol ?? "tcp",
        fromPort: action.port,
        toPort: action.port,
        ...(action.cidr !== undefined ? { ipRanges: [{ cidrIp: action.cidr }] } : {}),
        ...(source ? { userIdGroupPairs: [{ groupId: source.groupId }] } : {}),
      };
      if (action.action === "authorizeIngress") await host.authorizeSecurityGroupIngress(group.groupId, { ipPermissions: [permission] });
      else await host.revokeSecurityGroupIngress(group.groupId, { ipPermissions: [permission] });
      return;
    }
    case "createLaunchTemplate": {
      const image = lab.image === "default" ? undefined : (await host.describeImages()).find((candidate) => candidate.name === lab.image);
      await host.createLaunchTemplate({
        launchTemplateName: action.name,
        launchTemplateData: {
          ...(image ? { imageId: image.imageId } : {}),
          instanceType: action.instanceType,
          tagSpecifications: [{ resourceType: "instance", tags: [{ key: "Name", value: action.instanceName }] }],
        },
      });
      return;
    }
    case "createLaunchTemplateVersion":
      await host.createLaunchTemplateVersion({
        launchTemplateName: action.template,
        sourceVersion: "$Latest",
        launchTemplateData: { instanceType: action.instanceType },
      });
      return;
    case "setDefaultTemplateVersion":
      await host.modifyLaunchTemplate({ launchTemplateName: action.template, defaultVersion: String(action.version) });
      return;
    case "launchFromTemplate": {
      const launched = await host.runInstances({ launchTemplate: { launchTemplateName: action.template }, count: action.count ?? 1 });
      if (action.wait === false) return;
      for (const instance of launched)
        await waitUntil(host, instance.instanceId, ready, "running with both status checks passed", timeoutMs);
      return;
    }
    case "wait":
      await sleep(action.ms);
      return;
  }
}

/** The id of the default VPC's security group with this name, as the launch form's "Select existing security group" picks it. */
function defaultVpcGroupId(host: LabActionHost, name: string): string {
  const vpc = host.describeVpcs().find((candidate) => candidate.isDefault);
  const group = host.describeSecurityGroups().find((candidate) => candidate.groupName === name && candidate.vpcId === vpc?.vpcId);
  if (!group) throw new Error(`the default VPC has no security group named ${name}`);
  return group.groupId;
}

async function waitUntil(
  host: LabHost,
  instanceId: string,
  predicate: (instance: Instance) => boolean,
  what: string,
  timeoutMs: number,
): Promise<Instance> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [instance] = host.describeInstances({ instanceIds: [instanceId] });
    if (instance && predicate(instance)) return instance;
    if (Date.now() > deadline)
      throw new Error(`${instanceId} was not ${what} within ${timeoutMs} ms (it is ${instance?.state.name ?? "gone"})`);
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

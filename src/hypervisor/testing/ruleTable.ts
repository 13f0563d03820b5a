/**
 * The lifecycle table against the hypervisor: every state an instance can be brought to with fake
 * workers, every action the table rules on, and the check of one cell. The console shows
 * unavailableBecause(action, instance); the hypervisor must act exactly when that is null, refuse
 * with exactly its message and decide's code when it is a refusal, and change nothing when it
 * says "already".
 */
import { expect } from "vitest";
import { Ec2Error } from "../../shared/errors.ts";
import type { Instance } from "../instances/instance.ts";
import { decide, unavailableBecause, type InstanceFacts, type LifecycleAction } from "../instances/lifecycle.ts";
import {
  agentOk,
  describeOne,
  EBS_IMAGE_ID,
  INSTANCE_STORE_IMAGE_ID,
  isState,
  launch,
  launchRunning,
  stopped,
  volumeAt,
  waitForInstance,
  type FakeFleet,
} from "./fakeFleet.ts";
import type { GatedCall, WorkerMethod } from "./fakeWorkerHost.ts";
import type { RunInstancesRequest } from "../requests/instances.ts";

type Root = Instance["rootDeviceType"];

/** An instance brought to a state for one cell. */
interface Subject {
  readonly instanceId: string;
  /** The volume attached at /dev/sdb on the way, when the cell needs one and the state allows it. */
  readonly dataVolumeId: string | null;
}

export interface TableState {
  readonly label: string;
  readonly root: Root;
  /** What describeInstances shows in this state: what the table decides on. */
  readonly facts: Omit<InstanceFacts, "instanceId">;
  /** Whether a data volume can be attached on the way to this state (attaching needs a stop). */
  readonly canHaveDataVolume: boolean;
  produce(fleet: FakeFleet, dataVolume: boolean): Promise<Subject>;
}

const OK = { system: "ok", instance: "ok" } as const;
const BOOTING = { system: "ok", instance: "initializing" } as const;
const INITIALIZING = { system: "initializing", instance: "initializing" } as const;
const NOT_APPLICABLE = { system: "not-applicable", instance: "not-applicable" } as const;

function facts(
  state: Instance["state"]["name"],
  statusChecks: Instance["statusChecks"],
  root: Root,
  more: { hibernated?: boolean; protectedFromTermination?: boolean; hibernation?: boolean } = {},
): TableState["facts"] {
  return {
    state: { name: state, code: 0 },
    statusChecks,
    rootDeviceType: root,
    hibernated: more.hibernated ?? false,
    // EBS-backed instances are launched with hibernation enabled, unless the state says otherwise.
    hibernationOptions: { configured: more.hibernation ?? root === "ebs" },
    disableApiTermination: more.protectedFromTermination ?? false,
  };
}

/** Calls held at a gate while a cell runs; they end when the gates open after it. */
const held: Promise<unknown>[] = [];

async function heldAt(fleet: FakeFleet, gate: GatedCall, call: () => Promise<unknown>): Promise<void> {
  const reached = fleet.host.hold(gate).reached;
  held.push(call().catch(() => undefined));
  await reached;
}

/** The launch request of a table instance: EBS-backed ones with hibernation enabled unless told not to. */
function launchRequest(root: Root, more: { protect?: boolean; hibernation?: boolean } = {}): RunInstancesRequest {
  if (root === "instance-store") return { imageId: INSTANCE_STORE_IMAGE_ID, disableApiTermination: more.protect ?? false };
  return {
    imageId: EBS_IMAGE_ID,
    disableApiTermination: more.protect ?? false,
    hibernationOptions: { configured: more.hibernation ?? true },
  };
}

/** Running with its agent ready (or still booting), having been stopped for a data volume when asked. */
async function running(
  fleet: FakeFleet,
  root: Root,
  dataVolume: boolean,
  options: { protect?: boolean; agent?: "ready" | "booting"; hibernation?: boolean } = {},
) {
  const agent = options.agent ?? "ready";
  if (!dataVolume) {
    const { instanceId } = await launchRunning(fleet, launchRequest(root, options), agent);
    return { instanceId, dataVolumeId: null };
  }
  const subject = await stoppedWithVolume(fleet, options.protect ?? false, options.hibernation ?? true);
  await fleet.hypervisor.startInstances([subject.instanceId]);
  await waitForInstance(fleet.hypervisor, subject.instanceId, isState("running"));
  if (agent === "ready") {
    fleet.host.workerOf(subject.instanceId).agentReady();
    await waitForInstance(fleet.hypervisor, subject.instanceId, agentOk);
  }
  return subject;
}

async function stoppedWithVolume(fleet: FakeFleet, protect: boolean, hibernation = true): Promise<Subject> {
  const { instanceId } = await launchRunning(fleet, launchRequest("ebs", { protect, hibernation }));
  await stopped(fleet, instanceId);
  const volume = await fleet.hypervisor.createVolume({ sizeMib: 1 });
  await fleet.hypervisor.attachVolume(volume.volumeId, instanceId);
  return { instanceId, dataVolumeId: volume.volumeId };
}

function statesFor(root: Root): TableState[] {
  const ebs = root === "ebs";
  const state = (label: string, stateFacts: TableState["facts"], produce: TableState["produce"], canHaveDataVolume = ebs): TableState => ({
    label,
    root,
    facts: stateFacts,
    canHaveDataVolume,
    produce,
  });
  const all: TableState[] = [
    state(
      "pending, launching",
      facts("pending", INITIALIZING, root),
      async (fleet) => {
        let instanceId = "";
        await heldAt(fleet, "boot", async () => (instanceId = (await launch(fleet, launchRequest(root))).instanceId));
        return { instanceId, dataVolumeId: null };
      },
      false,
    ),
    state("running, agent ok", facts("running", OK, root), (fleet, data) => running(fleet, root, data)),
    state("running, still booting", facts("running", BOOTING, root), (fleet, data) => running(fleet, root, data, { agent: "booting" })),
    state(
      "running, impaired (emulator lost)",
      facts("running", { system: "impaired", instance: "impaired" }, root),
      async (fleet, data) => {
        const subject = await running(fleet, root, data);
        fleet.host.workerOf(subject.instanceId).crash("out of memory");
        await waitForInstance(fleet.hypervisor, subject.instanceId, (i) => i.statusChecks.system === "impaired");
        return subject;
      },
    ),
    state("running, impaired (agent silent)", facts("running", { system: "ok", instance: "impaired" }, root), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      fleet.host.workerOf(subject.instanceId).script.ping = () => ({
        ok: false,
        error: { code: "GuestAgentTimeout", message: "no answer" },
      });
      // The sampler asks every running agent every tenth sample.
      await waitForInstance(fleet.hypervisor, subject.instanceId, (i) => i.statusChecks.instance === "impaired");
      return subject;
    }),
    state("running, rebooting (between emulators)", facts("running", BOOTING, root), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      // The guest rebooted: a fresh emulator is taken (its boot held here) and the stopped one let go.
      const old = fleet.host.workerOf(subject.instanceId);
      await heldAt(fleet, "boot", async () => old.guestReboot());
      return subject;
    }),
    state("shutting-down", facts("shutting-down", OK, root), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      await heldAt(fleet, "terminate", () => fleet.hypervisor.terminateInstances([subject.instanceId]));
      return subject;
    }),
    state("terminated", facts("terminated", NOT_APPLICABLE, root), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      await fleet.hypervisor.terminateInstances([subject.instanceId]);
      return subject;
    }),
  ];
  if (!ebs) return all;
  return [
    ...all,
    state("pending, starting", facts("pending", INITIALIZING, root), async (fleet, data) => {
      const subject = data
        ? await stoppedWithVolume(fleet, false)
        : { instanceId: (await launchRunning(fleet, launchRequest(root))).instanceId, dataVolumeId: null };
      if (!data) await stopped(fleet, subject.instanceId);
      await heldAt(fleet, "boot", () => fleet.hypervisor.startInstances([subject.instanceId]));
      return subject;
    }),
    state("stopping", facts("stopping", OK, root), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      await heldAt(fleet, "powerOff", () => fleet.hypervisor.stopInstances([subject.instanceId]));
      return subject;
    }),
    state("stopping, hibernating", facts("stopping", OK, root), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      await heldAt(fleet, "hibernate", () => fleet.hypervisor.stopInstances([subject.instanceId], { hibernate: true }));
      return subject;
    }),
    state("stopped", facts("stopped", NOT_APPLICABLE, root), async (fleet, data) => {
      if (data) return stoppedWithVolume(fleet, false);
      const { instanceId } = await launchRunning(fleet, launchRequest(root));
      await stopped(fleet, instanceId);
      return { instanceId, dataVolumeId: null };
    }),
    state("stopped, hibernated", facts("stopped", NOT_APPLICABLE, root, { hibernated: true }), async (fleet, data) => {
      const subject = await running(fleet, root, data);
      await stopped(fleet, subject.instanceId, { hibernate: true });
      return subject;
    }),
    state("running, launched without hibernation", facts("running", OK, root, { hibernation: false }), (fleet, data) =>
      running(fleet, root, data, { hibernation: false }),
    ),
    state("running, protected from termination", facts("running", OK, root, { protectedFromTermination: true }), (fleet, data) =>
      running(fleet, root, data, { protect: true }),
    ),
    state(
      "stopped, protected from termination",
      facts("stopped", NOT_APPLICABLE, root, { protectedFromTermination: true }),
      async (fleet, data) => {
        if (data) return stoppedWithVolume(fleet, true);
        const { instanceId } = await launchRunning(fleet, launchRequest(root, { protect: true }));
        await stopped(fleet, instanceId);
        return { instanceId, dataVolumeId: null };
      },
    ),
  ];
}

export const EBS_STATES = statesFor("ebs");
export const INSTANCE_STORE_STATES = statesFor("instance-store");

export interface TableAction {
  readonly action: LifecycleAction;
  /** The rule the hypervisor answers with, when the console asks another row (a lab check runs a command). */
  readonly answeredBy?: LifecycleAction;
  /** Why there is nothing to call the action on in this state, or null. */
  nothingToActOn?(state: TableState): string | null;
  /** Proves, in the instance as it now is, that there is nothing to act on. */
  confirmNothing?(fleet: FakeFleet, subject: Subject, state: TableState): Promise<void>;
  /** Whatever the call needs made first (a volume to attach), outside what the call may change. */
  prepare?(fleet: FakeFleet, subject: Subject): Promise<string>;
  call(fleet: FakeFleet, subject: Subject, prepared: string): Promise<unknown>;
  /** What a call that went ahead did. */
  proceeded(fleet: FakeFleet, subject: Subject, result: unknown, before: Instance): void;
}

const stateNow = (fleet: FakeFleet, subject: Subject) => describeOne(fleet.hypervisor, subject.instanceId);
const oneOf = (fleet: FakeFleet, subject: Subject, states: Instance["state"]["name"][]) =>
  expect(states).toContain(stateNow(fleet, subject).state.name);
let images = 0;

export const ACTIONS: readonly TableAction[] = [
  {
    action: "start",
    call: (fleet, s) => fleet.hypervisor.startInstances([s.instanceId]),
    proceeded: (fleet, s) => oneOf(fleet, s, ["pending", "running"]),
  },
  {
    action: "stop",
    call: (fleet, s) => fleet.hypervisor.stopInstances([s.instanceId]),
    proceeded: (fleet, s) => oneOf(fleet, s, ["stopping", "stopped"]),
  },
  {
    action: "forceStop",
    call: (fleet, s) => fleet.hypervisor.stopInstances([s.instanceId], { force: true }),
    // A force stop does not wait for the guest: the call ends with the instance stopped.
    proceeded: (fleet, s) => expect(stateNow(fleet, s).state.name).toBe("stopped"),
  },
  {
    action: "hibernate",
    call: (fleet, s) => fleet.hypervisor.stopInstances([s.instanceId], { hibernate: true }),
    proceeded: (fleet, s) => oneOf(fleet, s, ["stopping", "stopped"]),
  },
  {
    action: "reboot",
    call: (fleet, s) => fleet.hypervisor.rebootInstances([s.instanceId]),
    proceeded: (fleet, s) => expect(stateNow(fleet, s).statusChecks.instance).toBe("initializing"),
  },
  {
    action: "terminate",
    call: (fleet, s) => fleet.hypervisor.terminateInstances([s.instanceId]),
    proceeded: (fleet, s) => oneOf(fleet, s, ["shutting-down", "terminated"]),
  },
  {
    action: "modifyInstanceType",
    call: (fleet, s) =>
      fleet.hypervisor.modifyInstanceAttribute(s.instanceId, {
        instanceType: stateNow(fleet, s).instanceType === "t3.small" ? "t3.micro" : "t3.small",
      }),
    proceeded: (fleet, s, _, before) => expect(stateNow(fleet, s).instanceType).not.toBe(before.instanceType),
  },
  {
    action: "modifyInstanceAttribute",
    call: (fleet, s) =>
      fleet.hypervisor.modifyInstanceAttribute(s.instanceId, { disableApiTermination: !stateNow(fleet, s).disableApiTermination }),
    proceeded: (fleet, s, _, before) => expect(stateNow(fleet, s).disableApiTermination).toBe(!before.disableApiTermination),
  },
  {
    action: "attachVolume",
    prepare: async (fleet) => (await fleet.hypervisor.createVolume({ sizeMib: 1 })).volumeId,
    call: (fleet, s, volumeId) => fleet.hypervisor.attachVolume(volumeId, s.instanceId),
    proceeded: (_, s, volume) => expect(volume).toMatchObject({ state: "in-use", attachments: [{ instanceId: s.instanceId }] }),
  },
  {
    action: "detachVolume",
    nothingToActOn: (state) =>
      !state.canHaveDataVolume
        ? "no volume can be attached on its way to this state"
        : state.facts.state.name === "terminated"
          ? "terminating detached its data volume"
          : null,
    confirmNothing: async (fleet, s, state) => {
      expect(volumeAt(fleet.hypervisor, s.instanceId, "/dev/sdb")).toBeUndefined();
      if (state.facts.state.name === "terminated" && s.dataVolumeId) {
        expect(fleet.hypervisor.describeVolumes({ volumeIds: [s.dataVolumeId] })[0]?.state).toBe("available");
        await expect(fleet.hypervisor.detachVolume(s.dataVolumeId)).rejects.toMatchObject({ code: "IncorrectState" });
      }
    },
    call: (fleet, s) => fleet.hypervisor.detachVolume(s.dataVolumeId ?? "vol-00000000000000000"),
    proceeded: (_, __, volume) => expect(volume).toMatchObject({ state: "available", attachments: [] }),
  },
  {
    action: "createImage",
    call: (fleet, s) => fleet.hypervisor.createImage(s.instanceId, { name: `rule table image ${++images}` }),
    proceeded: (_, __, image) =>
      expect(image).toMatchObject({ imageId: expect.stringMatching(/^ami-/), rootSnapshotId: expect.any(String) }),
  },
  {
    action: "createSnapshot",
    nothingToActOn: (state) =>
      state.root === "instance-store"
        ? "an instance-store root is not a volume"
        : state.facts.state.name === "terminated"
          ? "its root volume went with it (DeleteOnTermination)"
          : null,
    confirmNothing: async (fleet, s) => expect(volumeAt(fleet.hypervisor, s.instanceId, "/dev/sda")).toBeUndefined(),
    prepare: async (fleet, s) => volumeAt(fleet.hypervisor, s.instanceId, "/dev/sda")?.volumeId ?? "vol-00000000000000000",
    call: (fleet, _, volumeId) => fleet.hypervisor.createSnapshot(volumeId, "rule table"),
    proceeded: (fleet, s, snapshot) =>
      expect(snapshot).toMatchObject({ volumeId: volumeAt(fleet.hypervisor, s.instanceId, "/dev/sda")?.volumeId }),
  },
  {
    action: "runCommand",
    call: (fleet, s) => fleet.hypervisor.runCommand(s.instanceId, "true"),
    proceeded: (_, __, result) => expect(result).toMatchObject({ exitCode: 0 }),
  },
  {
    action: "labCheck",
    answeredBy: "runCommand",
    call: (fleet, s) => fleet.hypervisor.runCommand(s.instanceId, "test -f /root/done"),
    proceeded: (_, __, result) => expect(result).toMatchObject({ exitCode: 0 }),
  },
  {
    action: "sendConsoleInput",
    call: (fleet, s) => fleet.hypervisor.sendConsoleInput(s.instanceId, "ls\n"),
    proceeded: (fleet, s) => expect(fleet.host.workerOf(s.instanceId).callsOf("sendConsoleInput")).toHaveLength(1),
  },
];

/**
 * Cells where the hypervisor and the console disagree today, by "state label / action", with what
 * goes wrong. They run as expected failures, so each turns red once the disagreement is gone.
 */
const KNOWN_DISAGREEMENTS: Readonly<Record<string, string>> = {};

export function knownDisagreement(row: TableAction, state: TableState): string | undefined {
  return KNOWN_DISAGREEMENTS[`${state.label} / ${row.action}`];
}

/** The cell's expected answer, from the table alone, for its name. */
export function expectedAnswer(row: TableAction, state: TableState): string {
  const nothing = row.nothingToActOn?.(state);
  if (nothing) return `nothing to act on: ${nothing}`;
  const decision = decide(row.action, { ...state.facts, instanceId: "i-00000000000000000" });
  return decision.kind === "refuse" ? `refused (${decision.code})` : decision.kind;
}

/** Calls that act on an instance's emulator: a refusal or a no-op makes none of them. */
const ACTING_CALLS: readonly WorkerMethod[] = [
  "boot",
  "powerOff",
  "hibernate",
  "reboot",
  "exec",
  "sendConsoleInput",
  "takeDirtyBlocks",
  "destroy",
];

/** Everything a refused or repeated call must leave as it was. */
async function world(fleet: FakeFleet, subject: Subject) {
  const workers = fleet.host.workersOf(subject.instanceId);
  return {
    instance: describeOne(fleet.hypervisor, subject.instanceId),
    volumes: fleet.hypervisor.describeVolumes(),
    snapshots: fleet.hypervisor.describeSnapshots(),
    images: (await fleet.hypervisor.describeImages()).map((image) => image.imageId),
    workers: workers.length,
    calls: workers.flatMap((worker) => worker.calls.filter((call) => ACTING_CALLS.includes(call.method)).map((call) => call.method)),
  };
}

export async function checkCell(fleet: FakeFleet, row: TableAction, state: TableState): Promise<void> {
  const subject = await state.produce(fleet, row.action === "detachVolume" && state.canHaveDataVolume);
  const before = describeOne(fleet.hypervisor, subject.instanceId);
  const { instanceId, ...seen } = before;
  expect({ ...seen, state: { ...seen.state, code: 0 } }).toMatchObject(state.facts);

  if (row.nothingToActOn?.(state)) return row.confirmNothing?.(fleet, subject, state);

  const decision = decide(row.action, before);
  const shown = unavailableBecause(row.action, before);
  const prepared = (await row.prepare?.(fleet, subject)) ?? "";
  const untouched = await world(fleet, subject);
  const call = row.call(fleet, subject, prepared);

  if (decision.kind === "refuse") {
    expect(shown).toBe(decision.message);
    // A lab check is answered by runCommand's rule: the same verdict and code, in its own words.
    const answer = row.answeredBy ? decide(row.answeredBy, before) : decision;
    expect(answer).toMatchObject({ kind: "refuse", code: decision.code });
    await expect(call).rejects.toThrow(Ec2Error);
    await expect(call).rejects.toMatchObject({ code: decision.code, message: answer.kind === "refuse" ? answer.message : "" });
    expect(await world(fleet, subject)).toEqual(untouched);
  } else if (decision.kind === "no-op") {
    expect(shown).toBe(`The instance is already ${before.state.name}.`);
    await call;
    expect(await world(fleet, subject)).toEqual(untouched);
  } else {
    expect(shown).toBeNull();
    if (row.answeredBy) expect(decide(row.answeredBy, before).kind).toBe("proceed");
    row.proceeded(fleet, subject, await call, before);
  }
  expect(instanceId).toBe(subject.instanceId);
}

/** After each cell: every gate opened, every held call ended, every instance terminated. */
export async function clearTable(fleet: FakeFleet): Promise<void> {
  fleet.host.dispose();
  await Promise.all(held.splice(0));
  for (const instance of fleet.hypervisor.describeInstances()) {
    if (instance.state.name === "terminated" || instance.state.name === "shutting-down") continue;
    if (instance.disableApiTermination)
      await fleet.hypervisor.modifyInstanceAttribute(instance.instanceId, { disableApiTermination: false }).catch(() => undefined);
    await fleet.hypervisor.terminateInstances([instance.instanceId]).catch(() => undefined);
  }
}

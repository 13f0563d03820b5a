/**
 * Every public method of the Hypervisor, found on its prototype so that a new one is fuzzed too,
 * called thousands of times over fake workers with valid-looking requests on instances and volumes
 * that exist, the same requests spoiled, and garbage; some calls race each other on the same
 * instances. Every call must settle with its outcome or an Ec2Error, a method that returns a
 * promise must not throw instead, a failed call must change no instance and no volume, and no
 * exception may escape, during the run or after it, when the listeners it registered are called.
 * Seeded: a failure names the call and its arguments, and is the same on every run.
 */
import fc from "fast-check";
import { isDeepStrictEqual, inspect } from "node:util";
import { expect, it, vi } from "vitest";
import { Ec2Error } from "../shared/errors.ts";
import { Hypervisor } from "./hypervisor.ts";
import { fakeFleet, launchRunning, stopped, type FakeFleet } from "./testing/fakeFleet.ts";
import { Ref, resolveArgs, type ResourceKind } from "./testing/fuzzValues.ts";
import { callOf, GENERATED_METHODS, raceOnOneInstance } from "./testing/publicCalls.ts";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20_261_130);
const CALLS_PER_METHOD = 60;
const MIN_CALLS = 2000;
/** Far longer than any call over fake workers takes: a call still pending then never settles. */
const SETTLE_MS = 5000;
/** What the guests of racing calls are slow at. */
const SLOW_CALLS = ["boot", "powerOff", "hibernate"] as const;
/** After this many steps, a race of calls on one instance. */
const RACE_EVERY = 8;
/** Made last, once: it ends the hypervisor. */
const LAST = "shutdownAll";

type Method = (...args: unknown[]) => unknown;
type Outcome =
  | { readonly kind: "returned" | "resolved"; readonly value: unknown }
  | { readonly kind: "threw" | "rejected"; readonly error: unknown }
  | { readonly kind: "pending" };

interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** The facade's methods, its network family's (vpcFacade.ts) included. */
const PUBLIC_METHODS = facadePrototypes().flatMap((prototype) =>
  Object.getOwnPropertyNames(prototype).filter(
    (name) => name !== "constructor" && typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === "function",
  ),
);

function facadePrototypes(): object[] {
  const prototypes: object[] = [];
  for (
    let prototype: unknown = Hypervisor.prototype;
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype)
  ) {
    prototypes.push(prototype);
  }
  return prototypes;
}

function show(call: Call): string {
  return `${call.method}(${call.args.map((arg) => inspect(arg, { depth: 3, maxStringLength: 80, maxArrayLength: 8, breakLength: Infinity })).join(", ")})`;
}

/** What the fuzz may change: instances, volumes and the network's resources as described. */
function snapshot(hypervisor: Hypervisor): unknown {
  return {
    instances: hypervisor.describeInstances(),
    volumes: hypervisor.describeVolumes(),
    vpcs: hypervisor.describeVpcs(),
    subnets: hypervisor.describeSubnets(),
    internetGateways: hypervisor.describeInternetGateways(),
    routeTables: hypervisor.describeRouteTables(),
    securityGroups: hypervisor.describeSecurityGroups(),
    networkInterfaces: hypervisor.describeNetworkInterfaces(),
    launchTemplates: hypervisor.describeLaunchTemplates().map((template) => ({
      template,
      versions: hypervisor.describeLaunchTemplateVersions({ launchTemplateId: template.launchTemplateId }),
    })),
  };
}

/** Lets the background work of the last calls (boots, saves, events) run, and makes booted guests' agents answer. */
async function quiesce(fleet: FakeFleet): Promise<void> {
  await settleBackground();
  // The run terminates instances as fast as it launches them: keep two running, so that calls find one.
  const running = fleet.hypervisor.describeInstances({ filters: [{ name: "instance-state-name", values: ["running", "pending"] }] });
  if (running.length < 2) await fleet.hypervisor.runInstances({ hibernationOptions: { configured: true } }).catch(() => undefined);
  await settleBackground();
  for (const instance of fleet.hypervisor.describeInstances()) {
    if (instance.state.name !== "running" || instance.statusChecks.instance !== "initializing") continue;
    const worker = fleet.host.workersOf(instance.instanceId).findLast((candidate) => candidate.channel && !candidate.terminated);
    worker?.agentReady();
  }
  await settleBackground();
}

async function settleBackground(): Promise<void> {
  for (let round = 0; round < 8; round++) await new Promise((resolve) => setImmediate(resolve));
}

/** The calls, seeded: CALLS_PER_METHOD of each method but the last, in a seeded order. */
function planCalls(): Call[] {
  const calls = PUBLIC_METHODS.filter((method) => method !== LAST).flatMap((method, i) =>
    fc.sample(callOf(method), { seed: SEED + i, numRuns: CALLS_PER_METHOD }).map((args) => ({ method, args })),
  );
  const [keys = []] = fc.sample(fc.array(fc.double(), { minLength: calls.length, maxLength: calls.length }), { seed: SEED, numRuns: 1 });
  return calls
    .map((call, i) => ({ call, key: keys[i] ?? 0 }))
    .sort((a, b) => a.key - b.key)
    .map(({ call }) => call);
}

/** How many calls run at once at each step: mostly one, sometimes a few racing each other. */
function planGroups(total: number): number[] {
  const sizes = fc.sample(fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) }), {
    seed: SEED + 1,
    numRuns: total,
  });
  const groups: number[] = [];
  let planned = 0;
  for (const size of sizes) {
    if (planned >= total) break;
    groups.push(Math.min(size, total - planned));
    planned += size;
  }
  return groups;
}

const ID_PREFIXES: Readonly<Record<ResourceKind, string>> = {
  instance: "i",
  live: "i",
  volume: "vol",
  snapshot: "snap",
  image: "ami",
  vpc: "vpc",
  subnet: "subnet",
  internetGateway: "igw",
  routeTable: "rtb",
  association: "rtbassoc",
  securityGroup: "sg",
  securityGroupRule: "sgr",
  networkInterface: "eni",
  launchTemplate: "lt",
};

class Run {
  readonly failures: string[] = [];
  /** Methods that return a promise: declared async, or seen returning one. */
  readonly promiseMethods = new Set<string>(
    PUBLIC_METHODS.filter((name) => (Reflect.get(Hypervisor.prototype, name) as Method).constructor.name === "AsyncFunction"),
  );
  readonly syncThrows: { readonly call: Call; readonly error: unknown }[] = [];
  readonly calledMethods = new Set<string>();
  callCount = 0;
  /** Methods that got past their request's checks at least once: answered, or refused by the module that owns the resource. */
  readonly reached = new Set<string>();
  readonly #fleet: FakeFleet;
  #images: string[] = [];

  constructor(fleet: FakeFleet) {
    this.#fleet = fleet;
  }

  /** Ids of what exists now, for the references in the planned arguments. */
  async refresh(): Promise<void> {
    this.#images = (await this.#fleet.hypervisor.describeImages()).map((image) => image.imageId);
  }

  resolve(call: Call): Call {
    const hypervisor = this.#fleet.hypervisor;
    const lists: Record<ResourceKind, () => string[]> = {
      instance: () => hypervisor.describeInstances().map((instance) => instance.instanceId),
      live: () =>
        hypervisor
          .describeInstances({ filters: [{ name: "instance-state-name", values: ["pending", "running", "stopping"] }] })
          .map((instance) => instance.instanceId),
      volume: () => hypervisor.describeVolumes().map((volume) => volume.volumeId),
      snapshot: () => hypervisor.describeSnapshots().map((snapshot) => snapshot.snapshotId),
      image: () => this.#images,
      vpc: () => hypervisor.describeVpcs().map((vpc) => vpc.vpcId),
      subnet: () => hypervisor.describeSubnets().map((subnet) => subnet.subnetId),
      internetGateway: () => hypervisor.describeInternetGateways().map((gateway) => gateway.internetGatewayId),
      routeTable: () => hypervisor.describeRouteTables().map((table) => table.routeTableId),
      association: () =>
        hypervisor.describeRouteTables().flatMap((table) => table.associations.map((association) => association.routeTableAssociationId)),
      securityGroup: () => hypervisor.describeSecurityGroups().map((group) => group.groupId),
      securityGroupRule: () => hypervisor.describeSecurityGroupRules().map((rule) => rule.securityGroupRuleId),
      networkInterface: () => hypervisor.describeNetworkInterfaces().map((eni) => eni.networkInterfaceId),
      launchTemplate: () => hypervisor.describeLaunchTemplates().map((template) => template.launchTemplateId),
    };
    const resolve = (ref: Ref): string => {
      const ids = lists[ref.kind]();
      return ids[ref.index % Math.max(ids.length, 1)] ?? `${ID_PREFIXES[ref.kind]}-00000000000000000`;
    };
    return { method: call.method, args: resolveArgs(call.args, resolve) as unknown[] };
  }

  /** Makes the call, catching a synchronous throw apart from a rejection, and waits for it to settle. */
  async make(call: Call): Promise<Outcome> {
    this.callCount++;
    this.calledMethods.add(call.method);
    const method = Reflect.get(this.#fleet.hypervisor, call.method) as Method;
    let returned: unknown;
    try {
      returned = method.apply(this.#fleet.hypervisor, [...call.args]);
    } catch (error) {
      this.syncThrows.push({ call, error });
      this.#checkError(call, error);
      return { kind: "threw", error };
    }
    if (!(returned instanceof Promise)) {
      this.reached.add(call.method);
      return { kind: "returned", value: returned };
    }
    this.promiseMethods.add(call.method);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race<Outcome>([
      returned.then(
        (value: unknown) => ({ kind: "resolved", value }),
        (error: unknown) => ({ kind: "rejected", error }),
      ),
      new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ kind: "pending" }), SETTLE_MS))),
    ]);
    clearTimeout(timer);
    if (outcome.kind === "pending") this.failures.push(`never settled within ${SETTLE_MS} ms: ${show(call)}`);
    if (outcome.kind === "rejected") this.#checkError(call, outcome.error);
    if (outcome.kind === "resolved" || (outcome.kind === "rejected" && !isRequestError(outcome.error))) this.reached.add(call.method);
    return outcome;
  }

  /** One call alone: when it fails, nothing it could change has changed. */
  async alone(planned: Call): Promise<void> {
    await this.refresh();
    const call = this.resolve(planned);
    const before = snapshot(this.#fleet.hypervisor);
    const outcome = await this.make(call);
    if (outcome.kind !== "threw" && outcome.kind !== "rejected") return;
    const after = snapshot(this.#fleet.hypervisor);
    if (!isDeepStrictEqual(before, after)) {
      this.failures.push(
        `failed (${describeError(outcome.error)}) but changed what is described: ${show(call)}\nbefore: ${inspect(before, { depth: 6 })}\nafter: ${inspect(after, { depth: 6 })}`,
      );
    }
  }

  /** A few calls at once, racing on the same resources: each settles with its outcome or an Ec2Error. */
  async together(planned: readonly Call[]): Promise<void> {
    await this.refresh();
    // The guests take their time to boot, power off, save and go, so the calls overtake each other's transitions.
    for (const slow of SLOW_CALLS) this.#fleet.host.hold(slow);
    const settled = Promise.all(planned.map((call) => this.make(this.resolve(call))));
    await settleBackground();
    for (const slow of SLOW_CALLS) this.#fleet.host.release(slow);
    await settled;
  }

  #checkError(call: Call, error: unknown): void {
    if (error instanceof Ec2Error && /^[A-Z][A-Za-z]+(\.[A-Z][A-Za-z]+)?$/.test(error.code) && error.message.length > 0) return;
    this.failures.push(`answered with ${describeError(error)}, not an Ec2Error: ${show(call)}`);
  }
}

/** The codes of a refused request (requests/), as opposed to a module's answer about the resource. */
const REQUEST_CODES = new Set(["MissingParameter", "InvalidParameterType", "InvalidParameterValue", "InvalidParameterCombination"]);

function isRequestError(error: unknown): boolean {
  return error instanceof Ec2Error && (REQUEST_CODES.has(error.code) || error.code.endsWith(".Malformed"));
}

function describeError(error: unknown): string {
  if (error instanceof Ec2Error) return `${error.code}: ${error.message.slice(0, 200)}`;
  if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack ?? ""}`;
  return inspect(error);
}

/** A fleet with something in every state a call may find: running (one may hibernate), stopped, terminated, volumes and a snapshot. */
async function populatedFleet(): Promise<FakeFleet> {
  const fleet = await fakeFleet();
  await launchRunning(fleet);
  await launchRunning(fleet, { hibernationOptions: { configured: true } });
  const toStop = await launchRunning(fleet);
  await stopped(fleet, toStop.instanceId);
  const toTerminate = await launchRunning(fleet);
  await fleet.hypervisor.terminateInstances([toTerminate.instanceId]);
  const volume = await fleet.hypervisor.createVolume({ sizeMib: 1 });
  await fleet.hypervisor.createSnapshot(volume.volumeId, "before the fuzz");
  await fleet.hypervisor.createVolume({ sizeMib: 2 });
  // A VPC of the fuzz's own besides the default one: a subnet, a gateway routed to, a group with rules.
  const { vpcId } = await fleet.hypervisor.createVpc({ cidrBlock: "10.0.0.0/16" });
  const { subnetId } = await fleet.hypervisor.createSubnet({ vpcId, cidrBlock: "10.0.1.0/24" });
  const { internetGatewayId } = await fleet.hypervisor.createInternetGateway();
  await fleet.hypervisor.attachInternetGateway(internetGatewayId, vpcId);
  const { routeTableId } = await fleet.hypervisor.createRouteTable({ vpcId });
  await fleet.hypervisor.createRoute(routeTableId, { destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGatewayId });
  await fleet.hypervisor.associateRouteTable(routeTableId, subnetId);
  const { groupId } = await fleet.hypervisor.createSecurityGroup({ groupName: "web", description: "web servers", vpcId });
  await fleet.hypervisor.authorizeSecurityGroupIngress(groupId, {
    ipPermissions: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }], userIdGroupPairs: [{ groupId }] }],
  });
  // Launch templates of the fuzz's own: one with two versions, one in the fuzz's VPC.
  const { launchTemplateId } = await fleet.hypervisor.createLaunchTemplate({
    launchTemplateName: "fuzz-web",
    launchTemplateData: {
      instanceType: "t3.micro",
      tagSpecifications: [{ resourceType: "instance", tags: [{ key: "Name", value: "fuzz" }] }],
    },
  });
  await fleet.hypervisor.createLaunchTemplateVersion({
    launchTemplateId,
    sourceVersion: "1",
    launchTemplateData: { instanceType: "t3.small" },
  });
  await fleet.hypervisor.createLaunchTemplate({
    launchTemplateName: "fuzz-db",
    launchTemplateData: { subnetId, securityGroupIds: [groupId] },
  });
  return fleet;
}

it("has an argument generator for every public method, and no generator for a method that is gone", () => {
  expect(PUBLIC_METHODS.filter((method) => !GENERATED_METHODS.includes(method))).toEqual([]);
  expect(GENERATED_METHODS.filter((method) => !PUBLIC_METHODS.includes(method))).toEqual([]);
});

it("refuses data where a listener is expected", async () => {
  const fleet = await populatedFleet();
  try {
    const [instance] = fleet.hypervisor.describeInstances();
    expect(() => fleet.hypervisor.subscribe(42 as never)).toThrow(
      expect.objectContaining({ name: "Ec2Error", code: "InvalidParameterType" }),
    );
    expect(() => fleet.hypervisor.onConsoleOutput(instance?.instanceId ?? "", 42 as never)).toThrow(
      expect.objectContaining({ name: "Ec2Error", code: "InvalidParameterType" }),
    );
  } finally {
    await fleet.close();
  }
});

it("answers every call with its outcome or an Ec2Error, settles it, and changes nothing when it fails", { timeout: 300_000 }, async () => {
  const escaped: string[] = [];
  const onEscape = (error: unknown) => escaped.push(describeError(error));
  process.on("uncaughtException", onEscape);
  process.on("unhandledRejection", onEscape);
  // The throwing listeners are reported on the console, and restore warns of what it cannot read.
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  vi.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const fleet = await populatedFleet();
    const run = new Run(fleet);
    const calls = planCalls();
    const groups = planGroups(calls.length);
    const races = fc.sample(raceOnOneInstance(), { seed: SEED + 2, numRuns: Math.ceil(groups.length / RACE_EVERY) });
    let next = 0;
    for (const [step, size] of groups.entries()) {
      const race = step % RACE_EVERY === 0 ? races[step / RACE_EVERY] : undefined;
      if (race) {
        await run.together(race);
        await quiesce(fleet);
      }
      const group = calls.slice(next, next + size);
      next += size;
      const [first] = group;
      if (size === 1 && first) await run.alone(first);
      else await run.together(group);
      await quiesce(fleet);
    }

    // Afterwards the listeners the run registered hear the guests' output and the fleet's changes.
    for (const worker of fleet.host.workers) if (worker.channel && !worker.terminated) worker.consoleOutput("after the run\n");
    await run.make({ method: "runInstances", args: [{ hibernationOptions: { configured: true } }] });
    await quiesce(fleet);
    fleet.host.dispose();
    await run.make({ method: LAST, args: [] });
    await quiesce(fleet);

    expect(run.failures).toEqual([]);
    const asyncThrows = run.syncThrows.filter(({ call }) => run.promiseMethods.has(call.method));
    expect(asyncThrows.map(({ call, error }) => `${show(call)} threw ${describeError(error)} instead of rejecting`)).toEqual([]);
    expect(run.callCount).toBeGreaterThanOrEqual(MIN_CALLS);
    expect(PUBLIC_METHODS.filter((method) => !run.reached.has(method))).toEqual([]);
    expect([...run.calledMethods].sort()).toEqual([...PUBLIC_METHODS].sort());
  } finally {
    vi.restoreAllMocks();
    process.off("uncaughtException", onEscape);
    process.off("unhandledRejection", onEscape);
  }
  expect(escaped).toEqual([]);
});

/**
 * Each check kind against a stub LabHost. Guest checks run their script in this machine's own
 * /bin/sh, so the quoting and framing are tested by a real shell, not by reading the script.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NO_NETWORK, type Instance, type InstanceStateName, type Bill, type Volume } from "../hypervisor/index.ts";
import { Ec2Error } from "../shared/errors.ts";
import { runChecks, type LabHost } from "./checker.ts";
import { LAB_TAG_KEY, labLaunchRequest } from "./instances.ts";
import type { Check, Lab } from "./parse.ts";

const lab: Lab = {
  id: "demo",
  title: "Demo",
  summary: "",
  level: "beginner",
  minutes: 5,
  image: "default",
  instanceType: "t3.micro",
  prerequisites: [],
  launch: true,
  instanceName: "demo",
  hibernation: false,
  userData: null,
  httpTokens: "optional",
  source: "labs/demo.md",
  introduction: "",
  steps: [],
};

let serial = 0;
function instance(
  options: {
    name?: string;
    labTag?: boolean;
    state?: InstanceStateName;
    type?: string;
    booting?: boolean;
    launchTime?: string;
    hibernated?: boolean;
  } = {},
): Instance {
  const state = options.state ?? "running";
  const id = `i-${(++serial).toString(16).padStart(17, "0")}`;
  return {
    instanceId: id,
    imageId: "ami-00000000000000000",
    instanceType: options.type ?? "t3.micro",
    memoryMib: 128,
    state: { name: state, code: 16 },
    stateTransitionReason: "",
    stateReason: null,
    launchTime: options.launchTime ?? new Date(2026, 0, 1, 0, 0, serial).toISOString(),
    tags: [
      ...(options.name ? [{ key: "Name", value: options.name }] : []),
      ...(options.labTag ? [{ key: LAB_TAG_KEY, value: "demo" }] : []),
    ],
    statusChecks:
      state === "running"
        ? options.booting
          ? { system: "ok", instance: "initializing" }
          : { system: "ok", instance: "ok" }
        : { system: "not-applicable", instance: "not-applicable" },
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/sda",
    disableApiTermination: false,
    instanceInitiatedShutdownBehavior: "stop",
    cpuCredits: "unlimited",
    hibernationOptions: { configured: false },
    hibernated: options.hibernated ?? false,
    launchProgress: null,
    ...NO_NETWORK,
  };
}

function volume(name: string, options: { sizeMib?: number; attachedTo?: string; device?: string } = {}): Volume {
  return {
    volumeId: `vol-${(++serial).toString(16).padStart(17, "0")}`,
    sizeBytes: (options.sizeMib ?? 16) * 1024 * 1024,
    volumeType: "gp3",
    state: options.attachedTo ? "in-use" : "available",
    createTime: "",
    snapshotId: "",
    attachments: options.attachedTo
      ? [{ instanceId: options.attachedTo, device: options.device ?? "/dev/sdb", state: "attached", deleteOnTermination: false }]
      : [],
    tags: [{ key: "Name", value: name }],
    writtenBytes: 0,
  };
}

const bill = (computeUsd: number, storageUsd: number): Bill => ({
  computeUsd,
  storageUsd,
  creditsUsd: 0,
  totalUsd: computeUsd + storageUsd,
  billedSeconds: 60,
  accruing: true,
});

interface Stub extends LabHost {
  commands: string[];
}

function stubHost(options: { instances?: Instance[]; volumes?: Volume[]; bills?: Bill[]; launch?: () => never } = {}): Stub {
  const instances = options.instances ?? [];
  const bills = [...(options.bills ?? [bill(0, 0)])];
  const commands: string[] = [];
  const host: Stub = {
    commands,
    describeInstances: (request = {}) =>
      instances.filter(
        (i) =>
          (!request.instanceIds || request.instanceIds.includes(i.instanceId)) &&
          (request.filters ?? []).every((filter) =>
            filter.values.some((value) =>
              filter.name === "instance-id"
                ? i.instanceId === value
                : i.tags.some((tag) => `tag:${tag.key}` === filter.name && tag.value === value),
            ),
          ),
      ),
    describeVolumes: () => options.volumes ?? [],
    describeSecurityGroups: () => [],
    describeLaunchTemplates: () => [],
    describeLaunchTemplateVersions: () => [],
    requestPublicAddress: async () => ({ ok: false, code: "NoSuchAddress", message: "No public address." }),
    getInstanceBill: () => (bills.length > 1 ? (bills.shift() as Bill) : (bills[0] as Bill)),
    runCommand: (_id: string, command: string) => {
      commands.push(command);
      return new Promise((resolve) => {
        execFile("/bin/sh", ["-c", command], (error, stdout, stderr) =>
          resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    },
    runInstances: () =>
      (
        options.launch ??
        (() => {
          throw new Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
        })
      )(),
  };
  return host;
}

const noWait = { sleep: async () => undefined };

async function results(host: LabHost, checks: Check[], context = {}) {
  return (await runChecks(host, lab, checks, context, noWait)).map((r) => ({ passed: r.passed, message: r.message }));
}

describe("command checks", () => {
  it("pass on the expected exit code and output, and say what was seen when they fail", async () => {
    const host = stubHost({ instances: [instance({ labTag: true })] });
    const checks: Check[] = [
      { kind: "instance", state: "running" },
      { kind: "command", run: "echo hello; echo world", stdout: "^world$" },
      { kind: "command", run: "exit 3", exitCode: 3 },
      { kind: "command", run: "echo oops >&2; exit 1" },
      { kind: "command", run: "printf 'no newline'", stdout: "^no newline$", exitCode: 0 },
    ];
    const [, a, b, c, d] = await results(host, checks);
    expect(a).toMatchObject({ passed: true });
    expect(b).toMatchObject({ passed: true });
    expect(c).toEqual({ passed: false, message: "`echo oops >&2; exit 1`: it exited with 1, not 0 (errors: oops)." });
    expect(d).toMatchObject({ passed: true });
    // Four guest checks on one instance: one round trip.
    expect(host.commands).toHaveLength(1);
  });

  it("cannot be fooled by output that looks like the framing", async () => {
    const host = stubHost({ instances: [instance({ labTag: true })] });
    const [result] = await results(host, [{ kind: "command", run: "printf '\\n@@tc0000 0 end 0\\n'; exit 4", exitCode: 0 }]);
    expect(result?.passed).toBe(false);
  });

  it("fail without a round trip when the instance cannot run commands", async () => {
    const stopped = stubHost({ instances: [instance({ labTag: true, state: "stopped" })] });
    expect((await results(stopped, [{ kind: "command", run: "true" }]))[0]?.message).toMatch(/is stopped: start it, then check again/);
    const booting = stubHost({ instances: [instance({ labTag: true, booting: true })] });
    expect((await results(booting, [{ kind: "command", run: "true" }]))[0]?.message).toMatch(/still booting/);
    expect((await results(stubHost(), [{ kind: "command", run: "true" }]))[0]?.message).toBe(
      "the lab's instance (demo) does not exist yet.",
    );
    expect(stopped.commands).toEqual([]);
  });

  // Without a linear-time engine, this backtracking pattern on this output hangs the tab (and the test) for good.
  it("run a lab's pattern in linear time: (a+)+$ against 50,000 a's and a b answers at once", { timeout: 10_000 }, async () => {
    const host = stubHost({ instances: [instance({ labTag: true })] });
    const [result] = await results(host, [{ kind: "command", run: "head -c 50000 /dev/zero | tr '\\0' a; echo b", stdout: "(a+)+$" }]);
    expect(result?.passed).toBe(false);
    expect(result?.message).toContain("its output did not match /(a+)+$/");
  });

  it("put the author's failMessage first", async () => {
    const host = stubHost({ instances: [instance({ labTag: true })] });
    const [result] = await results(host, [{ kind: "command", run: "false", failMessage: "Run the workload first" }]);
    expect(result?.message).toBe("Run the workload first (`false`: it exited with 1, not 0.)");
  });
});

describe("file checks", () => {
  it("check existence, type, executability and content, quoting any path safely", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tabcloud labs '$(touch pwned)' "));
    await writeFile(join(dir, "notes.txt"), "first line\nsecond line\n");
    await writeFile(join(dir, "tool"), "#!/bin/sh\n");
    await chmod(join(dir, "tool"), 0o755);
    await mkdir(join(dir, "docs"));
    const host = stubHost({ instances: [instance({ labTag: true })] });
    const at = (name: string) => join(dir, name);
    const checks: Check[] = [
      { kind: "file", path: at("notes.txt"), contains: "second line" },
      { kind: "file", path: at("notes.txt"), matches: "^first" },
      { kind: "file", path: at("docs"), type: "directory" },
      { kind: "file", path: at("tool"), executable: true },
      { kind: "file", path: at("gone.txt"), exists: false },
      { kind: "file", path: at("notes.txt"), contains: "third line" },
      { kind: "file", path: at("notes.txt"), executable: true },
      { kind: "file", path: at("docs"), type: "file" },
      { kind: "file", path: at("missing.txt") },
      { kind: "file", path: at("notes.txt"), exists: false },
    ];
    const found = await results(host, checks);
    expect(found.map((r) => r.passed)).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(found[5]?.message).toBe(`${at("notes.txt")} does not contain "third line" yet.`);
    expect(found[6]?.message).toBe(`${at("notes.txt")} is not executable: chmod +x ${at("notes.txt")}`);
    expect(found[7]?.message).toBe(`${at("docs")} is a directory, not a file.`);
    expect(found[8]?.message).toBe(`${at("missing.txt")} does not exist yet.`);
    expect(found[9]?.message).toBe(`${at("notes.txt")} still exists (a file): remove it.`);
    expect(host.commands).toHaveLength(1);
  });
});

describe("placeholders in guest checks", () => {
  it("are filled in from the instances' facts, as text in commands and files and quoted in patterns", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tabcloud labs facts "));
    const own = { ...instance({ labTag: true }), privateIpAddress: "172.31.0.10", publicIpAddress: null };
    const other = { ...instance({ name: "backend" }), privateDnsName: "ip-172-31-0-11.ec2.internal" };
    await writeFile(join(dir, "whoami.txt"), `instance-id: ${own.instanceId}\n`);
    const host = stubHost({ instances: [own, other] });
    const found = await results(host, [
      { kind: "file", path: join(dir, "whoami.txt"), contains: "instance-id: {{instanceId}}" },
      { kind: "file", path: join(dir, "whoami.txt"), contains: "{{backend.instanceId}}" },
      { kind: "command", run: "echo ip-172-31-0-11.ec2.internal", stdout: "^{{backend.privateDnsName}}$" },
      // The dots of the address are quoted: 172x31... must not match it.
      { kind: "command", run: "echo 172x31x0x10", stdout: "{{privateIpAddress}}" },
      { kind: "command", run: "echo {{publicIpAddress}}" },
    ]);
    expect(found.map((r) => r.passed)).toEqual([true, false, true, false, false]);
    expect(found[4]?.message).toBe(
      `The check needs a fact the hypervisor does not have yet: the lab's instance (demo) (${own.instanceId}) has no public IPv4 address.`,
    );
    expect(host.commands.join("\n")).not.toContain("{{");
  });
});

describe("instance checks", () => {
  it("find the lab's instance by the recorded id, its lab tag or its Name, a live one first", async () => {
    const old = instance({ labTag: true, state: "terminated" });
    const live = instance({ labTag: true, type: "t3.small" });
    const host = stubHost({ instances: [old, live] });
    expect((await results(host, [{ kind: "instance", instanceType: "t3.small" }]))[0]?.passed).toBe(true);
    expect((await results(host, [{ kind: "instance", state: "terminated" }], { instanceId: old.instanceId }))[0]?.passed).toBe(true);
    const byName = stubHost({ instances: [instance({ name: "demo" })] });
    expect((await results(byName, [{ kind: "instance", state: "running" }]))[0]?.passed).toBe(true);
  });

  it("check whether the instance has a public IPv4 address", async () => {
    const host = stubHost({ instances: [{ ...instance({ name: "backend" }), publicIpAddress: "54.0.0.10" }] });
    const [without, withIt] = await results(host, [
      { kind: "instance", instance: "backend", publicIp: false },
      { kind: "instance", instance: "backend", publicIp: true },
    ]);
    expect(without?.passed).toBe(false);
    expect(without?.message).toMatch(/has the public IPv4 address 54\.0\.0\.10 \(launch it with Auto-assign public IP: Disable\)/);
    expect(withIt?.passed).toBe(true);
  });

  it("check state, type, status checks and hibernation, and say what is off", async () => {
    const web = instance({ name: "web-1", state: "stopped", type: "t3.nano", hibernated: true });
    const host = stubHost({ instances: [web] });
    const [ok, wrong] = await results(host, [
      { kind: "instance", instance: "web-1", state: ["stopped", "stopping"], instanceType: "t3.nano", hibernated: true },
      { kind: "instance", instance: "web-1", state: "running", instanceType: "t3.small", statusChecks: "ok" },
    ]);
    expect(ok?.passed).toBe(true);
    expect(wrong?.message).toBe(
      `the instance named web-1 (${web.instanceId}): it is stopped, not running; its type is t3.nano, not t3.small; 0/2 status checks have passed (system: not-applicable, instance: not-applicable).`,
    );
    const [missing, gone] = await results(host, [
      { kind: "instance", instance: "db-1" },
      { kind: "instance", instance: "db-1", exists: false },
    ]);
    expect(missing).toEqual({ passed: false, message: "the instance named db-1 does not exist yet: launch it." });
    expect(gone?.passed).toBe(true);
  });
});

describe("volume checks", () => {
  it("find a volume by name or device, attached or not, of a least size", async () => {
    const box = instance({ labTag: true, state: "stopped" });
    const other = instance({ name: "other" });
    const host = stubHost({
      instances: [box, other],
      volumes: [
        volume("data-1", { sizeMib: 32, attachedTo: box.instanceId }),
        volume("spare"),
        volume("root", { attachedTo: box.instanceId, device: "/dev/sda", sizeMib: 64 }),
      ],
    });
    const found = await results(host, [
      { kind: "volume", volume: "data-1", minSizeMib: 32 },
      { kind: "volume", minSizeMib: 16 },
      { kind: "volume", volume: "spare", attached: false },
      { kind: "volume", device: "/dev/sda" },
      { kind: "volume", volume: "data-1", minSizeMib: 64 },
      { kind: "volume", volume: "spare" },
      { kind: "volume", volume: "data-1", attached: false },
      { kind: "volume", instance: "other" },
      { kind: "volume", instance: "other", attached: false },
      { kind: "volume", volume: "nothing" },
    ]);
    expect(found.map((r) => r.passed)).toEqual([true, true, true, true, false, false, false, false, true, false]);
    expect(found[4]?.message).toMatch(/is 32 MiB; it should be at least 64 MiB/);
    expect(found[6]?.message).toMatch(/still attached to i-.*: detach it/);
    expect(found[9]?.message).toBe("There is no volume named nothing: create one with that Name tag.");
  });
});

describe("bill checks", () => {
  it("see compute charged, stopped, and storage growing or stopped between two readings", async () => {
    const running = stubHost({ instances: [instance({ labTag: true })], bills: [bill(0.0002, 1e-9), bill(0.0002, 2e-9)] });
    const [charged] = await results(running, [{ kind: "bill", compute: "charged", storage: "growing" }]);
    expect(charged?.passed).toBe(true);

    // Within its first 60 s a running instance's compute charge stands still: it is still billed.
    const early = stubHost({ instances: [instance({ labTag: true })], bills: [bill(0.0002, 1e-9), bill(0.0002, 2e-9)] });
    expect((await results(early, [{ kind: "bill", compute: "stopped" }]))[0]?.message).toMatch(
      /it is running, so it is still billed for compute/,
    );

    const stopped = stubHost({
      instances: [instance({ labTag: true, state: "stopped" })],
      bills: [bill(0.0003, 1e-9), bill(0.0003, 2e-9)],
    });
    expect((await results(stopped, [{ kind: "bill", compute: "stopped", storage: "growing" }]))[0]?.passed).toBe(true);

    const terminated = stubHost({
      instances: [instance({ labTag: true, state: "terminated" })],
      bills: [bill(0.0003, 3e-9), bill(0.0003, 3e-9)],
    });
    const [ended, stillGrowing] = await results(terminated, [
      { kind: "bill", compute: "stopped", storage: "stopped" },
      { kind: "bill", storage: "growing" },
    ]);
    expect(ended?.passed).toBe(true);
    expect(stillGrowing?.passed).toBe(false);

    const fresh = stubHost({ instances: [instance({ labTag: true, state: "pending" })], bills: [bill(0, 0)] });
    expect((await results(fresh, [{ kind: "bill", compute: "charged" }]))[0]?.passed).toBe(false);
  });
});

describe("capacity checks", () => {
  it("read a dry-run launch: DryRunOperation is accepted, InsufficientInstanceCapacity refused", async () => {
    const roomy = stubHost();
    expect((await results(roomy, [{ kind: "capacity", instanceType: "t3.small", expect: "accepted" }]))[0]?.passed).toBe(true);
    expect((await results(roomy, [{ kind: "capacity", instanceType: "t3.small", expect: "refused" }]))[0]?.passed).toBe(false);
    const full = stubHost({
      launch: () => {
        throw new Ec2Error("InsufficientInstanceCapacity", "There is not enough memory on the host.");
      },
    });
    expect(await results(full, [{ kind: "capacity", instanceType: "t3.small", expect: "refused" }])).toEqual([
      { passed: true, message: "A launch of a t3.small is refused: There is not enough memory on the host." },
    ]);
    const limited = stubHost({
      launch: () => {
        throw new Ec2Error("InstanceLimitExceeded", "You have 8 instances.");
      },
    });
    expect((await results(limited, [{ kind: "capacity", instanceType: "t3.small", expect: "refused" }]))[0]?.message).toBe(
      "A dry-run launch of a t3.small failed with InstanceLimitExceeded: You have 8 instances.",
    );
  });
});

describe("labLaunchRequest", () => {
  it("launches the lab's image and type with its Name, lab tag and user data", () => {
    expect(
      labLaunchRequest({ ...lab, image: "tabcloud-linux", userData: "echo hi" }, [
        { imageId: "ami-0123456789abcdef0", name: "tabcloud-linux" },
      ]),
    ).toEqual({
      imageId: "ami-0123456789abcdef0",
      instanceType: "t3.micro",
      tags: [
        { key: "Name", value: "demo" },
        { key: LAB_TAG_KEY, value: "demo" },
      ],
      userData: "echo hi",
    });
  });

  it("enables hibernation at launch when the lab says so, and only then", () => {
    expect(labLaunchRequest({ ...lab, hibernation: true }).hibernationOptions).toEqual({ configured: true });
    expect(labLaunchRequest(lab).hibernationOptions).toBeUndefined();
  });

  it("launches an IMDSv2-only instance when the lab requires tokens, and only then", () => {
    expect(labLaunchRequest({ ...lab, httpTokens: "required" }).metadataOptions).toEqual({ httpTokens: "required" });
    expect(labLaunchRequest(lab).metadataOptions).toBeUndefined();
  });
});

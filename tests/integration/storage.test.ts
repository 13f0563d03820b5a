/**
 * Storage on real instances: volumes in IndexedDB (fake-indexeddb under Node) outlive the
 * hypervisor that wrote them, as they outlive a reload in the browser; images made from an
 * instance carry its files; an exported volume is a clean ext4 file system; a second volume is
 * a second disk in the guest.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, SERVED_IMAGES_DIR } from "../../src/hypervisor/node.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";
let databases = 0;
const freshDatabase = () => `storage-test-${process.pid}-${++databases}`;

async function launchReady(hypervisor: Hypervisor, request: Parameters<Hypervisor["runInstances"]>[0] = {}): Promise<string> {
  const [instance] = (await hypervisor.runInstances(request)) as [Instance];
  await waitForInstance(hypervisor, instance.instanceId, agentReady);
  return instance.instanceId;
}

function rootVolumeOf(hypervisor: Hypervisor, instanceId: string): string {
  const volume = hypervisor
    .describeVolumes()
    .find((v) => v.attachments[0]?.instanceId === instanceId && v.attachments[0].device === "/dev/sda");
  if (!volume) throw new Error(`no root volume for ${instanceId}`);
  return volume.volumeId;
}

const open: Hypervisor[] = [];
async function hypervisorOn(databaseName: string, options: Parameters<typeof createNodeHypervisor>[0] = {}): Promise<Hypervisor> {
  const hypervisor = await createNodeHypervisor({ databaseName, ...options });
  open.push(hypervisor);
  return hypervisor;
}
/** Ends a hypervisor as a closed tab does; its database stays. */
async function close(hypervisor: Hypervisor): Promise<void> {
  open.splice(open.indexOf(hypervisor), 1);
  await hypervisor.shutdownAll();
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((hypervisor) => hypervisor.shutdownAll()));
});

describe("the fleet in storage", () => {
  it("brings a stopped instance back stopped, with its files, in a fresh hypervisor", async () => {
    const db = freshDatabase();
    const first = await hypervisorOn(db);
    const id = await launchReady(first, { tags: [{ key: "Name", value: "keeper" }], instanceType: "t3.micro" });
    await first.runCommand(id, "echo survives-reload > /root/kept.txt");
    await first.stopInstances([id]);
    await close(first);

    const second = await hypervisorOn(db);
    const [back] = second.describeInstances({ instanceIds: [id] });
    expect(back).toMatchObject({ state: { name: "stopped" }, instanceType: "t3.micro", tags: [{ key: "Name", value: "keeper" }] });
    await second.startInstances([id]);
    await waitForInstance(second, id, agentReady);
    expect((await second.runCommand(id, "cat /root/kept.txt")).stdout).toBe("survives-reload\n");
    // The meter carried on: the first run's minimum is still on the bill.
    expect(second.getInstanceBill(id).billedSeconds).toBeGreaterThanOrEqual(120);
  });

  it("boots a running instance again from its volume, saying why, with what it wrote before", async () => {
    const db = freshDatabase();
    const first = await hypervisorOn(db, { flushIntervalMs: 500 });
    const id = await launchReady(first);
    await first.runCommand(id, "echo written-while-running > /root/running.txt; sync");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await close(first);

    const second = await hypervisorOn(db);
    const [back] = second.describeInstances({ instanceIds: [id] });
    expect(back?.state.name).toBe("pending");
    expect(back?.stateReason?.code).toBe("Server.HostReload");
    await waitForInstance(second, id, agentReady);
    expect((await second.runCommand(id, "cat /root/running.txt")).stdout).toBe("written-while-running\n");
  });

  it("resumes a hibernated instance in a fresh hypervisor with its shell as it was", async () => {
    const db = freshDatabase();
    const first = await hypervisorOn(db);
    const [instance] = (await first.runInstances({
      terminalSize: { rows: 30, cols: 160 },
      hibernationOptions: { configured: true },
    })) as [Instance];
    const id = instance.instanceId;
    const before = new ConsoleReader(first, id);
    await before.waitFor(PROMPT, 60_000);
    await waitForInstance(first, id, agentReady);
    await before.run("MOOD=hibernated-and-back; echo in-tmp > /tmp/note");
    before.dispose();
    await first.stopInstances([id], { hibernate: true });
    await close(first);

    const second = await hypervisorOn(db);
    expect(second.describeHibernation(id)?.stateBytes).toBeGreaterThan(0);
    await second.startInstances([id]);
    await waitForInstance(second, id, agentReady);
    const after = new ConsoleReader(second, id);
    expect((await after.run("echo $MOOD $(cat /tmp/note)")).trim()).toBe("hibernated-and-back in-tmp");
    after.dispose();
  });

  it("forgets a terminated instance's volume", async () => {
    const db = freshDatabase();
    const first = await hypervisorOn(db);
    const id = await launchReady(first);
    const volumeId = rootVolumeOf(first, id);
    await first.terminateInstances([id]);
    await waitForInstance(first, id, (i) => i.state.name === "terminated");
    expect(first.describeVolumes().map((v) => v.volumeId)).not.toContain(volumeId);
    await close(first);
    const second = await hypervisorOn(db);
    expect(second.describeVolumes()).toEqual([]);
  });
});

describe("images, snapshots and volumes", () => {
  let hypervisor: Hypervisor;
  const dir = mkdtemp(join(tmpdir(), "tabcloud-volume-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it("createImage makes an AMI whose instances start with the instance's files", async () => {
    hypervisor = await hypervisorOn(freshDatabase());
    const id = await launchReady(hypervisor);
    await hypervisor.runCommand(id, "mkdir -p /srv/site && echo made-on-the-original > /srv/site/index.html; sync");
    const image = await hypervisor.createImage(id, { name: "my-site-v1" });
    expect(image).toMatchObject({ name: "my-site-v1", source: "created", availableOffline: true });
    expect(image.rootSnapshotId).toMatch(/^snap-/);
    await hypervisor.runCommand(id, "echo changed-after > /srv/site/index.html; sync");

    const copy = await launchReady(hypervisor, { imageId: image.imageId });
    expect((await hypervisor.runCommand(copy, "cat /srv/site/index.html")).stdout).toBe("made-on-the-original\n");
    await expect(hypervisor.deleteSnapshot(image.rootSnapshotId as string)).rejects.toMatchObject({ code: "InvalidSnapshot.InUse" });
    await expect(hypervisor.createImage(id, { name: "my-site-v1" })).rejects.toMatchObject({ code: "InvalidParameterValue" });
  });

  it("exports a stopped instance's root volume as a raw image that passes e2fsck", async () => {
    hypervisor = await hypervisorOn(freshDatabase());
    const id = await launchReady(hypervisor);
    await hypervisor.runCommand(id, "dd if=/dev/urandom of=/root/blob bs=1k count=300 2>/dev/null; md5sum /root/blob > /root/blob.md5");
    await hypervisor.stopInstances([id]);
    const bytes = await hypervisor.exportVolume(rootVolumeOf(hypervisor, id));
    expect(bytes.byteLength).toBe(64 * 1024 * 1024);
    const file = join(await dir, "root.img");
    await writeFile(file, bytes);
    const { stdout } = await promisify(execFile)("/sbin/e2fsck", ["-fn", file]);
    expect(stdout).toMatch(/\d+\/\d+ files/);
  });

  it("attaches a new volume as a second disk, keeps its files, and moves it to another instance", async () => {
    hypervisor = await hypervisorOn(freshDatabase());
    const volume = await hypervisor.createVolume({ sizeMib: 16 });
    expect(volume).toMatchObject({ state: "available", sizeBytes: 16 * 1024 * 1024, attachments: [] });
    const first = await launchReady(hypervisor);
    await expect(hypervisor.attachVolume(volume.volumeId, first)).rejects.toMatchObject({ code: "IncorrectInstanceState" });
    await hypervisor.stopInstances([first]);
    const attached = await hypervisor.attachVolume(volume.volumeId, first);
    expect(attached).toMatchObject({ state: "in-use", attachments: [{ instanceId: first, device: "/dev/sdb" }] });
    await expect(hypervisor.deleteVolume(volume.volumeId)).rejects.toMatchObject({ code: "VolumeInUse" });
    await hypervisor.startInstances([first]);
    await waitForInstance(hypervisor, first, agentReady);
    expect((await hypervisor.runCommand(first, "cat /proc/partitions")).stdout).toMatch(/\s16384 sdb\n/);
    const formatted = await hypervisor.runCommand(
      first,
      "mke2fs -q /dev/sdb && mkdir -p /mnt/data && mount /dev/sdb /mnt/data && echo on-the-data-volume > /mnt/data/note && umount /mnt/data && echo done",
    );
    expect(formatted.stdout).toContain("done");
    await hypervisor.stopInstances([first]);
    await hypervisor.detachVolume(volume.volumeId);

    const second = await launchReady(hypervisor);
    await hypervisor.stopInstances([second]);
    await hypervisor.attachVolume(volume.volumeId, second);
    await hypervisor.startInstances([second]);
    await waitForInstance(hypervisor, second, agentReady);
    expect((await hypervisor.runCommand(second, "mkdir -p /mnt/data && mount /dev/sdb /mnt/data && cat /mnt/data/note")).stdout).toBe(
      "on-the-data-volume\n",
    );
    // Not deleted with the instance: a data volume's DeleteOnTermination is false.
    await hypervisor.terminateInstances([second]);
    await waitForInstance(hypervisor, second, (i) => i.state.name === "terminated");
    expect(hypervisor.describeVolumes({ volumeIds: [volume.volumeId] })[0]?.state).toBe("available");
    await hypervisor.deleteVolume(volume.volumeId);
    expect(hypervisor.describeVolumes().some((v) => v.volumeId === volume.volumeId)).toBe(false);
  });

  it("creates a formatted volume that mounts as it is", async () => {
    hypervisor = await hypervisorOn(freshDatabase());
    const volume = await hypervisor.createVolume({ sizeMib: 64, filesystem: "ext4" });
    const id = await launchReady(hypervisor);
    await hypervisor.stopInstances([id]);
    await hypervisor.attachVolume(volume.volumeId, id);
    await hypervisor.startInstances([id]);
    await waitForInstance(hypervisor, id, agentReady);
    const mounted = await hypervisor.runCommand(id, "mkdir -p /data && mount /dev/sdb /data && df -k /data | tail -n 1 && ls /data");
    expect(mounted.exitCode).toBe(0);
    expect(mounted.stdout).toMatch(/\/dev\/sdb\s+\d+/);
    expect(mounted.stdout).toContain("lost+found");
    await expect(hypervisor.createVolume({ sizeMib: 100, filesystem: "ext4" })).rejects.toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringMatching(/16, 64, 256, 1024 MiB/),
    });
  });

  it("imports a kernel and a root disk as a new image that boots, and refuses files that are not", async () => {
    hypervisor = await hypervisorOn(freshDatabase());
    const served = join(SERVED_IMAGES_DIR, "tabcloud-linux");
    const kernel = new Uint8Array(gunzipSync(await readFile(join(served, "bzImage.gz"))));
    const rootDisk = new Uint8Array(gunzipSync(await readFile(join(served, "rootfs.ext4.gz"))));
    await expect(hypervisor.importImage({ name: "bad-kernel", kernel: rootDisk.subarray(0, 4096), rootDisk })).rejects.toMatchObject({
      code: "InvalidParameterValue",
      message: expect.stringMatching(/not a Linux bzImage/),
    });
    await expect(hypervisor.importImage({ name: "bad-disk", kernel, rootDisk: new Uint8Array(8192) })).rejects.toMatchObject({
      message: expect.stringMatching(/no ext2\/3\/4 file system/),
    });
    // A different command line makes it a different image of the same files.
    const image = await hypervisor.importImage({
      name: "my-own-linux",
      kernel,
      rootDisk,
      kernelCommandLine: "console=ttyS0 root=/dev/sda rw rootfstype=ext4 lapic quiet loglevel=3",
    });
    expect(image).toMatchObject({ source: "imported", availableOffline: true, rootDeviceType: "ebs" });
    const id = await launchReady(hypervisor, { imageId: image.imageId });
    expect((await hypervisor.runCommand(id, "cat /proc/cmdline")).stdout).toContain("quiet loglevel=3");
  });

  it("refuses bad volume requests with EC2's codes", async () => {
    hypervisor = await hypervisorOn(freshDatabase());
    await expect(hypervisor.createVolume({ sizeMib: 0 })).rejects.toMatchObject({ code: "InvalidParameterValue" });
    await expect(hypervisor.createVolume({})).rejects.toMatchObject({ code: "MissingParameter" });
    await expect(hypervisor.createVolume({ snapshotId: "snap-00000000000000000" })).rejects.toMatchObject({
      code: "InvalidSnapshot.NotFound",
    });
    await expect(hypervisor.deleteVolume("vol-123")).rejects.toMatchObject({ code: "InvalidVolumeID.Malformed" });
    await expect(hypervisor.attachVolume("vol-00000000000000000", "i-00000000000000000")).rejects.toMatchObject({
      code: "InvalidVolume.NotFound",
    });
  });
});

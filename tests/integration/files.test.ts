/**
 * Files copied into and out of a running instance through its agent (FileTransfers): a 20 MiB
 * random file goes in and comes back byte for byte (SHA-256 on both sides and the guest's own
 * sha256sum), a directory comes out as a tar that tar lists, an upload the disk cannot hold is
 * refused or fails with the reason and leaves no part file, and a stopped instance refuses.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileTransfers, type Hypervisor, type Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { waitForInstance } from "./waitFor.ts";

const MIB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("copying files in and out of an instance", () => {
  let hypervisor: Hypervisor;
  let files: FileTransfers;
  let id: string;

  async function run(command: string): Promise<string> {
    const result = await hypervisor.runCommand(id, command, { timeoutMs: 120_000 });
    return result.stdout;
  }
  /** Files the upload may have left in the directory, hidden or not. */
  async function partFiles(directory: string): Promise<string[]> {
    return (await run(`ls -a ${directory}`)).split("\n").filter((name) => name.includes("tabcloud-part"));
  }

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ stopTimeoutMs: 20_000 });
    files = new FileTransfers(hypervisor);
    const [instance] = (await hypervisor.runInstances()) as [Instance];
    id = instance.instanceId;
    await waitForInstance(hypervisor, id, (i) => i.statusChecks.instance === "ok", 120_000);
  });
  afterAll(async () => {
    await hypervisor?.shutdownAll();
  });

  it("a 20 MiB random binary file goes in and comes back byte for byte", { timeout: 600_000 }, async () => {
    const bytes = new Uint8Array(randomBytes(20 * MIB));
    const progress: number[] = [];
    const started = performance.now();
    const uploaded = await files.uploadFile(id, "/root", "random.bin", bytes, { onProgress: (p) => progress.push(p.transferredBytes) });
    const uploadMs = performance.now() - started;
    expect(uploaded).toEqual({ path: "/root/random.bin", sizeBytes: 20 * MIB, sha256: sha256(bytes) });
    expect(progress.at(-1)).toBe(20 * MIB);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect((await run("sha256sum /root/random.bin")).split(" ")[0]).toBe(sha256(bytes));
    expect(await partFiles("/root")).toEqual([]);

    const downloadStarted = performance.now();
    const back = await files.downloadPath(id, "/root/random.bin");
    const downloadMs = performance.now() - downloadStarted;
    expect(back.kind).toBe("file");
    expect(back.fileName).toBe("random.bin");
    expect(sha256(back.bytes)).toBe(sha256(bytes));
    console.log(`FILES_20MIB upload ${(20_000 / uploadMs).toFixed(3)} MiB/s, download ${(20_000 / downloadMs).toFixed(3)} MiB/s`);
    await run("rm -f /root/random.bin");
  });

  it("a directory comes out as a tar archive that tar lists", async () => {
    await run("mkdir -p '/root/my dir/sub' && echo hello > '/root/my dir/a.txt' && printf 'x\\0y' > '/root/my dir/sub/b.bin'");
    const tar = await files.downloadPath(id, "/root/my dir");
    expect(tar.kind).toBe("directory");
    expect(tar.fileName).toBe("my dir.tar");
    const dir = mkdtempSync(join(tmpdir(), "tabcloud-files-"));
    try {
      writeFileSync(join(dir, "out.tar"), tar.bytes);
      const listed = execFileSync("tar", ["-tf", join(dir, "out.tar")])
        .toString()
        .split("\n")
        .filter(Boolean);
      expect(listed.map((name) => name.replace(/\/$/, "")).sort()).toEqual(["my dir", "my dir/a.txt", "my dir/sub", "my dir/sub/b.bin"]);
      expect(execFileSync("tar", ["-xOf", join(dir, "out.tar"), "my dir/a.txt"]).toString()).toBe("hello\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // The archive was packed in the guest's /tmp and is gone from there.
    expect(await run("ls -a /tmp")).not.toContain("tabcloud-download");
  });

  it("an upload larger than the free space is refused with the reason and leaves no part file", async () => {
    const freeKib = Number((await run("df -P -k /root | tail -n 1")).trim().split(/\s+/)[3]);
    const tooBig = new Uint8Array(freeKib * 1024 + MIB);
    await expect(files.uploadFile(id, "/root", "too-big.bin", tooBig)).rejects.toMatchObject({
      code: "InsufficientFreeSpace",
      message: expect.stringMatching(/Not enough free space in \/root/),
    });
    expect(await partFiles("/root")).toEqual([]);
    expect(await run("ls /root")).not.toContain("too-big.bin");
  });

  it("a disk that fills up during the upload fails it with the reason and leaves no part file", { timeout: 300_000 }, async () => {
    const bytes = new Uint8Array(randomBytes(4 * MIB));
    let filling: Promise<unknown> | null = null;
    const upload = files.uploadFile(id, "/root", "filled.bin", bytes, {
      // After the first part, something else in the guest takes all the space left.
      onProgress: (p) => {
        if (p.transferredBytes > 0 && !filling)
          filling = hypervisor.runCommand(id, "dd if=/dev/zero of=/root/filler bs=64k 2>/dev/null", { timeoutMs: 120_000 });
      },
    });
    await expect(upload).rejects.toMatchObject({
      code: "InsufficientFreeSpace",
      message: expect.stringMatching(/No space left on device/),
    });
    await filling;
    expect(await partFiles("/root")).toEqual([]);
    expect(await run("ls /root")).not.toContain("filled.bin");
    await run("rm -f /root/filler");
  });

  it("a cancelled upload leaves no part file", async () => {
    const controller = new AbortController();
    const upload = files.uploadFile(id, "/root", "cancelled.bin", new Uint8Array(2 * MIB), {
      signal: controller.signal,
      onProgress: (p) => void (p.transferredBytes > 0 && controller.abort()),
    });
    await expect(upload).rejects.toMatchObject({ code: "TransferCancelled" });
    expect(await partFiles("/root")).toEqual([]);
    expect(await run("ls /root")).not.toContain("cancelled.bin");
  });

  it("a stopped instance refuses, saying so", async () => {
    await hypervisor.stopInstances([id]);
    await waitForInstance(hypervisor, id, (i) => i.state.name === "stopped");
    await expect(files.uploadFile(id, "/root", "a.txt", new Uint8Array(3))).rejects.toMatchObject({
      code: "IncorrectInstanceState",
      message: expect.stringMatching(/it is stopped/),
    });
    await expect(files.downloadPath(id, "/etc/hostname")).rejects.toMatchObject({ code: "IncorrectInstanceState" });
  });
});

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ExecResult } from "../../guest/agentClient.ts";
import type { Instance } from "../instances/instance.ts";
import type { RunCommandOptions } from "../requests/console.ts";
import { FileTransfers, type GuestShell } from "./fileTransfers.ts";

const ok = (stdout = ""): ExecResult => ({ exitCode: 0, stdout, stderr: "" });
const DF = "/dev/root 59365 6100 50201 11% /\n";

/** A guest that answers each command by the first rule it matches, and remembers them. */
function fakeShell(
  rules: [RegExp, (options?: RunCommandOptions) => ExecResult][],
  state = "running",
): GuestShell & { commands: string[]; inputs: number[] } {
  const commands: string[] = [];
  const inputs: number[] = [];
  return {
    commands,
    inputs,
    describeInstances: () => [{ instanceId: "i-1", state: { name: state, code: 16 } } as unknown as Instance],
    runCommand: async (_id, command, options) => {
      commands.push(command);
      if (options?.input) inputs.push(options.input.byteLength);
      const rule = rules.find(([pattern]) => pattern.test(command));
      return rule ? rule[1](options) : ok();
    },
  };
}

const bytes = new Uint8Array(400 * 1024).map((_, i) => (i * 7) & 0xff);
const hash = createHash("sha256").update(bytes).digest("hex");

describe("FileTransfers", () => {
  it("uploads in parts to a part file, checks the hash in the guest, then renames", async () => {
    const shell = fakeShell([
      [/df -P/, () => ok(DF)],
      [/sha256sum/, () => ok(`${hash}\n`)],
    ]);
    const progress: number[] = [];
    const result = await new FileTransfers(shell).uploadFile("i-1", "/root/", "it's.bin", bytes, {
      onProgress: (p) => progress.push(p.transferredBytes),
    });
    expect(result).toEqual({ path: "/root/it's.bin", sizeBytes: bytes.byteLength, sha256: hash });
    expect(shell.inputs).toEqual([160 * 1024, 160 * 1024, 80 * 1024]);
    expect(progress).toEqual([0, 160 * 1024, 320 * 1024, 400 * 1024]);
    expect(shell.commands.filter((c) => c.startsWith("cat >>"))).toEqual(Array(3).fill(`cat >> '/root/.it'\\''s.bin.tabcloud-part'`));
    expect(shell.commands.at(-1)).toContain(`mv -f '/root/.it'\\''s.bin.tabcloud-part' '/root/it'\\''s.bin'`);
  });

  it("refuses a file larger than the free space before sending anything", async () => {
    const shell = fakeShell([[/df -P/, () => ok("/dev/root 100 90 10 90% /\n")]]);
    await expect(new FileTransfers(shell).uploadFile("i-1", "/root", "a", bytes)).rejects.toMatchObject({ code: "InsufficientFreeSpace" });
    expect(shell.inputs).toEqual([]);
  });

  it("removes the part file when a write fails for want of space", async () => {
    let writes = 0;
    const shell = fakeShell([
      [/df -P/, () => ok(DF)],
      [/^cat >>/, () => (++writes === 2 ? { exitCode: 1, stdout: "", stderr: "cat: write error: No space left on device\n" } : ok())],
    ]);
    await expect(new FileTransfers(shell).uploadFile("i-1", "/root", "a", bytes)).rejects.toMatchObject({
      code: "InsufficientFreeSpace",
      message: expect.stringContaining("No space left on device"),
    });
    expect(shell.commands.at(-1)).toBe("rm -f '/root/.a.tabcloud-part'");
  });

  it("stops at a cancel and removes the part file", async () => {
    const controller = new AbortController();
    const shell = fakeShell([[/df -P/, () => ok(DF)]]);
    const upload = new FileTransfers(shell).uploadFile("i-1", "/root", "a", bytes, {
      signal: controller.signal,
      onProgress: (p) => void (p.transferredBytes > 0 && controller.abort()),
    });
    await expect(upload).rejects.toMatchObject({ code: "TransferCancelled" });
    expect(shell.inputs).toHaveLength(1);
    expect(shell.commands.at(-1)).toBe("rm -f '/root/.a.tabcloud-part'");
  });

  it("a hash the guest disagrees with fails the upload", async () => {
    const shell = fakeShell([
      [/df -P/, () => ok(DF)],
      [/sha256sum/, () => ({ exitCode: 3, stdout: "", stderr: "the guest read 00\n" })],
    ]);
    await expect(new FileTransfers(shell).uploadFile("i-1", "/root", "a", bytes)).rejects.toMatchObject({ code: "GuestAgentError" });
  });

  it("a stopped instance refuses with IncorrectInstanceState", async () => {
    const shell = fakeShell([], "stopped");
    await expect(new FileTransfers(shell).uploadFile("i-1", "/root", "a", bytes)).rejects.toMatchObject({ code: "IncorrectInstanceState" });
    await expect(new FileTransfers(shell).downloadPath("i-1", "/root/a")).rejects.toMatchObject({ code: "IncorrectInstanceState" });
    expect(shell.commands).toEqual([]);
  });

  it("downloads a file in parts and a directory as a tar, removing the tar after", async () => {
    const part = (options?: RunCommandOptions) => (options?.binaryStdout ? { ...ok(), stdoutBytes: bytes.subarray(0, 256 * 1024) } : ok());
    const files = new FileTransfers(
      fakeShell([
        [/wc -c </, () => ok(`f ${256 * 1024}\n`)],
        [/^dd if=/, part],
      ]),
    );
    const file = await files.downloadPath("i-1", "/root/a.bin");
    expect(file).toMatchObject({ fileName: "a.bin", kind: "file" });
    expect(Buffer.from(file.bytes).equals(Buffer.from(bytes.subarray(0, 256 * 1024)))).toBe(true);

    const shell = fakeShell([
      [/echo "d 0"/, () => ok("d 0\n")],
      [/^tar -C/, () => ok("3\n")],
      [/^dd if=/, () => ({ ...ok(), stdoutBytes: new TextEncoder().encode("abc") })],
    ]);
    // stat answers "d 0" for the directory (the rule above matches its command text).
    const tar = await new FileTransfers(shell).downloadPath("i-1", "/root/my dir");
    expect(tar).toMatchObject({ fileName: "my dir.tar", kind: "directory" });
    expect(shell.commands.some((c) => c.startsWith("tar -C '/root' -cf"))).toBe(true);
    expect(shell.commands.at(-1)).toMatch(/^rm -f '\/tmp\/\.tabcloud-download-/);
  });
});

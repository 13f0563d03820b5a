import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { MAX_COMMAND_INPUT_BYTES, withInput } from "./commandInput.ts";

describe("a command with input on the agent's port", () => {
  it("reads exactly the input's bytes with dd and keeps the command's status", () => {
    const wrapped = withInput("cat >> '/root/x'", 4096);
    expect(wrapped).toContain("dd if=/dev/ttyS1 bs=4096 count=1 iflag=fullblock");
    expect(wrapped).toContain("cat >> '/root/x'");
    // The wrapper's shape, run by a real sh with the port replaced by a pipe of more bytes than asked.
    const script = wrapped.replace("if=/dev/ttyS1 ", "").replace("cat >> '/root/x'", "head -c 3; exit 7 # a comment");
    let status = 0;
    let out: string;
    try {
      out = execFileSync("sh", ["-c", script], { input: "abcdef" }).toString();
    } catch (error) {
      status = (error as { status: number }).status;
      out = String((error as { stdout: Buffer }).stdout);
    }
    expect(out).toBe("abc");
    expect(status).toBe(7);
  });

  it("refuses sizes the guest's tty buffers could not hold", () => {
    expect(() => withInput("cat", 0)).toThrow(RangeError);
    expect(() => withInput("cat", MAX_COMMAND_INPUT_BYTES + 1)).toThrow(RangeError);
  });
});

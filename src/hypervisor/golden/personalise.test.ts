import { describe, expect, it } from "vitest";
import { personaliseScript, type Personality } from "./personalise.ts";

const personality: Personality = {
  hostname: "i-0123456789abcdef0",
  nowMs: 1_767_225_600_123,
  seed: new Uint8Array(64).fill(7),
  terminal: { rows: 30, cols: 100 },
  macAddress: "02:1A:2B:3C:4D:5E",
};

describe("the script that makes a restored golden state this instance", () => {
  it("sets the host name, the clock to the host's second, the terminal's size and the seed, and prints the host name last", () => {
    const script = personaliseScript(personality);
    expect(script).toContain("echo i-0123456789abcdef0 > /proc/sys/kernel/hostname");
    expect(script).toContain("date -s @1767225600 ");
    expect(script).toContain('echo "30 100" > /run/tabcloud/winsize');
    expect(script).toMatch(/echo [A-Za-z0-9+/=]{88} > \/dev\/urandom/);
    expect(script.split("\n").at(-1)).toContain("echo $name");
  });

  it("gives eth0 the interface's MAC (lower case) and asks for a lease, only when there is an interface", () => {
    expect(personaliseScript(personality)).toContain("ip link set dev eth0 address 02:1a:2b:3c:4d:5e");
    expect(personaliseScript(personality)).toContain("udhcpc");
    const unplugged = personaliseScript({ ...personality, macAddress: null });
    expect(unplugged).not.toContain("eth0");
  });

  it("seeds each clone differently", () => {
    const other = personaliseScript({ ...personality, seed: new Uint8Array(64).fill(8) });
    expect(other).not.toBe(personaliseScript(personality));
  });

  it("refuses an identity a shell could misread", () => {
    expect(() => personaliseScript({ ...personality, hostname: "i-1; reboot" })).toThrow(RangeError);
    expect(() => personaliseScript({ ...personality, macAddress: "02:1a:2b:3c:4d:5e; reboot" })).toThrow(RangeError);
    expect(() => personaliseScript({ ...personality, terminal: { rows: 1.5, cols: 80 } })).toThrow(RangeError);
  });
});

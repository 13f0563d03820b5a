import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "./base64.ts";
import { decodeMessage, encodeRequest, FrameParser, MAX_FRAME_BYTES } from "./protocol.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const b64 = (text: string) => bytesToBase64(bytes(text));

describe("encodeRequest", () => {
  it("puts an exec command in base64 on one line, with a whole-second timeout", () => {
    const line = encodeRequest({ verb: "exec", seq: 7, command: "echo 'a b'\nexit 3", timeoutSec: 2.2 });
    expect(line).toBe(`TC1 7 exec 3 ${b64("echo 'a b'\nexit 3")}\n`);
    expect(line.indexOf("\n")).toBe(line.length - 1);
  });

  it("encodes the other verbs", () => {
    expect(encodeRequest({ verb: "winsize", seq: 2, rows: 40, cols: 132 })).toBe("TC1 2 winsize 40 132\n");
    expect(encodeRequest({ verb: "poweroff", seq: 3 })).toBe("TC1 3 poweroff\n");
    const identity = { hostname: "i-0abc", epochSec: 1_767_225_600, rows: 30, cols: 100, seed: new Uint8Array([1, 2, 3]) };
    expect(encodeRequest({ verb: "personalise", seq: 4, identity: { ...identity, macAddress: "02:1a:2b:3c:4d:5e" } })).toBe(
      "TC1 4 personalise i-0abc 1767225600 30 100 AQID 02:1a:2b:3c:4d:5e\n",
    );
    // No NIC: the agent's "-" for an empty field, so the frame keeps its arity.
    expect(encodeRequest({ verb: "personalise", seq: 5, identity: { ...identity, macAddress: null } })).toBe(
      "TC1 5 personalise i-0abc 1767225600 30 100 AQID -\n",
    );
    expect(encodeRequest({ verb: "reboot", seq: 5 })).toBe("TC1 5 reboot\n");
    expect(encodeRequest({ verb: "ping", seq: 4 })).toBe("TC1 4 ping\n");
  });

  it("marks an empty command as empty rather than an empty field", () => {
    expect(encodeRequest({ verb: "exec", seq: 1, command: "", timeoutSec: 1 })).toBe("TC1 1 exec 1 -\n");
  });
});

describe("decodeMessage", () => {
  it.each([
    ["TC1 0 ready 1", { kind: "ready", agentVersion: 1 }],
    ["TC1 0 shutdown poweroff", { kind: "shutdown", shutdownKind: "poweroff" }],
    ["TC1 0 shutdown reboot", { kind: "shutdown", shutdownKind: "reboot" }],
    ["TC1 5 ok", { kind: "ok", seq: 5 }],
    [`TC1 5 error ${b64("no such verb")}`, { kind: "error", seq: 5, message: "no such verb" }],
    [
      `TC1 9 exit 3 - ${b64("boom\n")}`,
      { kind: "exit", seq: 9, exitCode: 3, stdout: "", stdoutBytes: new Uint8Array(0), stderr: "boom\n" },
    ],
    [
      `TC1 9 exit 0 ${b64("café\n")} -\r`,
      { kind: "exit", seq: 9, exitCode: 0, stdout: "café\n", stdoutBytes: bytes("café\n"), stderr: "" },
    ],
  ])("reads %j", (line, message) => {
    expect(decodeMessage(line)).toEqual(message);
  });

  it.each([
    ["", "empty"],
    ["hello world", "not a frame"],
    ["TC2 1 ok", "another protocol version"],
    ["TC1 x ok", "a seq that is not a number"],
    ["TC1 0 ok", "a reply to seq 0"],
    ["TC1 5 ready 1", "ready with a seq"],
    ["TC1 5 exit 0 !!!! -", "output that is not base64"],
    ["TC1 5 exit 0 aGk=", "a missing field"],
    ["TC1 5 exit 0 aGk= - extra", "an extra field"],
    ["TC1 5 exit -1 - -", "a negative exit code"],
    ["TC1 5 wat", "an unknown kind"],
    ["TC1 0 shutdown", "a shutdown without its kind"],
    ["TC1 0 shutdown sleep", "an unknown shutdown kind"],
  ])("drops %j (%s)", (line) => {
    expect(decodeMessage(line)).toBeNull();
  });
});

describe("FrameParser", () => {
  const frames = [`TC1 0 ready 1\n`, `TC1 1 exit 0 ${b64("hello\n")} -\n`, `TC1 2 ok\n`].join("");

  it("reads frames split at every possible byte", () => {
    const all = bytes(frames);
    for (let cut = 0; cut <= all.length; cut++) {
      const parser = new FrameParser();
      const messages = [...parser.push(all.subarray(0, cut)), ...parser.push(all.subarray(cut))];
      expect(messages.map((m) => m.kind)).toEqual(["ready", "exit", "ok"]);
      expect(parser.garbageLines).toBe(0);
    }
  });

  it("reads frames fed one byte at a time", () => {
    const parser = new FrameParser();
    const messages = [...bytes(frames)].flatMap((byte) => parser.push(Uint8Array.of(byte)));
    expect(messages).toHaveLength(3);
  });

  it("skips garbage lines and binary noise between frames and counts them", () => {
    const parser = new FrameParser();
    const noisy = new Uint8Array([...bytes("Killed\n"), 0xff, 0x00, 0x1b, 0x0a, ...bytes(frames), ...bytes("TC1 1 exit\n")]);
    expect(parser.push(noisy).map((m) => m.kind)).toEqual(["ready", "exit", "ok"]);
    expect(parser.garbageLines).toBe(3);
  });

  it("does not take a frame glued to garbage on the same line", () => {
    const parser = new FrameParser();
    expect(parser.push(bytes("junkTC1 2 ok\nTC1 3 ok\n"))).toEqual([{ kind: "ok", seq: 3 }]);
  });

  it("drops an overlong line whole and recovers at the next newline", () => {
    const parser = new FrameParser();
    const chunk = new Uint8Array(1024 * 1024).fill(0x41);
    for (let sent = 0; sent <= MAX_FRAME_BYTES; sent += chunk.length) expect(parser.push(chunk)).toEqual([]);
    expect(parser.push(bytes("\nTC1 4 ok\n"))).toEqual([{ kind: "ok", seq: 4 }]);
    expect(parser.garbageLines).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  MAX_COMMAND_BYTES,
  MAX_COMMAND_TIMEOUT_MS,
  parseOnConsoleOutput,
  parseRunCommand,
  parseSendConsoleInput,
  parseSetTerminalSize,
} from "./console.ts";
import { expectRefused, INSTANCE_ID } from "./testing.ts";
import { MAX_COMMAND_INPUT_BYTES } from "../../guest/commandInput.ts";

describe("console requests", () => {
  it("onConsoleOutput takes a function", () => {
    const listener = () => undefined;
    expect(parseOnConsoleOutput(INSTANCE_ID, listener)).toEqual({ instanceId: INSTANCE_ID, listener });
    expectRefused(() => parseOnConsoleOutput(INSTANCE_ID, 42), "InvalidParameterType", /listener must be a function, not a number/);
    expectRefused(() => parseOnConsoleOutput(INSTANCE_ID, undefined), "MissingParameter", /parameter listener/);
  });

  it("sendConsoleInput takes text of any length", () => {
    const data = "é€😀".repeat(100_000);
    expect(parseSendConsoleInput(INSTANCE_ID, data).data).toBe(data);
    expectRefused(() => parseSendConsoleInput(INSTANCE_ID, new Uint8Array(2)), "InvalidParameterType", /data must be text/);
  });

  it("setTerminalSize takes a possible size", () => {
    expect(parseSetTerminalSize(INSTANCE_ID, { rows: 40, cols: 120 }).size).toEqual({ rows: 40, cols: 120 });
    expectRefused(() => parseSetTerminalSize(INSTANCE_ID, null), "InvalidParameterType", /size must be a terminal size/);
    expectRefused(() => parseSetTerminalSize(INSTANCE_ID, { rows: 5000, cols: 80 }), "InvalidParameterValue", /5000x80/);
    expectRefused(() => parseSetTerminalSize("i-1", { rows: 24, cols: 80 }), "InvalidInstanceID.Malformed", /i-1/);
  });
});

describe("parseRunCommand", () => {
  it("fills in the default timeout", () => {
    expect(parseRunCommand(INSTANCE_ID, "uname -a", undefined)).toEqual({
      instanceId: INSTANCE_ID,
      command: "uname -a",
      timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
      exec: {},
    });
    expect(parseRunCommand(INSTANCE_ID, "true", { timeoutMs: MAX_COMMAND_TIMEOUT_MS }).timeoutMs).toBe(MAX_COMMAND_TIMEOUT_MS);
  });

  it("takes input bytes up to the most a command reads, and a request for the output's bytes", () => {
    const input = new Uint8Array(MAX_COMMAND_INPUT_BYTES);
    expect(parseRunCommand(INSTANCE_ID, "cat", { input, binaryStdout: true }).exec).toEqual({ input, binaryStdout: true });
    expect(parseRunCommand(INSTANCE_ID, "cat", { input: new Uint8Array(0) }).exec).toEqual({});
    expectRefused(
      () => parseRunCommand(INSTANCE_ID, "cat", { input: new Uint8Array(MAX_COMMAND_INPUT_BYTES + 1) }),
      "InvalidParameterValue",
      /input is at most 160 KiB/,
    );
    expectRefused(() => parseRunCommand(INSTANCE_ID, "cat", { input: "text" }), "InvalidParameterType", /bytes/);
  });

  it.each([
    ["NaN", NaN, "InvalidParameterValue", /Value \(NaN\) for parameter timeoutMs/],
    ["1e12", 1e12, "InvalidParameterValue", /from 1 to 3600000/],
    ["0", 0, "InvalidParameterValue", /timeoutMs/],
    ["a fraction", 1.5, "InvalidParameterValue", /whole number of milliseconds/],
    ["Infinity", Infinity, "InvalidParameterValue", /timeoutMs/],
    ["text", "30s", "InvalidParameterType", /timeoutMs must be a number/],
  ])("refuses a timeout of %s", (_, timeoutMs, code, message) => {
    expectRefused(() => parseRunCommand(INSTANCE_ID, "true", { timeoutMs }), code as never, message);
  });

  it.each([
    ["empty", "", "InvalidParameterValue", /The command is empty/],
    ["blank", " \n", "InvalidParameterValue", /The command is empty/],
    ["too long", "x".repeat(MAX_COMMAND_BYTES + 1), "InvalidParameterValue", /at most 64 KiB/],
    ["not text", ["ls"], "InvalidParameterType", /command must be a shell command/],
    ["missing", undefined, "MissingParameter", /parameter command/],
  ])("refuses a command that is %s", (_, command, code, message) => {
    expectRefused(() => parseRunCommand(INSTANCE_ID, command, {}), code as never, message);
  });

  it("refuses options that are not an object", () => {
    expectRefused(() => parseRunCommand(INSTANCE_ID, "true", 5000), "InvalidParameterType", /options must be an object/);
  });
});

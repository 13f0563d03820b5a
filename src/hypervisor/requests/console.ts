/**
 * The requests of an instance's console and agent: GetConsoleOutput, listening to the console,
 * typing into it, the terminal's size, and RunCommand.
 */
import * as v from "valibot";
import type { TerminalSize } from "../instances/kernelCommandLine.ts";
import { BytesSchema, listenerSchema, optionalRequest, requestObject, TerminalSizeSchema, wholeNumber } from "./common.ts";
import { parse } from "./parse.ts";
import type { ExecOptions } from "../../guest/agentClient.ts";
import { MAX_COMMAND_INPUT_BYTES } from "../../guest/commandInput.ts";
import { parseInstanceId } from "./instances.ts";

export const parseGetConsoleOutput = parseInstanceId;

const ConsoleListenerSchema = listenerSchema<Uint8Array>();

export function parseOnConsoleOutput(
  instanceId: unknown,
  listener: unknown,
): { readonly instanceId: string; readonly listener: (data: Uint8Array) => void } {
  return { instanceId: parseInstanceId(instanceId), listener: parse(ConsoleListenerSchema, listener, "listener") };
}

/** Any amount of text: the console paces it into the guest. */
const ConsoleInputSchema = v.string("text (a string)");

export function parseSendConsoleInput(instanceId: unknown, data: unknown): { readonly instanceId: string; readonly data: string } {
  return { instanceId: parseInstanceId(instanceId), data: parse(ConsoleInputSchema, data, "data") };
}

export function parseSetTerminalSize(instanceId: unknown, size: unknown): { readonly instanceId: string; readonly size: TerminalSize } {
  return { instanceId: parseInstanceId(instanceId), size: parse(TerminalSizeSchema, size, "size") };
}

export interface RunCommandOptions {
  /** How long the command may run; 30 s unless given. */
  readonly timeoutMs?: number;
  /** Bytes the command reads as its standard input (at most MAX_COMMAND_INPUT_BYTES): how files are copied in. */
  readonly input?: Uint8Array;
  /** Also return the output's bytes unchanged (stdoutBytes): how files are copied out. */
  readonly binaryStdout?: boolean;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** As long as a command may run: an hour, Systems Manager's default execution timeout. */
export const MAX_COMMAND_TIMEOUT_MS = 60 * 60 * 1000;
/** A command travels to the agent as one line over the guest's serial port, so it is kept short. */
export const MAX_COMMAND_BYTES = 64 * 1024;

const utf8 = new TextEncoder();

const CommandSchema = v.pipe(
  v.string("a shell command (text)"),
  v.check((command: string) => command.trim().length > 0, "The command is empty."),
  v.check(
    (command: string) => command.length <= MAX_COMMAND_BYTES && utf8.encode(command).byteLength <= MAX_COMMAND_BYTES,
    `A command is at most ${MAX_COMMAND_BYTES / 1024} KiB: copy larger scripts in as user data or a volume.`,
  ),
);

const RunCommandOptionsSchema = requestObject<RunCommandOptions>({
  timeoutMs: v.optional(
    wholeNumber(1, MAX_COMMAND_TIMEOUT_MS, `A timeout is a whole number of milliseconds from 1 to ${MAX_COMMAND_TIMEOUT_MS} (an hour).`),
  ),
  input: v.optional(
    v.pipe(
      BytesSchema,
      v.check(
        (input: Uint8Array) => input.byteLength <= MAX_COMMAND_INPUT_BYTES,
        `A command's input is at most ${MAX_COMMAND_INPUT_BYTES / 1024} KiB: send larger files in parts.`,
      ),
    ),
  ),
  binaryStdout: v.optional(v.boolean("true or false")),
});

/** The command, and its timeout with the default filled in. */
export function parseRunCommand(
  instanceId: unknown,
  command: unknown,
  options: unknown,
): { readonly instanceId: string; readonly command: string; readonly timeoutMs: number; readonly exec: ExecOptions } {
  const parsedId = parseInstanceId(instanceId);
  const parsedCommand = parse(CommandSchema, command, "command");
  const { timeoutMs, input, binaryStdout } = parse(optionalRequest(RunCommandOptionsSchema), options, "options");
  return {
    instanceId: parsedId,
    command: parsedCommand,
    timeoutMs: timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    exec: { ...(input && input.byteLength > 0 ? { input } : {}), ...(binaryStdout ? { binaryStdout } : {}) },
  };
}

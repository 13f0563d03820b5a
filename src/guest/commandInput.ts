/**
 * Standard input for a command run by the guest agent, without a change to the agent.
 *
 * The agent reads its requests with the shell's `read`, one byte per system call: a file sent
 * inside request lines crosses at 0.009 MiB/s (bench file-transfer), far too slow for files. So the bytes
 * follow the request on the agent's port instead, and the command reads them itself with `dd`,
 * which reads in blocks. The agent is busy running the command meanwhile, so it reads none of
 * them, and the host sends nothing else on the port until the reply (AgentClient holds it).
 */

/** The agent's serial port in the guest: the second one (protocol.ts). */
const AGENT_PORT_DEVICE = "/dev/ttyS1";

/**
 * The most input one command takes. Bytes the guest has not read yet wait in its kernel's tty
 * buffers, which hold 640 KiB before they drop anything (Linux's TTYB_DEFAULT_MEM_LIMIT), and
 * the command may start reading only after some have arrived: a quarter of that is safe.
 */
export const MAX_COMMAND_INPUT_BYTES = 160 * 1024;

/**
 * The command with `inputBytes` bytes from the agent's port as its standard input. `dd` with
 * `iflag=fullblock` reads exactly that many, however the tty splits them (GNU and BusyBox dd
 * both take it); whatever the command leaves unread is drained, so nothing is left on the port
 * for the agent to mistake for a request. The command's exit status is the wrapper's.
 */
export function withInput(command: string, inputBytes: number): string {
  if (!Number.isInteger(inputBytes) || inputBytes < 1 || inputBytes > MAX_COMMAND_INPUT_BYTES) {
    throw new RangeError(`input of ${inputBytes} bytes is not possible (1 to ${MAX_COMMAND_INPUT_BYTES})`);
  }
  // The command's own lines go between braces on lines of their own, so that a comment or a
  // missing semicolon at its end cannot swallow the status or the drain.
  return [
    `dd if=${AGENT_PORT_DEVICE} bs=${inputBytes} count=1 iflag=fullblock 2>/dev/null | {`,
    command,
    "status=$?",
    "cat > /dev/null",
    'exit "$status"',
    "}",
  ].join("\n");
}

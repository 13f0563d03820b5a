/**
 * An instance's serial console: what the guest wrote (EC2's GetConsoleOutput keeps the newest
 * 64 KiB), listeners for what it writes next, typing into it, and the terminal's size, which
 * the next boot is told too.
 */
import { Ec2Error, toCloudError, unwrap } from "../../shared/errors.ts";
import { callEach } from "../listeners.ts";
import type { TerminalSize } from "./kernelCommandLine.ts";
import { decide } from "./lifecycle.ts";
import type { InstanceRecord } from "./record.ts";
import type { InstanceRegistry } from "./registry.ts";

export interface ConsoleOutput {
  readonly instanceId: string;
  readonly output: string;
  readonly timestamp: string;
}

export class InstanceConsole {
  readonly #registry: InstanceRegistry;

  constructor(registry: InstanceRegistry) {
    this.#registry = registry;
  }

  /** Bytes the guest wrote: kept, and passed to every listener. */
  received(record: InstanceRecord, data: Uint8Array): void {
    record.runtime.console.append(data);
    callEach(record.runtime.consoleListeners, data);
  }

  output(instanceId: string): ConsoleOutput {
    const record = this.#registry.get(instanceId);
    return { instanceId, output: record.runtime.console.text(), timestamp: new Date().toISOString() };
  }

  listen(instanceId: string, listener: (data: Uint8Array) => void): () => void {
    const listeners = this.#registry.get(instanceId).runtime.consoleListeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async type(instanceId: string, data: string): Promise<void> {
    const record = this.#registry.withEmulator(instanceId, "sendConsoleInput");
    await record.runtime.worker?.api.sendConsoleInput(data);
  }

  /** Kept for the next boot; told to the guest now if its agent answers. */
  async resize(instanceId: string, size: TerminalSize): Promise<void> {
    const record = this.#registry.get(instanceId);
    record.config.terminalSize = size;
    const worker = record.runtime.worker;
    // The guest's agent sets the size: only when a command could run now.
    if (decide("runCommand", record.instance).kind !== "proceed") return;
    if (!worker) throw new Ec2Error("IncorrectInstanceState", `The instance ${instanceId} has no running emulator.`);
    let result;
    try {
      result = await worker.api.setTerminalSize(size.rows, size.cols);
    } catch (error) {
      throw Ec2Error.from(toCloudError(error));
    }
    unwrap(result);
  }
}

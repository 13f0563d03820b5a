/** One instance of the default image, booted through a fresh Node hypervisor, at its prompt with its agent answering. */
import type { Hypervisor, Instance, TerminalSize } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor } from "../../src/hypervisor/node.ts";
import { ConsoleReader, PROMPT } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

export interface BootedInstance {
  readonly hypervisor: Hypervisor;
  readonly instance: Instance;
  readonly console: ConsoleReader;
}

export async function bootToPrompt(terminalSize: TerminalSize): Promise<BootedInstance> {
  const hypervisor = await createNodeHypervisor();
  const [instance] = (await hypervisor.runInstances({ terminalSize })) as [Instance];
  const console = new ConsoleReader(hypervisor, instance.instanceId);
  await console.waitFor(PROMPT, 60_000);
  await waitForInstance(hypervisor, instance.instanceId, (i) => i.statusChecks.instance === "ok");
  return { hypervisor, instance, console };
}

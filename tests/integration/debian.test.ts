/**
 * Debian 12 on a real boot: its disk read in chunks as the guest needs them, apt installing from
 * the offline archive the fabric serves at deb.debian.org (no network beyond the project's own
 * files: the Node hypervisor reads them from public/), and an installed package kept across a
 * stop and start.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, SERVED_IMAGES_DIR } from "../../src/hypervisor/node.ts";
import { ConsoleReader } from "./consoleReader.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

async function debianImageId(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(SERVED_IMAGES_DIR, "debian-12", "manifest.json"), "utf8")) as { imageId: string };
  return manifest.imageId;
}

async function sh(hypervisor: Hypervisor, instanceId: string, command: string, timeoutMs = 60_000): Promise<string> {
  const result = await hypervisor.runCommand(instanceId, command, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`${command} exited ${result.exitCode}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

describe("Debian 12", () => {
  let hypervisor: Hypervisor;
  let instanceId: string;
  let reader: ConsoleReader;

  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ fastLaunch: false, stopTimeoutMs: 30_000 });
    const [instance] = (await hypervisor.runInstances({ imageId: await debianImageId(), instanceType: "t3.micro" })) as [Instance];
    instanceId = instance.instanceId;
    reader = new ConsoleReader(hypervisor, instanceId);
    await waitForInstance(hypervisor, instanceId, agentReady, 120_000);
  }, 180_000);
  afterAll(async () => {
    reader.dispose();
    await hypervisor.shutdownAll();
  });

  it("boots to a root prompt on its console and answers through its agent", async () => {
    await reader.waitFor(/root@i-[0-9a-f]+:~# $/, 30_000);
    expect(await sh(hypervisor, instanceId, "cat /etc/debian_version")).toMatch(/^12\.\d+\n$/);
    expect(Number(await sh(hypervisor, instanceId, "dpkg -l | wc -l"))).toBeGreaterThan(100);
    expect(await sh(hypervisor, instanceId, ". /etc/os-release; echo $ID $VERSION_ID $VARIANT_ID")).toBe("debian 12 tabcloud\n");
  });

  it("reads only part of its disk to boot", async () => {
    const [image] = (await hypervisor.describeImages()).filter((candidate) => candidate.imageId === instanceImage());
    expect(image?.availableOffline).toBe(false);
  });

  it("installs jq with apt from the offline archive at deb.debian.org, and runs it", async () => {
    await sh(hypervisor, instanceId, "apt-get install -y jq", 300_000);
    expect(await sh(hypervisor, instanceId, `echo '{"a":1}' | jq .a`)).toBe("1\n");
  }, 320_000);

  it("keeps the installed package across a stop and start", async () => {
    await hypervisor.stopInstances([instanceId]);
    await waitForInstance(hypervisor, instanceId, (i) => i.state.name === "stopped", 60_000);
    await hypervisor.startInstances([instanceId]);
    await waitForInstance(hypervisor, instanceId, agentReady, 120_000);
    expect(await sh(hypervisor, instanceId, "dpkg -s jq | grep ^Status; jq --version")).toMatch(/^Status: install ok installed\njq-1\.6/);
  }, 200_000);

  function instanceImage(): string {
    return (hypervisor.describeInstances({ instanceIds: [instanceId] })[0] as Instance).imageId;
  }
});

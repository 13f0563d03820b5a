/**
 * The catalog's images with an application: each serves its page from boot, asked from inside
 * the instance through its agent. The Debian web stack's notes app keeps a note in SQLite.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hypervisor, Instance } from "../../src/hypervisor/index.ts";
import { createNodeHypervisor, SERVED_IMAGES_DIR } from "../../src/hypervisor/node.ts";
import { waitForInstance } from "./waitFor.ts";

const agentReady = (i: Instance) => i.state.name === "running" && i.statusChecks.instance === "ok";

async function imageIdIn(dir: string): Promise<string> {
  return (JSON.parse(await readFile(join(SERVED_IMAGES_DIR, dir, "manifest.json"), "utf8")) as { imageId: string }).imageId;
}

async function sh(hypervisor: Hypervisor, instanceId: string, command: string): Promise<string> {
  const result = await hypervisor.runCommand(instanceId, command, { timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw new Error(`${command} exited ${result.exitCode}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Asks until the server answers: it starts with the system, a moment after the agent may. */
async function fetchInGuest(hypervisor: Hypervisor, instanceId: string, command: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const result = await hypervisor.runCommand(instanceId, command, { timeoutMs: 30_000 });
    if (result.exitCode === 0) return result.stdout;
    if (attempt === 20) throw new Error(`${command} exited ${result.exitCode}: ${result.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe("images with an application", () => {
  let hypervisor: Hypervisor;
  beforeAll(async () => {
    hypervisor = await createNodeHypervisor({ fastLaunch: false });
  });
  afterAll(async () => {
    await hypervisor.shutdownAll();
  });

  async function launch(dir: string): Promise<string> {
    const [instance] = (await hypervisor.runInstances({ imageId: await imageIdIn(dir), instanceType: "t3.micro" })) as [Instance];
    await waitForInstance(hypervisor, instance.instanceId, agentReady, 120_000);
    return instance.instanceId;
  }

  it("tabcloud Linux with a web server serves its sample site on port 80 from boot", async () => {
    const id = await launch("tabcloud-linux-web");
    expect(await fetchInGuest(hypervisor, id, "wget -qO- http://localhost/")).toContain("It works: tabcloud Linux web server");
    await hypervisor.terminateInstances([id]);
  }, 180_000);

  it("Debian 12 with a web stack serves its page, and its notes app keeps a note in SQLite", async () => {
    const id = await launch("debian-12-web");
    expect(await fetchInGuest(hypervisor, id, "busybox wget -qO- http://localhost/")).toContain("It works: Debian 12 web stack");
    // Python's urllib follows the app's 303 after a POST with a GET, as a browser does (BusyBox wget would post again).
    await sh(
      hypervisor,
      id,
      `python3 -c "import urllib.request as r; r.urlopen(r.Request('http://localhost/cgi-bin/notes.py', data=b'text=kept+in+sqlite'))"`,
    );
    const page = await sh(hypervisor, id, "busybox wget -qO- http://localhost/cgi-bin/notes.py");
    expect(page).toContain("kept in sqlite");
    expect(page).toMatch(/Python 3\.11\.\d+, kept in SQLite 3\.40/);
    expect(await sh(hypervisor, id, "sqlite3 /var/lib/notes/notes.db 'SELECT text FROM notes'")).toBe("kept in sqlite\n");
    await hypervisor.terminateInstances([id]);
  }, 240_000);
});

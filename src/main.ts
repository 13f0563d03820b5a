import { mount, unmount } from "svelte";
import { registerSW } from "virtual:pwa-register";
import "@xterm/xterm/css/xterm.css";
import "./ui/app.css";
import App from "./ui/App.svelte";
import OtherTabNotice from "./ui/OtherTabNotice.svelte";
import StorageNotice from "./ui/StorageNotice.svelte";
import { takeFleetLock, waitForFleetLock } from "./app/fleetLock.ts";
import { relayPublicAddresses } from "./app/publicAddressRelay.ts";
import { createBrowserHypervisor } from "./hypervisor/browser.ts";
import { LabProgressBook } from "./labs/progress.ts";
import { openPersistence } from "./persistence/persistence.ts";
import { Fleet } from "./ui/fleet.svelte.ts";

// The app shell, cached for offline use (a no-op under the dev server).
registerSW();

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

/**
 * Runs the fleet in this tab: opens the browser's storage once and hands it to the hypervisor
 * (instances, volumes, images) and to the labs (progress), then mounts the console. Only the
 * lock's holder calls it.
 */
async function startConsole(target: HTMLElement): Promise<void> {
  let app: ReturnType<typeof mount> | null = null;
  let fleet: Fleet | null = null;
  const storageLost = (message: string) => {
    fleet?.dispose();
    if (app) void unmount(app);
    app = null;
    target.replaceChildren();
    mount(StorageNotice, { target, props: { message } });
  };
  let hypervisor;
  let persistence;
  try {
    persistence = await openPersistence({
      onTerminated: () => storageLost("The browser closed tabcloud's database while it ran (its storage was cleared, or the disk failed)."),
    });
    hypervisor = await createBrowserHypervisor(document.baseURI, persistence);
  } catch (error) {
    storageLost(error instanceof Error ? error.message : String(error));
    return;
  }
  fleet = new Fleet(hypervisor);
  const labProgress = new LabProgressBook(persistence.labProgress);
  // The instances' public addresses are answered from this tab, the one that runs them.
  const stopRelay = relayPublicAddresses((request) => hypervisor.requestPublicAddress(request));
  window.addEventListener("pagehide", () => {
    stopRelay();
    void hypervisor.shutdownAll();
  });
  app = mount(App, { target, props: { fleet, labProgress } });
}

if (await takeFleetLock()) {
  await startConsole(target);
} else {
  const notice = mount(OtherTabNotice, {
    target,
    props: {
      takeOver: async () => {
        await waitForFleetLock();
        await unmount(notice);
        await startConsole(target);
      },
    },
  });
}

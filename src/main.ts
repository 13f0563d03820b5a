import { mount, unmount } from "svelte";
import { registerSW } from "virtual:pwa-register";
import "@xterm/xterm/css/xterm.css";
import "./ui/app.css";
import App from "./ui/App.svelte";
import OtherTabNotice from "./ui/OtherTabNotice.svelte";
import StorageNotice from "./ui/StorageNotice.svelte";
import { takeFleetLock, waitForFleetLock } from "./app/fleetLock.ts";
import { createBrowserHypervisor } from "./hypervisor/browser.ts";
import { Fleet } from "./ui/fleet.svelte.ts";

// The app shell, cached for offline use (a no-op under the dev server).
registerSW();

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

/** Runs the fleet in this tab: the hypervisor, its instances and the console. Only the lock's holder calls it. */
async function startConsole(target: HTMLElement): Promise<void> {
  let app: ReturnType<typeof mount> | null = null;
  const storageLost = (message: string) => {
    if (app) void unmount(app);
    app = null;
    target.replaceChildren();
    mount(StorageNotice, { target, props: { message } });
  };
  let hypervisor;
  try {
    hypervisor = await createBrowserHypervisor(document.baseURI, {
      onStorageLost: () => storageLost("The browser closed the lab's database while it ran (its storage was cleared, or the disk failed)."),
    });
  } catch (error) {
    storageLost(error instanceof Error ? error.message : String(error));
    return;
  }
  const fleet = new Fleet(hypervisor);
  window.addEventListener("pagehide", () => void hypervisor.shutdownAll());
  app = mount(App, { target, props: { fleet } });
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

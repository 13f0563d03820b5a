import { mount, unmount } from "svelte";
import { registerSW } from "virtual:pwa-register";
import "@xterm/xterm/css/xterm.css";
import "./ui/app.css";
import App from "./ui/App.svelte";
import OtherTabNotice from "./ui/OtherTabNotice.svelte";
import { takeFleetLock, waitForFleetLock } from "./app/fleetLock.ts";
import { createBrowserHypervisor } from "./hypervisor/browserHypervisor.ts";
import { Fleet } from "./ui/fleet.svelte.ts";

// The app shell, cached for offline use (a no-op under the dev server).
registerSW();

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

/** Runs the fleet in this tab: the hypervisor, its instances and the console. Only the lock's holder calls it. */
async function startConsole(target: HTMLElement): Promise<void> {
  const hypervisor = await createBrowserHypervisor(document.baseURI);
  const fleet = new Fleet(hypervisor);
  window.addEventListener("pagehide", () => void hypervisor.shutdownAll());
  mount(App, { target, props: { fleet } });
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

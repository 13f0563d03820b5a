import { mount } from "svelte";
import "@xterm/xterm/css/xterm.css";
import "./ui/app.css";
import App from "./ui/App.svelte";
import { createBrowserHypervisor } from "./hypervisor/browserHypervisor.ts";
import { Fleet } from "./ui/fleet.svelte.ts";

const hypervisor = await createBrowserHypervisor(document.baseURI);
const fleet = new Fleet(hypervisor);
window.addEventListener("pagehide", () => void hypervisor.shutdownAll());

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");
mount(App, { target, props: { fleet } });

/** The hypervisor as the page runs it: Web Workers, images served beside the app. */
import { ImageRepository } from "../images/imageRepository.ts";
import { BrowserWorkerHost } from "./browserWorkerHost.ts";
import { Hypervisor } from "./hypervisor.ts";

export function createBrowserHypervisor(baseUrl: string): Hypervisor {
  const catalogUrl = new URL("images/index.json", baseUrl).href;
  return new Hypervisor({ workerHost: new BrowserWorkerHost(), images: new ImageRepository(catalogUrl, (url) => fetch(url)) });
}

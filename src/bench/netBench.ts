/**
 * The browser reaching a guest's web page, run by bench/netHttp.ts in Chromium: an instance with a
 * public IP whose group admits HTTP serves a 10 KB file with BusyBox httpd, and the page fetches
 * `vpc/<public-ip>/80/<file>` as a person's browser would: through the service worker, a
 * BroadcastChannel to the tab that runs the fleet (the console's own relay), and the fabric's TCP
 * connection to the guest.
 */
import { relayPublicAddresses } from "../app/publicAddressRelay.ts";
import type { Hypervisor } from "../hypervisor/index.ts";
import { publicRouteUrl } from "../net/publicRoute.ts";
import { benchHypervisor } from "./benchHypervisor.ts";

/** Kept apart from the lab's own database and from the other benchmarks'. */
const DATABASE = "tabcloud-bench-net";
const PAGE_BYTES = 10 * 1024;

interface NetHttpFigures {
  /** "sw" when the requests went through the service worker, "api" when straight to the hypervisor. */
  readonly path: "sw" | "api";
  readonly requestMs: number[];
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

/**
 * The console's service worker, controlling this page: it registers it as the console's page
 * does, and it claims its clients on activation. Null where it cannot (no service workers).
 */
async function controllingServiceWorker(): Promise<ServiceWorker | null> {
  if (!("serviceWorker" in navigator)) return null;
  if (navigator.serviceWorker.controller) return navigator.serviceWorker.controller;
  const controlled = new Promise<void>((resolve) => navigator.serviceWorker.addEventListener("controllerchange", () => resolve()));
  await navigator.serviceWorker.register("./sw.js", { scope: "./" });
  await navigator.serviceWorker.ready;
  await Promise.race([controlled, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  return navigator.serviceWorker.controller;
}

async function sh(hypervisor: Hypervisor, id: string, command: string): Promise<string> {
  const result = await hypervisor.runCommand(id, command, { timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw new Error(`"${command}" exited ${result.exitCode}: ${result.stdout}${result.stderr}`);
  return result.stdout;
}

async function webServer(hypervisor: Hypervisor): Promise<{ id: string; publicIp: string }> {
  const vpc = hypervisor.describeVpcs().find((candidate) => candidate.isDefault);
  if (!vpc) throw new Error("no default VPC");
  const { groupId } = await hypervisor.createSecurityGroup({ groupName: "bench-web", description: "HTTP from anywhere", vpcId: vpc.vpcId });
  await hypervisor.authorizeSecurityGroupIngress(groupId, {
    ipPermissions: [{ ipProtocol: "tcp", fromPort: 80, toPort: 80, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }],
  });
  const [launched] = await hypervisor.runInstances({ securityGroupIds: [groupId], associatePublicIpAddress: true });
  if (!launched?.publicIpAddress) throw new Error("the instance has no public IP");
  const id = launched.instanceId;
  while (hypervisor.describeInstances({ instanceIds: [id] })[0]?.statusChecks.instance !== "ok")
    await new Promise((resolve) => setTimeout(resolve, 100));
  await sh(
    hypervisor,
    id,
    `for i in $(seq 100); do ip -4 -o addr show eth0 | grep -q ' ${launched.privateIpAddress}/' && break; sleep 0.2; done; ` +
      `mkdir -p /www && head -c ${PAGE_BYTES} /dev/urandom > /www/page.bin && setsid httpd -p 80 -h /www < /dev/null > /dev/null 2>&1`,
  );
  return { id, publicIp: launched.publicIpAddress };
}

/** Fetches the guest's 10 KB page `requests` times, one after another, each checked whole. */
async function netHttp(requests: number): Promise<NetHttpFigures> {
  await deleteDatabase(DATABASE);
  const worker = await controllingServiceWorker();
  const hypervisor = await benchHypervisor(DATABASE);
  const stopRelay = relayPublicAddresses((request) => hypervisor.requestPublicAddress(request));
  try {
    const { publicIp } = await webServer(hypervisor);
    const path = "/page.bin";
    const get = async (): Promise<number> => {
      if (worker) {
        const response = await fetch(publicRouteUrl(publicIp, 80, path), { cache: "no-store" });
        if (!response.ok) throw new Error(`the guest's page answered ${response.status}: ${await response.text()}`);
        return (await response.arrayBuffer()).byteLength;
      }
      const result = await hypervisor.requestPublicAddress({ publicIp, port: 80, path, method: "GET", headers: [], body: null });
      if (!result.ok || result.status !== 200) throw new Error(`the guest's page answered ${JSON.stringify(result)}`);
      return result.body.byteLength;
    };
    // The first request opens the guest's httpd binary from disk: not what the figure is about.
    await get();
    const requestMs: number[] = [];
    for (let i = 0; i < requests; i++) {
      const start = performance.now();
      const bytes = await get();
      requestMs.push(performance.now() - start);
      if (bytes !== PAGE_BYTES) throw new Error(`the page came back with ${bytes} bytes, not ${PAGE_BYTES}`);
    }
    return { path: worker ? "sw" : "api", requestMs };
  } finally {
    stopRelay();
    await hypervisor.shutdownAll();
  }
}

export const netBench = { netHttp };

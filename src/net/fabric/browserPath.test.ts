import { describe, expect, it } from "vitest";
import { serveHttp } from "../http/serveHttp.ts";
import type { InboundHttpRequest } from "../fabricApi.ts";
import type { SecurityGroupConfig } from "../topology.ts";
import { BLOCKED_AFTER_MS } from "./browserPath.ts";
import { DEFAULT_GROUP, PORTS, WEB_GROUP, fabricWith, topology } from "./testing/fakeNetwork.ts";
import { StackGuest, settle } from "./testing/stackGuest.ts";

const HTTP_FROM_ANYWHERE = { ruleId: "sgr-http", protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "0.0.0.0/0" } } as const;
const withHttp: SecurityGroupConfig = { ...WEB_GROUP, ingress: [HTTP_FROM_ANYWHERE] };
const webServer = { ...PORTS.a, groups: ["sg-web"] };

const GET: InboundHttpRequest = {
  publicIp: "54.0.0.10",
  port: 80,
  method: "GET",
  path: "/index.html",
  headers: [["Accept", "text/html"]],
  body: null,
};

/** A public instance running a web server that answers every request with its path and Host header. */
function webServerBehind(groups: readonly SecurityGroupConfig[]) {
  const network = fabricWith([], undefined, { autoTurns: true });
  network.fabric.configure(topology([webServer], groups));
  const server = new StackGuest(network.fabric, webServer, network.scheduler);
  const seen: string[] = [];
  serveHttp(server.stack, server.guest.ip, 80, (request) => {
    const host = request.headers.find(([name]) => name.toLowerCase() === "host")?.[1] ?? "";
    seen.push(`${request.method} ${request.target} ${host}`);
    return {
      response: { status: 200, headers: [["Content-Type", "text/html"]], body: new TextEncoder().encode("<h1>hello from the guest</h1>") },
    };
  });
  return { ...network, server, seen };
}

describe("the browser reaching a public instance", () => {
  it("gets the page the guest serves when its group admits HTTP from anywhere", async () => {
    const { fabric, scheduler, seen } = webServerBehind([DEFAULT_GROUP, withHttp]);
    const result = await settle(scheduler, fabric.httpRequest(GET));
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && new TextDecoder().decode(result.body)).toBe("<h1>hello from the guest</h1>");
    expect(seen).toEqual(["GET /index.html 54.0.0.10"]);
    expect(fabric.flowLog("eni-a")).toMatchObject([
      { srcAddr: "198.51.100.1", dstAddr: "172.31.0.10", dstPort: 80, action: "ACCEPT" },
      { srcPort: 80, action: "ACCEPT" },
    ]);
  });

  it("is Blocked, after a dropped SYN's wait, when no rule admits it, and the guest sees nothing", async () => {
    const { fabric, scheduler, seen, server } = webServerBehind([DEFAULT_GROUP, WEB_GROUP]);
    const started = scheduler.now();
    const result = await settle(scheduler, fabric.httpRequest(GET));
    expect(result).toMatchObject({
      ok: false,
      code: "Blocked",
      message: "The security groups of i-a do not allow TCP port 80 from this browser (198.51.100.1), so its connection was dropped.",
    });
    expect(scheduler.now() - started).toBeLessThanOrEqual(BLOCKED_AFTER_MS + 10);
    expect(seen).toEqual([]);
    expect(server.guest.frames).toEqual([]);
    expect(fabric.counters().dropped.securityGroup).toBeGreaterThan(0);
    expect(fabric.flowLog("eni-a")[0]).toMatchObject({ srcAddr: "198.51.100.1", dstPort: 80, action: "REJECT" });
  });

  it("is NoSuchAddress for an address no instance has, or one in a private subnet", async () => {
    const { fabric, scheduler } = webServerBehind([DEFAULT_GROUP, withHttp]);
    expect(await settle(scheduler, fabric.httpRequest({ ...GET, publicIp: "54.0.0.99" }))).toMatchObject({
      ok: false,
      code: "NoSuchAddress",
    });
    fabric.configure(topology([{ ...webServer, subnetId: "subnet-b", ip: "172.31.16.10" }], [DEFAULT_GROUP, withHttp]));
    expect(await settle(scheduler, fabric.httpRequest(GET))).toMatchObject({ ok: false, code: "NoSuchAddress" });
  });

  it("is ConnectionRefused when nothing listens on the port", async () => {
    const { fabric, scheduler } = webServerBehind([
      DEFAULT_GROUP,
      { ...WEB_GROUP, ingress: [{ ...HTTP_FROM_ANYWHERE, fromPort: 0, toPort: 65535 }] },
    ]);
    expect(await settle(scheduler, fabric.httpRequest({ ...GET, port: 8080 }))).toMatchObject({ ok: false, code: "ConnectionRefused" });
  });
});

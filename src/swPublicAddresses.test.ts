import { setImmediate } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { relayPublicAddresses } from "./app/publicAddressRelay.ts";
import type { InboundHttpResult } from "./net/fabricApi.ts";
import { answerPublicAddress } from "./swPublicAddresses.ts";

/** Lets BroadcastChannel messages cross (they are delivered on later turns of the event loop, which fake timers do not run). */
async function deliverMessages(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await setImmediate();
}

function ask(path: string): Promise<Response> {
  return answerPublicAddress(new Request(`http://lab.test/vpc/${path}`), path);
}

describe("the service worker's answer for a public address", () => {
  let stopRelay: (() => void) | null = null;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    stopRelay?.();
    stopRelay = null;
    vi.useRealTimers();
  });

  it("says at once that no lab is running when no tab runs the fleet, instead of waiting out a guest's answer", async () => {
    let answer: Response | null = null;
    void ask("54.1.2.3/80/").then((response) => (answer = response));
    await deliverMessages();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(answer).not.toBeNull();
    const response = answer as unknown as Response;
    expect(response.status).toBe(504);
    expect(await response.text()).toContain("No lab is running");
  });

  it("waits for a guest that takes long to answer once the fleet's tab has the request", async () => {
    let finish: (result: InboundHttpResult) => void = () => {};
    stopRelay = relayPublicAddresses(() => new Promise((resolve) => (finish = resolve)));
    let answer: Response | null = null;
    void ask("54.1.2.3/80/").then((response) => (answer = response));
    await deliverMessages();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(answer).toBeNull();
    finish({
      ok: true,
      status: 200,
      statusText: "OK",
      headers: [["Content-Type", "text/plain"]],
      body: new TextEncoder().encode("served"),
    });
    await deliverMessages();
    await vi.advanceTimersByTimeAsync(0);
    const response = answer as unknown as Response;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("served");
  });

  it("explains a request the security groups drop, and what lets it in", async () => {
    stopRelay = relayPublicAddresses(async () => ({
      ok: false,
      code: "Blocked",
      message: "The security groups of i-0123456789abcdef0 do not allow TCP port 80 from this browser (198.51.100.1).",
    }));
    const response = ask("54.1.2.3/80/");
    await deliverMessages();
    const page = await (await response).text();
    expect((await response).status).toBe(504);
    expect(page).toContain("<h1>The connection timed out</h1>");
    expect(page).toContain("54.1.2.3 did not answer on port 80");
    expect(page).toContain("do not allow TCP port 80 from this browser");
    expect(page).toContain("source 0.0.0.0/0");
  });

  it("escapes what it quotes from the fabric", async () => {
    stopRelay = relayPublicAddresses(async () => ({ ok: false, code: "BadResponse", message: "<script>alert(1)</script>" }));
    const response = ask("54.1.2.3/80/");
    await deliverMessages();
    const page = await (await response).text();
    expect(page).not.toContain("<script>");
    expect(page).toContain("alert(1)");
  });
});

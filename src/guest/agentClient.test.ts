import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentClient } from "./agentClient.ts";
import { bytesToBase64 } from "./base64.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const b64 = (text: string) => (text ? bytesToBase64(bytes(text)) : "-");

/** A client wired to a fake agent that records what the host wrote. */
function setUp() {
  const written: string[] = [];
  const events = { ready: vi.fn(), shutdown: vi.fn() };
  const client = new AgentClient((line) => written.push(typeof line === "string" ? line : new TextDecoder().decode(line)), events);
  return { client, written, events };
}

describe("AgentClient", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("refuses requests until the agent has said ready", async () => {
    const { client, written } = setUp();
    const result = await client.exec("true", 1000);
    expect(result).toMatchObject({ ok: false, error: { code: "GuestAgentError" } });
    expect(written).toEqual([]);
  });

  it("matches replies to requests by sequence number, in any order", async () => {
    const { client, written, events } = setUp();
    client.receive(bytes("TC1 0 ready 1\n"));
    expect(events.ready).toHaveBeenCalledWith(1);
    const first = client.exec("echo one", 5000);
    const second = client.exec("echo two; exit 4", 5000);
    expect(written).toHaveLength(2);
    client.receive(bytes(`TC1 2 exit 4 ${b64("two\n")} -\nTC1 1 exit 0 ${b64("one\n")} -\n`));
    expect(await first).toEqual({ ok: true, value: { exitCode: 0, stdout: "one\n", stderr: "" } });
    expect(await second).toEqual({ ok: true, value: { exitCode: 4, stdout: "two\n", stderr: "" } });
  });

  it("sends a command's input right after its request, and nothing else until it has answered", async () => {
    const raw: (string | Uint8Array)[] = [];
    const client = new AgentClient((data) => raw.push(data), { ready: vi.fn(), shutdown: vi.fn() });
    client.receive(bytes("TC1 0 ready 2\n"));
    const input = new Uint8Array([0, 10, 13, 255]);
    const copying = client.exec("cat >> /root/f", 5000, { input });
    const ping = client.ping();
    await vi.advanceTimersByTimeAsync(0);
    // The request (the command wrapped to read exactly 4 bytes with dd), then the bytes themselves; the ping waits.
    expect(raw).toHaveLength(2);
    const request = atob(String(raw[0]).trim().split(" ")[4] ?? "");
    expect(request).toContain("bs=4 count=1 iflag=fullblock");
    expect(request).toContain("cat >> /root/f");
    expect(raw[1]).toBe(input);
    client.receive(bytes("TC1 1 exit 0 - -\n"));
    expect(await copying).toEqual({ ok: true, value: { exitCode: 0, stdout: "", stderr: "" } });
    await vi.advanceTimersByTimeAsync(0);
    expect(raw).toHaveLength(3);
    expect(raw[2]).toBe("TC1 2 ping\n");
    client.receive(bytes("TC1 2 ok\n"));
    expect(await ping).toEqual({ ok: true, value: undefined });
  });

  it("times out a request the guest never answers, and ignores the late reply", async () => {
    const { client } = setUp();
    client.receive(bytes("TC1 0 ready 1\n"));
    const pending = client.exec("sleep 100", 1000);
    await vi.advanceTimersByTimeAsync(6001);
    expect(await pending).toMatchObject({ ok: false, error: { code: "GuestAgentTimeout" } });
    expect(() => client.receive(bytes(`TC1 1 exit 0 - -\n`))).not.toThrow();
  });

  it("reports a command the guest killed at its timeout", async () => {
    vi.useFakeTimers();
    try {
      const { client } = setUp();
      client.receive(bytes("TC1 0 ready 1\n"));
      const pending = client.exec("sleep 100", 1000);
      vi.advanceTimersByTime(1000);
      client.receive(bytes("TC1 1 exit 137 - -\n"));
      expect(await pending).toMatchObject({ ok: false, error: { code: "GuestAgentTimeout" } });
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports a command killed before its timeout (out of memory, say) as its exit code", async () => {
    const { client } = setUp();
    client.receive(bytes("TC1 0 ready 1\n"));
    const pending = client.exec("big-allocation", 30_000);
    client.receive(bytes("TC1 1 exit 137 - -\n"));
    expect(await pending).toEqual({ ok: true, value: { exitCode: 137, stdout: "", stderr: "" } });
  });

  it("passes on the agent's refusals and the guest's shutdown", async () => {
    const { client, events } = setUp();
    client.receive(bytes("TC1 0 ready 1\n"));
    const resize = client.setTerminalSize(10, 20);
    client.receive(bytes(`TC1 1 error ${b64("cannot set the terminal size")}\n`));
    expect(await resize).toEqual({
      ok: false,
      error: { code: "GuestAgentError", message: "The guest agent refused: cannot set the terminal size" },
    });
    client.receive(bytes("TC1 0 shutdown reboot\n"));
    expect(events.shutdown).toHaveBeenCalledWith("reboot");
  });

  it("fails waiting requests at once when abandoned", async () => {
    const { client } = setUp();
    client.receive(bytes("TC1 0 ready 1\n"));
    const pending = client.ping();
    client.abandon("The instance stopped.");
    expect(await pending).toEqual({ ok: false, error: { code: "GuestAgentError", message: "The instance stopped." } });
  });

  it("rejects an empty command without asking the guest", async () => {
    const { client, written } = setUp();
    client.receive(bytes("TC1 0 ready 1\n"));
    expect(await client.exec("", 1000)).toMatchObject({ ok: false, error: { code: "InvalidParameterValue" } });
    expect(written).toEqual([]);
  });
});

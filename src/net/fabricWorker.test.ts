import { describe, expect, it } from "vitest";
import { parseArp } from "./packets/arp.ts";
import { parseEthernet } from "./packets/ethernet.ts";
import type { FrameBatch, FramePort } from "./fabricApi.ts";
import { FabricWorker } from "./fabricWorker.ts";
import { FakeGuest, PORTS, topology } from "./fabric/testing/fakeNetwork.ts";
import { Fabric } from "./fabric/fabric.ts";
import { realScheduler } from "./tcp/scheduler.ts";

/** The instance worker's end of a frame channel, and the batches it hears. */
function plug(worker: FabricWorker, eni: string) {
  const { port1, port2 } = new MessageChannel();
  const batches: FrameBatch[] = [];
  let heard: (() => void) | null = null;
  port1.onmessage = (event: MessageEvent<FrameBatch>) => {
    batches.push(event.data);
    heard?.();
  };
  const next = () => new Promise<void>((resolve) => (heard = resolve));
  return { connected: worker.connect(eni, port2 as unknown as FramePort), port: port1, batches, next };
}

describe("the fabric's worker", () => {
  it("switches FrameBatch messages between the ports' channels, frames transferred", async () => {
    const worker = new FabricWorker(realScheduler);
    await worker.configure(topology([PORTS.a, PORTS.b]));
    const a = plug(worker, "eni-a");
    await a.connected;
    // Builds frames as guest a would: the fake guest only needs a fabric to be constructed.
    const guest = new FakeGuest(new Fabric({ scheduler: realScheduler }), PORTS.a);
    const request = guest.arpFor("172.31.0.11");
    const heard = a.next();
    a.port.postMessage({ type: "frames", frames: [request] } satisfies FrameBatch, [request.buffer]);
    expect(request.byteLength).toBe(0);
    await heard;
    const [reply] = a.batches.flatMap((batch) => batch.frames);
    const arp = reply ? parseArp(parseEthernet(reply)?.payload ?? new Uint8Array()) : null;
    expect(arp?.senderMac).toEqual(Uint8Array.of(2, 0, 0, 0, 0, 0x0b));
    a.port.close();
    await worker.forget("eni-a");
  });

  it("forwards frames that arrive as views into one buffer to two ports, each whole and transferred", async () => {
    const worker = new FabricWorker(realScheduler);
    await worker.configure(topology([PORTS.a, PORTS.b, PORTS.d]));
    const a = plug(worker, "eni-a");
    const b = plug(worker, "eni-b");
    const d = plug(worker, "eni-d");
    await Promise.all([a.connected, b.connected, d.connected]);
    const guest = new FakeGuest(new Fabric({ scheduler: realScheduler }), PORTS.a);
    const toB = guest.ping(Uint8Array.of(2, 0, 0, 0, 0, 0x0b), "172.31.0.11", 1);
    const toD = guest.ping(Uint8Array.of(2, 0, 0, 0, 0, 0x0d), "172.31.0.13", 2);
    // Transferring the shared buffer to b must not take d's frame along.
    const shared = new Uint8Array(toB.length + toD.length);
    shared.set(toB, 0);
    shared.set(toD, toB.length);
    const heard = Promise.all([b.next(), d.next()]);
    a.port.postMessage({ type: "frames", frames: [shared.subarray(0, toB.length), shared.subarray(toB.length)] } satisfies FrameBatch);
    await heard;
    expect(b.batches.flatMap((batch) => batch.frames)).toEqual([toB]);
    expect(d.batches.flatMap((batch) => batch.frames)).toEqual([toD]);
    for (const channel of [a, b, d]) channel.port.close();
  });

  it("counts a message that is not a frame batch instead of throwing", async () => {
    const worker = new FabricWorker(realScheduler);
    await worker.configure(topology([PORTS.a]));
    const a = plug(worker, "eni-a");
    await a.connected;
    a.port.postMessage("hello");
    a.port.postMessage({ type: "frames", frames: [1, "x"] });
    // Messages arrive in order: once the router's ARP reply is back, the two before were handled.
    const heard = a.next();
    a.port.postMessage({ type: "frames", frames: [new FakeGuest(new Fabric({ scheduler: realScheduler }), PORTS.a).arpFor("172.31.0.1")] });
    await heard;
    expect((await worker.counters()).dropped.unparseable).toBe(3);
    a.port.close();
    await worker.disconnect("eni-a");
  });
});

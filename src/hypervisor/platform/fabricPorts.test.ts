import { describe, expect, it } from "vitest";
import type { FrameBatch, FramePort } from "../../net/fabricApi.ts";
import { FakeFabric } from "../testing/fakeFabric.ts";
import { plugIntoFabric } from "./fabricPorts.ts";

interface ListeningPort {
  onmessage: ((event: { readonly data: FrameBatch }) => void) | null;
}

function nextBatch(port: ListeningPort): Promise<FrameBatch> {
  return new Promise((resolve) => {
    port.onmessage = (event) => resolve(event.data);
  });
}

describe("plugIntoFabric", () => {
  it("connects the interface's port to the fabric and returns the instance's end, and frames pass both ways", async () => {
    const fabric = new FakeFabric();
    const instanceEnd = await plugIntoFabric(fabric.handle().api, "eni-0123456789abcdef0");
    const fabricEnd = fabric.ports.get("eni-0123456789abcdef0") as unknown as ListeningPort & FramePort;
    expect(fabric.calls).toEqual([{ method: "connect", args: ["eni-0123456789abcdef0"] }]);

    const toFabric = nextBatch(fabricEnd);
    const frame = Uint8Array.of(1, 2, 3);
    instanceEnd.postMessage({ type: "frames", frames: [frame] }, [frame.buffer]);
    expect((await toFabric).frames.map((f) => [...f])).toEqual([[1, 2, 3]]);
    // Transferred, not copied: the sender no longer holds the bytes.
    expect(frame.byteLength).toBe(0);

    const toInstance = nextBatch(instanceEnd);
    fabricEnd.postMessage({ type: "frames", frames: [Uint8Array.of(9)] }, []);
    expect((await toInstance).frames.map((f) => [...f])).toEqual([[9]]);
    instanceEnd.close();
    fabricEnd.close();
  });

  it("closes both ends when the fabric refuses the connection, and says why", async () => {
    const fabric = new FakeFabric();
    fabric.connect = async () => {
      throw new Error("no such network interface");
    };
    await expect(plugIntoFabric(fabric.handle().api, "eni-0123456789abcdef0")).rejects.toThrow("no such network interface");
  });
});

/**
 * Plugs an instance into the VPC fabric: a channel of its own, one end handed to the fabric's
 * worker as the ENI's port, the other for the instance's BootSpec.network. The frames then pass
 * between the two workers without touching the page. MessageChannel is the browser's, or under
 * Node the global one, which is worker_threads'.
 */
import { transfer, type Remote } from "comlink";
import type { FabricApi, FramePort } from "../../net/fabricApi.ts";
import type { NicPort } from "../../worker/api.ts";

/** The instance's end of its ENI's port; it goes to the worker with the boot (transferred) and is closed when the emulator stops. */
export async function plugIntoFabric(fabric: Remote<FabricApi>, networkInterfaceId: string): Promise<NicPort> {
  const { port1, port2 } = new MessageChannel();
  try {
    // Browsers' and Node's ports differ in their types, not in what is used of them.
    await fabric.connect(networkInterfaceId, transfer(port2 as unknown as FramePort, [port2]));
  } catch (error) {
    port1.close();
    port2.close();
    throw error;
  }
  return port1 as unknown as NicPort;
}

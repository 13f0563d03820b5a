/**
 * Gives the fabric a mirror to answer from (an offline apt archive at deb.debian.org): a channel
 * of its own, one end to the fabric's worker, this end answering each request from the mirror.
 * MessageChannel is the browser's, or under Node worker_threads'.
 */
import { transfer, type Remote } from "comlink";
import type { AptMirror } from "../../images/aptMirror.ts";
import type { FabricApi, MirrorPort, MirrorRequest, MirrorResponse } from "../../net/fabricApi.ts";

interface PagePort {
  postMessage(message: MirrorResponse, transfer: ArrayBuffer[]): void;
  onmessage: ((event: { readonly data: MirrorRequest }) => void) | null;
  close(): void;
}

/** Resolves to a function that closes this end, or null when the mirror's manifest cannot be read (it is then not served). */
export async function serveMirror(fabric: Remote<FabricApi>, mirror: AptMirror): Promise<(() => void) | null> {
  const address = await mirror.address();
  if (!address) return null;
  const { port1, port2 } = new MessageChannel();
  const page = port1 as unknown as PagePort;
  page.onmessage = (event) => {
    const { id, path } = event.data;
    void mirror.get(path).then((reply) => page.postMessage({ id, ...reply }, [reply.body.buffer as ArrayBuffer]));
  };
  try {
    await fabric.serveMirror(address.host, address.rootPath, transfer(port2 as unknown as MirrorPort, [port2]));
  } catch (error) {
    port1.close();
    throw error;
  }
  return () => port1.close();
}

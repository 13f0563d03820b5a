/**
 * Sites the fabric answers from the page instead of fetching them: an offline apt archive at
 * deb.debian.org, say. A guest reaches a mirror as any public name, through the VPC's DNS and the
 * internet gateway; only the last step, fetch(), is replaced by a request on the mirror's port.
 */
import type { MirrorPort, MirrorResponse } from "../../fabricApi.ts";
import type { OutboundFetch } from "./outboundHttp.ts";

interface Mirror {
  readonly rootPath: string;
  readonly port: MirrorPort;
}

export class Mirrors {
  readonly #byHost = new Map<string, Mirror>();
  readonly #waiting = new Map<number, (response: MirrorResponse) => void>();
  #nextId = 1;

  serve(host: string, rootPath: string, port: MirrorPort): void {
    this.#byHost.get(host)?.port.close();
    this.#byHost.set(host.toLowerCase(), { rootPath, port });
    port.onmessage = (event) => {
      this.#waiting.get(event.data.id)?.(event.data);
      this.#waiting.delete(event.data.id);
    };
  }

  /** fetch(), but a mirrored host's GET and HEAD are answered by its mirror (http or https alike). */
  wrap(fetch: OutboundFetch): OutboundFetch {
    return (url, init) => {
      const parsed = new URL(url);
      const mirror = this.#byHost.get(parsed.hostname.toLowerCase());
      if (!mirror) return fetch(url, init);
      if (init.method !== "GET" && init.method !== "HEAD") return Promise.resolve(reply(405, "text/plain", new Uint8Array(0)));
      if (!parsed.pathname.startsWith(mirror.rootPath)) {
        return Promise.resolve(reply(404, "text/plain", new TextEncoder().encode(`Only ${mirror.rootPath} is served here.\n`)));
      }
      return this.#ask(mirror, decodeURIComponent(parsed.pathname.slice(mirror.rootPath.length))).then((response) =>
        reply(response.status, response.contentType, init.method === "HEAD" ? new Uint8Array(0) : response.body, response.body.length),
      );
    };
  }

  #ask(mirror: Mirror, path: string): Promise<MirrorResponse> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      mirror.port.postMessage({ id, path });
    });
  }
}

function reply(status: number, contentType: string, body: Uint8Array, length = body.length): Awaited<ReturnType<OutboundFetch>> {
  const headers = new Map([
    ["content-type", contentType],
    ["content-length", String(length)],
  ]);
  return {
    status,
    statusText: status === 200 ? "OK" : "",
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
    arrayBuffer: async () => body.slice().buffer,
  };
}

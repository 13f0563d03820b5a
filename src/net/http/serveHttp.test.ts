import { describe, expect, it } from "vitest";
import type { InboundHttpResult } from "../fabricApi.ts";
import { ipv4, TcpLink } from "../testing/tcpLink.ts";
import type { TcpConnection } from "../tcp/connection.ts";
import { httpClientRequest } from "./httpClient.ts";
import { headerValue } from "./message.ts";
import { serveHttp } from "./serveHttp.ts";

const CLIENT = ipv4("172.31.0.10");
const SERVER = ipv4("169.254.169.254");
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

async function settle(link: TcpLink, promise: Promise<InboundHttpResult>, limitMs = 120_000): Promise<InboundHttpResult | null> {
  let result: InboundHttpResult | null = null;
  void promise.then((value) => (result = value));
  for (let elapsed = 0; elapsed < limitMs && result === null; elapsed++) {
    link.scheduler.advance(1);
    await flush();
  }
  return result;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A raw client connection on side a: what it receives, as text. */
function rawClient(link: TcpLink, port = 80): { connection: TcpConnection; received: () => string; closed: () => boolean } {
  const opened = link.a.connect(CLIENT, 50_000, SERVER, port);
  if (!opened.ok) throw new Error(opened.message);
  let text = "";
  let closed = false;
  opened.connection.on("data", (chunk) => (text += decode(chunk)));
  opened.connection.on("close", () => (closed = true));
  return { connection: opened.connection, received: () => text, closed: () => closed };
}

describe("serveHttp", () => {
  it("answers pipelined requests on one connection in order, keeping it open", async () => {
    const link = new TcpLink();
    serveHttp(link.b, SERVER, 80, (request) => ({ response: { status: 200, headers: [], body: encode(`you asked ${request.target}`) } }));
    const client = rawClient(link);
    link.scheduler.advance(5);
    client.connection.write(encode("GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n"));
    for (let i = 0; i < 10; i++) {
      link.scheduler.advance(2);
      await flush();
    }
    expect(client.received()).toBe(
      "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nyou asked /one" + "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nyou asked /two",
    );
    expect(client.closed()).toBe(false);
  });

  it("closes after answering Connection: close, and after an idle minute", async () => {
    const link = new TcpLink();
    serveHttp(link.b, SERVER, 80, () => ({ response: { status: 204, headers: [], body: new Uint8Array(0) } }));
    const first = rawClient(link);
    link.scheduler.advance(5);
    first.connection.write(encode("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
    link.scheduler.advance(5);
    await flush();
    link.scheduler.advance(5);
    expect(first.received()).toBe("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    expect(first.connection.state).toBe("CLOSE_WAIT");
    const idle = link.a.connect(CLIENT, 50_001, SERVER, 80);
    if (!idle.ok) throw new Error(idle.message);
    let ended = false;
    idle.connection.on("end", () => (ended = true));
    link.scheduler.advance(59_000);
    expect(ended).toBe(false);
    link.scheduler.advance(1_100);
    expect(ended).toBe(true);
  });

  it("sends an answer with the IP TTL its handler asks for", async () => {
    const link = new TcpLink();
    serveHttp(link.b, SERVER, 80, () => ({ response: { status: 200, headers: [], body: encode("token") }, ipTtl: 1 }));
    const client = rawClient(link);
    link.scheduler.advance(5);
    client.connection.write(encode("PUT /latest/api/token HTTP/1.1\r\nContent-Length: 0\r\n\r\n"));
    link.scheduler.advance(2);
    await flush();
    const answers = link.sent.filter((tap) => tap.from === "b" && tap.segment.payload.length > 0);
    expect(answers.map((tap) => tap.ipTtl)).toEqual([1]);
  });

  it("answers a request it cannot read with the parser's status and closes", async () => {
    const link = new TcpLink();
    serveHttp(link.b, SERVER, 80, () => ({ response: { status: 200, headers: [], body: new Uint8Array(0) } }));
    const client = rawClient(link);
    link.scheduler.advance(5);
    client.connection.write(encode("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    link.scheduler.advance(2);
    await flush();
    link.scheduler.advance(5);
    expect(client.received()).toMatch(/^HTTP\/1\.1 411 Length Required\r\n.*Connection: close\r\n\r\nChunked uploads are not accepted/s);
    expect(client.connection.state).toBe("CLOSE_WAIT");
  });

  it("answers 413 to a body over the server's own limit", async () => {
    const link = new TcpLink();
    serveHttp(link.b, SERVER, 80, () => ({ response: { status: 200, headers: [], body: new Uint8Array(0) } }), { maxBodyBytes: 1024 });
    const client = rawClient(link);
    link.scheduler.advance(5);
    client.connection.write(encode("PUT /latest/api/token HTTP/1.1\r\nContent-Length: 1025\r\n\r\n"));
    link.scheduler.advance(2);
    await flush();
    link.scheduler.advance(2);
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 Content Too Large\r\n/);
  });

  it("answers 500 when the handler throws", async () => {
    const link = new TcpLink();
    serveHttp(link.b, SERVER, 80, () => {
      throw new Error("broken");
    });
    const client = rawClient(link);
    link.scheduler.advance(5);
    client.connection.write(encode("GET / HTTP/1.1\r\n\r\n"));
    link.scheduler.advance(2);
    await flush();
    link.scheduler.advance(2);
    expect(client.received()).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n.*The service failed: broken$/s);
  });
});

describe("httpClientRequest", () => {
  const get = { method: "GET", target: "/index.html", headers: [["Accept", "text/html"]] as const, body: null };

  it("fetches a page from a server, over a lossy link, whole", async () => {
    const link = new TcpLink({ seed: 4, faults: { drop: 0.05, duplicate: 0.03, reorder: 0.05 } });
    const page = encode("<p>hello</p>".repeat(20_000));
    let seenHost: string | null = null;
    serveHttp(link.b, SERVER, 80, (request) => {
      seenHost = headerValue(request.headers, "host");
      return { response: { status: 200, headers: [["Content-Type", "text/html"]], body: page } };
    });
    const done = await settle(link, httpClientRequest(link.a, { localIp: CLIENT, remoteIp: SERVER, remotePort: 80 }, get));
    expect(seenHost).toBe("169.254.169.254:80");
    expect(done?.ok).toBe(true);
    if (!done?.ok) return;
    expect(done.status).toBe(200);
    expect(done.headers).toContainEqual(["Content-Type", "text/html"]);
    expect(done.body.length).toBe(page.length);
    expect(decode(done.body.subarray(0, 24))).toBe("<p>hello</p><p>hello</p>");
  }, 60_000);

  it("decodes a chunked answer and leaves out the headers about the connection", async () => {
    const link = new TcpLink();
    link.b.listen(SERVER, 80, (connection) => {
      connection.on("data", () => {
        connection.write(
          encode("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nX-Guest: yes\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
        );
      });
    });
    const result = await settle(link, httpClientRequest(link.a, { localIp: CLIENT, remoteIp: SERVER, remotePort: 80 }, get));
    expect(result).toMatchObject({ ok: true, status: 200, headers: [["X-Guest", "yes"]] });
    expect(result?.ok && decode(result.body)).toBe("abc");
  });

  it("says ConnectionRefused when nothing listens", async () => {
    const link = new TcpLink();
    const result = await settle(link, httpClientRequest(link.a, { localIp: CLIENT, remoteIp: SERVER, remotePort: 8080 }, get));
    expect(result).toMatchObject({ ok: false, code: "ConnectionRefused" });
  });

  it("says Timeout when nothing answers (a security group drops the SYN)", async () => {
    const link = new TcpLink();
    link.up = false;
    const result = await settle(
      link,
      httpClientRequest(link.a, { localIp: CLIENT, remoteIp: SERVER, remotePort: 80, timeoutMs: 5000 }, get),
    );
    expect(result).toMatchObject({ ok: false, code: "Timeout" });
    expect(link.scheduler.now()).toBe(5000);
  });

  it("says BadResponse when the server speaks something else", async () => {
    const link = new TcpLink();
    link.b.listen(SERVER, 22, (connection) => {
      connection.write(encode("SSH-2.0-OpenSSH_9.6\r\n"));
      connection.end();
    });
    const result = await settle(link, httpClientRequest(link.a, { localIp: CLIENT, remoteIp: SERVER, remotePort: 22 }, get));
    expect(result).toMatchObject({ ok: false, code: "BadResponse" });
  });
});

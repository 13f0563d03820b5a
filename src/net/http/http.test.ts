import { describe, expect, it } from "vitest";
import { headerValue } from "./message.ts";
import { HttpRequestParser } from "./requestParser.ts";
import { HttpResponseParser } from "./responseParser.ts";
import { serializeRequest, serializeResponse } from "./serialize.ts";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function parseRequests(text: string, pieces: "whole" | "bytes" = "whole") {
  const parser = new HttpRequestParser();
  const bytes = encode(text);
  if (pieces === "whole") return parser.push(bytes);
  const requests = [];
  let error = null;
  for (let i = 0; i < bytes.length; i++) {
    const result = parser.push(bytes.subarray(i, i + 1));
    requests.push(...result.requests);
    error = result.error;
  }
  return { requests, error };
}

describe("HTTP request parser", () => {
  const put =
    "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\nContent-Length: 5\r\n\r\nhello";

  it("reads a request with its headers and Content-Length body, whole or one byte at a time", () => {
    for (const pieces of ["whole", "bytes"] as const) {
      const { requests, error } = parseRequests(put, pieces);
      expect(error).toBeNull();
      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request).toMatchObject({ method: "PUT", target: "/latest/api/token", version: "HTTP/1.1", keepAlive: true });
      expect(headerValue(request?.headers ?? [], "x-AWS-ec2-metadata-token-ttl-seconds")).toBe("21600");
      expect(decode(request?.body ?? new Uint8Array())).toBe("hello");
    }
  });

  it("reads pipelined requests in order, and skips empty lines before a request line", () => {
    const { requests, error } = parseRequests(
      `${put}\r\nGET /latest/meta-data/ HTTP/1.1\r\n\r\nGET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n`,
    );
    expect(error).toBeNull();
    expect(requests.map((request) => [request.method, request.target, request.keepAlive])).toEqual([
      ["PUT", "/latest/api/token", true],
      ["GET", "/latest/meta-data/", true],
      ["GET", "/a", true],
      ["GET", "/b", false],
    ]);
  });

  it("closes an HTTP/1.0 connection unless asked to keep it", () => {
    expect(parseRequests("GET / HTTP/1.0\r\n\r\n").requests[0]?.keepAlive).toBe(false);
  });

  it("accepts bare LF line ends", () => {
    expect(parseRequests("GET /x HTTP/1.1\nHost: a\n\n").requests[0]?.target).toBe("/x");
  });

  it.each([
    ["a chunked upload", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411],
    ["another transfer coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["a header section over 16 KiB", `GET / HTTP/1.1\r\nX-Big: ${"a".repeat(17_000)}\r\n\r\n`, 431],
    ["an unfinished header section over 16 KiB", `GET / HTTP/1.1\r\nX-Big: ${"a".repeat(17_000)}`, 431],
    ["a body over 16 MiB", `PUT / HTTP/1.1\r\nContent-Length: ${16 * 1024 * 1024 + 1}\r\n\r\n`, 413],
    ["two different Content-Lengths", "PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400],
    ["a Content-Length that is not a number", "PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    ["a folded header", "GET / HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n", 400],
    ["whitespace before a header's colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400],
    ["an unknown HTTP version", "GET / HTTP/2.0\r\n\r\n", 505],
    ["a request line of two words", "GET /\r\n\r\n", 400],
    ["garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400],
  ])("refuses %s with %i, and reads nothing after it", (_name, text, status) => {
    const parser = new HttpRequestParser();
    const first = parser.push(encode(text));
    expect(first.error?.status).toBe(status);
    expect(first.error?.message).toMatch(/\w/);
    expect(parser.push(encode("GET / HTTP/1.1\r\n\r\n")).requests).toEqual([]);
  });

  it("keeps a request that arrives in pieces until its body is whole", () => {
    const parser = new HttpRequestParser();
    expect(parser.push(encode("PUT /x HTTP/1.1\r\nContent-Le")).requests).toEqual([]);
    expect(parser.push(encode("ngth: 4\r\n\r\nab")).requests).toEqual([]);
    const done = parser.push(encode("cdGET /y HTTP/1.1\r\n\r\n"));
    expect(done.requests.map((request) => [request.target, decode(request.body)])).toEqual([
      ["/x", "abcd"],
      ["/y", ""],
    ]);
  });
});

function parseResponse(text: string, method = "GET", pieces: "whole" | "bytes" = "whole", close = false) {
  const parser = new HttpResponseParser(method);
  const bytes = encode(text);
  let result = parser.push(new Uint8Array(0));
  if (pieces === "whole") result = parser.push(bytes);
  else for (let i = 0; i < bytes.length; i++) result = parser.push(bytes.subarray(i, i + 1));
  return close ? parser.finish() : result;
}

describe("HTTP response parser", () => {
  it("reads a Content-Length body, whole or one byte at a time, and ignores what follows it", () => {
    for (const pieces of ["whole", "bytes"] as const) {
      const result = parseResponse("HTTP/1.1 200 OK\r\nServer: EC2ws\r\nContent-Length: 3\r\n\r\nabcEXTRA", "GET", pieces);
      expect(result.state).toBe("complete");
      if (result.state !== "complete") return;
      expect(result.response).toMatchObject({ status: 200, statusText: "OK" });
      expect(decode(result.response.body)).toBe("abc");
    }
  });

  it("decodes a chunked body with extensions and trailers, whole or one byte at a time", () => {
    const text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n";
    for (const pieces of ["whole", "bytes"] as const) {
      const result = parseResponse(text, "GET", pieces);
      expect(result.state === "complete" && decode(result.response.body)).toBe("hello, world");
    }
  });

  it("reads a body without length until the server closes", () => {
    const parser = new HttpResponseParser("GET");
    expect(parser.push(encode("HTTP/1.0 200 OK\r\n\r\nsome ")).state).toBe("incomplete");
    expect(parser.push(encode("bytes")).state).toBe("incomplete");
    const result = parser.finish();
    expect(result.state === "complete" && decode(result.response.body)).toBe("some bytes");
  });

  it("expects no body in the answer to HEAD, nor in a 204 or 304", () => {
    expect(parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", "HEAD").state).toBe("complete");
    expect(parseResponse("HTTP/1.1 204 No Content\r\n\r\n").state).toBe("complete");
    expect(parseResponse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").state).toBe("complete");
  });

  it("skips an interim 100 Continue", () => {
    const result = parseResponse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    expect(result.state === "complete" && result.response.status).toBe(201);
  });

  it.each([
    ["a status line that is not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", false],
    ["a chunk size that is not hexadecimal", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false],
    ["a chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", false],
    ["a body over the limit", `HTTP/1.1 200 OK\r\nContent-Length: ${16 * 1024 * 1024 + 1}\r\n\r\n`, false],
    ["a header section over 16 KiB", `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(17_000)}`, false],
    ["a connection closed mid-body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true],
    ["a connection closed before any answer", "", true],
  ])("fails on %s", (_name, text, close) => {
    const result = parseResponse(text, "GET", "whole", close);
    expect(result.state).toBe("error");
    expect(result.state === "error" && result.message).toMatch(/\w/);
  });
});

describe("HTTP serializer", () => {
  it("writes a response with its Content-Length, and Connection: close when the connection ends", () => {
    const bytes = serializeResponse({ status: 200, headers: [["Server", "EC2ws"]], body: encode("i-0123") }, { close: true });
    expect(decode(bytes)).toBe("HTTP/1.1 200 OK\r\nServer: EC2ws\r\nContent-Length: 6\r\nConnection: close\r\n\r\ni-0123");
  });

  it("answers HEAD with the head alone, its length that of the body", () => {
    const bytes = serializeResponse({ status: 404, headers: [], body: encode("missing") }, { headRequest: true });
    expect(decode(bytes)).toBe("HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\n");
  });

  it("writes a request its own parser reads back", () => {
    const bytes = serializeRequest({
      method: "PUT",
      target: "/latest/api/token",
      headers: [["X-aws-ec2-metadata-token-ttl-seconds", "60"]],
      body: null,
    });
    const { requests, error } = new HttpRequestParser().push(bytes);
    expect(error).toBeNull();
    expect(requests[0]).toMatchObject({ method: "PUT", target: "/latest/api/token" });
    expect(headerValue(requests[0]?.headers ?? [], "content-length")).toBe("0");
  });

  it("never lets a header value end the line", () => {
    const bytes = serializeResponse({ status: 200, headers: [["X-A", "1\r\nSet-Cookie: x"]], body: new Uint8Array(0) });
    expect(decode(bytes)).toContain("X-A: 1  Set-Cookie: x\r\n");
  });
});

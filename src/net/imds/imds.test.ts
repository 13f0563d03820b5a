import { describe, expect, it } from "vitest";
import { headerValue, type HttpHeaders } from "../http/message.ts";
import { serveHttp } from "../http/serveHttp.ts";
import { ipv4, TcpLink } from "../testing/tcpLink.ts";
import type { MetadataOptions, PortConfig } from "../topology.ts";
import { answerImds, imdsHttpHandler, type ImdsAnswer } from "./imdsService.ts";
import type { ImdsInstance } from "./metadataTree.ts";
import { ImdsTokens } from "./tokens.ts";

const OPTIONS: MetadataOptions = {
  httpEndpoint: "enabled",
  httpTokens: "optional",
  httpPutResponseHopLimit: 2,
  instanceMetadataTags: "enabled",
};

function instance(
  overrides: { port?: Partial<PortConfig>; metadata?: Partial<PortConfig["metadata"]>; options?: Partial<MetadataOptions> } = {},
): ImdsInstance {
  const port: PortConfig = {
    networkInterfaceId: "eni-0a1b2c3d4e5f60718",
    instanceId: "i-0123456789abcdef0",
    macAddress: "02:1a:2b:3c:4d:5e",
    privateIpAddress: "172.31.0.10",
    publicIpAddress: "54.12.0.9",
    vpcId: "vpc-0aaa1111bbbb2222c",
    subnetId: "subnet-0ddd3333eeee4444f",
    securityGroupIds: ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
    metadata: {
      instanceId: "i-0123456789abcdef0",
      instanceType: "t2.micro",
      imageId: "ami-0abcdef1234567890",
      availabilityZone: "us-east-1a",
      region: "us-east-1",
      launchTime: "2026-11-30T10:00:00.000Z",
      userData: "#!/bin/sh\necho hello",
      tags: [
        { key: "Name", value: "web" },
        { key: "cost center", value: "lab 1" },
      ],
      securityGroupNames: ["default", "web"],
      options: { ...OPTIONS, ...overrides.options },
      ...overrides.metadata,
    },
    ...overrides.port,
  };
  return { port, subnetCidrBlock: "172.31.0.0/20", vpcCidrBlock: "172.31.0.0/16" };
}

/** Fixed random bytes, so tokens differ by a counter. */
function tokens(): ImdsTokens {
  let counter = 0;
  return new ImdsTokens((bytes) => bytes.fill(++counter));
}

function ask(method: string, path: string, headers: HttpHeaders = [], facts = instance(), store = tokens(), nowMs = 0): ImdsAnswer {
  return answerImds({ method, path, headers }, facts, store, nowMs);
}

const text = (answer: ImdsAnswer): string => new TextDecoder().decode(answer.response.body);
const header = (answer: ImdsAnswer, name: string): string | null => headerValue(answer.response.headers, name);

const MAC = "/latest/meta-data/network/interfaces/macs/02:1a:2b:3c:4d:5e/";

describe("instance metadata service: paths", () => {
  it.each([
    ["/", "latest"],
    ["/latest/", "dynamic\nmeta-data\nuser-data"],
    [
      "/latest/meta-data/",
      "ami-id\nami-launch-index\nhostname\ninstance-action\ninstance-id\ninstance-life-cycle\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\nplacement/\npublic-hostname\npublic-ipv4\nsecurity-groups\nservices/\ntags/",
    ],
    [
      "/latest/meta-data",
      "ami-id\nami-launch-index\nhostname\ninstance-action\ninstance-id\ninstance-life-cycle\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\nplacement/\npublic-hostname\npublic-ipv4\nsecurity-groups\nservices/\ntags/",
    ],
    ["/latest/meta-data/instance-id", "i-0123456789abcdef0"],
    ["/latest/meta-data/instance-id?x=1", "i-0123456789abcdef0"],
    ["/latest/meta-data/instance-type", "t2.micro"],
    ["/latest/meta-data/ami-id", "ami-0abcdef1234567890"],
    ["/latest/meta-data/hostname", "ip-172-31-0-10.ec2.internal"],
    ["/latest/meta-data/local-hostname", "ip-172-31-0-10.ec2.internal"],
    ["/latest/meta-data/local-ipv4", "172.31.0.10"],
    ["/latest/meta-data/public-ipv4", "54.12.0.9"],
    ["/latest/meta-data/public-hostname", "ec2-54-12-0-9.compute-1.amazonaws.com"],
    ["/latest/meta-data/mac", "02:1a:2b:3c:4d:5e"],
    ["/latest/meta-data/network/", "interfaces/"],
    ["/latest/meta-data/network/interfaces/macs/", "02:1a:2b:3c:4d:5e/"],
    [
      MAC,
      "device-number\ninterface-id\nipv4-associations/\nlocal-hostname\nlocal-ipv4s\nmac\nowner-id\npublic-hostname\npublic-ipv4s\nsecurity-group-ids\nsecurity-groups\nsubnet-id\nsubnet-ipv4-cidr-block\nvpc-id\nvpc-ipv4-cidr-block\nvpc-ipv4-cidr-blocks",
    ],
    [`${MAC}device-number`, "0"],
    [`${MAC}interface-id`, "eni-0a1b2c3d4e5f60718"],
    [`${MAC}local-ipv4s`, "172.31.0.10"],
    [`${MAC}mac`, "02:1a:2b:3c:4d:5e"],
    [`${MAC}subnet-id`, "subnet-0ddd3333eeee4444f"],
    [`${MAC}subnet-ipv4-cidr-block`, "172.31.0.0/20"],
    [`${MAC}vpc-id`, "vpc-0aaa1111bbbb2222c"],
    [`${MAC}vpc-ipv4-cidr-block`, "172.31.0.0/16"],
    [`${MAC}security-group-ids`, "sg-0123456789abcdef0\nsg-0fedcba9876543210"],
    [`${MAC}public-ipv4s`, "54.12.0.9"],
    [`${MAC}ipv4-associations/54.12.0.9`, "172.31.0.10"],
    ["/latest/meta-data/placement/", "availability-zone\nregion"],
    ["/latest/meta-data/placement/availability-zone", "us-east-1a"],
    ["/latest/meta-data/placement/region", "us-east-1"],
    ["/latest/meta-data/security-groups", "default\nweb"],
    ["/latest/meta-data/tags/", "instance/"],
    ["/latest/meta-data/tags/instance/", "Name\ncost center"],
    ["/latest/meta-data/tags/instance/Name", "web"],
    ["/latest/meta-data/tags/instance/cost%20center", "lab 1"],
    ["/latest/user-data", "#!/bin/sh\necho hello"],
    ["/latest/dynamic/", "instance-identity/"],
    ["/latest/dynamic/instance-identity/", "document"],
  ])("GET %s answers %j", (path, body) => {
    const answer = ask("GET", path);
    expect(answer.response.status).toBe(200);
    expect(text(answer)).toBe(body);
    expect(header(answer, "server")).toBe("EC2ws");
    expect(header(answer, "content-type")).toBe(path === "/latest/user-data" ? "application/octet-stream" : "text/plain");
    expect(answer.ipTtl).toBe(64);
  });

  it("writes the instance identity document as EC2 does", () => {
    const answer = ask("GET", "/latest/dynamic/instance-identity/document");
    expect(text(answer)).toBe(
      [
        "{",
        '  "accountId" : "123456789012",',
        '  "architecture" : "i386",',
        '  "availabilityZone" : "us-east-1a",',
        '  "billingProducts" : null,',
        '  "devpayProductCodes" : null,',
        '  "marketplaceProductCodes" : null,',
        '  "imageId" : "ami-0abcdef1234567890",',
        '  "instanceId" : "i-0123456789abcdef0",',
        '  "instanceType" : "t2.micro",',
        '  "kernelId" : null,',
        '  "pendingTime" : "2026-11-30T10:00:00Z",',
        '  "privateIp" : "172.31.0.10",',
        '  "ramdiskId" : null,',
        '  "region" : "us-east-1",',
        '  "version" : "2017-09-30"',
        "}",
      ].join("\n"),
    );
    expect(JSON.parse(text(answer))).toMatchObject({ instanceId: "i-0123456789abcdef0", privateIp: "172.31.0.10" });
  });

  it("names private hosts in the region's domain outside us-east-1", () => {
    const answer = ask(
      "GET",
      "/latest/meta-data/local-hostname",
      [],
      instance({ metadata: { region: "eu-west-1", availabilityZone: "eu-west-1a" } }),
    );
    expect(text(answer)).toBe("ip-172-31-0-10.eu-west-1.compute.internal");
  });

  it.each([
    ["an unknown path", "/latest/meta-data/iam/info", instance()],
    ["a value asked for as a folder", "/latest/meta-data/instance-id/", instance()],
    ["a version other than latest", "/2009-04-04/meta-data/", instance()],
    ["a broken %-escape", "/latest/meta-data/tags/instance/%zz", instance()],
    ["public-ipv4 without a public address", "/latest/meta-data/public-ipv4", instance({ port: { publicIpAddress: null } })],
    ["public-hostname without a public address", "/latest/meta-data/public-hostname", instance({ port: { publicIpAddress: null } })],
    [
      "tags when instanceMetadataTags is disabled",
      "/latest/meta-data/tags/instance/Name",
      instance({ options: { instanceMetadataTags: "disabled" } }),
    ],
    ["user-data when none was given", "/latest/user-data", instance({ metadata: { userData: null } })],
    ["a tag that does not exist", "/latest/meta-data/tags/instance/Owner", instance()],
  ])("answers %s with EC2's 404 page", (_name, path, facts) => {
    const answer = ask("GET", path, [], facts);
    expect(answer.response.status).toBe(404);
    expect(header(answer, "content-type")).toBe("text/html");
    expect(header(answer, "server")).toBe("EC2ws");
    expect(text(answer)).toContain("<title>404 - Not Found</title>");
  });

  it("leaves out of the listings what is not there", () => {
    const bare = instance({ port: { publicIpAddress: null }, metadata: { userData: null }, options: { instanceMetadataTags: "disabled" } });
    expect(text(ask("GET", "/latest/", [], bare))).toBe("dynamic\nmeta-data");
    const metaData = text(ask("GET", "/latest/meta-data/", [], bare));
    expect(metaData).not.toMatch(/public-ipv4|public-hostname|tags/);
    expect(text(ask("GET", MAC, [], bare))).not.toMatch(/public|ipv4-associations/);
  });
});

describe("instance metadata service: tokens", () => {
  const ttl = (seconds: string): HttpHeaders => [["X-aws-ec2-metadata-token-ttl-seconds", seconds]];

  it.each([
    ["missing", [] as HttpHeaders, 400],
    ["0", ttl("0"), 400],
    ["21601", ttl("21601"), 400],
    ["not a number", ttl("six hours"), 400],
    ["negative", ttl("-5"), 400],
    ["1", ttl("1"), 200],
    ["21600", ttl("21600"), 200],
  ])("PUT /latest/api/token with a TTL %s answers %i", (_name, headers, status) => {
    const answer = ask("PUT", "/latest/api/token", headers);
    expect(answer.response.status).toBe(status);
    expect(header(answer, "server")).toBe("EC2ws");
    if (status === 200) {
      expect(text(answer)).toMatch(/^[A-Za-z0-9+/]{56}$/);
      expect(header(answer, "x-aws-ec2-metadata-token-ttl-seconds")).toBe(headers[0]?.[1]);
    } else {
      expect(text(answer)).toContain("<h1>400 - Bad Request</h1>");
    }
  });

  it("sends the answer to a PUT with the hop limit as its IP TTL", () => {
    expect(ask("PUT", "/latest/api/token", ttl("60")).ipTtl).toBe(2);
    expect(ask("PUT", "/latest/api/token", []).ipTtl).toBe(2);
    expect(ask("PUT", "/latest/api/token", ttl("60"), instance({ options: { httpPutResponseHopLimit: 1 } })).ipTtl).toBe(1);
  });

  it("refuses a token request that a proxy forwarded (X-Forwarded-For) with 403", () => {
    const answer = ask("PUT", "/latest/api/token", [...ttl("60"), ["X-Forwarded-For", "203.0.113.7"]]);
    expect(answer.response.status).toBe(403);
  });

  it("refuses another method on the token path with 405, and PUT elsewhere", () => {
    expect(ask("GET", "/latest/api/token").response.status).toBe(405);
    expect(ask("PUT", "/latest/meta-data/instance-id", ttl("60")).response.status).toBe(405);
  });

  it("reads with a live token, says how long it has left, and refuses it once expired", () => {
    const store = tokens();
    const token = text(ask("PUT", "/latest/api/token", ttl("60"), instance(), store, 1000));
    const read = (nowMs: number): ImdsAnswer =>
      ask("GET", "/latest/meta-data/instance-id", [["X-aws-ec2-metadata-token", token]], instance(), store, nowMs);
    expect(read(1000).response.status).toBe(200);
    expect(header(read(11_000), "x-aws-ec2-metadata-token-ttl-seconds")).toBe("50");
    expect(read(60_999).response.status).toBe(200);
    const expired = read(61_000);
    expect(expired.response.status).toBe(401);
    expect(text(expired)).toContain("<h1>401 - Unauthorized</h1>");
  });

  it("refuses a token issued to another instance, and a made-up one even when tokens are optional", () => {
    const store = tokens();
    const token = text(ask("PUT", "/latest/api/token", ttl("60"), instance(), store));
    const other = instance({ port: { instanceId: "i-0fffffffffffffff0" } });
    expect(ask("GET", "/latest/meta-data/", [["X-aws-ec2-metadata-token", token]], other, store).response.status).toBe(401);
    expect(ask("GET", "/latest/meta-data/", [["X-aws-ec2-metadata-token", "made-up"]], instance(), store).response.status).toBe(401);
  });

  it("answers a read without a token when tokens are optional (IMDSv1), and refuses it with 401 when required", () => {
    expect(ask("GET", "/latest/meta-data/instance-id").response.status).toBe(200);
    const required = instance({ options: { httpTokens: "required" } });
    expect(ask("GET", "/latest/meta-data/instance-id", [], required).response.status).toBe(401);
    const store = tokens();
    const token = text(ask("PUT", "/latest/api/token", ttl("60"), required, store));
    expect(text(ask("GET", "/latest/meta-data/instance-id", [["X-aws-ec2-metadata-token", token]], required, store))).toBe(
      "i-0123456789abcdef0",
    );
  });

  it("answers every request with 403 when the endpoint is disabled", () => {
    const disabled = instance({ options: { httpEndpoint: "disabled" } });
    expect(ask("GET", "/latest/meta-data/instance-id", [], disabled).response.status).toBe(403);
    const put = ask("PUT", "/latest/api/token", ttl("60"), disabled);
    expect(put.response.status).toBe(403);
    expect(text(put)).toContain("<h1>403 - Forbidden</h1>");
  });

  it("forgets an instance's tokens when asked", () => {
    const store = tokens();
    const token = text(ask("PUT", "/latest/api/token", ttl("60"), instance(), store));
    store.forget("i-0123456789abcdef0");
    expect(ask("GET", "/latest/meta-data/", [["X-aws-ec2-metadata-token", token]], instance(), store).response.status).toBe(401);
  });
});

describe("instance metadata service over TCP", () => {
  it("gives a token and answers a read with it on one keep-alive connection, the token's segments leaving with the hop limit", async () => {
    const link = new TcpLink();
    const guest = ipv4("172.31.0.10");
    const metadataIp = ipv4("169.254.169.254");
    serveHttp(
      link.b,
      metadataIp,
      80,
      imdsHttpHandler(
        (peer) => (peer.remoteIp === guest ? instance() : null),
        tokens(),
        () => link.scheduler.now(),
      ),
    );
    const opened = link.a.connect(guest, 40_000, metadataIp, 80);
    if (!opened.ok) throw new Error(opened.message);
    let received = "";
    opened.connection.on("data", (chunk) => (received += new TextDecoder().decode(chunk)));
    const step = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        link.scheduler.advance(1);
        for (let j = 0; j < 5; j++) await Promise.resolve();
      }
    };
    await step();
    opened.connection.write(
      new TextEncoder().encode(
        "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\n",
      ),
    );
    await step();
    const token = /\r\n\r\n([A-Za-z0-9+/]{56})$/.exec(received)?.[1] ?? "";
    expect(token).not.toBe("");
    const tokenSegments = link.sent.filter((tap) => tap.from === "b" && tap.segment.payload.length > 0);
    expect(tokenSegments.map((tap) => tap.ipTtl)).toEqual([2]);
    received = "";
    opened.connection.write(
      new TextEncoder().encode(`GET /latest/meta-data/instance-id HTTP/1.1\r\nX-aws-ec2-metadata-token: ${token}\r\n\r\n`),
    );
    await step();
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toContain("X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n");
    expect(received.endsWith("\r\n\r\ni-0123456789abcdef0")).toBe(true);
    expect(link.sent.filter((tap) => tap.from === "b" && tap.segment.payload.length > 0).at(-1)?.ipTtl).toBe(64);
  });
});

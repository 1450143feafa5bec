// HTTP/1.1 message rules over raw TCP on a real server: an unknown method is 501 (RFC 9110 §9.1), a known
// one a file does not allow stays 405 (paths.test.ts), and Host must be there once and well formed
// (RFC 9112 §3.2), on the fast path for file hits and on the Express path alike.

import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portOf, rawRequest, serve, startFixture, type Fixture, type RawReply } from "./helpers.ts";
import type { RunningServer } from "../../src/server/serve.ts";

let fx: Fixture;
/** The same dist/ served with an access log: requests on the fast path, through Express and refused by the parser are logged. */
let logged: RunningServer;
let log = "";
beforeAll(async () => {
  fx = await startFixture("protocol");
  const stream = new PassThrough();
  stream.on("data", (d: Buffer) => (log += d.toString()));
  logged = await serve(fx.distDir, { log: stream });
});
afterAll(async () => {
  await logged?.close();
  await fx?.close();
});

const ports = () => [
  ["fast path", fx.port],
  ["with --log", portOf(logged)],
] as const;

/** Every URL kind: a feed, a folder's index, a redirect, a missing page. */
const URLS = ["/rss.xml", "/", "/articles/markdown-one", "/no-such-page"];

function request(method: string, target: string, headerLines: string[], version = "HTTP/1.1"): string {
  return [`${method} ${target} ${version}`, ...headerLines, "Connection: close", "", ""].join("\r\n");
}

function expectNoFile(r: RawReply, label: string): void {
  expect(r.text, label).not.toContain("<rss");
  expect(r.text, label).not.toContain("<html");
  expect(r.headers.etag, label).toBeUndefined();
}

describe("methods the parser does not know", () => {
  // Valid method tokens (RFC 9110 §5.6.2) that are not registered methods; "get" because methods are case-sensitive.
  const UNKNOWN = ["FROB", "BREW", "get", "Get", "GETX", "X-CUSTOM", "FROB.v2", "M!"];
  it.each(UNKNOWN)("%s gets 501 Not Implemented, and the connection closes", async (method) => {
    for (const [label, port] of ports()) {
      for (const url of URLS) {
        const r = await rawRequest(port, request(method, url, ["Host: 127.0.0.1"]));
        const key = `${label}: ${method} ${url}`;
        expect(r.status, key).toBe(501);
        expect(r.text.startsWith("HTTP/1.1 501 Not Implemented\r\n"), key).toBe(true);
        expect(r.headers.connection, key).toBe("close");
        expect(r.body.toString(), key).toBe("Not Implemented\n");
        expect(Number(r.headers["content-length"]), key).toBe(r.body.length);
        expectNoFile(r, key);
      }
    }
  });

  it("with a request body, too", async () => {
    const r = await rawRequest(fx.port, "FROB /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    expect(r.status).toBe(501);
  });

  it("after a pipelined GET: the GET is answered whole, then 501", async () => {
    const r = await rawRequest(fx.port, "GET /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nFROB / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(r.status).toBe(200);
    const length = Number(r.headers["content-length"]);
    const second = r.body.subarray(length).toString("latin1");
    expect(r.body.subarray(0, length).toString()).toContain("</rss>");
    expect(second.startsWith("HTTP/1.1 501 Not Implemented\r\n")).toBe(true);
  });

  it("a request line that is not one (no method token, a tab for a space, no version) stays 400", async () => {
    for (const line of ["G(T / HTTP/1.1", "GET\t/ HTTP/1.1", "\"GET\" / HTTP/1.1", "FROB /"]) {
      const r = await rawRequest(fx.port, `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(r.status, line).toBe(400);
      expectNoFile(r, line);
    }
  });

  it("a request cut short inside its line is judged by its method token", async () => {
    for (const [partial, status] of [["FROB /rss.xml HTT", 501], ["FROB", 501], ["G(T /rss.xml HTT", 400]] as const) {
      const r = await rawRequest(fx.port, partial);
      expect(r.status, partial).toBe(status);
    }
  });

  it("the parser's other refusals keep Node's answers: 431 for oversized headers, 400 for a bad target", async () => {
    const big = await rawRequest(fx.port, request("GET", "/rss.xml", ["Host: 127.0.0.1", `X-Big: ${"a".repeat(20_000)}`]));
    expect(big.status).toBe(431);
    for (const method of ["GET", "HEAD"]) {
      const r = await rawRequest(fx.port, request(method, "/a b", ["Host: 127.0.0.1"]));
      expect(r.status, method).toBe(400);
      expect(r.body.length, method).toBe(0); // the method is not known to the answer: no body, as for a HEAD
    }
  });

  it("CONNECT is a known method no file allows: 405 with Allow, where Node alone would drop the connection", async () => {
    for (const target of ["127.0.0.1:443", "example.com:80"]) {
      const r = await rawRequest(fx.port, request("CONNECT", target, [`Host: ${target}`]));
      expect(r.status, target).toBe(405);
      expect(r.headers.allow, target).toBe("GET, HEAD");
    }
  });
});

describe("Host (RFC 9112 §3.2)", () => {
  const BAD: [string, string[], string?][] = [
    ["two identical Host fields", ["Host: 127.0.0.1", "Host: 127.0.0.1"]],
    ["two different Host fields", ["Host: 127.0.0.1", "Host: evil.example"]],
    ["two Host fields, names in different case", ["Host: 127.0.0.1", "host: 127.0.0.1"]],
    ["an empty and a full Host field", ["Host:", "Host: 127.0.0.1"]],
    ["three Host fields", ["Host: a", "Host: a", "Host: a"]],
    ["no Host on HTTP/1.1", []],
    ["a Host with a space inside", ["Host: exa mple.com"]],
    ["a Host with a path", ["Host: example.com/rss.xml"]],
    ["a Host with userinfo", ["Host: user@example.com"]],
    ["a Host with a port that is not a number", ["Host: example.com:http"]],
  ];
  it.each(BAD)("%s: 400", async (_label, headerLines) => {
    for (const [label, port] of ports()) {
      for (const method of ["GET", "HEAD"]) {
        for (const url of URLS) {
          const r = await rawRequest(port, request(method, url, headerLines));
          const key = `${label}: ${method} ${url}`;
          expect(r.status, key).toBe(400);
          expect(r.body.toString(), key).toBe(method === "HEAD" ? "" : "Bad Request\n");
          expectNoFile(r, key);
        }
      }
    }
  });

  const GOOD: [string, string[], string][] = [
    ["one Host", ["Host: 127.0.0.1"], "HTTP/1.1"],
    ["Host with a port", ["Host: 127.0.0.1:8080"], "HTTP/1.1"],
    ["an IPv6 literal", ["Host: [::1]:3000"], "HTTP/1.1"],
    ["a name", ["Host: feeds.example.com"], "HTTP/1.1"],
    // Valid when the target has no authority (§3.2); a server may not refuse it for being empty.
    ["an empty Host", ["Host:"], "HTTP/1.1"],
    ["no Host on HTTP/1.0", [], "HTTP/1.0"],
  ];
  it.each(GOOD)("%s: served", async (_label, headerLines, version) => {
    for (const [label, port] of ports()) {
      const r = await rawRequest(port, request("GET", "/rss.xml", headerLines, version));
      expect(r.status, label).toBe(200);
      expect(r.body.toString(), label).toContain("</rss>");
    }
  });

  it("the access log has the 400s, and the parser's 501s", () => {
    expect(log).toMatch(/ "GET \/rss\.xml HTTP\/1\.1" 400 12 "-" "-" \d+\.\d{3}$/m);
    expect(log).toMatch(/ "FROB \/rss\.xml HTTP\/1\.1" 501 16 "-" "-" \d+\.\d{3}$/m);
    expect(log).not.toContain("127.0.0.1 ");
  });
});

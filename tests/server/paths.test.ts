// URL paths: only manifest files can be reached; traversal and malformed targets get 400 or 404, never
// a file from outside dist/ and never a stack trace. Plus folder URLs, redirects, the 404 page, methods.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { get, head, rawGet, rawRequest, startFixture, type Fixture, type RawReply } from "./helpers.ts";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture("paths");
});
afterAll(async () => {
  await fx?.close();
});

/** Request targets sent byte for byte over a socket: no client gets to normalize them. */
const ATTEMPTS: string[] = [
  "/%2e%2e/package.json",
  "/%2e%2e/secret.txt",
  "/%2E%2E/%2E%2E/etc/passwd",
  "/..%2f..%2fetc/passwd",
  "/..%2fsecret.txt",
  "/%2e%2e%2f",
  "/%2e%2e%2fsecret.txt",
  "/..\\..\\",
  "/..\\secret.txt",
  "/%5c..%5c",
  "/%5c..%5csecret.txt",
  "/%00",
  "/rss.xml%00.html",
  "/rss.xml%00",
  "/.git/config",
  "/.env",
  "/.",
  "/..",
  "/../secret.txt",
  "/../../../../etc/passwd",
  "/articles/../../package.json",
  "/articles/../../secret.txt",
  "/articles/%2e%2e/%2e%2e/secret.txt",
  "/./rss.xml",
  "/%2e/rss.xml",
  "/%252e%252e/secret.txt",
  "/%c0%ae%c0%ae/secret.txt",
  "/manifest.json",
  "/_headers",
  "/rss.xml.br",
  "/rss.xml.gz",
  "/index.html.gz",
  "/planted.txt",
  "/secret.txt",
  "/%E0%A4%A",
  "/%",
  "/%zz",
  "/%ff",
  `/${"a".repeat(3000)}`,
  `/articles/${"../".repeat(1000)}secret.txt`,
  "//etc/passwd",
  "//secret.txt",
  "///../secret.txt",
  "http://evil/../",
  "http://evil/../secret.txt",
  "http://127.0.0.1/../secret.txt",
  "*",
  "secret.txt",
  "../secret.txt",
  "/rss.xml/..",
  "/rss.xml/../../secret.txt",
  "/articles/markdown-one.html/..",
  "/articles/markdown-one/%2e%2e/%2e%2e/secret.txt",
  "/dist/rss.xml",
  "/;/../secret.txt",
  "/..;/secret.txt",
];

function expectRefused(r: RawReply, target: string, secret: string, notFoundPage: Buffer): void {
  const key = target.length > 80 ? `${target.slice(0, 80)}…` : target;
  expect([400, 404], key).toContain(r.status);
  expect(r.text, key).not.toContain(secret);
  expect(r.text, key).not.toContain('"planted"');
  expect(r.text, key).not.toContain("root:");
  expect(r.text, key).not.toMatch(/\n\s*at \S/); // stack frames
  expect(r.text, key).not.toContain("Error");
  // The body is one of ours: the site's 404 page, or the short 400 text (or nothing, if Node's parser refused).
  if (r.status === 404) expect(r.body.equals(notFoundPage), key).toBe(true);
  else expect(["Bad Request\n", ""], key).toContain(r.body.toString("latin1"));
}

describe("traversal and malformed targets", () => {
  it("the planted files exist, so a leak would show", async () => {
    expect(await readFile(join(fx.root, "secret.txt"), "utf8")).toBe(fx.secret);
    expect(await readFile(join(fx.distDir, "planted.txt"), "utf8")).toBe(fx.secret);
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(20);
  });

  it.each(ATTEMPTS.map((t) => [t.length > 60 ? `${t.slice(0, 60)}… (${t.length} chars)` : t, t]))("GET %s: 400 or 404", async (_label, target) => {
    const r = await rawGet(fx.port, target);
    expectRefused(r, target, fx.secret, fx.notFoundPage);
    const h = await rawGet(fx.port, target, [], "HEAD");
    expect(h.status).toBe(r.status);
    expect(h.body.length).toBe(0);
  });

  it("the same attempts through node:http, which sends the path as given", async () => {
    for (const target of ATTEMPTS.filter((t) => t.startsWith("/"))) {
      const r = await get(fx.port, target);
      expect([400, 404], target.slice(0, 80)).toContain(r.status);
      expect(r.body.toString("latin1")).not.toContain(fx.secret);
    }
  });

  it("raw bytes that are not URL characters get 400 or 404 too", async () => {
    for (const target of [Buffer.from("/\xff\xfe", "latin1"), Buffer.from("/caf\u00e9", "utf8"), Buffer.from("/a\tb", "latin1")]) {
      const request = Buffer.concat([Buffer.from("GET "), target, Buffer.from(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")]);
      const r = await rawRequest(fx.port, request);
      expectRefused(r, target.toString("latin1"), fx.secret, fx.notFoundPage);
    }
  });
});

describe("folders, redirects and the 404 page", () => {
  it("/articles/<id> serves that article's page (dist/articles/<id>.html); a folder URL serves its index.html", async () => {
    for (const id of ["5eed5e7e00000001", "5eed5e7e00000002", "markdown-one", "markdown-two"]) {
      const file = await readFile(join(fx.distDir, "articles", `${id}.html`));
      const page = await get(fx.port, `/articles/${id}`);
      expect(page.status).toBe(200);
      expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(page.body.equals(file)).toBe(true);
    }
    const tagPage = await readFile(join(fx.distDir, "tags", "http", "index.html"));
    const slash = await get(fx.port, "/tags/http/");
    expect(slash.status).toBe(200);
    expect(slash.body.equals(tagPage)).toBe(true);
    const root = await get(fx.port, "/");
    expect(root.body.equals(await readFile(join(fx.distDir, "index.html")))).toBe(true);
  });

  it("every other form of a URL redirects 301 to the published one, keeping the query: no slash, .html, index.html", async () => {
    const forms = [
      ["/tags/http", "/tags/http/"],
      ["/tags/http/index.html", "/tags/http/"],
      ["/index.html", "/"],
      ["/articles/5eed5e7e00000001.html", "/articles/5eed5e7e00000001"],
      ["/articles/markdown-one.html", "/articles/markdown-one"],
    ] as const;
    for (const [from, to] of forms) {
      const r = await get(fx.port, from);
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe(to);
      const q = await get(fx.port, `${from}?utm=feed&x=1`);
      expect(q.status).toBe(301);
      expect(q.headers.location).toBe(`${to}?utm=feed&x=1`);
      const h = await head(fx.port, from);
      expect(h.status).toBe(301);
      expect(h.headers.location).toBe(to);
    }
    // No open redirect: a protocol-relative look-alike is not a folder of the site.
    for (const lookAlike of ["//tags/http", "//articles/markdown-one"]) {
      const r = await rawGet(fx.port, lookAlike);
      expect(r.status).toBe(404);
      expect(r.headers.location).toBeUndefined();
    }
  });

  it("a query string does not change which file is served", async () => {
    const plain = await get(fx.port, "/rss.xml");
    const withQuery = await get(fx.port, "/rss.xml?since=2025-01-01&x=%2e%2e");
    expect(withQuery.status).toBe(200);
    expect(withQuery.body.equals(plain.body)).toBe(true);
  });

  it("a missing path gets the site's own 404 page, as HTML with status 404", async () => {
    for (const url of ["/no-such-page", "/articles/no-such-article/", "/articles/no-such-article", "/articles/markdown-one/", "/rss", "/articles/", "/assets/style.css"]) {
      const r = await get(fx.port, url);
      expect(r.status, url).toBe(404);
      expect(r.headers["content-type"], url).toBe("text/html; charset=utf-8");
      expect(r.body.equals(fx.notFoundPage), url).toBe(true);
      expect(r.body.toString()).toMatch(/<!DOCTYPE html>/i);
      expect(r.headers.etag, url).toBeUndefined(); // it is not the resource that was asked for
      const h = await head(fx.port, url);
      expect(h.status, url).toBe(404);
      expect(h.headers["content-length"], url).toBe(String(fx.notFoundPage.length));
    }
  });
});

describe("methods", () => {
  const METHODS = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "MKCOL", "LOCK", "PURGE"];
  it.each(METHODS)("%s gets 405 with Allow: GET, HEAD", async (method) => {
    for (const url of ["/rss.xml", "/", "/no-such-page", "/articles/markdown-one"]) {
      const r = await rawGet(fx.port, url, [], method);
      expect(r.status, `${method} ${url}`).toBe(405);
      expect(r.headers.allow, `${method} ${url}`).toBe("GET, HEAD");
      expect(r.text).not.toContain("<rss");
    }
    // With a request body, too.
    const withBody = await rawRequest(
      fx.port,
      `${method} /rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
    );
    expect(withBody.status).toBe(405);
    expect(withBody.headers.allow).toBe("GET, HEAD");
  });
});

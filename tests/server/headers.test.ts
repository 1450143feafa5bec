// Response headers: types with charset, nosniff, CSP, no X-Powered-By, Cache-Control by kind, and
// parity with dist/_headers so a CDN serving dist/ answers as this server does.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CACHE_CONTROL, POLICY_KINDS } from "../../src/output/cache-policy.ts";
import { HTML_CSP } from "../../src/output/http-headers.ts";
import type { RunningServer } from "../../src/server/serve.ts";
import {
  CODINGS, get, parseHeadersFile, portOf, rawGet, ruleMatches, serve, startFixture, stylesheetPath, urlsFor, type Fixture,
} from "./helpers.ts";

let fx: Fixture;
/** The same dist/ served with an access log: every request then goes through Express. */
let logged: RunningServer;
let logPort: number;
beforeAll(async () => {
  fx = await startFixture("headers");
  const log = new PassThrough();
  log.resume();
  logged = await serve(fx.distDir, { log });
  logPort = portOf(logged);
});
afterAll(async () => {
  await logged?.close();
  await fx?.close();
});

const ports = () => [
  ["fast path", fx.port],
  ["with --log", logPort],
] as const;

describe("Content-Type and security headers", () => {
  it("feeds and pages say their type and charset", async () => {
    const expected: Record<string, string> = {
      "/rss.xml": "application/rss+xml; charset=utf-8",
      "/atom.xml": "application/atom+xml; charset=utf-8",
      "/feed.json": "application/feed+json; charset=utf-8",
      "/": "text/html; charset=utf-8",
      "/articles/markdown-one": "text/html; charset=utf-8",
      [`/${stylesheetPath(fx.manifest)}`]: "text/css; charset=utf-8",
    };
    for (const [, port] of ports()) {
      for (const [url, type] of Object.entries(expected)) {
        for (const coding of CODINGS) {
          expect((await get(port, url, { "Accept-Encoding": coding })).headers["content-type"], `${url} ${coding}`).toBe(type);
        }
      }
      const missing = await get(port, "/missing");
      expect(missing.status).toBe(404);
      expect(missing.headers["content-type"]).toBe("text/html; charset=utf-8");
    }
  });

  it("every answer has nosniff and no X-Powered-By; HTML has the Content-Security-Policy", async () => {
    const targets: [string, string, number][] = [
      ["GET", "/rss.xml", 200],
      ["GET", "/", 200],
      ["GET", "/articles/markdown-one", 200],
      ["GET", "/404.html", 200],
      ["GET", "/nothing-here", 404],
      ["GET", "/articles/markdown-one.html", 301],
      ["GET", "/%zz", 400],
      ["POST", "/rss.xml", 405],
      ["DELETE", "/nothing-here", 405],
    ];
    for (const [name, port] of ports()) {
      for (const [method, url, status] of targets) {
        const r = await rawGet(port, url, [], method);
        const key = `${name}: ${method} ${url}`;
        expect(r.status, key).toBe(status);
        expect(r.headers["x-content-type-options"], key).toBe("nosniff");
        expect(r.headers["x-powered-by"], key).toBeUndefined();
        expect(r.text, key).not.toMatch(/express/i);
        if (r.headers["content-type"]?.startsWith("text/html")) {
          expect(r.headers["content-security-policy"], key).toBe(HTML_CSP);
          expect(HTML_CSP).toContain("default-src 'none'");
          expect(HTML_CSP).not.toContain("script-src");
        }
      }
    }
  });
});

describe("Cache-Control", () => {
  it("follows the policy table by kind, on 200, 304 and the 404 page", async () => {
    const css = `/${stylesheetPath(fx.manifest)}`;
    const byUrl: Record<string, string> = {
      "/rss.xml": DEFAULT_CACHE_CONTROL.feed,
      "/atom.xml": DEFAULT_CACHE_CONTROL.feed,
      "/feed.json": DEFAULT_CACHE_CONTROL.feed,
      "/": DEFAULT_CACHE_CONTROL.html,
      "/articles/5eed5e7e00000001": DEFAULT_CACHE_CONTROL.html,
      "/tags/http/": DEFAULT_CACHE_CONTROL.html,
      "/404.html": DEFAULT_CACHE_CONTROL.html,
      [css]: DEFAULT_CACHE_CONTROL.immutable,
    };
    expect(DEFAULT_CACHE_CONTROL.immutable).toContain("immutable");
    expect(new Set(Object.values(DEFAULT_CACHE_CONTROL)).size).toBe(POLICY_KINDS.length); // the kinds really differ
    for (const [, port] of ports()) {
      for (const [url, policy] of Object.entries(byUrl)) {
        const ok = await get(port, url, { "Accept-Encoding": "br" });
        expect(ok.headers["cache-control"], url).toBe(policy);
        const notModified = await get(port, url, { "Accept-Encoding": "br", "If-None-Match": ok.headers.etag! });
        expect(notModified.status, url).toBe(304);
        expect(notModified.headers["cache-control"], url).toBe(policy);
      }
      expect((await get(port, "/not/there")).headers["cache-control"]).toBe(DEFAULT_CACHE_CONTROL.html);
    }
  });
});

describe("CDN parity with dist/_headers", () => {
  /** Sent by the server per representation or per connection: not something _headers can declare. */
  const PER_RESPONSE = new Set(["etag", "last-modified", "content-length", "content-encoding", "date", "connection", "keep-alive"]);

  it("every URL of every manifest file matches exactly one _headers rule, and every rule matches some URL", async () => {
    const blocks = parseHeadersFile(await readFile(join(fx.distDir, "_headers"), "utf8"));
    // The published URLs, and the files' own paths, which some hosts (Netlify, GitHub Pages) also serve.
    const urls = fx.manifest.files.flatMap((f) => [...new Set([...urlsFor(f.path), `/${f.path}`])]);
    expect(urls).toContain("/articles/markdown-one");
    expect(urls).toContain("/");
    const used = new Set<string>();
    for (const url of urls) {
      const matching = [...blocks.keys()].filter((rule) => ruleMatches(rule, url));
      expect(matching, url).toHaveLength(1);
      used.add(matching[0]!);
    }
    expect([...used].sort()).toEqual([...blocks.keys()].sort());
    // Placeholders keep the file small: one rule covers every article page.
    expect([...blocks.keys()].filter((r) => r.startsWith("/articles/"))).toEqual(["/articles/:p1"]);
  });

  it("the server sends exactly what _headers declares, for every file, URL and encoding", async () => {
    const blocks = parseHeadersFile(await readFile(join(fx.distDir, "_headers"), "utf8"));
    let compared = 0;
    for (const [name, port] of ports()) {
      for (const f of fx.manifest.files) {
        for (const url of urlsFor(f.path)) {
          const rule = [...blocks.keys()].find((r) => ruleMatches(r, url));
          const declared = rule === undefined ? undefined : blocks.get(rule);
          expect(declared, url).toBeDefined();
          for (const coding of CODINGS) {
            const r = await get(port, url, { "Accept-Encoding": coding });
            const key = `${name}: ${url} ${coding}`;
            expect(r.status, key).toBe(200);
            // Every declared header, with the very same value.
            for (const [header, value] of declared!) expect(r.headers[header.toLowerCase()], `${key} ${header}`).toBe(value);
            // And no other header that a CDN would not send.
            const sent = r.headerNames.map((h) => h.toLowerCase()).filter((h) => !PER_RESPONSE.has(h));
            expect(sent.sort(), key).toEqual(declared!.map(([h]) => h.toLowerCase()).sort());
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(60);
  });
});

// A host serving dist/ is crawled from the front page and the feeds; every URL it reaches must answer
// 200 without a redirect, with the Content-Type, Cache-Control and security headers seedfeed serve
// sends for that URL.

import { expect } from "vitest";
import { startServer } from "../../src/server/serve.ts";
import { crawl, type Fetched } from "../helpers/crawl.ts";
import { BASE } from "../publish/helpers.ts";

/** The headers that must be the same whoever serves the site. */
export const SAME_HEADERS = ["content-type", "cache-control", "x-content-type-options", "content-security-policy"] as const;

export interface HttpFetched extends Fetched {
  headers: Headers;
}

/** GET without following redirects: a redirect is an answer of its own here. */
export async function getPath(origin: string, path: string): Promise<HttpFetched> {
  const res = await fetch(new URL(path, origin), { redirect: "manual", headers: { "Accept-Encoding": "identity" } });
  const body = await res.text();
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body, headers: res.headers };
}

/** Crawls `origin` (a host serving dist/ at its root) and compares every URL it reaches with seedfeed serve's answer. */
export async function expectServesAsSeedfeed(origin: string, dist: string): Promise<number> {
  const server = await startServer({ dir: dist, port: 0, host: "127.0.0.1" });
  try {
    const entries = ["/", "/rss.xml", "/atom.xml", "/feed.json"];
    const host = await crawl(BASE, entries, (path) => getPath(origin, path));
    expect(host.broken.map(([from, to, status]) => `${from} links ${to}: ${status}`)).toEqual([]);
    const reference = await crawl(BASE, entries, (path) => getPath(server.url, path));
    expect([...host.visited.keys()].sort()).toEqual([...reference.visited.keys()].sort());
    for (const [path, answer] of host.visited) {
      const ours = reference.visited.get(path) as HttpFetched;
      const theirs = answer as HttpFetched;
      for (const name of SAME_HEADERS) expect(theirs.headers.get(name), `${name} of ${path}`).toBe(ours.headers.get(name));
      expect(theirs.body, path).toBe(ours.body);
    }
    return host.visited.size;
  } finally {
    await server.close();
  }
}

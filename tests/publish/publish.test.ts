// seedfeed publish against a real S3-compatible server (s3rver) on a loopback port: what it stores,
// what it writes when little or nothing changed, the order of its writes, faults and retries.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishOptions } from "../../src/publish/publish.ts";
import { startServer, type RunningServer } from "../../src/server/serve.ts";
import { sha256 } from "../../src/hash.ts";
import { getObject, listKeys, type S3Proxy } from "../helpers/s3.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { buildSite } from "../helpers/site.ts";
import { BASE, CONFIG, STATE, useS3, changeSite, crawlBucket, expectBucketIsSite, keyOf, makeSite, publishTo, type Site } from "./helpers.ts";

const tmp = useTempDirs("seedfeed-publish-");
const storage = useS3("site");

/** Writes that reached the server while `fn` ran, as object keys (the bucket's name taken off). */
async function writesDuring(bucket: string, fn: () => Promise<unknown>): Promise<{ method: string; key: string }[]> {
  storage.proxy.onRequest = () => "pass";
  storage.proxy.beforeEachWrite = undefined;
  const before = storage.proxy.requests.length;
  await fn();
  return storage.proxy.requests
    .slice(before)
    .filter((r) => r.method !== "GET" && r.method !== "HEAD" && (r.path === `/${bucket}` || r.path.startsWith(`/${bucket}/`)))
    .map((r) => ({ method: r.method, key: decodeURIComponent(r.path.slice(`/${bucket}/`.length)) }));
}

describe("what a publish stores", () => {
  let site: Site;
  let bucket: string;
  let server: RunningServer;
  beforeAll(async () => {
    site = await makeSite(await tmp.make());
    bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    server = await startServer({ dir: site.dist, port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => server?.close());

  it("every file at its URL's key with its bytes, sha-256, and no Content-Encoding; nothing else but the state", async () => {
    await expectBucketIsSite(storage.s3, bucket, site);
    const keys = await listKeys(storage.s3, bucket);
    expect(keys).toContain("index.html");
    expect(keys.some((k) => /^tags\/[^/]+\/index\.html$/.test(k))).toBe(true);
    expect(keys).not.toContain("_headers");
    expect(keys).not.toContain("manifest.json");
    expect(keys.filter((k) => /\.(br|gz)$/.test(k) && !k.startsWith(".seedfeed/"))).toEqual([]);
    expect(keys.filter((k) => k.startsWith(".")).every((k) => k.startsWith(".seedfeed/"))).toBe(true);
  });

  it("each object has the Content-Type and Cache-Control seedfeed serve sends for its URL", async () => {
    for (const e of await site.entries()) {
      const url = keyOf(e.path).replace(/(^|\/)index\.html$/, "$1");
      const served = await fetch(new URL(url, server.url), { headers: { "Accept-Encoding": "identity" } });
      await served.arrayBuffer();
      expect(served.status, url).toBe(200);
      const stored = await getObject(storage.s3, bucket, keyOf(e.path));
      expect(stored.headers.get("content-type"), url).toBe(served.headers.get("content-type"));
      expect(stored.headers.get("cache-control"), url).toBe(served.headers.get("cache-control"));
    }
  });

  it("every link from the feeds and the front page resolves in the bucket", async () => {
    const { visited, broken } = await crawlBucket(storage.s3, bucket);
    expect(broken).toEqual([]);
    // The crawl reached every page and feed of the site, not just a few.
    const reached = new Set([...visited.keys()].map((p) => (p.endsWith("/") ? `${p.slice(1)}index.html` : p.slice(1))));
    const unreached = (await site.entries()).map((e) => keyOf(e.path)).filter((k) => !reached.has(k) && k !== "404.html");
    expect(unreached).toEqual([]);
  });

  it("under a prefix, every key (the state's too) is under it", async () => {
    const other = await storage.newBucket();
    await publishTo(storage.s3.endpoint, other, site.dist, { target: { bucket: other, prefix: "www/blog/" } });
    await expectBucketIsSite(storage.s3, other, site, "www/blog/");
    expect((await listKeys(storage.s3, other)).every((k) => k.startsWith("www/blog/"))).toBe(true);
  });
});

describe("incremental", () => {
  it("a publish with nothing changed writes nothing", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.proxy.endpoint, bucket, site.dist);
    let unchanged = -1;
    const writes = await writesDuring(bucket, async () => {
      const { result } = await publishTo(storage.proxy.endpoint, bucket, site.dist);
      unchanged = result.plan.unchanged;
    });
    expect(writes).toEqual([]);
    expect(unchanged).toBe((await site.entries()).length);
  });

  it("after one edit it writes only the changed objects, plus at most 3 state writes", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.proxy.endpoint, bucket, site.dist);
    const before = new Map((await site.entries()).map((e) => [e.path, e.sha256]));
    await writeFile(join(site.seeds, "same-day.md"), "---\ntitle: Same day, edited\ndate: 2025-05-20\n---\nAn edited body.\n");
    await site.rebuild();
    const changed = (await site.entries()).filter((e) => before.get(e.path) !== e.sha256).map((e) => keyOf(e.path));
    expect(changed.length).toBeGreaterThan(0);
    const writes = await writesDuring(bucket, () => publishTo(storage.proxy.endpoint, bucket, site.dist));
    const stateWrites = writes.filter((w) => w.key === STATE);
    expect(stateWrites.length).toBeGreaterThanOrEqual(1);
    expect(stateWrites.length).toBeLessThanOrEqual(3);
    expect(writes.filter((w) => w.key !== STATE).map((w) => `${w.method} ${w.key}`).sort()).toEqual(changed.map((k) => `PUT ${k}`).sort());
    await expectBucketIsSite(storage.s3, bucket, site);
  });

  it("--force uploads every file again", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    const writes = await writesDuring(bucket, () => publishTo(storage.proxy.endpoint, bucket, site.dist, { force: true }));
    expect(writes.filter((w) => w.key !== STATE).map((w) => w.key).sort()).toEqual((await site.entries()).map((e) => keyOf(e.path)).sort());
  });

  it("without its state it compares with a listing, says so, and writes only the state", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    expect((await fetch(`${storage.s3.endpoint}/${bucket}/${STATE}`, { method: "DELETE" })).status).toBe(204);
    let logs: string[] = [];
    const writes = await writesDuring(bucket, async () => ({ logs } = await publishTo(storage.proxy.endpoint, bucket, site.dist)));
    expect(logs.join("\n")).toMatch(/there is no \.seedfeed\/state\.json\.gz.*comparing with a listing/);
    expect(writes).toEqual([{ method: "PUT", key: STATE }]);
    await expectBucketIsSite(storage.s3, bucket, site);
  });

  it("when the bucket does not match its state (a feed written by something else), it says so and repairs it", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    const put = await fetch(`${storage.s3.endpoint}/${bucket}/rss.xml`, { method: "PUT", body: "<rss/>", headers: { "Content-Type": "text/xml" } });
    expect(put.ok).toBe(true);
    let logs: string[] = [];
    const writes = await writesDuring(bucket, async () => ({ logs } = await publishTo(storage.proxy.endpoint, bucket, site.dist)));
    expect(logs.join("\n")).toMatch(/rss\.xml in the bucket is not what .* says.*comparing with a listing/);
    expect(writes.map((w) => w.key).filter((k) => k !== STATE)).toEqual(["rss.xml"]);
    await expectBucketIsSite(storage.s3, bucket, site);
  });

  it("deletes what left the site, after every upload and after the state that names what it deletes", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    const oldKeys = new Set((await site.entries()).map((e) => keyOf(e.path)));
    await changeSite(site);
    const newKeys = new Set((await site.entries()).map((e) => keyOf(e.path)));
    const gone = [...oldKeys].filter((k) => !newKeys.has(k)).sort();
    expect(gone.length).toBeGreaterThan(0);
    const writes = await writesDuring(bucket, () => publishTo(storage.proxy.endpoint, bucket, site.dist));
    // The multi-object delete comes after every upload and after the state that names what it deletes.
    const deleteAt = writes.findIndex((w) => w.method === "POST");
    const lastUpload = writes.map((w) => w.method === "PUT" && w.key !== STATE).lastIndexOf(true);
    expect(deleteAt).toBeGreaterThan(lastUpload);
    expect(writes[deleteAt - 1]?.key).toBe(STATE);
    await expectBucketIsSite(storage.s3, bucket, site);
  });
});

it("a new Cache-Control policy re-uploads every object whose header it changes, and no other", async () => {
  const site = await makeSite(await tmp.make());
  const bucket = await storage.newBucket();
  await publishTo(storage.s3.endpoint, bucket, site.dist);
  const r = await buildSite(site.seeds, site.dist, { config: { ...CONFIG, cacheControl: { ...CONFIG.cacheControl, feed: "public, max-age=42" } } });
  expect(r.written).toBe(true);
  const feeds = (await site.entries()).filter((e) => e.kind === "feed").map((e) => keyOf(e.path));
  let reasons: string[] = [];
  const writes = await writesDuring(bucket, async () => {
    const { result } = await publishTo(storage.proxy.endpoint, bucket, site.dist);
    reasons = [...new Set(result.plan.batches.flatMap((b) => b.uploads.map((u) => u.reason)))];
  });
  expect(writes.map((w) => w.key).filter((k) => k !== STATE).sort()).toEqual(feeds.sort());
  expect(reasons).toEqual([`Cache-Control changed (was ${CONFIG.cacheControl.feed})`]);
  expect((await getObject(storage.s3, bucket, "rss.xml")).headers.get("cache-control")).toBe("public, max-age=42");
});

describe("order: a poller reading the bucket during a publish never finds a link without its object", () => {
  it("holds before every single write of a publish that adds articles, a tag, archive and list pages", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    await publishTo(storage.s3.endpoint, bucket, site.dist);
    const pagesBefore = (await crawlBucket(storage.s3, bucket)).visited.size;
    await changeSite(site);
    storage.proxy.onRequest = () => "pass";
    let polls = 0;
    const problems: string[] = [];
    storage.proxy.beforeEachWrite = async (r) => {
      polls++;
      const { broken } = await crawlBucket(storage.s3, bucket);
      for (const [from, to, status] of broken) problems.push(`before ${r.method} ${r.path}: ${from} links ${to} (${status})`);
    };
    try {
      await publishTo(storage.proxy.endpoint, bucket, site.dist, { concurrency: 8 });
    } finally {
      storage.proxy.beforeEachWrite = undefined;
    }
    const after = await crawlBucket(storage.s3, bucket);
    expect(problems).toEqual([]);
    expect(after.broken).toEqual([]);
    expect(polls).toBeGreaterThan(10);
    expect(after.visited.size).toBeGreaterThan(pagesBefore);
    await expectBucketIsSite(storage.s3, bucket, site);
  });
});

describe("faults", () => {
  /** Publishes a new site to a new bucket through the proxy with `onRequest` in place; the bucket must end up holding the site. */
  async function publishesDespite(onRequest: S3Proxy["onRequest"], options: Partial<PublishOptions> = {}): Promise<void> {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    storage.proxy.onRequest = onRequest;
    try {
      await publishTo(storage.proxy.endpoint, bucket, site.dist, options);
    } finally {
      storage.proxy.onRequest = () => "pass";
    }
    await expectBucketIsSite(storage.s3, bucket, site);
  }

  it("retries 503 throttling answers and cut connections with backoff, and completes", async () => {
    // Every third object's first two attempts fail: a 503 SlowDown, then a cut connection.
    const attempts = new Map<string, number>();
    let faults = 0;
    await publishesDespite((r) => {
      const n = (attempts.get(r.path) ?? 0) + 1;
      attempts.set(r.path, n);
      if (attempts.size % 3 !== 0 || n > 2) return "pass";
      faults++;
      return n === 1 ? "fail503" : "reset";
    });
    expect(faults).toBeGreaterThan(5);
  });

  it("a request that never gets an answer times out and is retried", async () => {
    let hung = 0;
    await publishesDespite((r) => (r.method === "PUT" && hung++ < 2 ? "hang" : "pass"), { idleTimeoutMs: 500 });
    expect(hung).toBeGreaterThan(2);
  });

  it("a file of dist/ that changes during the publish stops it rather than upload bytes the manifest does not describe", async () => {
    const site = await makeSite(await tmp.make());
    const bucket = await storage.newBucket();
    const rss = join(site.dist, "rss.xml");
    const original = await readFile(rss);
    await writeFile(rss, Buffer.concat([original, Buffer.from("\n")]));
    await expect(publishTo(storage.s3.endpoint, bucket, site.dist)).rejects.toThrow(/rss\.xml changed while publishing/);
    const stored = await getObject(storage.s3, bucket, "rss.xml");
    expect(stored.status).toBe(404);
    expect(sha256(original)).not.toBe(sha256(await readFile(rss)));
  });
});

it("the purge list names the URLs whose objects changed or went, as absolute URLs", async () => {
  const site = await makeSite(await tmp.make());
  const bucket = await storage.newBucket();
  await publishTo(storage.s3.endpoint, bucket, site.dist);
  const before = new Map((await site.entries()).map((e) => [keyOf(e.path), e.sha256]));
  await changeSite(site);
  const after = new Map((await site.entries()).map((e) => [keyOf(e.path), e.sha256]));
  const file = join(await tmp.make(), "purge.txt");
  await publishTo(storage.s3.endpoint, bucket, site.dist, { purgeList: file });
  const urlOf = (key: string) => new URL(key.replace(/(^|\/)index\.html$/, "$1"), BASE).href;
  const expected = [...before].filter(([k, sha]) => after.get(k) !== sha).map(([k]) => urlOf(k)).sort();
  expect(expected.some((u) => u === BASE)).toBe(true);
  expect((await readFile(file, "utf8")).split("\n").filter(Boolean)).toEqual(expected);
});

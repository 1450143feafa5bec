// Sites to publish and what a published bucket must hold, for the publish tests.

import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { manifestFileOf, parseManifest, type ManifestEntry } from "../../src/output/manifest.ts";
import { publish, type PublishOptions } from "../../src/publish/publish.ts";
import { parseTarget } from "../../src/publish/target.ts";
import { urlPathOf } from "../../src/render/urls.ts";
import type { SiteConfig } from "../../src/types.ts";
import { crawl, type Crawl } from "../helpers/crawl.ts";
import { copyRepoSeeds, markdownSeed, textSeed } from "../helpers/files.ts";
import { EXTRA_SEEDS } from "../helpers/fixture.ts";
import { S3_CREDENTIALS, getObject, listKeys, startProxy, startS3, type S3Proxy, type S3Server } from "../helpers/s3.ts";
import { buildSite, testConfig } from "../helpers/site.ts";
import { sha256 } from "../../src/hash.ts";

/** One S3 server and proxy for a test file (credentials in this process's environment), and a new bucket per call. */
export function useS3(label: string) {
  let buckets = 0;
  const storage = {
    s3: undefined as unknown as S3Server,
    proxy: undefined as unknown as S3Proxy,
    newBucket: async () => {
      const name = `${label}-${++buckets}`;
      await storage.s3.bucket(name);
      return name;
    },
  };
  beforeAll(async () => {
    Object.assign(process.env, S3_CREDENTIALS);
    storage.s3 = await startS3();
    storage.proxy = await startProxy(storage.s3.port);
  });
  afterAll(async () => {
    await storage.proxy?.close();
    await storage.s3?.close();
  });
  return storage;
}

/** Small pages, so a handful of articles makes archive pages and list pages. */
export const CONFIG: SiteConfig = testConfig({ feedSize: 3, pageSize: 2 });
export const BASE = CONFIG.baseUrl;
export const STATE = ".seedfeed/state.json.gz";

export interface Site {
  seeds: string;
  dist: string;
  rebuild(): Promise<void>;
  entries(): Promise<ManifestEntry[]>;
}

export async function makeSite(root: string): Promise<Site> {
  const seeds = join(root, "seeds");
  const dist = join(root, "dist");
  await copyRepoSeeds(seeds, EXTRA_SEEDS);
  const site: Site = {
    seeds,
    dist,
    rebuild: async () => {
      const r = await buildSite(seeds, dist, { config: CONFIG });
      if (!r.written) throw new Error(`build failed: ${JSON.stringify(r.diagnostics)}`);
    },
    entries: async () => parseManifest(await readFile(manifestFileOf(dist), "utf8")).files,
  };
  await site.rebuild();
  return site;
}

/** New articles (one with a tag no article had), an edit, and a deletion: a publish of every kind of change. */
export async function changeSite(site: Site): Promise<void> {
  for (let i = 1; i <= 4; i++) {
    await writeFile(
      join(site.seeds, `new-${i}.md`),
      markdownSeed([`title: "New article ${i}"`, `date: 2026-0${i}-10`, ...(i === 2 ? ["tags: [brand-new-tag, guest]"] : [])], `Body of new article ${i}.\n`),
    );
  }
  await writeFile(join(site.seeds, "more/010_00000000cafe0010.txt"), textSeed({ date: "2025-05-20", n: 10, title: "An edited title", paragraphs: ["Edited."] }));
  await rm(join(site.seeds, "same-day.md"));
  await site.rebuild();
}

/** The object key a dist/ file must be stored at: its URL's, with a folder's at its index.html (S3 website hosting). */
export function keyOf(path: string): string {
  const url = urlPathOf(path).slice(1);
  return url === "" || url.endsWith("/") ? `${url}index.html` : url;
}

export async function publishTo(endpoint: string, bucket: string, dir: string, options: Partial<PublishOptions> = {}) {
  const logs: string[] = [];
  const result = await publish({
    target: parseTarget(`s3://${bucket}`),
    endpoint,
    pathStyle: true,
    concurrency: 8,
    maxDeletes: 256,
    dir,
    baseUrl: BASE,
    log: (line) => logs.push(line),
    ...options,
  });
  return { result, logs };
}

/** The bucket holds exactly the site (and publish's state): every object with the file's bytes and headers. */
export async function expectBucketIsSite(s3: S3Server, bucket: string, site: Site, prefix = ""): Promise<void> {
  const entries = await site.entries();
  const keys = await listKeys(s3, bucket, prefix);
  expect(keys).toEqual([...entries.map((e) => `${prefix}${keyOf(e.path)}`), `${prefix}${STATE}`].sort());
  for (const e of entries) {
    const o = await getObject(s3, bucket, `${prefix}${keyOf(e.path)}`);
    expect(o.status, e.path).toBe(200);
    expect(sha256(o.body), e.path).toBe(e.sha256);
    expect(o.headers.get("content-type"), e.path).toBe(e.contentType);
    expect(o.headers.get("cache-control"), e.path).toBe(e.cacheControl);
    expect(o.headers.get("x-amz-meta-sha256"), e.path).toBe(e.sha256);
    expect(o.headers.get("content-encoding"), e.path).toBeNull();
  }
}

/** Crawls the site as S3 website hosting serves it: from the feeds and the front page, every link. */
export function crawlBucket(s3: S3Server, bucket: string, prefix = ""): Promise<Crawl> {
  return crawl(BASE, ["/", "/rss.xml", "/atom.xml", "/feed.json"], async (path) => {
    const key = path.endsWith("/") ? `${path.slice(1)}index.html` : path.slice(1);
    const o = await getObject(s3, bucket, `${prefix}${key}`);
    return { status: o.status, contentType: o.headers.get("content-type") ?? "", body: o.body.toString("utf8") };
  });
}

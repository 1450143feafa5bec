// Compression on demand (issue 13): a file the build wrote identity only is compressed on its first
// request that accepts br or gzip, by the build's own compress() and levels, and kept in a bounded cache.
// The same bytes and the same ETag as a variant the build precompressed; a 304 needs no compressed bytes;
// the cache stays within its bound; a file a rebuild replaced never gets its old compressed body.

import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeCorpus } from "../../bench/corpus.ts";
import { sha256 } from "../../src/hash.ts";
import { manifestFileOf, readManifestEntries, type ManifestEntry } from "../../src/output/manifest.ts";
import { etagOf, newServerCaches, type ServerCaches } from "../../src/server/from-manifest.ts";
import { startServer, type RunningServer } from "../../src/server/serve.ts";
import { buildInto, decode, get, head, makeTempDir, portOf, removeDir, urlsFor, type Reply } from "./helpers.ts";

const ENCODINGS = ["br", "gzip"] as const;
/** Headers of a reply as the server wrote them, in order, without Date (the only one that moves). */
const headerLines = (r: Reply) => Object.entries(r.headers).filter(([k]) => k !== "date");

let root: string;
let seeds: string;
/** Every file with the build's variants. */
let precompressed: string;
/** The same files, identity only. */
let identityOnly: string;
let entries: ManifestEntry[];
beforeAll(async () => {
  root = await makeTempDir("on-demand");
  seeds = join(root, "seeds");
  precompressed = join(root, "precompressed");
  identityOnly = join(root, "identity-only");
  // 60 articles: list pages, archive pages, tags, and about 150 files to compress.
  await writeCorpus(seeds, 60);
  await buildInto(seeds, precompressed);
  await buildInto(seeds, identityOnly, { precompress: "none" });
  entries = [...readManifestEntries(manifestFileOf(precompressed)).values()];
});
afterAll(async () => {
  await removeDir(root);
});

async function serving<T>(dir: string, caches: ServerCaches, use: (port: number) => Promise<T>): Promise<T> {
  const server: RunningServer = await startServer({ dir, port: 0, host: "127.0.0.1", caches });
  try {
    return await use(portOf(server));
  } finally {
    await server.close();
  }
}

describe("compression on demand", () => {
  it("the fixture is what it should be: variants in one folder, none in the other", () => {
    const withVariants = entries.filter((e) => e.br && e.gzip);
    expect(withVariants.length).toBeGreaterThan(100);
    expect([...readManifestEntries(manifestFileOf(identityOnly)).values()].some((e) => e.br || e.gzip)).toBe(false);
  });

  it("first and later requests give identical bytes and ETags, and the bytes decode to the file", async () => {
    const caches = newServerCaches();
    await serving(identityOnly, caches, async (port) => {
      for (const e of entries.filter((x) => x.kind !== "manifest")) {
        const identity = await readFile(join(identityOnly, e.path));
        for (const coding of ENCODINGS) {
          const url = urlsFor(e.path)[0]!;
          const first = await get(port, url, { "Accept-Encoding": coding });
          const later = await get(port, url, { "Accept-Encoding": coding });
          const key = `${url} ${coding}`;
          expect(first.status, key).toBe(200);
          // Whenever the build made a variant, on demand makes one too (compress() drops those not smaller).
          expect(first.headers["content-encoding"], key).toBe(e[coding] ? coding : undefined);
          expect(decode(first.body, first.headers["content-encoding"]).equals(identity), key).toBe(true);
          expect(Number(first.headers["content-length"]), key).toBe(first.body.length);
          expect(first.headers.etag, key).toBe(etagOf(sha256(identity), e[coding] ? coding : "identity"));
          expect(later.body.equals(first.body), key).toBe(true);
          expect(headerLines(later), key).toEqual(headerLines(first));
        }
      }
    });
    expect(caches.encoded.bytes).toBeGreaterThan(0);
  });

  it("gives the very bytes and ETag of the build's precompressed variant", async () => {
    const onDemandCaches = newServerCaches();
    await serving(precompressed, newServerCaches(), (prePort) =>
      serving(identityOnly, onDemandCaches, async (port) => {
        let compared = 0;
        for (const e of entries.filter((x) => x.br && x.gzip)) {
          for (const coding of ENCODINGS) {
            const url = urlsFor(e.path)[0]!;
            const pre = await get(prePort, url, { "Accept-Encoding": coding });
            const onDemand = await get(port, url, { "Accept-Encoding": coding });
            expect(pre.headers["content-encoding"], url).toBe(coding);
            expect(onDemand.body.equals(pre.body), `${url} ${coding}`).toBe(true);
            expect(headerLines(onDemand), `${url} ${coding}`).toEqual(headerLines(pre));
            compared++;
          }
        }
        expect(compared).toBeGreaterThan(200);
      }),
    );
    // Those were compressed on demand, not read from a variant.
    expect(onDemandCaches.encoded.bytes).toBeGreaterThan(0);
  });

  it("a 304 for br or gzip needs no compressed bytes; a HEAD first gives the length a GET then sends", async () => {
    const caches = newServerCaches();
    const article = entries.find((e) => e.path.startsWith("articles/"))!;
    await serving(identityOnly, caches, async (port) => {
      const url = urlsFor(article.path)[0]!;
      for (const coding of ENCODINGS) {
        const etag = etagOf(article.sha256, coding);
        const r = await get(port, url, { "Accept-Encoding": coding, "If-None-Match": etag });
        expect(r.status, coding).toBe(304);
        expect(r.headers.etag, coding).toBe(etag);
      }
      expect(caches.encoded.bytes).toBe(0);
      const h = await head(port, url, { "Accept-Encoding": "br" });
      expect(h.status).toBe(200);
      expect(caches.encoded.bytes).toBeGreaterThan(0);
      const g = await get(port, url, { "Accept-Encoding": "br" });
      expect(h.headers["content-length"]).toBe(String(g.body.length));
      expect(headerLines(h)).toEqual(headerLines(g));
    });
  });

  it("the cache stays within its bound under many distinct files, and what was evicted comes back the same", async () => {
    const bound = 16 * 1024;
    const caches = newServerCaches(bound);
    const pages = entries.filter((e) => e.br && e.gzip);
    const seen = new Map<string, Reply>();
    let encodedBytes = 0;
    await serving(identityOnly, caches, async (port) => {
      for (let pass = 0; pass < 2; pass++) {
        for (const e of pages) {
          for (const coding of ENCODINGS) {
            const url = urlsFor(e.path)[0]!;
            const r = await get(port, url, { "Accept-Encoding": coding });
            expect(caches.encoded.bytes).toBeLessThanOrEqual(bound);
            const key = `${url} ${coding}`;
            const before = seen.get(key);
            if (before) {
              expect(r.body.equals(before.body), key).toBe(true);
              expect(r.headers.etag, key).toBe(before.headers.etag);
            } else {
              seen.set(key, r);
              encodedBytes += r.body.length;
            }
          }
        }
      }
    });
    // Not vacuous: far more was compressed than the cache could hold.
    expect(encodedBytes).toBeGreaterThan(5 * bound);
    expect(caches.encoded.bytes).toBeGreaterThan(bound / 2);
  });

  it("a file a rebuild replaced never gets its old compressed body", async () => {
    const dist = join(root, "rebuilt");
    await buildInto(seeds, dist, { precompress: "none" });
    const article = entries.find((e) => e.path.startsWith("articles/"))!;
    const url = urlsFor(article.path)[0]!;
    const caches = newServerCaches();
    const server = await startServer({ dir: dist, port: 0, host: "127.0.0.1", caches });
    const port = portOf(server);
    try {
      const old = await get(port, url, { "Accept-Encoding": "br" });
      expect(old.headers["content-encoding"]).toBe("br");
      const oldIdentity = await readFile(join(dist, article.path));

      // Every seed gets one more sentence: every page changes, the article's among them.
      const edited = join(root, "edited-seeds");
      await cp(seeds, edited, { recursive: true });
      for (const f of await readdir(edited, { recursive: true })) {
        if (!/\.(txt|md)$/.test(f)) continue;
        await writeFile(join(edited, f), `${await readFile(join(edited, f), "utf8")}\nOne more sentence after the rebuild.\n`);
      }
      await buildInto(edited, dist, { precompress: "none" });
      const newIdentity = await readFile(join(dist, article.path));
      expect(newIdentity.equals(oldIdentity)).toBe(false);

      // Until the server has followed the rebuild it may answer the old site or 503; every 200 is a body under its own ETag.
      const deadline = Date.now() + 10_000;
      let now: Reply | undefined;
      while (Date.now() < deadline) {
        const r = await get(port, url, { "Accept-Encoding": "br" });
        if (r.status === 200) {
          const decoded = decode(r.body, r.headers["content-encoding"]);
          expect(r.headers.etag).toBe(etagOf(sha256(decoded), "br"));
          if (decoded.equals(newIdentity)) {
            now = r;
            break;
          }
          expect(decoded.equals(oldIdentity)).toBe(true);
        } else {
          expect(r.status).toBe(503);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(now, "the server never followed the rebuild").toBeDefined();
      expect(now!.headers.etag).not.toBe(old.headers.etag);
      expect(now!.body.equals(old.body)).toBe(false);
      // And it stays so: later requests, gzip too, give the new content only.
      for (const coding of ENCODINGS) {
        const r = await get(port, url, { "Accept-Encoding": coding });
        expect(decode(r.body, r.headers["content-encoding"]).equals(newIdentity), coding).toBe(true);
      }
    } finally {
      await server.close();
    }
  });
});

// RFC 3229 feed deltas (`A-IM: feed`) over real HTTP, over 30 real rebuilds: readers that apply deltas
// end with the very entries of readers that fetch the whole feed every time; every delta is a valid
// feed document (xmllint, the Atom RELAX NG schema, Python's feedparser) holding the entries' bytes as the
// full feed has them; and the answers around it stay RFC 9110's (304, 200 for an ETag gone, Vary,
// Cache-Control, HEAD, the JSON feed).

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config.ts";
import { feedVersionsFile } from "../../src/output/feed-versions.ts";
import { pythonFeedparser, xmllint } from "../helpers/consumers.ts";
import { buildInto, decode, get, makeTempDir, portOf, removeDir, serve, type Reply } from "./helpers.ts";

const ATOM_RNG = new URL("../fixtures/atom.rng", import.meta.url).pathname;

/** A small window so that additions push entries out and deletions pull older ones back in. */
const CONFIG = validateConfig(
  { title: "Delta test site", baseUrl: "http://127.0.0.1/", tagPrefix: "tag:deltas.example,2025:", feedSize: 5, pageSize: 5 },
  "delta tests",
);
const VERSIONS_KEPT = 5;
const READERS = { counts: false, guardLimit: 0, deltas: true };

/** mulberry32: the same changes on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Article {
  id: string;
  day: number;
  version: number;
  tag: string;
}

function seedText(a: Article): string {
  const date = new Date(Date.UTC(2025, 0, 1 + a.day)).toISOString().slice(0, 10);
  return ["---", `title: "Article ${a.id}, take ${a.version}"`, `date: ${date}`, `tags: [${a.tag}]`, "---", `Body of ${a.id}, version ${a.version}: <b>bold</b> & more.`, ""].join("\n");
}

/** Entries of a feed document by id, each exactly as its bytes are: the test's own reading, not the server's splitter. */
function entriesOf(xml: string, format: "rss" | "atom"): Map<string, string> {
  const element = format === "rss" ? "item" : "entry";
  const idOf = format === "rss" ? /<guid[^>]*>([^<]+)<\/guid>/ : /<id>([^<]+)<\/id>/;
  const entries = new Map<string, string>();
  for (const m of xml.matchAll(new RegExp(`<${element}>[\\s\\S]*?</${element}>`, "g"))) entries.set(idOf.exec(m[0])![1]!, m[0]);
  return entries;
}

/** A feed reader that keeps every entry it has seen (as readers do), by id, the latest bytes of each. */
class Reader {
  etag: string | undefined;
  readonly entries = new Map<string, string>();
  readonly statuses: number[] = [];
  readonly deltas: string[] = [];
  constructor(
    readonly format: "rss" | "atom",
    readonly deltasAccepted: boolean,
  ) {}

  async poll(port: number, path: string): Promise<Reply> {
    const headers: Record<string, string> = { "Accept-Encoding": "br, gzip" };
    if (this.etag) headers["If-None-Match"] = this.etag;
    if (this.etag && this.deltasAccepted) headers["A-IM"] = "feed";
    const r = await get(port, path, headers);
    this.statuses.push(r.status);
    if (r.status === 226) {
      expect(r.headers.im).toBe("feed");
      // Delta-Base names the version the delta applies to: the reader checks it is its own.
      expect(r.headers["delta-base"]).toBe(this.etag);
      this.deltas.push(decode(r.body, r.headers["content-encoding"]).toString("utf8"));
    }
    if (r.status === 200 || r.status === 226) {
      for (const [id, bytes] of entriesOf(decode(r.body, r.headers["content-encoding"]).toString("utf8"), this.format)) this.entries.set(id, bytes);
      this.etag = r.headers.etag;
    } else expect(r.status).toBe(304);
    return r;
  }
}

let root: string;
let seedsDir: string;
let distDir: string;
const articles = new Map<string, Article>();
let nextDay = 0;

async function writeArticle(a: Article): Promise<void> {
  articles.set(a.id, a);
  await writeFile(join(seedsDir, `${a.id}.md`), seedText(a));
}

async function buildAndServe<T>(use: (port: number) => Promise<T>): Promise<T> {
  await buildInto(seedsDir, distDir, { config: CONFIG, feedVersions: VERSIONS_KEPT });
  const server = await serve(distDir, { readers: READERS });
  try {
    return await use(portOf(server));
  } finally {
    await server.close();
  }
}

const TAGS = ["alpha", "beta"];
/** Never deleted nor moved: each tag keeps its feeds. */
const PINNED = new Set(["a0", "a1"]);

beforeAll(async () => {
  root = await makeTempDir("deltas");
  seedsDir = join(root, "seeds");
  distDir = join(root, "dist");
  await mkdir(seedsDir, { recursive: true });
  for (let i = 0; i < 8; i++) await writeArticle({ id: `a${i}`, day: nextDay++, version: 1, tag: TAGS[i % 2]! });
});
afterAll(async () => {
  await removeDir(root);
});

describe("30 rebuilds: additions, edits, deletions", () => {
  it("readers applying deltas end with the same entries as readers fetching the whole feed", async () => {
    const random = prng(7);
    // For each feed: a reader fetching whole feeds, one applying deltas after every rebuild, one every
    // third (an older base), one every seventh (its version has left the history: a full 200 again).
    const feeds = [
      ["/rss.xml", "rss"],
      ["/atom.xml", "atom"],
      ["/tags/alpha/rss.xml", "rss"],
      ["/tags/beta/atom.xml", "atom"],
    ] as const;
    const readers = feeds.map(([path, format]) => ({
      path,
      format,
      // Each schedule twice: a reader applying deltas, and one fetching whole feeds at the same moments.
      every: [1, 3, 7].map((n) => ({ n, delta: new Reader(format, true), full: new Reader(format, false) })),
    }));
    const kinds = { added: 0, edited: 0, deleted: 0, olderAdded: 0 };
    for (let step = 0; step <= 30; step++) {
      if (step > 0) {
        // One to three changes a rebuild.
        for (let c = 0, n = 1 + Math.floor(random() * 3); c < n; c++) {
          const live = [...articles.values()];
          const pick = random();
          if (pick < 0.4 || live.length < 4) {
            // Mostly a new newest article; sometimes one dated among the others, which lands inside the window.
            const older = random() < 0.25;
            const day = older ? live[Math.floor(random() * live.length)]!.day : nextDay++;
            await writeArticle({ id: `n${step}-${c}`, day, version: 1, tag: TAGS[Math.floor(random() * 2)]! });
            kinds.added++;
            if (older) kinds.olderAdded++;
          } else if (pick < 0.75) {
            const a = live[Math.floor(random() * live.length)]!;
            // An edit may move the article to the other tag: it leaves one tag's feed, joins the other's.
            const moves = !PINNED.has(a.id) && random() < 0.3;
            await writeArticle({ ...a, version: a.version + 1, tag: moves ? TAGS[1 - TAGS.indexOf(a.tag)]! : a.tag });
            kinds.edited++;
          } else {
            const unpinned = live.filter((a) => !PINNED.has(a.id));
            const a = unpinned[Math.floor(random() * unpinned.length)]!;
            articles.delete(a.id);
            await rm(join(seedsDir, `${a.id}.md`));
            kinds.deleted++;
          }
        }
      }
      await buildAndServe(async (port) => {
        for (const r of readers) {
          const current = entriesOf((await get(port, r.path)).body.toString("utf8"), r.format);
          for (const { n, delta, full } of r.every) {
            if (step % n !== 0) continue;
            await delta.poll(port, r.path);
            await full.poll(port, r.path);
            // A reader that polled now holds exactly the current entries, whichever way they came.
            for (const [id, bytes] of current) expect(delta.entries.get(id), `step ${step} ${r.path} every ${n}: ${id}`).toBe(bytes);
          }
        }
      });
    }
    expect(kinds.added).toBeGreaterThan(5);
    expect(kinds.edited).toBeGreaterThan(5);
    expect(kinds.deleted).toBeGreaterThan(3);
    expect(kinds.olderAdded).toBeGreaterThan(0);
    for (const r of readers) {
      for (const { n, delta, full } of r.every) {
        // Readers keep what they have seen: the same entries, byte for byte, by either route.
        expect(delta.entries.size, `${r.path} every ${n}`).toBeGreaterThan(CONFIG.feedSize);
        expect([...delta.entries].sort(), `${r.path} every ${n}`).toEqual([...full.entries].sort());
      }
      const [everyStep, everyThird, everySeventh] = r.every.map((e) => e.delta.statuses);
      expect(everyStep!.filter((s) => s === 226).length, `${r.path}: ${everyStep!.join(" ")}`).toBeGreaterThan(20);
      expect(everyThird!.filter((s) => s === 226).length, `${r.path}: ${everyThird!.join(" ")}`).toBeGreaterThan(3);
      // Seven rebuilds back is past the five versions the site's feeds keep (a tag's feeds change less often).
      if (!r.path.startsWith("/tags/")) expect(everySeventh!.slice(1).filter((s) => s === 200).length, `${r.path}: ${everySeventh!.join(" ")}`).toBeGreaterThan(1);
    }
    // A delta holds fewer entries than the feed: the unchanged ones are not sent again.
    const deltas = readers.flatMap((r) => r.every.flatMap((e) => e.delta.deltas.map((xml) => ({ xml, format: r.format }))));
    expect(deltas.filter((d) => entriesOf(d.xml, d.format).size < CONFIG.feedSize).length).toBeGreaterThan(deltas.length / 2);
    await checkDocuments(deltas);
  });
});

/** Every delta: well-formed, valid (Atom: the RELAX NG schema), read by Python's feedparser without complaint, never fh:complete. */
async function checkDocuments(docs: { xml: string; format: "rss" | "atom" }[]): Promise<void> {
  expect(docs.length).toBeGreaterThan(50);
  const dir = join(root, "deltas");
  await mkdir(dir, { recursive: true });
  const files = await Promise.all(
    docs.map(async (d, i) => {
      const file = join(dir, `${i}.${d.format}.xml`);
      await writeFile(file, d.xml);
      return file;
    }),
  );
  for (const [i, file] of files.entries()) {
    const result = await xmllint(file, docs[i]!.format === "atom" ? ATOM_RNG : undefined);
    expect(result.ok, `${file}: ${result.stderr}`).toBe(true);
    expect(docs[i]!.xml).not.toContain("fh:complete/>");
  }
  const parsed = await pythonFeedparser(...files);
  parsed.forEach((p, i) => {
    expect(p.bozo, `${files[i]}: ${p.bozo_exception}`).toBe(false);
    expect(p.entries.map((e) => e.id).sort()).toEqual([...entriesOf(docs[i]!.xml, docs[i]!.format).keys()].sort());
  });
}

describe("the answers around a delta", () => {
  let port: number;
  let close: () => Promise<void>;
  let oldEtag: string;
  let currentEtag: string;
  /** The JSON feed's and the front page's ETags before the last rebuild. */
  const oldOthers = new Map<string, string>();
  beforeAll(async () => {
    // One more version, with the server left running for the checks below.
    await buildInto(seedsDir, distDir, { config: CONFIG, feedVersions: VERSIONS_KEPT });
    let server = await serve(distDir, { readers: READERS });
    oldEtag = (await get(portOf(server), "/rss.xml")).headers.etag!;
    for (const path of ["/feed.json", "/"]) oldOthers.set(path, (await get(portOf(server), path)).headers.etag!);
    await server.close();
    await writeArticle({ id: "late", day: nextDay++, version: 1, tag: "alpha" });
    await buildInto(seedsDir, distDir, { config: CONFIG, feedVersions: VERSIONS_KEPT });
    server = await serve(distDir, { readers: READERS });
    port = portOf(server);
    close = () => server.close();
    currentEtag = (await get(port, "/rss.xml")).headers.etag!;
  });
  afterAll(async () => close?.());

  const delta = (extra: Record<string, string> = {}) => get(port, "/rss.xml", { "A-IM": "feed", "If-None-Match": oldEtag, ...extra });

  it("226 carries the current ETag, IM, Delta-Base, and keeps shared caches from storing it", async () => {
    const r = await delta();
    expect(r.status).toBe(226);
    expect(r.headers.etag).toBe(currentEtag);
    expect(r.headers["delta-base"]).toBe(oldEtag);
    expect(r.headers.im).toBe("feed");
    expect(r.headers["cache-control"]).toBe("no-store, im");
    expect(r.headers.vary).toBe("Accept-Encoding, A-IM, If-None-Match");
    expect(r.headers["content-type"]).toBe("application/rss+xml; charset=utf-8");
    expect(Number(r.headers["content-length"])).toBe(r.body.length);
    expect([...entriesOf(r.body.toString(), "rss").keys()]).toEqual(["tag:deltas.example,2025:articles/late"]);
  });

  it("the current ETag with A-IM is a 304; an ETag the history never had is a whole 200", async () => {
    expect((await get(port, "/rss.xml", { "A-IM": "feed", "If-None-Match": currentEtag })).status).toBe(304);
    const unknown = await get(port, "/rss.xml", { "A-IM": "feed", "If-None-Match": `"${"0".repeat(32)}"` });
    expect(unknown.status).toBe(200);
    expect(unknown.headers.im).toBeUndefined();
    expect(unknown.headers["cache-control"]).toBe(CONFIG.cacheControl.feed);
  });

  it("without A-IM, or with feed refused (q=0) or another manipulation only, an old ETag gets the whole feed", async () => {
    for (const aIm of [undefined, "feed;q=0", "vcdiff", "gzip"]) {
      const r = await get(port, "/rss.xml", { "If-None-Match": oldEtag, ...(aIm ? { "A-IM": aIm } : {}) });
      expect(r.status, String(aIm)).toBe(200);
      expect(r.headers.etag).toBe(currentEtag);
    }
    for (const aIm of ["FEED", "vcdiff, feed", "feed; q=0.5", " gzip , feed "]) expect((await delta({ "A-IM": aIm })).status, aIm).toBe(226);
  });

  it("each coding of the delta decodes to the same document, under the ETag of that coding", async () => {
    const identity = await delta({ "Accept-Encoding": "identity" });
    for (const coding of ["br", "gzip"]) {
      const r = await delta({ "Accept-Encoding": coding });
      expect(r.headers["content-encoding"]).toBe(coding);
      expect(r.headers.etag).toBe(`"${currentEtag.slice(1, -1)}-${coding}"`);
      expect(decode(r.body, coding).equals(identity.body)).toBe(true);
    }
    // An ETag of any coding names the same version.
    const brEtag = (await get(port, "/rss.xml", { "Accept-Encoding": "br" })).headers.etag!;
    expect(brEtag).toBe(`"${currentEtag.slice(1, -1)}-br"`);
    const fromBr = await get(port, "/rss.xml", { "A-IM": "feed", "If-None-Match": `"${oldEtag.slice(1, -1)}-br"` });
    expect(fromBr.status).toBe(226);
    expect(fromBr.body.equals(identity.body)).toBe(true);
  });

  it("HEAD has the 226's headers and no body; several ETags pick the newest version the history knows", async () => {
    const headReply = await get(port, "/rss.xml", { "A-IM": "feed", "If-None-Match": oldEtag }, "HEAD");
    expect(headReply.status).toBe(226);
    expect(headReply.body.length).toBe(0);
    const r = await get(port, "/rss.xml", { "A-IM": "feed", "If-None-Match": `"${"1".repeat(32)}", ${oldEtag}, W/"zzz"` });
    expect(r.status).toBe(226);
    expect(r.headers["delta-base"]).toBe(oldEtag);
  });

  it("Range is unaffected: the server sends whole representations, so a delta is never cut into parts", async () => {
    const plain = await get(port, "/rss.xml", { Range: "bytes=0-99" });
    expect(plain.status).toBe(200);
    expect(plain.headers["content-range"]).toBeUndefined();
    const whole = await delta({ "Accept-Encoding": "identity" });
    const ranged = await delta({ "Accept-Encoding": "identity", Range: "bytes=0-99" });
    expect(ranged.status).toBe(226);
    expect(ranged.headers["content-range"]).toBeUndefined();
    expect(ranged.body.equals(whole.body)).toBe(true);
  });

  it("the JSON feed and HTML pages never answer 226: an older ETag gets the whole file", async () => {
    for (const [path, etag] of oldOthers) {
      const r = await get(port, path, { "A-IM": "feed", "If-None-Match": etag });
      expect(r.status, path).toBe(200);
      expect(r.headers.etag, path).not.toBe(etag);
    }
  });

  it("the feed versions live beside dist/, never inside it", async () => {
    const versions = JSON.parse(await readFile(feedVersionsFile(distDir), "utf8")) as { streams: { base: string; versions: unknown[] }[] };
    expect(versions.streams.map((s) => s.base)).toEqual(["", "tags/alpha/", "tags/beta/"]);
    for (const s of versions.streams) expect(s.versions.length).toBeLessThanOrEqual(VERSIONS_KEPT);
    expect(feedVersionsFile(distDir).startsWith(`${distDir}/`)).toBe(false);
  });
});

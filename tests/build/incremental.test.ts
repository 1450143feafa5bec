// The incremental build: the seed index cached beside dist/, files skipped by their input key, and new
// files committed by journal. An incremental build (with its cache, or with the cache deleted) must give
// the same bytes as a clean build; an edit must rewrite only the files that show it; a failed or killed
// build must never leave a dist/ that is neither the old build nor the new one; and a server running
// beside dist/ must follow a rebuild without ever sending a body under another body's ETag.

import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { basename, dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusFile, writeCorpus } from "../../bench/corpus.ts";
import { build, type RunResult } from "../../src/pipeline.ts";
import { seedIndexFile } from "../../src/content/seed-index.ts";
import { OneLineError } from "../../src/fs-errors.ts";
import { recoverInterruptedSwap } from "../../src/output/write-dist.ts";
import { startServer } from "../../src/server/serve.ts";
import type { SiteConfig } from "../../src/types.ts";
import { cacheDirOf } from "../../src/cache-dir.ts";
import { encodedDirOf, manifestFileOf, parseManifest, type ManifestEntry } from "../../src/output/manifest.ts";
import { BESIDE, copyBuild, copyRepoSeeds, MANIFEST_KEY, markdownSeed, readBuild, readTree, textSeed, treeDifferences, writeSeeds } from "../helpers/files.ts";
import { EXTRA_SEEDS } from "../helpers/fixture.ts";
import { testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { decode } from "../server/helpers.ts";

const tmp = useTempDirs("seedfeed-incremental-");

const COUNT = 300;
const FEED_SIZE = 10;
/** Smaller than the feed: archive and list pages hold min(pageSize, feedSize) = 7 articles. */
const PAGE_SIZE = 7;
const CONFIG = testConfig({ feedSize: FEED_SIZE, pageSize: PAGE_SIZE });

// ---------------------------------------------------------------------------------------------------
// An independent model of the corpus: ids, dates and tags read from the seed text bench/corpus.ts writes,
// ordered by the documented rule (newest first, ties by id), paged by the documented rule (pages of
// min(pageSize, feedSize) counted from the oldest article). Nothing here asks src/ where an article is.

interface Doc {
  source: string;
  id: string;
  date: string;
  tags: string[];
}

function docOf(source: string, text: string): Doc {
  const id = /(?:^|\/)md\/([a-z0-9_-]+)\.md$/.exec(source)?.[1] ?? /_([0-9a-f]{16})\.txt$/.exec(source)?.[1];
  const date = /^ date (\d{4}-\d{2}-\d{2})/.exec(text)?.[1] ?? /\ndate: (\d{4}-\d{2}-\d{2})\n/.exec(text)?.[1];
  const tags = /\ntags: \[(.*)\]\n/.exec(text)?.[1]?.split(",").map((t) => t.trim()) ?? [];
  if (!id || !date) throw new Error(`the model cannot read ${source}`);
  return { source, id, date, tags };
}

/** Every seed of the folder as the model reads it. */
async function modelOf(seeds: string): Promise<Doc[]> {
  const names = (await readdir(seeds, { recursive: true })).filter((n) => /\.(txt|md)$/.test(n));
  return Promise.all(names.map(async (n) => docOf(n, await readFile(join(seeds, n), "utf8"))));
}

function newestFirst(docs: readonly Doc[]): Doc[] {
  return [...docs].sort((a, b) => (a.date !== b.date ? (a.date < b.date ? 1 : -1) : a.id < b.id ? -1 : 1));
}

/** Full pages of a stream of n articles: those that hold exactly min(pageSize, feedSize) articles. */
function fullPages(n: number): number[] {
  if (n <= FEED_SIZE) return []; // the head holds every article: no pages
  return Array.from({ length: Math.floor(n / Math.min(FEED_SIZE, PAGE_SIZE)) }, (_, i) => i + 1);
}

interface Placement {
  inHead: boolean;
  /** The archive page that holds the article (pages count from the oldest); absent without pages. */
  page?: number;
  /** Whether that page is full (the open page after the full ones has archive feeds but no HTML page). */
  pageIsFull: boolean;
}

/** Where one article sits in a stream (newest first). */
function placement(stream: readonly Doc[], id: string): Placement {
  const index = stream.findIndex((d) => d.id === id);
  if (index < 0) throw new Error(`${id} is not in the stream`);
  const inHead = index < FEED_SIZE;
  if (stream.length <= FEED_SIZE) return { inHead, pageIsFull: false };
  const page = Math.floor((stream.length - 1 - index) / Math.min(FEED_SIZE, PAGE_SIZE)) + 1;
  return { inHead, page, pageIsFull: page <= fullPages(stream.length).length };
}

const FEEDS = ["rss.xml", "atom.xml", "feed.json"];

/** The files of a stream (base "" or "tags/<t>/") that show an article placed so. */
function filesShowing(base: string, p: Placement): string[] {
  const files: string[] = [];
  if (p.inHead) files.push(...FEEDS.map((f) => base + f), `${base}index.html`);
  if (p.page !== undefined) files.push(...FEEDS.map((f) => `${base}archive/${p.page}/${f}`));
  if (p.page !== undefined && p.pageIsFull) files.push(`${base}page/${p.page}/index.html`);
  return files;
}

/** A build's manifest entries by path, from readBuild's map. */
function entriesOf(build: Map<string, Buffer>): Map<string, ManifestEntry> {
  return new Map(parseManifest(build.get(MANIFEST_KEY)!.toString("utf8")).files.map((e) => [e.path, e]));
}

/** Each path with the precompressed variants (beside dist/) that any of the given builds gives it. */
function withVariants(paths: Iterable<string>, ...builds: Map<string, Buffer>[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    out.add(p);
    for (const b of builds) {
      const e = b.has(MANIFEST_KEY) ? entriesOf(b).get(p) : undefined;
      for (const v of [e?.br, e?.gzip]) if (v) out.add(`${BESIDE}encoded/${v.path}`);
    }
  }
  return [...out].sort();
}

/** Paths of readBuild's map that are files in dist/ (not beside it). */
const inDist = (paths: Iterable<string>) => [...paths].filter((p) => !p.startsWith(BESIDE));

// ---------------------------------------------------------------------------------------------------
// Real folders, real builds.

interface Site {
  root: string;
  seeds: string;
  out: string;
}

async function corpusSite(): Promise<Site> {
  const root = await tmp.make();
  const seeds = join(root, "seeds");
  await writeCorpus(seeds, COUNT);
  return { root, seeds, out: join(root, "dist") };
}

let shared: Promise<Site> | undefined;

/**
 * One corpus site built once and then used by the tests below in turn (a full build of it takes a second
 * or two here). Each test reads the site as it finds it and leaves it built from its seeds.
 */
function sharedSite(): Promise<Site> {
  return (shared ??= corpusSite().then(async (site) => {
    await buildOk(site.seeds, site.out);
    return site;
  }));
}

async function buildOk(seedsDir: string, outDir: string, config: SiteConfig = CONFIG): Promise<RunResult> {
  const result = await build({ seedsDir, outDir, config });
  expect(result.written, JSON.stringify(result.diagnostics.filter((d) => d.severity === "error"))).toBe(true);
  return result;
}

/** Every folder under `dir`, relative: a folder left empty by a deletion shows up here. */
async function readDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

interface Snapshot {
  tree: Map<string, Buffer>;
  dirs: string[];
}

/** dist/ with its manifest and variants beside it (readBuild), and its folders. */
async function snapshot(out: string): Promise<Snapshot> {
  return { tree: await readBuild(out), dirs: await readDirs(out) };
}

/** A clean build of `seeds` into a fresh folder, read back. */
async function cleanBuild(seeds: string, config: SiteConfig): Promise<Snapshot> {
  const root = await tmp.make();
  await buildOk(seeds, join(root, "dist"), config);
  return snapshot(join(root, "dist"));
}

/** What sits beside dist/ that a build made and should have removed: staging folders, a folder swapped aside, a commit record, a half-written manifest. */
async function leftovers(root: string): Promise<string[]> {
  const cache = cacheDirOf(join(root, "dist"));
  const inCache = (await readdir(cache).catch(() => [])).filter((n) => n.startsWith("commit.json") || n.startsWith("manifest.json."));
  return [...(await readdir(root)).filter((n) => n.startsWith(".dist.")), ...inCache];
}

/** An incremental dist/ against a clean build of the same seeds: the same folders, the same files, every file byte for byte, manifest.json included. */
function expectSameAsClean(inc: Snapshot, clean: Snapshot, label: string): void {
  expect([...inc.tree.keys()], label).toEqual([...clean.tree.keys()]);
  expect(inc.dirs, label).toEqual(clean.dirs);
  expect(treeDifferences(inc.tree, clean.tree), label).toEqual([]);
}

async function editFile(file: string, edit: (text: string) => string): Promise<void> {
  const before = await readFile(file, "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing`);
  await writeFile(file, after);
}

/** Replaces the first word of a seed's body (so the summary the list pages show changes too). */
function reviseBody(text: string): string {
  if (text.startsWith("---\n")) return text.replace("\n---\n", "\n---\nRevised: ");
  const lines = text.split("\n");
  lines[2] = `Revised: ${lines[2]}`;
  return lines.join("\n");
}

async function inodes(out: string, paths: readonly string[]): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const p of paths) m.set(p, (await stat(join(out, p))).ino);
  return m;
}

// ---------------------------------------------------------------------------------------------------

describe("incremental builds give the bytes of a clean build", () => {
  it("after each edit of a sequence, with the seed cache kept and with it deleted", async () => {
    const site = await corpusSite();
    const { seeds } = site;
    // Two dist/ folders built after every step: one keeps its seed index, one loses it before each build.
    const warm = join(site.root, "warm", "dist");
    const cold = join(site.root, "cold", "dist");
    const warmCache = join(site.root, "warm", ".dist-cache", "seeds.json");
    const coldCache = join(site.root, "cold", ".dist-cache", "seeds.json");
    let config = CONFIG;
    await buildOk(seeds, warm, config);
    // The first build went into an empty folder: it is the clean build of the unchanged seeds.
    let clean = await snapshot(warm);
    await copyBuild(warm, cold);

    const seed = (i: number) => join(seeds, corpusFile(i).name);
    const steps: { name: string; apply: () => Promise<void>; changes: "some" | "none"; sameSeeds?: true }[] = [
      { name: "nothing changed", changes: "none", sameSeeds: true, apply: async () => {} },
      { name: "body of an old article", changes: "some", apply: () => editFile(seed(12), reviseBody) },
      {
        name: "a title",
        changes: "some",
        apply: () =>
          editFile(seed(150), (t) => {
            const lines = t.split("\n");
            lines[1] = "A title written again & <escaped>";
            return lines.join("\n");
          }),
      },
      {
        name: "a new newest article",
        changes: "some",
        apply: () => writeSeeds(seeds, { "md/newest-article.md": markdownSeed(["title: The newest article", "date: 2019-03-01", "tags: [sport, fresh]"], "Fresh news.\n") }),
      },
      {
        name: "a backdated article (older than all: every page moves by one)",
        changes: "some",
        apply: () => writeSeeds(seeds, { "000000_00000000000000aa.txt": textSeed({ date: "2017-06-01", title: "From before it all", paragraphs: ["An old story."] }) }),
      },
      { name: "a deleted seed", changes: "some", apply: () => unlink(seed(77)) },
      {
        name: "a renamed seed file (same id, another folder)",
        changes: "none",
        apply: async () => {
          await mkdir(join(seeds, "moved"), { recursive: true });
          await rename(seed(100), join(seeds, "moved", corpusFile(100).name));
        },
      },
      {
        name: "the tags of a Markdown seed",
        changes: "some",
        apply: () => editFile(seed(59), (t) => t.replace(/\ntags: \[.*\]\n/, "\ntags: [culture, brand-new]\n")),
      },
      {
        name: "the config (title)",
        changes: "some",
        apply: async () => {
          config = testConfig({ feedSize: FEED_SIZE, pageSize: PAGE_SIZE, title: "Retitled site" });
        },
      },
    ];

    for (const step of steps) {
      await step.apply();
      // The warm build finds the cache the last build left beside dist/ (not in it: dist/ is published).
      const cacheBefore = JSON.parse(await readFile(warmCache, "utf8")) as { records: unknown[] };
      expect(cacheBefore.records.length, step.name).toBeGreaterThanOrEqual(COUNT);
      const r = await buildOk(seeds, warm, config);
      await rm(coldCache, { force: true });
      const rc = await buildOk(seeds, cold, config);

      if (step.changes === "none") expect(r.changed, step.name).toEqual([]);
      else expect(r.changed.length, step.name).toBeGreaterThan(0);
      expect(rc.changed, step.name).toEqual(r.changed);

      if (!step.sameSeeds) clean = await cleanBuild(seeds, config);
      const [warmSnap, coldSnap] = await Promise.all([snapshot(warm), snapshot(cold)]);
      expectSameAsClean(warmSnap, clean, `${step.name} (seed cache kept)`);
      // Losing the cache costs a re-read of every seed, nothing else: byte-identical, manifest included.
      expect(treeDifferences(coldSnap.tree, warmSnap.tree), `${step.name} (seed cache deleted)`).toEqual([]);
      expect(coldSnap.dirs, step.name).toEqual(warmSnap.dirs);
      expect(await leftovers(join(site.root, "warm")), step.name).toEqual([]);
      expect(await leftovers(join(site.root, "cold")), step.name).toEqual([]);
    }
    // The steps did reach dist/: the deleted article is gone, the renamed one and the new ones are there.
    const final = await readTree(warm);
    expect(final.has(`articles/${docOf(corpusFile(77).name, corpusFile(77).text).id}.html`)).toBe(false);
    expect(final.has(`articles/${docOf(corpusFile(100).name, corpusFile(100).text).id}.html`)).toBe(true);
    expect(final.has("articles/newest-article.html")).toBe(true);
    expect(final.has("articles/00000000000000aa.html")).toBe(true);
    expect(final.has("tags/brand-new/rss.xml")).toBe(true);
    expect(final.get("rss.xml")!.toString("utf8")).toContain("Retitled site");
  });
});

describe("an edit rewrites only the files that show it", () => {
  it("editing an old article's body changes its page, its archive page, its list page and its tags' files: no other archive page", async () => {
    const site = await sharedSite();
    const before = await readBuild(site.out);
    const main = newestFirst(await modelOf(site.seeds));
    const tagStream = (t: string) => main.filter((d) => d.tags.includes(t));
    // The oldest Markdown article with a tag whose stream has archive pages, so tag archives are covered.
    const target = [...main].reverse().find((d) => d.tags.some((t) => tagStream(t).length > FEED_SIZE))!;
    expect(target, "the corpus has an old tagged article").toBeDefined();

    const inMain = placement(main, target.id);
    expect(inMain.inHead, "an old article is not in the head feed").toBe(false);
    const expectedPaths = new Set([`articles/${target.id}.html`, ...filesShowing("", inMain), MANIFEST_KEY]);
    for (const t of target.tags) for (const p of filesShowing(`tags/${t}/`, placement(tagStream(t), target.id))) expectedPaths.add(p);
    const expectedBefore = withVariants(expectedPaths, before);
    // The expectation names an archive page of the site and one of a tag, and all of them exist.
    for (const p of expectedPaths) expect(before.has(p), p).toBe(true);
    expect(expectedBefore.filter((p) => /^archive\/\d+\/rss\.xml$/.test(p))).toEqual([`archive/${inMain.page}/rss.xml`]);
    expect(expectedBefore.some((p) => /^tags\/[^/]+\/archive\/\d+\/atom\.xml$/.test(p))).toBe(true);

    await editFile(join(site.seeds, target.source), reviseBody);
    // manifest.json and _headers are written by every build; every other file is left alone unless new.
    const untouched = inDist(before.keys()).filter((p) => !expectedBefore.includes(p) && p !== "_headers");
    const inoBefore = await inodes(site.out, untouched);
    const r = await buildOk(site.seeds, site.out);
    const after = await readBuild(site.out);
    // The files that show the article, with the variants (beside dist/) of their old and new bytes.
    const expected = withVariants(expectedPaths, before, after);

    const changed = treeDifferences(before, after);
    // _headers holds no validators (no ETag, no Last-Modified), so an edit of a body leaves it as it was.
    expect([...changed].sort()).toEqual(expected);
    expect(changed.filter((p) => p.includes("archive/"))).toEqual(expected.filter((p) => p.includes("archive/")));
    expect(r.changed).toEqual([...expectedPaths].filter((p) => p !== MANIFEST_KEY).sort());
    // The other files were not written at all: same inode, so a CDN sync or rsync sees them untouched.
    expect(await inodes(site.out, untouched)).toEqual(inoBefore);
    expect(await leftovers(site.root)).toEqual([]);
  });

  it("adding a newest article leaves every full archive page as it was, on disk the same file", async () => {
    const site = await sharedSite();
    const before = await readBuild(site.out);
    const docs = await modelOf(site.seeds);
    const n = docs.length;
    const tags = [...new Set(docs.flatMap((d) => d.tags))].sort();
    // The new article is tagged with the biggest tag (which has archive pages) and a tag without any yet.
    const bySize = tags.map((t) => ({ t, n: docs.filter((d) => d.tags.includes(t)).length })).sort((a, b) => b.n - a.n);
    const paged = bySize[0]!;
    expect(paged.n).toBeGreaterThan(FEED_SIZE);
    // Every full archive page of the site and of each tag. And the HTML list pages of the full pages but
    // the newest, whose Newer link moves from the index to the next page once that one fills (only the
    // feeds promise archive pages that never change; src/render/site.ts).
    const full: string[] = [];
    const pagesOf = (base: string, count: number) => {
      const pages = fullPages(count);
      for (const k of pages) full.push(...FEEDS.map((f) => `${base}archive/${k}/${f}`));
      for (const k of pages.slice(0, -1)) full.push(`${base}page/${k}/index.html`);
    };
    pagesOf("", n);
    for (const { t, n: count } of bySize) pagesOf(`tags/${t}/`, count);
    for (const p of full) expect(before.has(p), p).toBe(true);
    const fullFiles = withVariants(full, before);
    // Archive and list pages are not precompressed by default: these are all files in dist/.
    expect(inDist(fullFiles)).toEqual(fullFiles);
    expect(fullPages(n).length).toBeGreaterThan(40);
    expect(fullFiles.some((p) => p.startsWith(`tags/${paged.t}/archive/1/`))).toBe(true);
    const inoBefore = await inodes(site.out, fullFiles);

    await writeSeeds(site.seeds, {
      "md/newest-in-test.md": markdownSeed(["title: The newest article", "date: 2019-03-01", `tags: [${paged.t}, fresh]`], "Fresh news.\n"),
    });
    const r = await buildOk(site.seeds, site.out);
    const after = await readBuild(site.out);
    const changed = treeDifferences(before, after);
    expect(changed.filter((p) => fullFiles.includes(p))).toEqual([]);
    expect(await inodes(site.out, fullFiles)).toEqual(inoBefore);
    // The build did take the article in: the head feeds and the open page changed.
    expect(r.changed).toContain("rss.xml");
    expect(r.changed).toContain(`archive/${fullPages(n).length + 1}/rss.xml`);
    expect(after.get("rss.xml")!.toString("utf8")).toContain("The newest article");
    expect(await leftovers(site.root)).toEqual([]);
  });
});

describe("a build killed after its journal is finished by the next one; before it, left alone", () => {
  /** dist/ from one build, and the dist/ a clean build of an edited copy of the seeds gives. */
  async function twoBuilds() {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const out = join(root, "dist");
    await copyRepoSeeds(seeds, EXTRA_SEEDS);
    const config = testConfig();
    await buildOk(seeds, out, config);
    const a = await snapshot(out);
    await editFile(join(seeds, "001_5eedfeed00000001.txt"), reviseBody);
    await unlink(join(seeds, "same-day.md"));
    await writeSeeds(seeds, { "newer.md": markdownSeed(["title: Newer", "date: 2026-01-02", "tags: [guest]"], "A newer article.\n") });
    const target = await tmp.make();
    await buildOk(seeds, join(target, "dist"), config);
    const b = { ...(await snapshot(join(target, "dist"))), out: join(target, "dist") };
    return { root, seeds, out, config, a, b };
  }

  /** A build's files but its variants: dist/ and the manifest. */
  const withoutVariants = (build: Map<string, Buffer>) => new Map([...build].filter(([p]) => !p.startsWith(`${BESIDE}encoded/`)));

  async function put(file: string, bytes: Buffer): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }

  /**
   * What an incremental build from A to B has made by its commit point: B's new or changed files in a
   * staging folder, B's variants in the variants folder beside dist/, and the commit record (returned,
   * for the caller to write: that is the commit point). _headers and the new manifest are written after
   * the moves, as the build does (`descriptionsWritten`).
   */
  async function stage(out: string, dir: string, a: Map<string, Buffer>, b: Map<string, Buffer>, descriptionsWritten = true) {
    const moves = treeDifferences(withoutVariants(a), withoutVariants(b)).filter((p) => b.has(p) && !p.startsWith(BESIDE) && p !== "_headers");
    const deletes = inDist(a.keys()).filter((p) => !b.has(p));
    for (const p of moves) await put(join(dir, p), b.get(p)!);
    for (const [p, bytes] of b) if (p.startsWith(`${BESIDE}encoded/`)) await put(join(encodedDirOf(out), p.slice(`${BESIDE}encoded/`.length)), bytes);
    if (descriptionsWritten) {
      await put(join(dir, "_headers"), b.get("_headers")!);
      await put(`${manifestFileOf(out)}.next`, b.get(MANIFEST_KEY)!);
    }
    return { staging: basename(dir), swap: false, moves, deletes, headers: "_headers" };
  }

  const commitFile = (out: string) => join(cacheDirOf(out), "commit.json");

  it("a committed build with half its moves made is rolled forward to the new build, byte for byte", async () => {
    const s = await twoBuilds();
    const staging = join(s.root, ".dist.staging-test");
    const record = await stage(s.out, staging, s.a.tree, s.b.tree);
    expect(record.moves.length).toBeGreaterThan(4);
    expect(record.deletes).toContain("articles/same-day.html");
    await writeFile(commitFile(s.out), JSON.stringify(record));
    // Killed halfway through the moves: the first half is in dist/, the rest still in staging.
    for (const p of record.moves.slice(0, record.moves.length >> 1)) {
      await mkdir(dirname(join(s.out, p)), { recursive: true });
      await rename(join(staging, p), join(s.out, p));
    }
    expect(treeDifferences(await readTree(s.out), await readTree(join(s.b.out))).length).toBeGreaterThan(0);

    recoverInterruptedSwap(s.out);
    expect(await leftovers(s.root)).toEqual([]);
    const mended = await snapshot(s.out);
    expect(treeDifferences(withoutVariants(mended.tree), withoutVariants(s.b.tree))).toEqual([]);
    // The deleted article's folder went with its files.
    expect(mended.dirs).toEqual(s.b.dirs);
    // The next build takes the mended dist/ as its previous build: nothing left to write; A's variants go.
    const r = await buildOk(s.seeds, s.out, s.config);
    expect(r.changed).toEqual([]);
    expect(treeDifferences(await readBuild(s.out), s.b.tree)).toEqual([]);
  });

  it("killed after its moves but before manifest.json was complete: the old manifest goes, and the next build renders everything again", async () => {
    const s = await twoBuilds();
    const staging = join(s.root, ".dist.staging-test");
    const record = await stage(s.out, staging, s.a.tree, s.b.tree, false);
    await writeFile(commitFile(s.out), JSON.stringify(record));
    await rm(manifestFileOf(s.out)); // as the commit does, right after its record
    for (const p of record.moves) {
      await mkdir(dirname(join(s.out, p)), { recursive: true });
      await rename(join(staging, p), join(s.out, p));
    }
    // Half a manifest, under the temporary name it is written to.
    await writeFile(`${manifestFileOf(s.out)}.tmp`, s.b.tree.get(MANIFEST_KEY)!.subarray(0, 100));

    recoverInterruptedSwap(s.out);
    expect(await leftovers(s.root)).toEqual([]);
    const mended = await readBuild(s.out);
    // The old manifest described files that are no longer there: it must not outlive them.
    expect(mended.has(MANIFEST_KEY)).toBe(false);
    expect(mended.has("_headers")).toBe(false);
    const r = await buildOk(s.seeds, s.out, s.config);
    expect(r.changed.length).toBeGreaterThan(record.moves.length);
    expect(treeDifferences(await readBuild(s.out), s.b.tree)).toEqual([]);
  });

  it("the next build itself rolls a committed build forward", async () => {
    const s = await twoBuilds();
    const staging = join(s.root, ".dist.staging-test");
    const record = await stage(s.out, staging, s.a.tree, s.b.tree);
    await writeFile(commitFile(s.out), JSON.stringify(record));
    await rename(join(staging, record.moves[0]!), join(s.out, record.moves[0]!));
    const r = await buildOk(s.seeds, s.out, s.config);
    expect(r.changed).toEqual([]);
    expect(treeDifferences(await readBuild(s.out), s.b.tree)).toEqual([]);
    expect(await leftovers(s.root)).toEqual([]);
  });

  it("staging folders without a commit record (none, or one not yet renamed into place) are removed and dist/ is untouched", async () => {
    const s = await twoBuilds();
    const none = join(s.root, ".dist.staging-norecord");
    const record = await stage(s.out, none, s.a.tree, s.b.tree);
    const tmpOnly = join(s.root, ".dist.staging-tmprecord");
    await stage(s.out, tmpOnly, s.a.tree, s.b.tree);
    // Killed between writing the record and the rename that is the commit point.
    await writeFile(`${commitFile(s.out)}.tmp`, JSON.stringify({ ...record, staging: basename(tmpOnly) }));

    recoverInterruptedSwap(s.out);
    expect(await leftovers(s.root)).toEqual([]);
    const after = await snapshot(s.out);
    expect(treeDifferences(withoutVariants(after.tree), withoutVariants(s.a.tree))).toEqual([]);
    expect(after.dirs).toEqual(s.a.dirs);
  });
});

describe("a failed build never touches the last good dist/", () => {
  it("an invalid seed (without --keep-going) leaves dist/ byte-identical and nothing beside it; fixed, the build is a clean one's", async () => {
    const site = await sharedSite();
    const before = await snapshot(site.out);
    const ino = await inodes(site.out, inDist(before.tree.keys()));
    // A valid edit and a new article too: neither may leak into dist/.
    await editFile(join(site.seeds, corpusFile(3).name), reviseBody);
    await writeSeeds(site.seeds, {
      "md/fine.md": markdownSeed(["title: Fine", "date: 2019-05-05"], "Fine.\n"),
      "md/broken.md": markdownSeed(["title: Broken", "date: 2019-02-30"], "An impossible date.\n"),
    });
    const r = await build({ seedsDir: site.seeds, outDir: site.out, config: CONFIG });
    expect(r.written).toBe(false);
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.file)).toEqual(["md/broken.md"]);
    const after = await snapshot(site.out);
    expect(treeDifferences(before.tree, after.tree)).toEqual([]);
    expect(after.dirs).toEqual(before.dirs);
    expect(await inodes(site.out, inDist(before.tree.keys()))).toEqual(ino);
    expect(await leftovers(site.root)).toEqual([]);

    // The failed build updated the seed cache; that must not lead the next build astray.
    await unlink(join(site.seeds, "md/broken.md"));
    const fixed = await buildOk(site.seeds, site.out);
    expect(fixed.changed).toContain("articles/fine.html");
    expectSameAsClean(await snapshot(site.out), await cleanBuild(site.seeds, CONFIG), "after the fix");
  });

  /** Waits until nothing beside dist/ changes any more (the file count of each leftover folder holds still). */
  async function settled(root: string): Promise<string[]> {
    const count = async (n: string) => (await readdir(join(root, n), { recursive: true }).catch(() => [])).length;
    let last = "";
    for (let stable = 0, i = 0; stable < 3 && i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      const names = await leftovers(root);
      const now = JSON.stringify(await Promise.all(names.map(async (n) => [n, await count(n)])));
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
    return leftovers(root);
  }

  interface RenderFailure {
    site: Site;
    before: Snapshot;
    error: Error | undefined;
    after: Snapshot;
    leftovers: string[];
  }
  let renderFailure: Promise<RenderFailure> | undefined;

  /**
   * A build that throws while it renders: a seed changes under it after the scan (SeedChangedError), in a
   * build where every file is new (another title). Run once; the seed is put back afterwards.
   */
  function failedRender(): Promise<RenderFailure> {
    return (renderFailure ??= (async () => {
      const site = await sharedSite();
      const before = await snapshot(site.out);
      // An article of the site stream's third-newest full page, not in the head feed: its body is read
      // late in the build, after the first progress report (a stream's pages are rendered oldest first).
      const stream = newestFirst(await modelOf(site.seeds));
      const full = fullPages(stream.length).length;
      const victim = join(site.seeds, stream.find((d) => placement(stream, d.id).page === full - 2 && !placement(stream, d.id).inHead)!.source);
      const original = await readFile(victim);
      let changedUnderIt = false;
      const error = await build({
        seedsDir: site.seeds,
        outDir: site.out,
        config: testConfig({ feedSize: FEED_SIZE, pageSize: PAGE_SIZE, title: "Every file is new" }),
        progress: (phase) => {
          if (phase !== "rendering" || changedUnderIt) return;
          changedUnderIt = true;
          writeFileSync(victim, "\n"); // other bytes than the scan saw
        },
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(changedUnderIt).toBe(true);
      const left = await settled(site.root);
      const after = await snapshot(site.out);
      await writeFile(victim, original);
      return { site, before, error, after, leftovers: left };
    })());
  }

  it("a build that throws while rendering leaves dist/ byte-identical; the next build clears what it left", async () => {
    const f = await failedRender();
    expect(f.error, "the build failed").toBeInstanceOf(Error);
    expect(treeDifferences(f.before.tree, f.after.tree)).toEqual([]);
    expect(f.after.dirs).toEqual(f.before.dirs);
    // Same seeds and config as the last good build: nothing to write, and nothing left beside dist/.
    const r = await buildOk(f.site.seeds, f.site.out);
    expect(r.changed).toEqual([]);
    expect(await leftovers(f.site.root)).toEqual([]);
    expect(treeDifferences(f.before.tree, await readBuild(f.site.out))).toEqual([]);
  });

  // Once one file's render throws, no new file starts, and the staging folder is removed only after the
  // files in flight have been written: removing it under them used to replace the real error with
  // ENOTEMPTY and leave a half-made staging folder beside dist/.
  it("a build that throws while rendering reports its own error and leaves no staging folder behind", async () => {
    const f = await failedRender();
    expect(f.error?.message).toMatch(/changed during the build/);
    // The CLI prints it as the one line it is (exit 3), without a --debug hint.
    expect(f.error).toBeInstanceOf(OneLineError);
    expect(f.leftovers).toEqual([]);
  });
});

describe("manifest lines of files whose bytes did not change", () => {
  /** A Markdown seed's bytes change but not what it shows: every file that lists it keeps its bytes, with a new key. */
  async function commentOnly(config: SiteConfig) {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const out = join(root, "dist");
    await copyRepoSeeds(seeds, EXTRA_SEEDS);
    await buildOk(seeds, out, config);
    await editFile(join(seeds, "more/2025/guest-post.md"), (t) => t.replace("---\n", "---\n# reviewed\n"));
    const r = await buildOk(seeds, out, config);
    expect(r.changed).toEqual([]);
    return { inc: await readBuild(out), clean: (await cleanBuild(seeds, config)).tree };
  }

  it("are written as a clean build writes them (no hub)", async () => {
    const { inc, clean } = await commentOnly(testConfig());
    expect(treeDifferences(inc, clean)).toEqual([]);
  });

  // Feeds carry a Link header with a hub: a carried entry must keep manifestEntryOf's key order too.
  it("are written as a clean build writes them (with a WebSub hub: feeds carry a Link header)", async () => {
    const { inc, clean } = await commentOnly(testConfig({ hub: "https://hub.example.org/" }));
    expect(treeDifferences(inc, clean)).toEqual([]);
  });
});

describe("a server beside dist/ follows a build made beside it", () => {
  interface Answer {
    status: number;
    etag: string | undefined;
    encoding: string | undefined;
    body: Buffer;
  }

  function get(url: string, acceptEncoding?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: acceptEncoding ? { "Accept-Encoding": acceptEncoding } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            etag: res.headers.etag,
            encoding: res.headers["content-encoding"],
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** The ETag scheme of the server (from-manifest.ts), from the identity bytes a body stands for. */
  const etagOf = (identity: Buffer, coding?: string) => `"${createHash("sha256").update(identity).digest("hex").slice(0, 32)}${coding ? `-${coding}` : ""}"`;

  it("serves the new rss.xml within 2 s of the build, and every 200 body hashes to its ETag meanwhile", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const out = join(root, "dist");
    await copyRepoSeeds(seeds, EXTRA_SEEDS);
    await buildOk(seeds, out, testConfig());
    const old = { identity: etagOf(await readFile(join(out, "rss.xml"))), br: etagOf(await readFile(join(out, "rss.xml")), "br") };
    const server = await startServer({ dir: out, port: 0, host: "127.0.0.1" });
    try {
      const url = new URL("rss.xml", server.url).href;
      const first = await get(url);
      expect(first.status).toBe(200);
      expect(first.etag).toBe(old.identity);

      const problems: string[] = [];
      const seen: { at: number; etag: string | undefined; encoding: string | undefined; status: number }[] = [];
      let stop = false;
      const poller = (async () => {
        for (let i = 0; !stop; i++) {
          const br = i % 2 === 1;
          const a = await get(url, br ? "br" : undefined);
          seen.push({ at: Date.now(), etag: a.etag, encoding: a.encoding, status: a.status });
          if (a.status === 200) {
            if (a.encoding !== (br ? "br" : undefined)) problems.push(`#${i}: Content-Encoding ${a.encoding}`);
            if (etagOf(decode(a.body, a.encoding), a.encoding) !== a.etag) problems.push(`#${i}: a ${a.body.length}-byte ${a.encoding ?? "identity"} body under ETag ${a.etag}`);
          } else if (a.status !== 503) {
            problems.push(`#${i}: status ${a.status}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();

      await writeSeeds(seeds, { "zz-newest.md": markdownSeed(["title: Served while it was built", "date: 2026-06-01"], "The server follows.\n") });
      await buildOk(seeds, out, testConfig());
      const built = Date.now();
      const now = { identity: etagOf(await readFile(join(out, "rss.xml"))), br: etagOf(await readFile(join(out, "rss.xml")), "br") };
      expect(now.identity).not.toBe(old.identity);
      let followed: number | undefined;
      while (followed === undefined && Date.now() - built < 3000) {
        followed = seen.find((s) => s.at >= built && s.status === 200 && s.encoding === undefined && s.etag === now.identity)?.at;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      stop = true;
      await poller;

      expect(problems).toEqual([]);
      expect(followed, "the new ETag was never served").toBeDefined();
      expect(followed! - built).toBeLessThan(2000);
      // Only the two builds' representations were ever served, and never the old one after the new one.
      const allowed = new Set([old.identity, old.br, now.identity, now.br]);
      for (const s of seen) if (s.status === 200) expect(allowed.has(s.etag!), s.etag).toBe(true);
      const firstNew = seen.findIndex((s) => s.etag === now.identity || s.etag === now.br);
      expect(seen.slice(firstNew).filter((s) => s.etag === old.identity || s.etag === old.br)).toEqual([]);
      expect(seen.filter((s) => s.status === 200).length).toBeGreaterThan(5);
      // The new body is what dist/ holds.
      const last = await get(url);
      expect(last.body.equals(await readFile(join(out, "rss.xml")))).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe("dist/ deleted, its cache kept", () => {
  it("the next build makes the whole site again, as a clean build does", async () => {
    const site = await corpusSite();
    const out = join(site.root, "dist");
    await buildOk(site.seeds, out);
    await rm(out, { recursive: true });
    await buildOk(site.seeds, out);
    const clean = await cleanBuild(site.seeds, CONFIG);
    expect(treeDifferences((await snapshot(out)).tree, clean.tree)).toEqual([]);
  });
});

describe("_headers after an edit", () => {
  it("is kept as it was when no file's headers change, and made again when a file of a new shape comes (a site's first tag)", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const out = join(root, "dist");
    await writeSeeds(seeds, {
      "a.md": markdownSeed(["title: A", "date: 2025-01-01"], "A.\n"),
      "b.md": markdownSeed(["title: B", "date: 2025-01-02"], "B.\n"),
    });
    await buildOk(seeds, out);
    const first = await readFile(join(out, "_headers"), "utf8");
    expect(first).not.toContain("/tags/");

    await writeSeeds(seeds, { "b.md": markdownSeed(["title: B retitled", "date: 2025-01-02"], "B.\n") });
    expect((await buildOk(seeds, out)).changed.length).toBeGreaterThan(0);
    expect(await readFile(join(out, "_headers"), "utf8")).toBe(first);

    await writeSeeds(seeds, { "c.md": markdownSeed(["title: C", "date: 2025-01-03", "tags: [first]"], "C.\n") });
    await buildOk(seeds, out);
    const clean = (await cleanBuild(seeds, CONFIG)).tree.get("_headers")!.toString("utf8");
    expect(clean).toContain("/tags/");
    expect(await readFile(join(out, "_headers"), "utf8")).toBe(clean);
  });
});

describe("the seed index beside dist/", () => {
  it("is rewritten when a seed changes, and left as it is by a build that finds nothing new", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const out = join(root, "dist");
    await copyRepoSeeds(seeds);
    const config = testConfig();
    expect((await build({ seedsDir: seeds, outDir: out, config })).written).toBe(true);
    const file = seedIndexFile(out);
    const first = await stat(file);
    expect((await build({ seedsDir: seeds, outDir: out, config })).written).toBe(true);
    const again = await stat(file);
    expect([again.ino, again.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    await writeSeeds(seeds, { "late.md": markdownSeed(["title: Late", "date: 2025-12-24"], "Late.\n") });
    expect((await build({ seedsDir: seeds, outDir: out, config })).written).toBe(true);
    const afterEdit = await stat(file);
    expect(afterEdit.ino).not.toBe(first.ino); // written to a temporary name and renamed over
    expect(await readFile(file, "utf8")).toContain('"late.md"');
  });

  it("saved after an edit and a touch (new stamp, same bytes) is the index a build without one writes", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    await copyRepoSeeds(seeds);
    const config = testConfig();
    const warm = join(root, "warm");
    const cold = join(root, "cold");
    await build({ seedsDir: seeds, outDir: warm, config });
    const [touched, edited] = (await readdir(seeds)).sort();
    const at = new Date(Date.UTC(2030, 0, 1));
    await utimes(join(seeds, touched!), at, at);
    await editFile(join(seeds, edited!), reviseBody);
    await build({ seedsDir: seeds, outDir: warm, config });
    await build({ seedsDir: seeds, outDir: cold, config });
    // Records left alone are written as they were read; the restamped and the edited one are made again.
    const saved = await readFile(seedIndexFile(warm), "utf8");
    expect(saved).toContain(String(at.getTime()));
    expect(saved).toBe(await readFile(seedIndexFile(cold), "utf8"));
  });
});

// The head feeds' versions the pipeline keeps beside dist/ for RFC 3229 deltas: written by `build` and by
// watch mode after each commit, from the planned files (never by parsing feeds), describing exactly the
// bytes in dist/, at most K per stream, a stream gone when its feeds are; never inside dist/.

import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Pipeline, build } from "../../src/pipeline.ts";
import { feedVersionsFile, type FeedVersion, type StreamVersions } from "../../src/output/feed-versions.ts";
import { cacheDirOf } from "../../src/cache-dir.ts";
import { manifestFileOf, readManifestEntries } from "../../src/output/manifest.ts";
import { markdownSeed, readTree, writeSeeds } from "../helpers/files.ts";
import { testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs("seedfeed-feed-versions-");
const config = testConfig({ feedSize: 3, pageSize: 3 });

const article = (id: string, day: number, tags: string[], body = `Body of ${id}.`) =>
  markdownSeed([`title: "Article ${id}"`, `date: 2025-02-${String(day).padStart(2, "0")}`, `tags: [${tags.join(", ")}]`], `${body}\n`);

async function site(): Promise<{ seeds: string; out: string }> {
  const root = await tmp.make();
  const seeds = join(root, "seeds");
  await writeSeeds(seeds, { "a.md": article("a", 1, ["go"]), "b.md": article("b", 2, ["go", "rust"]), "c.md": article("c", 3, []), "d.md": article("d", 4, ["rust"]) });
  return { seeds, out: join(root, "dist") };
}

async function versionsOf(out: string): Promise<Map<string, FeedVersion[]>> {
  const doc = JSON.parse(await readFile(feedVersionsFile(out), "utf8")) as { streams: { base: string; versions: FeedVersion[] }[] };
  return new Map(doc.streams.map((s) => [s.base, s.versions]));
}

/** The newest version of each stream names the RSS and Atom bytes in dist/, and their entries in feed order. */
async function expectDescribesDist(out: string, versions: ReadonlyMap<string, StreamVersions>): Promise<void> {
  const manifest = readManifestEntries(manifestFileOf(out));
  for (const [base, list] of versions) {
    const newest = list.at(-1)!;
    expect(newest.rss).toBe(manifest.get(`${base}rss.xml`)!.sha256.slice(0, 32));
    expect(newest.atom).toBe(manifest.get(`${base}atom.xml`)!.sha256.slice(0, 32));
    const rss = await readFile(join(out, `${base}rss.xml`), "utf8");
    const ids = [...rss.matchAll(/<guid[^>]*>[^<]*articles\/([^<]+)<\/guid>/g)].map((m) => m[1]);
    expect(newest.entries.map(([id]) => id), base).toEqual(ids);
  }
}

describe("build", () => {
  it("writes a version of each stream beside dist/; dist/ holds the site and nothing else", async () => {
    const { seeds, out } = await site();
    await build({ seedsDir: seeds, outDir: out, config });
    const versions = await versionsOf(out);
    expect([...versions.keys()]).toEqual(["", "tags/go/", "tags/rust/"]);
    for (const list of versions.values()) expect(list).toHaveLength(1);
    await expectDescribesDist(out, versions);
    const manifest = readManifestEntries(manifestFileOf(out));
    expect([...(await readTree(out)).keys()].sort()).toEqual([...manifest.keys(), "_headers"].sort());
    expect(feedVersionsFile(out).startsWith(`${cacheDirOf(out)}/`)).toBe(true);
  });

  it("adds a version only when a feed's bytes change, and only the edited entry's version moves", async () => {
    const { seeds, out } = await site();
    await build({ seedsDir: seeds, outDir: out, config });
    const first = await readFile(feedVersionsFile(out));
    await build({ seedsDir: seeds, outDir: out, config });
    expect((await readFile(feedVersionsFile(out))).equals(first)).toBe(true);
    await writeFile(join(seeds, "b.md"), article("b", 2, ["go", "rust"], "An edited body."));
    await build({ seedsDir: seeds, outDir: out, config });
    const versions = await versionsOf(out);
    for (const base of ["", "tags/go/", "tags/rust/"]) {
      const [before, after] = versions.get(base)!;
      const moved = after!.entries.filter(([id, v]) => before!.entries.find(([i]) => i === id)?.[1] !== v).map(([id]) => id);
      expect(moved, base).toEqual(["b"]);
    }
    await expectDescribesDist(out, versions);
  });

  it("keeps the last K versions; a stream whose feeds are gone is dropped; K = 0 keeps none", async () => {
    const { seeds, out } = await site();
    for (let i = 0; i < 5; i++) {
      await writeFile(join(seeds, "d.md"), article("d", 4, ["rust"], `Take ${i}.`));
      await build({ seedsDir: seeds, outDir: out, config, feedVersions: 3 });
    }
    let versions = await versionsOf(out);
    expect(versions.get("")!).toHaveLength(3);
    expect(versions.get("tags/go/")!).toHaveLength(1);
    await expectDescribesDist(out, versions);
    // The last article tagged go leaves the tag: its feeds are gone, and so are their versions.
    await writeFile(join(seeds, "a.md"), article("a", 1, []));
    await writeFile(join(seeds, "b.md"), article("b", 2, ["rust"]));
    await build({ seedsDir: seeds, outDir: out, config, feedVersions: 3 });
    versions = await versionsOf(out);
    expect([...versions.keys()]).toEqual(["", "tags/rust/"]);
    const { seeds: seeds2, out: out2 } = await site();
    await build({ seedsDir: seeds2, outDir: out2, config, feedVersions: 0 });
    await expect(readFile(feedVersionsFile(out2))).rejects.toThrow(/ENOENT/);
  });
});

describe("watch mode", () => {
  it("records each rebuild's versions and hands them over with the new files, in the same step", async () => {
    const { seeds, out } = await site();
    const pipeline = new Pipeline({ seedsDir: seeds, outDir: out, config, mode: "watch" });
    try {
      const handed: ReadonlyMap<string, StreamVersions>[] = [];
      await pipeline.buildAll({ onFilesInPlace: (_entries, versions) => handed.push(versions) });
      await writeFile(join(seeds, "c.md"), article("c", 3, ["go"], "Now tagged."));
      await pipeline.applyChange(new Set(["c.md"]), { onFilesInPlace: (_entries, versions) => handed.push(versions) });
      await rm(join(seeds, "d.md"));
      await pipeline.applyChange(new Set(["d.md"]), { onFilesInPlace: (_entries, versions) => handed.push(versions) });
      expect(handed).toHaveLength(3);
      const last = handed.at(-1)!;
      expect(last.get("")!).toHaveLength(3);
      expect(last.get("tags/go/")!).toHaveLength(2);
      // d was rust's newest article; the stream stays (b) and has a new version.
      expect(last.get("tags/rust/")!).toHaveLength(2);
      await expectDescribesDist(out, last);
      // What the pipeline handed over is what it wrote beside dist/.
      expect(await versionsOf(out)).toEqual(new Map([...last].map(([k, v]) => [k, [...v]])));
    } finally {
      await pipeline.close();
    }
  });
});

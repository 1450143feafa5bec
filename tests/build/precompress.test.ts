// Which files a build precompresses (`precompress`: config key and `build --precompress`), over real
// builds of a generated site with tags, archive pages and list pages: by default only what readers and
// browsers poll; "all" every file, as before; "none" no variant at all. Switching modes in a built
// folder leaves exactly what a clean build in that mode writes: no stale variant.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeCorpus } from "../../bench/corpus.ts";
import { manifestFileOf, parseManifest, type ManifestEntry } from "../../src/output/manifest.ts";
import { runCli } from "../helpers/cli.ts";
import { BESIDE, readBuild, treeDifferences } from "../helpers/files.ts";
import { TEST_SITE, buildSite, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const SITE = { feedSize: 10, pageSize: 10 };
/** The files readers and browsers poll, by their paths: the head feeds of the site and of each tag, the index page, the stylesheet. */
const POLLED = /^((tags\/[^/]+\/)?(rss\.xml|atom\.xml|feed\.json)|index\.html|assets\/style\.[0-9a-f]+\.css)$/;

/** The variants a build keeps beside dist/, by file name. */
const variantFiles = (tree: Map<string, Buffer>) => [...tree.keys()].filter((p) => p.startsWith(`${BESIDE}encoded/`)).map((p) => p.slice(`${BESIDE}encoded/`.length));
/** The variants the manifest names, each once (files with the same bytes share theirs). */
const namedVariants = (files: ManifestEntry[]) => [...new Set(files.flatMap((f) => [f.br?.path, f.gzip?.path]).filter((p) => p !== undefined))].sort();

async function manifestOf(out: string): Promise<ManifestEntry[]> {
  return parseManifest(await readFile(manifestFileOf(out), "utf8")).files;
}

describe("precompress modes", () => {
  let seeds: string;
  let root: string;

  beforeAll(async () => {
    root = await tmp.make();
    seeds = join(root, "seeds");
    await writeCorpus(seeds, 400);
  }, 60_000);

  async function clean(mode: "polled" | "all" | "none", name: string) {
    const out = join(root, name);
    expect((await buildSite(seeds, out, { config: testConfig({ ...SITE, precompress: mode }) })).written).toBe(true);
    return { out, tree: await readBuild(out), files: await manifestOf(out) };
  }

  it("by default: the head feeds of the site and of every tag, the index page and the stylesheet, and nothing else", async () => {
    const { tree, files } = await clean("polled", "polled");
    const polled = files.filter((f) => POLLED.test(f.path)).map((f) => f.path);
    // The site and at least two tags, three formats each; the index page; the stylesheet.
    expect(polled.filter((p) => p.startsWith("tags/")).length).toBeGreaterThanOrEqual(6);
    expect(polled).toEqual(expect.arrayContaining(["rss.xml", "atom.xml", "feed.json", "index.html"]));
    // Article pages, list pages (the site's and the tags'), archive pages and 404 are there, identity only.
    for (const shape of [/^articles\//, /^page\/\d+\//, /^archive\/\d+\//, /^tags\/[^/]+\/index\.html$/, /^tags\/[^/]+\/archive\//, /^404\.html$/]) {
      expect(files.some((f) => shape.test(f.path)), String(shape)).toBe(true);
    }
    for (const f of files) {
      const expected = POLLED.test(f.path);
      expect([f.path, Boolean(f.br), Boolean(f.gzip)]).toEqual([f.path, expected, expected]);
    }
    expect(variantFiles(tree).sort()).toEqual(namedVariants(files.filter((f) => POLLED.test(f.path))));
    // dist/ itself holds no variant.
    expect([...tree.keys()].filter((p) => !p.startsWith(BESIDE) && /\.(br|gz)$/.test(p))).toEqual([]);
  });

  it('"none" writes no variant; "all" writes one of every file (but _headers), as builds did before', async () => {
    const none = await clean("none", "none");
    expect(variantFiles(none.tree)).toEqual([]);
    expect(none.files.filter((f) => f.br || f.gzip)).toEqual([]);
    const all = await clean("all", "all");
    const withoutVariants = all.files.filter((f) => !f.br || !f.gzip).map((f) => f.path);
    expect(withoutVariants).toEqual([]);
    expect(variantFiles(all.tree).sort()).toEqual(namedVariants(all.files));
    expect(namedVariants(all.files).length).toBeGreaterThan(1.9 * all.files.length);
    // The same files otherwise, byte for byte.
    expect(all.files.map((f) => [f.path, f.sha256])).toEqual(none.files.map((f) => [f.path, f.sha256]));
  });

  it("switching modes in a built folder leaves what a clean build in the new mode writes", async () => {
    const out = join(root, "switched");
    for (const mode of ["all", "polled", "none", "all"] as const) {
      expect((await buildSite(seeds, out, { config: testConfig({ ...SITE, precompress: mode }) })).written).toBe(true);
      const reference = await clean(mode, `reference-${mode}`);
      expect(treeDifferences(await readBuild(out), reference.tree), mode).toEqual([]);
    }
  });

  it("`build --precompress all` and the config key set the mode; a bad value exits 2 naming the key", async () => {
    const config = join(root, "site.json");
    await writeFile(config, JSON.stringify({ ...TEST_SITE, ...SITE, precompress: "none" }));
    const flag = await runCli(["build", "--seeds", seeds, "--out", join(root, "cli-all"), "--config", config, "--precompress", "all", "--quiet"]);
    expect(flag.code, flag.stderr).toBe(0);
    expect((await manifestOf(join(root, "cli-all"))).every((f) => f.br && f.gzip)).toBe(true);
    const bad = await runCli(["build", "--seeds", seeds, "--out", join(root, "cli-bad"), "--config", config, "--precompress", "some"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"precompress" must be one of polled, all, none');
  });
});

// dist/ is replaced whole or not at all: a failed build leaves it byte-identical, and the leftovers of a
// killed build (a half-written staging folder, a swap cut between its two renames) are mended next time.

import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestFileOf, parseManifest } from "../../src/output/manifest.ts";
import { runCli } from "../helpers/cli.ts";
import { copyRepoSeeds, MANIFEST_KEY, readBuild, readTree, treeDifferences, writeSeeds } from "../helpers/files.ts";
import { buildSite, siteWithDist } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();

const BAD = { "099_00000000000000ff.txt": " date 2025-02-30 1\nImpossible date\n" };

const leftovers = async (root: string) => (await readdir(root)).filter((n) => n.startsWith(".dist."));

describe("a build that fails", () => {
  it("leaves the old dist/ byte-identical and exits 1, naming the bad seed", async () => {
    const s = await siteWithDist(await tmp.make());
    await writeSeeds(s.seeds, BAD);
    // A valid change too, which must not leak into dist/ either.
    await writeSeeds(s.seeds, { "new.md": "---\ntitle: New\ndate: 2025-12-01\n---\nNew.\n" });
    const r = await runCli(["build", "--seeds", s.seeds, "--out", s.out, "--config", s.config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("099_00000000000000ff.txt:1: error:");
    expect(r.stderr).toMatch(/not touched/);
    expect(r.stdout).toBe("");
    expect(treeDifferences(s.before, await readBuild(s.out))).toEqual([]);
    expect(await leftovers(s.root)).toEqual([]);
  });

  it("with --keep-going writes the valid seeds, reports the invalid one as a warning and exits 0", async () => {
    const s = await siteWithDist(await tmp.make());
    await writeSeeds(s.seeds, { ...BAD, "new.md": "---\ntitle: New\ndate: 2025-12-01\n---\nNew.\n" });
    const r = await runCli(["build", "--seeds", s.seeds, "--out", s.out, "--config", s.config, "--keep-going"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("099_00000000000000ff.txt:1: warning:");
    expect(r.stdout).toMatch(/1 invalid seed skipped/);
    const after = await readTree(s.out);
    expect(after.has("articles/new.html")).toBe(true);
    expect(after.has("articles/00000000000000ff.html")).toBe(false);
    // The articles that were there are still there.
    for (const path of s.before.keys()) if (path.startsWith("articles/")) expect(after.has(path), path).toBe(true);
    expect(await leftovers(s.root)).toEqual([]);
  });

  it("a first build that fails leaves nothing beside the seeds: no dist/, no cache folder, no lock", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    await copyRepoSeeds(seeds, BAD);
    expect((await buildSite(seeds, join(root, "dist"))).written).toBe(false);
    expect((await readdir(root)).sort()).toEqual(["seeds"]);
  });

  it("in-process: build() reports written=false and touches nothing", async () => {
    const s = await siteWithDist(await tmp.make());
    await writeSeeds(s.seeds, BAD);
    const result = await buildSite(s.seeds, s.out);
    expect(result.written).toBe(false);
    expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.file)).toEqual(["099_00000000000000ff.txt"]);
    expect(treeDifferences(s.before, await readBuild(s.out))).toEqual([]);
  });
});

describe("the leftovers of a killed build", () => {
  it("a swap cut between its two renames (dist/ moved aside, no dist/) is mended by the next build", async () => {
    const s = await siteWithDist(await tmp.make());
    const inode404 = (await stat(join(s.out, "404.html"))).ino;
    await rename(s.out, join(s.root, ".dist.previous-k1ll3d"));
    // Fix a typo in a seed text article: its bytes change, its only date does not.
    const seedFile = join(s.seeds, "001_5eedfeed00000001.txt");
    await writeFile(seedFile, (await readFile(seedFile, "utf8")).replace("This is an example", "This is a corrected example"));
    expect((await buildSite(s.seeds, s.out)).written).toBe(true);
    expect(await leftovers(s.root)).toEqual([]);
    // The mended dist/ was the previous build: the incremental build changed the edited page and kept
    // the untouched files of the mended folder as they were (same inode), which only it could have.
    const page = "articles/5eedfeed00000001.html";
    const old = parseManifest(s.before.get(MANIFEST_KEY)!.toString("utf8")).files.find((f) => f.path === page)!;
    const now = parseManifest(await readFile(manifestFileOf(s.out), "utf8")).files.find((f) => f.path === page)!;
    expect(now.sha256).not.toBe(old.sha256);
    expect((await stat(join(s.out, "404.html"))).ino).toBe(inode404);
  });

  it("a swap cut short, then a build that fails: dist/ is back as it was, and nothing is written", async () => {
    const s = await siteWithDist(await tmp.make());
    await rename(s.out, join(s.root, ".dist.previous-k1ll3d"));
    await writeSeeds(s.seeds, BAD);
    expect((await buildSite(s.seeds, s.out)).written).toBe(false);
    expect(treeDifferences(s.before, await readBuild(s.out))).toEqual([]);
    expect(await leftovers(s.root)).toEqual([]);
  });

  it("a half-written staging folder is removed; the new dist/ is complete", async () => {
    const s = await siteWithDist(await tmp.make());
    const staging = join(s.root, ".dist.staging-h4lf");
    await mkdir(join(staging, "articles"), { recursive: true });
    await writeFile(join(staging, "rss.xml"), "<rss><channel><title>half");
    await writeSeeds(s.seeds, { "new.md": "---\ntitle: New\ndate: 2025-12-01\n---\nNew.\n" });
    const result = await buildSite(s.seeds, s.out);
    expect(result.written).toBe(true);
    expect(await leftovers(s.root)).toEqual([]);
    const after = await readTree(s.out);
    const manifest = parseManifest(await readFile(manifestFileOf(s.out), "utf8"));
    // Every file the manifest lists is there, whole.
    for (const f of manifest.files) expect(after.get(f.path)?.length, f.path).toBe(f.size);
    expect(after.has("articles/new.html")).toBe(true);
  });
});

describe("a build that cannot write", () => {
  it("exits 3 when the output folder cannot be made, and leaves nothing behind", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    await copyRepoSeeds(seeds);
    await writeFile(join(root, "a-file"), "not a folder");
    const r = await runCli(["build", "--seeds", seeds, "--out", join(root, "a-file", "dist")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(join(root, "a-file"));
    expect((await readdir(root)).sort()).toEqual(["a-file", "seeds"]);
  });
});

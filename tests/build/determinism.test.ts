// The same seeds and config give byte-identical files: in another folder, in another process, in another
// time zone, after every seed's mtime moved. And entry ids never depend on where the site is published.

import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from "feedsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { BESIDE, copyRepoSeeds, MANIFEST_KEY, readBuild, readTree, treeDifferences } from "../helpers/files.ts";
import { EXTRA_SEEDS } from "../helpers/fixture.ts";
import { TEST_SITE, buildSite, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();

let seeds: string;
let first: Map<string, Buffer>;

beforeAll(async () => {
  const root = await tmp.make();
  seeds = join(root, "seeds");
  await copyRepoSeeds(seeds, EXTRA_SEEDS);
  const result = await buildSite(seeds, join(root, "dist"));
  expect(result.written).toBe(true);
  first = await readBuild(join(root, "dist"));
});

describe("byte-identical builds", () => {
  it("the first build wrote feeds and pages into dist/, and beside it the manifest and the variants", () => {
    for (const path of ["rss.xml", "atom.xml", "feed.json", "index.html", "404.html", MANIFEST_KEY]) expect(first.has(path), path).toBe(true);
    const beside = [...first.keys()].filter((p) => p.startsWith(BESIDE));
    expect(beside.some((p) => p.endsWith(".br"))).toBe(true);
    expect(beside.some((p) => p.endsWith(".gz"))).toBe(true);
    // dist/ is exactly the site: no variant and no manifest in it.
    const inDist = [...first.keys()].filter((p) => !p.startsWith(BESIDE));
    expect(inDist.filter((p) => /\.(br|gz)$/.test(p) || p === "manifest.json")).toEqual([]);
  });

  it("a second build from a copy of the seeds in another folder is byte-identical, manifest included", async () => {
    const root = await tmp.make();
    await copyRepoSeeds(join(root, "elsewhere"), EXTRA_SEEDS);
    await buildSite(join(root, "elsewhere"), join(root, "out"));
    expect(treeDifferences(first, await readBuild(join(root, "out")))).toEqual([]);
  });

  it("a build by the CLI in another process, time zone and locale is byte-identical", async () => {
    const root = await tmp.make();
    const config = join(root, "site.json");
    await writeFile(config, JSON.stringify(TEST_SITE));
    const r = await runCli(["build", "--seeds", seeds, "--out", join(root, "dist"), "--config", config, "--quiet"], {
      cwd: root,
      env: { TZ: "Pacific/Kiritimati", LANG: "de_DE.UTF-8", LC_ALL: "de_DE.UTF-8" },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(treeDifferences(first, await readBuild(join(root, "dist")))).toEqual([]);
  });

  it("a rebuild after touching every seed's mtime (and the dist/ it replaces) is byte-identical", async () => {
    const root = await tmp.make();
    await copyRepoSeeds(join(root, "seeds"), EXTRA_SEEDS);
    await buildSite(join(root, "seeds"), join(root, "dist"));
    const before = await readBuild(join(root, "dist"));
    const later = new Date("2030-01-01T00:00:00Z");
    for (const path of (await readTree(join(root, "seeds"))).keys()) await utimes(join(root, "seeds", path), later, later);
    for (const path of (await readTree(join(root, "dist"))).keys()) await utimes(join(root, "dist", path), later, later);
    expect((await buildSite(join(root, "seeds"), join(root, "dist"))).written).toBe(true);
    const after = await readBuild(join(root, "dist"));
    expect(treeDifferences(before, after)).toEqual([]);
    expect(treeDifferences(first, after)).toEqual([]);
  });
});

describe("entry ids do not depend on the base URL", () => {
  it("changing --base-url changes every link but no id, in all three feeds", async () => {
    const root = await tmp.make();
    const a = testConfig({ baseUrl: "https://one.example/" });
    const b = testConfig({ baseUrl: "http://two.example:8080/deep/path/" });
    await buildSite(seeds, join(root, "a"), { config: a });
    await buildSite(seeds, join(root, "b"), { config: b });
    const [ta, tb] = [await readBuild(join(root, "a")), await readBuild(join(root, "b"))];
    const ids = (t: Map<string, Buffer>) => ({
      rss: parseRssFeed(t.get("rss.xml")!.toString()).items?.map((i) => i.guid?.value),
      atom: parseAtomFeed(t.get("atom.xml")!.toString()).entries?.map((e) => e.id),
      json: parseJsonFeed(t.get("feed.json")!.toString()).items?.map((i) => i.id),
      atomFeed: parseAtomFeed(t.get("atom.xml")!.toString()).id,
    });
    const links = (t: Map<string, Buffer>) => parseJsonFeed(t.get("feed.json")!.toString()).items?.map((i) => i.url);
    const idsA = ids(ta);
    expect(idsA.rss?.length).toBeGreaterThan(5);
    expect(idsA.atom).toEqual(idsA.rss);
    expect(idsA.json).toEqual(idsA.rss);
    expect(ids(tb)).toEqual(idsA);
    // The base URL did take effect: every link moved.
    expect(links(ta)!.every((u) => u!.startsWith("https://one.example/"))).toBe(true);
    expect(links(tb)!.every((u) => u!.startsWith("http://two.example:8080/deep/path/"))).toBe(true);
    for (const id of idsA.rss!) expect(id).not.toMatch(/one\.example|two\.example/);
  });
});

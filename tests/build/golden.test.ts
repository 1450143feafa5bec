// The bytes of a generated site, pinned. A site of generated articles with tags and archive pages is
// built clean, then incrementally and in watch mode after the same edits; every file (but the
// precompressed variants, and manifest.json, whose keys hash seedfeed's own code) must have the digest
// recorded in tests/fixtures/golden-site.json, which the code before the pipeline restructuring wrote.
// A restructuring must not change a byte. A change of the output made on purpose records the new
// digests with `UPDATE_GOLDEN=1 npx vitest run tests/build/golden.test.ts`, and its diff shows them.

import { existsSync } from "node:fs";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "vitest";
import { corpusFile, writeCorpus } from "../../bench/corpus.ts";
import { Watcher } from "../../src/dev/watch.ts";
import { sha256 } from "../../src/hash.ts";
import { build } from "../../src/pipeline.ts";
import { loadConfig } from "../../src/config.ts";
import { markdownSeed, readTree } from "../helpers/files.ts";
import { REPO_ROOT } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs("seedfeed-golden-");
const FIXTURE = join(REPO_ROOT, "tests", "fixtures", "golden-site.json");
const COUNT = 240;

type Digests = Record<string, string>;

/** Each file's digest (the first 16 hex digits of its sha-256), but variants and manifest.json. */
async function digests(dir: string): Promise<Digests> {
  const out: Digests = {};
  for (const [path, bytes] of await readTree(dir)) {
    if (path.endsWith(".br") || path.endsWith(".gz") || path === "manifest.json") continue;
    out[path] = sha256(bytes).slice(0, 16);
  }
  return out;
}

test("a generated site with tags and archives: clean, incremental and watch builds give the recorded bytes", async () => {
  const root = await tmp.make();
  const seeds = join(root, "seeds");
  await writeCorpus(seeds, COUNT);
  const configFile = join(root, "site.json");
  await writeFile(configFile, JSON.stringify({ title: "Golden", baseUrl: "https://golden.example/blog/", tagPrefix: "tag:golden.example,2025:", feedSize: 20, pageSize: 10, author: { name: "Au Thor" } }));
  const config = await loadConfig(configFile, {});
  const seedPath = (i: number) => join(seeds, corpusFile(i).name);
  const got: Record<string, Digests> = {};

  await build({ seedsDir: seeds, outDir: join(root, "dist"), config });
  got.clean = await digests(join(root, "dist"));

  // Incremental: a retitled article, a removed one, a new tagged one that is the newest.
  await writeFile(seedPath(37), (await readFile(seedPath(37), "utf8")).replace(/\n.*\n/, "\nRetitled & <edited>\n"));
  await rm(seedPath(200));
  await writeFile(join(seeds, "fresh.md"), markdownSeed(["title: Fresh", "date: 2031-01-01", "tags: [politics, New Tag]"], "Fresh *body*.\n"));
  await build({ seedsDir: seeds, outDir: join(root, "dist"), config });
  got.incremental = await digests(join(root, "dist"));

  // Watch mode, starting from that dist/: a retag and a date move of one article, then a removal.
  await cp(join(root, "dist"), join(root, "watch"), { recursive: true });
  const watcher = await Watcher.start({ seedsDir: seeds, outDir: join(root, "watch"), configFile, overrides: {}, log: () => {} });
  try {
    await writeFile(join(seeds, "fresh.md"), markdownSeed(["title: Fresh again", "date: 2019-02-03", "tags: [culture]"], "Fresher.\n"));
    await rm(seedPath(90));
    await sleep(200);
    await watcher.rebuild();
    await watcher.flushed();
  } finally {
    await watcher.close();
  }
  got.watch = await digests(join(root, "watch"));

  if (process.env.UPDATE_GOLDEN === "1") await writeFile(FIXTURE, `${JSON.stringify(got, null, 1)}\n`);
  expect(existsSync(FIXTURE), "tests/fixtures/golden-site.json is missing: record it with UPDATE_GOLDEN=1").toBe(true);
  const recorded = JSON.parse(await readFile(FIXTURE, "utf8")) as Record<string, Digests>;
  for (const stage of ["clean", "incremental", "watch"]) {
    const want = recorded[stage]!;
    const have = got[stage]!;
    const differing = [...new Set([...Object.keys(want), ...Object.keys(have)])].filter((p) => want[p] !== have[p]).sort();
    expect(differing, `${stage}: files whose bytes differ from the recorded ones`).toEqual([]);
  }
});

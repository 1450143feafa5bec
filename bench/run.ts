// npm run bench: build times and memory on a synthetic corpus, and the watch-mode edit-to-served latency.
//   npm run bench -- [--count 10000] [--rounds 3]

import { execFile } from "node:child_process";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { startWatcher } from "../src/dev/watch.ts";
import { startServer, type RunningServer } from "../src/server/serve.ts";
import { corpusFile, writeCorpus } from "./corpus.ts";

const run = promisify(execFile);
const { values } = parseArgs({ options: { count: { type: "string", default: "10000" }, rounds: { type: "string", default: "3" } } });
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function buildOnce(seeds: string, out: string): Promise<{ ms: number; maxRssMiB: number }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", join(import.meta.dirname, "build-once.ts"), seeds, out], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { ms: number; maxRssMiB: number };
}

/** Appends a line to one seed's body: a real edit that changes the feeds. */
async function editSeed(seeds: string, i: number, round: number): Promise<void> {
  const path = join(seeds, corpusFile(i).name);
  await appendFile(path, `An edit made by the benchmark, round ${round}.\n`);
}

async function etag(url: string): Promise<string | null> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.headers.get("etag");
}

const work = await mkdtemp(join(tmpdir(), "seedfeed-bench-"));
try {
  const seeds = join(work, "seeds");
  await writeCorpus(seeds, COUNT);
  const clean: number[] = [];
  const warm: number[] = [];
  const rss: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const out = join(work, `dist-${r}`);
    const c = await buildOnce(seeds, out); // no previous dist/: compress everything
    clean.push(c.ms);
    rss.push(c.maxRssMiB);
    await editSeed(seeds, COUNT - 1 - r, r);
    const w = await buildOnce(seeds, out); // previous dist/ as the cache
    warm.push(w.ms);
    process.stderr.write(`round ${r}: clean ${c.ms.toFixed(0)} ms (${c.maxRssMiB.toFixed(0)} MiB), warm ${w.ms.toFixed(0)} ms\n`);
    await rm(out, { recursive: true, force: true });
  }

  // Watch mode: edit one seed, poll the feed until its ETag changes.
  const out = join(work, "dist-dev");
  let server: RunningServer | undefined;
  let first: Parameters<RunningServer["swap"]>[0] | undefined;
  const configFile = join(work, "seedfeed.config.json");
  await writeFile(configFile, "{}");
  const watcher = await startWatcher({
    seedsDir: seeds, outDir: out, overrides: {}, configFile,
    onSite: (s) => (server ? server.swap(s) : (first = s)),
    log: () => {},
  });
  server = await startServer({ dir: out, port: 0, host: "127.0.0.1", site: first! });
  const feed = `${server.url}rss.xml`;
  const edits: number[] = [];
  for (let r = 1; r <= ROUNDS * 2; r++) {
    await watcher.flushed();
    const before = await etag(feed);
    const started = performance.now();
    await editSeed(seeds, COUNT - 1, 100 + r); // the newest article: it is in the main feed
    while ((await etag(feed)) === before) {
      if (performance.now() - started > 10_000) throw new Error("the edit never reached the feed");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    edits.push(performance.now() - started);
  }
  await watcher.close();
  await server.close();

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`\nMachine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. ${COUNT} articles, ${ROUNDS} rounds, medians.\n`);
  console.log("| case | median | ratio |");
  console.log("| --- | ---: | ---: |");
  console.log(`| clean build (no dist/) | ${median(clean).toFixed(0)} ms | 1 (baseline) |`);
  console.log(`| cold build after one edit, previous dist/ as cache | ${median(warm).toFixed(0)} ms | ${(median(warm) / median(clean)).toFixed(3)} of clean |`);
  console.log(`| watch mode: one edit until the new feed is served | ${median(edits).toFixed(0)} ms | ${(median(edits) / median(clean)).toFixed(3)} of clean |`);
  console.log(`| peak memory of a clean build | ${median(rss).toFixed(0)} MiB | |`);
} finally {
  await rm(work, { recursive: true, force: true });
}

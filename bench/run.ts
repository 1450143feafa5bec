// npm run bench: seedfeed against Hugo on the same synthetic corpus, interleaved in one run.
//   npm run bench -- [--counts 10000,100000] [--rounds 3] [--hugo-tags]
//   npm run bench -- --counts 2000 --rounds 1          (a quick smoke run)
//
// Per article count: the corpus (bench/corpus.ts) and the Hugo site holding the same articles (bench/hugo.ts)
// are written once into a temp folder, removed at the end. Then, per round, seedfeed and Hugo take turns
// (the order alternates by round):
//   a. clean build into an empty output folder: wall time and peak memory;
//   b. one seed edited, build again into that same built folder (seedfeed: its previous dist/ is its cache);
// and after the rounds, 2 × rounds edits of the newest seed in watch mode (seedfeed's watcher and server
// in this process, as `seedfeed dev` runs them; Hugo: `hugo server --renderToDisk --disableFastRender`),
// timed until the new feed is served and until the feed file on disk has it.
// Every measured build is a child process run under python3, which reads wall time and the child's peak
// RSS (getrusage RUSAGE_CHILDREN ru_maxrss) the same way for both tools.
// The benchmark installs nothing: Hugo runs when `hugo` is on PATH (Debian's package), and the report says
// so when it is not.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { precompressLevels } from "../src/output/compress.ts";
import { compress } from "../src/output/stage-worker.mjs";
import { manifestFileOf, readManifestEntries } from "../src/output/manifest.ts";
import { cacheDirOf } from "../src/cache-dir.ts";
import { corpusFile, writeCorpus } from "./corpus.ts";
import { hugoContentPath, hugoVersion, writeHugoSite } from "./hugo.ts";

const execFileP = promisify(execFile);
const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "10000,100000" },
    rounds: { type: "string", default: "3" },
    "hugo-tags": { type: "boolean", default: false },
  },
});
const COUNTS = values.counts.split(",").map((s) => Number(s.trim().replace(/_/g, "")));
const ROUNDS = Number(values.rounds);
if (COUNTS.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  process.stderr.write("usage: npm run bench -- [--counts 10000,100000] [--rounds 3] [--hugo-tags]\n");
  process.exit(2);
}
const REPO = resolve(import.meta.dirname, "..");
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const HUGO = hugoVersion();
const WATCH_TIMEOUT_MS = 600_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------
// Measuring

interface Measured {
  ms: number;
  maxRssKiB: number;
}

/** Runs `cmd` under python3: wall time around subprocess.run, peak RSS of the child from getrusage. */
const MEASURE_PY = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
ms = (time.perf_counter() - t) * 1000
print(json.dumps({"ms": ms, "maxRssKiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "code": p.returncode, "output": p.stdout.decode("utf-8", "replace")[-4000:]}))
`;

async function measure(cmd: string[], cwd: string): Promise<Measured> {
  const { stdout } = await execFileP(PYTHON, ["-c", MEASURE_PY, ...cmd], { cwd, maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout) as Measured & { code: number; output: string };
  if (r.code !== 0) throw new Error(`${cmd.slice(0, 5).join(" ")} … exited with ${r.code}:\n${r.output.trim()}`);
  return { ms: r.ms, maxRssKiB: r.maxRssKiB };
}

const TOOLS = ["seedfeed", "hugo"] as const;
type Tool = (typeof TOOLS)[number];

interface CountPaths {
  count: number;
  seeds: string;
  site: string;
  configFile: string;
}

function buildCommand(tool: Tool, p: CountPaths, out: string): string[] {
  return tool === "seedfeed"
    ? [process.execPath, "bin/seedfeed.mjs", "build", "--seeds", p.seeds, "--out", out, "--config", p.configFile, "--quiet"]
    : ["hugo", "--quiet", "-s", p.site, "-d", out];
}

// ---------------------------------------------------------------------------------------------------------
// Edits: the newest article's title, so the edit is in every feed of both tools (Hugo's RSS items carry
// a summary of the body, not all of it) and in the index page.

/** Replaces the title (line 2 of a seed text file, or `title:` in YAML front matter) with one holding `marker`. */
async function editTitle(path: string, marker: string): Promise<void> {
  const text = await readFile(path, "utf8");
  const title = `Edited by the benchmark ${marker}`;
  const edited = text.startsWith("---\n")
    ? text.replace(/^title: .*$/m, `title: ${JSON.stringify(title)}`)
    : text.replace(/^(.*\n).*\n/, `$1${title}\n`);
  if (edited === text) throw new Error(`${path}: found no title to edit`);
  await writeFile(path, edited);
}

/** The same edit to both tools' copies of article i, so their inputs stay the same. */
async function editArticle(p: CountPaths, i: number, marker: string): Promise<{ seed: string; hugo: string }> {
  const name = corpusFile(i).name;
  const paths = { seed: join(p.seeds, name), hugo: hugoContentPath(p.site, name) };
  await editTitle(paths.seed, marker);
  if (HUGO) await editTitle(paths.hugo, marker);
  return paths;
}

let editNumber = 0;
const nextMarker = (what: string) => `${what}-${++editNumber}-${Date.now().toString(36)}`;

// ---------------------------------------------------------------------------------------------------------
// Watch mode

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until each named check is true; returns the ms each took from `started`. */
async function until<K extends string>(started: number, checks: Record<K, () => Promise<boolean>>): Promise<Record<K, number>> {
  const done: Partial<Record<K, number>> = {};
  const keys = Object.keys(checks) as K[];
  while (keys.some((k) => done[k] === undefined)) {
    for (const k of keys) {
      if (done[k] === undefined && (await checks[k]().catch(() => false))) done[k] = performance.now() - started;
    }
    if (performance.now() - started > WATCH_TIMEOUT_MS) throw new Error(`the edit never reached ${keys.filter((k) => done[k] === undefined).join(", ")}`);
    await sleep(5);
  }
  return done as Record<K, number>;
}

async function fileHas(path: string, marker: string): Promise<boolean> {
  return (await readFile(path, "utf8")).includes(marker);
}

interface WatchTimes {
  served: number[];
  onDisk: number[];
}

async function seedfeedWatch(p: CountPaths, work: string): Promise<WatchTimes> {
  // Imported here, not at the top: a seedfeed that does not load fails this case only, not the Hugo side.
  const { startDev } = await import("../src/dev/dev.ts");
  const out = join(work, "dist-watch");
  const dev = await startDev({ seedsDir: p.seeds, outDir: out, overrides: {}, configFile: p.configFile, port: 0, host: "127.0.0.1", log: () => {} });
  const { watcher, server } = dev;
  const times: WatchTimes = { served: [], onDisk: [] };
  try {
    const feed = `${server.url}rss.xml`;
    const etag = async () => {
      const res = await fetch(feed);
      await res.arrayBuffer();
      return res.headers.get("etag");
    };
    for (let k = 1; k <= 2 * ROUNDS; k++) {
      await watcher.flushed();
      const before = await etag();
      const marker = nextMarker("watch-seedfeed");
      const started = performance.now();
      await editArticle(p, p.count - 1, marker); // the newest article: it is in the main feed
      const t = await until(started, {
        served: async () => (await etag()) !== before,
        onDisk: () => fileHas(join(out, "rss.xml"), marker),
      });
      times.served.push(t.served);
      times.onDisk.push(t.onDisk);
      log(`  seedfeed watch edit ${k}: served ${t.served.toFixed(0)} ms, on disk ${t.onDisk.toFixed(0)} ms`);
    }
  } finally {
    await dev.close();
    await rm(out, { recursive: true, force: true });
  }
  return times;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A port free right now (hugo server takes no --port 0: it would print port 0 as its address). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

async function hugoWatch(p: CountPaths, work: string): Promise<WatchTimes> {
  const out = join(work, "hugo-watch");
  const port = await freePort();
  const args = ["server", "-s", p.site, "-d", out, "--renderToDisk", "--disableFastRender", "--disableLiveReload", "--bind", "127.0.0.1", "--port", String(port)];
  const child = spawn("hugo", args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const times: WatchTimes = { served: [], onDisk: [] };
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      const onData = (d: Buffer) => {
        output = (output + String(d)).slice(-8000);
        const m = /Web Server is available at (\S+)/.exec(output);
        // It says localhost but listens on --bind only: ask 127.0.0.1, not whatever localhost resolves to first.
        if (m) resolveUrl(new URL("/", m[1]!.replace("//localhost:", "//127.0.0.1:")).href);
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`hugo server exited with ${code}:\n${output.trim()}`)));
      setTimeout(() => reject(new Error(`hugo server did not start in ${WATCH_TIMEOUT_MS / 1000} s:\n${output.trim()}`)), WATCH_TIMEOUT_MS).unref();
    });
    const feed = new URL("index.xml", url).href;
    for (let k = 1; k <= 2 * ROUNDS; k++) {
      await sleep(500); // lets Hugo's watcher settle after its previous rebuild
      const marker = nextMarker("watch-hugo");
      const started = performance.now();
      await editArticle(p, p.count - 1, marker);
      const t = await until(started, {
        served: async () => (await (await fetch(feed)).text()).includes(marker),
        onDisk: () => fileHas(join(out, "index.xml"), marker),
      });
      times.served.push(t.served);
      times.onDisk.push(t.onDisk);
      log(`  hugo server edit ${k}: served ${t.served.toFixed(0)} ms, on disk ${t.onDisk.toFixed(0)} ms`);
    }
  } finally {
    await stopChild(child);
    await rm(out, { recursive: true, force: true });
  }
  return times;
}

// ---------------------------------------------------------------------------------------------------------
// What compression alone costs

/**
 * Compressing seedfeed's clean output on one core, as the stage workers do: the files `build`
 * precompresses by default (the polled ones), and every file (`--precompress all`), at the table's levels.
 * Half of the second is a floor for any two-core build that precompresses every file.
 */
async function compressionCost(dist: string): Promise<{ polled: number; all: number }> {
  const cost = { polled: 0, all: 0 };
  for (const e of readManifestEntries(manifestFileOf(dist)).values()) {
    const levels = precompressLevels(e, "all");
    if (!levels) continue;
    const bytes = await readFile(join(dist, e.path));
    const t = performance.now();
    compress(bytes, levels);
    const ms = performance.now() - t;
    cost.all += ms;
    if (precompressLevels(e, "polled")) cost.polled += ms;
  }
  return cost;
}

// ---------------------------------------------------------------------------------------------------------
// One article count

type Samples = Record<Tool, number[]>;
const samples = (): Samples => ({ seedfeed: [], hugo: [] });

interface CountResult {
  count: number;
  cleanMs: Samples;
  cleanKiB: Samples;
  editMs: Samples;
  editKiB: Samples;
  served: Samples;
  onDisk: Samples;
  compression?: { polled: number; all: number };
  failures: string[];
}

async function benchCount(count: number, work: string): Promise<CountResult> {
  const dir = join(work, String(count));
  const p: CountPaths = { count, seeds: join(dir, "seeds"), site: join(dir, "hugo-site"), configFile: join(dir, "seedfeed.config.json") };
  let t = performance.now();
  await writeCorpus(p.seeds, count);
  await writeFile(p.configFile, "{}\n"); // seedfeed's defaults, not the repo's seedfeed.config.json
  log(`${count} articles: corpus written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (HUGO) {
    t = performance.now();
    await writeHugoSite(p.seeds, p.site, { taxonomies: values["hugo-tags"] });
    log(`${count} articles: Hugo site written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const tools: Tool[] = HUGO ? [...TOOLS] : ["seedfeed"];
  const r: CountResult = { count, cleanMs: samples(), cleanKiB: samples(), editMs: samples(), editKiB: samples(), served: samples(), onDisk: samples(), failures: [] };
  const failed = new Set<Tool>(); // a tool whose build failed is not run again at this count
  const attempt = async (tool: Tool, what: string, fn: () => Promise<void>) => {
    if (failed.has(tool)) return;
    try {
      await fn();
    } catch (e) {
      failed.add(tool);
      r.failures.push(`${tool}, ${what}, ${count} articles: ${(e as Error).message}`);
      log(`  ${tool} ${what} FAILED: ${(e as Error).message}`);
    }
  };

  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? tools : [...tools].reverse();
    const outs = Object.fromEntries(tools.map((tool) => [tool, join(dir, `out-${tool}`)])) as Record<Tool, string>;
    for (const tool of order) {
      await attempt(tool, "clean build", async () => {
        await rm(outs[tool], { recursive: true, force: true });
        await rm(cacheDirOf(outs[tool]), { recursive: true, force: true }); // clean: no cache beside it either
        const m = await measure(buildCommand(tool, p, outs[tool]), REPO);
        r.cleanMs[tool].push(m.ms);
        r.cleanKiB[tool].push(m.maxRssKiB);
        log(`  round ${round}: ${tool} clean build ${m.ms.toFixed(0)} ms, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
        if (tool === "seedfeed" && round === 1) {
          r.compression = await compressionCost(outs[tool]);
          log(`  seedfeed's output compressed on one core: ${r.compression.polled.toFixed(0)} ms for the polled files, ${r.compression.all.toFixed(0)} ms for all`);
        }
      });
    }
    await editArticle(p, count - 1, nextMarker("build"));
    for (const tool of order) {
      await attempt(tool, "build after one edit", async () => {
        const m = await measure(buildCommand(tool, p, outs[tool]), REPO);
        r.editMs[tool].push(m.ms);
        r.editKiB[tool].push(m.maxRssKiB);
        log(`  round ${round}: ${tool} build after one edit ${m.ms.toFixed(0)} ms, ${(m.maxRssKiB / 1024).toFixed(0)} MiB`);
      });
    }
    for (const tool of tools) for (const dir of [outs[tool], cacheDirOf(outs[tool])]) await rm(dir, { recursive: true, force: true });
  }

  failed.clear(); // watch mode is its own code path: try it even if a build failed
  for (const tool of tools) {
    await attempt(tool, "watch mode", async () => {
      const w = tool === "seedfeed" ? await seedfeedWatch(p, dir) : await hugoWatch(p, dir);
      r.served[tool] = w.served;
      r.onDisk[tool] = w.onDisk;
    });
  }
  await rm(dir, { recursive: true, force: true });
  return r;
}

// ---------------------------------------------------------------------------------------------------------
// Report

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number | undefined) => (n === undefined ? "–" : `${int(n)} ms`);
const mib = (kib: number | undefined) => (kib === undefined ? "–" : `${int(kib / 1024)} MiB`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "–" : (a / b).toFixed(a / b < 0.1 ? 3 : 2));

/** A failure's first line, and the first error line of the output it quotes. */
function briefly(failure: string): string {
  const [first, ...rest] = failure.split("\n");
  const error = rest.find((l) => /error/i.test(l));
  return error ? `${first} ${error.trim()}` : first!;
}

function report(results: CountResult[], started: number): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const lines = [
    `Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ` +
      `${HUGO ? HUGO.replace(/ BuildDate=\S+/, "") : "Hugo: not on PATH (install Debian's hugo package to compare; Hugo columns are empty)"}.`,
    `${ROUNDS} round${ROUNDS === 1 ? "" : "s"} per count, seedfeed and Hugo interleaved; medians (watch mode: ${2 * ROUNDS} edits). ` +
      `Hugo: rssLimit 50, paginate 50, one page per article (uglyURLs: /articles/<id>.html, as seedfeed), ${values["hugo-tags"] ? "tag taxonomy pages on" : "no taxonomy pages"}. ` +
      `Run took ${((performance.now() - started) / 60_000).toFixed(1)} min.`,
    "",
    "| articles | case | seedfeed | Hugo | seedfeed ÷ Hugo |",
    "| ---: | --- | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    const n = int(r.count);
    const m = (s: Samples) => ({ sf: median(s.seedfeed), hugo: median(s.hugo) });
    const clean = m(r.cleanMs);
    const cleanMem = m(r.cleanKiB);
    const edit = m(r.editMs);
    const editMem = m(r.editKiB);
    const served = m(r.served);
    const onDisk = m(r.onDisk);
    const ofClean = edit.sf !== undefined && clean.sf !== undefined ? ` (${ratio(edit.sf, clean.sf)} of clean; goal < 0.1)` : "";
    lines.push(
      `| ${n} | clean build, wall time | ${ms(clean.sf)} | ${ms(clean.hugo)} | ${ratio(clean.sf, clean.hugo)} |`,
      `| ${n} | clean build, peak memory | ${mib(cleanMem.sf)} | ${mib(cleanMem.hugo)} | ${ratio(cleanMem.sf, cleanMem.hugo)} |`,
      `| ${n} | \`build\` after one edit, built folder present (seedfeed: warm cache) | ${ms(edit.sf)}${ofClean} | ${ms(edit.hugo)} | ${ratio(edit.sf, edit.hugo)} |`,
      `| ${n} | same, peak memory | ${mib(editMem.sf)} | ${mib(editMem.hugo)} | ${ratio(editMem.sf, editMem.hugo)} |`,
      // The issues' goals: served within 300 ms at 10,000 (#4); feeds on disk within 200 ms at 100,000 (#5).
      `| ${n} | watch mode: one edit until the new feed is served${r.count === 10_000 ? " (goal < 300 ms)" : ""} | ${ms(served.sf)} | ${ms(served.hugo)} | ${ratio(served.sf, served.hugo)} |`,
      `| ${n} | watch mode: one edit until the feed file on disk has it${r.count === 100_000 ? " (goal < 200 ms)" : ""} | ${ms(onDisk.sf)} | ${ms(onDisk.hugo)} | ${ratio(onDisk.sf, onDisk.hugo)} |`,
    );
    if (r.compression) {
      lines.push(
        `| ${n} | compressing what \`build\` precompresses (the polled files) alone, one core (÷ Hugo's clean build) | ${ms(r.compression.polled)} | ${ms(clean.hugo)} | ${ratio(r.compression.polled, clean.hugo)} |`,
        `| ${n} | same, every file (\`--precompress all\`) | ${ms(r.compression.all)} | ${ms(clean.hugo)} | ${ratio(r.compression.all, clean.hugo)} |`,
      );
    }
  }
  lines.push(
    "",
    "Wall time and peak memory of a build are those of its process (python3: `subprocess.run`, then `getrusage(RUSAGE_CHILDREN).ru_maxrss`), " +
      "startup included. seedfeed: `node bin/seedfeed.mjs build --quiet` (the compiled CLI in lib/, compiled by `npm run bench` first); it also writes Atom, JSON Feed and brotli/gzip copies, Hugo writes RSS only. " +
      "Hugo: `hugo --quiet`. Watch mode: seedfeed's watcher and server in the bench process (ETag of `rss.xml` changes; `dist/rss.xml` holds the edit), " +
      "`hugo server --renderToDisk --disableFastRender` (`index.xml` served and on disk holds the edit); both include file-watch latency and debounce. " +
      "Compression rows: the brotli and gzip calls of the stage workers over the files of seedfeed's first clean build, one after another on one core " +
      "(the files read first, not timed), at the levels of src/output/compress.ts; on two cores a build that writes these variants cannot take less than half that.",
  );
  const failures = results.flatMap((r) => r.failures);
  if (failures.length > 0) lines.push("", "Failures (their cells are empty):", ...failures.map((f) => `- ${briefly(f)}`));
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------

const started = performance.now();
log(HUGO ? `Hugo: ${HUGO}` : "Hugo: not on PATH; running seedfeed only (install Debian's hugo package to compare).");
const work = await mkdtemp(join(tmpdir(), "seedfeed-bench-"));
process.once("SIGINT", () => {
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});
try {
  await mkdir(work, { recursive: true });
  const results: CountResult[] = [];
  for (const count of COUNTS) results.push(await benchCount(count, work));
  console.log(`\n${report(results, started)}`);
  if (results.some((r) => r.failures.length > 0)) process.exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}

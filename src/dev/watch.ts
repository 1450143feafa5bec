// Watch mode: file-system events → one debounced rebuild of what changed → new files moved into dist/
// → the server swapped to the new manifest in the same step → WebSub pings for the feeds that changed.

import { existsSync, lstatSync, readdirSync, statSync, watch, type Dirent, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { siteKeyOf } from "../build.ts";
import { DEFAULT_CONFIG_FILE, loadConfig } from "../config.ts";
import { formatDiagnostic } from "../content/article.ts";
import { seedFormatOf } from "../content/parse.ts";
import { readArticle, seedVersion } from "../content/read-article.ts";
import { scanSeeds, type ScanResult } from "../content/scan.ts";
import type { SeedIndex } from "../content/seed-index.ts";
import { WATCH_COMPRESSION_LEVELS } from "../output/compress.ts";
import { HEADERS_FILE_PATH, renderHeadersFile, type HeadersMemo } from "../output/headers-file.ts";
import { MANIFEST_PATH, readManifestEntries, serializeManifest, SiteEntries, type ManifestEntry, type ManifestMemo } from "../output/manifest.ts";
import { BodyCache, changesFrom, produceChange, produceOutputs, type ProduceOptions } from "../output/output-set.ts";
import { StagePool } from "../output/stage-pool.ts";
import { lockDist, Staging, type DistUpdate } from "../output/write-dist.ts";
import { SitePlanner } from "../render/plan.ts";
import { servedSite, type ServedSite } from "../server/from-manifest.ts";
import type { Article, ArticleMeta, SiteConfig } from "../types.ts";

/**
 * Long enough to fold an editor's save (a write and a rename, a millisecond apart) or a `git checkout`
 * (events a few ms apart) into one rebuild, short enough to feel instant. The timer starts again on
 * every event, so a longer burst only delays the rebuild; one that pauses longer gets a second rebuild.
 */
export const DEBOUNCE_MS = 25;

export interface RebuildReport {
  changed: string[];
  removed: string[];
  /** Output paths whose bytes changed (or appeared or vanished). */
  changedOutputs: string[];
  files: ManifestEntry[];
  site: ServedSite;
  config: SiteConfig;
  ms: number;
}

export interface WatchOptions {
  seedsDir: string;
  outDir: string;
  configFile?: string;
  overrides: Record<string, unknown>;
  /** Called with each new site, right after its files are in dist/: the server swaps to it. */
  onSite(site: ServedSite): void;
  /** Called after each rebuild (e.g. to ping a hub). */
  onRebuild?(report: RebuildReport): void;
  log(line: string): void;
}

export interface Watcher {
  /** Rebuilds now (tests and the first build use it); resolves when the new site is live. */
  rebuild(): Promise<RebuildReport>;
  /** Resolves when no rebuild is running or queued. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/** _headers as a chunk that is only made when the commit comes to write it, after the swap. */
function* headersFileChunks(files: readonly ManifestEntry[], memo: HeadersMemo): Generator<string> {
  yield renderHeadersFile(files, memo);
}

/**
 * The seeds to look at again for the names the file watcher reported, or "all". A name that is not a
 * seed is an editor's temporary file, unless it is (or was) a folder of seeds: then everything is scanned.
 */
function seedsToRescan(seedsDir: string, names: ReadonlySet<string>, index: SeedIndex): string[] | "all" {
  const seeds: string[] = [];
  for (const name of names) {
    if (seedFormatOf(name)) {
      seeds.push(name);
      continue;
    }
    const path = join(seedsDir, name);
    if (existsSync(path) ? statSync(path).isDirectory() : [...index.keys()].some((k) => k.startsWith(`${name}/`))) return "all";
  }
  return seeds;
}

/**
 * Reports the names (relative, with "/") of what changes in `root` and its folders; null when it cannot
 * tell. One watch per folder: Node 20's recursive fs.watch on Linux watches every file (and stats it) and
 * lists a folder again on each event in it, 0.2-0.4 s per event with 100,000 seeds (BENCHMARKS.md).
 * Hidden folders hold no seeds and are not watched.
 */
function watchFolders(root: string, report: (name: string | null) => void): { close(): void } {
  const watchers = new Map<string, FSWatcher>();
  const watchTree = (rel: string): void => {
    // A folder event may be a folder made again under the same name: its old watch is dead.
    watchers.get(rel)?.close();
    let entries: Dirent[];
    try {
      const w = watch(join(root, rel), (_event, name) => {
        if (name === null) return report(null);
        const path = rel === "" ? name : `${rel}/${name}`;
        // lstat: like the scan's listing, a symlinked folder is not descended into.
        if (!name.startsWith(".") && lstatSync(join(root, path), { throwIfNoEntry: false })?.isDirectory()) watchTree(path);
        report(path);
      });
      w.on("error", () => report(null));
      watchers.set(rel, w);
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch (e) {
      if (rel === "") throw e; // no seeds folder to watch at all
      return report(null); // gone already: the scan of everything that this causes will say so
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) watchTree(rel === "" ? e.name : `${rel}/${e.name}`);
  };
  watchTree("");
  return { close: () => watchers.forEach((w) => w.close()) };
}

export async function startWatcher(options: WatchOptions): Promise<Watcher> {
  const index: SeedIndex = new Map();
  let config = await loadConfig(options.configFile, options.overrides);
  const manifestFile = join(options.outDir, MANIFEST_PATH);
  // dist/ as it is when watch mode starts: unchanged files are not rendered again, only reported as such.
  let previous: ReadonlyMap<string, ManifestEntry> = readManifestEntries(manifestFile);
  // After the first rebuild: dist/'s entries and the plan, both kept up to date by each rebuild.
  let dist: SiteEntries | undefined;
  let planner: SitePlanner | undefined;
  let pending: Set<string> | "all" = "all";
  let previousScan: ScanResult | undefined;
  const headersMemo: HeadersMemo = {};
  const manifestMemo: ManifestMemo = new Map();
  // One pool for the session: a worker takes about 0.2 s to start, longer than a whole rebuild. A pool
  // whose worker died is replaced by the next rebuild.
  let pool = new StagePool();

  // Bodies read for one config, by article; a new config starts them, and the plan, again.
  const readBody = (m: ArticleMeta): Article => readArticle(options.seedsDir, index, m);
  let bodies = new BodyCache(readBody, config);
  const reloadConfig = async () => {
    try {
      const next = await loadConfig(options.configFile, options.overrides);
      if (JSON.stringify(next) !== JSON.stringify(config)) {
        config = next;
        planner = undefined;
        bodies = new BodyCache(readBody, config);
      }
    } catch (e) {
      options.log(`${(e as Error).message}\nkeeping the last good config`);
    }
  };

  const rebuildOnce = async (): Promise<RebuildReport> => {
    const started = performance.now();
    await reloadConfig();
    const names = pending;
    pending = new Set();
    const only = names === "all" ? "all" : seedsToRescan(options.seedsDir, names, index);
    const scan = await scanSeeds(options.seedsDir, index, { keepLastGood: true, ...(only === "all" ? {} : { only, ...(previousScan ? { previous: previousScan } : {}) }) });
    previousScan = scan;
    for (const d of scan.diagnostics) options.log(formatDiagnostic(d));
    let lock: { release(): void } | undefined;
    let staging: Staging | undefined;
    try {
      // When the scan names the articles that changed, only the files showing them are planned and produced.
      const kept = dist && planner && scan.delta ? { dist, change: planner.update(scan.metas, scan.delta.removed, scan.delta.added) } : undefined;
      const plan = kept ? undefined : (planner = new SitePlanner(config)).full(scan.metas);
      lock = lockDist(options.outDir);
      if (pool.broken) pool = new StagePool();
      staging = Staging.open(options.outDir, pool);
      const open = staging;
      const produceOptions: ProduceOptions = {
        config,
        siteKey: siteKeyOf(config),
        previous,
        versionOf: (m) => seedVersion(index, m),
        bodies,
        stage: (f) => open.write(f),
        levels: WATCH_COMPRESSION_LEVELS,
      };
      let next: SiteEntries;
      let update: DistUpdate;
      let changed: string[];
      if (kept) {
        const produced = await produceChange(kept.change, produceOptions);
        await staging.flush();
        // The entries are updated in place, so manifest.json is written from them, and only now: the
        // server reads this same map until the commit below swaps its site, in the same synchronous step.
        next = kept.dist;
        const replaced = next.apply(produced.changes);
        update = { changes: produced.changes, previous: replaced, files: next.sorted.length };
        changed = [...produced.changed, ...produced.gone];
      } else {
        const produced = await produceOutputs(plan!, produceOptions);
        await staging.flush();
        next = new SiteEntries(produced.entries);
        const { changes, gone } = changesFrom(produced.entries, previous);
        update = { changes, previous, files: produced.entries.length };
        changed = [...produced.changed, ...gone];
      }
      // The files land in dist/ and the server takes their manifest in one synchronous step: no request
      // is answered in between. manifest.json and _headers are written after that, while serving.
      const site = servedSite(options.outDir, next.byPath);
      await staging.commit(update, [
        { path: MANIFEST_PATH, bytes: serializeManifest(next.sorted, manifestMemo) },
        { path: HEADERS_FILE_PATH, bytes: headersFileChunks(next.sorted, headersMemo) },
      ], () => options.onSite(site));
      dist = next;
      previous = next.byPath;
      return { changed: scan.changed, removed: scan.removed, changedOutputs: changed.sort(), files: next.sorted.slice(), site, config, ms: performance.now() - started };
    } catch (e) {
      await staging?.abort();
      // What this rebuild saw is not (or not wholly) in dist/, or dist/ was busy: the next rebuild
      // looks at every seed and plans everything again, against dist/'s manifest as it is then.
      pending = "all";
      dist = undefined;
      planner = undefined;
      previous = readManifestEntries(manifestFile);
      throw e;
    } finally {
      lock?.release();
    }
  };

  // Rebuilds never overlap: a call during one queues exactly one more, which every later caller shares
  // (it starts after their change, so it sees it). Waiters must share the queued rebuild rather than
  // re-enter rebuild() after the running one ends: that found a newly started rebuild every time and
  // never resolved, while rebuilds ran back to back forever.
  let running: Promise<RebuildReport> | undefined;
  let queued: Promise<RebuildReport> | undefined;
  const rebuild = (): Promise<RebuildReport> => {
    if (queued) return queued;
    if (running) {
      const next = running.catch(() => undefined).then(() => {
        queued = undefined;
        return rebuild();
      });
      queued = next;
      return next;
    }
    const current = (async () => {
      try {
        const report = await rebuildOnce();
        options.onRebuild?.(report);
        return report;
      } finally {
        running = undefined;
      }
    })();
    running = current;
    return current;
  };
  const idle = async () => {
    while (queued ?? running) await (queued ?? running)!.catch(() => undefined);
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild().catch((e: Error) => options.log(`rebuild failed: ${e.message}`)), DEBOUNCE_MS);
  };
  const seedEvent = (name: string | null) => {
    if (name === null) pending = "all";
    else if (pending !== "all") pending.add(name);
    schedule();
  };

  try {
    await rebuild();
  } catch (e) {
    await pool.close();
    throw e;
  }
  const configPath = resolve(options.configFile ?? DEFAULT_CONFIG_FILE);
  // Watching folders, not files: editors that save by rename-and-replace swap the inode under a file watch.
  const watchers = [
    watchFolders(options.seedsDir, seedEvent),
    watch(dirname(configPath), (_event, name) => {
      if (name === basename(configPath)) schedule();
    }),
  ];
  return {
    rebuild,
    flushed: idle,
    close: async () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await idle();
      await pool.close();
    },
  };
}

/** The console line of a rebuild: what changed, how long it took, which feeds changed. */
export function describeRebuild(r: RebuildReport): string {
  const seeds = [...r.changed, ...r.removed.map((s) => `-${s}`)];
  // Kind "feed" is the feeds readers subscribe to (the site's and each tag's); archive pages have their own kind.
  const feedPaths = new Set(r.files.filter((f) => f.kind === "feed").map((f) => f.path));
  const feeds = r.changedOutputs.filter((p) => feedPaths.has(p));
  return (
    `rebuilt in ${r.ms.toFixed(0)} ms: ${seeds.length === 0 ? "no seed changed" : `${seeds.length} seed${seeds.length === 1 ? "" : "s"} changed (${seeds.slice(0, 3).join(", ")}${seeds.length > 3 ? ", …" : ""})`}` +
    `; ${r.changedOutputs.length} file${r.changedOutputs.length === 1 ? "" : "s"} changed; feeds changed: ${feeds.length > 0 ? feeds.join(", ") : "none"}`
  );
}

// Watch mode: file-system events → one debounced rebuild → a new site swapped into the server in one
// step → dist/ rewritten atomically in the background → WebSub pings for the feeds that changed.

import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { previousFromDist } from "../build.ts";
import { DEFAULT_CONFIG_FILE, loadConfig } from "../config.ts";
import { formatDiagnostic } from "../content/article.ts";
import { loadSeeds, type SeedCache } from "../content/load.ts";
import { WATCH_COMPRESSION_LEVELS } from "../output/compress.ts";
import { HEADERS_FILE_PATH, renderHeadersFile } from "../output/headers-file.ts";
import { MANIFEST_PATH, serializeManifest } from "../output/manifest.ts";
import { makeOutputSet, previousFromMemory, type PreviousBuild } from "../output/output-set.ts";
import { writeDist } from "../output/write-dist.ts";
import { renderSite } from "../render/site.ts";
import { servedSiteFromOutput, type ServedSite } from "../server/from-manifest.ts";
import type { Article, OutputFile, SiteConfig } from "../types.ts";

/** Long enough to fold an editor's save or a `git checkout` into one rebuild, short enough to feel instant. */
export const DEBOUNCE_MS = 60;

export interface RebuildReport {
  changed: string[];
  removed: string[];
  /** Output paths whose bytes changed (or appeared or vanished). */
  changedOutputs: string[];
  files: OutputFile[];
  site: ServedSite;
  config: SiteConfig;
  ms: number;
}

export interface WatchOptions {
  seedsDir: string;
  outDir: string;
  configFile?: string;
  overrides: Record<string, unknown>;
  /** Called with each new site, before dist/ is written: the server swaps to it. */
  onSite(site: ServedSite): void;
  /** Called after each rebuild (e.g. to ping a hub). */
  onRebuild?(report: RebuildReport): void;
  log(line: string): void;
}

export interface Watcher {
  /** Rebuilds now (tests and the first build use it); resolves when the new site is live. */
  rebuild(): Promise<RebuildReport>;
  /** Resolves when every queued dist/ write is done. */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

export async function startWatcher(options: WatchOptions): Promise<Watcher> {
  const seedCache: SeedCache = new Map();
  let config = await loadConfig(options.configFile, options.overrides);
  let configKey = JSON.stringify(config);
  let pageMemo = new WeakMap<Article, string>();
  // The dist/ watch mode starts from: the first rebuild reuses it and reports only what differs from it.
  const startDist = await previousFromDist(options.outDir);
  let previous: PreviousBuild = startDist;
  let previousFiles = new Map<string, string>();

  // dist/ writes run one at a time; a newer build replaces one still waiting.
  let writing: Promise<void> = Promise.resolve();
  let pendingWrite: OutputFile[] | undefined;
  const queueWrite = (files: OutputFile[]) => {
    const idle = pendingWrite === undefined;
    pendingWrite = files;
    if (!idle) return;
    writing = writing.then(async () => {
      const next = pendingWrite!;
      pendingWrite = undefined;
      try {
        await writeDist(options.outDir, next, [
          { path: MANIFEST_PATH, bytes: serializeManifest(next) },
          { path: HEADERS_FILE_PATH, bytes: renderHeadersFile(next) },
        ]);
      } catch (e) {
        options.log(`writing ${options.outDir}/ failed (the server keeps serving the new build): ${(e as Error).message}`);
      }
    });
  };

  const reloadConfig = async () => {
    try {
      config = await loadConfig(options.configFile, options.overrides);
    } catch (e) {
      options.log(`${(e as Error).message}\nkeeping the last good config`);
      return;
    }
    const key = JSON.stringify(config);
    if (key !== configKey) {
      configKey = key;
      pageMemo = new WeakMap(); // every page shows the config
    }
  };

  const rebuildOnce = async (): Promise<RebuildReport> => {
    const started = performance.now();
    await reloadConfig();
    const loaded = await loadSeeds(options.seedsDir, seedCache);
    for (const d of loaded.diagnostics) options.log(formatDiagnostic(d));
    const rendered = renderSite(loaded.articles, config, pageMemo);
    const files = await makeOutputSet(rendered, config, previous, WATCH_COMPRESSION_LEVELS);
    const shas = new Map(files.map((f) => [f.path, f.sha256]));
    const changedOutputs = [...new Set([...shas.keys(), ...previousFiles.keys()])].filter((p) => shas.get(p) !== (previousFiles.get(p) ?? startDist.entry(p)?.sha256)).sort();
    const site = servedSiteFromOutput(files);
    options.onSite(site);
    previous = previousFromMemory(files, rendered);
    previousFiles = shas;
    if (changedOutputs.length > 0) queueWrite(files);
    return { changed: loaded.changed, removed: loaded.removed, changedOutputs, files, site, config, ms: performance.now() - started };
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

  await rebuild();
  const configPath = resolve(options.configFile ?? DEFAULT_CONFIG_FILE);
  // Watching folders, not files: editors that save by rename-and-replace swap the inode under a file watch.
  const watchers: FSWatcher[] = [
    watch(options.seedsDir, { recursive: true }, schedule),
    watch(dirname(configPath), (_event, name) => {
      if (name === basename(configPath)) schedule();
    }),
  ];
  return {
    rebuild,
    flushed: async () => {
      await idle();
      await writing;
    },
    close: async () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await idle();
      await writing;
    },
  };
}

/** The console line of a rebuild: what changed, how long it took, which feeds changed. */
export function describeRebuild(r: RebuildReport): string {
  const seeds = [...r.changed, ...r.removed.map((s) => `-${s}`)];
  // One pass over the files: a first rebuild reports every output as changed.
  const feedPaths = new Set(r.files.filter((f) => f.kind === "feed").map((f) => f.path));
  const feeds = r.changedOutputs.filter((p) => feedPaths.has(p));
  return (
    `rebuilt in ${r.ms.toFixed(0)} ms: ${seeds.length === 0 ? "no seed changed" : `${seeds.length} seed${seeds.length === 1 ? "" : "s"} changed (${seeds.slice(0, 3).join(", ")}${seeds.length > 3 ? ", …" : ""})`}` +
    `; ${r.changedOutputs.length} file${r.changedOutputs.length === 1 ? "" : "s"} changed; feeds changed: ${feeds.length > 0 ? feeds.join(", ") : "none"}`
  );
}

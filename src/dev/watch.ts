// Watch mode: file-system events → one debounced rebuild of what changed (the pipeline's applyChange) →
// new files moved into dist/ and the new site handed over in the same step.

import { lstatSync, readdirSync, watch, type Dirent, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SerialRuns } from "../concurrency.ts";
import { DEFAULT_CONFIG_FILE, loadConfig } from "../config.ts";
import { formatDiagnostic } from "../content/article.ts";
import type { StreamVersions } from "../output/feed-versions.ts";
import { failureLine } from "../fs-errors.ts";
import type { ManifestEntry } from "../output/manifest.ts";
import { Pipeline } from "../pipeline.ts";
import type { SiteConfig } from "../types.ts";

/**
 * Long enough to fold an editor's save (a write and a rename, a millisecond apart) or a `git checkout`
 * (events a few ms apart) into one rebuild, short enough to feel instant. The timer starts again on
 * every event, so a longer burst only delays the rebuild; one that pauses longer gets a second rebuild.
 */
export const DEBOUNCE_MS = 25;

export interface RebuildReport {
  /** Seeds new or changed, and seeds gone. */
  changed: string[];
  removed: string[];
  /** Output paths whose bytes changed (or appeared or vanished). */
  changedOutputs: string[];
  files: ManifestEntry[];
  config: SiteConfig;
  ms: number;
}

export interface WatchOptions {
  seedsDir: string;
  outDir: string;
  configFile?: string;
  overrides: Record<string, unknown>;
  /** Versions of each head feed kept for RFC 3229 deltas (default 20; 0: none). */
  feedVersions?: number;
  /**
   * Called with dist/'s entries and the head feeds' versions right after a rebuild's files are in dist/,
   * in the same step: the server swaps to them there.
   */
  onFilesInPlace?(entries: ReadonlyMap<string, ManifestEntry>, feedVersions: ReadonlyMap<string, StreamVersions>): void;
  /** Called after each rebuild (e.g. to ping a hub). */
  onRebuild?(report: RebuildReport): void;
  log(line: string): void;
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

/** Builds once, then rebuilds on every change of the seeds or the config, one rebuild at a time. */
export class Watcher {
  /** Seeds the file watcher named since the last rebuild began; "all" after an event it could not name. */
  private pending: Set<string> | "all" = "all";
  private readonly rebuilds = new SerialRuns(() => this.rebuildOnce());
  private timer: NodeJS.Timeout | undefined;
  private watches: { close(): void }[] = [];

  private constructor(
    private readonly options: WatchOptions,
    private readonly pipeline: Pipeline,
  ) {}

  /** Resolves once the first build is in dist/ (a failing one rejects and leaves nothing running). */
  static async start(options: WatchOptions): Promise<Watcher> {
    const config = await loadConfig(options.configFile, options.overrides);
    const watcher = new Watcher(options, new Pipeline({ seedsDir: options.seedsDir, outDir: options.outDir, config, mode: "watch", ...(options.feedVersions !== undefined ? { feedVersions: options.feedVersions } : {}) }));
    try {
      await watcher.rebuild();
    } catch (e) {
      await watcher.pipeline.close();
      throw e;
    }
    watcher.watchFiles();
    return watcher;
  }

  /** Rebuilds now (tests use it); resolves when the new site is in dist/. */
  rebuild(): Promise<RebuildReport> {
    return this.rebuilds.run();
  }

  /** Resolves when no rebuild is running or queued. */
  flushed(): Promise<void> {
    return this.rebuilds.idle();
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    for (const w of this.watches) w.close();
    await this.flushed();
    await this.pipeline.close();
  }

  private watchFiles(): void {
    const configPath = resolve(this.options.configFile ?? DEFAULT_CONFIG_FILE);
    // Watching folders, not files: editors that save by rename-and-replace swap the inode under a file watch.
    this.watches = [
      watchFolders(this.options.seedsDir, (name) => {
        if (name === null) this.pending = "all";
        else if (this.pending !== "all") this.pending.add(name);
        this.schedule();
      }),
      watch(dirname(configPath), (_event, name) => {
        if (name === basename(configPath)) this.schedule();
      }),
    ];
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.rebuild().catch((e: unknown) => this.options.log(`rebuild failed: ${failureLine(e)}; still serving the last good build`)), DEBOUNCE_MS);
  }

  private async rebuildOnce(): Promise<RebuildReport> {
    const started = performance.now();
    try {
      this.pipeline.setConfig(await loadConfig(this.options.configFile, this.options.overrides));
    } catch (e) {
      this.options.log(`${(e as Error).message}\nkeeping the last good config`);
    }
    const names = this.pending;
    this.pending = new Set();
    const run = { onFilesInPlace: this.options.onFilesInPlace };
    const result = await (names === "all" ? this.pipeline.buildAll(run) : this.pipeline.applyChange(names, run));
    for (const d of result.diagnostics) this.options.log(formatDiagnostic(d));
    const report: RebuildReport = {
      changed: result.seedsChanged,
      removed: result.seedsRemoved,
      changedOutputs: result.changed,
      files: result.files,
      config: this.pipeline.currentConfig,
      ms: performance.now() - started,
    };
    this.options.onRebuild?.(report);
    return report;
  }
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

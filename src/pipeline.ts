// The pipeline: seeds → article metadata → site plan → output files → dist/. Two entry points, one
// path: `buildAll` looks at every seed and plans every file (`seedfeed build`, and watch mode when it
// cannot follow a change); `applyChange` looks at the seeds the file watcher named and plans only the
// files that show them (watch mode). Both scan, plan, produce and commit in the same steps, under the
// same lock, in the same order.

import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { cacheDirOf } from "./cache-dir.ts";
import { seedFormatOf } from "./content/parse.ts";
import { readArticle, seedVersion } from "./content/read-article.ts";
import { scanSeeds, type ScanResult } from "./content/scan.ts";
import { readSeedIndex, seedIndexFile, writeSeedIndex, type SeedIndex } from "./content/seed-index.ts";
import { COMPRESSION_LEVELS, WATCH_COMPRESSION_LEVELS } from "./output/compress.ts";
import { DEFAULT_FEED_VERSIONS, entryVersion, FeedVersionHistory, feedVersionsFile, type StreamVersions } from "./output/feed-versions.ts";
import { HEADERS_FILE_PATH, headersFileUnchanged, renderHeadersFile, type HeadersMemo } from "./output/headers-file.ts";
import { encodedDirOf, manifestFileOf, readManifestEntries, serializeManifest, SiteEntries, type ManifestEntry, type ManifestMemo } from "./output/manifest.ts";
import { BodyCache, changesOf, produceFiles, siteKeyOf, type ProduceOptions } from "./output/output-set.ts";
import { StagePool } from "./output/stage-pool.ts";
import { lockDist, recoverInterruptedSwap, type DistLock, Staging, type Descriptions, type DistUpdate } from "./output/write-dist.ts";
import { SitePlanner } from "./render/plan.ts";
import type { Diagnostic, ProgressReport, SiteConfig } from "./types.ts";

export interface PipelineOptions {
  seedsDir: string;
  outDir: string;
  config: SiteConfig;
  /**
   * "build": the seed index is read from and saved beside the output folder, and an invalid seed stops
   * the build unless told to keep going. "watch": everything a run learns is kept for the next in
   * memory, an invalid seed keeps its last good version, and feeds are compressed faster.
   */
  mode: "build" | "watch";
  /** Versions of each head feed kept beside the output folder for RFC 3229 deltas (0: none). */
  feedVersions?: number;
  progress?: ProgressReport;
}

export interface RunOptions {
  /** Write the valid seeds even when others are invalid (watch mode always does). */
  keepGoing?: boolean;
  /**
   * Runs right after the new files are in dist/, in the same synchronous step (watch mode swaps its server
   * there), with dist/'s entries and the head feeds' versions that include the new ones.
   */
  onFilesInPlace?(entries: ReadonlyMap<string, ManifestEntry>, feedVersions: ReadonlyMap<string, StreamVersions>): void;
}

export interface RunResult {
  articles: number;
  diagnostics: Diagnostic[];
  /** False when an invalid seed stopped the build: dist/ was not touched. */
  written: boolean;
  /** Every file of the site, in path order (empty when nothing was written). */
  files: ManifestEntry[];
  /** Output paths whose bytes changed, appeared or vanished. */
  changed: string[];
  /** Seeds new or changed since the last run, and seeds gone. */
  seedsChanged: string[];
  seedsRemoved: string[];
}

/** What the last run planned, which a change updates; kept only while the config stays the same. */
interface Followed {
  scan: ScanResult;
  planner: SitePlanner;
}

export class Pipeline {
  private config: SiteConfig;
  private bodies: BodyCache;
  private readonly index: SeedIndex = new Map();
  private indexLoaded = false;
  /** dist/'s entries as this pipeline's last commit left them; undefined: read manifest.json. */
  private site: SiteEntries | undefined;
  private followed: Followed | undefined;
  /** The head feeds' recent versions; undefined: read the file beside the output folder. */
  private history: FeedVersionHistory | undefined;
  /** Watch mode: the encoded manifest runs and _headers of the last commit, reused where nothing changed. */
  private readonly memos: { manifest: ManifestMemo; headers: HeadersMemo } | undefined;
  private pool: StagePool | undefined;

  constructor(private readonly options: PipelineOptions) {
    this.config = options.config;
    this.bodies = this.newBodyCache();
    this.memos = options.mode === "watch" ? { manifest: new Map(), headers: {} } : undefined;
  }

  get currentConfig(): SiteConfig {
    return this.config;
  }

  /** A new config makes every file's key new: the plan and the bodies read for the old one go. */
  setConfig(config: SiteConfig): void {
    if (JSON.stringify(config) === JSON.stringify(this.config)) return;
    this.config = config;
    this.bodies = this.newBodyCache();
    this.followed = undefined;
  }

  /** Looks at every seed and plans every file. */
  buildAll(options: RunOptions = {}): Promise<RunResult> {
    return this.run("all", options);
  }

  /**
   * Looks again only at the seeds among `names` (paths relative to the seeds folder, as the file watcher
   * reports them) and makes only the files that show them; everything, when the last run cannot be
   * followed (none yet, a failure, a new config, a folder event, two seeds with one id).
   */
  applyChange(names: ReadonlySet<string>, options: RunOptions = {}): Promise<RunResult> {
    return this.run(names, options);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private newBodyCache(): BodyCache {
    return new BodyCache((m) => readArticle(this.options.seedsDir, this.index, m), this.config);
  }

  /** After a failure, what was kept may not be what dist/ holds: the next run starts from dist/'s manifest. */
  private forget(): void {
    this.site = undefined;
    this.followed = undefined;
    this.history = undefined;
  }

  private async run(names: ReadonlySet<string> | "all", options: RunOptions): Promise<RunResult> {
    const { outDir } = this.options;
    // A failed first build leaves no cache folder behind (nor, by the lock and the staging's own
    // clean-up, anything else that was not there before: no lock, no parent folders it made), though
    // the scan saved its seed index there.
    const hadCache = existsSync(cacheDirOf(outDir));
    const dropNewCache = () => quietly(() => hadCache || rmSync(cacheDirOf(outDir), { recursive: true, force: true }));
    let lock: DistLock | undefined;
    let failed = true;
    try {
      lock = lockDist(outDir);
      // Before dist/ is read as the previous build: a build killed mid-swap left the last good dist/ beside it.
      recoverInterruptedSwap(outDir);
      // Started before the scan (or replaced, if a worker died): workers take about 0.2 s to start.
      if (!this.pool || this.pool.broken) this.pool = new StagePool();
      const scan = await this.scan(names);
      const result = { articles: scan.metas.length, diagnostics: scan.diagnostics, seedsChanged: scan.changed, seedsRemoved: scan.removed };
      const keepGoing = options.keepGoing || this.options.mode === "watch";
      if (!keepGoing && scan.diagnostics.some((d) => d.severity === "error")) {
        await dropNewCache(); // and, as `failed` stays true, the parent folders the lock made
        return { ...result, written: false, files: [], changed: [] };
      }
      const { site, changed } = await this.produceAndCommit(scan, this.pool, options);
      failed = false;
      return { ...result, written: true, files: site.sorted.slice(), changed };
    } catch (e) {
      this.forget();
      // Out of open files, the clean-up needs the descriptors the stage workers hold: they stop first.
      await quietly(() => this.pool?.close());
      await dropNewCache();
      throw e;
    } finally {
      if (lock && failed) await quietly(() => lock!.release(true));
      else lock?.release(false);
    }
  }

  private async scan(names: ReadonlySet<string> | "all"): Promise<ScanResult> {
    const { seedsDir, outDir, mode, progress } = this.options;
    if (mode === "build" && !this.indexLoaded) {
      for (const [k, v] of readSeedIndex(outDir, seedsDir)) this.index.set(k, v);
      this.indexLoaded = true;
    }
    const only = names === "all" || !this.followed ? "all" : seedsToRescan(seedsDir, names, this.index);
    const scan = await scanSeeds(seedsDir, this.index, {
      keepLastGood: mode === "watch",
      ...(only === "all" ? {} : { only, previous: this.followed!.scan }),
      progress,
    });
    // Saved only when it changed: at 100,000 articles it is about 70 MB.
    if (mode === "build" && (scan.indexChanged || !existsSync(seedIndexFile(outDir)))) await writeSeedIndex(outDir, seedsDir, this.index);
    return scan;
  }

  private async produceAndCommit(scan: ScanResult, pool: StagePool, options: RunOptions): Promise<{ site: SiteEntries; changed: string[] }> {
    const { outDir, mode, progress } = this.options;
    const staging = Staging.open(outDir, pool);
    try {
      // The manifest describes dist/ only while dist/ is there: deleting dist/ must cost only time.
      const previous = this.site?.byPath ?? (existsSync(outDir) ? readManifestEntries(manifestFileOf(outDir)) : new Map<string, ManifestEntry>());
      const produce: ProduceOptions = {
        config: this.config,
        siteKey: siteKeyOf(this.config),
        previous,
        versionOf: (m) => seedVersion(this.index, m),
        bodies: this.bodies,
        stage: (f) => staging.write(f),
        levels: mode === "watch" ? WATCH_COMPRESSION_LEVELS : COMPRESSION_LEVELS,
        progress,
      };
      // When the scan names the articles that changed, only the files showing them are planned and produced.
      const change = this.followed && this.site && scan.delta ? this.followed.planner.update(scan.metas, scan.delta.removed, scan.delta.added) : undefined;
      const planner = change ? this.followed!.planner : new SitePlanner(this.config);
      const files = change ? change.fresh : planner.full(scan.metas);
      const produced = await produceFiles(files, produce);
      await staging.flush();
      let site: SiteEntries;
      let update: DistUpdate;
      let gone: string[];
      if (change) {
        gone = change.gone.filter((p) => previous.has(p));
        const changes = changesOf(produced.entries, gone, previous);
        // In place: the server reads this same map until the commit swaps its site, in one synchronous step.
        site = this.site!;
        update = { changes, previous: site.apply(changes), files: site.sorted.length };
      } else {
        site = SiteEntries.of(produced.entries);
        gone = [...previous.keys()].filter((p) => !site.byPath.has(p));
        update = { changes: changesOf(produced.entries, gone, previous), previous, files: site.sorted.length };
      }
      const history = (this.history ??= FeedVersionHistory.read(outDir, this.options.feedVersions ?? DEFAULT_FEED_VERSIONS));
      const versionsChanged = history.record(files, produced.entries, gone, !change, (m) => entryVersion(produce.siteKey, produce.versionOf(m)));
      await staging.commit(update, this.descriptions(site, update), () => options.onFilesInPlace?.(site.byPath, history.byStream));
      // After the commit: the versions describe files readers can now be served.
      if (versionsChanged || (history.keep > 0 && !existsSync(feedVersionsFile(outDir)))) await history.write(outDir);
      // After a whole plan, the variants folder keeps only what the site names (an applied change leaves
      // the few it replaced to the next whole plan: listing a large folder costs more than they do).
      if (!change) removeUnusedVariants(outDir, site.sorted);
      this.site = site;
      this.followed = { scan, planner };
      return { site, changed: [...produced.written, ...gone].sort() };
    } catch (e) {
      // The workers stop once their writes are done (out of open files, the clean-up needs theirs).
      await quietly(async () => {
        await staging.flush();
        await pool.close();
      });
      await quietly(() => staging.abort());
      throw e;
    }
  }

  /** manifest.json and _headers: they describe the other files, so the commit writes them last. */
  private descriptions(site: SiteEntries, update: DistUpdate): Descriptions {
    const headers = this.memos?.headers;
    const kept = headers ? undefined : keptHeadersFile(this.options.outDir, site, update);
    return {
      headers: { path: HEADERS_FILE_PATH, bytes: kept ?? madeWhenRead(() => renderHeadersFile(site.sorted, headers)) },
      manifest: serializeManifest(site.sorted, this.memos?.manifest),
    };
  }
}

/**
 * Clean-up after a failure: a fault while cleaning up (the same full disk, the same read-only folder)
 * must not hide the fault being reported.
 */
async function quietly(clean: () => unknown): Promise<void> {
  try {
    await clean();
  } catch {
    // the first error is the one the user needs
  }
}

/** One chunk, made only when the commit comes to write it: in watch mode, after the swap. */
function* madeWhenRead(make: () => string): Generator<string> {
  yield make();
}

/**
 * dist/_headers as the previous build left it, when it still holds: some file was carried over (so that
 * build ran this code with this config) and no file's header rules changed. Watch mode keeps a memo instead.
 */
function keptHeadersFile(outDir: string, site: SiteEntries, update: DistUpdate): Buffer | undefined {
  const file = join(outDir, HEADERS_FILE_PATH);
  if (update.changes.size >= site.sorted.length || !headersFileUnchanged(update.changes, update.previous) || !existsSync(file)) return undefined;
  return readFileSync(file);
}

/** Removes the variants no entry names: those of files changed or gone since they were made. */
function removeUnusedVariants(outDir: string, entries: readonly ManifestEntry[]): void {
  const used = new Set<string>();
  for (const e of entries) {
    if (e.br) used.add(e.br.path);
    if (e.gzip) used.add(e.gzip.path);
  }
  const dir = encodedDirOf(outDir);
  for (const name of readdirSync(dir)) if (!used.has(name)) rmSync(join(dir, name), { force: true });
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

export interface BuildOptions {
  seedsDir: string;
  outDir: string;
  config: SiteConfig;
  /** Versions of each head feed kept for RFC 3229 deltas (default 20; 0: none). */
  feedVersions?: number;
  /** Write the valid seeds even when others are invalid. */
  keepGoing?: boolean;
  /** Called as the build goes (at most a few times a second is the caller's business). */
  progress?: ProgressReport;
}

/** `seedfeed build`: one whole build into the output folder. */
export async function build(options: BuildOptions): Promise<RunResult> {
  const pipeline = new Pipeline({ ...options, mode: "build" });
  try {
    return await pipeline.buildAll({ keepGoing: options.keepGoing ?? false });
  } finally {
    await pipeline.close();
  }
}

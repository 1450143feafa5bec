// seeds/ → article metadata + diagnostics: lists the folder, brings the seed index up to date (a seed
// is read only when its stat stamp moved) and reports duplicate ids. Never throws for bad input.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { isResourceLimit } from "../fs-errors.ts";
import { sha256 } from "../hash.ts";
import type { Article, ArticleMeta, Diagnostic, ProgressReport } from "../types.ts";
import { byFileAndLine, newestFirst } from "./article.ts";
import { parseSeedBytes, parseSeedMeta, seedError, seedFormatOf } from "./parse.ts";
import { readSeedFile, SeedReadError } from "./read-seed.ts";
import { applyScanDelta, metasBefore, type ScanDelta, type ScanListing } from "./scan-delta.ts";
import { effectiveMeta, recordDiagnostics, type SeedIndex } from "./seed-index.ts";

export interface LoadResult {
  /** Newest first. */
  articles: Article[];
  diagnostics: Diagnostic[];
}

export interface ScanResult extends ScanListing {
  /** Newest first, duplicates removed. Bodies are read again on demand by `readArticle`. */
  metas: ArticleMeta[];
  /** Seeds new or with changed bytes since the index was filled (all seeds with an empty index). */
  changed: string[];
  /** Seeds in the index that are gone. */
  removed: string[];
  /** False when the index is exactly as it was: nothing to save. */
  indexChanged: boolean;
  /**
   * The ids of `metas`, or undefined when two seeds share one (then a later scan starts over). A scan
   * given this result as `previous` takes the set over and updates it.
   */
  ids?: Set<string>;
  /** Set when this result was updated from `previous`: the metadata objects that went and came. */
  delta?: ScanDelta;
}

/**
 * Seed files under `dir`, relative, with forward slashes, in code-point order, and a warning for each
 * other file. Dotfiles are skipped. Anything with a seed's name that is not a folder is a seed: a
 * symbolic link (a dangling one is then reported as unreadable, not silently dropped), and a FIFO,
 * socket or device, which the read refuses by name. Linked folders are not followed: a link cycle
 * would never end.
 */
function listSeedFiles(dir: string): { seeds: string[]; warnings: Diagnostic[] } {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  const seeds: string[] = [];
  const warnings: Diagnostic[] = [];
  // Each folder's name relative to dir, worked out once per folder: relative() of every file was most of a listing.
  const folders = new Map<string, string>();
  for (const e of entries) {
    if (e.isDirectory()) continue;
    const parent = e.parentPath ?? (e as unknown as { path: string }).path;
    let folder = folders.get(parent);
    // relative(), not slicing off dir.length: "seeds/", "./seeds" and "seeds" must all give the same names.
    if (folder === undefined) folders.set(parent, (folder = relative(dir, parent).split("\\").join("/")));
    const name = e.name.includes("\\") ? e.name.split("\\").join("/") : e.name;
    const rel = folder === "" ? name : `${folder}/${name}`;
    if (!isSeedCandidate(rel)) continue;
    if (e.isSymbolicLink() && isFolder(join(dir, rel))) {
      warnings.push({ severity: "warning", file: rel, message: "ignored: a link to a folder is not followed (move the folder in, or link its files)" });
    } else if (seedFormatOf(rel)) {
      seeds.push(rel);
    } else {
      warnings.push({ severity: "warning", file: rel, message: "ignored: a seed is a .txt or .md file" });
    }
  }
  return { seeds: seeds.sort(byCodePoint), warnings };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Hidden files and folders and editor backups are never seeds, nor worth a warning. */
function isSeedCandidate(rel: string): boolean {
  return !rel.split("/").some((part) => part.startsWith(".")) && !rel.endsWith("~");
}

/**
 * A copy of `s` that does not share memory with the text it was cut from. V8 keeps a substring as a
 * view of its parent string: titles (and then summaries) kept for 100,000 articles kept every seed's
 * whole text alive (3.4 KB per article instead of about 0.8 KB, measured).
 */
function detached(s: string): string {
  // A fresh flat string: a slice of a copy (the obvious trick) is still a view, of the copy, 32 bytes more.
  return Buffer.from(s, "utf8").toString("utf8");
}

function metaOf(a: ArticleMeta): ArticleMeta {
  return {
    id: detached(a.id),
    source: a.source,
    title: detached(a.title),
    published: a.published,
    updated: a.updated,
    ...(a.author !== undefined ? { author: detached(a.author) } : {}),
    tags: a.tags.map(detached),
    ...(a.headerNumber !== undefined ? { headerNumber: a.headerNumber } : {}),
  };
}

/**
 * Brings one seed's record up to date. Synchronous on purpose: on this kind of disk a read through
 * the thread pool costs several times a synchronous one, and the scan yields between batches.
 * `keep` receives the whole article when the seed was parsed; without it only the metadata is made.
 */
function refreshRecord(dir: string, source: string, index: SeedIndex, keep?: (a: Article) => void): "same" | "restamped" | "changed" {
  const path = join(dir, source);
  const cached = index.get(source);
  let stamp = "";
  let sha = "";
  let result: { meta?: ArticleMeta; diagnostics: Diagnostic[] };
  try {
    const st = statSync(path);
    stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (cached && cached.stamp === stamp && !keep) return "same";
    const bytes = readSeedFile(path);
    sha = sha256(bytes);
    if (cached && cached.sha256 === sha && !keep) {
      cached.stamp = stamp;
      return "restamped";
    }
    if (keep) {
      const { article, diagnostics } = parseSeedBytes(source, bytes);
      if (article) keep(article);
      result = { ...(article ? { meta: article } : {}), diagnostics };
    } else {
      result = parseSeedMeta(source, bytes);
    }
  } catch (e) {
    if (isResourceLimit(e)) throw e; // too many open files is the process's fault, not the seed's
    result = seedError(source, e instanceof SeedReadError ? e.message : `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lastGood = result.meta ? undefined : cached?.meta ? { meta: cached.meta, sha256: cached.sha256 } : cached?.lastGood;
  const same = cached !== undefined && cached.sha256 === sha && sha !== "";
  index.set(source, {
    stamp,
    sha256: sha,
    ...(result.meta ? { meta: metaOf(result.meta) } : {}),
    diagnostics: result.diagnostics,
    ...(lastGood ? { lastGood } : {}),
  });
  return same ? "restamped" : "changed";
}

/** Seeds are read in batches; between them the event loop runs (watch mode serves while it scans). */
const SCAN_BATCH = 256;

export interface ScanOptions {
  /**
   * Only these seeds are looked at, without listing the folder (watch mode: the seeds the file watcher
   * named). Absent: every seed is listed and statted.
   */
  only?: readonly string[];
  /** An invalid seed keeps its last good version, with a warning, until it is fixed (watch mode). */
  keepLastGood?: boolean;
  /** Receives each parsed article whole (loadSeeds keeps them; the build keeps none). */
  keep?: (a: Article) => void;
  /**
   * The previous scan of this index. With `only`, its result is updated for the named seeds (an edit in
   * a site of 100,000 seeds costs a few binary searches, not a sort); it must not be used again.
   */
  previous?: ScanResult;
  progress?: ProgressReport;
}

/**
 * Scans `dir` and updates `index` (an empty Map for a first or clean scan). All problems are collected;
 * none stops the others. Never throws for bad input; throws the system error when the folder itself
 * cannot be listed or the process runs out of open files.
 */
export async function scanSeeds(dir: string, index: SeedIndex, options: ScanOptions = {}): Promise<ScanResult> {
  let sources: readonly string[];
  let listingWarnings: Diagnostic[] = [];
  const removed: string[] = [];
  if (options.only) {
    sources = [...new Set(options.only)].filter((s) => isSeedCandidate(s) && seedFormatOf(s)).sort(byCodePoint);
  } else {
    // A seeds folder that cannot be listed (missing, unreadable, a file) is not a bad seed: the system
    // error (with its path) goes to the caller, and the CLI says what to do.
    ({ seeds: sources, warnings: listingWarnings } = listSeedFiles(dir));
    const present = new Set(sources);
    for (const k of index.keys()) if (!present.has(k)) removed.push(k);
  }
  const changed: string[] = [];
  let restamped = false;
  const before = options.only && options.previous ? metasBefore(index, sources, options.keepLastGood) : undefined;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    if (options.only && !existsSync(join(dir, source))) {
      if (index.has(source)) removed.push(source);
    } else {
      const outcome = refreshRecord(dir, source, index, options.keep);
      if (outcome === "changed") changed.push(source);
      else if (outcome === "restamped") restamped = true;
    }
    if (i % SCAN_BATCH === SCAN_BATCH - 1) {
      options.progress?.("reading seeds", i + 1, sources.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  removed.sort(byCodePoint);
  for (const k of removed) index.delete(k);
  const indexChanged = changed.length > 0 || removed.length > 0 || restamped;
  if (before) {
    const updated = applyScanDelta(options.previous!, index, before, options.keepLastGood);
    if (updated) return { ...updated, changed: changed.sort(byCodePoint), removed, indexChanged };
  }
  const diagnostics = listingWarnings;
  const parsed: ArticleMeta[] = [];
  for (const record of index.values()) {
    const own = recordDiagnostics(record, options.keepLastGood);
    if (own.length > 0) diagnostics.push(...own);
    const meta = effectiveMeta(record, options.keepLastGood);
    if (meta) parsed.push(meta);
  }
  const { metas, ids } = withoutDuplicateIds(parsed, diagnostics);
  return {
    metas: metas.sort(newestFirst),
    diagnostics: diagnostics.sort(byFileAndLine),
    changed: changed.sort(byCodePoint),
    removed,
    indexChanged,
    ...(ids ? { ids } : {}),
  };
}

/** Reads and parses every seed in `dir`, bodies included: for small sites and for tests. */
export async function loadSeeds(dir: string): Promise<LoadResult> {
  const bodies = new Map<string, Article>();
  const { metas, diagnostics } = await scanSeeds(dir, new Map(), { keep: (a) => bodies.set(a.source, a) });
  return { articles: metas.map((m) => bodies.get(m.source)!), diagnostics };
}

/** Two seeds with one identity are both errors: neither can be chosen without guessing. */
function withoutDuplicateIds(articles: ArticleMeta[], diagnostics: Diagnostic[]): { metas: ArticleMeta[]; ids?: Set<string> } {
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const a of articles) {
    if (seen.has(a.id)) duplicated.add(a.id);
    else seen.add(a.id);
  }
  if (duplicated.size === 0) return { metas: articles, ids: seen };
  for (const id of duplicated) {
    const group = articles.filter((a) => a.id === id);
    for (const a of group) {
      const others = group.filter((o) => o !== a).map((o) => o.source).sort(byCodePoint).join(", ");
      const markdown = seedFormatOf(a.source) === "markdown";
      const fix = markdown ? ': rename one of them, or give it its own "id" in the front matter' : "";
      diagnostics.push({ severity: "error", file: a.source, line: markdown ? 1 : undefined, message: `identity "${id}" is also used by ${others}${fix}` });
    }
  }
  return { metas: articles.filter((a) => !duplicated.has(a.id)) };
}

// seeds/ → Article[] + Diagnostic[]. Reads files; never throws for bad input.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { sha256 } from "../hash.ts";
import type { Article, ArticleMeta, Diagnostic, ProgressReport } from "../types.ts";
import { byFileAndLine, newestFirst, newestFirstIndex } from "./article.ts";
import type { SeedIndex, SeedRecord } from "./seed-index.ts";
import { parseSeedMarkdown } from "./seed-markdown.ts";
import { parseSeedText, type ParseResult } from "./seed-text.ts";
import { decodeUtf8, hasXmlInvalidChars, removeXmlInvalidChars, splitLines } from "./text.ts";

/** Larger than any article (the shipped seed is 2.6 KB); keeps a stray binary or log file out of the feeds. */
export const MAX_SEED_BYTES = 1024 * 1024;

export interface LoadResult {
  /** Newest first. */
  articles: Article[];
  diagnostics: Diagnostic[];
}


export interface ScanResult {
  /** Newest first, duplicates removed. Bodies are read again, one page at a time, by `readArticle`. */
  metas: ArticleMeta[];
  diagnostics: Diagnostic[];
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
  /**
   * Set when this result was updated from `previous`: the metadata objects taken out of `metas` and
   * those put in (an edited seed is both). Watch mode plans only what they touch.
   */
  delta?: { removed: ArticleMeta[]; added: ArticleMeta[] };
}

type SeedFormat = "text" | "markdown";

export function seedFormatOf(name: string): SeedFormat | undefined {
  if (/\.txt$/i.test(name)) return "text";
  if (/\.(md|markdown)$/i.test(name)) return "markdown";
  return undefined;
}

/** Parses one seed's bytes. Pure: the same bytes and name give the same result. */
function seedError(source: string, message: string, line?: number): ParseResult {
  return { diagnostics: [{ severity: "error", file: source, line, message }] };
}

function tooLarge(source: string, size: number): ParseResult {
  return seedError(source, `is ${size} bytes; a seed may be at most ${MAX_SEED_BYTES} bytes (1 MiB)`);
}

export function parseSeedBytes(source: string, bytes: Uint8Array): ParseResult {
  if (bytes.byteLength > MAX_SEED_BYTES) return tooLarge(source, bytes.byteLength);
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return seedError(source, decoded.message, decoded.line);
  let text = decoded.text;
  const warnings: Diagnostic[] = [];
  if (hasXmlInvalidChars(text)) {
    const line = splitLines(text).findIndex(hasXmlInvalidChars) + 1;
    text = removeXmlInvalidChars(text);
    warnings.push({ severity: "warning", file: source, line, message: "control characters that XML and HTML cannot carry were removed" });
  }
  const result = seedFormatOf(source) === "markdown" ? parseSeedMarkdown(source, text) : parseSeedText(source, text);
  return { ...result, diagnostics: [...warnings, ...result.diagnostics] };
}

/** Seed files under `dir`, relative, with forward slashes, in code-point order. Dotfiles are skipped. */
function listSeedFiles(dir: string): { seeds: string[]; ignored: string[] } {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  const seeds: string[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    // A symlinked seed is a seed (a dangling link is then reported as unreadable, not silently dropped).
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    // relative(), not slicing off dir.length: "seeds/", "./seeds" and "seeds" must all give the same names.
    const rel = relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split("\\").join("/");
    if (!isSeedCandidate(rel)) continue;
    (seedFormatOf(rel) ? seeds : ignored).push(rel);
  }
  return { seeds: seeds.sort(byCodePoint), ignored: ignored.sort(byCodePoint) };
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

function metaOf(a: Article): ArticleMeta {
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
 * `keep` receives the whole article when the seed was parsed.
 */
function refreshRecord(dir: string, source: string, index: SeedIndex, keep?: (a: Article) => void): "same" | "restamped" | "changed" {
  const path = join(dir, source);
  const cached = index.get(source);
  let stamp = "";
  let sha = "";
  let result: ParseResult;
  try {
    const st = statSync(path);
    stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    if (cached && cached.stamp === stamp && !keep) return "same";
    if (st.size > MAX_SEED_BYTES) {
      result = tooLarge(source, st.size); // without reading it
    } else {
      const bytes = readFileSync(path);
      sha = sha256(bytes);
      if (cached && cached.sha256 === sha && !keep) {
        cached.stamp = stamp;
        return "restamped";
      }
      result = parseSeedBytes(source, bytes);
    }
  } catch (e) {
    result = seedError(source, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (result.article) keep?.(result.article);
  const lastGood = result.article ? undefined : cached?.meta ? { meta: cached.meta, sha256: cached.sha256 } : cached?.lastGood;
  const same = cached !== undefined && cached.sha256 === sha && sha !== "";
  index.set(source, {
    stamp,
    sha256: sha,
    ...(result.article ? { meta: metaOf(result.article) } : {}),
    diagnostics: result.diagnostics,
    ...(lastGood ? { lastGood } : {}),
  });
  return same ? "restamped" : "changed";
}

/** Seeds are read in batches; between them the event loop runs (watch mode serves while it scans). */
const SCAN_BATCH = 256;

export interface ScanOptions {
  /**
   * Watch mode: the seeds the file watcher named. Only these are looked at, without listing the folder.
   * Absent: every seed is listed and statted.
   */
  only?: readonly string[];
  /** Watch mode: an invalid seed keeps its last good version, with a warning, until it is fixed. */
  keepLastGood?: boolean;
  /** Receives each parsed article whole (loadSeeds keeps them; the build keeps none). */
  keep?: (a: Article) => void;
  /**
   * Watch mode: the previous scan of this index. With `only`, its result is updated for the named seeds
   * (an edit in a site of 100,000 seeds costs a few binary searches, not a sort); it must not be used again.
   */
  previous?: ScanResult;
  progress?: ProgressReport;
}

/**
 * Scans `dir` and updates `index` (an empty Map for a first or clean scan). All problems are collected;
 * none stops the others. Never throws for bad input.
 */
export async function scanSeeds(dir: string, index: SeedIndex, options: ScanOptions = {}): Promise<ScanResult> {
  let sources: readonly string[];
  let ignored: string[] = [];
  const removed: string[] = [];
  if (options.only) {
    sources = [...new Set(options.only)].filter((s) => isSeedCandidate(s) && seedFormatOf(s)).sort(byCodePoint);
  } else {
    try {
      ({ seeds: sources, ignored } = listSeedFiles(dir));
    } catch (e) {
      return { metas: [], diagnostics: [{ severity: "error", file: dir, message: `cannot read the seeds folder: ${(e as Error).message}` }], changed: [], removed: [], indexChanged: false };
    }
    const present = new Set(sources);
    for (const k of index.keys()) if (!present.has(k)) removed.push(k);
  }
  const changed: string[] = [];
  let restamped = false;
  // What each named seed showed before (watch mode): the previous result is updated from these.
  const before = new Map<string, ArticleMeta | undefined>();
  if (options.only && options.previous) for (const source of sources) before.set(source, effectiveMeta(index.get(source), options.keepLastGood));
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
  if (options.only && options.previous) {
    const updated = updateScan(options.previous, index, before, options.keepLastGood);
    if (updated) return { ...updated, changed: changed.sort(byCodePoint), removed, indexChanged };
  }
  const diagnostics: Diagnostic[] = ignored.map((file) => ({ severity: "warning" as const, file, message: "ignored: a seed is a .txt or .md file" }));
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

/** What a record puts into the site: its article, or in watch mode the last version that parsed. */
function effectiveMeta(record: SeedRecord | undefined, keepLastGood: boolean | undefined): ArticleMeta | undefined {
  return record?.meta ?? (keepLastGood ? record?.lastGood?.meta : undefined);
}

/** The diagnostics a record adds to a scan (its own, and the note that its last good version stays). */
function recordDiagnostics(record: SeedRecord, keepLastGood: boolean | undefined): Diagnostic[] {
  if (record.meta || !record.lastGood || !keepLastGood) return record.diagnostics;
  return [...record.diagnostics, { severity: "warning", file: record.lastGood.meta.source, message: "the last good version stays in the feeds until this seed is fixed" }];
}

/**
 * The previous scan's result with the named seeds' old articles taken out and their new ones put in
 * their places; undefined when ids collide (the full scan then reports the duplicates).
 */
function updateScan(previous: ScanResult, index: SeedIndex, before: ReadonlyMap<string, ArticleMeta | undefined>, keepLastGood: boolean | undefined): Pick<ScanResult, "metas" | "diagnostics" | "ids" | "delta"> | undefined {
  const ids = previous.ids;
  if (!ids) return undefined;
  const metas = previous.metas.slice();
  const after = new Map<string, ArticleMeta | undefined>();
  const removed: ArticleMeta[] = [];
  const added: ArticleMeta[] = [];
  for (const [source, old] of before) {
    const now = effectiveMeta(index.get(source), keepLastGood);
    if (now === old) continue;
    after.set(source, now);
    if (!old) continue;
    removed.push(old);
    const at = newestFirstIndex(metas, old);
    if (metas[at] !== old) return undefined; // not listed: it was a duplicate after all
    metas.splice(at, 1);
    ids.delete(old.id);
  }
  for (const now of after.values()) {
    if (!now) continue;
    if (ids.has(now.id)) return undefined;
    ids.add(now.id);
    added.push(now);
    metas.splice(newestFirstIndex(metas, now), 0, now);
  }
  const diagnostics = previous.diagnostics.filter((d) => !before.has(d.file));
  for (const source of before.keys()) {
    const record = index.get(source);
    if (record) diagnostics.push(...recordDiagnostics(record, keepLastGood));
  }
  return { metas, diagnostics: diagnostics.sort(byFileAndLine), ids, delta: { removed, added } };
}

/** Reads and parses every seed in `dir`, bodies included: for small sites and for tests. */
export async function loadSeeds(dir: string): Promise<LoadResult> {
  const bodies = new Map<string, Article>();
  const { metas, diagnostics } = await scanSeeds(dir, new Map(), { keep: (a) => bodies.set(a.source, a) });
  return { articles: metas.map((m) => bodies.get(m.source)!), diagnostics };
}

/** Thrown when a seed's bytes differ from what the scan saw: the build stops and leaves dist/ alone. */
export class SeedChangedError extends Error {}

/** The version of a scanned article that the outputs show: the sha-256 of its seed (or of its last good version). */
export function seedVersion(index: SeedIndex, meta: ArticleMeta): string {
  const record = index.get(meta.source)!;
  return record.meta ? record.sha256 : record.lastGood!.sha256;
}

/** The whole article for a scanned seed: its bytes read again and checked against the index. */
export function readArticle(dir: string, index: SeedIndex, meta: ArticleMeta): Article {
  const record = index.get(meta.source);
  if (record && !record.meta && record.lastGood) {
    throw new SeedChangedError(`${meta.source} is invalid: its last good version stays served, but pages that show it are rendered again only once it is fixed`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, meta.source));
  } catch (e) {
    throw new SeedChangedError(`${meta.source} vanished during the build (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); build again`);
  }
  if (!record || sha256(bytes) !== record.sha256) throw new SeedChangedError(`${meta.source} changed during the build; build again`);
  const article = parseSeedBytes(meta.source, bytes).article;
  if (!article) throw new SeedChangedError(`${meta.source} no longer parses; build again`);
  return article;
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
      diagnostics.push({ severity: "error", file: a.source, line: a.source.endsWith(".txt") ? undefined : 1, message: `identity "${id}" is also used by ${others}` });
    }
  }
  return { metas: articles.filter((a) => !duplicated.has(a.id)) };
}

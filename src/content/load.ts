// seeds/ → Article[] + Diagnostic[]. Reads files; never throws for bad input.

import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { mapLimit } from "../concurrency.ts";
import type { Article, Diagnostic } from "../types.ts";
import { byFileAndLine, newestFirst } from "./article.ts";
import { parseSeedMarkdown } from "./seed-markdown.ts";
import { parseSeedText, type ParseResult } from "./seed-text.ts";
import { decodeUtf8, hasXmlInvalidChars, removeXmlInvalidChars, splitLines } from "./text.ts";

/** Larger than any article (the shipped seed is 2.6 KB); keeps a stray binary or log file out of the feeds. */
export const MAX_SEED_BYTES = 1024 * 1024;
const READ_CONCURRENCY = 32;

export interface LoadResult {
  articles: Article[];
  diagnostics: Diagnostic[];
  /** Seeds new or with changed bytes since the cache was filled (all seeds without a cache). */
  changed: string[];
  /** Seeds in the cache that are gone. */
  removed: string[];
}

/**
 * What watch mode remembers of each seed between rebuilds. The stat stamp is only a hint that lets an
 * untouched file skip its read; bytes are what decide, and they never reach the output.
 */
export interface SeedCacheEntry {
  stamp: string;
  sha256: string;
  result: ParseResult;
  /** The last version of this seed that parsed; served while the seed is invalid. */
  lastGood?: Article;
}
export type SeedCache = Map<string, SeedCacheEntry>;

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
async function listSeedFiles(dir: string): Promise<{ seeds: string[]; ignored: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const seeds: string[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    // A symlinked seed is a seed (a dangling link is then reported as unreadable, not silently dropped).
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    // relative(), not slicing off dir.length: "seeds/", "./seeds" and "seeds" must all give the same names.
    const rel = relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split("\\").join("/");
    if (rel.split("/").some((part) => part.startsWith(".")) || rel.endsWith("~")) continue;
    (seedFormatOf(rel) ? seeds : ignored).push(rel);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { seeds: seeds.sort(order), ignored: ignored.sort(order) };
}

/**
 * Reads and parses every seed in `dir`. All problems are collected; none stops the others.
 * With a `cache` (watch mode), unchanged seeds are not re-read or re-parsed, keep their Article objects,
 * and a seed that turns invalid keeps its last good version (with a warning) until it is fixed.
 */
export async function loadSeeds(dir: string, cache?: SeedCache): Promise<LoadResult> {
  let listing: Awaited<ReturnType<typeof listSeedFiles>>;
  try {
    listing = await listSeedFiles(dir);
  } catch (e) {
    return { articles: [], diagnostics: [{ severity: "error", file: dir, message: `cannot read the seeds folder: ${(e as Error).message}` }], changed: [], removed: [] };
  }
  const changed: string[] = [];
  const diagnostics: Diagnostic[] = listing.ignored.map((file) => ({
    severity: "warning" as const, file, message: "ignored: a seed is a .txt or .md file",
  }));
  const results = await mapLimit(listing.seeds, READ_CONCURRENCY, async (source): Promise<ParseResult> => {
    const path = join(dir, source);
    const cached = cache?.get(source);
    let result: ParseResult;
    let stamp = "";
    let sha = "";
    try {
      const st = await stat(path);
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      if (cached && cached.stamp === stamp) return withLastGood(cached);
      if (st.size > MAX_SEED_BYTES) {
        result = tooLarge(source, st.size); // without reading it
      } else {
        const bytes = await readFile(path);
        sha = createHash("sha256").update(bytes).digest("hex");
        if (cached && cached.sha256 === sha) {
          cached.stamp = stamp;
          return withLastGood(cached);
        }
        result = parseSeedBytes(source, bytes);
      }
    } catch (e) {
      result = seedError(source, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    changed.push(source);
    if (!cache) return result;
    const entry: SeedCacheEntry = { stamp, sha256: sha, result, ...(result.article ?? cached?.lastGood ? { lastGood: result.article ?? cached?.lastGood } : {}) };
    cache.set(source, entry);
    return withLastGood(entry);
  });
  const present = new Set(listing.seeds);
  const removed = cache ? [...cache.keys()].filter((k) => !present.has(k)).sort() : [];
  for (const k of removed) cache!.delete(k);
  const parsed: Article[] = [];
  for (const r of results) {
    diagnostics.push(...r.diagnostics);
    if (r.article) parsed.push(r.article);
  }
  return {
    articles: withoutDuplicateIds(parsed, diagnostics).sort(newestFirst),
    diagnostics: diagnostics.sort(byFileAndLine),
    changed: changed.sort(),
    removed,
  };
}

/** A cached result; an invalid seed with a last good version yields that version, and says so. */
function withLastGood(entry: SeedCacheEntry): ParseResult {
  const { result, lastGood } = entry;
  if (result.article || !lastGood) return result;
  const file = lastGood.source;
  return {
    article: lastGood,
    diagnostics: [...result.diagnostics, { severity: "warning", file, message: "the last good version stays in the feeds until this seed is fixed" }],
  };
}

/** Two seeds with one identity are both errors: neither can be chosen without guessing. */
function withoutDuplicateIds(articles: Article[], diagnostics: Diagnostic[]): Article[] {
  const byId = new Map<string, Article[]>();
  for (const a of articles) byId.set(a.id, [...(byId.get(a.id) ?? []), a]);
  const kept: Article[] = [];
  for (const [id, group] of byId) {
    if (group.length === 1) { kept.push(group[0]!); continue; }
    for (const a of group) {
      const others = group.filter((o) => o !== a).map((o) => o.source).join(", ");
      diagnostics.push({ severity: "error", file: a.source, line: a.source.endsWith(".txt") ? undefined : 1, message: `identity "${id}" is also used by ${others}` });
    }
  }
  return kept;
}

// seeds/ → Article[] + Diagnostic[]. Reads files; never throws for bad input.

import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
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
async function listSeedFiles(dir: string): Promise<{ seeds: string[]; ignored: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const seeds: string[] = [];
  const ignored: string[] = [];
  for (const e of entries) {
    // A symlinked seed is a seed (a dangling link is then reported as unreadable, not silently dropped).
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    const rel = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1).split("\\").join("/");
    if (rel.split("/").some((part) => part.startsWith(".")) || rel.endsWith("~")) continue;
    (seedFormatOf(rel) ? seeds : ignored).push(rel);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { seeds: seeds.sort(order), ignored: ignored.sort(order) };
}

/** Reads and parses every seed in `dir`. All problems are collected; none stops the others. */
export async function loadSeeds(dir: string): Promise<LoadResult> {
  let listing: Awaited<ReturnType<typeof listSeedFiles>>;
  try {
    listing = await listSeedFiles(dir);
  } catch (e) {
    return { articles: [], diagnostics: [{ severity: "error", file: dir, message: `cannot read the seeds folder: ${(e as Error).message}` }] };
  }
  const diagnostics: Diagnostic[] = listing.ignored.map((file) => ({
    severity: "warning" as const, file, message: "ignored: a seed is a .txt or .md file",
  }));
  const results = await mapLimit(listing.seeds, READ_CONCURRENCY, async (source): Promise<ParseResult> => {
    const path = join(dir, source);
    try {
      const { size } = await stat(path);
      if (size > MAX_SEED_BYTES) return tooLarge(source, size); // without reading it
      return parseSeedBytes(source, await readFile(path));
    } catch (e) {
      return seedError(source, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  });
  const parsed: Article[] = [];
  for (const r of results) {
    diagnostics.push(...r.diagnostics);
    if (r.article) parsed.push(r.article);
  }
  return { articles: withoutDuplicateIds(parsed, diagnostics).sort(newestFirst), diagnostics: diagnostics.sort(byFileAndLine) };
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

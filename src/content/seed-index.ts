// The seed index: what the build remembers of each seed between builds, and its file beside dist/.

import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { cacheDirOf } from "../cache-dir.ts";
import { codeVersion } from "../code-version.ts";
import { readRecords } from "../read-lines.ts";
import { replaceFile } from "../replace-file.ts";
import type { ArticleMeta, Diagnostic } from "../types.ts";

/**
 * What the build remembers of one seed between builds (in memory in watch mode, in a file for
 * `build`). The stat stamp is only a hint that lets an untouched file skip its read; the sha-256 of
 * its bytes is what decides. A seed is data: nothing here is ever executed.
 */
export interface SeedRecord {
  stamp: string;
  sha256: string;
  /** The article without its body, when the seed parsed. */
  meta?: ArticleMeta;
  diagnostics: Diagnostic[];
  /**
   * With `keepLastGood` (watch mode): the last version that parsed, kept while the seed is invalid. Its
   * body is not kept (that would hold every seed in memory): `readArticle` refuses it until the seed is fixed.
   */
  lastGood?: { meta: ArticleMeta; sha256: string };
}

/** By seed path, relative to the seeds folder. */
export type SeedIndex = Map<string, SeedRecord>;

/**
 * The seed index of the last build lives beside dist/ (not in it: dist/ is published). Losing it only
 * costs time: every seed is read again.
 */
export function seedIndexFile(outDir: string): string {
  return join(cacheDirOf(outDir), "seeds.json");
}

/** The header line: the document up to the opening of its list of records. */
function headerLine(seedsDir: string): string {
  return `{"version":${JSON.stringify(codeVersion())},"seedsDir":${JSON.stringify(resolve(seedsDir))},"records":[`;
}

/**
 * The index a build of `seedsDir` into `outDir` left, read a record a line; empty when there is none,
 * it was made by another version of seedfeed or for another seeds folder, or it cannot be read.
 */
export function readSeedIndex(outDir: string, seedsDir: string): SeedIndex {
  const index: SeedIndex = new Map();
  const expected = headerLine(seedsDir);
  try {
    for (const [source, record] of readRecords<[string, SeedRecord]>(seedIndexFile(outDir), (line) => line === expected)) index.set(source, record);
    return index;
  } catch {
    return new Map();
  }
}

/** The same JSON as one JSON.stringify of the header and records, written a record a line: never one 70 MB string. */
function* seedIndexChunks(seedsDir: string, index: SeedIndex): Generator<string> {
  yield headerLine(seedsDir);
  let first = true;
  let chunk = "";
  for (const record of index) {
    chunk += `${first ? "\n" : ",\n"}${JSON.stringify(record)}`;
    first = false;
    if (chunk.length >= 1 << 20) {
      yield chunk;
      chunk = "";
    }
  }
  yield `${chunk}\n]}\n`;
}

/** Saves the index beside `outDir`, by rename: a kill leaves the old index or the new one. */
export async function writeSeedIndex(outDir: string, seedsDir: string, index: SeedIndex): Promise<void> {
  const file = seedIndexFile(outDir);
  await mkdir(dirname(file), { recursive: true });
  await replaceFile(file, seedIndexChunks(seedsDir, index));
}

/** What a record puts into the site: its article, or with `keepLastGood` the last version that parsed. */
export function effectiveMeta(record: SeedRecord | undefined, keepLastGood: boolean | undefined): ArticleMeta | undefined {
  return record?.meta ?? (keepLastGood ? record?.lastGood?.meta : undefined);
}

/** The diagnostics a record adds to a scan (its own, and the note that its last good version stays). */
export function recordDiagnostics(record: SeedRecord, keepLastGood: boolean | undefined): Diagnostic[] {
  if (record.meta || !record.lastGood || !keepLastGood) return record.diagnostics;
  return [...record.diagnostics, { severity: "warning", file: record.lastGood.meta.source, message: "the last good version stays in the feeds until this seed is fixed" }];
}

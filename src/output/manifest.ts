// manifest.json: the output set without its bytes, kept beside dist/ (in the cache folder: dist/ is
// exactly the site). The server serves from it; the next build keeps every file whose key is unchanged.

import { join } from "node:path";
import { cacheDirOf } from "../cache-dir.ts";
import { readRecords } from "../read-lines.ts";
import { lowerBound } from "../sorted.ts";
import type { FileKind, Variant } from "../types.ts";

export const MANIFEST_VERSION = 3;

/** The manifest of the site built into `outDir`. */
export function manifestFileOf(outDir: string): string {
  return join(cacheDirOf(outDir), "manifest.json");
}

/** The precompressed variants of the site built into `outDir`, each named by its content (Variant.path). */
export function encodedDirOf(outDir: string): string {
  return join(cacheDirOf(outDir), "encoded");
}

export interface ManifestEntry {
  path: string;
  kind: FileKind;
  contentType: string;
  cacheControl: string;
  link?: string;
  size: number;
  sha256: string;
  lastModified?: string;
  br?: Variant;
  gzip?: Variant;
  /** Hash of everything the bytes were made from: a rebuild with the same key skips the file. */
  key?: string;
}

export interface Manifest {
  version: number;
  files: ManifestEntry[];
}

const HEADER_LINE = `{"version":${MANIFEST_VERSION},"files":[`;

/** An entry with its keys in one fixed order, whichever way it was made: manifest.json is compared byte for byte. */
export function manifestEntryOf(e: Omit<ManifestEntry, "key">, key: string): ManifestEntry {
  return {
    path: e.path,
    kind: e.kind,
    contentType: e.contentType,
    cacheControl: e.cacheControl,
    ...(e.link ? { link: e.link } : {}),
    size: e.size,
    sha256: e.sha256,
    ...(e.lastModified ? { lastModified: e.lastModified } : {}),
    ...(e.br ? { br: e.br } : {}),
    ...(e.gzip ? { gzip: e.gzip } : {}),
    key,
  };
}

/**
 * The entries of dist/ as watch mode keeps them across rebuilds: by path (what the server and the next
 * rebuild look up) and in path order (what manifest.json lists). A rebuild's changes are applied in
 * place, by binary search: at 100,000 files, making both anew was most of an edit's rebuild.
 */
export class SiteEntries {
  readonly byPath: Map<string, ManifestEntry>;
  private constructor(readonly sorted: ManifestEntry[]) {
    this.byPath = new Map(sorted.map((e) => [e.path, e]));
  }

  /** The entries of a whole build, in any order. Throws when two files claim one path. */
  static of(entries: readonly ManifestEntry[]): SiteEntries {
    const sorted = entries.slice().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.path === sorted[i - 1]!.path) throw new Error(`two outputs claim the path ${sorted[i]!.path}`);
    return new SiteEntries(sorted);
  }

  /**
   * Each changed path's new entry, or undefined for a path that is gone. Returns what the changed paths
   * held before (the commit deletes the variants a file no longer has).
   */
  apply(changes: ReadonlyMap<string, ManifestEntry | undefined>): Map<string, ManifestEntry> {
    const replaced = new Map<string, ManifestEntry>();
    for (const [path, entry] of changes) {
      const lo = lowerBound(this.sorted, (e) => e.path < path);
      const found = this.sorted[lo]?.path === path;
      if (found) replaced.set(path, this.sorted[lo]!);
      if (entry) {
        this.sorted.splice(lo, found ? 1 : 0, entry);
        this.byPath.set(path, entry);
      } else if (found) {
        this.sorted.splice(lo, 1);
        this.byPath.delete(path);
      }
    }
    return replaced;
  }
}

/** Encoded runs of the last manifest, by their first entry: watch mode writes again only what changed. */
export type ManifestMemo = Map<ManifestEntry, { entries: ManifestEntry[]; first: boolean; bytes: Buffer }>;

/**
 * A run of entries ends after an entry whose key ends in "00": about 256 entries (100 KB) a run, and
 * where runs end depends on the entries' own keys, not their positions, so adding or removing a file
 * changes only the run around it.
 */
const endsRun = (e: ManifestEntry): boolean => e.key?.endsWith("00") === true;

/**
 * One file a line, so a diff of two manifests reads like a changelog; in runs of about 100 KB, so a site
 * of 100,000 files never holds its 50 MB manifest as one string. With `memo` (watch mode) a run whose
 * entries are the very objects of the last manifest's run is written from its kept bytes: at 100,000
 * files, making and encoding the whole text again was 150-200 ms of a rebuild.
 */
export function* serializeManifest(entries: readonly ManifestEntry[], memo?: ManifestMemo): Generator<string | Buffer> {
  yield `${HEADER_LINE}\n`;
  const runs: ManifestMemo = new Map();
  let start = 0;
  for (let i = 0; i < entries.length; i++) {
    if (i < entries.length - 1 && !endsRun(entries[i]!)) continue;
    const run = entries.slice(start, i + 1);
    const first = start === 0;
    const known = memo?.get(run[0]!);
    const same = known !== undefined && known.first === first && known.entries.length === run.length && known.entries.every((e, j) => e === run[j]);
    // Lines are joined by ",\n": only the site's very first line has nothing before it.
    const bytes = same ? known.bytes : Buffer.from(run.map((e, j) => `${first && j === 0 ? "" : ",\n"}${JSON.stringify(e)}`).join(""));
    if (memo) runs.set(run[0]!, { entries: run, first, bytes });
    yield bytes;
    start = i + 1;
  }
  yield entries.length > 0 ? "\n]}\n" : "]}\n";
  if (memo) {
    memo.clear();
    for (const [k, v] of runs) memo.set(k, v);
  }
}

export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Manifest;
  if (m.version !== MANIFEST_VERSION || !Array.isArray(m.files)) throw new Error(`unsupported manifest (version ${String(m.version)})`);
  return m;
}

/**
 * The entries of a manifest file by path, read a line at a time (serializeManifest's layout); empty when
 * there is none or it cannot be read or parsed: for a build, no previous build.
 */
export function readManifestEntries(file: string): Map<string, ManifestEntry> {
  const byPath = new Map<string, ManifestEntry>();
  try {
    for (const e of readRecords<ManifestEntry>(file, (line) => line === HEADER_LINE)) byPath.set(e.path, e);
    return byPath;
  } catch {
    return new Map();
  }
}

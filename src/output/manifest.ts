// dist/manifest.json: the output set without its bytes. The server serves from it; the watcher diffs two of them.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { FileKind, Variant } from "../types.ts";

export const MANIFEST_PATH = "manifest.json";
export const MANIFEST_VERSION = 2;

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

export const VARIANT_SUFFIX = { br: ".br", gzip: ".gz" } as const;

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

// Entries carried over from the previous build keep their serialized line: a rebuild of a large site
// then costs a join, not a stringify per file.
const lines = new WeakMap<ManifestEntry, string>();

function lineOf(e: ManifestEntry, remember: boolean): string {
  let line = lines.get(e);
  if (line === undefined) {
    line = JSON.stringify(e);
    if (remember) lines.set(e, line);
  }
  return line;
}

const CHUNK_CHARS = 1 << 20;

/**
 * One file a line, so a diff of two manifests reads like a changelog; in chunks of about 1 MB, so a
 * site of 100,000 files never holds its 50 MB manifest as one string. `remember` (watch mode) keeps
 * each new line for the next rebuild.
 */
export function* serializeManifest(entries: readonly ManifestEntry[], remember = false): Generator<string> {
  let chunk = `{"version":${MANIFEST_VERSION},"files":[\n`;
  for (let i = 0; i < entries.length; i++) {
    chunk += `${lineOf(entries[i]!, remember)}${i < entries.length - 1 ? ",\n" : "\n"}`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = "";
    }
  }
  yield `${chunk}]}\n`;
}

export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Manifest;
  if (m.version !== MANIFEST_VERSION || !Array.isArray(m.files)) throw new Error(`unsupported manifest (version ${String(m.version)})`);
  return m;
}

const HEADER_LINE = `{"version":${MANIFEST_VERSION},"files":[`;

/** One entry line of serializeManifest's layout, or undefined for the header and the closing line. */
function entryOfLine(raw: string, remember: boolean): ManifestEntry | undefined {
  if (!raw.startsWith('{"path"')) return undefined;
  const line = raw.endsWith(",") ? raw.slice(0, -1) : raw;
  const e = JSON.parse(line) as ManifestEntry;
  if (remember) lines.set(e, line);
  return e;
}

/**
 * The manifest of dist/ as the previous build, by path; empty when there is none or it cannot be read.
 * Parsed line by line (serializeManifest's layout); each entry keeps its text for the next serializeManifest.
 */
export function previousEntries(text: string | undefined): Map<string, ManifestEntry> {
  const byPath = new Map<string, ManifestEntry>();
  if (text === undefined || !text.startsWith(`${HEADER_LINE}\n`)) return byPath;
  try {
    for (const raw of text.split("\n")) {
      const e = entryOfLine(raw, true);
      if (e) byPath.set(e.path, e);
    }
    return byPath;
  } catch {
    return new Map();
  }
}

/** previousEntries, read from the file a line at a time: a large site's manifest is never one string. */
export async function readPreviousEntries(file: string, remember: boolean): Promise<Map<string, ManifestEntry>> {
  const byPath = new Map<string, ManifestEntry>();
  try {
    let first = true;
    for await (const raw of createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity })) {
      if (first && raw !== HEADER_LINE) return new Map();
      first = false;
      const e = entryOfLine(raw, remember);
      if (e) byPath.set(e.path, e);
    }
    return byPath;
  } catch {
    return new Map();
  }
}

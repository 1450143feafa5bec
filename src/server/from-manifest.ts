// dist/manifest.json → the site the server answers from. Headers are computed once per file and
// encoding, on the first request for it; bodies come from dist/ through a bounded cache and are checked
// against their sha-256, so a site of any size is served in bounded memory and a body never goes out
// under another body's ETag.

import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileHeaders } from "../output/http-headers.ts";
import { MANIFEST_PATH, readManifestEntries, type ManifestEntry } from "../output/manifest.ts";
import { sha256 } from "../hash.ts";
import { NOT_FOUND_PATH } from "../render/urls.ts";
import { ByteCache } from "./byte-cache.ts";
import type { Coding } from "./negotiate.ts";

export interface Representation {
  etag: string;
  /** Flat [name, value, name, value…] lists, ready for writeHead. */
  headers200: string[];
  headers304: string[];
  /** For the 404 page: it is not the resource asked for, so no validators. */
  headers404: string[];
  /** Throws StaleBodyError when dist/ no longer holds these bytes (a build replaced them). */
  body(): Buffer;
}

export interface ServedFile {
  path: string;
  /** Whole seconds; absent when the file has no date. */
  lastModifiedSeconds?: number;
  codings: ReadonlySet<Coding>;
  representations: Partial<Record<Coding, Representation>>;
}

export interface ServedSite {
  files: { get(path: string): ServedFile | undefined; has(path: string): boolean };
  notFound?: ServedFile;
}

export class StaleBodyError extends Error {}

/** The folder has no manifest this seedfeed can serve: it was never built, or by another version. */
export class NotBuiltError extends Error {}

/** Strong ETag from the content hash of these exact bytes (each encoding has its own). */
export function etagOf(sha: string): string {
  return `"${sha.slice(0, 32)}"`;
}

/** Bodies read from dist/ and checked, by their sha-256. Small sites end up wholly in memory. */
const bodyCache = new ByteCache(64 * 1024 * 1024);

function readVerified(file: string, size: number, sha: string): Buffer {
  const hit = bodyCache.get(sha);
  if (hit) return hit;
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch (e) {
    throw new StaleBodyError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (body.length !== size || sha256(body) !== sha) throw new StaleBodyError(`${file} does not match manifest.json`);
  bodyCache.set(sha, body);
  return body;
}

/** The bytes of one coding of a file, as the manifest records them. */
type Stored = Pick<ManifestEntry, "path" | "size" | "sha256">;

function servedFile(dir: string, entry: ManifestEntry): ServedFile {
  // What every coding of the file says alike, computed once.
  const common = fileHeaders(entry);
  const lastModified = entry.lastModified ? new Date(entry.lastModified).toUTCString() : undefined;
  const caching = common.filter(([k]) => k === "Cache-Control" || k === "Vary");
  const representation = (coding: Coding, stored: Stored): Representation => {
    const etag = etagOf(stored.sha256);
    const validators: [string, string][] = [["ETag", etag], ...(lastModified ? [["Last-Modified", lastModified] as [string, string]] : [])];
    const payload: [string, string][] = [
      ...(coding === "identity" ? [] : [["Content-Encoding", coding] as [string, string]]),
      ["Content-Length", String(stored.size)],
    ];
    const file = join(dir, stored.path);
    return {
      etag,
      headers200: [...common, ...validators, ...payload].flat(),
      headers404: [...common, ...payload].flat(),
      // A 304 carries what a 200 would have said about caching and validation (RFC 9110 §15.4.5).
      headers304: [...validators, ...caching].flat(),
      body: () => readVerified(file, stored.size, stored.sha256),
    };
  };
  const representations: Partial<Record<Coding, Representation>> = { identity: representation("identity", entry) };
  if (entry.br) representations.br = representation("br", entry.br);
  if (entry.gzip) representations.gzip = representation("gzip", entry.gzip);
  return {
    path: entry.path,
    ...(entry.lastModified ? { lastModifiedSeconds: Math.floor(Date.parse(entry.lastModified) / 1000) } : {}),
    codings: new Set(Object.keys(representations) as Coding[]),
    representations,
  };
}

/** The site of a manifest's entries; a file's responses are made on its first request, then kept. */
export function servedSite(dir: string, entries: ReadonlyMap<string, ManifestEntry>): ServedSite {
  const made = new Map<string, ServedFile>();
  const files = {
    has: (path: string) => entries.has(path),
    get: (path: string) => {
      let f = made.get(path);
      if (!f) {
        const entry = entries.get(path);
        if (!entry) return undefined;
        made.set(path, (f = servedFile(dir, entry)));
      }
      return f;
    },
  };
  const notFound = files.get(NOT_FOUND_PATH);
  return { files, ...(notFound ? { notFound } : {}) };
}

/** Reads dist/manifest.json. Bodies are read, and checked, when first asked for. */
export function loadServedSite(dir: string): ServedSite {
  const file = join(dir, MANIFEST_PATH);
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    throw new NotBuiltError(`${dir}/ has no readable manifest.json (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): run "seedfeed build" first`);
  }
  const entries = readManifestEntries(file);
  if (entries.size === 0) throw new NotBuiltError(`${dir}/manifest.json is not a manifest this seedfeed can read: run "seedfeed build" again`);
  return servedSite(dir, entries);
}

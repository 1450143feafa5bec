// The manifest beside dist/ → the site the server answers from. Headers are computed once per file and
// encoding, on the first request for it; bodies come from dist/ through a bounded cache and are checked
// against their sha-256, so a site of any size is served in bounded memory and a body never goes out
// under another body's ETag. A coding the build did not precompress is compressed on its first request,
// by the build's own compress() and levels, and kept in a second bounded cache.

import { accessSync, constants, opendirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { COMPRESSION_LEVELS, type CompressionLevels } from "../output/compress.ts";
import { fileHeaders } from "../output/http-headers.ts";
import { encodedDirOf, manifestFileOf, readManifestEntries, type ManifestEntry } from "../output/manifest.ts";
import { etagTagOf, feedVersionsFile, readFeedVersions, type StreamVersions } from "../output/feed-versions.ts";
import { compress } from "../output/stage-worker.mjs";
import { sha256 } from "../hash.ts";
import { withPath } from "../fs-errors.ts";
import { headFeedOf, NOT_FOUND_PATH, urlPathOf } from "../render/urls.ts";
import type { FeedFormat } from "../types.ts";
import { ByteCache } from "./byte-cache.ts";
import type { DeltaTarget } from "./feed-delta.ts";
import type { Coding } from "./negotiate.ts";

export interface Representation {
  etag: string;
  headers304: string[];
  /**
   * Flat [name, value, name, value…] lists, ready for writeHead; they say the body's length, so for a
   * coding compressed on demand they are there once body() has made it. headers404 is for the 404 page:
   * it is not the resource asked for, so no validators.
   */
  headers200?: string[];
  headers404?: string[];
  /**
   * The bytes. Throws StaleBodyError when dist/ no longer holds the file's bytes (a build replaced them);
   * undefined when compressing on demand gave nothing smaller: the file's codings no longer offer it.
   */
  body(): Buffer | undefined;
}

/** A head feed: what the subscriber counts, the polling guard and RFC 3229 deltas need of it. */
export interface ServedFeed {
  /** Its stream's folder ("" or "tags/<slug>/") and its format. */
  base: string;
  format: FeedFormat;
  /** Its URL path ("/tags/go/atom.xml"): how subscriber counts name it. */
  url: string;
  /** The max-age of its Cache-Control in seconds: how often a reader needs to ask (0: no max-age). */
  maxAgeSeconds: number;
  /** RSS and Atom: what a delta of it is made from. */
  delta?: DeltaTarget;
}

export interface ServedFile {
  path: string;
  /** Head feeds only. */
  feed?: ServedFeed;
  /** Whole seconds; absent when the file has no date. */
  lastModifiedSeconds?: number;
  /** The codings it can be sent in: those precompressed, and those its kind is compressed in on demand. */
  codings: ReadonlySet<Coding>;
  representations: Partial<Record<Coding, Representation>>;
}

export interface ServedSite {
  files: { get(path: string): ServedFile | undefined; has(path: string): boolean };
  notFound?: ServedFile;
  /**
   * A stream's recent head feed versions (feed-versions.ts), which include the one now served as
   * `currentTag` unless they are older than the site; undefined when there are none.
   */
  versionsOf(base: string, currentTag: string): StreamVersions | undefined;
}

export class StaleBodyError extends Error {}

/** The folder has no manifest this seedfeed can serve: it was never built, or by another version. */
export class NotBuiltError extends Error {}

/**
 * Strong ETag of a representation, from the sha-256 of the file's identity bytes and the coding:
 * `"<32 hex digits>"` for identity, `"<32 hex digits>-br"` and `"<32 hex digits>-gzip"` for the others.
 * It names the content and the coding, not the compressed bytes, so a variant precompressed by the build
 * and one compressed on demand share it, and a 304 for br needs no compressed bytes at all.
 */
export function etagOf(identitySha: string, coding: Coding = "identity"): string {
  const tag = etagTagOf(identitySha);
  return coding === "identity" ? `"${tag}"` : `"${tag}-${coding}"`;
}

const MiB = 1024 * 1024;

/**
 * What a server keeps across the sites it serves (a rebuild's unchanged files keep their bytes), each
 * bounded by its total size; evicted oldest first, a recently used entry getting one more turn (ByteCache).
 * `bodies`: files read from dist/ and checked, by their sha-256 (small sites end up wholly in memory).
 * `encoded`: codings compressed on demand, by the identity bytes' sha-256 and the coding, so a file
 * changed by a rebuild (another sha-256) can never get the old compressed body.
 */
export interface ServerCaches {
  bodies: ByteCache;
  encoded: ByteCache;
}

export const newServerCaches = (encodedBytes = 64 * MiB): ServerCaches => ({ bodies: new ByteCache(64 * MiB), encoded: new ByteCache(encodedBytes) });

/** For the sites watch mode makes: they follow one another in one process. */
const sharedCaches = newServerCaches();

function readVerified(cache: ByteCache, file: string, size: number, sha: string): Buffer {
  const hit = cache.get(sha);
  if (hit) return hit;
  let body: Buffer;
  try {
    body = readFileSync(file);
  } catch (e) {
    throw new StaleBodyError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (body.length !== size || sha256(body) !== sha) throw new StaleBodyError(`${file} does not match manifest.json`);
  cache.set(sha, body);
  return body;
}

/** The bytes of one coding of a file, as the manifest records them. */
type Stored = Pick<ManifestEntry, "path" | "size" | "sha256">;

const ENCODINGS = ["br", "gzip"] as const;

function servedFile(dir: string, entry: ManifestEntry, caches: ServerCaches, levels: CompressionLevels): ServedFile {
  // What every coding of the file says alike, computed once.
  const common = fileHeaders(entry);
  const lastModified = entry.lastModified ? new Date(entry.lastModified).toUTCString() : undefined;
  const caching = common.filter(([k]) => k === "Cache-Control" || k === "Vary");
  const identityFile = join(dir, entry.path);
  const readIdentity = () => readVerified(caches.bodies, identityFile, entry.size, entry.sha256);
  const representation = (coding: Coding): Representation => {
    const etag = etagOf(entry.sha256, coding);
    const validators: [string, string][] = [["ETag", etag], ...(lastModified ? [["Last-Modified", lastModified] as [string, string]] : [])];
    const withLength = (rep: Representation, size: number): void => {
      const payload: [string, string][] = [...(coding === "identity" ? [] : [["Content-Encoding", coding] as [string, string]]), ["Content-Length", String(size)]];
      rep.headers200 = [...common, ...validators, ...payload].flat();
      rep.headers404 = [...common, ...payload].flat();
    };
    // A 304 carries what a 200 would have said about caching and validation (RFC 9110 §15.4.5).
    const rep: Representation = { etag, headers304: [...validators, ...caching].flat(), body: () => undefined };
    const stored: Stored | undefined = coding === "identity" ? entry : entry[coding];
    if (stored) {
      // Identity bytes are the site's file; a precompressed variant is in the variants folder beside it.
      const file = stored === entry ? identityFile : join(encodedDirOf(dir), stored.path);
      rep.body = () => readVerified(caches.bodies, file, stored.size, stored.sha256);
      withLength(rep, stored.size);
    } else {
      const encoding = coding as (typeof ENCODINGS)[number];
      const key = `${entry.sha256}:${encoding}`;
      rep.body = () => {
        let bytes = caches.encoded.get(key);
        if (bytes === undefined) {
          // Both codings at once, as the build makes them: a request for the other one then costs nothing.
          const made = compress(readIdentity(), levels[entry.kind]);
          for (const c of ENCODINGS) {
            const b = made[c];
            if (b && !entry[c]) caches.encoded.set(`${entry.sha256}:${c}`, b);
            else if (!entry[c]) served.codings = new Set([...served.codings].filter((x) => x !== c));
          }
          bytes = made[encoding];
          if (bytes === undefined) return undefined;
        }
        if (rep.headers200 === undefined) withLength(rep, bytes.length);
        return bytes;
      };
    }
    return rep;
  };
  // A coding the build did not precompress is offered when the file's kind is compressed at all.
  const offered = (c: (typeof ENCODINGS)[number]) => entry[c] !== undefined || levels[entry.kind] !== undefined;
  const codings: Coding[] = ["identity", ...ENCODINGS.filter(offered)];
  const served: ServedFile = {
    path: entry.path,
    ...(entry.kind === "feed" ? servedFeed(entry, common, lastModified, readIdentity) : {}),
    ...(entry.lastModified ? { lastModifiedSeconds: Math.floor(Date.parse(entry.lastModified) / 1000) } : {}),
    codings: new Set(codings),
    representations: Object.fromEntries(codings.map((c) => [c, representation(c)])),
  };
  return served;
}

const MAX_AGE = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i;

function servedFeed(entry: ManifestEntry, common: [string, string][], lastModified: string | undefined, body: () => Buffer): { feed?: ServedFeed } {
  const head = headFeedOf(entry.path);
  if (!head) return {};
  const feed: ServedFeed = { ...head, url: urlPathOf(entry.path), maxAgeSeconds: Number(MAX_AGE.exec(entry.cacheControl)?.[1] ?? 0) };
  if (head.format !== "json") {
    const headers = common.filter(([k]) => k !== "Cache-Control" && k !== "Vary");
    if (lastModified) headers.push(["Last-Modified", lastModified]);
    feed.delta = { format: head.format, tag: etagTagOf(entry.sha256), headers: headers.flat(), body };
  }
  return { feed };
}

/** Feed versions that never change: watch mode hands over the versions of each rebuild with its site. */
export function fixedVersions(versions: ReadonlyMap<string, StreamVersions>): ServedSite["versionsOf"] {
  return (base) => versions.get(base);
}

/**
 * The feed versions beside `dir`, read when first asked for, and again when a stream's versions do
 * not know the feed now served and the file has changed since (a build writes them after its files).
 */
function versionsFromFile(dir: string): ServedSite["versionsOf"] {
  let versions: ReadonlyMap<string, StreamVersions> | undefined;
  let stamp: string | undefined;
  const stampOf = () => {
    const st = statSync(feedVersionsFile(dir), { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : "";
  };
  return (base, currentTag) => {
    const known = versions?.get(base);
    if (known?.some((v) => v.rss === currentTag || v.atom === currentTag)) return known;
    const now = stampOf();
    if (now === stamp) return known;
    stamp = now;
    versions = readFeedVersions(dir);
    return versions.get(base);
  };
}

/** The site of a manifest's entries; a file's responses are made on its first request, then kept. */
export function servedSite(
  dir: string,
  entries: ReadonlyMap<string, ManifestEntry>,
  caches: ServerCaches = sharedCaches,
  levels: CompressionLevels = COMPRESSION_LEVELS,
  versionsOf: ServedSite["versionsOf"] = versionsFromFile(dir),
): ServedSite {
  const made = new Map<string, ServedFile>();
  const files = {
    has: (path: string) => entries.has(path),
    get: (path: string) => {
      let f = made.get(path);
      if (!f) {
        const entry = entries.get(path);
        if (!entry) return undefined;
        made.set(path, (f = servedFile(dir, entry, caches, levels)));
      }
      return f;
    },
  };
  const notFound = files.get(NOT_FOUND_PATH);
  return { files, ...(notFound ? { notFound } : {}), versionsOf };
}

/** Reads the manifest of the site built into `dir` (beside it). Bodies are read, and checked, when first asked for. */
export function loadServedSite(dir: string, caches: ServerCaches): ServedSite {
  const file = manifestFileOf(dir);
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    // Only a missing manifest means "not built"; an unreadable one goes up as the system error it is.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    throw new NotBuiltError(`${dir}/ has no manifest (${file} does not exist): run "seedfeed build" first`);
  }
  // A folder this user cannot list is said now, once, rather than as a 500 for every request.
  try {
    opendirSync(dir).closeSync();
  } catch (e) {
    throw withPath(e, dir);
  }
  const entries = readManifestEntries(file);
  if (entries.size === 0) throw new NotBuiltError(`${file} is not a manifest this seedfeed can read: run "seedfeed build" again`);
  return servedSite(dir, entries, caches);
}

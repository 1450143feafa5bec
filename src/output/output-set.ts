// RenderedFile[] → OutputFile[]: bytes, sha-256, precompressed variants and Last-Modified, decided once.

import { createHash } from "node:crypto";
import { mapLimit } from "../concurrency.ts";
import type { OutputFile, RenderedFile, SiteConfig } from "../types.ts";
import { cachePolicyFor } from "./cache-policy.ts";
import { COMPRESSION_LEVELS, compressVariants, type CompressionLevels } from "./compress.ts";
import { manifestEntry, type ManifestEntry } from "./manifest.ts";

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Last-Modified comes from the content (the newest article date a file shows), so a fresh clone agrees
 * with a long-lived dist/. When the bytes change without a newer date (a typo fixed in a seed whose
 * only date is its publication day, an article deleted), the previous value moves on by one second,
 * so clients that validate with If-Modified-Since alone still see the change.
 */
export function lastModifiedFor(sha: string, derived: string | undefined, previous: ManifestEntry | undefined): string | undefined {
  if (!previous?.lastModified) return derived;
  if (previous.sha256 === sha) return previous.lastModified;
  if (derived !== undefined && derived > previous.lastModified) return derived;
  return new Date(Date.parse(previous.lastModified) + 1000).toISOString();
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

const COMPRESS_CONCURRENCY = 8;

/**
 * What an earlier build left that this one may reuse: its manifest entries, and its compressed variants
 * (from memory in watch mode, from the previous dist/ for a cold build). Compression is most of a
 * build's time, and a file whose sha-256 did not change needs none.
 */
export interface PreviousBuild {
  entry(path: string): ManifestEntry | undefined;
  /** The previous output for `path` when its bytes are exactly `sha`, variants included; undefined if not available. */
  reuse(path: string, sha: string): Promise<Pick<OutputFile, "br" | "gzip"> | undefined>;
  /** The previous file itself when it was made from this very body string (watch mode): no hashing at all. */
  sameBody?(r: RenderedFile, cacheControl: string): OutputFile | undefined;
}

/** A previous build held in memory (watch mode), with the bodies it was made from. */
export function previousFromMemory(files: readonly OutputFile[], rendered: readonly RenderedFile[]): PreviousBuild {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const bodies = new Map(rendered.map((r) => [r.path, r.body]));
  const entries = new Map(files.map((f) => [f.path, manifestEntry(f)]));
  return {
    entry: (path) => entries.get(path),
    sameBody: (r, cacheControl) => {
      const f = byPath.get(r.path);
      const same = f && bodies.get(r.path) === r.body && f.cacheControl === cacheControl && f.contentType === r.contentType && f.link === r.link;
      return same ? f : undefined;
    },
    reuse: async (path, sha) => {
      const f = byPath.get(path);
      return f && f.sha256 === sha ? { ...(f.br ? { br: f.br } : {}), ...(f.gzip ? { gzip: f.gzip } : {}) } : undefined;
    },
  };
}

/** `previous` is the last written build, if any. */
export async function makeOutputSet(
  rendered: readonly RenderedFile[],
  config: SiteConfig,
  previous?: PreviousBuild,
  levels: CompressionLevels = COMPRESSION_LEVELS,
): Promise<OutputFile[]> {
  const files = await mapLimit([...rendered].sort(byPath), COMPRESS_CONCURRENCY, async (r): Promise<OutputFile> => {
    const cacheControl = cachePolicyFor(r.kind, config.cacheControl);
    const same = previous?.sameBody?.(r, cacheControl);
    if (same) return same;
    const bytes = typeof r.body === "string" ? Buffer.from(r.body, "utf8") : r.body;
    const sha = sha256(bytes);
    const reused = await previous?.reuse(r.path, sha);
    const variants = reused ?? (await compressVariants(bytes, r.kind, levels).then((v) => ({
      ...(v.br ? { br: { bytes: v.br, sha256: sha256(v.br) } } : {}),
      ...(v.gzip ? { gzip: { bytes: v.gzip, sha256: sha256(v.gzip) } } : {}),
    })));
    const lastModified = lastModifiedFor(sha, r.lastModified, previous?.entry(r.path));
    return {
      path: r.path,
      kind: r.kind,
      contentType: r.contentType,
      cacheControl,
      ...(r.link ? { link: r.link } : {}),
      bytes,
      sha256: sha,
      ...(lastModified ? { lastModified } : {}),
      ...variants,
    };
  });
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.path === files[i - 1]!.path) throw new Error(`two outputs claim the path ${files[i]!.path}`);
  }
  return files;
}

// RenderedFile[] → OutputFile[]: bytes, sha-256, precompressed variants and Last-Modified, decided once.

import { createHash } from "node:crypto";
import { mapLimit } from "../concurrency.ts";
import type { OutputFile, RenderedFile, SiteConfig } from "../types.ts";
import { cachePolicyFor } from "./cache-policy.ts";
import { compressVariants } from "./compress.ts";
import type { ManifestEntry } from "./manifest.ts";

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

/** `previous` is the last written manifest, if any, by path. */
export async function makeOutputSet(
  rendered: readonly RenderedFile[],
  config: SiteConfig,
  previous?: ReadonlyMap<string, ManifestEntry>,
): Promise<OutputFile[]> {
  const files = await mapLimit([...rendered].sort(byPath), COMPRESS_CONCURRENCY, async (r): Promise<OutputFile> => {
    const bytes = typeof r.body === "string" ? Buffer.from(r.body, "utf8") : r.body;
    const sha = sha256(bytes);
    const variants = await compressVariants(bytes, r.kind);
    const lastModified = lastModifiedFor(sha, r.lastModified, previous?.get(r.path));
    return {
      path: r.path,
      kind: r.kind,
      contentType: r.contentType,
      cacheControl: cachePolicyFor(r.kind, config.cacheControl),
      bytes,
      sha256: sha,
      ...(lastModified ? { lastModified } : {}),
      ...(variants.br ? { br: { bytes: variants.br, sha256: sha256(variants.br) } } : {}),
      ...(variants.gzip ? { gzip: { bytes: variants.gzip, sha256: sha256(variants.gzip) } } : {}),
    };
  });
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.path === files[i - 1]!.path) throw new Error(`two outputs claim the path ${files[i]!.path}`);
  }
  return files;
}

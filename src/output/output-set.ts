// Planned files → output files: rendered, hashed, compressed and staged, one at a time with bounded
// concurrency, so no step holds the whole site. A file whose inputs did not change since the previous
// build is neither rendered nor written: its manifest entry is carried over.

import { createHash } from "node:crypto";
import { mapLimit } from "../concurrency.ts";
import type { PlannedFile } from "../render/site.ts";
import type { Article, ArticleMeta, OutputFile, ProgressReport, SiteConfig } from "../types.ts";
import { cachePolicyFor } from "./cache-policy.ts";
import { COMPRESSION_LEVELS, compressVariants, type CompressionLevels } from "./compress.ts";
import { manifestEntry, type ManifestEntry } from "./manifest.ts";

export function sha256(bytes: Buffer | string): string {
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

/** Enough files in flight to keep the thread pool compressing while the main thread renders. */
const CONCURRENCY = 16;

/** Bodies read for recent files: an archive page and the article pages of its articles share them. */
class BodyCache {
  private readonly map = new Map<string, Article>();
  constructor(private readonly read: (m: ArticleMeta) => Article, private readonly capacity: number) {}
  get(m: ArticleMeta): Article {
    let a = this.map.get(m.id);
    if (!a) {
      a = this.read(m);
      this.map.set(m.id, a);
      if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    }
    return a;
  }
}

export interface ProduceOptions {
  config: SiteConfig;
  /** Stands for seedfeed's own code and the config: a change of either makes every key new. */
  siteKey: string;
  /** The previous build's manifest entries by path (empty for a clean build). */
  previous: ReadonlyMap<string, ManifestEntry>;
  readBody(meta: ArticleMeta): Article;
  /** Receives every file whose bytes are new; resolves when it may take more. */
  stage(file: OutputFile): Promise<void>;
  levels?: CompressionLevels;
  progress?: ProgressReport;
}

export interface Produced {
  /** Every file of the site, by path. */
  entries: ManifestEntry[];
  /** Paths whose bytes changed (or appeared). */
  changed: string[];
}

export async function produceOutputs(plan: readonly PlannedFile[], options: ProduceOptions): Promise<Produced> {
  const { config, previous } = options;
  const bodies = new BodyCache(options.readBody, 4 * config.pageSize + 2 * config.feedSize + 64);
  const changed: string[] = [];
  let done = 0;
  const entries = await mapLimit(plan, CONCURRENCY, async (p): Promise<ManifestEntry> => {
    if (++done % 256 === 0) options.progress?.("rendering", done, plan.length);
    const key = sha256(`${options.siteKey}\n${p.path}\n${p.inputs()}`).slice(0, 32);
    const cacheControl = cachePolicyFor(p.kind, config.cacheControl);
    const before = previous.get(p.path);
    const headers = { kind: p.kind, contentType: p.contentType, cacheControl, ...(p.link ? { link: p.link } : {}) };
    if (before?.key === key) return before;
    const loaded = new Map(p.bodies.map((m) => [m.id, bodies.get(m)]));
    const bytes = Buffer.from(p.render(loaded), "utf8");
    const sha = sha256(bytes);
    const lastModified = lastModifiedFor(sha, p.lastModified, before);
    if (before?.sha256 === sha) {
      // Same bytes from new inputs (an edit elsewhere on a page): the file on disk stays as it is.
      const { link: _, ...kept } = before;
      return { ...kept, ...headers, key, ...(lastModified ? { lastModified } : {}) };
    }
    const v = await compressVariants(bytes, p.kind, options.levels ?? COMPRESSION_LEVELS);
    const file: OutputFile = {
      path: p.path,
      ...headers,
      bytes,
      sha256: sha,
      ...(lastModified ? { lastModified } : {}),
      ...(v.br ? { br: { bytes: v.br, sha256: sha256(v.br) } } : {}),
      ...(v.gzip ? { gzip: { bytes: v.gzip, sha256: sha256(v.gzip) } } : {}),
    };
    await options.stage(file);
    changed.push(p.path);
    return { ...manifestEntry(file), key };
  });
  entries.sort(byPath);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.path === entries[i - 1]!.path) throw new Error(`two outputs claim the path ${entries[i]!.path}`);
  }
  return { entries, changed: changed.sort() };
}

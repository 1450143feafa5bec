// Planned files → output files: rendered, hashed, compressed and staged, one at a time with bounded
// concurrency, so no step holds the whole site. A file whose inputs did not change since the previous
// build is neither rendered nor written: its manifest entry is carried over.

import { createHash } from "node:crypto";
import { mapLimit } from "../concurrency.ts";
import type { PlannedFile } from "../render/site.ts";
import type { Article, ArticleMeta, ProgressReport, SiteConfig, StagedFile, StageRequest } from "../types.ts";
import { cachePolicyFor } from "./cache-policy.ts";
import { COMPRESSION_LEVELS, type CompressionLevels } from "./compress.ts";
import { manifestEntryOf, type ManifestEntry } from "./manifest.ts";

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** Enough files in flight to keep the stage workers busy while the main thread renders. */
const CONCURRENCY = 32;

/**
 * Bodies read for recent files, by metadata object: the scan keeps an unchanged seed's object and makes
 * a new one for an edited seed, so a kept body is never stale. A build makes one; watch mode keeps one
 * across rebuilds (the head feeds show the same fifty bodies every time).
 */
export class BodyCache {
  private readonly map = new Map<ArticleMeta, Article>();
  private readonly capacity: number;
  constructor(private readonly read: (m: ArticleMeta) => Article, config: Pick<SiteConfig, "feedSize" | "pageSize">) {
    // An archive page and the article pages of its articles, and the head feeds, share their bodies.
    this.capacity = 4 * config.pageSize + 2 * config.feedSize + 64;
  }
  get(m: ArticleMeta): Article {
    let a = this.map.get(m);
    if (!a) {
      a = this.read(m);
      this.map.set(m, a);
      if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    }
    return a;
  }
}

/**
 * What watch mode keeps between rebuilds so that one edit in a large site costs little: each file's
 * inputs and key (a string comparison instead of a hash per file), and the path order of the last plan.
 */
export interface ProduceMemo {
  siteKey?: string;
  keys: Map<string, { inputs: string; key: string }>;
  paths?: string[];
  order?: number[];
}

export interface ProduceOptions {
  config: SiteConfig;
  /** Stands for seedfeed's own code and the config: a change of either makes every key new. */
  siteKey: string;
  /** The previous build's manifest entries by path (empty for a clean build). */
  previous: ReadonlyMap<string, ManifestEntry>;
  bodies: BodyCache;
  /** Hashes, compresses and writes a rendered file, unless its bytes are `previousSha`'s (Staging.write). */
  stage(file: Omit<StageRequest, "id" | "dir">): Promise<StagedFile>;
  levels?: CompressionLevels;
  progress?: ProgressReport;
  memo?: ProduceMemo;
}

interface Produced {
  /** Every file of the site, by path. */
  entries: ManifestEntry[];
  /** Paths whose bytes changed (or appeared). */
  changed: string[];
}

function keyOf(p: PlannedFile, siteKey: string, memo: ProduceMemo | undefined): string {
  const inputs = p.inputs();
  const known = memo?.keys.get(p.path);
  if (known && known.inputs === inputs) return known.key;
  const key = sha256(`${siteKey}\n${p.path}\n${inputs}`).slice(0, 32);
  memo?.keys.set(p.path, { inputs, key });
  return key;
}

/** Indices of `plan` in path order; reused while the plan has the same paths in the same order. */
function pathOrder(plan: readonly PlannedFile[], memo: ProduceMemo | undefined): number[] {
  const paths = plan.map((p) => p.path);
  const same = memo?.paths && memo.order && memo.paths.length === paths.length && memo.paths.every((x, i) => x === paths[i]);
  if (same) return memo.order!;
  const order = paths.map((_, i) => i).sort((a, b) => byPath(plan[a]!, plan[b]!));
  for (let i = 1; i < order.length; i++) {
    if (paths[order[i]!] === paths[order[i - 1]!]) throw new Error(`two outputs claim the path ${paths[order[i]!]}`);
  }
  if (memo) Object.assign(memo, { paths, order });
  return order;
}

export async function produceOutputs(plan: readonly PlannedFile[], options: ProduceOptions): Promise<Produced> {
  const { config, previous } = options;
  const memo = options.memo;
  if (memo && memo.siteKey !== options.siteKey) Object.assign(memo, { siteKey: options.siteKey, keys: new Map() });
  const changed: string[] = [];
  const entries = new Array<ManifestEntry>(plan.length);
  // First the files whose inputs are as before: carried over, without rendering, in one quick pass.
  const todo: number[] = [];
  const keys = plan.map((p, i) => {
    const key = keyOf(p, options.siteKey, memo);
    const before = previous.get(p.path);
    if (before?.key === key) entries[i] = before;
    else todo.push(i);
    return key;
  });
  let done = plan.length - todo.length;
  const levels = options.levels ?? COMPRESSION_LEVELS;
  await mapLimit(todo, CONCURRENCY, async (i) => {
    if (++done % 256 === 0) options.progress?.("rendering", done, plan.length);
    const p = plan[i]!;
    const before = previous.get(p.path);
    const loaded = new Map(p.bodies.map((m) => [m.id, options.bodies.get(m)]));
    const text = p.render(loaded);
    const staged = await options.stage({ path: p.path, text, ...(levels[p.kind] ? { levels: levels[p.kind] } : {}), ...(before ? { previousSha: before.sha256 } : {}) });
    // Same bytes from new inputs (an edit elsewhere on a page): the file in dist/ and its variants stay.
    const variants = staged.written ? staged : before!;
    if (staged.written) changed.push(p.path);
    // Last-Modified is the newest date of the content shown, never a clock or the previous build's value,
    // so an incremental build and a clean one agree byte for byte. An edit that changes no date (a typo
    // fixed in a seed text, whose only date is its publication day) changes the ETag but not this.
    const { path, kind, contentType, link, lastModified } = p;
    const cacheControl = cachePolicyFor(kind, config.cacheControl);
    entries[i] = manifestEntryOf({ path, kind, contentType, cacheControl, link, size: staged.size, sha256: staged.sha256, lastModified, br: variants.br, gzip: variants.gzip }, keys[i]!);
  });
  return { entries: pathOrder(plan, memo).map((i) => entries[i]!), changed: changed.sort() };
}

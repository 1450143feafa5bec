// Planned files → output files: rendered, hashed, compressed and staged, one at a time with bounded
// concurrency, so no step holds the whole site. A file whose inputs did not change since the previous
// build is neither rendered nor written: its manifest entry is carried over.

import { mapLimit } from "../concurrency.ts";
import { sha256 } from "../hash.ts";
import type { PlanChange } from "../render/plan.ts";
import type { PlannedFile } from "../render/site.ts";
import type { Article, ArticleMeta, ProgressReport, SiteConfig, StagedFile, StageRequest } from "../types.ts";
import { cachePolicyFor } from "./cache-policy.ts";
import { COMPRESSION_LEVELS, type CompressionLevels } from "./compress.ts";
import { manifestEntryOf, type ManifestEntry } from "./manifest.ts";

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

export interface ProduceOptions {
  config: SiteConfig;
  /** Stands for seedfeed's own code and the config: a change of either makes every key new. */
  siteKey: string;
  /** The previous build's manifest entries by path (empty for a clean build). */
  previous: ReadonlyMap<string, ManifestEntry>;
  /** The version of an article's seed (its sha-256): part of the key of every file that shows it. */
  versionOf(m: ArticleMeta): string;
  bodies: BodyCache;
  /** Hashes, compresses and writes a rendered file, unless its bytes are `previousSha`'s (Staging.write). */
  stage(file: Omit<StageRequest, "id" | "dir">): Promise<StagedFile>;
  levels?: CompressionLevels;
  progress?: ProgressReport;
}

interface Produced {
  /** Every file of the site, by path. */
  entries: ManifestEntry[];
  /** Paths whose bytes changed (or appeared). */
  changed: string[];
}

function keyOf(p: PlannedFile, options: ProduceOptions): string {
  const versions = p.bodies.map((a) => `${a.id}@${options.versionOf(a)}`).join(",");
  return sha256(`${options.siteKey}\n${p.path}\n${p.about}\n${versions}`).slice(0, 32);
}

/** Renders a file whose key is new and stages it; its manifest entry, and whether its bytes changed. */
async function produceFile(p: PlannedFile, key: string, options: ProduceOptions): Promise<{ entry: ManifestEntry; written: boolean }> {
  const before = options.previous.get(p.path);
  const levels = (options.levels ?? COMPRESSION_LEVELS)[p.kind];
  const loaded = new Map(p.bodies.map((m) => [m.id, options.bodies.get(m)]));
  const text = p.render(loaded);
  const staged = await options.stage({ path: p.path, text, ...(levels ? { levels } : {}), ...(before ? { previousSha: before.sha256 } : {}) });
  // Same bytes from new inputs (an edit elsewhere on a page): the file in dist/ and its variants stay.
  const variants = staged.written ? staged : before!;
  // Last-Modified is the newest date of the content shown, never a clock or the previous build's value,
  // so an incremental build and a clean one agree byte for byte. An edit that changes no date (a typo
  // fixed in a seed text, whose only date is its publication day) changes the ETag but not this.
  const { path, kind, contentType, link, lastModified } = p;
  const cacheControl = cachePolicyFor(kind, options.config.cacheControl);
  const entry = manifestEntryOf({ path, kind, contentType, cacheControl, link, size: staged.size, sha256: staged.sha256, lastModified, br: variants.br, gzip: variants.gzip }, key);
  return { entry, written: staged.written };
}

/** Every file of the site: unchanged ones carried over from the previous build, the others made again. */
export async function produceOutputs(plan: readonly PlannedFile[], options: ProduceOptions): Promise<Produced> {
  const changed: string[] = [];
  const entries = new Array<ManifestEntry>(plan.length);
  // First the files whose inputs are as before: carried over, without rendering, in one quick pass.
  const todo: [number, string][] = [];
  plan.forEach((p, i) => {
    const key = keyOf(p, options);
    const before = options.previous.get(p.path);
    if (before?.key === key) entries[i] = before;
    else todo.push([i, key]);
  });
  let done = plan.length - todo.length;
  await mapLimit(todo, CONCURRENCY, async ([i, key]) => {
    if (++done % 256 === 0) options.progress?.("rendering", done, plan.length);
    const made = await produceFile(plan[i]!, key, options);
    entries[i] = made.entry;
    if (made.written) changed.push(plan[i]!.path);
  });
  const order = plan.map((_, i) => i).sort((a, b) => byPath(plan[a]!, plan[b]!));
  for (let i = 1; i < order.length; i++) {
    if (plan[order[i]!]!.path === plan[order[i - 1]!]!.path) throw new Error(`two outputs claim the path ${plan[order[i]!]!.path}`);
  }
  return { entries: order.map((i) => entries[i]!), changed: changed.sort() };
}

/** What a whole new set of entries changes in dist/: entries not carried over as the very same object, and paths gone. */
export function changesFrom(entries: readonly ManifestEntry[], previous: ReadonlyMap<string, ManifestEntry>): { changes: Map<string, ManifestEntry | undefined>; gone: string[] } {
  const changes = new Map<string, ManifestEntry | undefined>();
  const present = new Set<string>();
  for (const e of entries) {
    present.add(e.path);
    if (previous.get(e.path) !== e) changes.set(e.path, e);
  }
  const gone = [...previous.keys()].filter((p) => !present.has(p));
  for (const p of gone) changes.set(p, undefined);
  return { changes, gone };
}

/** What a watch-mode rebuild changed: the new entry of each changed path (undefined: gone). */
export interface ProducedChange {
  changes: Map<string, ManifestEntry | undefined>;
  /** Paths whose bytes changed (or appeared). */
  changed: string[];
  /** Paths dist/ has and the site no longer does. */
  gone: string[];
}

/** Watch mode: produces only a plan change's files, against `previous` (the entries of dist/ now). */
export async function produceChange(change: PlanChange, options: ProduceOptions): Promise<ProducedChange> {
  const changes = new Map<string, ManifestEntry | undefined>();
  const changed: string[] = [];
  const todo: [PlannedFile, string][] = [];
  for (const p of change.fresh) {
    const key = keyOf(p, options);
    if (options.previous.get(p.path)?.key !== key) todo.push([p, key]);
  }
  await mapLimit(todo, CONCURRENCY, async ([p, key]) => {
    const made = await produceFile(p, key, options);
    changes.set(p.path, made.entry);
    if (made.written) changed.push(p.path);
  });
  const gone = change.gone.filter((path) => options.previous.has(path));
  for (const path of gone) changes.set(path, undefined);
  return { changes, changed: changed.sort(), gone };
}

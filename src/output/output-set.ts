// Planned files → output files: rendered, hashed, compressed and staged, one at a time with bounded
// concurrency, so no step holds the whole site. A file whose inputs did not change since the previous
// build is neither rendered nor written: its manifest entry is carried over.

import { codeVersion } from "../code-version.ts";
import { mapLimit } from "../concurrency.ts";
import { sha256 } from "../hash.ts";
import type { PlannedFile } from "../render/site.ts";
import type { Article, ArticleMeta, ProgressReport, SiteConfig, StagedFile, StageRequest } from "../types.ts";
import { cachePolicyFor } from "./cache-policy.ts";
import { precompressLevels, type CompressionLevels } from "./compress.ts";
import { manifestEntryOf, type ManifestEntry } from "./manifest.ts";

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
  stage(file: Omit<StageRequest, "id" | "dir" | "encodedDir">): Promise<StagedFile>;
  levels?: CompressionLevels;
  progress?: ProgressReport;
}

/** An entry for each planned file, in plan order, and the paths whose bytes changed (or appeared). */
export interface Produced {
  entries: ManifestEntry[];
  written: string[];
}

/** The versions of the articles the last keyed file showed: a page's three feeds show one list. */
interface LastVersions {
  bodies?: readonly ArticleMeta[];
  versions?: string;
}

/** The key of a planned file (a one-edit build keys every file of the site). */
function keyOf(p: PlannedFile, options: ProduceOptions, last: LastVersions): string {
  if (last.bodies !== p.bodies) {
    last.bodies = p.bodies;
    last.versions = p.bodies.map((a) => `${a.id}@${options.versionOf(a)}`).join(",");
  }
  const versions = last.versions!;
  return sha256(`${options.siteKey}\n${p.path}\n${p.about}\n${versions}`).slice(0, 32);
}

/** The config and seedfeed's code, in one key: a change of either makes every output new. */
export function siteKeyOf(config: SiteConfig): string {
  return sha256(`${codeVersion()}\n${JSON.stringify(config)}`).slice(0, 32);
}

/** Renders a file whose key is new and stages it; its manifest entry, and whether its bytes changed. */
async function produceFile(p: PlannedFile, key: string, options: ProduceOptions): Promise<{ entry: ManifestEntry; written: boolean }> {
  const levels = precompressLevels(p, options.config.precompress, options.levels);
  // The file in dist/ can stay only if it has variants when it should (the precompress mode may have changed).
  const previous = options.previous.get(p.path);
  const before = previous && Boolean(previous.br || previous.gzip) === Boolean(levels) ? previous : undefined;
  const text = p.render((m) => options.bodies.get(m));
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

/**
 * Produces planned files against `options.previous`: a file whose key is unchanged keeps its previous
 * entry (the very same object: the commit tells carried-over files by that) and is neither rendered nor
 * written; the others are rendered and staged, a few at a time.
 */
export async function produceFiles(files: readonly PlannedFile[], options: ProduceOptions): Promise<Produced> {
  const written: string[] = [];
  const entries = new Array<ManifestEntry>(files.length);
  // First the files whose inputs are as before: carried over, without rendering, in one quick pass.
  const todo: [number, string][] = [];
  const last: LastVersions = {};
  files.forEach((p, i) => {
    const key = keyOf(p, options, last);
    const before = options.previous.get(p.path);
    if (before?.key === key) entries[i] = before;
    else todo.push([i, key]);
  });
  let done = files.length - todo.length;
  await mapLimit(todo, CONCURRENCY, async ([i, key]) => {
    if (++done % 256 === 0) options.progress?.("rendering", done, files.length);
    const made = await produceFile(files[i]!, key, options);
    entries[i] = made.entry;
    if (made.written) written.push(files[i]!.path);
  });
  return { entries, written: written.sort() };
}

/**
 * What produced entries change in dist/ (whose entries are `previous`): each entry that is not the very
 * same object as before, and each path of `gone` that dist/ has, as undefined.
 */
export function changesOf(entries: readonly ManifestEntry[], gone: readonly string[], previous: ReadonlyMap<string, ManifestEntry>): Map<string, ManifestEntry | undefined> {
  const changes = new Map<string, ManifestEntry | undefined>();
  for (const e of entries) if (previous.get(e.path) !== e) changes.set(e.path, e);
  for (const path of gone) if (previous.has(path)) changes.set(path, undefined);
  return changes;
}

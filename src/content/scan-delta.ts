// A scan of a few named seeds applied to the previous scan's result (watch mode): the article list is
// updated by binary search, and the change is named as the metadata objects that went and came.

import type { ArticleMeta, Diagnostic } from "../types.ts";
import { byFileAndLine, newestFirstIndex } from "./article.ts";
import { effectiveMeta, recordDiagnostics, type SeedIndex } from "./seed-index.ts";

/** What a scan lists; `ids` is absent when two seeds share one id (then no delta can follow it). */
export interface ScanListing {
  /** Newest first, duplicates removed. */
  metas: ArticleMeta[];
  diagnostics: Diagnostic[];
  ids?: Set<string>;
}

/** The metadata objects taken out of a listing and those put in (an edited seed is both). */
export interface ScanDelta {
  removed: ArticleMeta[];
  added: ArticleMeta[];
}

/** What each named seed shows before its records are refreshed: `applyScanDelta` compares against it. */
export function metasBefore(index: SeedIndex, sources: readonly string[], keepLastGood: boolean | undefined): Map<string, ArticleMeta | undefined> {
  return new Map(sources.map((source) => [source, effectiveMeta(index.get(source), keepLastGood)]));
}

/**
 * The previous listing with the named seeds' old articles taken out and their new ones put in their
 * places; undefined when ids collide (a full listing then reports the duplicates). Takes over
 * `previous.ids`: the previous listing must not be used again.
 */
export function applyScanDelta(previous: ScanListing, index: SeedIndex, before: ReadonlyMap<string, ArticleMeta | undefined>, keepLastGood: boolean | undefined): (ScanListing & { delta: ScanDelta }) | undefined {
  const ids = previous.ids;
  if (!ids) return undefined;
  const metas = previous.metas.slice();
  const after = new Map<string, ArticleMeta | undefined>();
  const removed: ArticleMeta[] = [];
  const added: ArticleMeta[] = [];
  for (const [source, old] of before) {
    const now = effectiveMeta(index.get(source), keepLastGood);
    if (now === old) continue;
    after.set(source, now);
    if (!old) continue;
    removed.push(old);
    const at = newestFirstIndex(metas, old);
    if (metas[at] !== old) return undefined; // not listed: it was a duplicate after all
    metas.splice(at, 1);
    ids.delete(old.id);
  }
  for (const now of after.values()) {
    if (!now) continue;
    if (ids.has(now.id)) return undefined;
    ids.add(now.id);
    added.push(now);
    metas.splice(newestFirstIndex(metas, now), 0, now);
  }
  const diagnostics = previous.diagnostics.filter((d) => !before.has(d.file));
  for (const source of before.keys()) {
    const record = index.get(source);
    if (record) diagnostics.push(...recordDiagnostics(record, keepLastGood));
  }
  return { metas, diagnostics: diagnostics.sort(byFileAndLine), ids, delta: { removed, added } };
}

import type { ArticleMeta, Diagnostic } from "../types.ts";

/** Newest first; ties broken by id so the order is total and the same on every machine. */
export function newestFirst(a: ArticleMeta, b: ArticleMeta): number {
  if (a.published !== b.published) return a.published < b.published ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Where `a` is, or would go, in a newest-first list: a binary search. */
export function newestFirstIndex(articles: readonly ArticleMeta[], a: ArticleMeta): number {
  let lo = 0;
  let hi = articles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newestFirst(articles[mid]!, a) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function byFileAndLine(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0);
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}${d.line ? `:${d.line}` : ""}: ${d.severity}: ${d.message}`;
}

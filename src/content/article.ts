import type { ArticleMeta, Diagnostic } from "../types.ts";
import { lowerBound } from "../sorted.ts";

/** Newest first; ties broken by id so the order is total and the same on every machine. */
export function newestFirst(a: ArticleMeta, b: ArticleMeta): number {
  if (a.published !== b.published) return a.published < b.published ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Where `a` is, or would go, in a newest-first list. */
export function newestFirstIndex(articles: readonly ArticleMeta[], a: ArticleMeta): number {
  return lowerBound(articles, (m) => newestFirst(m, a) < 0);
}

export function byFileAndLine(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0);
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}${d.line ? `:${d.line}` : ""}: ${d.severity}: ${d.message}`;
}

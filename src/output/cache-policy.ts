// The one cache policy table. The server sends it and dist/_headers declares it, so a CDN serving dist/
// caches exactly as seedfeed's own host does.

import type { FileKind } from "../types.ts";

export type PolicyKind = Exclude<FileKind, "manifest">;

export const DEFAULT_CACHE_CONTROL: Record<PolicyKind, string> = {
  // Readers poll; a CDN may answer from cache for 5 minutes, then serve stale for up to an hour while it revalidates.
  feed: "public, max-age=300, stale-while-revalidate=3600",
  // A full archive page changes only when one of its articles is edited: let caches keep it for a day.
  archive: "public, max-age=86400, stale-while-revalidate=604800",
  // Pages link to each other; keep them fresher than feeds.
  html: "public, max-age=60, stale-while-revalidate=600",
  // The name carries a content hash: new content gets a new name.
  immutable: "public, max-age=31536000, immutable",
};

export const POLICY_KINDS = Object.keys(DEFAULT_CACHE_CONTROL) as PolicyKind[];

export function cachePolicyFor(kind: FileKind, table: Record<PolicyKind, string> = DEFAULT_CACHE_CONTROL): string {
  return kind === "manifest" ? "no-store" : table[kind];
}

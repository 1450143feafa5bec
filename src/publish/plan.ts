// What a publish does, decided before it writes anything: which files to upload and why, in which order,
// and which objects to delete. Pure: the bucket is described to it, never asked.

import type { SiteFile } from "./site-files.ts";
import type { PublishedObject } from "./state.ts";

/** An object the bucket may hold, but whose bytes or headers are not known (with why not). */
export interface UnknownObject {
  unknown: string;
}

/** What is in the bucket under the prefix, by key, as far as publish knows. */
export type BucketView = ReadonlyMap<string, PublishedObject | UnknownObject>;

export interface Upload {
  file: SiteFile;
  reason: string;
}

/** Uploads that may run together; a batch starts when the one before it has ended. */
export interface Batch {
  label: string;
  uploads: Upload[];
}

export interface Deletion {
  key: string;
  reason: string;
}

export interface PublishPlan {
  batches: Batch[];
  /** Run last, when nothing published links to them any more. */
  deletions: Deletion[];
  unchanged: number;
}

/**
 * Kinds of file in the order their links allow: a file is uploaded after what it links to. Pages link
 * to assets; archive pages to pages; list pages and indexes to pages; feeds to pages and archive pages.
 * (A page's links to its tags' list pages and to the feeds go the other way; see planPublish.)
 */
const TIERS: { label: string; holds: (f: SiteFile) => boolean }[] = [
  { label: "assets", holds: (f) => f.kind === "immutable" },
  { label: "pages and archive pages", holds: (f) => f.kind === "archive" || (f.kind === "html" && !f.urlPath.endsWith("/")) },
  { label: "list pages and indexes", holds: (f) => f.kind === "html" && f.urlPath.endsWith("/") },
  { label: "feeds", holds: (f) => f.kind === "feed" },
];

function tierOf(f: SiteFile): number {
  const tier = TIERS.findIndex((t) => t.holds(f));
  if (tier < 0) throw new Error(`publish: no upload order for ${f.path} (kind ${f.kind})`);
  return tier;
}

/** Why the file must be uploaded over what the bucket holds, or undefined when it holds these very bytes and headers. */
function changeOf(file: SiteFile, held: PublishedObject | UnknownObject): string | undefined {
  if ("unknown" in held) return held.unknown;
  if (held.sha256 !== file.sha256 || held.size !== file.size) return "content changed";
  if (held.contentType !== file.contentType) return `Content-Type changed (was ${held.contentType})`;
  if (held.cacheControl !== file.cacheControl) return `Cache-Control changed (was ${held.cacheControl})`;
  return undefined;
}

/**
 * New objects first, then changed ones, each group in TIERS order; deletions last.
 *
 * Every object the bucket holds stays there until the deletions, so a link to it resolves throughout.
 * A new object is linked only by other new objects and by the changed ones that replace what is live;
 * uploading every new object before any changed one means that whatever a visitor can reach resolves at
 * every moment. New objects can link to each other in a circle (a new tag's page and feeds, and the
 * article that brings the tag), so no order makes every link of every new object resolve on its own;
 * none of them is reachable until a changed object links to it. The tiers also keep the feeds behind
 * the pages they show, so a reader polling a feed never meets an entry whose page is still missing or
 * older than the feed.
 */
export function planPublish(files: readonly SiteFile[], bucket: BucketView, options: { force?: boolean } = {}): PublishPlan {
  const fresh: Upload[][] = TIERS.map(() => []);
  const changed: Upload[][] = TIERS.map(() => []);
  let unchanged = 0;
  const inSite = new Set<string>();
  for (const file of files) {
    inSite.add(file.key);
    const held = bucket.get(file.key);
    if (!held) {
      fresh[tierOf(file)]!.push({ file, reason: "new" });
      continue;
    }
    const change = changeOf(file, held) ?? (options.force ? "--force" : undefined);
    // An object of unknown bytes may be live: it is replaced after the new ones, like a changed one.
    if (change === undefined) unchanged++;
    else changed[tierOf(file)]!.push({ file, reason: change });
  }
  const batches: Batch[] = [];
  TIERS.forEach((t, i) => fresh[i]!.length > 0 && batches.push({ label: `new ${t.label}`, uploads: fresh[i]! }));
  TIERS.forEach((t, i) => changed[i]!.length > 0 && batches.push({ label: `changed ${t.label}`, uploads: changed[i]! }));
  const deletions: Deletion[] = [];
  for (const [key, held] of bucket) {
    if (inSite.has(key)) continue;
    deletions.push({ key, reason: "unknown" in held ? `not in the site (${held.unknown})` : "not in the site any more" });
  }
  deletions.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { batches, deletions, unchanged };
}

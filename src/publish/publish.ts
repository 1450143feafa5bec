// seedfeed publish: dist/ → an S3-compatible bucket, incrementally, in an order that keeps every link
// resolving, safe to interrupt at any point. Reads the bucket's state, plans (plan.ts), then writes.

import { writeFile } from "node:fs/promises";
import { mapLimit } from "../concurrency.ts";
import { FEED_PATHS, urlPathOf } from "../render/urls.ts";
import type { ProgressReport } from "../types.ts";
import { Bucket, type BucketOptions } from "./bucket.ts";
import { planPublish, type BucketView, type PublishPlan, type UnknownObject } from "./plan.ts";
import { readSiteFile, readSiteFiles, type SiteFile } from "./site-files.ts";
import { STATE_KEY, decodeState, encodeState, type PublishState, type PublishedObject } from "./state.ts";
import { formatTarget } from "./target.ts";

export interface PublishOptions extends BucketOptions {
  /** The built site. */
  dir: string;
  dryRun?: boolean;
  /** Upload every file, changed or not. */
  force?: boolean;
  /** A publish that would delete more objects stops before writing anything; negative: no limit. */
  maxDeletes: number;
  /** Where to write the URLs whose responses changed or vanished, one a line. */
  purgeList?: string;
  /** The site's base URL: the purge list's URLs are absolute. */
  baseUrl: string;
  progress?: ProgressReport;
  /** Notices (the state could not be used) and the dry run's plan, a line at a time. */
  log: (line: string) => void;
}

export interface PublishResult {
  plan: PublishPlan;
  uploaded: number;
  uploadedBytes: number;
  deleted: number;
  stateWrites: number;
}

export class TooManyDeletesError extends Error {}

/** The site's entry points: what readers know without following a link. A state that is wrong about them is not trusted. */
const ENTRY_POINTS = new Set(["index.html", ...Object.values(FEED_PATHS)]);

const sameObject = (a: PublishedObject | UnknownObject | undefined, b: PublishedObject) =>
  a !== undefined && !("unknown" in a) && a.sha256 === b.sha256 && a.size === b.size && a.contentType === b.contentType && a.cacheControl === b.cacheControl;

function publishedOf(f: SiteFile): PublishedObject {
  return { sha256: f.sha256, size: f.size, contentType: f.contentType, cacheControl: f.cacheControl };
}

/** The last publish's state, checked against the bucket where that is cheap; or why it cannot be used. */
async function trustedState(bucket: Bucket, prefix: string): Promise<PublishState | string> {
  const bytes = await bucket.get(STATE_KEY);
  if (!bytes) return `there is no ${STATE_KEY} under the prefix`;
  const state = decodeState(bytes, prefix);
  if ("problem" in state) return `${STATE_KEY} cannot be used: ${state.problem}`;
  const points = [...state.objects].filter(([key]) => ENTRY_POINTS.has(key));
  const held = await Promise.all(points.map(([key]) => bucket.head(key)));
  const differs = points.findIndex(([, o], i) => !sameObject(held[i], o));
  if (differs >= 0) return `${points[differs]![0]} in the bucket is not what ${STATE_KEY} says (something else wrote or deleted it)`;
  return state;
}

function viewOfState(state: PublishState): Map<string, PublishedObject | UnknownObject> {
  const view = new Map<string, PublishedObject | UnknownObject>(state.objects);
  for (const key of state.pending) if (!view.has(key)) view.set(key, { unknown: "an interrupted publish was writing it" });
  for (const key of state.deleting) if (!view.has(key)) view.set(key, { unknown: "an interrupted publish was deleting it" });
  return view;
}

/** Without a state: a listing, and a HEAD of each object whose size matches its file's (the only way to learn its hash and headers). */
async function viewOfListing(bucket: Bucket, files: readonly SiteFile[], options: PublishOptions): Promise<Map<string, PublishedObject | UnknownObject>> {
  const listed = await bucket.list();
  const bySite = new Map(files.map((f) => [f.key, f]));
  const view = new Map<string, PublishedObject | UnknownObject>();
  const toCheck: string[] = [];
  for (const [key, size] of listed) {
    const file = bySite.get(key);
    if (!file) view.set(key, { unknown: "found in a listing" });
    else if (file.size !== size) view.set(key, { unknown: "content changed" });
    else toCheck.push(key);
  }
  let checked = 0;
  await mapLimit(toCheck, options.concurrency, async (key) => {
    const held = await bucket.head(key);
    if (held) view.set(key, held);
    options.progress?.("checking", ++checked, toCheck.length);
  });
  return view;
}

function printPlan(plan: PublishPlan, options: PublishOptions): void {
  const log = options.log;
  log(`dry run: the plan for ${formatTarget(options.target)} (nothing is written)`);
  let step = 0;
  for (const batch of plan.batches) {
    log(`${++step}. ${batch.label}`);
    for (const u of batch.uploads) log(`   upload ${u.file.key} (${u.reason})`);
  }
  if (plan.deletions.length > 0) {
    log(`${++step}. deletions, after the state is saved`);
    for (const d of plan.deletions) log(`   delete ${d.key} (${d.reason})`);
  }
}

function tooManyDeletes(plan: PublishPlan, maxDeletes: number): TooManyDeletesError {
  const n = plan.deletions.length;
  const shown = plan.deletions.slice(0, 5).map((d) => d.key).join(", ");
  return new TooManyDeletesError(
    `publish would delete ${n} objects (${shown}${n > 5 ? ", …" : ""}), more than --max-deletes ${maxDeletes} allows; nothing was written. ` +
      `Pass --max-deletes ${n} (or -1 for no limit) to allow it`,
  );
}

/** URLs whose responses changed or vanished, for a CDN purge: replaced and deleted objects (a new object had no response to purge). */
function purgeUrls(plan: PublishPlan, baseUrl: string): string[] {
  const paths = new Set<string>();
  for (const b of plan.batches) for (const u of b.uploads) if (u.reason !== "new" && u.reason !== "--force") paths.add(u.file.urlPath);
  // A deleted key is the path of the file it was stored from: an index.html, or a page at its own URL.
  for (const d of plan.deletions) paths.add(urlPathOf(d.key));
  return [...paths].sort().map((p) => new URL(p.slice(1), baseUrl).href);
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const files = readSiteFiles(options.dir);
  const bucket = new Bucket(options);
  try {
    const state = await trustedState(bucket, options.target.prefix);
    let view: BucketView;
    if (typeof state === "string") {
      options.log(`publish: ${state}: comparing with a listing of ${formatTarget(options.target)}`);
      view = await viewOfListing(bucket, files, options);
    } else view = viewOfState(state);
    const plan = planPublish(files, view, { force: options.force });
    const result: PublishResult = { plan, uploaded: 0, uploadedBytes: 0, deleted: 0, stateWrites: 0 };
    if (options.dryRun) printPlan(plan, options);
    if (options.maxDeletes >= 0 && plan.deletions.length > options.maxDeletes) throw tooManyDeletes(plan, options.maxDeletes);
    if (options.dryRun) return result;

    const saveState = async (s: Omit<PublishState, "prefix">) => {
      await bucket.put(STATE_KEY, encodeState({ prefix: options.target.prefix, ...s }), { contentType: "application/gzip", cacheControl: "no-store" });
      result.stateWrites++;
    };
    const uploads = plan.batches.flatMap((b) => b.uploads);
    const deleting = plan.deletions.map((d) => d.key);
    const named = new Set(typeof state === "string" ? [] : state.objects.keys());
    // Before the first write to a key the bucket's state does not name, name it: a publish killed after
    // that write leaves no object the next publish cannot find (it uploads it again or deletes it).
    const unnamed = [...uploads.map((u) => u.file.key), ...deleting].filter((k) => !named.has(k));
    if (uploads.length > 0 && unnamed.length > 0) {
      const known = new Map([...view].filter((e): e is [string, PublishedObject] => !("unknown" in e[1])));
      await saveState({ objects: known, pending: unnamed, deleting: [] });
    }

    const total = uploads.length;
    for (const batch of plan.batches) {
      await mapLimit(batch.uploads, options.concurrency, async ({ file }) => {
        const body = await readSiteFile(options.dir, file);
        await bucket.put(file.key, body, { contentType: file.contentType, cacheControl: file.cacheControl, sha256: file.sha256 });
        result.uploaded++;
        result.uploadedBytes += body.length;
        options.progress?.("uploading", result.uploaded, total);
      });
    }

    const site = new Map(files.map((f) => [f.key, publishedOf(f)]));
    const stateCurrent = typeof state !== "string" && state.pending.length === 0 && state.deleting.length === 0;
    if (total > 0 || deleting.length > 0 || !stateCurrent) await saveState({ objects: site, pending: [], deleting });
    if (deleting.length > 0) {
      await bucket.delete(deleting, (n) => {
        result.deleted += n;
        options.progress?.("deleting", result.deleted, deleting.length);
      });
      await saveState({ objects: site, pending: [], deleting: [] });
    }
    if (options.purgeList) await writeFile(options.purgeList, purgeUrls(plan, options.baseUrl).map((u) => `${u}\n`).join(""));
    return result;
  } finally {
    bucket.close();
  }
}

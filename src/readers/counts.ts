// Subscriber counts as the server saves them beside dist/ (`.dist-cache/subscribers.json`) and
// `seedfeed stats` reads them: numbers only, never a visitor or a hash of one.

import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cacheDirOf } from "../cache-dir.ts";
import { replaceFile } from "../replace-file.ts";

/**
 * Subscribers by reader: `announced` by aggregators for their users (the latest count of each of the
 * aggregator's ids of the feed, added up), `direct`: distinct readers that fetch for one person.
 */
export type ReaderCounts = Record<string, { announced: number; direct: number }>;

/**
 * Counts of each head feed, by URL path ("/rss.xml", "/tags/go/atom.xml"), and of each stream with its
 * formats together, by folder ("/", "/tags/go/"): there a reader fetching two formats counts once.
 */
export interface CountsView {
  feeds: Record<string, ReaderCounts>;
  streams: Record<string, ReaderCounts>;
}

export interface DayRecord extends CountsView {
  /** The UTC day, "2026-12-03". */
  day: string;
  /** Fetches by readers that were not told apart because the day's table was full (see tally.ts). */
  untracked?: number;
}

/** The last count an aggregator announced for one of its ids of a feed, and when (seconds since 1970). */
export interface Announcement {
  feed: string;
  reader: string;
  feedId: string;
  subscribers: number;
  seen: number;
}

export interface SavedCounts {
  version: 1;
  /** Seconds since 1970 of the save. */
  savedAt: number;
  /** The 24 hours before `savedAt`. */
  current: CountsView;
  /** The announcements still counted at `savedAt`: a restart keeps them. */
  announcements: Announcement[];
  /** One record per UTC day, oldest first; the last one is the day of `savedAt`, not over then. */
  days: DayRecord[];
}

/** Days of history kept: a year and a month, so a month can be set beside the same month a year before. */
export const HISTORY_DAYS = 400;

export function countsFile(dir: string): string {
  return join(cacheDirOf(dir), "subscribers.json");
}

/** The counts saved beside `dir`; undefined when there are none. Throws when they cannot be read. */
export async function readCounts(dir: string): Promise<SavedCounts | undefined> {
  let text: string;
  try {
    text = await readFile(countsFile(dir), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const counts = JSON.parse(text) as SavedCounts;
  if (counts.version !== 1 || !Array.isArray(counts.days)) throw new Error(`${countsFile(dir)} is not a subscriber count file this seedfeed can read`);
  return counts;
}

/** Saves the counts beside `dir`, by rename: a kill leaves the old file or the new one. */
export async function writeCounts(dir: string, counts: SavedCounts): Promise<void> {
  const file = countsFile(dir);
  await mkdir(dirname(file), { recursive: true });
  await replaceFile(file, `${JSON.stringify(counts)}\n`);
}

/** The folder of a feed's URL path: its stream ("/tags/go/atom.xml" → "/tags/go/"). */
export function streamOf(feed: string): string {
  return feed.slice(0, feed.lastIndexOf("/") + 1);
}

/** A reader's subscribers: announced and direct together. */
export const totalOf = (c: { announced: number; direct: number }): number => c.announced + c.direct;

/** Every reader's subscribers together. */
export function sumOf(counts: ReaderCounts | undefined): number {
  let n = 0;
  for (const c of Object.values(counts ?? {})) n += totalOf(c);
  return n;
}

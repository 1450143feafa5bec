// Subscribers of each head feed, counted from its requests, in bounded memory.
//
// An aggregator announces its subscribers: the tally keeps the latest count of each (feed, aggregator,
// aggregator's feed id), however many addresses it polls from, and adds up its ids (one aggregator may
// know a feed under several URLs, each with its own subscribers). An announcement counts for 7 days after
// it was last seen: small feeds are polled only daily. Any other reader counts one per distinct visitor
// (address and User-Agent, as a keyed hash: visitor-keys.ts) in the rolling 24 hours.
//
// Bounds: at most `direct` (visitor, feed) pairs a day (a request that would add one more is counted as
// `untracked`, and the pairs already there stay: a flood of random User-Agents cannot push real readers
// out), at most `announcements` announcements (past it, the one seen longest ago goes), at most `names`
// reader names a day that are not in the known list (further ones count as "other").

import type { Announcement, CountsView, DayRecord, ReaderCounts, SavedCounts } from "./counts.ts";
import { streamOf } from "./counts.ts";
import { KNOWN_READERS, type ReaderAgent } from "./user-agents.ts";
import { dayName, VISITOR_HASH_LENGTH } from "./visitor-keys.ts";

export interface TallyLimits {
  direct: number;
  announcements: number;
  names: number;
}

export const TALLY_LIMITS: TallyLimits = { direct: 32_768, announcements: 4_096, names: 64 };

const DAY = 86_400;
/** How long an aggregator's announcement counts after it was last seen. */
export const ANNOUNCEMENT_SECONDS = 7 * DAY;

/** One reader of one feed: its reader name and when it last fetched (seconds). */
interface Direct {
  reader: string;
  seen: number;
}

/** A view being added up: by feed and by stream, each by reader. */
class Counter {
  readonly view: CountsView = { feeds: {}, streams: {} };
  private readonly streamVisitors = new Map<string, Set<string>>();

  direct(feed: string, reader: string, visitor: string): void {
    this.at("feeds", feed, reader).direct++;
    // One visitor fetching the RSS and the Atom feed of a stream is one reader of the stream.
    const key = `${streamOf(feed)}\n${reader}`;
    let seen = this.streamVisitors.get(key);
    if (!seen) this.streamVisitors.set(key, (seen = new Set()));
    if (!seen.has(visitor)) {
      seen.add(visitor);
      this.at("streams", streamOf(feed), reader).direct++;
    }
  }

  announced(feed: string, reader: string, subscribers: number): void {
    this.at("feeds", feed, reader).announced += subscribers;
    this.at("streams", streamOf(feed), reader).announced += subscribers;
  }

  /** Never less than `floor` for any reader it names (what was counted before a restart). */
  atLeast(floor: CountsView | undefined): void {
    for (const scope of ["feeds", "streams"] as const) {
      for (const [name, readers] of Object.entries(floor?.[scope] ?? {})) {
        for (const [reader, c] of Object.entries(readers)) {
          const here = this.at(scope, name, reader);
          here.direct = Math.max(here.direct, c.direct);
        }
      }
    }
  }

  private at(scope: "feeds" | "streams", name: string, reader: string): { announced: number; direct: number } {
    const readers: ReaderCounts = (this.view[scope][name] ??= {});
    return (readers[reader] ??= { announced: 0, direct: 0 });
  }
}

export class SubscriberTally {
  /** Today's readers, by visitor hash (under today's key) and feed. */
  private today = new Map<string, Direct>();
  /** Yesterday's, under yesterday's key; an entry moves to `today` when its reader comes back. */
  private yesterday = new Map<string, Direct>();
  private readonly announcements = new Map<string, Announcement>();
  private names = new Set<string>();
  private untracked = 0;
  private readonly days: DayRecord[];
  /** What was counted before a restart, which the new key cannot recognise: a floor, never added. */
  private floors: { current?: CountsView; until: number; today?: CountsView; day: number };

  constructor(
    private day: number,
    private readonly limits: TallyLimits = TALLY_LIMITS,
    saved?: SavedCounts,
  ) {
    const open = saved?.days.at(-1);
    const reopened = open !== undefined && open.day === dayName(day);
    this.days = (saved?.days ?? []).slice(0, reopened ? -1 : undefined);
    this.floors = {
      ...(saved ? { current: saved.current } : {}),
      until: (saved?.savedAt ?? 0) + DAY,
      ...(reopened ? { today: open } : {}),
      day,
    };
    if (reopened && open.untracked) this.untracked = open.untracked;
    for (const a of saved?.announcements ?? []) this.announcements.set(announcementKey(a.feed, a.reader, a.feedId), a);
  }

  /**
   * One fetch of `feed` by a reader; `key` is its visitor hash under today's key followed by `feed`.
   * `yesterdayHash` gives its hash under yesterday's key, asked for only on its first fetch of the day.
   */
  observe(key: string, feed: string, agent: ReaderAgent, yesterdayHash: () => string | undefined, now: number): void {
    if (agent.subscribers !== undefined) return this.announce(feed, agent.reader, agent.feedId ?? "", agent.subscribers, now);
    const known = this.today.get(key);
    if (known) {
      known.seen = now;
      return;
    }
    if (this.yesterday.size > 0) {
      const before = yesterdayHash();
      if (before !== undefined) this.yesterday.delete(before + feed);
    }
    if (this.today.size >= this.limits.direct) {
      this.untracked++;
      return;
    }
    this.today.set(key, { reader: this.nameOf(agent.reader), seen: now });
  }

  /** Closes the current day and starts `day` (later): the day's record goes to the history. */
  startDay(day: number, now: number): void {
    this.days.push(this.dayRecord(now));
    this.yesterday = day === this.day + 1 ? this.today : new Map();
    this.today = new Map();
    this.names = new Set();
    this.untracked = 0;
    this.day = day;
  }

  /** The counts as saved, at `now` (within the current day), with at most `historyDays` days. */
  saved(now: number, historyDays: number): SavedCounts {
    return {
      version: 1,
      savedAt: now,
      current: this.current(now),
      announcements: [...this.announcements.values()].filter((a) => a.seen > now - ANNOUNCEMENT_SECONDS).sort(byAnnouncement),
      days: [...this.days, this.dayRecord(now)].slice(-historyDays),
    };
  }

  /** The rolling 24 hours before `now`. */
  current(now: number): CountsView {
    const c = new Counter();
    for (const [key, d] of this.today) if (d.seen > now - DAY) c.direct(key.slice(VISITOR_HASH_LENGTH), d.reader, key.slice(0, VISITOR_HASH_LENGTH));
    for (const [key, d] of this.yesterday) if (d.seen > now - DAY) c.direct(key.slice(VISITOR_HASH_LENGTH), d.reader, `y${key.slice(0, VISITOR_HASH_LENGTH)}`);
    this.addAnnouncements(c, now);
    if (now < this.floors.until) c.atLeast(this.floors.current);
    return c.view;
  }

  private dayRecord(now: number): DayRecord {
    const c = new Counter();
    for (const [key, d] of this.today) c.direct(key.slice(VISITOR_HASH_LENGTH), d.reader, key.slice(0, VISITOR_HASH_LENGTH));
    this.addAnnouncements(c, now);
    if (this.floors.day === this.day) c.atLeast(this.floors.today);
    return { day: dayName(this.day), ...c.view, ...(this.untracked > 0 ? { untracked: this.untracked } : {}) };
  }

  private addAnnouncements(c: Counter, now: number): void {
    for (const a of this.announcements.values()) if (a.seen > now - ANNOUNCEMENT_SECONDS) c.announced(a.feed, a.reader, a.subscribers);
  }

  private announce(feed: string, reader: string, feedId: string, subscribers: number, now: number): void {
    const key = announcementKey(feed, reader, feedId);
    const known = this.announcements.get(key);
    if (known) {
      known.subscribers = subscribers;
      known.seen = now;
      return;
    }
    if (this.announcements.size >= this.limits.announcements) {
      let oldest: string | undefined;
      let oldestSeen = Infinity;
      for (const [k, a] of this.announcements) if (a.seen < oldestSeen) [oldest, oldestSeen] = [k, a.seen];
      this.announcements.delete(oldest!);
    }
    this.announcements.set(key, { feed, reader: this.nameOf(reader), feedId, subscribers, seen: now });
  }

  /** Known readers keep their names; past `limits.names` other names a day, "other". */
  private nameOf(reader: string): string {
    if (KNOWN_READERS.has(reader) || this.names.has(reader)) return reader;
    if (this.names.size >= this.limits.names) return "other";
    this.names.add(reader);
    return reader;
  }
}

const announcementKey = (feed: string, reader: string, feedId: string) => `${feed}\n${reader}\n${feedId}`;

const byAnnouncement = (a: Announcement, b: Announcement) =>
  a.feed < b.feed ? -1 : a.feed > b.feed ? 1 : a.reader < b.reader ? -1 : a.reader > b.reader ? 1 : a.feedId < b.feedId ? -1 : a.feedId > b.feedId ? 1 : 0;

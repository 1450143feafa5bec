// What the server does for feed readers on each fetch of a head feed: count its subscribers (tally.ts)
// and hold back clients that poll far faster than the feed's Cache-Control asks (guard.ts). Both know a
// visitor only as a keyed hash of its address and User-Agent (visitor-keys.ts), made once per fetch;
// the address itself is forgotten with the request. No I/O here: the server saves `saved()` beside dist/.

import type { SavedCounts } from "./counts.ts";
import { HISTORY_DAYS } from "./counts.ts";
import { PollingGuard } from "./guard.ts";
import { SubscriberTally, type TallyLimits } from "./tally.ts";
import { readerOfCached } from "./user-agents.ts";
import { dayOf, VisitorKeys } from "./visitor-keys.ts";

export interface FeedReadersOptions {
  /** Count subscribers. */
  counts: boolean;
  /** Fetches of one feed by one client allowed per max-age window; 0: no guard. */
  guardLimit: number;
  /** The counts saved before (a restart). */
  saved?: SavedCounts;
  limits?: TallyLimits;
  guardCapacity?: number;
}

export class FeedReaders {
  private readonly keys: VisitorKeys;
  private readonly tally: SubscriberTally | undefined;
  private readonly guard: PollingGuard | undefined;
  private changed = false;

  constructor(options: FeedReadersOptions, now: number) {
    this.keys = new VisitorKeys(dayOf(now));
    this.tally = options.counts ? new SubscriberTally(dayOf(now), options.limits, options.saved) : undefined;
    this.guard = options.guardLimit > 0 ? new PollingGuard(options.guardLimit, options.guardCapacity) : undefined;
  }

  /** Moves to the UTC day of `now` (a new day: the tally closes the day before, visitors get a new key); returns it. */
  advance(now: number): number {
    if (dayOf(now) > this.keys.day) this.startDay(now);
    return this.keys.day;
  }

  /**
   * The visitor's hash under the current day's key (call `advance` first). The server keeps it for the
   * next requests on the same connection that day: the HMAC is most of what a fetch costs here.
   */
  visitorHash(address: string, userAgent: string): string {
    return this.keys.hash(`${address}\n${userAgent}`);
  }

  /**
   * One fetch of the head feed at URL path `feed` (its 304s included), by the visitor whose hash (under
   * today's key) is `hash`. Returns the seconds it must wait before it fetches this feed again (429), or 0.
   */
  poll(feed: string, userAgent: string, address: string, maxAgeSeconds: number, now: number, hash?: string): number {
    const day = this.keys.day;
    if (this.advance(now) !== day || hash === undefined) hash = this.visitorHash(address, userAgent);
    const client = hash + feed;
    if (this.tally) {
      const agent = readerOfCached(userAgent);
      if (agent) {
        this.tally.observe(client, feed, agent, () => this.keys.hashYesterday(`${address}\n${userAgent}`), now);
        this.changed = true;
      }
    }
    return this.guard ? this.guard.check(client, maxAgeSeconds, now) : 0;
  }

  /** The counts to save at `now`; undefined when nothing was counted since the last call. */
  takeCounts(now: number): SavedCounts | undefined {
    this.advance(now);
    if (!this.tally || !this.changed) return undefined;
    this.changed = false;
    return this.tally.saved(now, HISTORY_DAYS);
  }

  /** The counts at `now`, changed or not (stats reads a log through this). */
  counts(now: number): SavedCounts | undefined {
    this.advance(now);
    return this.tally?.saved(now, HISTORY_DAYS);
  }

  /** A new UTC day: the tally closes the day before, visitors get a new key. */
  private startDay(now: number): void {
    const day = dayOf(now);
    this.tally?.startDay(day, now);
    this.keys.rotate(day);
    this.changed = true;
  }
}

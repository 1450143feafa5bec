// The polite-polling guard: a client (address and User-Agent, as a keyed hash) that fetches a feed more
// than `limit` times within one max-age window of its Cache-Control (304s count too) gets 429 Too Many
// Requests until the window ends. A window starts at a client's first fetch and lasts max-age seconds;
// a reader that polls no faster than max-age allows never sees a 429.
//
// Bounded: at most `capacity` clients are followed. Past it, the client whose window began first is
// forgotten (its window is the nearest to its end), so a flood of new clients can make the guard forget
// a fast poller: it then fails open, and never blocks a reader that behaves.

interface Window {
  start: number;
  fetches: number;
}

export const GUARD_CAPACITY = 16_384;

export class PollingGuard {
  /** By client and feed, in the order their windows began. */
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly capacity = GUARD_CAPACITY,
  ) {}

  /** One fetch by `client` at `now` (seconds), of a feed with this max-age: the seconds it must wait (429), or 0. */
  check(client: string, maxAgeSeconds: number, now: number): number {
    if (maxAgeSeconds <= 0) return 0;
    let w = this.windows.get(client);
    if (w === undefined || now >= w.start + maxAgeSeconds) {
      if (w !== undefined) this.windows.delete(client);
      else if (this.windows.size >= this.capacity) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(client, (w = { start: now, fetches: 0 }));
    }
    return ++w.fetches > this.limit ? Math.max(1, Math.ceil(w.start + maxAgeSeconds - now)) : 0;
  }

  /** Clients followed now. */
  get size(): number {
    return this.windows.size;
  }
}

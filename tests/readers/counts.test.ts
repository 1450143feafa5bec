// Subscriber counts and the polling guard on their own, driven like the server drives them (one call
// per fetch, a clock given by the test): aggregators counted once however many addresses they poll from,
// one reader per visitor in a rolling 24 hours, midnight, a restart, a flood of random clients.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HISTORY_DAYS, sumOf, type SavedCounts } from "../../src/readers/counts.ts";
import { PollingGuard } from "../../src/readers/guard.ts";
import { FeedReaders } from "../../src/readers/readers.ts";
import { TALLY_LIMITS } from "../../src/readers/tally.ts";

const RECORDED = (JSON.parse(readFileSync(new URL("../fixtures/reader-user-agents.json", import.meta.url), "utf8")) as { agents: { userAgent: string; expected: { reader: string } | null }[] }).agents;
const ua = (reader: string, nth = 0) => RECORDED.filter((r) => r.expected?.reader === reader)[nth]!.userAgent;

const HOUR = 3600;
const DAY = 24 * HOUR;
/** 2026-03-10 00:00 UTC. */
const T0 = Date.UTC(2026, 2, 10) / 1000;

const counting = (now = T0, saved?: SavedCounts) => new FeedReaders({ counts: true, guardLimit: 0, ...(saved ? { saved } : {}) }, now);
const fetch = (r: FeedReaders, feed: string, userAgent: string, address: string, now: number) => r.poll(feed, userAgent, address, 300, now);
const total = (s: SavedCounts | undefined, scope: "feeds" | "streams", name: string) => sumOf(s?.current[scope][name]);

describe("aggregators", () => {
  it("one aggregator polling from many addresses counts once, at its latest count", () => {
    const r = counting();
    for (let i = 0; i < 20; i++) fetch(r, "/rss.xml", ua("Feedly"), `198.51.100.${i}`, T0 + i * 60);
    fetch(r, "/rss.xml", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 136 subscribers; )", "198.51.100.99", T0 + HOUR);
    expect(r.counts(T0 + HOUR)!.current.feeds["/rss.xml"]).toEqual({ Feedly: { announced: 136, direct: 0 } });
  });

  it("its several ids of one feed are several subscriptions: added up", () => {
    const r = counting();
    for (let n = 0; n < 3; n++) for (const address of ["192.0.2.1", "192.0.2.2"]) fetch(r, "/rss.xml", ua("Feedbin", n), address, T0 + n);
    // 3 + 13 + 7, as in the access log the strings come from.
    expect(r.counts(T0 + 10)!.current.feeds["/rss.xml"]).toEqual({ Feedbin: { announced: 23, direct: 0 } });
  });

  it("an announcement counts for 7 days after it was last seen: small feeds are polled rarely", () => {
    const r = counting();
    fetch(r, "/atom.xml", ua("Inoreader"), "192.0.2.7", T0);
    expect(total(r.counts(T0 + 6 * DAY), "feeds", "/atom.xml")).toBe(3);
    expect(total(r.counts(T0 + 7 * DAY + 1), "feeds", "/atom.xml")).toBe(0);
  });
});

describe("readers that read for one person", () => {
  it("one per distinct address and User-Agent; a reader of several formats is one reader of the stream", () => {
    const r = counting();
    for (let i = 0; i < 5; i++) {
      fetch(r, "/rss.xml", ua("NetNewsWire"), "203.0.113.5", T0 + i * HOUR);
      fetch(r, "/atom.xml", ua("NetNewsWire"), "203.0.113.5", T0 + i * HOUR);
    }
    fetch(r, "/rss.xml", ua("Newsboat"), "203.0.113.5", T0);
    fetch(r, "/rss.xml", ua("NetNewsWire"), "203.0.113.6", T0);
    fetch(r, "/tags/go/rss.xml", ua("Thunderbird"), "203.0.113.5", T0);
    const c = r.counts(T0 + 5 * HOUR)!.current;
    expect(c.feeds["/rss.xml"]).toEqual({ NetNewsWire: { announced: 0, direct: 2 }, Newsboat: { announced: 0, direct: 1 } });
    expect(c.feeds["/atom.xml"]).toEqual({ NetNewsWire: { announced: 0, direct: 1 } });
    expect(c.streams["/"]).toEqual({ NetNewsWire: { announced: 0, direct: 2 }, Newsboat: { announced: 0, direct: 1 } });
    expect(c.streams["/tags/go/"]).toEqual({ Thunderbird: { announced: 0, direct: 1 } });
  });

  it("crawlers and tools are not counted", () => {
    const r = counting();
    fetch(r, "/rss.xml", "", "192.0.2.1", T0);
    for (const agent of RECORDED.filter((a) => a.expected === null)) fetch(r, "/rss.xml", agent.userAgent, "192.0.2.1", T0);
    expect(r.counts(T0)!.current.feeds).toEqual({});
  });

  it("the rolling 24 hours: a reader seen on both sides of midnight is one reader, and leaves 24 hours after its last fetch", () => {
    const r = counting();
    fetch(r, "/rss.xml", ua("Miniflux"), "198.51.100.1", T0 + 23 * HOUR); // late on day 1
    fetch(r, "/rss.xml", ua("FreshRSS"), "198.51.100.2", T0 + 10 * HOUR); // day 1 only
    fetch(r, "/rss.xml", ua("Miniflux"), "198.51.100.1", T0 + 25 * HOUR); // again after midnight
    const at = (h: number) => r.counts(T0 + h * HOUR)!;
    expect(at(26).current.feeds["/rss.xml"]).toEqual({ Miniflux: { announced: 0, direct: 1 }, FreshRSS: { announced: 0, direct: 1 } });
    expect(at(35).current.feeds["/rss.xml"]).toEqual({ Miniflux: { announced: 0, direct: 1 } });
    expect(total(at(49.5), "feeds", "/rss.xml")).toBe(0);
    // Each UTC day has its own record: both readers on the first, Miniflux on the second.
    const days = at(49.5).days;
    expect(days.map((d) => [d.day, sumOf(d.feeds["/rss.xml"])])).toEqual([
      ["2026-03-10", 2],
      ["2026-03-11", 1],
      ["2026-03-12", 0],
    ]);
  });

  it("keeps at least 90 days of history (a year and a month), one record a day", () => {
    const r = counting();
    for (let d = 0; d < 500; d++) fetch(r, "/rss.xml", ua("Newsboat"), "192.0.2.9", T0 + d * DAY + HOUR);
    const days = r.counts(T0 + 500 * DAY)!.days;
    expect(days).toHaveLength(HISTORY_DAYS);
    expect(HISTORY_DAYS).toBeGreaterThanOrEqual(90);
    expect(days.every((d) => sumOf(d.feeds["/rss.xml"]) === 1 || d === days.at(-1))).toBe(true);
  });
});

describe("privacy", () => {
  it("what is saved has numbers and reader names: no address, no User-Agent, no hash of either", () => {
    const r = counting();
    const addresses = ["203.0.113.77", "2001:db8::77", "198.51.100.77"];
    for (const address of addresses) for (const a of RECORDED) fetch(r, "/rss.xml", a.userAgent, address, T0);
    const text = JSON.stringify(r.counts(T0 + 1));
    for (const address of addresses) expect(text).not.toContain(address);
    for (const a of RECORDED) if (a.userAgent.length > 20) expect(text).not.toContain(a.userAgent);
    // The visitor hashes are 22 base64 characters: nothing that long is saved but the aggregators' own feed ids.
    expect(text.replace(/"feedId":"[^"]*"/g, "")).not.toMatch(/[A-Za-z0-9+/]{22}/);
  });
});

describe("a restart", () => {
  it("keeps what was counted: a reader seen before and after is not counted twice, the days before are kept", () => {
    const before = counting(T0 - DAY);
    fetch(before, "/rss.xml", ua("Newsboat"), "192.0.2.1", T0 - DAY + HOUR); // the day before
    for (let i = 0; i < 3; i++) fetch(before, "/rss.xml", ua("NetNewsWire"), `192.0.2.${10 + i}`, T0 + HOUR);
    fetch(before, "/rss.xml", ua("Feedly"), "192.0.2.50", T0 + HOUR);
    const saved = structuredClone(before.counts(T0 + 2 * HOUR)!);
    // A new process: a new key; the same three NetNewsWire readers poll again, and one more.
    const after = counting(T0 + 3 * HOUR, saved);
    for (let i = 0; i < 4; i++) fetch(after, "/rss.xml", ua("NetNewsWire"), `192.0.2.${10 + i}`, T0 + 3 * HOUR);
    const now = after.counts(T0 + 3 * HOUR)!;
    // At least what was counted, at most the truth: 4 NetNewsWire readers, never 7.
    expect(now.current.feeds["/rss.xml"]).toEqual({ NetNewsWire: { announced: 0, direct: 4 }, Feedly: { announced: 134, direct: 0 } });
    expect(now.days.map((d) => d.day)).toEqual(["2026-03-09", "2026-03-10"]);
    expect(now.days[1]!.feeds["/rss.xml"]!.NetNewsWire).toEqual({ announced: 0, direct: 4 });
    // Before any reader comes back, the counts from before the restart stand.
    const quiet = counting(T0 + 3 * HOUR, saved).counts(T0 + 3 * HOUR)!;
    expect(quiet.current.feeds["/rss.xml"]!.NetNewsWire).toEqual({ announced: 0, direct: 3 });
  });
});

describe("a flood of random clients", () => {
  it("keeps memory bounded, keeps the readers counted before it, and says what it could not tell apart", () => {
    const r = counting();
    for (let i = 0; i < 50; i++) fetch(r, "/rss.xml", ua("NetNewsWire"), `203.0.113.${i}`, T0);
    fetch(r, "/rss.xml", ua("Feedly"), "198.51.100.1", T0);
    const flood = 100_000;
    for (let i = 0; i < flood; i++) fetch(r, "/rss.xml", `Flood${i}/1.0`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, T0 + 1);
    for (let i = 0; i < 3000; i++) fetch(r, "/rss.xml", `Mozilla/5.0 (compatible; Fake/1.0; ${i + 1} subscribers; feed-id=${i})`, "10.9.9.9", T0 + 2);
    const s = r.counts(T0 + 3)!;
    const readers = s.current.feeds["/rss.xml"]!;
    expect(readers.NetNewsWire).toEqual({ announced: 0, direct: 50 });
    expect(readers.Feedly).toEqual({ announced: 134, direct: 0 });
    const direct = Object.values(readers).reduce((n, c) => n + c.direct, 0);
    expect(direct).toBe(TALLY_LIMITS.direct);
    expect(s.days.at(-1)!.untracked).toBe(flood + 50 - TALLY_LIMITS.direct);
    // Names past the bound are "other": the table of names stays small.
    expect(Object.keys(readers).length).toBeLessThanOrEqual(TALLY_LIMITS.names + 3);
    expect(readers.other!.direct).toBeGreaterThan(0);
    expect(s.announcements.length).toBeLessThanOrEqual(TALLY_LIMITS.announcements);
  });
});

describe("the polling guard", () => {
  it("a reader that polls at its max-age never waits, 304s included", () => {
    const g = new PollingGuard(10);
    for (let i = 0; i < 200; i++) expect(g.check("reader", 300, T0 + i * 300)).toBe(0);
    // Even at a tenth of max-age: 10 fetches a window are allowed.
    for (let i = 0; i < 200; i++) expect(g.check("eager", 300, T0 + i * 30)).toBe(0);
  });

  it("one that fetches more than 10 times in a window waits for the rest of it, then starts afresh", () => {
    const g = new PollingGuard(10);
    for (let i = 0; i < 10; i++) expect(g.check("hammer", 300, T0 + i)).toBe(0);
    expect(g.check("hammer", 300, T0 + 10)).toBe(290);
    expect(g.check("hammer", 300, T0 + 299)).toBe(1);
    expect(g.check("hammer", 300, T0 + 300)).toBe(0);
    // A feed without max-age has no window.
    for (let i = 0; i < 50; i++) expect(g.check("any", 0, T0)).toBe(0);
  });

  it("follows at most `capacity` clients: a flood makes it forget, never block a reader that behaves", () => {
    const g = new PollingGuard(10, 1000);
    for (let i = 0; i < 20_000; i++) expect(g.check(`client-${i}`, 300, T0 + i / 1000)).toBe(0);
    expect(g.size).toBe(1000);
  });

  it("through FeedReaders: per client and feed; a guard of 0 is no guard", () => {
    const guarded = new FeedReaders({ counts: false, guardLimit: 2 }, T0);
    expect([0, 1, 2].map(() => guarded.poll("/rss.xml", ua("Newsboat"), "192.0.2.1", 300, T0))).toEqual([0, 0, 300]);
    expect(guarded.poll("/atom.xml", ua("Newsboat"), "192.0.2.1", 300, T0)).toBe(0);
    expect(guarded.poll("/rss.xml", ua("NetNewsWire"), "192.0.2.1", 300, T0)).toBe(0);
    expect(guarded.poll("/rss.xml", ua("Newsboat"), "192.0.2.2", 300, T0)).toBe(0);
    const open = new FeedReaders({ counts: false, guardLimit: 0 }, T0);
    for (let i = 0; i < 100; i++) expect(open.poll("/rss.xml", "x", "192.0.2.1", 300, T0)).toBe(0);
  });
});

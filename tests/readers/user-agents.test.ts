// Recorded User-Agent strings of real feed readers (tests/fixtures/reader-user-agents.json, each with
// where it came from): the reader, the subscribers an aggregator announces, its own id of the feed.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readerOf, readerOfCached } from "../../src/readers/user-agents.ts";

interface Recorded {
  userAgent: string;
  expected: { reader: string; subscribers?: number; feedId?: string } | null;
  source: string;
}

const RECORDED = (JSON.parse(readFileSync(new URL("../fixtures/reader-user-agents.json", import.meta.url), "utf8")) as { agents: Recorded[] }).agents;

describe("recorded User-Agents of real readers", () => {
  it("the fixture has at least eight readers, each with its source", () => {
    const readers = new Set(RECORDED.flatMap((r) => (r.expected ? [r.expected.reader] : [])));
    expect(readers.size).toBeGreaterThanOrEqual(8);
    for (const r of RECORDED) expect(r.source.length, r.userAgent).toBeGreaterThan(20);
  });

  it.each(RECORDED.map((r) => [r.expected?.reader ?? "not a reader", r] as const))("%s: %#", (_name, r) => {
    expect(readerOf(r.userAgent)).toEqual(r.expected ?? undefined);
    expect(readerOfCached(r.userAgent)).toEqual(r.expected ?? undefined);
  });
});

describe("what a User-Agent says", () => {
  it("a count with thousands separators, and the singular", () => {
    expect(readerOf("SomeReader/2.1 (+https://example.org/fetcher; 1,204 subscribers)")).toEqual({ reader: "SomeReader", subscribers: 1204 });
    expect(readerOf("Feedly/1.0 (+https://feedly.com/fetcher.html; 1 subscriber)")).toEqual({ reader: "Feedly", subscribers: 1 });
  });

  it("a claim past any real count is not believed: the client counts as one reader", () => {
    expect(readerOf("Evil/1.0 (+https://evil.example; 1000000000 subscribers)")).toEqual({ reader: "Evil" });
  });

  it("an aggregator that announces a count is one even when its name says bot", () => {
    expect(readerOf("Superfeedr bot/2.0 http://superfeedr.com - 12 subscribers - feed-id:7")).toEqual({ reader: "Superfeedr", subscribers: 12, feedId: "7" });
  });

  it("no User-Agent, crawlers and tools are not readers; an unknown client is named by its product", () => {
    for (const ua of ["", "   ", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Wget/1.21.3", "python-requests/2.31.0", "Go-http-client/1.1"]) expect(readerOf(ua), ua).toBeUndefined();
    expect(readerOf("Mozilla/5.0 (compatible; Yarr/1.0; +https://github.com/nkanaev/yarr)")).toEqual({ reader: "Yarr" });
    expect(readerOf("Lire/6.4 CFNetwork/1410.0.3 Darwin/22.6.0")).toEqual({ reader: "Lire" });
  });
});

// The traps of the `feed` v6 library (and of xml-js under it), each checked on our output.

import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseFeed as rowanParse } from "@rowanmanning/feed-parser";
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from "feedsmith";
import Parser from "rss-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pythonFeedparser, xmllint } from "../helpers/consumers.ts";
import { markdownSeed, readTree, textSeed, treeDifferences, writeSeeds } from "../helpers/files.ts";
import { buildSite, expectedEntries, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();

async function site(seeds: Record<string, string>, configOverrides: Record<string, unknown> = {}) {
  const root = await tmp.make();
  const config = testConfig(configOverrides);
  await mkdir(join(root, "seeds"), { recursive: true });
  await writeSeeds(join(root, "seeds"), seeds);
  const result = await buildSite(join(root, "seeds"), join(root, "dist"), { config });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const read = (f: string) => readFile(join(root, "dist", f), "utf8");
  return {
    root,
    config,
    out: join(root, "dist"),
    expected: await expectedEntries(join(root, "seeds"), config),
    rss: await read("rss.xml"),
    atom: await read("atom.xml"),
    json: await read("feed.json"),
  };
}

const THREE = {
  "001_0000000000000001.txt": textSeed({ date: "2025-01-10", title: "Oldest", paragraphs: ["o"] }),
  "mid.md": markdownSeed(["title: Middle, updated last", "date: 2025-02-01", "updated: 2025-04-05T06:07:08Z"], "m\n"),
  "new.md": markdownSeed(["title: Newest published", "date: 2025-03-01T12:00:00Z"], "n\n"),
};

describe("no build time in the feeds", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lastBuildDate and <updated> are the newest article update, read by real parsers", async () => {
    const s = await site(THREE);
    const newest = s.expected.map((e) => e.article.updated).sort().at(-1)!;
    // The newest update is not the newest publication: the feed date follows `updated`.
    expect(newest).not.toBe(s.expected[0]!.article.published);
    expect(new Date((await new Parser().parseString(s.rss)).lastBuildDate!).toISOString()).toBe(newest);
    expect(rowanParse(s.rss).updated?.toISOString()).toBe(newest);
    expect(parseAtomFeed(s.atom).updated).toBe(newest);
    expect(rowanParse(s.atom).updated?.toISOString()).toBe(newest);
    const [r, a] = await pythonFeedparser(join(s.out, "rss.xml"), join(s.out, "atom.xml"));
    expect(new Date(r!.feed.updated!).toISOString()).toBe(newest);
    expect(new Date(a!.feed.updated!).toISOString()).toBe(newest);
  });

  it("with feedSize smaller than the site, the date is the newest of the entries shown", async () => {
    const s = await site(THREE, { feedSize: 1 });
    const shown = s.expected[0]!.article; // newest published
    expect(parseRssFeed(s.rss).items?.map((i) => i.guid?.value)).toEqual([s.expected[0]!.id]);
    expect(new Date(parseRssFeed(s.rss).lastBuildDate!).toISOString()).toBe(shown.updated);
    expect(parseAtomFeed(s.atom).updated).toBe(shown.updated);
  });

  it("two builds on different days (the clock moved by a year) write byte-identical files", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-05-06T07:08:09Z"));
    const first = await site(THREE);
    vi.setSystemTime(new Date("2032-11-12T13:14:15Z"));
    const second = await site(THREE);
    vi.useRealTimers();
    const a = await readTree(first.out);
    const b = await readTree(second.out);
    expect(treeDifferences(a, b)).toEqual([]);
    for (const [path, bytes] of a) {
      if (/\.(br|gz)$/.test(path)) continue;
      const text = bytes.toString("utf8");
      expect(text, path).not.toMatch(/2031|2032/);
    }
  });

  it("a site with no articles has a fixed feed date, not the build time", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2033-01-02T03:04:05Z"));
    const s = await site({});
    vi.useRealTimers();
    for (const f of ["rss.xml", "atom.xml"]) expect((await xmllint(join(s.out, f))).ok).toBe(true);
    expect(parseAtomFeed(s.atom).updated).toBe(new Date(0).toISOString());
    expect(s.rss + s.atom + s.json).not.toMatch(/2033/);
  });
});

describe("text that xml-js mangles", () => {
  const TITLE = "Literal &amp; and &lt; entities, ]]> twice ]]> and a < b & c";
  const BODY = "Body with ]]> and again ]]> and &amp; literally.";
  const seeds = {
    "001_00000000000000aa.txt": textSeed({ date: "2025-05-05", title: TITLE, paragraphs: [BODY] }),
    "tags.md": markdownSeed(["title: Tags", "date: 2025-05-04", "tags: ['a<b', 'x&amp;y', 'q\"uote', ']]>']"], "t\n"),
  };

  it("stays well-formed XML", async () => {
    const s = await site(seeds);
    for (const f of ["rss.xml", "atom.xml"]) {
      const r = await xmllint(join(s.out, f));
      expect(r.stderr, f).toBe("");
      expect(r.ok, f).toBe(true);
    }
  });

  it('a literal "&amp;" and two "]]>" in a title and body read back unchanged', async () => {
    const s = await site(seeds);
    const a = s.expected.find((e) => e.article.source.endsWith(".txt"))!.article;
    expect(a.title).toBe(TITLE); // the loader keeps it as written
    const rssItem = (await new Parser().parseString(s.rss)).items.find((i) => i.title?.startsWith("Literal"))!;
    expect(rssItem.title).toBe(TITLE);
    expect(rssItem["content:encoded"]).toBe(a.contentHtml);
    expect(parseRssFeed(s.rss).items?.find((i) => i.guid?.value?.endsWith("aa"))?.title).toBe(TITLE);
    expect(parseAtomFeed(s.atom).entries?.find((e) => e.id?.endsWith("aa"))?.title?.value).toBe(TITLE);
    expect(parseJsonFeed(s.json).items?.find((i) => i.id?.endsWith("aa"))?.title).toBe(TITLE);
    const parsed = await pythonFeedparser(join(s.out, "rss.xml"), join(s.out, "atom.xml"));
    for (const p of parsed) expect(p.entries.find((e) => e.id!.endsWith("aa"))?.title).toBe(TITLE);
    // The body's HTML escapes "&amp;" once more, so a reader shows the literal text.
    expect(a.contentHtml).toContain("&amp;amp;");
    expect(a.contentHtml.split("]]&gt;")).toHaveLength(3);
  });

  it('tags with "<", "&amp;", quotes and "]]>" read back from RSS categories and Atom terms', async () => {
    const s = await site(seeds);
    const tags = s.expected.find((e) => e.article.source === "tags.md")!.article.tags;
    expect(tags).toEqual(["a<b", "q\"uote", "x&amp;y", "]]>"].sort());
    expect(parseRssFeed(s.rss).items?.find((i) => i.title === "Tags")?.categories?.map((c) => c.name)).toEqual(tags);
    expect(parseAtomFeed(s.atom).entries?.find((e) => e.title?.value === "Tags")?.categories?.map((c) => c.term)).toEqual(tags);
    expect(parseJsonFeed(s.json).items?.find((i) => i.title === "Tags")?.tags).toEqual(tags);
    const [r, a] = await pythonFeedparser(join(s.out, "rss.xml"), join(s.out, "atom.xml"));
    expect(r!.entries.find((e) => e.title === "Tags")?.tags).toEqual(tags);
    expect(a!.entries.find((e) => e.title === "Tags")?.tags).toEqual(tags);
  });

  it("control characters never reach a feed", async () => {
    const s = await site({ "001_00000000000000cc.txt": " date 2025-05-05 1\nBell\u0007 and VT\u000b\nNUL\u0000 body\n" });
    for (const text of [s.rss, s.atom, s.json]) expect(text).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]|\\u000[0-8bc]|\\u001/i);
    expect(parseJsonFeed(s.json).items?.[0]?.title).toBe("Bell and VT");
  });
});

describe("ids", () => {
  const seeds = {
    "001_00000000000000aa.txt": textSeed({ date: "2025-05-05", title: "One", paragraphs: ["1"] }),
    "two.md": markdownSeed(["title: Two", "date: 2025-05-06"], "2\n"),
  };

  it('RSS guid is the tag: id with isPermaLink="false" (it is not a URL to fetch); <link> is the page', async () => {
    const s = await site(seeds);
    const items = parseRssFeed(s.rss).items ?? [];
    expect(items.map((i) => i.guid)).toEqual(s.expected.map((e) => ({ value: e.id, isPermaLink: false })));
    expect(items.map((i) => i.link)).toEqual(s.expected.map((e) => e.url));
    for (const e of s.expected) expect(e.id.startsWith(s.config.tagPrefix)).toBe(true);
    // Every guid in the raw XML says so: no guid without the attribute, none claiming to be a permalink.
    expect(s.rss.match(/<guid\b[^>]*>/g)).toEqual(s.expected.map(() => '<guid isPermaLink="false">'));
  });

  it("Atom ids are the tag: ids, unchanged by the library's URL handling, for an unusual but valid prefix", async () => {
    const s = await site(seeds, { tagPrefix: "tag:Ada.Lovelace@Example.ORG,2025-03-01:" });
    const ids = s.expected.map((e) => e.id);
    expect(ids.every((id) => id.startsWith("tag:Ada.Lovelace@Example.ORG,2025-03-01:"))).toBe(true);
    expect(parseAtomFeed(s.atom).entries?.map((e) => e.id)).toEqual(ids);
    expect(parseAtomFeed(s.atom).id).toBe("tag:Ada.Lovelace@Example.ORG,2025-03-01:feeds/main");
    expect(parseRssFeed(s.rss).items?.map((i) => i.guid?.value)).toEqual(ids);
    expect(parseJsonFeed(s.json).items?.map((i) => i.id)).toEqual(ids);
  });

  it("JSON Feed says version 1.1 (the library writes 1.0)", async () => {
    const s = await site(seeds);
    expect((JSON.parse(s.json) as { version: string }).version).toBe("https://jsonfeed.org/version/1.1");
  });

  it("Atom entry titles are plain text, not declared html", async () => {
    const s = await site({ "001_00000000000000aa.txt": textSeed({ date: "2025-05-05", title: "<b>not bold</b>", paragraphs: [] }) });
    expect(s.atom).not.toMatch(/<title type="html"/);
    expect(parseAtomFeed(s.atom).entries?.[0]?.title).toEqual({ value: "<b>not bold</b>" });
    const [, a] = await pythonFeedparser(join(s.out, "rss.xml"), join(s.out, "atom.xml"));
    expect(a!.entries[0]).toMatchObject({ title: "<b>not bold</b>", title_type: "text/plain" });
  });
});

// Round trip: real feed parsers read OUR output and must give back every article exactly as loadSeeds
// made it. Expected values come from the Article records, never from literals.

import { readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseFeed as rowanParse } from "@rowanmanning/feed-parser";
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from "feedsmith";
import Parser from "rss-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeHtml, pythonFeedparser, pythonJson, xmllint } from "../helpers/consumers.ts";
import { REPO_ROOT } from "../helpers/files.ts";
import { buildFixtureSite, EXTRA_SEEDS, type FixtureSite } from "../helpers/fixture.ts";
import { distFileOfUrl } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const ATOM_RNG = join(REPO_ROOT, "tests/fixtures/atom.rng");

let site: FixtureSite;
let rss: string;
let atom: string;
let json: string;

beforeAll(async () => {
  site = await buildFixtureSite(await tmp.make());
  [rss, atom, json] = await Promise.all(["rss.xml", "atom.xml", "feed.json"].map((f) => readFile(join(site.out, f), "utf8"))) as [string, string, string];
});

const authorOf = (a: { author?: string }) => a.author ?? site.config.author.name;
const newestUpdated = () => site.expected.map((e) => e.article.updated).sort().at(-1)!;
/** RFC 822 dates carry whole seconds; compare instants. */
const instant = (s: string | null | undefined) => (s ? new Date(s).toISOString() : s);

describe("the fixture", () => {
  it("holds the repository's seeds plus the extra ones, all valid", () => {
    expect(site.result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(site.expected.length).toBeGreaterThanOrEqual(5 + Object.keys(EXTRA_SEEDS).length);
    // Every entry's link is a page that exists in dist/.
    for (const e of site.expected) {
      expect(e.url.startsWith(site.config.baseUrl)).toBe(true);
      expect(existsSync(join(site.out, distFileOfUrl(e.url, site.config))), e.url).toBe(true);
    }
  });
});

describe("well-formed XML (libxml2)", () => {
  it.each(["rss.xml", "atom.xml"])("xmllint accepts %s", async (file) => {
    const r = await xmllint(join(site.out, file));
    expect(r.stderr).toBe("");
    expect(r.ok).toBe(true);
  });

  it("xmllint rejects a broken copy (the check has teeth)", async () => {
    const broken = join(await tmp.make(), "broken.xml");
    await writeFile(broken, rss.replace("</channel>", ""));
    expect((await xmllint(broken)).ok).toBe(false);
  });
});

describe("Atom against the RFC 4287 RELAX NG schema", () => {
  it("atom.xml is valid", async () => {
    const r = await xmllint(join(site.out, "atom.xml"), ATOM_RNG);
    expect(r.stderr).toMatch(/validates/);
    expect(r.ok).toBe(true);
  });

  it.each([
    ["a date that is not a date", (x: string) => x.replace(/<updated>[^<]+<\/updated>/, "<updated>yesterday</updated>")],
    ["a feed without its id", (x: string) => x.replace(/<id>[^<]+<\/id>/, "")],
    ["an entry without a title", (x: string) => x.replace(/(<entry>[\s\S]*?)<title>[^<]*<\/title>/, "$1")],
    ["a bad type on a title", (x: string) => x.replace("<title>", '<title type="plain">')],
    ["an undefined attribute", (x: string) => x.replace("<entry>", '<entry foo="1">')],
  ])("the schema rejects our output altered to have %s", async (_, mutate) => {
    const file = join(await tmp.make(), "altered.xml");
    const altered = mutate(atom);
    expect(altered).not.toBe(atom);
    await writeFile(file, altered);
    expect((await xmllint(file, ATOM_RNG)).ok).toBe(false);
  });

  it("the feed or every entry has an author (RFC 4287's Schematron rule, checked here)", () => {
    const feedHead = atom.slice(0, atom.indexOf("<entry>"));
    const entries = atom.split("<entry>").slice(1);
    expect(feedHead.includes("<author>") || entries.every((e) => e.includes("<author>"))).toBe(true);
  });
});

describe("rss-parser", () => {
  it("reads rss.xml back exactly", async () => {
    const feed = await new Parser().parseString(rss);
    expect(feed.title).toBe(site.config.title);
    expect(feed.description).toBe(site.config.description);
    expect(feed.link).toBe(site.config.baseUrl);
    expect(feed.feedUrl).toBe(new URL("rss.xml", site.config.baseUrl).href);
    expect(feed.items.map((i) => i.guid)).toEqual(site.expected.map((e) => e.id));
    for (const [i, e] of site.expected.entries()) {
      const item = feed.items[i]!;
      expect(item.title).toBe(e.article.title);
      expect(item.link).toBe(e.url);
      expect(item.isoDate).toBe(e.article.published);
      expect(item["content:encoded"]).toBe(e.article.contentHtml);
      expect(item.creator).toBe(authorOf(e.article));
      expect(item.categories ?? []).toEqual(e.article.tags);
    }
  });

  it("reads atom.xml back exactly", async () => {
    type AtomItem = Parser.Item & { updated?: string; id?: string; author?: string };
    const feed = await new Parser<Record<string, unknown>, AtomItem>({ customFields: { item: ["updated"] } }).parseString(atom);
    expect(feed.title).toBe(site.config.title);
    expect(feed.items.map((i) => i.id)).toEqual(site.expected.map((e) => e.id));
    for (const [i, e] of site.expected.entries()) {
      const item = feed.items[i]!;
      expect(item.title).toBe(e.article.title);
      expect(item.link).toBe(e.url);
      expect(item.isoDate).toBe(e.article.published);
      expect(item.updated).toBe(e.article.updated);
      expect(item.content).toBe(e.article.contentHtml);
      expect(item.author).toBe(authorOf(e.article));
    }
  });
});

describe("@rowanmanning/feed-parser", () => {
  // This parser hands content back with HTML character references decoded (its own normalisation),
  // so the expected HTML is decoded the same way before comparing.
  it.each(["rss", "atom"] as const)("reads %s back exactly", (format) => {
    const feed = rowanParse(format === "rss" ? rss : atom);
    expect(feed.title).toBe(site.config.title);
    expect(feed.language).toBe(site.config.language);
    expect(feed.updated?.toISOString()).toBe(newestUpdated());
    expect(feed.items.map((i) => i.id)).toEqual(site.expected.map((e) => e.id));
    for (const [i, e] of site.expected.entries()) {
      const item = feed.items[i]!;
      expect(item.title).toBe(e.article.title);
      expect(item.url).toBe(e.url);
      expect(item.published?.toISOString()).toBe(e.article.published);
      if (format === "atom") expect(item.updated?.toISOString()).toBe(e.article.updated);
      expect(item.content).toBe(decodeHtml(e.article.contentHtml));
      // The summary travels as escaped HTML (RSS description, Atom summary type="html"); as text it is the summary.
      expect(item.description).toBe(e.article.summary);
      expect(item.authors.map((a) => a.name)).toEqual([authorOf(e.article)]);
      expect(item.categories.map((c) => c.term)).toEqual(e.article.tags);
    }
  });
});

describe("feedsmith", () => {
  it("reads feed.json back exactly", () => {
    const feed = parseJsonFeed(json);
    expect(feed.title).toBe(site.config.title);
    expect(feed.items?.map((i) => i.id)).toEqual(site.expected.map((e) => e.id));
    for (const [i, e] of site.expected.entries()) {
      const item = feed.items![i]!;
      expect(item.title).toBe(e.article.title);
      expect(item.url).toBe(e.url);
      expect(item.date_published).toBe(e.article.published);
      expect(item.date_modified).toBe(e.article.updated);
      expect(item.content_html).toBe(e.article.contentHtml);
      expect(item.summary).toBe(e.article.summary);
      expect(item.authors?.map((a) => a.name)).toEqual([authorOf(e.article)]);
      expect(item.tags ?? []).toEqual(e.article.tags);
    }
  });

  it("reads rss.xml back exactly, with guid isPermaLink false", () => {
    const feed = parseRssFeed(rss);
    expect(feed.items?.map((i) => i.guid?.value)).toEqual(site.expected.map((e) => e.id));
    for (const [i, e] of site.expected.entries()) {
      const item = feed.items![i]!;
      expect(item.guid?.isPermaLink).toBe(false);
      expect(item.title).toBe(e.article.title);
      expect(item.link).toBe(e.url);
      expect(instant(item.pubDate)).toBe(e.article.published);
      expect(item.content?.encoded).toBe(e.article.contentHtml);
      expect(item.dc?.creators).toEqual([authorOf(e.article)]);
    }
  });

  it("reads atom.xml back exactly", () => {
    const feed = parseAtomFeed(atom);
    expect(feed.id).toBe(`${site.config.tagPrefix}feeds/main`);
    expect(feed.links).toEqual(
      expect.arrayContaining([
        { href: site.config.baseUrl, rel: "alternate" },
        { href: new URL("atom.xml", site.config.baseUrl).href, rel: "self" },
      ]),
    );
    expect(feed.authors?.map((a) => [a.name, a.email])).toEqual([[site.config.author.name, site.config.author.email]]);
    expect(feed.updated).toBe(newestUpdated());
    expect(feed.entries?.map((x) => x.id)).toEqual(site.expected.map((e) => e.id));
    for (const [i, e] of site.expected.entries()) {
      const entry = feed.entries![i]!;
      expect(entry.title).toEqual({ value: e.article.title });
      expect(entry.links?.map((l) => l.href)).toEqual([e.url]);
      expect(entry.published).toBe(e.article.published);
      expect(entry.updated).toBe(e.article.updated);
      expect(entry.content).toEqual({ value: e.article.contentHtml, type: "html" });
      expect(entry.categories?.map((c) => c.term) ?? []).toEqual(e.article.tags);
    }
  });
});

describe("Python feedparser (Debian)", () => {
  // feedparser sanitises HTML and writes an apostrophe where we wrote &#39;; nothing else may differ.
  const sanitised = (html: string) => html.replaceAll("&#39;", "'");

  it("reads rss.xml and atom.xml back exactly, with no bozo error", async () => {
    const [r, a] = await pythonFeedparser(join(site.out, "rss.xml"), join(site.out, "atom.xml"));
    expect([r!.version, a!.version]).toEqual(["rss20", "atom10"]);
    for (const parsed of [r!, a!]) {
      expect(parsed.bozo, parsed.bozo_exception).toBe(false);
      expect(parsed.feed.title).toBe(site.config.title);
      expect(instant(parsed.feed.updated)).toBe(newestUpdated());
      expect(parsed.entries.map((x) => x.id)).toEqual(site.expected.map((e) => e.id));
      for (const [i, e] of site.expected.entries()) {
        const entry = parsed.entries[i]!;
        expect(entry.title).toBe(e.article.title);
        expect(entry.title_type).toBe("text/plain");
        expect(entry.link).toBe(e.url);
        expect(instant(entry.published)).toBe(e.article.published);
        expect(entry.content).toEqual([sanitised(e.article.contentHtml)]);
        expect(entry.content_types).toEqual(["text/html"]);
        expect(entry.author).toBe(authorOf(e.article));
        expect(entry.tags).toEqual(e.article.tags);
        expect(decodeHtml(entry.summary ?? "")).toBe(e.article.summary);
      }
    }
    // Only Atom carries the update date of an entry.
    expect(a!.entries.map((x) => instant(x.updated))).toEqual(site.expected.map((e) => e.article.updated));
    expect(a!.feed.language).toBe(site.config.language);
  });

  it("reads feed.json with Python's json module (feedparser 6.0 has no JSON Feed reader)", async () => {
    const parsed = (await pythonJson(join(site.out, "feed.json"))) as { items: { id: string; title: string; content_html: string }[] };
    expect(parsed.items.map((i) => [i.id, i.title, i.content_html])).toEqual(site.expected.map((e) => [e.id, e.article.title, e.article.contentHtml]));
  });
});

describe("JSON Feed 1.1 rules", () => {
  const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

  it("top level: version 1.1, title, URLs, language, authors array, no deprecated author", () => {
    const feed = JSON.parse(json) as Record<string, unknown>;
    expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(feed.title).toBe(site.config.title);
    expect(feed.home_page_url).toBe(site.config.baseUrl);
    expect(feed.feed_url).toBe(new URL("feed.json", site.config.baseUrl).href);
    expect(feed.language).toBe(site.config.language);
    expect(feed.authors).toEqual([{ name: site.config.author.name }]);
    expect(feed).not.toHaveProperty("author");
    expect(Array.isArray(feed.items)).toBe(true);
  });

  it("items: string ids, content_html, RFC 3339 dates, authors arrays, no deprecated author", () => {
    const feed = JSON.parse(json) as { items: Record<string, unknown>[] };
    expect(feed.items).toHaveLength(site.expected.length);
    for (const item of feed.items) {
      expect(typeof item.id).toBe("string");
      expect(typeof item.content_html).toBe("string");
      expect(item.date_published).toMatch(RFC3339);
      expect(item.date_modified).toMatch(RFC3339);
      expect(Array.isArray(item.authors)).toBe(true);
      expect(item).not.toHaveProperty("author");
      for (const v of Object.values(item)) expect(v).not.toBeNull();
    }
    expect(new Set(feed.items.map((i) => i.id)).size).toBe(feed.items.length);
  });
});

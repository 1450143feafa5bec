// Dates: a published date is exactly the seed's date, or the seed is refused with the file, the line and
// the range. Every date path is checked: the seed text header, Markdown `date` and `updated` (plain YAML,
// quoted, with zones), leap days and the range edges, and the edges are read back by every consumer.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseFeed as rowanParse } from "@rowanmanning/feed-parser";
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from "feedsmith";
import Parser from "rss-parser";
import { describe, expect, it } from "vitest";
import { DATE_RANGE, FIRST_DATE, LAST_DATE } from "../../src/content/dates.ts";
import { parseSeedBytes } from "../../src/content/parse.ts";
import { pythonFeedparser, xmllint } from "../helpers/consumers.ts";
import { markdownSeed, REPO_ROOT, textSeed, writeSeeds } from "../helpers/files.ts";
import { buildSite, expectedEntries, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const TEXT = "001_00000000000000aa.txt";
const MD = "post.md";
const parse = (name: string, text: string) => parseSeedBytes(name, Buffer.from(text, "utf8"));
const errorsOf = (r: ReturnType<typeof parse>) => r.diagnostics.filter((d) => d.severity === "error");
const md = (lines: string[]) => markdownSeed(["title: T", ...lines], "Body\n");
/** 1-based line of the first line that starts with `prefix`. */
const lineOf = (text: string, prefix: string) => text.split("\n").findIndex((l) => l.startsWith(prefix)) + 1;

describe("the range", () => {
  it("is what the README documents", async () => {
    const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toContain(DATE_RANGE);
  });
});

describe("years before the range are refused, never moved (Date.UTC reads 0 to 99 as 1900 to 1999)", () => {
  it.each(["0000-01-01", "0001-01-01", "0050-06-15", "0099-12-31", "0100-01-01", "0999-12-31"])("seed text dated %s: an error on line 1 naming the range", (date) => {
    const r = parse(TEXT, textSeed({ date, title: "T", paragraphs: ["p"] }));
    expect(r.article).toBeUndefined();
    expect(errorsOf(r)).toEqual([{ severity: "error", file: TEXT, line: 1, message: expect.stringContaining(date) }]);
    expect(errorsOf(r)[0]!.message).toContain(DATE_RANGE);
  });

  it.each([
    ["date: 0000-01-01", "date:"],
    ["date: '0077-07-07'", "date:"],
    ['date: "0010-01-01T00:00:00Z"', "date:"],
    ["date: 0999-12-31T23:59:59Z", "date:"],
  ])("Markdown %s: an error on its line naming the range", (line, key) => {
    const text = md([line]);
    const errs = errorsOf(parse(MD, text));
    expect(errs).toEqual([{ severity: "error", file: MD, line: lineOf(text, key), message: expect.stringContaining(DATE_RANGE) }]);
  });

  it("Markdown `updated` out of range: an error on the updated line", () => {
    const text = md(["date: 2025-01-01", "updated: 10000-01-01"]);
    // Five digits are not a date at all; a four-digit year pushed past 9999 by its zone is out of range.
    expect(errorsOf(parse(MD, text))).toEqual([{ severity: "error", file: MD, line: lineOf(text, "updated:"), message: expect.stringContaining("not a date") }]);
    const pushed = md(["date: 2025-01-01", "updated: 9999-12-31T23:59:59-00:01"]);
    expect(errorsOf(parse(MD, pushed))).toEqual([{ severity: "error", file: MD, line: lineOf(pushed, "updated:"), message: expect.stringMatching(/10000-01-01T00:00:59Z in UTC.*outside/) }]);
  });
});

describe("the edges of the range, with zones", () => {
  it.each([
    ["1000-01-01", "1000-01-01T00:00:00.000Z"],
    ["1000-01-01T00:00:00Z", "1000-01-01T00:00:00.000Z"],
    ["1000-01-01T00:00:00-00:30", "1000-01-01T00:30:00.000Z"],
    ["9999-12-31", "9999-12-31T00:00:00.000Z"],
    ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"],
    ["9999-12-31T23:59:59+01:00", "9999-12-31T22:59:59.000Z"],
    ["1969-12-31T23:59:59Z", "1969-12-31T23:59:59.000Z"],
  ])("%s is accepted as exactly %s", (date, iso) => {
    const r = parse(MD, md([`date: "${date}"`]));
    expect(r.diagnostics).toEqual([]);
    expect(r.article?.published).toBe(iso);
    expect(r.article?.updated).toBe(iso);
  });

  it.each([
    ["1000-01-01T00:30:00+01:00", "0999-12-31T23:30:00Z"],
    ["1000-01-01T00:00:00+23:59", "0999-12-31T00:01:00Z"],
    ["9999-12-31T23:00:00-01:00", "10000-01-01T00:00:00Z"],
  ])("%s is outside the range once in UTC (%s), and the error says so", (date, utc) => {
    const text = md([`date: ${date}`]);
    const errs = errorsOf(parse(MD, text));
    expect(errs).toEqual([{ severity: "error", file: MD, line: lineOf(text, "date:"), message: expect.stringContaining(`${utc} in UTC`) }]);
    expect(errs[0]!.message).toContain(DATE_RANGE);
  });

  it("the seed text header accepts the first and last day", () => {
    expect(parse(TEXT, textSeed({ date: "1000-01-01", title: "T", paragraphs: [] })).article?.published).toBe("1000-01-01T00:00:00.000Z");
    expect(parse(TEXT, textSeed({ date: "9999-12-31", title: "T", paragraphs: [] })).article?.published).toBe("9999-12-31T00:00:00.000Z");
  });
});

describe("leap days", () => {
  it.each(["1600-02-29", "2000-02-29", "2024-02-29", "2400-02-29", "9996-02-29"])("%s is a real date, in both formats", (date) => {
    expect(parse(TEXT, textSeed({ date, title: "T", paragraphs: [] })).article?.published).toBe(`${date}T00:00:00.000Z`);
    expect(parse(MD, md([`date: ${date}`])).article?.published).toBe(`${date}T00:00:00.000Z`);
  });

  it.each(["1700-02-29", "1900-02-29", "2100-02-29", "2023-02-29", "9999-02-29"])("%s is an impossible date, in both formats", (date) => {
    expect(errorsOf(parse(TEXT, textSeed({ date, title: "T", paragraphs: [] })))).toEqual([{ severity: "error", file: TEXT, line: 1, message: `impossible date ${date}` }]);
    expect(errorsOf(parse(MD, md([`date: ${date}`])))[0]?.message).toContain(`impossible date ${date}`);
  });

  it("a leap day reached through a zone keeps its instant", () => {
    expect(parse(MD, md(["date: 2024-02-28T23:30:00-01:00"])).article?.published).toBe("2024-02-29T00:30:00.000Z");
    expect(parse(MD, md(["date: 2024-03-01T00:30:00+01:00"])).article?.published).toBe("2024-02-29T23:30:00.000Z");
  });
});

describe("no part of a date is dropped", () => {
  it.each(["2025-03-04T10:00:00.5Z", "2025-03-04T10:00:00.001Z", "2025-03-04T10:00:00.123456789+02:00", "2025-03-04T10:00:00.0001Z"])(
    "%s: a fraction of a second (RSS carries whole seconds, and milliseconds were cut silently) is an error on its line",
    (date) => {
      const text = md([`date: ${date}`]);
      expect(errorsOf(parse(MD, text))).toEqual([{ severity: "error", file: MD, line: lineOf(text, "date:"), message: expect.stringContaining("fraction of a second") }]);
    },
  );

  it("a fraction of zeros is the whole second it says", () => {
    expect(parse(MD, md(["date: 2025-03-04T10:00:00.000Z"])).article?.published).toBe("2025-03-04T10:00:00.000Z");
    expect(parse(MD, md(["date: 2025-03-04T10:00:00.000000000+02:00"])).article?.published).toBe("2025-03-04T08:00:00.000Z");
  });

  it("one date, written as YAML allows, is one instant", () => {
    const spellings = ["2025-03-04T10:00:00+02:00", "'2025-03-04T10:00:00+02:00'", '"2025-03-04 08:00:00Z"', "!!str 2025-03-04T08:00:00Z", "2025-03-04T07:00:00-01:00"];
    for (const s of spellings) expect(parse(MD, md([`date: ${s}`])).article?.published, s).toBe("2025-03-04T08:00:00.000Z");
  });
});

describe("the edges read back exactly by every consumer", () => {
  it("rss-parser, @rowanmanning/feed-parser, feedsmith, Python feedparser and xmllint with the Atom schema", async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const out = join(root, "dist");
    await writeSeeds(seeds, {
      "first.md": markdownSeed(["title: First", `date: ${FIRST_DATE}`, "updated: 1000-01-01T00:00:01Z"], "f\n"),
      "first-zoned.md": markdownSeed(["title: First zoned", "date: 1000-01-01T00:00:00-00:30"], "z\n"),
      "last.md": markdownSeed(["title: Last", `date: ${LAST_DATE}`], "l\n"),
      "epoch.md": markdownSeed(["title: Before the epoch", "date: 1969-12-31T23:59:59Z"], "e\n"),
      "leap.md": markdownSeed(["title: Leap", "date: 2000-02-29T23:30:00-01:00", "updated: 2400-02-29"], "p\n"),
      "001_00000000000000aa.txt": textSeed({ date: "1000-01-02", title: "Text seed, early", paragraphs: ["t"] }),
    });
    const config = testConfig();
    const result = await buildSite(seeds, out, { config });
    expect(result.diagnostics).toEqual([]);
    const expected = await expectedEntries(seeds, config);
    const published = expected.map((e) => e.article.published);
    const updated = expected.map((e) => e.article.updated);
    expect(published).toContain("1000-01-01T00:00:00.000Z");
    expect(published).toContain("9999-12-31T23:59:59.000Z");

    const [rss, atom, json] = await Promise.all(["rss.xml", "atom.xml", "feed.json"].map((f) => readFile(join(out, f), "utf8"))) as [string, string, string];
    const iso = (d: Date | string | null | undefined) => (d instanceof Date ? d.toISOString() : d ? new Date(d).toISOString() : d);

    const rp = new Parser<Record<string, unknown>, Parser.Item & { updated?: string }>({ customFields: { item: ["updated"] } });
    expect((await rp.parseString(rss)).items.map((i) => i.isoDate)).toEqual(published);
    const rpAtom = await rp.parseString(atom);
    expect(rpAtom.items.map((i) => i.isoDate)).toEqual(published);
    expect(rpAtom.items.map((i) => iso(i.updated))).toEqual(updated);

    expect(rowanParse(rss).items.map((i) => iso(i.published))).toEqual(published);
    expect(rowanParse(atom).items.map((i) => iso(i.published))).toEqual(published);
    expect(rowanParse(atom).items.map((i) => iso(i.updated))).toEqual(updated);

    expect(parseRssFeed(rss).items?.map((i) => iso(i.pubDate))).toEqual(published);
    expect(parseAtomFeed(atom).entries?.map((e) => e.published)).toEqual(published);
    expect(parseAtomFeed(atom).entries?.map((e) => e.updated)).toEqual(updated);
    expect(parseJsonFeed(json).items?.map((i) => i.date_published)).toEqual(published);
    expect(parseJsonFeed(json).items?.map((i) => i.date_modified)).toEqual(updated);

    const seconds = (s: string) => s.replace(".000Z", "Z");
    const [pyRss, pyAtom] = await pythonFeedparser(join(out, "rss.xml"), join(out, "atom.xml"));
    for (const parsed of [pyRss!, pyAtom!]) {
      expect(parsed.bozo, parsed.bozo_exception).toBe(false);
      expect(parsed.entries.map((e) => e.published_utc)).toEqual(published.map(seconds));
    }
    expect(pyAtom!.entries.map((e) => e.updated_utc)).toEqual(updated.map(seconds));

    const valid = await xmllint(join(out, "atom.xml"), join(REPO_ROOT, "tests/fixtures/atom.rng"));
    expect(valid.stderr).toMatch(/validates/);
  });
});

// The seed text format: " date YYYY-MM-DD N", a title line, then paragraphs. Every error names file and line.

import { describe, expect, it } from "vitest";
import { parseSeedBytes } from "../../src/content/parse.ts";
import { loadSeeds } from "../../src/content/scan.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { writeSeeds } from "../helpers/files.ts";

const NAME = "007_0123456789abcdef.txt";
const parse = (text: string | Uint8Array, name = NAME) => parseSeedBytes(name, typeof text === "string" ? Buffer.from(text, "utf8") : text);
const errorsOf = (r: ReturnType<typeof parse>) => r.diagnostics.filter((d) => d.severity === "error");

const tmp = useTempDirs();

describe("seed text: valid seeds", () => {
  it("reads id, date, title, paragraphs and keeps the header number", () => {
    const r = parse(" date 2025-07-28 403\nThe title\nFirst paragraph.\nSecond paragraph.\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.article).toMatchObject({
      id: "0123456789abcdef",
      source: NAME,
      title: "The title",
      published: "2025-07-28T00:00:00.000Z",
      updated: "2025-07-28T00:00:00.000Z",
      summary: "First paragraph.",
      tags: [],
      headerNumber: 403,
      contentHtml: "<p>First paragraph.</p>\n<p>Second paragraph.</p>",
    });
  });

  it("keeps the integer N as a number, negative and zero included", () => {
    expect(parse(" date 2025-01-01 0\nT\nP\n").article?.headerNumber).toBe(0);
    expect(parse(" date 2025-01-01 -12\nT\nP\n").article?.headerNumber).toBe(-12);
    expect(parse(" date 2025-01-01 9007199254740991\nT\nP\n").article?.headerNumber).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("lowercases the identity taken from upper-case hex in the file name", () => {
    expect(parse(" date 2025-01-01 1\nT\nP\n", "001_ABCDEF0123456789.txt").article?.id).toBe("abcdef0123456789");
  });

  it("makes the leading blank of the header optional", () => {
    const withBlank = parse(" date 2025-03-04 5\nTitle\nBody\n");
    const without = parse("date 2025-03-04 5\nTitle\nBody\n");
    expect(without.diagnostics).toEqual([]);
    expect(without.article).toEqual(withBlank.article);
  });

  it("tolerates CRLF line ends and a UTF-8 byte order mark, giving the same article as LF", () => {
    const lf = parse(" date 2025-03-04 5\nTitle\nOne\nTwo\n");
    const crlfBom = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(" date 2025-03-04 5\r\nTitle\r\nOne\r\nTwo\r\n")]));
    expect(crlfBom.diagnostics).toEqual([]);
    expect(crlfBom.article).toEqual(lf.article);
    expect(crlfBom.article?.title).toBe("Title"); // no stray \r or BOM
  });

  it("tolerates blank lines between paragraphs without making empty paragraphs", () => {
    const r = parse(" date 2025-03-04 5\nTitle\n\nOne\n\n\n   \nTwo\n\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.article?.contentHtml).toBe("<p>One</p>\n<p>Two</p>");
    expect(r.article?.summary).toBe("One");
  });

  it("escapes markup in paragraphs: a seed's text is text", () => {
    const r = parse(' date 2025-03-04 5\nA & B\n<b>bold</b> & "q" \'s\n');
    expect(r.article?.title).toBe("A & B");
    expect(r.article?.contentHtml).toBe("<p>&lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot; &#39;s</p>");
  });

  it("accepts a seed with a title and no body", () => {
    const r = parse(" date 2025-03-04 5\nOnly a title\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.article?.contentHtml).toBe("");
  });
});

describe("seed text: errors name the file and line", () => {
  it("missing header (empty line 1)", () => {
    const errs = errorsOf(parse("\nTitle\nBody\n"));
    expect(errs).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringMatching(/missing header/) }]);
  });

  it("empty file: missing header and missing title", () => {
    const errs = errorsOf(parse(""));
    expect(errs).toEqual([
      { severity: "error", file: NAME, line: 1, message: expect.stringMatching(/missing header/) },
      { severity: "error", file: NAME, line: 2, message: expect.stringMatching(/title/) },
    ]);
  });

  it.each([
    ["no number", " date 2025-03-04\nT\n"],
    ["a word instead of date", " when 2025-03-04 1\nT\n"],
    ["number not an integer", " date 2025-03-04 1.5\nT\n"],
    ["trailing text", " date 2025-03-04 1 extra\nT\n"],
    ["two leading blanks", "  date 2025-03-04 1\nT\n"],
  ])("malformed header (%s) on line 1, quoting the header", (_, text) => {
    const errs = errorsOf(parse(text));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ file: NAME, line: 1 });
    expect(errs[0]!.message).toMatch(/malformed header/);
    expect(errs[0]!.message).toContain(JSON.stringify(text.split("\n")[0]));
  });

  it("impossible date 2025-02-30 on line 1", () => {
    const errs = errorsOf(parse(" date 2025-02-30 1\nT\nP\n"));
    expect(errs).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringContaining("2025-02-30") }]);
    expect(errs[0]!.message).toMatch(/impossible/);
  });

  it.each(["2025-13-01", "2025-00-10", "2024-04-31", "2023-02-29"])("impossible date %s on line 1", (date) => {
    expect(errorsOf(parse(` date ${date} 1\nT\n`))).toEqual([
      { severity: "error", file: NAME, line: 1, message: expect.stringContaining(date) },
    ]);
  });

  it("a leap day is a real date", () => {
    expect(parse(" date 2024-02-29 1\nT\n").article?.published).toBe("2024-02-29T00:00:00.000Z");
  });

  it("a date that is not YYYY-MM-DD on line 1", () => {
    for (const date of ["2025-2-03", "2025-02-03T10:00:00Z", "03/02/2025"]) {
      const errs = errorsOf(parse(` date ${date} 1\nT\n`));
      expect(errs).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringContaining(date) }]);
    }
  });

  it("a header number too large to keep exactly", () => {
    const errs = errorsOf(parse(" date 2025-01-01 99999999999999999999\nT\n"));
    expect(errs).toEqual([{ severity: "error", file: NAME, line: 1, message: expect.stringContaining("99999999999999999999") }]);
  });

  it("empty title on line 2", () => {
    for (const text of [" date 2025-03-04 1\n\nBody\n", " date 2025-03-04 1\n   \t\nBody\n"]) {
      expect(errorsOf(parse(text))).toEqual([{ severity: "error", file: NAME, line: 2, message: expect.stringMatching(/title/) }]);
    }
  });

  it("missing title (the file ends after the header) on line 2", () => {
    expect(errorsOf(parse(" date 2025-03-04 1"))).toEqual([
      { severity: "error", file: NAME, line: 2, message: expect.stringMatching(/missing title/) },
    ]);
  });

  it.each([
    "7_0123456789abcde.txt", // 15 hex digits
    "7_0123456789abcdef0.txt", // 17
    "7_0123456789abcdeg.txt", // not hex
    "x_0123456789abcdef.txt", // not a number
    "0123456789abcdef.txt", // no NNN_
    "notes.txt",
  ])("bad file name %s, with the name in the message", (name) => {
    const errs = errorsOf(parse(" date 2025-03-04 1\nT\nP\n", name));
    expect(errs).toEqual([{ severity: "error", file: name, line: undefined, message: expect.stringContaining(`"${name}"`) }]);
  });

  it("names only the base name in a bad-name message but the full path as the file", () => {
    const errs = errorsOf(parse(" date 2025-03-04 1\nT\n", "2025/notes.txt"));
    expect(errs[0]).toMatchObject({ file: "2025/notes.txt", message: expect.stringContaining('"notes.txt"') });
  });

  it("reports a bad name, a bad header and an empty title together", () => {
    const errs = errorsOf(parse(" date 2025-02-30 1\n\n", "bad.txt"));
    expect(errs.map((e) => e.line)).toEqual([undefined, 1, 2]);
  });

  it("non-UTF-8 bytes: the line, the byte and its offset", () => {
    const bytes = Buffer.concat([Buffer.from(" date 2025-03-04 1\nTitle\nfine\ncaf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    const errs = errorsOf(parse(bytes));
    const offset = bytes.indexOf(0xe9);
    expect(errs).toEqual([{ severity: "error", file: NAME, line: 4, message: expect.stringContaining("UTF-8") }]);
    expect(errs[0]!.message).toContain("0xe9");
    expect(errs[0]!.message).toContain(String(offset));
  });

  it.each([
    ["a truncated sequence", [0xe2, 0x82]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("non-UTF-8 bytes: %s, on the title line", (_, bad) => {
    const bytes = Buffer.concat([Buffer.from(" date 2025-03-04 1\nTi"), Buffer.from(bad), Buffer.from("tle\nBody\n")]);
    expect(errorsOf(parse(bytes))).toEqual([{ severity: "error", file: NAME, line: 2, message: expect.stringContaining("UTF-8") }]);
  });

  it("removes control characters with a warning on their line, and keeps the article", () => {
    const r = parse(" date 2025-03-04 1\nTi\u0001tle\nBo\u000bdy\u001f\n");
    expect(errorsOf(r)).toEqual([]);
    expect(r.diagnostics).toEqual([{ severity: "warning", file: NAME, line: 2, message: expect.stringMatching(/control characters/) }]);
    expect(r.article?.title).toBe("Title");
    expect(r.article?.contentHtml).toBe("<p>Body</p>");
  });

  it("keeps tabs in paragraphs (XML can carry them)", () => {
    const r = parse(" date 2025-03-04 1\nTitle\na\tb\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.article?.contentHtml).toBe("<p>a\tb</p>");
  });
});

describe("seed text files on disk", () => {
  it("loadSeeds reads a real file with a BOM, CRLF and a non-UTF-8 neighbour, and names each", async () => {
    const dir = await tmp.make();
    await writeSeeds(dir, {
      "001_00000000000000aa.txt": Buffer.from("\uFEFF date 2025-05-01 2\r\nGood\r\n\r\nText\r\n", "utf8"),
      "002_00000000000000bb.txt": Buffer.concat([Buffer.from(" date 2025-05-02 2\nBad bytes "), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]),
    });
    const { articles, diagnostics } = await loadSeeds(dir);
    expect(articles.map((a) => [a.id, a.title, a.contentHtml])).toEqual([["00000000000000aa", "Good", "<p>Text</p>"]]);
    expect(diagnostics).toEqual([{ severity: "error", file: "002_00000000000000bb.txt", line: 2, message: expect.stringContaining("0xff") }]);
  });
});

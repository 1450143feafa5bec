// A hostile article: every character class that XML, HTML and JSON escape differently, CDATA
// terminators, control characters, emoji, right-to-left text, a 2,000-character title and script tags.
// Every output must stay well-formed, no HTML page may carry a live <script>, and real parsers must read
// back the original text (minus the control characters the loader removes).

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseFeed as rowanParse } from "@rowanmanning/feed-parser";
import { parseJsonFeed } from "feedsmith";
import Parser from "rss-parser";
import { beforeAll, describe, expect, it } from "vitest";
import type { Article, Diagnostic } from "../../src/types.ts";
import { decodeHtml, htmlText, pythonFeedparser, validateHtml, xmllint } from "../helpers/consumers.ts";
import { REPO_ROOT, markdownSeed, readTree, writeSeeds } from "../helpers/files.ts";
import { buildSite, distFileOfUrl, expectedEntries, testConfig, type ExpectedEntry } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();

const NASTY = `A & B < C > D " E ' F ]]> G ]]> H \u0001 I \u000B J 🌱🚀 שלום עולם <script>alert("x")</script> &amp; done`;
const CONTROL = /[\u0001\u000B]/g;
/** 2,000 characters (code points: an emoji is one character, two UTF-16 units). */
const LONG_TITLE = [...(NASTY + " ").repeat(40)].slice(0, 2000).join("");

const TEXT_NAME = "001_00000000deadbeef.txt";
const MD_NAME = "hostile.md";

let out: string;
let expected: ExpectedEntry[];
let byId: Map<string, Article>;
let warnings: Diagnostic[];

beforeAll(async () => {
  const root = await tmp.make();
  const seeds = join(root, "seeds");
  out = join(root, "dist");
  await writeSeeds(seeds, {
    [TEXT_NAME]: ` date 2025-06-01 1\n${LONG_TITLE}\n${NASTY}\n\nSecond: ${NASTY}\n`,
    [MD_NAME]: markdownSeed(
      [
        `title: '${NASTY.replaceAll("'", "''")}'`,
        "date: 2025-06-02",
        `tags: ['a<b', 'x ]]> y', '${NASTY.replaceAll("'", "''")}']`,
        `summary: '${NASTY.replaceAll("'", "''")}'`,
        `author: '<script>alert(1)</script> & "Eve"'`,
      ],
      `${NASTY}\n\n**${NASTY}**\n\n\`code ]]> ]]> <script>\`\n\n<script>alert("raw html")</script>\n\n` +
        `[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) <img src=x onerror=alert(1)> <a href="javascript:x">a</a>\n`,
    ),
  });
  const config = testConfig();
  const result = await buildSite(seeds, out, { config });
  expect(result.written).toBe(true);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  warnings = result.diagnostics.filter((d) => d.severity === "warning");
  expected = await expectedEntries(seeds, config);
  byId = new Map(expected.map((e) => [e.id, e.article]));
});

describe("hostile article: loading", () => {
  it("keeps the text as written, minus the two control characters, with a warning for each seed", async () => {
    const text = expected.find((e) => e.article.source === TEXT_NAME)!.article;
    const md = expected.find((e) => e.article.source === MD_NAME)!.article;
    expect(text.title).toBe(LONG_TITLE.replace(CONTROL, "").trim());
    expect([...LONG_TITLE].length).toBe(2000);
    expect(md.title).toBe(NASTY.replace(CONTROL, ""));
    expect(md.tags).toEqual(["a<b", NASTY.replace(CONTROL, ""), "x ]]> y"].sort());
    expect(md.author).toBe('<script>alert(1)</script> & "Eve"');
    expect(warnings.map((w) => [w.file, w.line, w.message])).toEqual([
      [TEXT_NAME, 2, expect.stringMatching(/control characters/)],
      [MD_NAME, 2, expect.stringMatching(/control characters/)],
    ]);
  });
});

describe("hostile article: every output is well-formed", () => {
  it.each(["rss.xml", "atom.xml"])("xmllint accepts %s", async (file) => {
    const r = await xmllint(join(out, file));
    expect(r.stderr).toBe("");
    expect(r.ok).toBe(true);
  });

  it("atom.xml still validates against RFC 4287's schema", async () => {
    expect((await xmllint(join(out, "atom.xml"), join(REPO_ROOT, "tests/fixtures/atom.rng"))).ok).toBe(true);
  });

  it("no output carries a control character or an unescaped CDATA end in XML text", async () => {
    const tree = await readTree(out);
    for (const [path, bytes] of tree) {
      if (/\.(br|gz)$/.test(path)) continue;
      const text = bytes.toString("utf8");
      expect(text, path).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
      if (path.endsWith(".xml")) expect(text, path).not.toContain("]]>");
    }
  });

  it("feed.json is valid JSON and holds the exact text", async () => {
    const feed = parseJsonFeed(await readFile(join(out, "feed.json"), "utf8"));
    for (const item of feed.items ?? []) {
      const a = byId.get(item.id!)!;
      expect(item.title).toBe(a.title);
      expect(item.content_html).toBe(a.contentHtml);
      expect(item.summary).toBe(a.summary);
      expect(item.tags ?? []).toEqual(a.tags);
      expect(item.authors?.[0]?.name).toBe(a.author ?? testConfig().author.name);
    }
    expect(feed.items).toHaveLength(2);
  });
});

describe("hostile article: HTML escapes everything", () => {
  it("no HTML page carries a <script> element", async () => {
    const tree = await readTree(out);
    const pages = [...tree].filter(([p]) => p.endsWith(".html"));
    expect(pages.length).toBeGreaterThanOrEqual(4); // index, 404, two articles
    for (const [path, bytes] of pages) expect(bytes.toString("utf8"), path).not.toMatch(/<script/i);
  });

  it("no page, and no feed content, carries a script URL or an event handler attribute", async () => {
    const scriptUrl = /<[a-z]+[^>]*\s(href|src)\s*=\s*"?\s*(javascript|data):/i;
    const handler = /<[a-z]+[^>]*\son[a-z]+\s*=/i;
    const tree = await readTree(out);
    for (const [path, bytes] of tree) {
      if (!path.endsWith(".html")) continue;
      expect(bytes.toString("utf8"), path).not.toMatch(scriptUrl);
      expect(bytes.toString("utf8"), path).not.toMatch(handler);
    }
    // The feeds carry contentHtml exactly (the round-trip tests prove it); a reader renders it as HTML.
    const md = expected.find((e) => e.article.source === MD_NAME)!.article.contentHtml;
    expect(md).toContain("javascript:"); // the text is there, as text...
    expect(md).not.toMatch(scriptUrl); // ...never as a link
    expect(md).not.toMatch(handler);
  });

  it("each article page shows the title and author as text, and is valid HTML", async () => {
    for (const e of expected) {
      const html = await readFile(join(out, distFileOfUrl(e.url, testConfig())), "utf8");
      const h1 = /<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1];
      expect(decodeHtml(h1 ?? "")).toBe(e.article.title);
      if (e.article.author) expect(html).toContain(`· ${htmlText(e.article.author)}</p>`);
      // long-title: the 2,000-character title is the point of this test; title length is an SEO preference.
      expect(await validateHtml(html, e.url, ["long-title"])).toEqual([]);
    }
  });

  it("the index is valid HTML and lists both titles as text", async () => {
    const html = await readFile(join(out, "index.html"), "utf8");
    expect(await validateHtml(html, "index.html")).toEqual([]);
    const links = [...html.matchAll(/<li><a href="[^"]*">([\s\S]*?)<\/a>/g)].map((m) => decodeHtml(m[1]!));
    expect(links).toEqual(expected.map((e) => e.article.title));
  });
});

describe("hostile article: real parsers read back the original text", () => {
  it("rss-parser, RSS and Atom", async () => {
    const parser = new Parser();
    for (const file of ["rss.xml", "atom.xml"]) {
      const feed = await parser.parseString(await readFile(join(out, file), "utf8"));
      expect(feed.items).toHaveLength(2);
      for (const item of feed.items) {
        const a = byId.get(item.guid ?? (item as { id?: string }).id ?? "")!;
        expect(a, file).toBeDefined();
        expect(item.title).toBe(a.title);
        expect(file === "rss.xml" ? item["content:encoded"] : item.content).toBe(a.contentHtml);
      }
    }
  });

  it("@rowanmanning/feed-parser, RSS and Atom", async () => {
    for (const file of ["rss.xml", "atom.xml"]) {
      const feed = rowanParse(await readFile(join(out, file), "utf8"));
      expect(feed.items).toHaveLength(2);
      for (const item of feed.items) {
        const a = byId.get(item.id!)!;
        // This parser decodes HTML character references in all text, titles included (the literal
        // "&amp;" in the title comes back as "&"); the other parsers show the text is intact.
        expect(item.title).toBe(decodeHtml(a.title));
        expect(item.content).toBe(decodeHtml(a.contentHtml));
        // Atom's term is an attribute, which this parser leaves as XML gave it.
        expect(item.categories.map((c) => c.term)).toEqual(file === "atom.xml" ? a.tags : a.tags.map(decodeHtml));
      }
    }
  });

  it("Python feedparser, RSS and Atom", async () => {
    const parsed = await pythonFeedparser(join(out, "rss.xml"), join(out, "atom.xml"));
    for (const feed of parsed) {
      expect(feed.bozo, feed.bozo_exception).toBe(false);
      expect(feed.entries).toHaveLength(2);
      for (const entry of feed.entries) {
        const a = byId.get(entry.id!)!;
        expect(entry.title).toBe(a.title);
        expect(entry.tags).toEqual(a.tags);
        // feedparser's sanitiser writes ' for &#39; and drops nothing else from our escaped HTML.
        expect(entry.content).toEqual([a.contentHtml.replaceAll("&#39;", "'")]);
      }
    }
  });
});

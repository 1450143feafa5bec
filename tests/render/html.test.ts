// The HTML pages: valid HTML5 (html-validate, recommended preset), and every link and
// reference points at a file the build wrote.

import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeHtml, htmlText, validateHtml } from "../helpers/consumers.ts";
import { buildFixtureSite, type FixtureSite } from "../helpers/fixture.ts";
import { distFileOfUrl } from "../helpers/site.ts";
import { tagSlug } from "../../src/render/tags.ts";
import { humanDate } from "../../src/render/html.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
let site: FixtureSite;

beforeAll(async () => {
  site = await buildFixtureSite(await tmp.make());
});

const page = (path: string) => readFile(join(site.out, path), "utf8");
const pagePathOf = (url: string) => distFileOfUrl(url, site.config);
const attrs = (html: string, tag: string) =>
  [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, decodeHtml(a[2]!)])),
  );

/** A site-relative href ("/blog/x/") to the file in dist/ it names. */
const distFileOf = (href: string) => distFileOfUrl(href, site.config);

// long-title (titles over 70 characters) is relaxed for article pages only: it is an SEO preference,
// and "<article title> · <site title>" is often longer. Nothing else is relaxed.
const STYLE_ONLY = ["long-title"];

describe("HTML5 validity (html-validate:recommended)", () => {
  it("index.html is valid", async () => {
    expect(await validateHtml(await page("index.html"), "index.html")).toEqual([]);
  });

  it("404.html is valid", async () => {
    expect(await validateHtml(await page("404.html"), "404.html")).toEqual([]);
  });

  it("every article page is valid", async () => {
    for (const e of site.expected) {
      const path = pagePathOf(e.url);
      expect(await validateHtml(await page(path), path, STYLE_ONLY)).toEqual([]);
    }
  });

  it("the validator rejects a broken copy of a page (the check has teeth)", async () => {
    const html = await page("index.html");
    const broken = [html.replace("</main>", ""), html.replace("<title>", "<title><b>"), html.replace('<html lang="en">', "<html>")];
    for (const b of broken) expect((await validateHtml(b, "broken.html")).length).toBeGreaterThan(0);
  });
});

describe("what the pages say and link to", () => {
  it("each article page: title, heading, dates, author, canonical URL, body", async () => {
    for (const e of site.expected) {
      const html = await page(pagePathOf(e.url));
      const a = e.article;
      expect(decodeHtml(/<title>([\s\S]*?)<\/title>/.exec(html)![1]!)).toBe(`${a.title} · ${site.config.title}`);
      expect(decodeHtml(/<h1>([\s\S]*?)<\/h1>/.exec(html)![1]!)).toBe(a.title);
      expect(html).toContain(`<time datetime="${a.published}">${humanDate(a.published)}</time>`);
      if (a.updated !== a.published) expect(html).toContain(`<time datetime="${a.updated}">`);
      expect(decodeHtml(html)).toContain(`· ${a.author ?? site.config.author.name}</p>`);
      expect(attrs(html, "link").find((l) => l.rel === "canonical")?.href).toBe(e.url);
      expect(html).toContain(a.contentHtml);
      for (const t of a.tags) expect(html).toContain(`<a href="/blog/tags/${tagSlug(t)}/">${htmlText(t)}</a></li>`);
    }
  });

  it("human dates are the UTC calendar day, whatever the machine's zone", () => {
    // 23:30 at -05:00 is the next day in UTC.
    expect(humanDate(new Date("2025-03-31T23:30:00-05:00").toISOString())).toBe("1 April 2025");
    expect(humanDate("2024-02-29T00:00:00.000Z")).toBe("29 February 2024");
  });

  it("the index lists every article, newest first, linking to pages that exist", async () => {
    const html = await page("index.html");
    const items = [...html.matchAll(/<li><a href="([^"]*)">([\s\S]*?)<\/a> <time datetime="([^"]*)">/g)];
    expect(items.map((m) => decodeHtml(m[2]!))).toEqual(site.expected.map((e) => e.article.title));
    expect(items.map((m) => m[3])).toEqual(site.expected.map((e) => e.article.published));
    for (const [i, m] of items.entries()) {
      expect(distFileOf(decodeHtml(m[1]!))).toBe(pagePathOf(site.expected[i]!.url));
    }
  });

  it("every page links the stylesheet, the three feeds and the front page, all of which exist", async () => {
    const pages = ["index.html", "404.html", ...site.expected.map((e) => pagePathOf(e.url))];
    for (const path of pages) {
      const html = await page(path);
      expect(attrs(html, "html")[0]?.lang).toBe(site.config.language);
      const links = attrs(html, "link");
      const css = links.find((l) => l.rel === "stylesheet")!;
      expect(existsSync(join(site.out, distFileOf(css.href!))), css.href).toBe(true);
      const feeds = links.filter((l) => l.rel === "alternate");
      expect(feeds.map((l) => l.type)).toEqual(["application/rss+xml", "application/atom+xml", "application/feed+json"]);
      for (const f of feeds) expect(existsSync(join(site.out, distFileOf(f.href!))), f.href).toBe(true);
      for (const a of attrs(html, "a")) {
        const href = a.href!;
        if (/^https?:/.test(href) && !href.startsWith(site.config.baseUrl)) continue; // a link inside an article body
        expect(existsSync(join(site.out, distFileOf(href))), `${path} → ${href}`).toBe(true);
      }
    }
  });

  it("the 404 page works at any depth: its links are root-relative under the base path", async () => {
    const html = await page("404.html");
    const base = new URL(site.config.baseUrl).pathname;
    expect(base).not.toBe("/"); // the fixture publishes under a sub-path, which is what makes this meaningful
    for (const a of attrs(html, "a")) if (!a.href!.startsWith("http")) expect(a.href!.startsWith(base)).toBe(true);
    for (const l of attrs(html, "link")) if (l.rel === "stylesheet") expect(l.href!.startsWith(base)).toBe(true);
    expect(html).not.toMatch(/rel="canonical"/);
  });
});

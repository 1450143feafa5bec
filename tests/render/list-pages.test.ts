// The HTML list pages (the index, its older pages, a tag's pages) and the tag links of article pages:
// rendered directly, so each page shape is checked whatever the site build currently writes.

import { describe, expect, it } from "vitest";
import { decodeHtml, htmlText, validateHtml } from "../helpers/consumers.ts";
import { testConfig } from "../helpers/site.ts";
import { renderArticlePage, renderListPage, type ListPage, type PageContext } from "../../src/render/html.ts";
import { sitePath } from "../../src/render/urls.ts";
import { pageRange, pagingOf } from "../../src/render/paging.ts";
import { tagSlug } from "../../src/render/tags.ts";
import { absoluteUrl, listPageDir, streamFeedPaths, tagDir } from "../../src/render/urls.ts";
import type { Article, ArticleMeta } from "../../src/types.ts";

const config = testConfig({ feedSize: 10, pageSize: 10 });
const ctx: PageContext = { config, stylesheet: sitePath(config, "assets/style.0123456789ab.css") };
const base = new URL(config.baseUrl).pathname; // "/blog/": links must carry the base path

const HOSTILE = `Tom & "Jerry" <b>it's</b>`;

function article(i: number, over: Partial<Article> = {}): Article {
  const day = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString();
  return {
    id: i.toString(16).padStart(16, "0"),
    source: `${i}.md`,
    title: `Article ${i}`,
    published: day,
    updated: day,
    summary: `Summary ${i}`,
    tags: [],
    contentHtml: `<p>Body ${i}</p>`,
    ...over,
  };
}

/** 25 articles, newest first: pages 1 and 2 are full, page 3 is the open one. */
const all = Array.from({ length: 25 }, (_, i) => article(25 - i));
const paging = pagingOf(all.length, config.feedSize, config.pageSize);
const pageArticles = (k: number) => {
  const { start, end } = pageRange(paging, k);
  return all.slice(start, end);
};

const attrs = (html: string, tag: string) =>
  [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, decodeHtml(a[2]!)])),
  );
const relLinks = (html: string) => Object.fromEntries(attrs(html, "a").filter((a) => a.rel).map((a) => [a.rel!, a.href!]));
const canonical = (html: string) => attrs(html, "link").find((l) => l.rel === "canonical")?.href;
const listedTitles = (html: string) => [...html.matchAll(/<li><a href="[^"]*">([\s\S]*?)<\/a> <time/g)].map((m) => decodeHtml(m[1]!));

const goSlug = tagSlug("Go");
const goFeeds = { title: `${config.title}: Go`, urls: streamFeedPaths(tagDir(goSlug)) };

/** The pages' articles carry their text. */
const body = (m: ArticleMeta) => m as Article;

const pages: Record<string, ListPage> = {
  index: { body, dir: "", title: config.title, description: config.description, articles: all.slice(0, paging.headSize), older: listPageDir("", paging.full) },
  middle: { body, dir: listPageDir("", 2), title: `${config.title} · page 2`, articles: pageArticles(2), newer: listPageDir("", 3), older: listPageDir("", 1) },
  open: { body, dir: listPageDir("", 3), title: `${config.title} · page 3`, articles: pageArticles(3), newer: "", older: listPageDir("", 2) },
  oldest: { body, dir: listPageDir("", 1), title: `${config.title} · page 1`, articles: pageArticles(1), newer: listPageDir("", 2) },
  tag: { body, dir: tagDir(goSlug), title: `Tagged “Go” · ${config.title}`, articles: all.slice(0, 3), feeds: goFeeds },
  empty: { body, dir: "", title: config.title, description: config.description, articles: [] },
};

describe("list pages are valid HTML5 (html-validate:recommended, nothing relaxed)", () => {
  for (const [name, page] of Object.entries(pages)) {
    it(name, async () => {
      expect(await validateHtml(renderListPage(ctx, page), `${name}.html`)).toEqual([]);
    });
  }

  it("a tag page whose feed title and heading are hostile text", async () => {
    const html = renderListPage(ctx, { ...pages.tag!, title: HOSTILE, feeds: { ...goFeeds, title: HOSTILE } });
    expect(await validateHtml(html, "hostile-tag.html")).toEqual([]);
  });
});

describe("pagination", () => {
  it("the paging scheme this suite assumes: two full pages and an open one", () => {
    expect(paging).toMatchObject({ complete: false, full: 2, headSize: 10 });
    expect(pageArticles(3)).toHaveLength(5);
  });

  it("the index links only older, to the newest full page", () => {
    const html = renderListPage(ctx, pages.index!);
    expect(relLinks(html)).toEqual({ next: `${base}page/2/` });
    expect(html).toMatch(/<a rel="next" href="[^"]*">Older<\/a>/);
    expect(canonical(html)).toBe(config.baseUrl);
  });

  it("a middle page links newer (rel=prev) and older (rel=next), site-relative under the base path", () => {
    const html = renderListPage(ctx, pages.middle!);
    expect(relLinks(html)).toEqual({ prev: `${base}page/3/`, next: `${base}page/1/` });
    expect(html).toMatch(/<nav class="pages"><a rel="prev" href="[^"]*">Newer<\/a> <a rel="next" href="[^"]*">Older<\/a><\/nav>/);
    expect(canonical(html)).toBe(absoluteUrl(config, "page/2/"));
    expect(listedTitles(html)).toEqual(pageArticles(2).map((a) => a.title));
  });

  it("the open page links newer to the index", () => {
    const html = renderListPage(ctx, pages.open!);
    expect(relLinks(html)).toEqual({ prev: base, next: `${base}page/2/` });
    expect(canonical(html)).toBe(`${config.baseUrl}page/3/`);
  });

  it("page 1 has no older page; a page with neither has no nav", () => {
    expect(relLinks(renderListPage(ctx, pages.oldest!))).toEqual({ prev: `${base}page/2/` });
    const html = renderListPage(ctx, pages.tag!);
    expect(relLinks(html)).toEqual({});
    expect(html).not.toContain("<nav");
  });

  it("the list links each article's page, newest first", () => {
    const html = renderListPage(ctx, pages.index!);
    expect(listedTitles(html)).toEqual(all.slice(0, 10).map((a) => a.title));
    expect(html).toContain(`<li><a href="${base}articles/${all[0]!.id}">Article 25</a>`);
  });

  it("an empty list says so", () => {
    const html = renderListPage(ctx, pages.empty!);
    expect(html).toContain("<p>No articles yet.</p>");
    expect(html).not.toContain("<ol");
  });

});

describe("tag pages advertise and link their own feeds", () => {
  const alternates = (html: string) => attrs(html, "link").filter((l) => l.rel === "alternate");

  it("head: the site's three feeds, then the tag's, told apart by title", () => {
    const html = renderListPage(ctx, pages.tag!);
    expect(alternates(html)).toEqual([
      { rel: "alternate", type: "application/rss+xml", title: `${config.title} (RSS)`, href: `${config.baseUrl}rss.xml` },
      { rel: "alternate", type: "application/atom+xml", title: `${config.title} (Atom)`, href: `${config.baseUrl}atom.xml` },
      { rel: "alternate", type: "application/feed+json", title: `${config.title} (JSON Feed)`, href: `${config.baseUrl}feed.json` },
      { rel: "alternate", type: "application/rss+xml", title: `${goFeeds.title} (RSS)`, href: `${config.baseUrl}tags/go/rss.xml` },
      { rel: "alternate", type: "application/atom+xml", title: `${goFeeds.title} (Atom)`, href: `${config.baseUrl}tags/go/atom.xml` },
      { rel: "alternate", type: "application/feed+json", title: `${goFeeds.title} (JSON Feed)`, href: `${config.baseUrl}tags/go/feed.json` },
    ]);
    expect(canonical(html)).toBe(`${config.baseUrl}tags/go/`);
  });

  it("body: links to the tag's feeds; absolute URLs are taken as they are", () => {
    const html = renderListPage(ctx, pages.tag!);
    const main = /<main>([\s\S]*)<\/main>/.exec(html)![1]!;
    const hrefs = attrs(main, "a").map((a) => a.href);
    for (const f of ["rss.xml", "atom.xml", "feed.json"]) expect(hrefs).toContain(`${config.baseUrl}tags/go/${f}`);
    const absolute = { ...goFeeds, urls: { rss: "https://other.example/r", atom: "https://other.example/a", json: "https://other.example/j" } };
    expect(alternates(renderListPage(ctx, { ...pages.tag!, feeds: absolute })).slice(3).map((l) => l.href)).toEqual(Object.values(absolute.urls));
  });

  it("other list pages advertise only the site's feeds", () => {
    for (const name of ["index", "middle", "empty"]) expect(alternates(renderListPage(ctx, pages[name]!))).toHaveLength(3);
  });

  it("hostile feed title and heading are escaped", () => {
    const html = renderListPage(ctx, { ...pages.tag!, title: HOSTILE, feeds: { ...goFeeds, title: HOSTILE } });
    expect(html).not.toContain("<b>");
    expect(html).toContain(`<h1>${htmlText(HOSTILE)}</h1>`);
    expect(html).toContain(`<title>${htmlText(HOSTILE)}</title>`);
    expect(alternates(html)[3]!.title).toBe(`${HOSTILE} (RSS)`);
    expect(html).toContain(`Subscribe to ${htmlText(HOSTILE)}:`);
  });
});

describe("article pages link their tags", () => {
  const tags = ["Go", "C++", `a<b & "c"`, "it's"];
  const a = article(1, { title: HOSTILE, summary: HOSTILE, tags });
  const html = renderArticlePage(ctx, a);

  it("each tag is a link to its slug folder, its text escaped", () => {
    const items = [...html.matchAll(/<li><a href="([^"]*)">([\s\S]*?)<\/a><\/li>/g)];
    expect(items.map((m) => decodeHtml(m[2]!))).toEqual(tags);
    expect(items.map((m) => decodeHtml(m[1]!))).toEqual(tags.map((t) => `${base}tags/${tagSlug(t)}/`));
    for (const t of tags) expect(html).toContain(`>${htmlText(t)}</a></li>`);
    expect(items[0]![1]).toBe(`${base}tags/go/`);
  });

  it("is valid HTML, and the hostile title is text", async () => {
    expect(html).not.toContain("<b>");
    expect(html).toContain(`<h1>${htmlText(HOSTILE)}</h1>`);
    expect(await validateHtml(html, "article.html")).toEqual([]);
  });

  it("a list of hostile titles and summaries stays text", async () => {
    const list = renderListPage(ctx, { dir: "page/1/", title: "Page 1", articles: [a], body, newer: "" });
    expect(listedTitles(list)).toEqual([HOSTILE]);
    expect(list).toContain(`<p>${htmlText(HOSTILE)}</p>`);
    expect(list).not.toContain("<b>");
    expect(await validateHtml(list, "hostile-list.html")).toEqual([]);
  });
});

// Articles → HTML5 pages: one per article, the list pages (the index, its older pages, each tag's), and
// the 404 page. Every text run is escaped here.

import { escapeHtml as e } from "../escape.ts";
import type { Article, ArticleMeta, FeedFormat, FeedUrls, SiteConfig } from "../types.ts";
import { assemble, type EntryFragments } from "./fragments.ts";
import { tagSlug } from "./tags.ts";
import { FEED_PATHS, FEED_TYPES, absoluteUrl, absoluteUrls, articlePath, linkOf, sitePath, tagDir } from "./urls.ts";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "28 July 2025": the same on every machine, whatever its locale or time zone. */
export function humanDate(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export interface PageContext {
  config: SiteConfig;
  /** Site path of the content-hashed stylesheet. */
  stylesheet: string;
  /** Entries already rendered, reused by the pages and feeds that show them again (the planner's). */
  fragments?: EntryFragments;
}

function timeTag(iso: string): string {
  return `<time datetime="${iso}">${humanDate(iso)}</time>`;
}

const FORMATS = ["rss", "atom", "json"] as const satisfies readonly FeedFormat[];
const FORMAT_NAMES: Record<FeedFormat, string> = { rss: "RSS", atom: "Atom", json: "JSON Feed" };

/** `<link rel="alternate">` for each format of one feed, titled "<feed title> (RSS)" and so on. */
function discoveryLinks(title: string, urls: FeedUrls): string {
  return FORMATS.map((f) => `<link rel="alternate" type="${FEED_TYPES[f]}" title="${e(`${title} (${FORMAT_NAMES[f]})`)}" href="${e(urls[f])}">`).join("\n");
}

/** "RSS · Atom · JSON Feed", each a link to that format of the feed. */
function feedAnchors(urls: FeedUrls): string {
  return FORMATS.map((f) => `<a href="${e(urls[f])}">${FORMAT_NAMES[f]}</a>`).join(" · ");
}

/** `extraFeeds` (absolute URLs) are advertised after the site's own: a tag page's feeds. */
function layout(ctx: PageContext, page: { title: string; canonical?: string; body: string; extraFeeds?: { title: string; urls: FeedUrls } }): string {
  const { config } = ctx;
  const feeds = absoluteUrls(config, FEED_PATHS);
  const discovery = [discoveryLinks(config.title, feeds), ...(page.extraFeeds ? [discoveryLinks(page.extraFeeds.title, page.extraFeeds.urls)] : [])].join("\n");
  return `<!DOCTYPE html>
<html lang="${e(config.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(page.title)}</title>
${page.canonical ? `<link rel="canonical" href="${e(page.canonical)}">\n` : ""}<link rel="stylesheet" href="${e(ctx.stylesheet)}">
${discovery}
</head>
<body>
<header><a href="${e(sitePath(config, ""))}">${e(config.title)}</a></header>
<main>
${page.body}
</main>
<footer>Subscribe: ${feedAnchors(feeds)}</footer>
</body>
</html>
`;
}

export function renderArticlePage(ctx: PageContext, a: Article): string {
  const author = a.author ?? ctx.config.author.name;
  const updated = a.updated !== a.published ? ` · updated ${timeTag(a.updated)}` : "";
  const tagLink = (t: string) => `<li><a href="${e(sitePath(ctx.config, tagDir(tagSlug(t))))}">${e(t)}</a></li>`;
  const tags = a.tags.length > 0 ? `\n<ul class="tags">${a.tags.map(tagLink).join("")}</ul>` : "";
  return layout(ctx, {
    title: `${a.title} · ${ctx.config.title}`,
    canonical: absoluteUrl(ctx.config, linkOf(articlePath(a))),
    body: `<article>
<h1>${e(a.title)}</h1>
<p class="meta">${timeTag(a.published)}${updated} · ${e(author)}</p>${tags}
${a.contentHtml}
</article>`,
  });
}

/** One HTML list of articles: the index, one of its older pages, or a page of one tag's stream. */
export interface ListPage {
  /** Site-relative folder of this page: "" (the index), "page/3/", "tags/go/", "tags/go/page/2/". */
  dir: string;
  /** <title> and <h1>. */
  title: string;
  description?: string;
  /** Newest first; their summaries are shown. */
  articles: readonly ArticleMeta[];
  /** An article with its text (the summary): read only for entries whose fragment is not kept. */
  body(m: ArticleMeta): Article;
  /** Folder of the page with newer articles ("" is the index) and of the page with older ones. */
  newer?: string;
  older?: string;
  /**
   * The feeds of this list when it is not the site's own (a tag's): advertised for autodiscovery besides
   * the site's, and linked. URLs may be site-relative paths (as streamFeedPaths gives) or absolute.
   */
  feeds?: { title: string; urls: FeedUrls };
}

export function renderListPage(ctx: PageContext, page: ListPage): string {
  const { config } = ctx;
  const href = (a: ArticleMeta) => sitePath(config, linkOf(articlePath(a)));
  const items = assemble(page.articles, "list", ctx.fragments, page.body, (articles) => {
    const li = articles.map((a) => `<li><a href="${e(href(a))}">${e(a.title)}</a> ${timeTag(a.published)}<p>${e(a.summary)}</p></li>`);
    return { whole: () => li.join("\n"), head: () => "", entry: (i) => li[i]!, tail: () => "" };
  }, "\n");
  const feeds = page.feeds && { title: page.feeds.title, urls: absoluteUrls(config, page.feeds.urls) };
  // rel in reading order, as on a paginated article: "next" is the following page, which holds older entries.
  const nav = [
    ...(page.newer !== undefined ? [`<a rel="prev" href="${e(sitePath(config, page.newer))}">Newer</a>`] : []),
    ...(page.older !== undefined ? [`<a rel="next" href="${e(sitePath(config, page.older))}">Older</a>`] : []),
  ];
  const parts = [
    `<h1>${e(page.title)}</h1>`,
    ...(page.description !== undefined ? [`<p>${e(page.description)}</p>`] : []),
    ...(feeds ? [`<p class="feeds">Subscribe to ${e(feeds.title)}: ${feedAnchors(feeds.urls)}</p>`] : []),
    page.articles.length > 0 ? `<ol class="articles">\n${items}\n</ol>` : "<p>No articles yet.</p>",
    ...(nav.length > 0 ? [`<nav class="pages">${nav.join(" ")}</nav>`] : []),
  ];
  return layout(ctx, { title: page.title, canonical: absoluteUrl(config, page.dir), body: parts.join("\n"), extraFeeds: feeds });
}

export function renderNotFoundPage(ctx: PageContext): string {
  return layout(ctx, {
    title: `Not found · ${ctx.config.title}`,
    body: `<h1>Not found</h1>
<p>There is nothing at this address. The <a href="${e(sitePath(ctx.config, ""))}">front page</a> lists every article.</p>`,
  });
}

export const STYLESHEET = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.55; }
body { max-width: 42rem; margin: 0 auto; padding: 1rem; }
header a { font-weight: 600; text-decoration: none; }
.meta, time { color: GrayText; font-size: 0.9em; }
ol.articles { padding-left: 1.2rem; }
ol.articles p { margin: 0.2rem 0 1rem; }
ul.tags { display: flex; gap: 0.5rem; list-style: none; padding: 0; }
nav.pages { display: flex; margin-top: 2rem; }
nav.pages a[rel="next"] { margin-left: auto; }
footer { margin-top: 3rem; font-size: 0.9em; }
`;

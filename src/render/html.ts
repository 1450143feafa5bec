// Articles → HTML5 pages: one per article, the index, and the 404 page. Every text run is escaped here.

import { escapeHtml as e } from "../escape.ts";
import type { Article, SiteConfig } from "../types.ts";
import { FEED_TYPES, feedUrls, absoluteUrl, articleDir } from "./urls.ts";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** "28 July 2025": the same on every machine, whatever its locale or time zone. */
export function humanDate(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** A root-relative link that works at any depth, also from the 404 page and under a base path. */
export function sitePath(config: SiteConfig, path: string): string {
  return new URL(config.baseUrl).pathname + path;
}

export interface PageContext {
  config: SiteConfig;
  /** Site path of the content-hashed stylesheet. */
  stylesheet: string;
}

function timeTag(iso: string): string {
  return `<time datetime="${iso}">${humanDate(iso)}</time>`;
}

function layout(ctx: PageContext, page: { title: string; canonical?: string; body: string }): string {
  const { config } = ctx;
  const feeds = feedUrls(config);
  const discovery = (["rss", "atom", "json"] as const)
    .map((f) => `<link rel="alternate" type="${FEED_TYPES[f]}" title="${e(`${config.title} (${f === "json" ? "JSON Feed" : f === "rss" ? "RSS" : "Atom"})`)}" href="${e(feeds[f])}">`)
    .join("\n");
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
<footer>Subscribe: <a href="${e(feeds.rss)}">RSS</a> · <a href="${e(feeds.atom)}">Atom</a> · <a href="${e(feeds.json)}">JSON Feed</a></footer>
</body>
</html>
`;
}

export function renderArticlePage(ctx: PageContext, a: Article): string {
  const author = a.author ?? ctx.config.author.name;
  const updated = a.updated !== a.published ? ` · updated ${timeTag(a.updated)}` : "";
  const tags = a.tags.length > 0 ? `\n<ul class="tags">${a.tags.map((t) => `<li>${e(t)}</li>`).join("")}</ul>` : "";
  return layout(ctx, {
    title: `${a.title} · ${ctx.config.title}`,
    canonical: absoluteUrl(ctx.config, articleDir(a)),
    body: `<article>
<h1>${e(a.title)}</h1>
<p class="meta">${timeTag(a.published)}${updated} · ${e(author)}</p>${tags}
${a.contentHtml}
</article>`,
  });
}

export function renderIndexPage(ctx: PageContext, articles: readonly Article[]): string {
  const items = articles
    .map((a) => `<li><a href="${e(sitePath(ctx.config, articleDir(a)))}">${e(a.title)}</a> ${timeTag(a.published)}<p>${e(a.summary)}</p></li>`)
    .join("\n");
  return layout(ctx, {
    title: ctx.config.title,
    canonical: absoluteUrl(ctx.config, ""),
    body: `<h1>${e(ctx.config.title)}</h1>
<p>${e(ctx.config.description)}</p>
${articles.length > 0 ? `<ol class="articles">\n${items}\n</ol>` : "<p>No articles yet.</p>"}`,
  });
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
footer { margin-top: 3rem; font-size: 0.9em; }
`;

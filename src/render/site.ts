// Articles + config → every file of the site, as RenderedFile[]. Pure: no I/O, no clock.

import { createHash } from "node:crypto";
import type { Article, FeedDocument, FeedFormat, RenderedFile, SiteConfig } from "../types.ts";
import { renderAtom } from "./atom.ts";
import { STYLESHEET, renderArticlePage, renderIndexPage, renderNotFoundPage, sitePath, type PageContext } from "./html.ts";
import { renderJsonFeed } from "./json-feed.ts";
import { renderRss } from "./rss.ts";
import { FEED_PATHS, FEED_TYPES, absoluteUrl, articleDir, feedUrls, hubLinkHeader } from "./urls.ts";

const HTML = "text/html; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** The date of a feed with no entries: fixed, so an empty site is as deterministic as a full one. */
const NO_ENTRIES_DATE = "1970-01-01T00:00:00.000Z";

export function newestUpdate(articles: readonly Article[]): string | undefined {
  let newest: string | undefined;
  for (const a of articles) if (newest === undefined || a.updated > newest) newest = a.updated;
  return newest;
}

export function mainFeed(articles: readonly Article[], config: SiteConfig): FeedDocument {
  const entries = articles.slice(0, config.feedSize);
  return {
    id: `${config.tagPrefix}feeds/main`,
    title: config.title,
    description: config.description,
    homeUrl: absoluteUrl(config, ""),
    selfUrl: feedUrls(config),
    entries,
    updated: newestUpdate(entries) ?? NO_ENTRIES_DATE,
    history: { kind: "complete" },
  };
}

/** The three formats of one feed document. */
export function renderFeedFiles(doc: FeedDocument, config: SiteConfig, paths = FEED_PATHS): RenderedFile[] {
  const lastModified = doc.entries.length > 0 ? doc.updated : undefined;
  // WebSub discovery also as a Link header, for subscribers that do not parse the body first.
  const link = (format: FeedFormat) => (config.hub ? { link: hubLinkHeader(config.hub, doc.selfUrl[format]) } : {});
  return [
    { path: paths.rss, kind: "feed", contentType: `${FEED_TYPES.rss}; charset=utf-8`, body: renderRss(doc, config), lastModified, ...link("rss") },
    { path: paths.atom, kind: "feed", contentType: `${FEED_TYPES.atom}; charset=utf-8`, body: renderAtom(doc, config), lastModified, ...link("atom") },
    { path: paths.json, kind: "feed", contentType: `${FEED_TYPES.json}; charset=utf-8`, body: renderJsonFeed(doc, config), lastModified, ...link("json") },
  ];
}

/**
 * `articles` must be newest first (as `loadSeeds` returns them). `pageMemo` (watch mode) remembers each
 * article's page by Article object, so an unchanged article is not rendered again; it is only valid
 * for one config.
 */
export function renderSite(articles: readonly Article[], config: SiteConfig, pageMemo?: WeakMap<Article, string>): RenderedFile[] {
  const page = (a: Article): string => {
    const cached = pageMemo?.get(a);
    if (cached !== undefined) return cached;
    const html = renderArticlePage(ctx, a);
    pageMemo?.set(a, html);
    return html;
  };
  const cssHash = createHash("sha256").update(STYLESHEET).digest("hex").slice(0, 12);
  const cssPath = `assets/style.${cssHash}.css`;
  const ctx: PageContext = { config, stylesheet: sitePath(config, cssPath) };
  return [
    ...renderFeedFiles(mainFeed(articles, config), config),
    { path: "index.html", kind: "html", contentType: HTML, body: renderIndexPage(ctx, articles), lastModified: newestUpdate(articles) },
    { path: "404.html", kind: "html", contentType: HTML, body: renderNotFoundPage(ctx) },
    { path: cssPath, kind: "immutable", contentType: CSS, body: STYLESHEET },
    ...articles.map((a): RenderedFile => ({ path: `${articleDir(a)}index.html`, kind: "html", contentType: HTML, body: page(a), lastModified: a.updated })),
  ];
}

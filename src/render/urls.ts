// Where things live: output paths and their absolute URLs. The only place that knows the URL layout.

import type { Article, FeedFormat, SiteConfig } from "../types.ts";

export const FEED_PATHS: Record<FeedFormat, string> = { rss: "rss.xml", atom: "atom.xml", json: "feed.json" };

export const FEED_TYPES: Record<FeedFormat, string> = {
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  json: "application/feed+json",
};

/** The directory URL of an article page; its file is `${articleDir(a)}index.html`. */
export function articleDir(article: Article): string {
  return `articles/${article.id}/`;
}

export function absoluteUrl(config: SiteConfig, path: string): string {
  return new URL(path, config.baseUrl).href;
}

export function feedUrls(config: SiteConfig, paths: Record<FeedFormat, string> = FEED_PATHS): Record<FeedFormat, string> {
  return { rss: absoluteUrl(config, paths.rss), atom: absoluteUrl(config, paths.atom), json: absoluteUrl(config, paths.json) };
}

/** The entry id: from the identity only, so it survives edits of title and body and a move to another base URL. */
export function entryId(config: SiteConfig, article: Article): string {
  return `${config.tagPrefix}articles/${article.id}`;
}

/** The WebSub discovery Link header value: where to subscribe, and the canonical URL of this feed. */
export function hubLinkHeader(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}

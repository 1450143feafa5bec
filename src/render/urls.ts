// Where things live: output paths, the URLs they answer, and their absolute URLs. The only place that
// knows the URL layout: the renderers, the server and _headers all ask here.

import { sha256 } from "../hash.ts";
import type { Article, FeedFormat, FeedUrls, SiteConfig } from "../types.ts";

export const FEED_PATHS: Record<FeedFormat, string> = { rss: "rss.xml", atom: "atom.xml", json: "feed.json" };

export const FEED_TYPES: Record<FeedFormat, string> = {
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  json: "application/feed+json",
};

/**
 * An article's page: its path in dist/ and its URL. A flat file, not a folder with an index.html: on
 * ext4 a new folder with files in it costs several times what a file does, and a site has one per
 * article (BENCHMARKS.md). A ".html" URL is served as it is by every static host and by S3.
 */
export function articlePath(article: Pick<Article, "id">): string {
  return `articles/${article.id}.html`;
}

/**
 * A stream is a list of articles with its own feeds, archive pages and HTML list pages: the whole site
 * (base "") or one tag (base "tags/<slug>/"). Every path below is relative to dist/.
 */
export function streamFeedPaths(base: string): FeedUrls {
  return { rss: `${base}${FEED_PATHS.rss}`, atom: `${base}${FEED_PATHS.atom}`, json: `${base}${FEED_PATHS.json}` };
}

/** Archive page `k` of a stream, in each format: "archive/3/rss.xml" and so on. */
export function archivePaths(base: string, k: number): FeedUrls {
  return streamFeedPaths(`${base}archive/${k}/`);
}

/** The folder of HTML list page `k` of a stream ("page/3/"); its file is `${listPageDir}index.html`. */
export function listPageDir(base: string, k: number): string {
  return `${base}page/${k}/`;
}

/** The folder of a tag's stream. */
export function tagDir(slug: string): string {
  return `tags/${slug}/`;
}

/** The file of a folder URL (the index and list pages): "tags/go/" → "tags/go/index.html". */
export function folderFile(dir: string): string {
  return `${dir}index.html`;
}

/** The site's not-found page: the name every static host looks for. */
export const NOT_FOUND_PATH = "404.html";

/** The stylesheet's path: its name changes with its content, so it can be cached for a year. */
export function stylesheetPath(css: string): string {
  return `assets/style.${sha256(css).slice(0, 12)}.css`;
}

/** The URL paths a file answers (from the site's root): an index.html also answers its folder. */
export function urlPathsOf(path: string): string[] {
  if (path === "index.html") return ["/", "/index.html"];
  if (path.endsWith("/index.html")) return [`/${path.slice(0, -"index.html".length)}`, `/${path}`];
  return [`/${path}`];
}

/** The file a request path names (decoded, without its leading "/"): a folder's index.html, else the path itself. */
export function fileOfRequest(rel: string): string {
  return rel === "" || rel.endsWith("/") ? folderFile(rel) : rel;
}

/**
 * A request path that names no file but names one in another form: that form (decoded, without its
 * leading "/"), which the server redirects to. A folder without its slash ("tags/go"); an article
 * without ".html" ("articles/<id>", as Cloudflare Pages and GitHub Pages link it).
 */
export function canonicalFormOf(rel: string, exists: (path: string) => boolean): string | undefined {
  if (rel === "" || rel.endsWith("/")) return undefined;
  if (exists(folderFile(`${rel}/`))) return `${rel}/`;
  if (exists(`${rel}.html`)) return `${rel}.html`;
  return undefined;
}

/** A root-relative link that works at any depth, also from the 404 page and under a base path. */
export function sitePath(config: SiteConfig, path: string): string {
  return new URL(config.baseUrl).pathname + path;
}

export function absoluteUrls(config: SiteConfig, paths: FeedUrls): FeedUrls {
  return { rss: absoluteUrl(config, paths.rss), atom: absoluteUrl(config, paths.atom), json: absoluteUrl(config, paths.json) };
}

export function absoluteUrl(config: SiteConfig, path: string): string {
  return new URL(path, config.baseUrl).href;
}

/** The entry id: from the identity only, so it survives edits of title and body and a move to another base URL. */
export function entryId(config: SiteConfig, article: Pick<Article, "id">): string {
  return `${config.tagPrefix}articles/${article.id}`;
}

/** The WebSub discovery Link header value: where to subscribe, and the canonical URL of this feed. */
export function hubLinkHeader(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}

/**
 * The URL path (from the site's root) a dist/ file is published at, the one its links use: the first of
 * urlPathsOf ("/" and "/tags/x/" for index files). Hosts, `publish` and the tests' crawls derive URLs from it.
 */
export function urlPathOf(distPath: string): string {
  return urlPathsOf(distPath)[0]!;
}

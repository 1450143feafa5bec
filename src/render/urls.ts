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
 * An article's page in dist/: a flat file, not a folder with an index.html (on ext4 a new folder with
 * files in it costs several times what a file does, and a site has one per article: BENCHMARKS.md).
 * Its URL has no ".html" (urlPathOf): Cloudflare Pages, Netlify, GitHub Pages and nginx's try_files
 * serve "/articles/<id>" from this file with a 200, and Cloudflare Pages redirects the ".html" form.
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

/**
 * The stream and format of a head feed, the feed readers subscribe to: "tags/go/atom.xml" → base
 * "tags/go/", format "atom". Undefined for every other path, archive pages included.
 */
export function headFeedOf(path: string): { base: string; format: FeedFormat } | undefined {
  const slash = path.lastIndexOf("/") + 1;
  const base = path.slice(0, slash);
  if (base !== "" && !/^tags\/[^/]+\/$/.test(base)) return undefined;
  const name = path.slice(slash);
  const format = (Object.keys(FEED_PATHS) as FeedFormat[]).find((f) => FEED_PATHS[f] === name);
  return format ? { base, format } : undefined;
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

/**
 * The URL path (from the site's root, under the base URL's path) a dist/ file is published at, the one
 * every link uses: a folder's index.html at the folder ("/", "/tags/x/"), a page at its path without
 * ".html" ("/articles/<id>"), anything else at its own path ("/rss.xml", "/404.html"). Every host serves
 * these with a 200 and no redirect: the Pages hosts and nginx's try_files find the files behind them,
 * `publish` stores each under its URL's key, `seedfeed serve` answers them.
 */
export function urlPathOf(distPath: string): string {
  if (distPath === "index.html" || distPath.endsWith("/index.html")) return `/${distPath.slice(0, -"index.html".length)}`;
  if (distPath.endsWith(".html") && distPath !== NOT_FOUND_PATH) return `/${distPath.slice(0, -".html".length)}`;
  return `/${distPath}`;
}

/** A link to a dist/ file, relative to the base URL: its URL path without the leading "/". */
export function linkOf(distPath: string): string {
  return urlPathOf(distPath).slice(1);
}

/** Every URL path a file may be asked for: its published one, then its own path where a host serves that too. */
export function urlPathsOf(distPath: string): string[] {
  const published = urlPathOf(distPath);
  return published === `/${distPath}` ? [published] : [published, `/${distPath}`];
}

/**
 * What a request path (decoded, without its leading "/") names: a file, asked for at its published URL;
 * or the published URL of a file asked for in another form ("articles/<id>.html", "tags/go/index.html",
 * a folder without its slash), which the server redirects to; or nothing.
 */
export function resolveRequest(rel: string, exists: (distPath: string) => boolean): { file: string } | { redirect: string } | undefined {
  const candidates = rel === "" || rel.endsWith("/") ? [folderFile(rel)] : [`${rel}.html`, rel, folderFile(`${rel}/`)];
  for (const path of candidates) {
    if (!exists(path)) continue;
    const published = urlPathOf(path);
    return published === `/${rel}` ? { file: path } : { redirect: published };
  }
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

/**
 * The WebSub discovery Link header value: where to subscribe, and this feed. The self link is the feed's
 * file name, which RFC 8288 resolves against the URL it was fetched from: every feed of one shape then
 * sends the same header, so _headers keeps one rule per shape (Cloudflare Pages reads at most 100, and
 * Netlify does not fill placeholders into values). The feed's body carries its absolute canonical URL.
 */
export function hubLinkHeader(hubUrl: string, feedPath: string): string {
  return `<${hubUrl}>; rel="hub", <${feedPath.slice(feedPath.lastIndexOf("/") + 1)}>; rel="self"`;
}

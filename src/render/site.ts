// Article metadata + config → the plan of every file of the site. Pure: no I/O, no clock.
// A planned file knows what it depends on (`about` and the articles it shows) before it is rendered, so
// a rebuild can tell an unchanged file from its plan alone and never render it, and bodies are read only
// for the files that are rendered.

import type { Article, ArticleMeta, FeedDocument, FeedFormat, FeedHistory, FeedUrls, FileKind, SiteConfig } from "../types.ts";
import { renderAtom } from "./atom.ts";
import { EntryFragments } from "./fragments.ts";
import { STYLESHEET, renderArticlePage, renderListPage, renderNotFoundPage, type ListPage, type PageContext } from "./html.ts";
import { renderJsonFeed } from "./json-feed.ts";
import { pageRange, pagingOf, type Paging } from "./paging.ts";
import { renderRss } from "./rss.ts";
import { tagSlug } from "./tags.ts";
import { FEED_TYPES, NOT_FOUND_PATH, absoluteUrl, absoluteUrls, archivePaths, articlePath, folderFile, hubLinkHeader, listPageDir, sitePath, streamFeedPaths, stylesheetPath, tagDir } from "./urls.ts";

const HTML = "text/html; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** The date of a feed with no entries: fixed, so an empty site is as deterministic as a full one. */
const NO_ENTRIES_DATE = "1970-01-01T00:00:00.000Z";

export interface PlannedFile {
  path: string;
  kind: FileKind;
  contentType: string;
  /** Newest date of the content the file shows; absent for files that show no dated content. */
  lastModified?: string;
  /** A Link header value (WebSub discovery on feeds). */
  link?: string;
  /**
   * Everything the bytes depend on besides the config, seedfeed's own code and the versions of the
   * articles in `bodies` (which are the output set's business: the plan needs no seed versions).
   */
  about: string;
  /** Articles the file shows (their text too): part of its key. */
  bodies: readonly ArticleMeta[];
  /** The file's text; `body` reads an article's text, and is called only for entries not kept as fragments. */
  render(body: (m: ArticleMeta) => Article): string;
}

/** A list of articles with its own feeds, archive pages and HTML list pages: the site's, or one tag's. */
export interface Stream {
  /** Folder of the stream: "" or "tags/<slug>/". */
  base: string;
  feedId: string;
  title: string;
  description: string;
  /** Newest first. */
  articles: readonly ArticleMeta[];
  /** For a tag: advertised and linked on its pages besides the site's feeds. */
  isTag: boolean;
}

/** The newest of one date of each article: what Last-Modified says of a file that shows them. */
function newestDate(articles: readonly ArticleMeta[], date: "updated" | "published" = "updated"): string | undefined {
  let newest: string | undefined;
  for (const a of articles) if (newest === undefined || a[date] > newest) newest = a[date];
  return newest;
}

function historyInputs(h: FeedHistory): string {
  if (h.kind === "complete") return "complete";
  if (h.kind === "current") return `current<${h.prevArchive.atom}`;
  return `archive<${h.prevArchive?.atom ?? ""}>${h.nextArchive?.atom ?? ""}`;
}

function feedFiles(stream: Stream, paths: FeedUrls, entries: readonly ArticleMeta[], history: FeedHistory, ctx: PageContext): PlannedFile[] {
  const { config } = ctx;
  const kind: FileKind = history.kind === "archive" ? "archive" : "feed";
  const selfUrl = absoluteUrls(config, paths);
  const updated = newestDate(entries);
  // The hub is only for the feeds readers subscribe to; archive pages do not change for subscribers.
  const hub = config.hub && history.kind !== "archive" ? config.hub : undefined;
  const doc = (body: (m: ArticleMeta) => Article): FeedDocument => ({
    id: stream.feedId,
    title: stream.title,
    description: stream.description,
    homeUrl: absoluteUrl(config, stream.base),
    selfUrl,
    entries,
    body,
    updated: updated ?? NO_ENTRIES_DATE,
    history,
  });
  const renderers: Record<FeedFormat, typeof renderRss> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };
  const about = `${stream.title}|${historyInputs(history)}`;
  return (["rss", "atom", "json"] as const).map((format) => ({
    path: paths[format],
    kind,
    contentType: `${FEED_TYPES[format]}; charset=utf-8`,
    ...(updated ? { lastModified: updated } : {}),
    ...(hub ? { link: hubLinkHeader(hub, paths[format]) } : {}),
    about,
    bodies: entries,
    render: (body) => renderers[format](doc(body), config, ctx.fragments),
  }));
}

type PlannedList = Omit<ListPage, "feeds" | "body">;

function listFile(stream: Stream, page: PlannedList, ctx: PageContext): PlannedFile {
  const feeds = stream.isTag ? { feeds: { title: stream.title, urls: absoluteUrls(ctx.config, streamFeedPaths(stream.base)) } } : {};
  // List pages show publication dates only: an update elsewhere in an article does not date them.
  const updated = newestDate(page.articles, "published");
  return {
    path: folderFile(page.dir),
    kind: "html",
    contentType: HTML,
    ...(updated ? { lastModified: updated } : {}),
    about: `${page.title}|${page.newer ?? ""}|${page.older ?? ""}`,
    // Summaries are text, not metadata: read with the bodies, which the page's archive feeds need anyway.
    bodies: page.articles,
    render: (body) => renderListPage(ctx, { ...page, ...feeds, body }),
  };
}

/** The paging of a stream under the config. */
export function streamPaging(stream: Stream, config: SiteConfig): Paging {
  return pagingOf(stream.articles.length, config.feedSize, config.pageSize);
}

/** The head feeds and the first list page of a stream. */
export function headFiles(stream: Stream, p: Paging, ctx: PageContext): PlannedFile[] {
  const { config } = ctx;
  const head = stream.articles.slice(0, p.headSize);
  const history: FeedHistory = p.complete ? { kind: "complete" } : { kind: "current", prevArchive: absoluteUrls(config, archivePaths(stream.base, p.full)) };
  return [
    ...feedFiles(stream, streamFeedPaths(stream.base), head, history, ctx),
    listFile(stream, { dir: stream.base, title: stream.title, description: stream.description, articles: head, ...(p.complete ? {} : { older: listPageDir(stream.base, p.full) }) }, ctx),
  ];
}

/** Page `k` of a stream: its archive feeds, and its list page unless it is the open page. */
export function pageFiles(stream: Stream, p: Paging, k: number, ctx: PageContext): PlannedFile[] {
  const { config } = ctx;
  const { start, end } = pageRange(p, k);
  const entries = stream.articles.slice(start, end);
  const archiveUrls = (n: number) => absoluteUrls(config, archivePaths(stream.base, n));
  const history: FeedHistory = {
    kind: "archive",
    current: absoluteUrls(config, streamFeedPaths(stream.base)),
    ...(k > 1 ? { prevArchive: archiveUrls(k - 1) } : {}),
    ...(k <= p.full ? { nextArchive: archiveUrls(k + 1) } : {}),
  };
  // The open page still fills up, but every entry on it is also in the head feed: a cache holding it
  // for a day costs a reader nothing, so it is cached like the full pages.
  const files = feedFiles(stream, archivePaths(stream.base, k), entries, history, ctx);
  // HTML needs no open page: the index shows all of its articles, and a page's Newer link may change
  // when the next page fills (only feeds promise archive pages that never change).
  if (k > p.full) return files;
  files.push(listFile(stream, {
    dir: listPageDir(stream.base, k),
    title: `${stream.title} · page ${k}`,
    articles: entries,
    newer: k < p.full ? listPageDir(stream.base, k + 1) : stream.base,
    ...(k > 1 ? { older: listPageDir(stream.base, k - 1) } : {}),
  }, ctx));
  return files;
}

/** A tag's articles (newest first) and how often each spelling of it is used. */
export interface TagMembers {
  names: Map<string, number>;
  articles: ArticleMeta[];
}

/** The distinct tag slugs of an article. */
export function tagSlugsOf(a: ArticleMeta): string[] {
  const slugs = a.tags.map(tagSlug);
  return slugs.length < 2 ? slugs : [...new Set(slugs)];
}

/** One tag's stream; a tag spelled in several ways is shown in its first spelling by code point. */
export function tagStream(slug: string, t: TagMembers, config: SiteConfig): Stream {
  const name = [...t.names.keys()].sort()[0]!;
  return {
    base: tagDir(slug),
    feedId: `${config.tagPrefix}feeds/tags/${slug}`,
    title: `${config.title} · ${name}`,
    description: `Articles tagged “${name}”`,
    articles: t.articles,
    isTag: true,
  };
}

/**
 * An article's page: one per article, so a class. Per-object closures cost about 300 bytes each here
 * (tsx gives every function instance its own `name` property): 60 MB at 100,000 articles.
 */
export class ArticlePage implements PlannedFile {
  readonly kind = "html";
  readonly contentType = HTML;
  readonly path: string;
  readonly lastModified: string;
  readonly bodies: readonly ArticleMeta[];
  /** The page shows its article and nothing else. */
  readonly about = "";
  constructor(
    private readonly article: ArticleMeta,
    private readonly ctx: PageContext,
  ) {
    this.path = articlePath(article);
    this.lastModified = article.updated;
    this.bodies = [article];
  }
  render(body: (m: ArticleMeta) => Article): string {
    return renderArticlePage(this.ctx, body(this.article));
  }
}

const STYLESHEET_PATH = stylesheetPath(STYLESHEET);

/** What the pages of one plan share: the config, the stylesheet's path, and the entries rendered so far. */
export function pageContext(config: SiteConfig, keepFragments = true): PageContext {
  return { config, stylesheet: sitePath(config, STYLESHEET_PATH), ...(keepFragments ? { fragments: new EntryFragments(config) } : {}) };
}

/** The files that show no article: the 404 page and the stylesheet. */
export function siteFiles(ctx: PageContext): PlannedFile[] {
  return [
    { path: NOT_FOUND_PATH, kind: "html", contentType: HTML, about: "", bodies: [], render: () => renderNotFoundPage(ctx) },
    { path: STYLESHEET_PATH, kind: "immutable", contentType: CSS, about: "", bodies: [], render: () => STYLESHEET },
  ];
}

/** The site's own stream: every article. */
export function mainStream(metas: readonly ArticleMeta[], config: SiteConfig): Stream {
  return { base: "", feedId: `${config.tagPrefix}feeds/main`, title: config.title, description: config.description, articles: metas, isTag: false };
}

// Article metadata + config → the plan of every file of the site. Pure: no I/O, no clock.
// A planned file knows what it depends on (`inputs`) before it is rendered, so a rebuild can tell an
// unchanged file from its plan alone and never render it, and it names the articles whose bodies it
// shows, so bodies are read only for the files that are rendered.

import { createHash } from "node:crypto";
import type { Article, ArticleMeta, FeedDocument, FeedFormat, FeedHistory, FeedUrls, FileKind, SiteConfig } from "../types.ts";
import { renderAtom } from "./atom.ts";
import { STYLESHEET, renderArticlePage, renderListPage, renderNotFoundPage, sitePath, type ListPage, type PageContext } from "./html.ts";
import { renderJsonFeed } from "./json-feed.ts";
import { pageNumbers, pageRange, pagingOf, type Paging } from "./paging.ts";
import { renderRss } from "./rss.ts";
import { tagSlug } from "./tags.ts";
import { FEED_TYPES, absoluteUrl, absoluteUrls, archivePaths, articlePath, hubLinkHeader, listPageDir, streamFeedPaths, tagDir } from "./urls.ts";

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
  /** Everything the bytes depend on besides the config and seedfeed's own code, as text. */
  inputs(): string;
  /** Articles whose bodies the file shows: read before `render`. */
  bodies: readonly ArticleMeta[];
  render(bodies: ReadonlyMap<string, Article>): string;
}

/** A list of articles with its own feeds, archive pages and HTML list pages: the site's, or one tag's. */
interface Stream {
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

/** The seed version of each article goes into the inputs: any edit of a seed changes them. */
export type VersionOf = (a: ArticleMeta) => string;

function listInputs(articles: readonly ArticleMeta[], versionOf: VersionOf): string {
  return articles.map((a) => `${a.id}@${versionOf(a)}`).join(",");
}

function historyInputs(h: FeedHistory): string {
  if (h.kind === "complete") return "complete";
  if (h.kind === "current") return `current<${h.prevArchive.atom}`;
  return `archive<${h.prevArchive?.atom ?? ""}>${h.nextArchive?.atom ?? ""}`;
}

const articlesOf = (metas: readonly ArticleMeta[], bodies: ReadonlyMap<string, Article>): Article[] =>
  metas.map((m) => {
    const a = bodies.get(m.id);
    if (!a) throw new Error(`the body of ${m.source} was not loaded`);
    return a;
  });

function feedFiles(stream: Stream, paths: FeedUrls, entries: readonly ArticleMeta[], history: FeedHistory, config: SiteConfig, versionOf: VersionOf): PlannedFile[] {
  const kind: FileKind = history.kind === "archive" ? "archive" : "feed";
  const selfUrl = absoluteUrls(config, paths);
  const updated = newestDate(entries);
  // The hub is only for the feeds readers subscribe to; archive pages do not change for subscribers.
  const hub = config.hub && history.kind !== "archive" ? config.hub : undefined;
  const doc = (bodies: ReadonlyMap<string, Article>): FeedDocument => ({
    id: stream.feedId,
    title: stream.title,
    description: stream.description,
    homeUrl: absoluteUrl(config, stream.base),
    selfUrl,
    entries: articlesOf(entries, bodies),
    updated: updated ?? NO_ENTRIES_DATE,
    history,
  });
  const renderers: Record<FeedFormat, (d: FeedDocument, c: SiteConfig) => string> = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };
  // The three formats share one inputs string, made once.
  let memo: string | undefined;
  const inputs = () => (memo ??= `${stream.title}|${historyInputs(history)}|${listInputs(entries, versionOf)}`);
  return (["rss", "atom", "json"] as const).map((format) => ({
    path: paths[format],
    kind,
    contentType: `${FEED_TYPES[format]}; charset=utf-8`,
    ...(updated ? { lastModified: updated } : {}),
    ...(hub ? { link: hubLinkHeader(hub, selfUrl[format]) } : {}),
    inputs,
    bodies: entries,
    render: (bodies) => renderers[format](doc(bodies), config),
  }));
}

type PlannedList = Omit<ListPage, "feeds" | "articles"> & { articles: readonly ArticleMeta[] };

function listFile(stream: Stream, page: PlannedList, ctx: PageContext, versionOf: VersionOf): PlannedFile {
  const feeds = stream.isTag ? { feeds: { title: stream.title, urls: absoluteUrls(ctx.config, streamFeedPaths(stream.base)) } } : {};
  // List pages show publication dates only: an update elsewhere in an article does not date them.
  const updated = newestDate(page.articles, "published");
  return {
    path: `${page.dir}index.html`,
    kind: "html",
    contentType: HTML,
    ...(updated ? { lastModified: updated } : {}),
    inputs: () => `${page.title}|${page.newer ?? ""}|${page.older ?? ""}|${listInputs(page.articles, versionOf)}`,
    // Summaries are text, not metadata: read with the bodies, which the page's archive feeds need anyway.
    bodies: page.articles,
    render: (bodies) => renderListPage(ctx, { ...page, ...feeds, articles: articlesOf(page.articles, bodies) }),
  };
}

/** The head feeds and first list page, then every archive page and list page, of one stream. */
function streamFiles(stream: Stream, config: SiteConfig, ctx: PageContext, versionOf: VersionOf): PlannedFile[] {
  const p: Paging = pagingOf(stream.articles.length, config.feedSize, config.pageSize);
  const head = stream.articles.slice(0, p.headSize);
  const headUrls = absoluteUrls(config, streamFeedPaths(stream.base));
  const archiveUrls = (k: number) => absoluteUrls(config, archivePaths(stream.base, k));
  const files: PlannedFile[] = [
    ...feedFiles(stream, streamFeedPaths(stream.base), head, p.complete ? { kind: "complete" } : { kind: "current", prevArchive: archiveUrls(p.full) }, config, versionOf),
    listFile(stream, { dir: stream.base, title: stream.title, description: stream.description, articles: head, ...(p.complete ? {} : { older: listPageDir(stream.base, p.full) }) }, ctx, versionOf),
  ];
  for (const k of pageNumbers(p)) {
    const { start, end } = pageRange(p, k);
    const entries = stream.articles.slice(start, end);
    const history: FeedHistory = {
      kind: "archive",
      current: headUrls,
      ...(k > 1 ? { prevArchive: archiveUrls(k - 1) } : {}),
      ...(k <= p.full ? { nextArchive: archiveUrls(k + 1) } : {}),
    };
    // The open page still fills up, but every entry on it is also in the head feed: a cache holding it
    // for a day costs a reader nothing, so it is cached like the full pages.
    files.push(...feedFiles(stream, archivePaths(stream.base, k), entries, history, config, versionOf));
    // HTML needs no open page: the index shows all of its articles, and a page's Newer link may change
    // when the next page fills (only feeds promise archive pages that never change).
    if (k > p.full) continue;
    files.push(listFile(stream, {
      dir: listPageDir(stream.base, k),
      title: `${stream.title} · page ${k}`,
      articles: entries,
      newer: k < p.full ? listPageDir(stream.base, k + 1) : stream.base,
      ...(k > 1 ? { older: listPageDir(stream.base, k - 1) } : {}),
    }, ctx, versionOf));
  }
  return files;
}

/** One stream per tag, by slug; a tag spelled in several ways is shown in its first spelling by code point. */
function tagStreams(metas: readonly ArticleMeta[], config: SiteConfig): Stream[] {
  const bySlug = new Map<string, { names: Set<string>; articles: ArticleMeta[] }>();
  for (const a of metas) {
    const seen = new Set<string>();
    for (const tag of a.tags) {
      const slug = tagSlug(tag);
      if (seen.has(slug)) continue;
      seen.add(slug);
      let t = bySlug.get(slug);
      if (!t) bySlug.set(slug, (t = { names: new Set(), articles: [] }));
      t.names.add(tag);
      t.articles.push(a); // metas are newest first, so each tag's list is too
    }
  }
  return [...bySlug.keys()].sort().map((slug) => {
    const t = bySlug.get(slug)!;
    const name = [...t.names].sort()[0]!;
    return {
      base: tagDir(slug),
      feedId: `${config.tagPrefix}feeds/tags/${slug}`,
      title: `${config.title} · ${name}`,
      description: `Articles tagged “${name}”`,
      articles: t.articles,
      isTag: true,
    };
  });
}

/**
 * An article's page: one per article, so a class. Per-object closures cost about 300 bytes each here
 * (tsx gives every function instance its own `name` property): 60 MB at 100,000 articles.
 */
class ArticlePage implements PlannedFile {
  readonly kind = "html";
  readonly contentType = HTML;
  readonly path: string;
  readonly lastModified: string;
  readonly bodies: readonly ArticleMeta[];
  constructor(
    private readonly article: ArticleMeta,
    private readonly ctx: PageContext,
    private readonly versionOf: VersionOf,
  ) {
    this.path = articlePath(article);
    this.lastModified = article.updated;
    this.bodies = [article];
  }
  inputs(): string {
    return this.versionOf(this.article);
  }
  render(bodies: ReadonlyMap<string, Article>): string {
    return renderArticlePage(this.ctx, articlesOf([this.article], bodies)[0]!);
  }
}

const STYLESHEET_PATH = `assets/style.${createHash("sha256").update(STYLESHEET).digest("hex").slice(0, 12)}.css`;

/**
 * `metas` must be newest first (as the scan returns them). `pageMemo` (watch mode) keeps each article's
 * planned page by its metadata object, which the scan keeps while the seed is unchanged; it is only
 * valid for one config.
 */
export function planSite(metas: readonly ArticleMeta[], config: SiteConfig, versionOf: VersionOf, pageMemo?: WeakMap<ArticleMeta, PlannedFile>): PlannedFile[] {
  const ctx: PageContext = { config, stylesheet: sitePath(config, STYLESHEET_PATH) };
  const main: Stream = { base: "", feedId: `${config.tagPrefix}feeds/main`, title: config.title, description: config.description, articles: metas, isTag: false };
  const pageOf = (a: ArticleMeta): PlannedFile => {
    let page = pageMemo?.get(a);
    if (!page) {
      page = new ArticlePage(a, ctx, versionOf);
      pageMemo?.set(a, page);
    }
    return page;
  };
  const files: PlannedFile[] = [
    { path: "404.html", kind: "html", contentType: HTML, inputs: () => "", bodies: [], render: () => renderNotFoundPage(ctx) },
    { path: STYLESHEET_PATH, kind: "immutable", contentType: CSS, inputs: () => "", bodies: [], render: () => STYLESHEET },
  ];
  // Every article is on one page of the site's stream. Its own page is planned just before the first
  // file that shows it, so files are rendered in that order and share one read of each body.
  const planned = new Set<ArticleMeta>();
  for (const f of streamFiles(main, config, ctx, versionOf)) {
    for (const a of f.bodies) {
      if (planned.has(a)) continue;
      planned.add(a);
      files.push(pageOf(a));
    }
    files.push(f);
  }
  for (const tag of tagStreams(metas, config)) files.push(...streamFiles(tag, config, ctx, versionOf));
  return files;
}

// FeedDocument → JSON Feed 1.1. Written directly: feed v6 writes version 1 with the 1.0 `author` field, and
// laying 1.1 out again from its output cost more than the rest of the JSON rendering (profiled: a
// tenth of a clean build's main thread).
// The feed's history (RFC 5005) goes in `next_url` and in an `_rfc5005` extension object.

import type { Article, FeedDocument, FeedHistory, Person, SiteConfig } from "../types.ts";
import { assemble, type EntryFragments } from "./fragments.ts";
import { historyOf } from "./feed-history.ts";
import { absoluteUrl, articlePath, linkOf, entryId } from "./urls.ts";

export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";

export const RFC5005_ABOUT = "https://www.rfc-editor.org/rfc/rfc5005";

/** RFC 5005 has no JSON Feed binding; this extension says what fh:complete, fh:archive and the links say in XML. */
interface Rfc5005Extension {
  about: string;
  complete?: true;
  archive?: true;
  current?: string;
  prev_archive?: string;
  next_archive?: string;
}

const EXTENSION_KEYS = { current: "current", "prev-archive": "prev_archive", "next-archive": "next_archive" } as const;

function rfc5005(history: FeedHistory): Rfc5005Extension {
  const { marker, links } = historyOf(history);
  // Keys in a fixed order (about, marker, current, prev, next): the output is compared byte for byte across builds.
  const out: Rfc5005Extension = { about: RFC5005_ABOUT, ...(marker ? { [marker]: true } : {}) };
  for (const [rel, urls] of links) out[EXTENSION_KEYS[rel]] = urls.json;
  return out;
}

function jsonAuthor(p: Person): { name: string; url?: string } {
  return p.url ? { name: p.name, url: p.url } : { name: p.name };
}

/** One item of the document. */
function itemOf(a: Article, config: SiteConfig) {
  return {
    id: entryId(config, a),
    url: absoluteUrl(config, linkOf(articlePath(a))),
    title: a.title,
    content_html: a.contentHtml,
    summary: a.summary || undefined,
    date_published: a.published,
    date_modified: a.updated,
    authors: [{ name: a.author ?? config.author.name }],
    tags: a.tags.length > 0 ? a.tags : undefined,
  };
}

/** One item as the document shows it: laid out by JSON.stringify where the document has it (an element of a top-level array), then cut out. */
function item(a: Article, config: SiteConfig): string {
  return JSON.stringify({ items: [itemOf(a, config)] }, null, 2).slice(ITEM_START.length, -ITEM_END.length);
}

/** Around the one item of JSON.stringify({ items: [item] }, null, 2). */
const ITEM_START = '{\n  "items": [\n';
const ITEM_END = "\n  ]\n}";
const NO_ITEMS = '"items": []\n}';

/** The JSON Feed document; items kept in `kept` are reused, the others made (and kept if shown again). */
export function renderJsonFeed(doc: FeedDocument, config: SiteConfig, kept?: EntryFragments): string {
  const out = {
    version: JSON_FEED_VERSION,
    title: doc.title,
    home_page_url: doc.homeUrl,
    feed_url: doc.selfUrl.json,
    // JSON Feed's next_url is the page of older items: RFC 5005's prev-archive, from the current feed or an archive page.
    next_url: doc.history.kind === "complete" ? undefined : doc.history.prevArchive?.json,
    description: doc.description,
    language: config.language,
    authors: [jsonAuthor(config.author)],
    hubs: config.hub ? [{ type: "WebSub", url: config.hub }] : undefined,
    _rfc5005: rfc5005(doc.history),
    // Last, so kept items go where the empty list is, laid out as JSON.stringify lays out a list.
    items: [] as ReturnType<typeof itemOf>[],
  };
  return assemble(doc.entries, "json", kept, doc.body, (articles) => {
    const frame = JSON.stringify(out, null, 2).slice(0, -NO_ITEMS.length);
    return {
      whole: () => `${JSON.stringify({ ...out, items: articles.map((a) => itemOf(a, config)) }, null, 2)}\n`,
      head: () => `${frame}"items": [\n`,
      entry: (i) => item(articles[i]!, config),
      tail: () => "\n  ]\n}\n",
    };
  }, ",\n");
}

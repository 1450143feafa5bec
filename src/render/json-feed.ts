// FeedDocument → JSON Feed 1.1. feed v6 writes version 1 and the 1.0 `author` field; we lay out 1.1 from its items.
// The feed's history (RFC 5005) goes in `next_url` and in an `_rfc5005` extension object.

import { Feed } from "feed";
import type { FeedDocument, FeedHistory, Person, SiteConfig } from "../types.ts";
import { historyOf } from "./rss.ts";
import { absoluteUrl, articleDir, entryId } from "./urls.ts";

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

interface JsonFeedItemV1 {
  id: string;
  url: string;
  title: string;
  summary?: string;
  content_html: string;
  date_published: string;
  date_modified: string;
  author?: { name: string };
  tags?: string[];
}

function jsonAuthor(p: Person): { name: string; url?: string } {
  return p.url ? { name: p.name, url: p.url } : { name: p.name };
}

export function renderJsonFeed(doc: FeedDocument, config: SiteConfig): string {
  const feed = new Feed({ title: doc.title, description: doc.description, link: doc.homeUrl, feedLinks: { json: doc.selfUrl.json } });
  for (const a of doc.entries) {
    feed.addItem({
      title: a.title,
      id: entryId(config, a),
      link: absoluteUrl(config, articleDir(a)),
      date: new Date(a.updated),
      published: new Date(a.published),
      description: a.summary,
      content: a.contentHtml,
      author: [{ name: a.author ?? config.author.name }],
      category: a.tags.map((t) => ({ name: t })),
    });
  }
  const v1 = JSON.parse(feed.json1()) as { items: JsonFeedItemV1[] };
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
    items: v1.items.map((i) => ({
      id: i.id,
      url: i.url,
      title: i.title,
      content_html: i.content_html,
      summary: i.summary,
      date_published: i.date_published,
      date_modified: i.date_modified,
      authors: i.author ? [i.author] : undefined,
      tags: i.tags && i.tags.length > 0 ? i.tags : undefined,
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

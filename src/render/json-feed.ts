// FeedDocument → JSON Feed 1.1. feed v6 writes version 1 and the 1.0 `author` field; we lay out 1.1 from its items.

import { Feed } from "feed";
import type { FeedDocument, Person, SiteConfig } from "../types.ts";
import { absoluteUrl, articleDir, entryId } from "./urls.ts";

export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";

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
    description: doc.description,
    language: config.language,
    authors: [jsonAuthor(config.author)],
    hubs: config.hub ? [{ type: "WebSub", url: config.hub }] : undefined,
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

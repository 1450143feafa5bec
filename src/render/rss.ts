// FeedDocument → RSS 2.0 with content:encoded, dc:creator and atom:link rel="self".

import { Feed } from "feed";
import { escapeHtml } from "../escape.ts";
import type { FeedDocument, SiteConfig } from "../types.ts";
import { TextSlots } from "./slots.ts";
import { entryId, absoluteUrl, articleDir } from "./urls.ts";

export const GENERATOR = "seedfeed";

export function renderRss(doc: FeedDocument, config: SiteConfig): string {
  const slots = new TextSlots();
  const feed = new Feed({
    title: slots.put(doc.title),
    description: slots.put(doc.description),
    link: doc.homeUrl,
    language: config.language,
    // Without `updated`, feed v6 writes the build time into lastBuildDate and the feed never 304s.
    updated: new Date(doc.updated),
    generator: GENERATOR,
    feedLinks: { rss: doc.selfUrl.rss },
    ...(config.hub ? { hub: config.hub } : {}),
  });
  for (const a of doc.entries) {
    feed.addItem({
      title: slots.put(a.title),
      // A tag: URI is not a URL to fetch, so isPermaLink="false" (which feed v6 forces with an id) is truthful here.
      id: entryId(config, a),
      link: absoluteUrl(config, articleDir(a)),
      date: new Date(a.updated),
      published: new Date(a.published),
      description: slots.put(escapeHtml(a.summary)),
      content: slots.put(a.contentHtml),
      category: a.tags.map((t) => ({ name: slots.put(t) })),
      // RSS <author> must be an e-mail address; Dublin Core's creator takes a name.
      extensions: [{ name: "dc:creator", objects: { _text: slots.put(a.author ?? config.author.name) } }],
    });
  }
  return `${slots.fill(feed.rss2())}\n`;
}

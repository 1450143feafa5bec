// FeedDocument → RSS 2.0 with content:encoded, dc:creator, atom:link rel="self" and RFC 5005 feed history.

import { Feed } from "feed";
import { escapeHtml } from "../escape.ts";
import type { Article, FeedDocument, SiteConfig } from "../types.ts";
import { FH_NS, addRootAttributes, historyOf, insertHeadElements } from "./feed-history.ts";
import { assemble, cutEntries, type EntryFragments, type LaidOut } from "./fragments.ts";
import { TextSlots } from "./slots.ts";
import { entryId, absoluteUrl, articlePath, linkOf } from "./urls.ts";

export const GENERATOR = "seedfeed";
const ATOM_NS = "http://www.w3.org/2005/Atom";

/** The document laid out by `feed` with `entries` (a subset of the document's), cut at its items, every piece escaped. */
function layOut(doc: FeedDocument, config: SiteConfig, entries: readonly Article[]): LaidOut {
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
  for (const a of entries) {
    feed.addItem({
      title: slots.put(a.title),
      // A tag: URI is not a URL to fetch, so isPermaLink="false" (which feed v6 forces with an id) is truthful here.
      id: entryId(config, a),
      link: absoluteUrl(config, linkOf(articlePath(a))),
      date: new Date(a.updated),
      published: new Date(a.published),
      description: slots.put(escapeHtml(a.summary)),
      content: slots.put(a.contentHtml),
      category: a.tags.map((t) => ({ name: slots.put(t) })),
      // RSS <author> must be an e-mail address; Dublin Core's creator takes a name.
      extensions: [{ name: "dc:creator", objects: { _text: slots.put(a.author ?? config.author.name) } }],
    });
  }
  // feed v6 cannot write arbitrary channel elements, so the history goes in by hand (RFC 5005 sections 2-4;
  // in RSS the links are atom:link, as RFC 5005's own RSS examples do). The URLs go through the slots too.
  const { marker, links } = historyOf(doc.history);
  const lines = [
    ...(marker ? [`<fh:${marker}/>`] : []),
    ...links.map(([rel, urls]) => `<atom:link href="${slots.put(urls.rss)}" rel="${rel}" type="application/rss+xml"/>`),
  ];
  const root = { ...(links.length > 0 ? { "xmlns:atom": ATOM_NS } : {}), ...(marker ? { "xmlns:fh": FH_NS } : {}) };
  const skeleton = insertHeadElements(addRootAttributes(feed.rss2(), "rss", root), "channel", "item", lines);
  const cut = cutEntries(skeleton, "channel", "item");
  return { whole: () => `${slots.fill(skeleton)}\n`, head: () => slots.fill(cut.head), entry: (i) => slots.fill(cut.entries[i]!), tail: () => `${slots.fill(cut.tail)}\n` };
}

/** The RSS document; items kept in `kept` are reused, the others laid out by `feed` (and kept if shown again). */
export function renderRss(doc: FeedDocument, config: SiteConfig, kept?: EntryFragments): string {
  return assemble(doc.entries, "rss", kept, doc.body, (articles) => layOut(doc, config, articles));
}

// FeedDocument → Atom 1.0 (RFC 4287), with RFC 5005 feed history.

import { Feed } from "feed";
import { escapeHtml } from "../escape.ts";
import type { Article, FeedDocument, SiteConfig } from "../types.ts";
import { FH_NS, addRootAttributes, historyOf, insertHeadElements } from "./feed-history.ts";
import { assemble, cutEntries, type EntryFragments, type LaidOut } from "./fragments.ts";
import { GENERATOR } from "./rss.ts";
import { TextSlots } from "./slots.ts";
import { absoluteUrl, articlePath, linkOf, entryId } from "./urls.ts";

/** The document laid out by `feed` with `entries` (a subset of the document's), cut at its entries, every piece escaped. */
function layOut(doc: FeedDocument, config: SiteConfig, entries: readonly Article[]): LaidOut {
  const slots = new TextSlots();
  const { name, email, url } = config.author;
  const feed = new Feed({
    id: doc.id,
    title: slots.put(doc.title),
    description: slots.put(doc.description),
    link: doc.homeUrl,
    updated: new Date(doc.updated),
    generator: GENERATOR,
    feedLinks: { atom: doc.selfUrl.atom },
    ...(config.hub ? { hub: config.hub } : {}),
    author: { name: slots.put(name), ...(email ? { email: slots.put(email) } : {}), ...(url ? { link: url } : {}) },
  });
  for (const a of entries) {
    const id = entryId(config, a);
    // feed v6 runs every entry id through new URL(); tag: URIs survive it unchanged, but check, never trust.
    if (new URL(id).href !== id) throw new Error(`entry id ${id} would be rewritten by the feed library`);
    feed.addItem({
      title: slots.put(a.title),
      id,
      link: absoluteUrl(config, linkOf(articlePath(a))),
      date: new Date(a.updated),
      published: new Date(a.published),
      description: slots.put(escapeHtml(a.summary)),
      content: slots.put(a.contentHtml),
      author: [{ name: slots.put(a.author ?? name) }],
      category: a.tags.map((t) => ({ term: slots.put(t) })),
    });
  }
  // feed v6 cannot write arbitrary feed elements, so the history goes in by hand (RFC 5005 sections 2-4),
  // before the entries (the RELAX NG schema wants them last). The URLs go through the slots too.
  const { marker, links } = historyOf(doc.history);
  const lines = [
    ...(marker ? [`<fh:${marker}/>`] : []),
    ...links.map(([rel, urls]) => `<link rel="${rel}" href="${slots.put(urls.atom)}" type="application/atom+xml"/>`),
  ];
  const root = {
    xmlns: "http://www.w3.org/2005/Atom",
    "xml:lang": slots.put(config.language),
    ...(marker ? { "xmlns:fh": FH_NS } : {}),
  };
  const laidOut = feed
    .atom1()
    // feed v6 declares every entry title type="html"; ours are plain text.
    .replaceAll('<title type="html"><![CDATA[', "<title><![CDATA[");
  const skeleton = insertHeadElements(addRootAttributes(laidOut, "feed", root), "feed", "entry", lines);
  const cut = cutEntries(skeleton, "feed", "entry");
  return { whole: () => `${slots.fill(skeleton)}\n`, head: () => slots.fill(cut.head), entry: (i) => slots.fill(cut.entries[i]!), tail: () => `${slots.fill(cut.tail)}\n` };
}

/** The Atom document; entries kept in `kept` are reused, the others laid out by `feed` (and kept if shown again). */
export function renderAtom(doc: FeedDocument, config: SiteConfig, kept?: EntryFragments): string {
  return assemble(doc.entries, "atom", kept, doc.body, (articles) => layOut(doc, config, articles));
}

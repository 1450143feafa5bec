// FeedDocument → RSS 2.0 with content:encoded, dc:creator, atom:link rel="self" and RFC 5005 feed history.

import { Feed } from "feed";
import { escapeHtml } from "../escape.ts";
import type { FeedDocument, FeedHistory, FeedUrls, SiteConfig } from "../types.ts";
import { TextSlots } from "./slots.ts";
import { entryId, absoluteUrl, articleDir } from "./urls.ts";

export const GENERATOR = "seedfeed";

/** RFC 5005's namespace, for fh:complete and fh:archive. */
export const FH_NS = "http://purl.org/syndication/history/1.0";
const ATOM_NS = "http://www.w3.org/2005/Atom";

export type HistoryRel = "current" | "prev-archive" | "next-archive";

/**
 * What a document says about its place in the feed's history (RFC 5005): the fh marker element, if any,
 * and its links in a fixed order (current, then backwards, then forwards).
 */
export function historyOf(history: FeedHistory): { marker?: "complete" | "archive"; links: [HistoryRel, FeedUrls][] } {
  switch (history.kind) {
    case "complete":
      return { marker: "complete", links: [] };
    case "current":
      return { links: [["prev-archive", history.prevArchive]] };
    case "archive": {
      const links: [HistoryRel, FeedUrls][] = [["current", history.current]];
      if (history.prevArchive) links.push(["prev-archive", history.prevArchive]);
      if (history.nextArchive) links.push(["next-archive", history.nextArchive]);
      return { marker: "archive", links };
    }
  }
}

/**
 * The skeleton with `attributes` (already escaped) added to its root element `<root …>`, each unless
 * the root already has it. Throws when there is no such root, rather than writing a feed without them.
 */
export function addRootAttributes(skeleton: string, root: string, attributes: Record<string, string>): string {
  const m = new RegExp(`<${root}(?=[\\s>])[^>]*>`).exec(skeleton);
  if (!m) throw new Error(`feed skeleton has no <${root}> root element`);
  let tag = m[0];
  for (const [name, value] of Object.entries(attributes)) {
    const existing = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
    if (existing) {
      if (existing[1] !== value) throw new Error(`feed skeleton's <${root}> has ${name}="${existing[1]}", not "${value}"`);
      continue;
    }
    tag = `${tag.slice(0, -1)} ${name}="${value}">`;
  }
  return skeleton.slice(0, m.index) + tag + skeleton.slice(m.index + m[0].length);
}

/**
 * The skeleton with `lines` as children of the first `<parent>` element: after its own elements, before its
 * first `<child>` (an item or entry, which must come last in Atom) or its end, indented like its other
 * children. Every text in a skeleton is still a TextSlots token, so tag names found here are real tags.
 * Throws when the skeleton is not laid out that way.
 */
export function insertHeadElements(skeleton: string, parent: string, child: string, lines: readonly string[]): string {
  if (lines.length === 0) return skeleton;
  const open = new RegExp(`<${parent}(?=[\\s>])[^>]*>\\n( +)<`).exec(skeleton);
  if (!open) throw new Error(`feed skeleton has no <${parent}> element with children`);
  const indent = open[1]!;
  const end = new RegExp(`\\n *(?:<${child}[\\s>]|</${parent}>)`, "g");
  end.lastIndex = open.index;
  const m = end.exec(skeleton);
  if (!m) throw new Error(`feed skeleton's <${parent}> has no <${child}> and no end tag`);
  const at = m.index + 1;
  return skeleton.slice(0, at) + lines.map((l) => `${indent}${l}\n`).join("") + skeleton.slice(at);
}

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
  // feed v6 cannot write arbitrary channel elements, so the history goes in by hand (RFC 5005 sections 2-4;
  // in RSS the links are atom:link, as RFC 5005's own RSS examples do). The URLs go through the slots too.
  const { marker, links } = historyOf(doc.history);
  const lines = [
    ...(marker ? [`<fh:${marker}/>`] : []),
    ...links.map(([rel, urls]) => `<atom:link href="${slots.put(urls.rss)}" rel="${rel}" type="application/rss+xml"/>`),
  ];
  const root = { ...(links.length > 0 ? { "xmlns:atom": ATOM_NS } : {}), ...(marker ? { "xmlns:fh": FH_NS } : {}) };
  const skeleton = insertHeadElements(addRootAttributes(feed.rss2(), "rss", root), "channel", "item", lines);
  return `${slots.fill(skeleton)}\n`;
}

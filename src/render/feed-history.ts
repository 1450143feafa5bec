// RFC 5005 feed history, as the renderers write it, and the surgery that puts it into a feed v6 skeleton
// (feed v6 has no option for foreign elements or extra links). Shared by rss.ts, atom.ts and json-feed.ts.

import type { FeedHistory, FeedUrls } from "../types.ts";

/** RFC 5005's namespace, for fh:complete and fh:archive. */
export const FH_NS = "http://purl.org/syndication/history/1.0";

type HistoryRel = "current" | "prev-archive" | "next-archive";

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

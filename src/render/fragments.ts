// Entry fragments: an article's entry as one document format shows it (an RSS <item>, an Atom <entry>, a
// JSON Feed item, a list page's <li>), made once and reused by every document that shows the article:
// its archive page, the head feed, each of its tags' pages and head feeds. The documents' authors stay
// the authors of the fragments: an XML fragment is cut out of what `feed` laid out, never written here.
//
// A fragment depends on its article's seed and on the config, nothing else (no entry shows its
// neighbours or the document it is in). Kept fragments are keyed by the article's metadata object: the
// scan makes a new one for each new version of a seed, and a store belongs to one planner, so to one
// config. Only fragments some later document will show are kept: those of tagged articles (their tags'
// pages and feeds) and of the site's head feed. A document none of whose entries is kept is laid out and
// filled whole, as if there were no store, and only the entries to keep are copied out of it.

import type { Article, ArticleMeta, FeedFormat, SiteConfig } from "../types.ts";

export type FragmentFormat = FeedFormat | "list";

type Fragments = Partial<Record<FragmentFormat, string>>;

/** A bounded store of fragments, by article and format. */
export class EntryFragments {
  private readonly kept = new Map<ArticleMeta, Fragments>();
  private readonly capacity: number;
  private head = new Set<ArticleMeta>();

  /**
   * A tag's page (or head feed) shows articles from a span of the site's pages that grows as the tag
   * gets rarer: 8 pages' (or feeds') worth of kept articles finds all of a tag's entries kept when it
   * carries an eighth of the tagged articles (the bench's corpus: 8 tags, each on about a quarter).
   * Full-content fragments of all four formats are about 12 KB an article (UTF-16: twice that): under
   * 10 MB with the default sizes. A fragment no longer kept is made again.
   */
  constructor(config: Pick<SiteConfig, "feedSize" | "pageSize">) {
    this.capacity = config.feedSize + 8 * Math.max(config.feedSize, config.pageSize);
  }

  /** The articles of the site's head feed: their fragments are kept too, for the head documents. */
  keepHead(articles: readonly ArticleMeta[]): void {
    this.head = new Set(articles);
  }

  /** Whether a later document shows `m` again. */
  wants(m: ArticleMeta): boolean {
    return m.tags.length > 0 || this.head.has(m);
  }

  get(m: ArticleMeta, format: FragmentFormat): string | undefined {
    return this.kept.get(m)?.[format];
  }

  put(m: ArticleMeta, format: FragmentFormat, text: string): void {
    const kept = this.kept.get(m) ?? {};
    kept[format] = text;
    this.kept.delete(m);
    this.kept.set(m, kept);
    if (this.kept.size > this.capacity) this.kept.delete(this.kept.keys().next().value!);
  }
}

/** A document laid out with some entries: the whole text, and its pieces, filled on demand. */
export interface LaidOut {
  /** The document as written, for when every entry was laid out. */
  whole(): string;
  /** The part before the entries, entry i, the part after. */
  head(): string;
  entry(i: number): string;
  tail(): string;
}

/**
 * A document of `entries` in `format` (entries joined by `separator`): when none is kept, laid out whole
 * by `layOut`, and the entries a later document shows kept; otherwise laid out with only the entries
 * not kept (or, when all are, with a placeholder), and the kept ones put in their places.
 */
export function assemble(
  entries: readonly ArticleMeta[],
  format: FragmentFormat,
  store: EntryFragments | undefined,
  body: (m: ArticleMeta) => Article,
  layOut: (articles: Article[]) => LaidOut,
  separator = "",
): string {
  const texts = entries.map((m) => store?.get(m, format));
  const missing = entries.filter((_, i) => texts[i] === undefined);
  if (missing.length === entries.length) {
    const laid = layOut(entries.map(body));
    entries.forEach((m, i) => {
      if (store?.wants(m)) store.put(m, format, laid.entry(i));
    });
    return laid.whole();
  }
  const laid = layOut(missing.length > 0 ? missing.map(body) : [placeholderOf(entries[0]!)]);
  let j = 0;
  const pieces = entries.map((m, i) => {
    const kept = texts[i];
    if (kept !== undefined) return kept;
    const text = laid.entry(j++);
    if (store?.wants(m)) store.put(m, format, text);
    return text;
  });
  return laid.head() + pieces.join(separator) + laid.tail();
}

/**
 * An article with its metadata and no text: stands in for an entry whose fragment is kept, where a
 * document must still be laid out with one entry (feed v6 declares RSS's content and Dublin Core
 * namespaces only when there are items). Its fragment is thrown away.
 */
export const placeholderOf = (m: ArticleMeta): Article => ({ ...m, summary: "", contentHtml: "" });

/** A laid-out document cut into the part before its entries, one piece per entry, and the part after. */
export interface CutDocument {
  head: string;
  entries: string[];
  tail: string;
}

/**
 * Cuts a feed skeleton at the `<element>` children of its `<parent>` (RSS items, Atom entries), which
 * come last in it: each piece runs from the start of the element's line to the end of the line of its
 * end tag; without entries, the cut is at the start of the parent's end tag. Every text in a skeleton is
 * still a TextSlots token, so the tags found here are real tags. Throws when the entries are not one run
 * of whole lines, rather than assemble a document that `feed` did not lay out.
 */
export function cutEntries(skeleton: string, parent: string, element: string): CutDocument {
  const open = `<${element}>`;
  const close = `</${element}>\n`;
  const entries: string[] = [];
  let at = skeleton.indexOf(open);
  if (at < 0) {
    const end = skeleton.lastIndexOf(`</${parent}>`);
    if (end < 0) throw new Error(`feed skeleton has no </${parent}>`);
    const cut = skeleton.lastIndexOf("\n", end) + 1;
    return { head: skeleton.slice(0, cut), entries, tail: skeleton.slice(cut) };
  }
  const first = skeleton.lastIndexOf("\n", at) + 1;
  let start = first;
  for (;;) {
    const end = skeleton.indexOf(close, at);
    if (end < 0) throw new Error(`feed skeleton has an unclosed <${element}>`);
    const next = end + close.length;
    entries.push(skeleton.slice(start, next));
    at = skeleton.indexOf(open, next);
    if (at < 0) return { head: skeleton.slice(0, first), entries, tail: skeleton.slice(next) };
    start = skeleton.lastIndexOf("\n", at) + 1;
    if (start !== next || skeleton.slice(start, at).trim() !== "") throw new Error(`feed skeleton has something between two <${element}> elements`);
  }
}

// Entry fragments: an article's entry as one document format shows it (an RSS <item>, an Atom <entry>, a
// JSON Feed item, a list page's <li>), made once and reused by every document that shows the article:
// its archive page, the head feed, each of its tags' pages and head feeds. The documents' authors stay
// the authors of the fragments: an XML fragment is cut out of what `feed` laid out, never written here.
//
// A fragment depends on its article's seed and on the config, nothing else (no entry shows its
// neighbours or the document it is in). Kept fragments are keyed by the article's metadata object: the
// scan makes a new one for each new version of a seed, and a store belongs to one planner, so to one
// config. Memory stays bounded: a store keeps the fragments of the articles rendered last, and those of
// tagged articles, which their tags' pages show again later, a while longer.

import type { Article, ArticleMeta, FeedFormat, SiteConfig } from "../types.ts";

export type FragmentFormat = FeedFormat | "list";

type Fragments = Partial<Record<FragmentFormat, string>>;

/** A bounded store of fragments, by article and format. */
export class EntryFragments {
  private readonly recent = new Map<ArticleMeta, Fragments>();
  private readonly tagged = new Map<ArticleMeta, Fragments>();
  private readonly recentCapacity: number;
  private readonly taggedCapacity: number;

  /**
   * The site's head feed shows the newest articles, which the last pages showed just before it; a tag's
   * page (or head feed) shows articles from a span of the site's pages that grows as the tag gets rarer,
   * so tagged articles are kept longer: 8 pages' (or feeds') worth. A tag that carries an eighth of the
   * tagged articles finds all of its entries kept (the bench's corpus: 8 tags, each on about a quarter of
   * the tagged articles). Full-content fragments of all four formats are about 12 KB an article: under
   * 10 MB with the default sizes. A fragment no longer kept is made again.
   */
  constructor(config: Pick<SiteConfig, "feedSize" | "pageSize">) {
    this.recentCapacity = config.feedSize + 2 * config.pageSize + 64;
    this.taggedCapacity = 8 * Math.max(config.feedSize, config.pageSize);
  }

  get(m: ArticleMeta, format: FragmentFormat): string | undefined {
    return (this.recent.get(m) ?? this.tagged.get(m))?.[format];
  }

  put(m: ArticleMeta, format: FragmentFormat, text: string): void {
    const kept = this.recent.get(m) ?? this.tagged.get(m) ?? {};
    kept[format] = text;
    remember(this.recent, m, kept, this.recentCapacity);
    if (m.tags.length > 0) remember(this.tagged, m, kept, this.taggedCapacity);
  }
}

/** Puts `m` last in `map` (the newest), dropping the oldest beyond `capacity`. */
function remember(map: Map<ArticleMeta, Fragments>, m: ArticleMeta, kept: Fragments, capacity: number): void {
  map.delete(m);
  map.set(m, kept);
  if (map.size > capacity) map.delete(map.keys().next().value!);
}

/**
 * The fragment of each of `entries` in `format`: kept ones from `store`, the others made by one call of
 * `make` with their articles (bodies read through `body`), in order, and kept.
 */
export function entryFragments(
  entries: readonly ArticleMeta[],
  format: FragmentFormat,
  store: EntryFragments | undefined,
  body: (m: ArticleMeta) => Article,
  make: (articles: Article[]) => string[],
): string[] {
  const texts = entries.map((m) => store?.get(m, format));
  const missing = entries.filter((_, i) => texts[i] === undefined);
  if (missing.length === 0) return texts as string[];
  const made = make(missing.map(body));
  if (made.length !== missing.length) throw new Error(`${format}: ${made.length} fragments made for ${missing.length} entries`);
  let j = 0;
  return texts.map((t, i) => {
    if (t !== undefined) return t;
    const text = made[j++]!;
    store?.put(entries[i]!, format, text);
    return text;
  });
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

// A crawler of a published site, written independently of seedfeed's renderers: it finds the links a
// reader or a browser would follow in HTML pages, RSS, Atom and JSON Feed, and asks `fetchPath` for each.

export interface Fetched {
  status: number;
  contentType: string;
  body: string;
}

export interface Crawl {
  /** Every URL path reached, with what answered it. */
  visited: Map<string, Fetched>;
  /** Links whose target did not answer 200: [page that links, URL path linked, status]. */
  broken: [string, string, number][];
}

const decodeRefs = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");

/** Absolute URLs of the links in one document. */
export function linksIn(doc: Fetched, url: string): string[] {
  const found: string[] = [];
  const add = (href: string) => {
    try {
      found.push(new URL(decodeRefs(href), url).href);
    } catch {
      // not a URL: not a link
    }
  };
  const type = doc.contentType.split(";")[0]!.trim();
  if (type === "text/html") {
    for (const m of doc.body.matchAll(/<(?:a|link)\b[^>]*?\shref="([^"]*)"/g)) add(m[1]!);
    for (const m of doc.body.matchAll(/<(?:img|script)\b[^>]*?\ssrc="([^"]*)"/g)) add(m[1]!);
  } else if (type.endsWith("json")) {
    const walk = (v: unknown, key: string): void => {
      if (typeof v === "string" && /(^|_)url$|^(current|prev_archive|next_archive)$/.test(key)) add(v); // JSON Feed, and its RFC 5005 extension
      else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(JSON.parse(doc.body), "");
  } else if (type.endsWith("xml")) {
    for (const m of doc.body.matchAll(/<link>([^<]*)<\/link>/g)) add(m[1]!);
    for (const m of doc.body.matchAll(/<(?:atom:)?link\b[^>]*?\shref="([^"]*)"/g)) add(m[1]!);
  }
  return found;
}

/**
 * Follows every link under `base` (an absolute URL ending in "/") from `entries` (URL paths under it,
 * like "/" and "/rss.xml"); documents of the site are read again for their links. Paths are given to
 * `fetchPath` relative to the site's root: "/", "/articles/x", "/tags/go/".
 */
export async function crawl(base: string, entries: string[], fetchPath: (path: string) => Promise<Fetched>): Promise<Crawl> {
  const visited = new Map<string, Fetched>();
  const broken: Crawl["broken"] = [];
  const queue: [string, string][] = entries.map((e) => ["(entry)", e]);
  while (queue.length > 0) {
    const [from, path] = queue.shift()!;
    let doc = visited.get(path);
    if (!doc) {
      doc = await fetchPath(path);
      visited.set(path, doc);
      if (doc.status === 200) {
        for (const link of linksIn(doc, new URL(path.slice(1), base).href)) {
          if (!link.startsWith(base)) continue;
          const target = `/${link.slice(base.length).replace(/[?#].*$/, "")}`;
          queue.push([path, target]);
        }
      }
    }
    if (doc.status !== 200) broken.push([from, path, doc.status]);
  }
  return { visited, broken };
}

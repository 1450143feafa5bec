// dist/_headers in the Netlify / Cloudflare Pages format, derived from the same headers the server sends.
// Files of one shape (articles/<id>.html, archive/<k>/rss.xml…) share one rule with placeholders,
// so the file stays a few dozen rules at any size (Cloudflare Pages reads at most 100). Every URL matches
// exactly one rule: CDNs join the values of a header set by several matching rules.

import { fileHeaders } from "./http-headers.ts";
import type { ManifestEntry } from "./manifest.ts";

export const HEADERS_FILE_PATH = "_headers";

/** The URL paths a file answers: an index.html also answers its folder. */
export function urlPathsOf(path: string): string[] {
  if (path === "index.html") return ["/", "/index.html"];
  if (path.endsWith("/index.html")) return [`/${path.slice(0, -"index.html".length)}`, `/${path}`];
  return [`/${path}`];
}

/**
 * "/archive/3/rss.xml" → "/archive/:p1/rss.xml": the first and last segments stay, the ones between
 * become placeholders; a file directly in a folder ("/articles/5eedfeed00000001.html") becomes
 * "/articles/:p1". Two URLs with the same shape match the same rule and no other, since a placeholder
 * matches exactly one segment.
 */
function urlShape(url: string): string {
  const segments = url.split("/"); // ["", first, …middle, last]
  if (segments.length < 3) return url;
  if (segments.length === 3) return `/${segments[1]}/:p1`;
  return [...segments.slice(0, 2), ...segments.slice(2, -1).map((_, i) => `:p${i + 1}`), segments.at(-1)].join("/");
}

function block(url: string, lines: string): string {
  return `${url}\n${lines}`;
}

interface Rules {
  lines: string;
  /** [URL, shape] for each URL the file answers. */
  urls: [string, string][];
}

// An entry carried over from the previous build keeps its header lines and URL shapes: watch mode
// rebuilds this file for every edit.
const rulesOf = new WeakMap<ManifestEntry, Rules>();

function rulesFor(f: ManifestEntry): Rules {
  let rules = rulesOf.get(f);
  if (!rules) {
    rules = { lines: fileHeaders(f).map(([k, v]) => `  ${k}: ${v}`).join("\n"), urls: urlPathsOf(f.path).map((url) => [url, urlShape(url)]) };
    rulesOf.set(f, rules);
  }
  return rules;
}

function sameRules(a: readonly Rules[], b: readonly Rules[]): boolean {
  return a.length === b.length && a.every((r, i) => {
    const o = b[i]!;
    return r === o || (r.lines === o.lines && r.urls.length === o.urls.length && r.urls.every(([url, shape], j) => url === o.urls[j]![0] && shape === o.urls[j]![1]));
  });
}

/** Watch mode keeps the last file: an edit that changes no file's headers (most) reuses it. */
export interface HeadersMemo {
  rules?: Rules[];
  text?: string;
}

export function renderHeadersFile(files: readonly ManifestEntry[], memo?: HeadersMemo): string {
  const all = files.map(rulesFor);
  if (memo?.rules && memo.text !== undefined && sameRules(memo.rules, all)) {
    memo.rules = all;
    return memo.text;
  }
  const groups = new Map<string, { lines: Set<string>; urls: [string, string][] }>();
  for (const { lines, urls } of all) {
    for (const [url, shape] of urls) {
      let g = groups.get(shape);
      if (!g) groups.set(shape, (g = { lines: new Set(), urls: [] }));
      g.lines.add(lines);
      g.urls.push([url, lines]);
    }
  }
  const blocks: string[] = [];
  for (const shape of [...groups.keys()].sort()) {
    const g = groups.get(shape)!;
    // A shape whose files differ (a tag feed's own WebSub Link) is declared file by file.
    if (g.lines.size === 1) blocks.push(block(shape, [...g.lines][0]!));
    else for (const [url, lines] of g.urls.sort(([a], [b]) => (a < b ? -1 : 1))) blocks.push(block(url, lines));
  }
  const text = `${blocks.join("\n")}\n`;
  if (memo) Object.assign(memo, { rules: all, text });
  return text;
}

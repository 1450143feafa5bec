// dist/_headers in the Netlify / Cloudflare Pages format, derived from the same headers the server sends.
// Files of one shape (articles/<id>.html, archive/<k>/rss.xml…) share one rule with placeholders,
// so the file stays a few dozen rules at any size (Cloudflare Pages reads at most 100). Every URL matches
// exactly one rule: CDNs join the values of a header set by several matching rules.

import { urlPathsOf } from "../render/urls.ts";
import { fileHeaders } from "./http-headers.ts";
import type { ManifestEntry } from "./manifest.ts";

export const HEADERS_FILE_PATH = "_headers";

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
  /** The header lines, one string shared by every file that sends the same headers. */
  lines: string;
  path: string;
  /** The shape of each URL the file answers (urlPathsOf), shared likewise. */
  shapes: string[];
}

// An entry carried over from the previous build keeps its rules: watch mode rebuilds this file for every
// edit. Lines and shapes are interned: a large site has 100,000 files and a few dozen distinct values.
const rulesOf = new WeakMap<ManifestEntry, Rules>();

/** Distinct strings, each kept once: per build, or per watch session (in its HeadersMemo). */
type Interned = Map<string, string>;

function intern(table: Interned, s: string): string {
  const known = table.get(s);
  if (known !== undefined) return known;
  table.set(s, s);
  return s;
}

function rulesFor(f: ManifestEntry, table: Interned): Rules {
  let rules = rulesOf.get(f);
  if (!rules) {
    const lines = intern(table, fileHeaders(f).map(([k, v]) => `  ${k}: ${v}`).join("\n"));
    rules = { lines, path: f.path, shapes: urlPathsOf(f.path).map((url) => intern(table, urlShape(url))) };
    rulesOf.set(f, rules);
  }
  return rules;
}

function sameRules(a: readonly Rules[], b: readonly Rules[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i] || (r.lines === b[i]!.lines && r.path === b[i]!.path));
}

/** Watch mode keeps the last file: an edit that changes no file's headers (most) reuses it. */
export interface HeadersMemo {
  rules?: Rules[];
  text?: string;
  interned?: Interned;
}

export function renderHeadersFile(files: readonly ManifestEntry[], memo?: HeadersMemo): string {
  const table = memo ? (memo.interned ??= new Map()) : new Map<string, string>();
  const all = files.map((f) => rulesFor(f, table));
  if (memo?.rules && memo.text !== undefined && sameRules(memo.rules, all)) {
    memo.rules = all;
    return memo.text;
  }
  const groups = new Map<string, { lines: Set<string>; files: Rules[] }>();
  for (const r of all) {
    for (const shape of r.shapes) {
      let g = groups.get(shape);
      if (!g) groups.set(shape, (g = { lines: new Set(), files: [] }));
      g.lines.add(r.lines);
      g.files.push(r);
    }
  }
  const blocks: string[] = [];
  for (const shape of [...groups.keys()].sort()) {
    const g = groups.get(shape)!;
    if (g.lines.size === 1) {
      blocks.push(block(shape, [...g.lines][0]!));
      continue;
    }
    // Files of one shape send the same headers (the WebSub Link names its feed relatively, see
    // hubLinkHeader); should a shape ever hold two sets, its URLs are declared one by one: never a wrong header.
    const urls = g.files.flatMap((r) => urlPathsOf(r.path).filter((url) => urlShape(url) === shape).map((url): [string, string] => [url, r.lines]));
    for (const [url, lines] of urls.sort(([x], [y]) => (x < y ? -1 : 1))) blocks.push(block(url, lines));
  }
  const text = `${blocks.join("\n")}\n`;
  if (memo) Object.assign(memo, { rules: all, text });
  return text;
}

/**
 * Whether `_headers` stays as the previous build wrote it after `changes` to its files (`previous`): no
 * path came or went and no changed file's header lines changed. The caller makes sure the previous
 * build ran the same code (its file is then the same function of the same rules): remaking the rules of
 * every file was most of a one-edit `build` after the scan.
 */
export function headersFileUnchanged(changes: ReadonlyMap<string, ManifestEntry | undefined>, previous: ReadonlyMap<string, ManifestEntry>): boolean {
  const table: Interned = new Map();
  for (const [path, entry] of changes) {
    const before = previous.get(path);
    if (!entry || !before || rulesFor(entry, table).lines !== rulesFor(before, table).lines) return false;
  }
  return true;
}

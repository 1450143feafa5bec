// The Hugo side of `npm run bench`: a minimal Hugo site holding the same articles as a seedfeed seeds/ folder.
// The benchmark installs nothing: it uses Debian's `hugo` when it is on PATH.
//
// What the site builds, chosen to match what seedfeed builds from the same seeds:
//   - one page per article at /articles/<name>.html (title and content; uglyURLs, the layout seedfeed
//     writes: a folder per page costs several times a file on this disk, see BENCHMARKS.md);
//   - the home page: a list of titles with links, paginated at seedfeed's pageSize (50);
//   - the home RSS feed with its newest 50 items (rssLimit = 50, seedfeed's feedSize).
// Not built: taxonomy and term pages (seedfeed builds no tag pages yet; `taxonomies: true` turns them on),
// section pages (seedfeed has one index, not one per folder: a section list would double Hugo's list
// pages and feeds), sitemap, robots.txt. buildFuture is on: seedfeed publishes every article, and a
// 100,000-article corpus at thirty a day runs past today.

import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { mapLimit } from "../src/concurrency.ts";

/** `hugo version`'s line, or undefined when hugo is not on PATH (or does not run). */
export function hugoVersion(): string | undefined {
  try {
    return execFileSync("hugo", ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export interface HugoSiteOptions {
  /** Build tag taxonomy and term pages (and their feeds) too. Off by default: see the top of this file. */
  taxonomies?: boolean;
  baseUrl?: string;
  /** Articles per feed and per list page: seedfeed's feedSize and pageSize. */
  feedSize?: number;
  pageSize?: number;
}

const SINGLE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><article><h1>{{ .Title }}</h1>
<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>
{{ .Content }}
</article></body></html>
`;

const LIST = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}</head>
<body><h1>{{ .Site.Title }}</h1>
{{ $pages := cond .IsHome site.RegularPages .Pages }}
<ul>
{{ range (.Paginate $pages).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}</ul>
{{ with .Paginator }}<nav>{{ with .Prev }}<a href="{{ .URL }}">newer</a>{{ end }} page {{ .PageNumber }} of {{ .TotalPages }} {{ with .Next }}<a href="{{ .URL }}">older</a>{{ end }}</nav>{{ end }}
</body></html>
`;

function config(o: Required<HugoSiteOptions>): string {
  const disabled = ["section", "sitemap", "robotsTXT", ...(o.taxonomies ? [] : ["taxonomy", "term"])];
  return [
    `baseURL = ${JSON.stringify(o.baseUrl)}`,
    `title = "seedfeed bench"`,
    `languageCode = "en"`,
    `rssLimit = ${o.feedSize}`,
    `paginate = ${o.pageSize}`,
    `buildFuture = true`,
    `uglyURLs = true`,
    `disableKinds = ${JSON.stringify(disabled)}`,
    `enableRobotsTXT = false`,
    ...(o.taxonomies ? [`[taxonomies]`, `  tag = "tags"`] : []),
    "",
  ].join("\n");
}

/** A seed text file (" date YYYY-MM-DD N", title, one paragraph a line) as Markdown with YAML front matter. */
export function seedTextToMarkdown(text: string): string {
  const lines = text.split(/\r?\n/);
  const date = /^ ?date (\S+)/.exec(lines[0] ?? "")?.[1];
  if (!date) throw new Error(`not a seed text header: ${JSON.stringify(lines[0])}`);
  const title = (lines[1] ?? "").trim();
  const paragraphs = lines.slice(2).map((l) => l.trim()).filter((l) => l !== "");
  // JSON strings are YAML strings. The synthetic corpus has no Markdown syntax in its text, so no escaping.
  return `---\ntitle: ${JSON.stringify(title)}\ndate: ${date}\n---\n${paragraphs.join("\n\n")}\n`;
}

/** Where a seed lands in the Hugo site: content/articles/<id>.md, so Hugo's page is /articles/<id>.html as seedfeed's
 *  is (a text seed NNN_<id>.txt loses its number, a Markdown seed md/<id>.md keeps its name). */
export function hugoContentPath(siteDir: string, seedName: string): string {
  return join(siteDir, "content", "articles", `${basename(seedName).replace(/^\d+_/, "").replace(/\.(txt|md)$/, "")}.md`);
}

/** Writes a Hugo site into siteDir with one content file per seed of corpusDir (*.txt and md/*.md). */
export async function writeHugoSite(corpusDir: string, siteDir: string, options: HugoSiteOptions = {}): Promise<number> {
  const o: Required<HugoSiteOptions> = { taxonomies: false, baseUrl: "http://localhost:3000/", feedSize: 50, pageSize: 50, ...options };
  await mkdir(join(siteDir, "layouts", "_default"), { recursive: true });
  await mkdir(join(siteDir, "content", "articles"), { recursive: true });
  await writeFile(join(siteDir, "config.toml"), config(o));
  await writeFile(join(siteDir, "layouts", "_default", "single.html"), SINGLE);
  await writeFile(join(siteDir, "layouts", "_default", "list.html"), LIST);
  const text = (await readdir(corpusDir)).filter((n) => n.endsWith(".txt"));
  const md = (await readdir(join(corpusDir, "md")).catch(() => [] as string[])).filter((n) => n.endsWith(".md")).map((n) => `md/${n}`);
  const names = [...text, ...md];
  await mapLimit(names, 64, async (name) => {
    const source = await readFile(join(corpusDir, name), "utf8");
    await writeFile(hugoContentPath(siteDir, name), name.endsWith(".txt") ? seedTextToMarkdown(source) : source);
  });
  return names.length;
}

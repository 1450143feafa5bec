// RFC 5005 feed history in all three formats, read back by real consumers: libxml2 (well-formedness and
// the Atom RELAX NG schema), Python's feedparser and ElementTree (links, and fh elements in their
// namespace), feedsmith, and Python's JSON reader. FeedDocuments are built here, not by the build, so every
// kind of history is covered whatever the site code currently makes; expectations are typed in per case.

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from "feedsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { renderAtom } from "../../src/render/atom.ts";
import { renderJsonFeed } from "../../src/render/json-feed.ts";
import { addRootAttributes, insertHeadElements } from "../../src/render/feed-history.ts";
import { renderRss } from "../../src/render/rss.ts";
import type { Article, FeedDocument, FeedHistory, FeedUrls } from "../../src/types.ts";
import { pythonJson, xmllint } from "../helpers/consumers.ts";
import { REPO_ROOT } from "../helpers/files.ts";
import { testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const run = promisify(execFile);
const tmp = useTempDirs();
const ATOM_RNG = join(REPO_ROOT, "tests/fixtures/atom.rng");
const FH = "http://purl.org/syndication/history/1.0";
const HUB = "https://hub.example.org/";
const config = testConfig({ hub: HUB });

const urls = (dir: string): FeedUrls => ({
  rss: new URL(`${dir}rss.xml`, config.baseUrl).href,
  atom: new URL(`${dir}atom.xml`, config.baseUrl).href,
  json: new URL(`${dir}feed.json`, config.baseUrl).href,
});
const HEAD = urls("");
const P1 = urls("archive/1/");
const P2 = urls("archive/2/");
const P3 = urls("archive/3/");
/** URLs that need escaping in XML attributes. */
const QUERY: FeedUrls = { rss: `${P2.rss}?a=1&b=<2>`, atom: `${P2.atom}?a=1&b="2"`, json: `${P2.json}?a=1&b=2` };

type Rel = "current" | "prev-archive" | "next-archive";

interface Case {
  name: string;
  self: FeedUrls;
  history: FeedHistory;
  marker?: "complete" | "archive";
  /** In document order. */
  links: [Rel, FeedUrls][];
  nextUrl?: string;
  /** The `_rfc5005` object, keys in the order they must be written. */
  ext: Record<string, unknown>;
}

const ABOUT = "https://www.rfc-editor.org/rfc/rfc5005";

const CASES: Case[] = [
  { name: "complete", self: HEAD, history: { kind: "complete" }, marker: "complete", links: [], ext: { about: ABOUT, complete: true } },
  {
    name: "current",
    self: HEAD,
    history: { kind: "current", prevArchive: P3 },
    links: [["prev-archive", P3]],
    nextUrl: P3.json,
    ext: { about: ABOUT, prev_archive: P3.json },
  },
  {
    name: "archive-first",
    self: P1,
    history: { kind: "archive", current: HEAD, nextArchive: P2 },
    marker: "archive",
    links: [["current", HEAD], ["next-archive", P2]],
    ext: { about: ABOUT, archive: true, current: HEAD.json, next_archive: P2.json },
  },
  {
    name: "archive-middle",
    self: P2,
    // Keys in an unusual order: the output must not depend on it.
    history: { nextArchive: P3, prevArchive: P1, current: HEAD, kind: "archive" },
    marker: "archive",
    links: [["current", HEAD], ["prev-archive", P1], ["next-archive", P3]],
    nextUrl: P1.json,
    ext: { about: ABOUT, archive: true, current: HEAD.json, prev_archive: P1.json, next_archive: P3.json },
  },
  {
    name: "archive-open",
    self: P3,
    history: { kind: "archive", current: HEAD, prevArchive: P2 },
    marker: "archive",
    links: [["current", HEAD], ["prev-archive", P2]],
    nextUrl: P2.json,
    ext: { about: ABOUT, archive: true, current: HEAD.json, prev_archive: P2.json },
  },
  {
    name: "current-escaped",
    self: HEAD,
    history: { kind: "current", prevArchive: QUERY },
    links: [["prev-archive", QUERY]],
    nextUrl: QUERY.json,
    ext: { about: ABOUT, prev_archive: QUERY.json },
  },
];

function article(n: number): Article {
  const day = String(n).padStart(2, "0");
  return {
    id: `00000000000000${day}`,
    source: `post-${day}.md`,
    title: `Post ${n}: <b> & "quotes"`,
    published: `2025-03-${day}T00:00:00.000Z`,
    updated: `2025-03-${day}T00:00:00.000Z`,
    summary: `Summary ${n}`,
    tags: ["history"],
    contentHtml: `<p>Body ${n} &amp; more</p>`,
  };
}

function feedDoc(c: Case, entries: Article[]): FeedDocument {
  return {
    id: `${config.tagPrefix}feeds/main`,
    title: config.title,
    description: config.description,
    homeUrl: config.baseUrl,
    selfUrl: c.self,
    entries,
    // The entries are the articles themselves, text and all.
    body: (m) => m as Article,
    updated: entries[0]?.updated ?? "1970-01-01T00:00:00.000Z",
    history: c.history,
  };
}

const ENTRY_SETS = { "with entries": [article(3), article(2)], "without entries": [] as Article[] };

interface Rendered {
  c: Case;
  label: string;
  rss: string;
  atom: string;
  json: string;
  files: { rss: string; atom: string; json: string };
}

/** feedparser's view (version, bozo, links) and ElementTree's (fh and atom:link children of channel/feed). */
const PY_SCRIPT = `
import feedparser, json, sys
import xml.etree.ElementTree as ET
FH = "{${FH}}"
ATOM = "{http://www.w3.org/2005/Atom}"
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        d = feedparser.parse(f.read())
    root = ET.parse(path).getroot()
    head = root.find("channel") if root.tag == "rss" else root
    out.append({
        "version": d.version,
        "bozo": bool(d.bozo),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "links": [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in d.feed.get("links", [])],
        "entries": len(d.entries),
        "fh_children": [[c.tag, c.text, len(c), dict(c.attrib)] for c in head if c.tag.startswith(FH)],
        "fh_anywhere": sum(1 for e in root.iter() if e.tag.startswith(FH)),
        "atom_links": [dict(c.attrib) for c in head if c.tag == ATOM + "link"],
    })
json.dump(out, sys.stdout)
`;

interface PyView {
  version: string;
  bozo: boolean;
  bozo_exception: string;
  links: { rel: string; href: string; type: string | null }[];
  entries: number;
  fh_children: [string, string | null, number, Record<string, string>][];
  fh_anywhere: number;
  atom_links: Record<string, string>[];
}

async function pythonView(...files: string[]): Promise<PyView[]> {
  const { stdout } = await run("/usr/bin/python3", ["-c", PY_SCRIPT, ...files], { maxBuffer: 64 * 1024 * 1024, encoding: "utf8" });
  return JSON.parse(stdout) as PyView[];
}

const rendered: Rendered[] = [];
const views = new Map<string, PyView>();

beforeAll(async () => {
  const dir = await tmp.make();
  for (const c of CASES) {
    for (const [label, entries] of Object.entries(ENTRY_SETS)) {
      const doc = feedDoc(c, entries);
      const base = join(dir, `${c.name}-${label.replace(" ", "-")}`);
      const r: Rendered = {
        c,
        label,
        rss: renderRss(doc, config),
        atom: renderAtom(doc, config),
        json: renderJsonFeed(doc, config),
        files: { rss: `${base}.rss.xml`, atom: `${base}.atom.xml`, json: `${base}.feed.json` },
      };
      await Promise.all([writeFile(r.files.rss, r.rss), writeFile(r.files.atom, r.atom), writeFile(r.files.json, r.json)]);
      rendered.push(r);
    }
  }
  const files = rendered.flatMap((r) => [r.files.rss, r.files.atom]);
  const parsed = await pythonView(...files);
  files.forEach((f, i) => views.set(f, parsed[i]!));
});

const each = () => CASES.flatMap((c) => Object.keys(ENTRY_SETS).map((label) => [c.name, label] as const));
const get = (name: string, label: string) => rendered.find((r) => r.c.name === name && r.label === label)!;
const HISTORY_RELS = new Set(["current", "prev-archive", "next-archive"]);

describe.each(each())("%s, %s", (name, label) => {
  it("RSS and Atom are well-formed for libxml2, and Atom is valid against RFC 4287's RELAX NG schema", async () => {
    const r = get(name, label);
    for (const file of [r.files.rss, r.files.atom]) {
      const lint = await xmllint(file);
      expect(lint.stderr, file).toBe("");
      expect(lint.ok, file).toBe(true);
    }
    const rng = await xmllint(r.files.atom, ATOM_RNG);
    expect(rng.stderr).toMatch(/validates/);
    expect(rng.ok).toBe(true);
  });

  it.each(["rss", "atom"] as const)("%s: feedparser reads the history links, ElementTree finds the fh element in its namespace", (format) => {
    const r = get(name, label);
    const v = views.get(r.files[format])!;
    const type = format === "rss" ? "application/rss+xml" : "application/atom+xml";
    expect(v.bozo_exception).toBe("");
    expect(v.bozo).toBe(false);
    expect(v.version).toBe(format === "rss" ? "rss20" : "atom10");
    expect(v.entries).toBe(ENTRY_SETS[label as keyof typeof ENTRY_SETS].length);
    expect(v.links.filter((l) => HISTORY_RELS.has(l.rel))).toEqual(r.c.links.map(([rel, u]) => ({ rel, href: u[format], type })));
    // The existing links stay.
    expect(v.links).toEqual(expect.arrayContaining([expect.objectContaining({ rel: "self", href: r.c.self[format] }), expect.objectContaining({ rel: "hub", href: HUB })]));
    // An empty fh:complete or fh:archive, a direct child of <channel> / <feed>, and no other fh element.
    expect(v.fh_children).toEqual(r.c.marker ? [[`{${FH}}${r.c.marker}`, null, 0, {}]] : []);
    expect(v.fh_anywhere).toBe(r.c.marker ? 1 : 0);
  });

  it("RSS: the history links are atom:link elements of the channel, in the Atom namespace", () => {
    const v = views.get(get(name, label).files.rss)!;
    const c = get(name, label).c;
    expect(v.atom_links.filter((l) => HISTORY_RELS.has(l.rel!))).toEqual(c.links.map(([rel, u]) => ({ href: u.rss, rel, type: "application/rss+xml" })));
  });

  it("feedsmith reads the same links (RSS atom:link, Atom link) and the JSON Feed next_url", () => {
    const r = get(name, label);
    const rssLinks = (parseRssFeed(r.rss).atom?.links ?? []).filter((l) => HISTORY_RELS.has(l.rel!));
    expect(rssLinks).toEqual(r.c.links.map(([rel, u]) => ({ rel, href: u.rss, type: "application/rss+xml" })));
    const atomLinks = (parseAtomFeed(r.atom).links ?? []).filter((l) => HISTORY_RELS.has(l.rel!));
    expect(atomLinks).toEqual(r.c.links.map(([rel, u]) => ({ rel, href: u.atom, type: "application/atom+xml" })));
    expect(parseJsonFeed(r.json).next_url).toBe(r.c.nextUrl);
  });

  it("JSON Feed: next_url is the older page (prev-archive), and _rfc5005 says the rest, keys in a fixed order", async () => {
    const r = get(name, label);
    const parsed = (await pythonJson(r.files.json)) as Record<string, unknown>;
    expect(parsed.version).toBe("https://jsonfeed.org/version/1.1");
    expect(parsed.feed_url).toBe(r.c.self.json);
    expect(parsed.next_url).toBe(r.c.nextUrl);
    if (r.c.nextUrl === undefined) expect(Object.keys(parsed)).not.toContain("next_url");
    expect(parsed._rfc5005).toEqual(r.c.ext);
    // JSON.parse keeps the written key order; toEqual above does not look at it.
    expect(JSON.stringify((JSON.parse(r.json) as { _rfc5005: unknown })._rfc5005)).toBe(JSON.stringify(r.c.ext));
  });

  it("renders byte-identically a second time, from a copy of the document with its keys in another order", () => {
    const r = get(name, label);
    const doc = feedDoc(r.c, ENTRY_SETS[label as keyof typeof ENTRY_SETS]);
    const shuffled = { ...doc, history: Object.fromEntries(Object.entries(doc.history).reverse()) as FeedHistory };
    expect(renderRss(shuffled, config)).toBe(r.rss);
    expect(renderAtom(shuffled, config)).toBe(r.atom);
    expect(renderJsonFeed(shuffled, config)).toBe(r.json);
  });
});

describe("the checks have teeth", () => {
  it("an fh element in another namespace is not counted as one", async () => {
    const r = get("complete", "with entries");
    const file = join(await tmp.make(), "wrong-ns.xml");
    const altered = r.rss.replace(FH, "http://example.org/not-history");
    expect(altered).not.toBe(r.rss);
    await writeFile(file, altered);
    const [v] = await pythonView(file);
    expect(v!.fh_children).toEqual([]);
    expect((await xmllint(file)).ok).toBe(true);
  });

  it("the schema rejects a history link placed after the entries", async () => {
    const r = get("archive-middle", "with entries");
    const file = join(await tmp.make(), "late-link.xml");
    const link = /\n *<link rel="current"[^>]*\/>/.exec(r.atom)![0];
    await writeFile(file, r.atom.replace(link, "").replace("</feed>", `${link.trim()}\n</feed>`));
    expect((await xmllint(file, ATOM_RNG)).ok).toBe(false);
  });
});

describe("insertion into the feed v6 skeleton", () => {
  const skeleton = '<?xml version="1.0"?>\n<rss version="2.0">\n    <channel>\n        <title>t</title>\n        <item>\n            <title>i</title>\n        </item>\n    </channel>\n</rss>';

  it("puts elements after the channel's own and before the first item, at the children's indentation", () => {
    expect(insertHeadElements(skeleton, "channel", "item", ["<fh:complete/>"])).toBe(skeleton.replace("        <item>", "        <fh:complete/>\n        <item>"));
  });

  it("throws when the skeleton is not laid out as expected, rather than writing a feed without its history", () => {
    expect(() => insertHeadElements(skeleton.replace("<channel>", "<chanel>"), "channel", "item", ["<fh:complete/>"])).toThrow(/no <channel>/);
    expect(() => insertHeadElements(skeleton.replace("</channel>", "").replace(/<item>[\s\S]*<\/item>/, ""), "channel", "item", ["x"])).toThrow(/end tag/);
    expect(() => addRootAttributes(skeleton, "feed", { "xmlns:fh": FH })).toThrow(/no <feed>/);
    expect(() => addRootAttributes(skeleton, "rss", { version: "3.0" })).toThrow(/version="2.0"/);
  });

  it("adds a root attribute once: an existing equal one is kept, not repeated", () => {
    const once = addRootAttributes(skeleton, "rss", { "xmlns:fh": FH, version: "2.0" });
    expect(once).toContain(`<rss version="2.0" xmlns:fh="${FH}">`);
    expect(addRootAttributes(once, "rss", { "xmlns:fh": FH })).toBe(once);
  });
});

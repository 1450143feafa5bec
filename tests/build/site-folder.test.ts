// dist/ is exactly the site (issue 11 §1): what a host is given holds pages, feeds, assets and _headers,
// nothing seedfeed keeps for itself, and stays within what the Pages hosts accept — on a site with many
// tags and a WebSub hub, the case whose per-feed Link headers once made _headers outgrow its rule limit.

import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { manifestFileOf, parseManifest, type ManifestEntry } from "../../src/output/manifest.ts";
import { absoluteUrl } from "../../src/render/urls.ts";
import type { SiteConfig } from "../../src/types.ts";
import { markdownSeed, readTree, writeSeeds } from "../helpers/files.ts";
import { buildSite, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();

/** Cloudflare Pages' documented limits for _headers and for one file; Netlify's are looser. */
const MAX_RULES = 100;
const MAX_LINE = 2000;
const MAX_FILE = 25 * 1024 * 1024;
const TAGS = 70;
const HUB = "https://hub.example.net/";

/** The self link a feed's body names: RSS and Atom through atom:link / link rel="self", JSON Feed's feed_url. */
function bodySelf(path: string, text: string): string {
  if (path.endsWith(".json")) return JSON.parse(text).feed_url;
  const link = [...text.matchAll(/<(?:atom:)?link\b[^>]*>/g)].map((m) => m[0]).find((l) => /rel="self"/.test(l));
  return /href="([^"]+)"/.exec(link ?? "")![1]!.replaceAll("&amp;", "&");
}

describe("dist/ holds exactly the site", () => {
  let out: string;
  let files: ManifestEntry[];
  let tree: Map<string, Buffer>;
  let config: SiteConfig;

  beforeAll(async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    const articles: Record<string, string> = {};
    for (let i = 0; i < 3 * TAGS; i++) {
      const day = String(1 + (i % 28)).padStart(2, "0");
      const month = String(1 + Math.floor(i / 28)).padStart(2, "0");
      articles[`post-${i}.md`] = markdownSeed([`title: Post ${i}`, `date: 2024-${month}-${day}`, `tags: [topic-${i % TAGS}, every]`], `Body ${i}.\n`);
    }
    await writeSeeds(seeds, articles);
    out = join(root, "dist");
    config = testConfig({ hub: HUB, feedSize: 2, pageSize: 2, precompress: "all" });
    const result = await buildSite(seeds, out, { config });
    expect(result.written, JSON.stringify(result.diagnostics)).toBe(true);
    files = parseManifest(await readFile(manifestFileOf(out), "utf8")).files;
    tree = await readTree(out);
  }, 120_000);

  it("its files are the manifest's files and _headers: no variant, manifest, index or lock", () => {
    expect([...tree.keys()].sort()).toEqual([...files.map((f) => f.path), "_headers"].sort());
    expect([...tree.keys()].filter((p) => /\.(br|gz)$|manifest|\.json\.|^\./.test(p) && p !== "feed.json" && !p.endsWith("/feed.json"))).toEqual([]);
    // The variants exist, beside dist/.
    expect(files.every((f) => f.br && f.gzip)).toBe(true);
  });

  it("stays within the Pages hosts' limits: at most 100 _headers rules, lines of at most 2,000 characters, no file over 25 MiB", async () => {
    const text = tree.get("_headers")!.toString("utf8");
    const rules = text.split("\n").filter((l) => l.startsWith("/"));
    expect(files.filter((f) => f.path.startsWith("tags/topic-")).length).toBeGreaterThan(TAGS * 3);
    expect(rules.length).toBeLessThanOrEqual(MAX_RULES);
    expect(Math.max(...text.split("\n").map((l) => l.length))).toBeLessThanOrEqual(MAX_LINE);
    for (const path of tree.keys()) expect((await stat(join(out, path))).size, path).toBeLessThanOrEqual(MAX_FILE);
  });

  it("each head feed's Link header names the hub, and its self link resolves to the canonical URL its body names", () => {
    const linked = files.filter((f) => f.link);
    expect(linked.length).toBe(3 * (TAGS + 2)); // the site, "every" and each topic, three formats each
    for (const f of linked) {
      const [hub, self] = [...f.link!.matchAll(/<([^>]*)>; rel="(\w+)"/g)].map((m) => [m[2], m[1]!]);
      expect(hub).toEqual(["hub", HUB]);
      expect(self![0]).toBe("self");
      const url = absoluteUrl(config, f.path);
      // RFC 8288: a relative reference in Link resolves against the URL the feed was fetched from.
      expect(new URL(self![1]!, url).href, f.path).toBe(url);
      expect(bodySelf(f.path, tree.get(f.path)!.toString("utf8")), f.path).toBe(url);
    }
  });
});

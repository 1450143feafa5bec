// Entry fragments (src/render/fragments.ts): a real build, which renders each entry once per format and
// assembles its documents from the fragments, writes exactly the bytes that rendering every document
// whole (all its entries laid out by `feed`) gives, on a generated site with tags and archive pages.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeCorpus } from "../../bench/corpus.ts";
import { loadSeeds } from "../../src/content/scan.ts";
import { SitePlanner } from "../../src/render/plan.ts";
import type { Article, ArticleMeta } from "../../src/types.ts";
import { buildSite, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
// Small feeds and pages, so 1,500 articles make many archive pages, and every tag has archive pages too.
const config = testConfig({ feedSize: 10, pageSize: 5 });

describe("documents assembled from entry fragments", () => {
  let out: string;
  let articles: Article[];

  beforeAll(async () => {
    const root = await tmp.make();
    await writeCorpus(join(root, "seeds"), 1500);
    out = join(root, "dist");
    expect((await buildSite(join(root, "seeds"), out, { config })).written).toBe(true);
    articles = (await loadSeeds(join(root, "seeds"))).articles;
  }, 120_000);

  /** Every planned file rendered in plan order, and how often each article's text was asked for. */
  function renderAll(keepFragments: boolean) {
    const byId = new Map(articles.map((a) => [a.id, a]));
    const reads = new Map<string, number>();
    const body = (m: ArticleMeta) => {
      reads.set(m.id, (reads.get(m.id) ?? 0) + 1);
      return byId.get(m.id)!;
    };
    const files = new SitePlanner(config, { keepFragments }).full(articles).map((f) => ({ path: f.path, text: f.render(body) }));
    return { files, reads };
  }

  it("the site has tag streams with archive pages", () => {
    const { files } = renderAll(false);
    expect(files.filter((f) => /^tags\/[^/]+\/archive\/\d+\/rss\.xml$/.test(f.path)).length).toBeGreaterThan(20);
    expect(files.filter((f) => /^archive\/\d+\/atom\.xml$/.test(f.path)).length).toBeGreaterThan(250);
  });

  it("every file of the build equals its document rendered whole", async () => {
    const whole = renderAll(false);
    const differing: string[] = [];
    for (const f of whole.files) if ((await readFile(join(out, f.path), "utf8")) !== f.text) differing.push(f.path);
    expect(differing).toEqual([]);
    // JSON Feed items are assembled by hand too: laid out exactly as JSON.stringify lays out the whole.
    for (const f of whole.files.filter((f) => f.path.endsWith(".json"))) expect(`${JSON.stringify(JSON.parse(f.text), null, 2)}\n`).toBe(f.text);
  });

  it("each article's text is read once for its page and once per format (RSS, Atom, JSON, list), however many documents show it", () => {
    const whole = renderAll(false);
    const once = renderAll(true);
    expect(once.files.map((f) => f.text)).toEqual(whole.files.map((f) => f.text));
    expect(new Set(once.reads.values())).toEqual(new Set([5]));
    expect(once.reads.size).toBe(articles.length);
    // Without reuse, tagged articles and the newest ones were read again for each document showing them.
    expect([...whole.reads.values()].reduce((a, b) => a + b)).toBeGreaterThan(articles.length * 5 * 1.1);
  });
});

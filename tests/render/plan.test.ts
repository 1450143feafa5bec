// Watch mode's planner against the whole plan: after any sequence of article changes, the files it
// kept plus what it named as fresh, minus what it named as gone, are exactly the files a whole new plan
// has, each with the same inputs.

import { describe, expect, it } from "vitest";
import { newestFirst } from "../../src/content/article.ts";
import { planSite, SitePlanner } from "../../src/render/plan.ts";
import type { PlannedFile } from "../../src/render/site.ts";
import type { ArticleMeta } from "../../src/types.ts";
import { testConfig } from "../helpers/site.ts";

/** A small deterministic generator (mulberry32): the same sequence of changes on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = ["Go", "go", "Rust", "Café", "news", "C++"];

function metaOf(n: number, rnd: () => number, version = 0): ArticleMeta {
  const day = 1 + Math.floor(rnd() * 60);
  const published = new Date(Date.UTC(2025, 0, day)).toISOString();
  const tags = TAGS.filter(() => rnd() < 0.25);
  return { id: n.toString(16).padStart(16, "0"), source: `${n}.md`, title: `Article ${n} v${version}`, published, updated: published, tags };
}

/** What a planned file is made from, for comparing two plans (render is a function of these). */
function describe_(f: PlannedFile) {
  return { path: f.path, kind: f.kind, contentType: f.contentType, lastModified: f.lastModified, link: f.link, about: f.about, bodies: f.bodies.map((a) => a.id) };
}

describe("SitePlanner.update", () => {
  for (const [feedSize, pageSize] of [[5, 3], [4, 4], [10, 10]] as const) {
    it(`after random adds, edits, date moves, retags and removals, names exactly what changed (feedSize ${feedSize}, pageSize ${pageSize})`, () => {
      const config = testConfig({ feedSize, pageSize, hub: "https://hub.example/" });
      const rnd = random(feedSize * 100 + pageSize);
      let metas: ArticleMeta[] = [];
      let next = 0;
      for (; next < 12; next++) metas.push(metaOf(next, rnd));
      metas.sort(newestFirst);
      const planner = new SitePlanner(config);
      let files = new Map(planner.full(metas).map((f) => [f.path, f]));
      let freshTotal = 0;
      for (let step = 0; step < 120; step++) {
        const removed: ArticleMeta[] = [];
        const added: ArticleMeta[] = [];
        const r = rnd();
        if (r < 0.3 || metas.length < 3) {
          added.push(metaOf(next++, rnd));
        } else if (r < 0.45) {
          removed.push(metas[Math.floor(rnd() * metas.length)]!);
        } else {
          // An edit: a new metadata object for the same seed, perhaps with a new date or new tags.
          const old = metas[Math.floor(rnd() * metas.length)]!;
          const changed = metaOf(Number.parseInt(old.id, 16), rnd, step + 1);
          removed.push(old);
          added.push(rnd() < 0.5 ? { ...changed, published: old.published, updated: old.updated } : changed);
        }
        metas = [...metas.filter((m) => !removed.includes(m)), ...added].sort(newestFirst);
        const change = planner.update(metas, removed, added);
        freshTotal += change.fresh.length;
        const fresh = new Set(change.fresh.map((f) => f.path));
        expect(change.gone.filter((p) => fresh.has(p))).toEqual([]);
        for (const p of change.gone) files.delete(p);
        for (const f of change.fresh) files.set(f.path, f);
        const whole = planSite(metas, config);
        const what = `step ${step}`;
        expect([...files.keys()].sort(), what).toEqual(whole.map((f) => f.path).sort());
        for (const f of whole) expect(describe_(files.get(f.path)!), `${what}: ${f.path}`).toEqual(describe_(f));
        files = new Map([...files]);
      }
      // It followed the changes without planning everything again each time.
      expect(freshTotal).toBeLessThan(120 * planSite(metas, config).length * 0.5);
    });
  }
});

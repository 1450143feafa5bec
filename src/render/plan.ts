// The plan of the whole site (planSite), and watch mode's planner, which keeps the plan and after an
// edit names only the files whose inputs changed and the paths that are gone. An edit in a site of
// 100,000 articles then costs a few new files and one pass of pointer comparisons, not 110,000 new
// planned files (BENCHMARKS.md). Pure: no I/O, no clock.

import { newestFirstIndex } from "../content/article.ts";
import type { ArticleMeta, SiteConfig } from "../types.ts";
import type { PageContext } from "./html.ts";
import type { Paging } from "./paging.ts";
import { pageNumbers, pageRange } from "./paging.ts";
import { ArticlePage, headFiles, mainStream, pageContext, pageFiles, siteFiles, streamPaging, tagSlugsOf, tagStream, type PlannedFile, type Stream, type TagMembers } from "./site.ts";
import { tagSlug } from "./tags.ts";
import { articlePath } from "./urls.ts";

/** What a rebuild must produce: files new or with new inputs, and paths no longer planned. */
export interface PlanChange {
  fresh: PlannedFile[];
  gone: string[];
}

/** A stream as last planned: its files by page, kept so the next plan can reuse the unchanged ones. */
interface StreamPlan {
  stream: Stream;
  paging: Paging;
  head: PlannedFile[];
  /** Page k's files at k - 1. */
  pages: PlannedFile[][];
}

function planStream(stream: Stream, ctx: PageContext): StreamPlan {
  const paging = streamPaging(stream, ctx.config);
  const pages = pageNumbers(paging).map((k) => pageFiles(stream, paging, k, ctx));
  return { stream, paging, head: headFiles(stream, paging, ctx), pages };
}

const filesOf = (s: StreamPlan): PlannedFile[] => [...s.head, ...s.pages.flat()];

/** Whether `shown` (the articles a planned page shows) is exactly `articles[start, end)`, object for object. */
function showsRange(shown: readonly ArticleMeta[], articles: readonly ArticleMeta[], start: number, end: number): boolean {
  if (shown.length !== end - start) return false;
  for (let i = 0; i < shown.length; i++) if (shown[i] !== articles[start + i]) return false;
  return true;
}

/** Paths of `before` that `after` does not have. */
function lostPaths(before: readonly PlannedFile[], after: readonly PlannedFile[]): string[] {
  const kept = new Set(after.map((f) => f.path));
  return before.filter((f) => !kept.has(f.path)).map((f) => f.path);
}

/**
 * Plans the whole site once (`full`), then follows changes of articles (`update`). The scan keeps the
 * metadata object of an unchanged seed, so a page that shows the same objects as before, in the same
 * place of its stream, is unchanged and keeps its planned files.
 */
export class SitePlanner {
  private readonly ctx: PageContext;
  private main: StreamPlan | undefined;
  private tags = new Map<string, TagMembers>();
  private tagPlans = new Map<string, StreamPlan>();

  /** Without `keepFragments`, every document renders all of its entries (what the fragment test compares against). */
  constructor(config: SiteConfig, options: { keepFragments?: boolean } = {}) {
    this.ctx = pageContext(config, options.keepFragments ?? true);
  }

  /**
   * Every file of the site. `metas` newest first (as the scan returns them). The order is the order of
   * rendering, chosen so that what one file makes, the next ones reuse: an article's page just before the
   * first file that shows it (one read of its body); the site's pages from the oldest, each tag's page
   * right after the site's page that shows its newest article, and the head feeds last, just after the
   * pages that show their articles, so their entries' fragments are still kept (render/fragments.ts).
   */
  full(metas: readonly ArticleMeta[]): PlannedFile[] {
    const files = siteFiles(this.ctx);
    this.main = planStream(mainStream(metas, this.ctx.config), this.ctx);
    this.ctx.fragments?.keepHead(this.main.head[0]!.bodies);
    this.tags = new Map();
    for (const a of metas) for (const slug of tagSlugsOf(a)) this.tag(slug, a);
    this.tagPlans = new Map();
    for (const slug of [...this.tags.keys()].sort()) this.tagPlans.set(slug, planStream(tagStream(slug, this.tags.get(slug)!, this.ctx.config), this.ctx));
    const planned = new Set<ArticleMeta>();
    const push = (page: readonly PlannedFile[]) => {
      for (const f of page) {
        for (const a of f.bodies) {
          if (planned.has(a)) continue;
          planned.add(a);
          files.push(new ArticlePage(a, this.ctx));
        }
        files.push(f);
      }
    };
    // Tag pages by the newest article they show.
    const tagPagesAfter = new Map<ArticleMeta, PlannedFile[][]>();
    for (const plan of this.tagPlans.values()) {
      for (const page of plan.pages) {
        const newest = page[0]!.bodies[0]!;
        tagPagesAfter.set(newest, [...(tagPagesAfter.get(newest) ?? []), page]);
      }
    }
    for (const page of this.main.pages) {
      push(page);
      for (const a of page[0]!.bodies) {
        for (const tagPage of tagPagesAfter.get(a) ?? []) push(tagPage);
        tagPagesAfter.delete(a);
      }
    }
    push(this.main.head);
    for (const tagPage of [...tagPagesAfter.values()].flat()) push(tagPage); // none: every article is on a page of the site's
    for (const plan of this.tagPlans.values()) push(plan.head);
    return files;
  }

  /**
   * The change since the last plan, now that the site's articles are `metas`: `removed` are metadata
   * objects no longer in it, `added` the new ones (an edited seed is both). Call `full` first.
   */
  update(metas: readonly ArticleMeta[], removed: readonly ArticleMeta[], added: readonly ArticleMeta[]): PlanChange {
    if (!this.main) throw new Error("SitePlanner.update before full");
    const change: PlanChange = { fresh: [], gone: [] };
    const addedPaths = new Set(added.map(articlePath));
    change.fresh.push(...added.map((a) => new ArticlePage(a, this.ctx)));
    for (const a of removed) if (!addedPaths.has(articlePath(a))) change.gone.push(articlePath(a));
    this.main = this.updateStream(this.main, mainStream(metas, this.ctx.config), change);
    this.ctx.fragments?.keepHead(this.main.head[0]!.bodies);

    const touched = new Set<string>();
    for (const a of removed) {
      for (const slug of tagSlugsOf(a)) {
        this.untag(slug, a);
        touched.add(slug);
      }
    }
    for (const a of added) {
      for (const slug of tagSlugsOf(a)) {
        this.tag(slug, a);
        touched.add(slug);
      }
    }
    for (const slug of [...touched].sort()) {
      const members = this.tags.get(slug);
      const before = this.tagPlans.get(slug);
      if (!members) {
        this.tagPlans.delete(slug);
        if (before) change.gone.push(...filesOf(before).map((f) => f.path));
        continue;
      }
      const stream = tagStream(slug, members, this.ctx.config);
      // A new tag, or one whose name changed (its first spelling): every file of it is new.
      if (!before || before.stream.title !== stream.title) {
        const plan = planStream(stream, this.ctx);
        this.tagPlans.set(slug, plan);
        change.fresh.push(...filesOf(plan));
        if (before) change.gone.push(...lostPaths(filesOf(before), filesOf(plan)));
        continue;
      }
      this.tagPlans.set(slug, this.updateStream(before, stream, change));
    }
    return change;
  }

  /** Lists `a` under the tag `slug` in newest-first order (at the end, when articles come newest first) and counts its spellings. */
  private tag(slug: string, a: ArticleMeta): void {
    let t = this.tags.get(slug);
    if (!t) this.tags.set(slug, (t = { names: new Map(), articles: [] }));
    for (const tag of a.tags) if (tagSlug(tag) === slug) t.names.set(tag, (t.names.get(tag) ?? 0) + 1);
    t.articles.splice(newestFirstIndex(t.articles, a), 0, a);
  }

  private untag(slug: string, a: ArticleMeta): void {
    const t = this.tags.get(slug)!;
    for (const tag of a.tags) {
      if (tagSlug(tag) !== slug) continue;
      const n = t.names.get(tag)! - 1;
      if (n === 0) t.names.delete(tag);
      else t.names.set(tag, n);
    }
    const at = newestFirstIndex(t.articles, a);
    if (t.articles[at] !== a) throw new Error(`${a.source} is not listed under tag ${slug}`);
    t.articles.splice(at, 1);
    if (t.articles.length === 0) this.tags.delete(slug);
  }

  /** A stream's new plan: pages that show the same articles in the same shape are kept. */
  private updateStream(before: StreamPlan, stream: Stream, change: PlanChange): StreamPlan {
    const p = streamPaging(stream, this.ctx.config);
    const old = before.paging;
    const sameShape = old.complete === p.complete && old.full === p.full;
    const head = sameShape && showsRange(before.head[0]!.bodies, stream.articles, 0, p.headSize) ? before.head : headFiles(stream, p, this.ctx);
    if (head !== before.head) change.fresh.push(...head);
    const pages = pageNumbers(p).map((k) => {
      const kept = before.pages[k - 1];
      const { start, end } = pageRange(p, k);
      // A page's links depend on whether it is full and whether it is the newest full page.
      const sameLinks = kept !== undefined && !old.complete && (k <= old.full) === (k <= p.full) && (k < old.full) === (k < p.full);
      if (sameLinks && showsRange(kept[0]!.bodies, stream.articles, start, end)) return kept;
      const files = pageFiles(stream, p, k, this.ctx);
      change.fresh.push(...files);
      if (kept) change.gone.push(...lostPaths(kept, files));
      return files;
    });
    for (let k = pages.length + 1; k <= before.pages.length; k++) change.gone.push(...before.pages[k - 1]!.map((f) => f.path));
    return { stream, paging: p, head, pages };
  }
}

/** Every file of the site, from its articles' metadata (newest first) and the config. */
export function planSite(metas: readonly ArticleMeta[], config: SiteConfig): PlannedFile[] {
  return new SitePlanner(config).full(metas);
}

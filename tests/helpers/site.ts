// The real build, run in-process on real folders, with a config validated by the real config code.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build, type RunResult } from "../../src/pipeline.ts";
import { validateConfig } from "../../src/config.ts";
import { loadSeeds } from "../../src/content/scan.ts";
import { entryId } from "../../src/render/urls.ts";
import type { Article, SiteConfig } from "../../src/types.ts";
import { copyRepoSeeds, readBuild } from "./files.ts";

export const TEST_SITE = {
  title: "Test site",
  description: "A site built by the test suite",
  baseUrl: "https://feeds.example.org/blog/",
  author: { name: "Site Author", email: "author@example.org" },
  language: "en",
  tagPrefix: "tag:example.org,2025:",
};

export function testConfig(overrides: Record<string, unknown> = {}): SiteConfig {
  return validateConfig({ ...TEST_SITE, ...overrides }, "test config");
}

/**
 * In `root`: a copy of the repository's seeds, a config file, and dist/ built from them, with its bytes
 * as they were right after that build. (In-process: tests spawn the CLI only where its exit code is the point.)
 */
export async function siteWithDist(root: string) {
  const seeds = join(root, "seeds");
  const out = join(root, "dist");
  const config = join(root, "site.json");
  await copyRepoSeeds(seeds);
  await writeFile(config, JSON.stringify(TEST_SITE));
  const first = await buildSite(seeds, out);
  if (!first.written) throw new Error(`fixture build failed: ${JSON.stringify(first.diagnostics)}`);
  return { root, seeds, out, config, before: await readBuild(out) };
}

export async function buildSite(seedsDir: string, outDir: string, options: { keepGoing?: boolean; config?: SiteConfig } = {}): Promise<RunResult> {
  return build({ seedsDir, outDir, config: options.config ?? testConfig(), keepGoing: options.keepGoing });
}

/** What every consumer must read back for one article: computed from the loaded seeds, never typed in. */
export interface ExpectedEntry {
  article: Article;
  id: string;
  url: string;
}

export async function expectedEntries(seedsDir: string, config: SiteConfig): Promise<ExpectedEntry[]> {
  const { articles, diagnostics } = await loadSeeds(seedsDir);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`fixture seeds are invalid: ${JSON.stringify(errors)}`);
  return articles.map((article) => ({
    article,
    id: entryId(config, article),
    url: new URL(`articles/${article.id}`, config.baseUrl).href,
  }));
}

/**
 * The dist/ file behind a URL of the site, worked out here rather than taken from src/: a folder's
 * index.html, a page's .html file (page URLs have no extension), anything else its own path.
 */
export function distFileOfUrl(url: string, config: SiteConfig): string {
  const base = new URL(config.baseUrl);
  const u = new URL(url, base);
  if (u.origin !== base.origin || !u.pathname.startsWith(base.pathname)) throw new Error(`${url} is not under ${config.baseUrl}`);
  const rel = u.pathname.slice(base.pathname.length);
  if (rel === "" || rel.endsWith("/")) return `${rel}index.html`;
  return /\.[a-z0-9]+$/i.test(rel) ? rel : `${rel}.html`;
}

// A site built from a copy of the repository's seeds plus a few more, in a temp folder.

import { join } from "node:path";
import type { RunResult } from "../../src/pipeline.ts";
import type { SiteConfig } from "../../src/types.ts";
import { copyRepoSeeds, markdownSeed, textSeed } from "./files.ts";
import { buildSite, expectedEntries, testConfig, type ExpectedEntry } from "./site.ts";

/** Seeds added to the repository's own: other authors, times with offsets, tags, nested folders. */
export const EXTRA_SEEDS: Record<string, string> = {
  "more/2025/guest-post.md": markdownSeed(
    [
      'title: "Guest post: tags, an author & an update"',
      "date: 2025-06-01T12:34:56+02:00",
      "updated: 2025-06-03T08:00:00Z",
      "author: Grace Hopper",
      "tags: [guest, 'c++', 'q&a']",
      "summary: A guest writes about <tags> & \"quotes\".",
    ],
    "Paragraph with a [link](https://example.org/?a=1&b=2) and `x < y`.\n\n> A quote.\n\n1. one\n2. two\n",
  ),
  "more/010_00000000cafe0010.txt": textSeed({
    date: "2025-05-20",
    n: 10,
    title: "A seed text article in a subfolder",
    paragraphs: ["First paragraph.", "Second paragraph with 'quotes' & ampersands."],
  }),
  "same-day.md": markdownSeed(["title: Same day as the subfolder article", "date: 2025-05-20"], "Ties are ordered by id.\n"),
};

export interface FixtureSite {
  seeds: string;
  out: string;
  config: SiteConfig;
  result: RunResult;
  /** From loadSeeds on the same folder, newest first. */
  expected: ExpectedEntry[];
}

export async function buildFixtureSite(root: string, options: { extra?: Record<string, string>; config?: SiteConfig } = {}): Promise<FixtureSite> {
  const seeds = join(root, "seeds");
  const out = join(root, "dist");
  await copyRepoSeeds(seeds, { ...EXTRA_SEEDS, ...options.extra });
  const config = options.config ?? testConfig();
  const result = await buildSite(seeds, out, { config });
  if (!result.written) throw new Error(`fixture build failed: ${JSON.stringify(result.diagnostics)}`);
  return { seeds, out, config, result, expected: await expectedEntries(seeds, config) };
}

// How hard to compress each kind of file. The variants are made once, at build time, by the stage
// workers (stage-worker.mjs), so no request ever pays for compression.

import type { FileKind, Levels } from "../types.ts";

export type CompressionLevels = Record<FileKind, Levels | undefined>;

/**
 * Levels by kind, measured in BENCHMARKS.md. Feeds are polled forever, but mostly answered 304, and a
 * site has three per tag: brotli 9 is 8% larger than 11 at a tenth of the time (17 ms against 162 ms
 * for a 140 KB feed). Archive pages are most of a large site's bytes and are read about once per subscriber, on a
 * walk back through history: the fastest levels, within 13% of level 6 and 4.5 times as fast. Pages are
 * many and small: with the window fitted to the file, brotli 5 takes no longer than 4 on a 3.4 KB page
 * (6% less) and is 7% smaller; the call itself is most of the cost. gzip costs the same at any level there.
 */
export const COMPRESSION_LEVELS: CompressionLevels = {
  feed: { brotli: 9, gzip: 9 },
  archive: { brotli: 1, gzip: 1 },
  immutable: { brotli: 11, gzip: 9 },
  html: { brotli: 5, gzip: 6 },
  manifest: undefined,
};

/**
 * Watch mode rebuilds on every save, and an edit of a tagged article changes the head feeds of the site
 * and of each of its tags. For a 140 KB feed, brotli 2 and gzip 4 take 2.3 ms together (5 and 6: 7 ms;
 * 9 and 9: 17 ms); brotli 2 is 4% larger than 5 and 13% larger than 9, gzip 4 is 4% larger than 6.
 * `build` uses the levels above: build before publishing for the smallest files.
 */
export const WATCH_COMPRESSION_LEVELS: CompressionLevels = { ...COMPRESSION_LEVELS, feed: { brotli: 2, gzip: 4 } };

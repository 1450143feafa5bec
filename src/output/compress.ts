// How hard to compress each kind of file, and which files `build` precompresses. One table: the stage
// workers (stage-worker.mjs) use it for the variants written at build time, and the server for what it
// compresses on demand, so a file gets the same levels whichever path compresses it.

import type { FileKind, Levels, PrecompressMode } from "../types.ts";

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

/**
 * `precompress` (config key and `build --precompress`): which files get brotli and gzip variants at build
 * time. "polled" (the default): only the files feed readers and browsers fetch over and over; "all":
 * every file (serve then never compresses on a request; the variants live beside dist/, so hosts
 * that serve precompressed files themselves do not see them); "none": no variants (CDNs compress on their own).
 */
export const PRECOMPRESS_MODES = ["polled", "all", "none"] as const satisfies readonly PrecompressMode[];

/**
 * What readers and browsers poll: the head feeds (the site's and each tag's, every format), the index
 * page and the assets. Article, list and archive pages are each read a few times; at 100,000 articles
 * they are 99% of the files, and compressing them cost 0.7 of Hugo's whole build (BENCHMARKS.md).
 */
export function isPolled(file: { path: string; kind: FileKind }): boolean {
  return file.kind === "feed" || file.kind === "immutable" || file.path === "index.html";
}

/** The levels of a file's precompressed variants under `mode`; undefined: written identity only. */
export function precompressLevels(file: { path: string; kind: FileKind }, mode: PrecompressMode, table: CompressionLevels = COMPRESSION_LEVELS): Levels | undefined {
  if (mode === "none" || (mode === "polled" && !isPolled(file))) return undefined;
  return table[file.kind];
}

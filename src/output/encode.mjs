// @ts-check
// The precompressed variants of one file: used by the stage workers, and by the benchmark, which
// measures what compressing a site costs on its own. Plain JavaScript (see stage-worker.mjs).

import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/**
 * Variants not smaller than the original are dropped: they would only cost bytes.
 * @param {Buffer} bytes @param {{ brotli: number; gzip: number } | undefined} levels
 * @returns {{ br?: Buffer; gzip?: Buffer }}
 */
export function compress(bytes, levels) {
  if (!levels || bytes.length < 64) return {};
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: levels.brotli,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      // A window no larger than the file: the default 4 MB window (and its tables) buys nothing on
      // files of a few KB and costs time to set up for every file.
      [constants.BROTLI_PARAM_LGWIN]: Math.max(constants.BROTLI_MIN_WINDOW_BITS, Math.min(constants.BROTLI_DEFAULT_WINDOW, Math.ceil(Math.log2(bytes.length + 1)))),
    },
  });
  const gzip = gzipSync(bytes, { level: levels.gzip });
  return { ...(br.length < bytes.length ? { br } : {}), ...(gzip.length < bytes.length ? { gzip } : {}) };
}

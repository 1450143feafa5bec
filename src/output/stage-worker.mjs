// @ts-check
// A stage worker thread: takes rendered text, hashes it, writes it into a staging folder, and writes its
// compressed variants into the cache folder beside dist/ (named by content, so they never move at a
// commit and identical files share them), all synchronously. Compression and file creation are most of a large build's
// CPU; here they run beside the main thread, which only renders, and a synchronous write costs a
// fraction of a promise-based one (no thread-pool round trips for open, write and close).
// Plain JavaScript that imports only Node's own modules: a worker that loaded TypeScript through tsx would
// start its own loader thread too, about 60 MB per worker for nothing, and one that imported a module of
// ours (compress() from its own file) grew by 70 MB over a 100,000-article build (BENCHMARKS.md).
// The benchmark imports compress() from here, so it measures the very same calls.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parentPort } from "node:worker_threads";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** @typedef {import("../types.ts").StageRequest} StageRequest */
/** @typedef {import("../types.ts").StageReply} StageReply */
/** @typedef {import("../types.ts").Variant} Variant */

/** @param {Buffer} bytes */
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

let stagingDir = "";
const made = new Set();

/** @param {string} full @param {Buffer} bytes */
function write(full, bytes) {
  const dir = dirname(full);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  try {
    writeFileSync(full, bytes);
  } catch (e) {
    // A write that fails part way (a full disk) reports no path: the user needs it.
    const err = /** @type {NodeJS.ErrnoException} */ (e);
    err.path ??= full;
    throw err;
  }
}

/**
 * A variant's name in the cache folder: the identity bytes' sha-256, the coding and its level. The same
 * name always holds the same bytes, so an existing file is kept as it is.
 * @param {string} sha @param {"br" | "gzip"} coding @param {{ brotli: number; gzip: number }} levels
 */
const variantName = (sha, coding, levels) => (coding === "br" ? `${sha}-b${levels.brotli}.br` : `${sha}-g${levels.gzip}.gz`);

/**
 * Variants not smaller than the original are dropped: they would only cost bytes.
 * @param {Buffer} bytes @param {{ brotli: number; gzip: number } | undefined} levels
 * @returns {{ br?: Buffer | undefined; gzip?: Buffer | undefined }}
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
  return { br: br.length < bytes.length ? br : undefined, gzip: gzip.length < bytes.length ? gzip : undefined };
}

/** @param {StageRequest} req @returns {StageReply} */
function stage(req) {
  if (req.dir !== stagingDir) {
    stagingDir = req.dir;
    made.clear();
  }
  const bytes = Buffer.from(req.text, "utf8");
  const sha = sha256(bytes);
  // Same bytes as the file in dist/: nothing to write (an edit elsewhere changed the inputs, not the output).
  if (sha === req.previousSha) return { id: req.id, size: bytes.length, sha256: sha, written: false };
  const v = compress(bytes, req.levels);
  /** @type {string[]} the variants this call created: a failed build removes them again */
  const newVariants = [];
  write(join(stagingDir, req.path), bytes);
  /** @param {"br" | "gzip"} enc @returns {Variant | undefined} */
  const variant = (enc) => {
    const b = v[enc];
    if (!b || !req.levels) return undefined;
    const name = variantName(sha, enc, req.levels);
    const full = join(req.encodedDir, name);
    if (!existsSync(full)) {
      // Complete or absent under its name: a reader never finds half a variant, and a failed write
      // (a full disk) leaves no half-written temporary in the cache folder either.
      try {
        write(`${full}.tmp`, b);
        renameSync(`${full}.tmp`, full);
        newVariants.push(name);
      } catch (e) {
        rmSync(`${full}.tmp`, { force: true });
        throw e;
      }
    }
    return { path: name, size: b.length, sha256: sha256(b) };
  };
  let br, gzip;
  try {
    br = variant("br");
    gzip = variant("gzip");
  } catch (e) {
    for (const name of newVariants) rmSync(join(req.encodedDir, name), { force: true });
    throw e;
  }
  return { id: req.id, size: bytes.length, sha256: sha, written: true, ...(br ? { br } : {}), ...(gzip ? { gzip } : {}), ...(newVariants.length > 0 ? { newVariants } : {}) };
}

parentPort?.on("message", (/** @type {StageRequest} */ req) => {
  try {
    parentPort?.postMessage(stage(req));
  } catch (e) {
    // The system error's fields, not only its message: the main thread names the path that failed.
    const { message, code, syscall, path, dest, errno } = /** @type {NodeJS.ErrnoException & { dest?: string }} */ (e);
    parentPort?.postMessage({ id: req.id, error: { message, code, syscall, path, dest, errno } });
  }
});

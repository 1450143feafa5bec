// A stage worker: takes rendered text, hashes it, compresses it and writes it with its variants into a
// staging folder, all synchronously. Compression and file creation are most of a large build's CPU;
// here they run beside the main thread, which only renders, and a synchronous write costs a fraction of
// a promise-based one (no thread-pool round trips for open, write and close).

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parentPort } from "node:worker_threads";
import type { StageReply, StageRequest, Variant } from "../types.ts";
import { compressVariantsSync } from "./compress.ts";
import { VARIANT_SUFFIX } from "./manifest.ts";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

let stagingDir = "";
const made = new Set<string>();

function write(path: string, bytes: Buffer): void {
  const full = join(stagingDir, path);
  const dir = dirname(full);
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  writeFileSync(full, bytes);
}

function stage(req: StageRequest): StageReply {
  if (req.dir !== stagingDir) {
    stagingDir = req.dir;
    made.clear();
  }
  const bytes = Buffer.from(req.text, "utf8");
  const sha = sha256(bytes);
  // Same bytes as the file in dist/: nothing to write (an edit elsewhere changed the inputs, not the output).
  if (sha === req.previousSha) return { id: req.id, size: bytes.length, sha256: sha, written: [] };
  const v = compressVariantsSync(bytes, req.levels);
  const written = [req.path];
  write(req.path, bytes);
  const variant = (enc: "br" | "gzip"): Variant | undefined => {
    const b = v[enc];
    if (!b) return undefined;
    const path = req.path + VARIANT_SUFFIX[enc];
    write(path, b);
    written.push(path);
    return { path, size: b.length, sha256: sha256(b) };
  };
  const br = variant("br");
  const gzip = variant("gzip");
  return { id: req.id, size: bytes.length, sha256: sha, written, ...(br ? { br } : {}), ...(gzip ? { gzip } : {}) };
}

parentPort!.on("message", (req: StageRequest) => {
  try {
    parentPort!.postMessage(stage(req));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    parentPort!.postMessage({ id: req.id, error: { message: err.message, code: err.code } });
  }
});

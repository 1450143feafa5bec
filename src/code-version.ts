// A hash of seedfeed's own code: part of every cache key, so a new version never reuses output or
// parse results made by an old one. It hashes the folder it runs from: src/ (.ts, under tsx and the
// tests) or lib/ (.js, the compiled CLI), so the two never share a cache, and either changes with the
// code. The stage worker (.mjs) counts too: it decides which variants exist.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let version: string | undefined;

export function codeVersion(): string {
  if (version === undefined) {
    const hash = createHash("sha256");
    const files = readdirSync(import.meta.dirname, { recursive: true, encoding: "utf8" }).filter((f) => /\.(ts|js|mjs)$/.test(f)).sort();
    for (const f of files) hash.update(f).update("\0").update(readFileSync(join(import.meta.dirname, f))).update("\0");
    version = hash.digest("hex").slice(0, 16);
  }
  return version;
}

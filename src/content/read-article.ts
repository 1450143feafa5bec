// A scanned seed's whole article, read again on demand and checked against the seed index.

import { join } from "node:path";
import { OneLineError } from "../fs-errors.ts";
import { sha256 } from "../hash.ts";
import type { Article, ArticleMeta } from "../types.ts";
import { parseSeedBytes } from "./parse.ts";
import { readSeedFile, type SeedReadError } from "./read-seed.ts";
import type { SeedIndex } from "./seed-index.ts";

/** Thrown when a seed's bytes differ from what the scan saw: a reader must never mix two versions of a seed. */
export class SeedChangedError extends OneLineError {}

/** The version of a scanned article: the sha-256 of its seed (or of its last good version). */
export function seedVersion(index: SeedIndex, meta: ArticleMeta): string {
  const record = index.get(meta.source)!;
  return record.meta ? record.sha256 : record.lastGood!.sha256;
}

/** The whole article for a scanned seed: its bytes read again and checked against the index. */
export function readArticle(dir: string, index: SeedIndex, meta: ArticleMeta): Article {
  const record = index.get(meta.source);
  if (record && !record.meta && record.lastGood) {
    // Only the last good version's metadata is known; its body went with the bytes that replaced it.
    throw new SeedChangedError(`${meta.source} is invalid: its last good version is kept, but its body cannot be read again until it is fixed`);
  }
  let bytes: Buffer;
  try {
    bytes = readSeedFile(join(dir, meta.source));
  } catch (e) {
    const { code, message } = e as SeedReadError;
    throw new SeedChangedError(code ? `${meta.source} vanished during the build (${code}); build again` : `${meta.source} changed during the build: it ${message}; build again`);
  }
  if (!record || sha256(bytes) !== record.sha256) throw new SeedChangedError(`${meta.source} changed during the build; build again`);
  const article = parseSeedBytes(meta.source, bytes).article;
  if (!article) throw new SeedChangedError(`${meta.source} no longer parses; build again`);
  return article;
}

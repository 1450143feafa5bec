// The built site as publish sees it: each file of dist/ with the URL it is published at, its object key,
// and the headers seedfeed serve sends for it. The one place publish reads dist/.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256 } from "../hash.ts";
import { manifestFileOf, readManifestEntries } from "../output/manifest.ts";
import { urlPathOf } from "../render/urls.ts";
import type { FileKind } from "../types.ts";
import { objectKeyOf } from "./target.ts";

export interface SiteFile {
  /** Path in dist/. */
  path: string;
  /** URL path from the site's root: "/", "/tags/x/", "/rss.xml". */
  urlPath: string;
  /** Object key under the prefix. */
  key: string;
  kind: FileKind;
  contentType: string;
  cacheControl: string;
  size: number;
  sha256: string;
}

/** dist/ has no manifest seedfeed can read: it was never built (or by another version). */
export class SiteNotBuiltError extends Error {}

/** A file's bytes no longer match the manifest: a build ran while publishing. */
export class SiteChangedError extends Error {}

/** Files a host reads for its configuration; object storage has no use for them. */
const HOST_CONFIGURATION = new Set(["_headers", "_redirects"]);

/** The files of the site in `dir`, in path order. */
export function readSiteFiles(dir: string): SiteFile[] {
  const entries = readManifestEntries(manifestFileOf(dir));
  if (entries.size === 0) throw new SiteNotBuiltError(`${dir}/ has no manifest seedfeed can read: run "seedfeed build" first`);
  const files: SiteFile[] = [];
  for (const e of entries.values()) {
    if (e.kind === "manifest" || HOST_CONFIGURATION.has(e.path)) continue;
    const urlPath = urlPathOf(e.path);
    files.push({ path: e.path, urlPath, key: objectKeyOf(urlPath), kind: e.kind, contentType: e.contentType, cacheControl: e.cacheControl, size: e.size, sha256: e.sha256 });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** A file's bytes, checked against the manifest. */
export async function readSiteFile(dir: string, file: SiteFile): Promise<Buffer> {
  let body: Buffer;
  try {
    body = await readFile(join(dir, file.path));
  } catch (e) {
    throw new SiteChangedError(`${dir}/${file.path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): did a build run while publishing? Run publish again`);
  }
  if (body.length !== file.size || sha256(body) !== file.sha256) throw new SiteChangedError(`${dir}/${file.path} changed while publishing (a build ran): run publish again`);
  return body;
}

// The build pipeline: seeds → articles → rendered files → output set → dist/.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadSeeds } from "./content/load.ts";
import { HEADERS_FILE_PATH, renderHeadersFile } from "./output/headers-file.ts";
import { MANIFEST_PATH, parseManifest, serializeManifest, type ManifestEntry, type ManifestVariant } from "./output/manifest.ts";
import { makeOutputSet, sha256, type PreviousBuild } from "./output/output-set.ts";
import { recoverInterruptedSwap, writeDist } from "./output/write-dist.ts";
import { renderSite } from "./render/site.ts";
import type { Diagnostic, Encoded, OutputFile, ProgressReport, SiteConfig } from "./types.ts";

export interface BuildOptions {
  seedsDir: string;
  outDir: string;
  config: SiteConfig;
  /** Write the valid seeds even when others are invalid. */
  keepGoing?: boolean;
  /** Called as the build goes (at most a few times a second is the caller's business). */
  progress?: ProgressReport;
}

export interface BuildResult {
  articles: number;
  files: OutputFile[];
  diagnostics: Diagnostic[];
  /** False when an invalid seed stopped the build: dist/ was not touched. */
  written: boolean;
  /** Output paths whose bytes differ from the previous dist/ (all of them on a first build). */
  changed: string[];
}

/** The manifest of the last good build, by path; empty when there is none or it cannot be read. */
async function readPreviousManifest(outDir: string): Promise<Map<string, ManifestEntry>> {
  try {
    const m = parseManifest(await readFile(join(outDir, MANIFEST_PATH), "utf8"));
    return new Map(m.files.map((f) => [f.path, f]));
  } catch {
    return new Map();
  }
}

/**
 * The previous dist/ as a cache: an unchanged file's compressed variants are read back (and checked
 * against their recorded sha-256) instead of compressed again. Deleting dist/ only costs time.
 */
export async function previousFromDist(outDir: string): Promise<PreviousBuild> {
  const entries = await readPreviousManifest(outDir);
  const readVariant = async (v: ManifestVariant | undefined): Promise<Encoded | undefined> => {
    if (!v) return undefined;
    const bytes = await readFile(join(outDir, v.path));
    if (bytes.length !== v.size || sha256(bytes) !== v.sha256) throw new Error(`${v.path} changed since it was built`);
    return { bytes, sha256: v.sha256 };
  };
  return {
    entry: (path) => entries.get(path),
    reuse: async (path, sha) => {
      const e = entries.get(path);
      if (!e || e.sha256 !== sha) return undefined;
      try {
        const [br, gzip] = await Promise.all([readVariant(e.br), readVariant(e.gzip)]);
        return { ...(br ? { br } : {}), ...(gzip ? { gzip } : {}) };
      } catch {
        return undefined; // a damaged cache is recompressed, never trusted
      }
    },
  };
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  // First, before dist/ is read as the previous build (or left alone by a failing one): a swap that
  // was cut between its two renames left the last good dist/ beside it; put it back.
  await recoverInterruptedSwap(options.outDir);
  const { articles, diagnostics } = await loadSeeds(options.seedsDir);
  const hasErrors = diagnostics.some((d) => d.severity === "error");
  if (hasErrors && !options.keepGoing) return { articles: articles.length, files: [], diagnostics, written: false, changed: [] };
  const rendered = renderSite(articles, options.config);
  const previous = await previousFromDist(options.outDir);
  const files = await makeOutputSet(rendered, options.config, previous);
  const changed = files.filter((f) => previous.entry(f.path)?.sha256 !== f.sha256).map((f) => f.path);
  await writeDist(options.outDir, files, [
    { path: MANIFEST_PATH, bytes: serializeManifest(files) },
    { path: HEADERS_FILE_PATH, bytes: renderHeadersFile(files) },
  ]);
  return { articles: articles.length, files, diagnostics, written: true, changed };
}

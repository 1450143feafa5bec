// The build pipeline: seeds → article metadata → site plan → output files → dist/.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { codeVersion } from "./code-version.ts";
import { readArticle, seedVersion } from "./content/read-article.ts";
import { scanSeeds } from "./content/scan.ts";
import { readSeedIndex, seedIndexFile, writeSeedIndex } from "./content/seed-index.ts";
import { HEADERS_FILE_PATH, renderHeadersFile } from "./output/headers-file.ts";
import { MANIFEST_PATH, readManifestEntries, serializeManifest, type ManifestEntry } from "./output/manifest.ts";
import { BodyCache, changesFrom, produceOutputs } from "./output/output-set.ts";
import { sha256 } from "./hash.ts";
import { StagePool } from "./output/stage-pool.ts";
import { lockDist, recoverInterruptedSwap, Staging } from "./output/write-dist.ts";
import { planSite } from "./render/plan.ts";
import type { Diagnostic, ProgressReport, SiteConfig } from "./types.ts";

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
  /** Every file of the build, as its manifest describes it (empty when nothing was written). */
  files: ManifestEntry[];
  diagnostics: Diagnostic[];
  /** False when an invalid seed stopped the build: dist/ was not touched. */
  written: boolean;
  /** Output paths whose bytes differ from the previous dist/, or that are gone (all of them on a first build). */
  changed: string[];
}

/** The config and seedfeed's code, in one key: a change of either makes every output new. */
export function siteKeyOf(config: SiteConfig): string {
  return sha256(`${codeVersion()}\n${JSON.stringify(config)}`).slice(0, 32);
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const lock = lockDist(options.outDir);
  // Started first: the workers start up while the seeds are scanned.
  const pool = new StagePool();
  try {
    return await buildLocked(options, pool);
  } finally {
    await pool.close();
    lock.release();
  }
}

async function buildLocked(options: BuildOptions, pool: StagePool): Promise<BuildResult> {
  const { seedsDir, outDir, config } = options;
  // First, before dist/ is read as the previous build (or left alone by a failing one): a build that
  // was killed mid-swap left the last good dist/ beside it; put it back.
  recoverInterruptedSwap(outDir);
  const index = readSeedIndex(outDir, seedsDir);
  const scan = await scanSeeds(seedsDir, index, { progress: options.progress });
  // Rewritten only when it changed: at 100,000 articles it is about 70 MB.
  if (scan.indexChanged || !existsSync(seedIndexFile(outDir))) await writeSeedIndex(outDir, seedsDir, index);
  const hasErrors = scan.diagnostics.some((d) => d.severity === "error");
  const result = { articles: scan.metas.length, diagnostics: scan.diagnostics };
  if (hasErrors && !options.keepGoing) return { ...result, files: [], written: false, changed: [] };

  const staging = Staging.open(outDir, pool);
  try {
    const previous = readManifestEntries(join(outDir, MANIFEST_PATH));
    const plan = planSite(scan.metas, config);
    const produced = await produceOutputs(plan, {
      config,
      siteKey: siteKeyOf(config),
      previous,
      versionOf: (m) => seedVersion(index, m),
      bodies: new BodyCache((m) => readArticle(seedsDir, index, m), config),
      stage: (f) => staging.write(f),
      progress: options.progress,
    });
    await staging.flush();
    const { changes, gone } = changesFrom(produced.entries, previous);
    await staging.commit({ changes, previous, files: produced.entries.length }, [
      { path: MANIFEST_PATH, bytes: serializeManifest(produced.entries) },
      { path: HEADERS_FILE_PATH, bytes: renderHeadersFile(produced.entries) },
    ]);
    return { ...result, files: produced.entries, written: true, changed: [...produced.changed, ...gone].sort() };
  } catch (e) {
    await staging.abort();
    throw e;
  }
}

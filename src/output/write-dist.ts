// OutputFile[] → dist/, atomically: everything is written into a fresh sibling folder, which is swapped
// in by rename only once complete. A crash or kill mid-build leaves the previous dist/ as it was.

import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { mapLimit } from "../concurrency.ts";
import type { OutputFile } from "../types.ts";
import { VARIANT_SUFFIX } from "./manifest.ts";

const WRITE_CONCURRENCY = 16;

export interface ExtraFile {
  path: string;
  bytes: Buffer | string;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Leftovers of a build that was killed: a half-written staging folder, or a swap cut between its two renames. */
export async function recoverInterruptedSwap(outDir: string): Promise<void> {
  const out = resolve(outDir);
  const parent = dirname(out);
  const prefix = `.${basename(out)}.`;
  const leftovers = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
  const previous = leftovers.filter((n) => n.startsWith(`${prefix}previous-`));
  if (!(await exists(out)) && previous.length > 0) await rename(join(parent, previous.at(-1)!), out);
  for (const n of leftovers) await rm(join(parent, n), { recursive: true, force: true });
}

export async function writeDist(outDir: string, files: readonly OutputFile[], extras: readonly ExtraFile[]): Promise<void> {
  const out = resolve(outDir);
  const parent = dirname(out);
  await mkdir(parent, { recursive: true });
  await recoverInterruptedSwap(out);
  const staging = await mkdtemp(join(parent, `.${basename(out)}.staging-`));
  try {
    await chmod(staging, 0o755); // mkdtemp makes it private; dist/ is meant to be published
    const writes: ExtraFile[] = [...extras];
    for (const f of files) {
      writes.push({ path: f.path, bytes: f.bytes });
      if (f.br) writes.push({ path: f.path + VARIANT_SUFFIX.br, bytes: f.br.bytes });
      if (f.gzip) writes.push({ path: f.path + VARIANT_SUFFIX.gzip, bytes: f.gzip.bytes });
    }
    const dirs = [...new Set(writes.map((w) => dirname(join(staging, w.path))))].sort();
    for (const d of dirs) await mkdir(d, { recursive: true });
    await mapLimit(writes, WRITE_CONCURRENCY, (w) => writeFile(join(staging, w.path), w.bytes));
    // Two renames: the old folder steps aside, the new one steps in. Readers holding the manifest in
    // memory (the server) are unaffected; recoverInterruptedSwap mends a kill between the two.
    const previous = `${join(parent, `.${basename(out)}.previous-`)}${basename(staging).split("-").at(-1)}`;
    const hadPrevious = await exists(out);
    if (hadPrevious) await rename(out, previous);
    await rename(staging, out);
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

// Seed folders and output trees as real files.

import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const REPO_SEEDS = join(REPO_ROOT, "seeds");

/** Writes each named seed (path relative to `dir`, folders made as needed). */
export async function writeSeeds(dir: string, seeds: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(seeds)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

/** A copy of the repository's seeds/ in `dir`, plus `extra` seeds. */
export async function copyRepoSeeds(dir: string, extra: Record<string, string | Uint8Array> = {}): Promise<void> {
  await cp(REPO_SEEDS, dir, { recursive: true });
  await writeSeeds(dir, extra);
}

/** A seed in the text format. */
export function textSeed(o: { date: string; n?: number; title: string; paragraphs: string[] }): string {
  return ` date ${o.date} ${o.n ?? 1}\n${o.title}\n${o.paragraphs.join("\n")}\n`;
}

/** A Markdown seed; the front matter is given as YAML lines, verbatim. */
export function markdownSeed(frontMatter: string[], body: string): string {
  return `---\n${frontMatter.join("\n")}\n---\n${body}`;
}

/** Every file under `dir` by relative path (forward slashes), with its bytes. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.set(relative(dir, full).split("\\").join("/"), await readFile(full));
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Paths whose bytes differ, or that exist on one side only. */
export function treeDifferences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => {
    const x = a.get(p);
    const y = b.get(p);
    return !x || !y || !x.equals(y);
  });
}

// Seed folders and output trees as real files.

import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDirOf } from "../../src/cache-dir.ts";

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

/** Where readBuild files what a build keeps beside dist/ (manifest.json, the variants): not a path in dist/. */
export const BESIDE = "(beside dist)/";
/** The manifest's key in readBuild's map. */
export const MANIFEST_KEY = `${BESIDE}manifest.json`;

/**
 * What a build wrote: dist/'s files (readTree), and beside it the manifest and the precompressed variants
 * under BESIDE ("(beside dist)/manifest.json", "(beside dist)/encoded/<name>"). The seed index is left
 * out: it records file stamps, which differ between any two copies of the seeds.
 */
export async function readBuild(out: string): Promise<Map<string, Buffer>> {
  const files = await readTree(out);
  const cache = cacheDirOf(out);
  if (existsSync(join(cache, "manifest.json"))) files.set(MANIFEST_KEY, await readFile(join(cache, "manifest.json")));
  if (existsSync(join(cache, "encoded"))) for (const [name, bytes] of await readTree(join(cache, "encoded"))) files.set(`${BESIDE}encoded/${name}`, bytes);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A copy of a build: dist/ and what it keeps beside it, for another output folder. */
export async function copyBuild(fromOut: string, toOut: string): Promise<void> {
  await cp(fromOut, toOut, { recursive: true });
  if (existsSync(cacheDirOf(fromOut))) await cp(cacheDirOf(fromOut), cacheDirOf(toOut), { recursive: true });
}

/**
 * Everything under `dir`, folders and links too, by relative path: a file by its sha-256, a folder as
 * "folder", a link by its target. Two equal listings mean nothing was added, removed or changed.
 */
export function listTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const full = join(dir, path);
      const st = lstatSync(full);
      if (st.isDirectory()) {
        out.set(path, "folder");
        walk(path);
      } else if (st.isSymbolicLink()) out.set(path, `link to ${readlinkSync(full)}`);
      else out.set(path, createHash("sha256").update(readFileSync(full)).digest("hex"));
    }
  };
  walk("");
  return out;
}

// Output files → dist/, so that a failed or killed build never leaves a dist/ that is neither the old
// build nor the new one. New bytes go into a staging folder beside dist/ first. A first or clean build
// then swaps the whole folder in by rename. An incremental build moves only its new files into dist/:
// it first writes a journal of every move and deletion, and the journal is the commit point; a build
// killed after it is finished by the next one (roll forward), one killed before it leaves dist/ as it was.
// manifest.json and _headers describe the other files, so they are written after them: a kill before
// they are complete removes their old copies (the next build then renders everything: only time lost).

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { StagedFile, StageRequest } from "../types.ts";
import type { ManifestEntry } from "./manifest.ts";
import type { StagePool } from "./stage-pool.ts";

const JOURNAL = ".journal.json";

/** How much of an extra file goes to the thread pool in one write. */
const EXTRA_BATCH_BYTES = 4 << 20;

interface Journal {
  moves: string[];
  deletes: string[];
  /** Files written into the staging folder after the moves (manifest.json, _headers). */
  extras: string[];
}

/** A build's changes to dist/: by path, each changed file's new entry (undefined: gone). */
export interface DistUpdate {
  changes: ReadonlyMap<string, ManifestEntry | undefined>;
  /** The entries of dist/ now (at least those of the changed paths). */
  previous: ReadonlyMap<string, ManifestEntry>;
  /** How many files the new build has: when every one was staged, the whole folder is swapped in. */
  files: number;
}

/** A file written last, from one buffer or from chunks (a large manifest is never one string). */
export interface ExtraFile {
  path: string;
  bytes: Buffer | string | Iterable<string | Buffer>;
}

function siblings(out: string): { parent: string; prefix: string } {
  return { parent: dirname(out), prefix: `.${basename(out)}.` };
}

function physicalPaths(e: ManifestEntry): string[] {
  return [e.path, ...(e.br ? [e.br.path] : []), ...(e.gzip ? [e.gzip.path] : [])];
}

/** Moves staged files into dist/; safe to run again after a kill (moves already made are skipped). */
function moveIntoPlace(staging: string, out: string, paths: readonly string[]): void {
  const made = new Set<string>();
  for (const p of paths) {
    const dir = dirname(join(out, p));
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    try {
      renameSync(join(staging, p), join(out, p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // moved before a kill
    }
  }
}

/** Carries out a committed journal's moves and deletions. */
function applyJournal(staging: string, out: string, journal: Journal): void {
  moveIntoPlace(staging, out, journal.moves);
  for (const p of journal.deletes) {
    rmSync(join(out, p), { force: true });
    // Folders emptied by the deletion (an article's) go too; a folder still in use refuses.
    for (let dir = dirname(join(out, p)); dir.startsWith(out + "/"); dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
}

/** Finishes what a staging folder's journal committed to, if it has one (a build stopped after its commit point). */
function finishJournal(staging: string, out: string): void {
  if (!existsSync(join(staging, JOURNAL)) || !existsSync(out)) return;
  const journal = JSON.parse(readFileSync(join(staging, JOURNAL), "utf8")) as Journal;
  applyJournal(staging, out, journal);
  // An extra is in the staging folder under its own name only once complete (writeExtra renames it
  // there); without it, dist/ would keep an old manifest that no longer describes its files.
  for (const x of journal.extras) {
    if (existsSync(join(staging, x))) moveIntoPlace(staging, out, [x]);
    else rmSync(join(out, x), { force: true });
  }
}

/** Another seedfeed process is writing this output folder. */
export class DistBusyError extends Error {}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims dist/ for one writer: a folder beside it (`.dist-lock/`, made atomically) holding the owner's
 * pid. Two builds, or `dev` and a build, writing one dist/ at once would each take the other's staging
 * folder for a killed build's leftovers. A lock whose owner is gone (killed) is taken over.
 */
export function lockDist(outDir: string): { release(): void } {
  const out = resolve(outDir);
  const lock = join(dirname(out), `.${basename(out)}-lock`);
  mkdirSync(dirname(out), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      return { release: () => rmSync(lock, { recursive: true, force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let pid = 0;
      try {
        pid = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // its owner has made the folder and not yet written its pid
      }
      const known = Number.isInteger(pid) && pid > 0;
      // A lock without a pid is only abandoned once it is old: its owner may be between its two steps.
      const abandoned = known ? pid !== process.pid && !isRunning(pid) : Date.now() - statSync(lock).mtimeMs > 10_000;
      if (attempt === 0 && abandoned) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      throw new DistBusyError(`${outDir}/ is being written by another seedfeed (pid ${pid || "unknown"}): wait for it, stop it, or build into another --out`);
    }
  }
}

/** Leftovers of a build that was killed: a staging folder (finished if its journal was written), or a swap cut between its two renames. */
export function recoverInterruptedSwap(outDir: string): void {
  const out = resolve(outDir);
  const { parent, prefix } = siblings(out);
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return;
  }
  const previous = names.filter((n) => n.startsWith(`${prefix}previous-`));
  if (!existsSync(out) && previous.length > 0) renameSync(join(parent, previous.at(-1)!), out);
  for (const n of names) {
    const path = join(parent, n);
    if (n.startsWith(`${prefix}staging-`)) finishJournal(path, out);
    rmSync(path, { recursive: true, force: true });
  }
}

/** A staging folder beside dist/ that new files are written into (by the stage workers) as they are made. */
export class Staging {
  /** Output files (not variants) written here: all of them means the whole folder can be swapped in. */
  private readonly staged: string[] = [];
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  private constructor(readonly out: string, readonly dir: string, private readonly pool: StagePool) {}

  /** Call recoverInterruptedSwap first: a killed build's leftovers beside dist/ are finished or removed there. */
  static open(outDir: string, pool: StagePool): Staging {
    const out = resolve(outDir);
    mkdirSync(dirname(out), { recursive: true });
    const dir = mkdtempSync(join(dirname(out), `.${basename(out)}.staging-`));
    chmodSync(dir, 0o755); // mkdtemp makes it private; dist/ is meant to be published
    return new Staging(out, dir, pool);
  }

  /** Hashes, compresses and writes one rendered file; writes nothing when its bytes are `previousSha`'s. */
  async write(file: Omit<StageRequest, "id" | "dir">): Promise<StagedFile> {
    this.inFlight++;
    try {
      const staged = await this.pool.stage({ ...file, dir: this.dir });
      if (staged.written) this.staged.push(file.path);
      return staged;
    } finally {
      if (--this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Resolves when every file handed to `write` is written (or has failed: `write` reports that). */
  async flush(): Promise<void> {
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Makes the staged files dist/. The files are moved in synchronously, and `onFilesInPlace` runs right
   * after them in the same step (watch mode swaps its server's site there: no request is answered in
   * between). The extras (manifest.json, _headers) describe the other files, so they come last, written
   * through the thread pool while the new files are already served. Call `flush` first.
   */
  async commit(update: DistUpdate, extras: readonly ExtraFile[], onFilesInPlace?: () => void): Promise<void> {
    if (this.inFlight > 0) throw new Error("commit before flush");
    const { changes, previous } = update;
    if (this.staged.length === update.files || !existsSync(this.out)) {
      for (const x of extras) await this.writeExtra(x);
      this.swapWholeFolder();
      onFilesInPlace?.();
      return;
    }
    // What dist/ holds and the new build does not: files gone, and variants a changed file no longer has.
    const deletes: string[] = [];
    for (const [path, now] of changes) {
      const before = previous.get(path);
      if (!before) continue;
      const kept = new Set(now ? physicalPaths(now) : []);
      for (const p of physicalPaths(before)) if (!kept.has(p)) deletes.push(p);
    }
    // The staged files with their variants, as the new entries name them.
    const moves = this.staged.flatMap((p) => physicalPaths(changes.get(p)!));
    const journal: Journal = { moves, deletes: deletes.sort(), extras: extras.map((x) => x.path) };
    writeFileSync(join(this.dir, `${JOURNAL}.tmp`), JSON.stringify(journal));
    renameSync(join(this.dir, `${JOURNAL}.tmp`), join(this.dir, JOURNAL)); // the commit point
    applyJournal(this.dir, this.out, journal);
    onFilesInPlace?.();
    for (const x of extras) await this.writeExtra(x);
    moveIntoPlace(this.dir, this.out, journal.extras);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Writes an extra file into the staging folder under a temporary name, renamed once complete. The
   * writes go through the thread pool, a few MB at a time: in watch mode the server answers from the
   * new files meanwhile, and a 67 MB manifest written synchronously held every request up behind it.
   */
  private async writeExtra(x: ExtraFile): Promise<void> {
    const file = join(this.dir, x.path);
    const chunks = typeof x.bytes === "string" || Buffer.isBuffer(x.bytes) ? [x.bytes] : x.bytes;
    const handle = await open(`${file}.tmp`, "w");
    try {
      let batch: Buffer[] = [];
      let batchBytes = 0;
      for (const chunk of chunks) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        batch.push(bytes);
        batchBytes += bytes.length;
        if (batchBytes >= EXTRA_BATCH_BYTES) {
          await handle.writev(batch);
          batch = [];
          batchBytes = 0;
        }
      }
      if (batch.length > 0) await handle.writev(batch);
    } finally {
      await handle.close();
    }
    renameSync(`${file}.tmp`, file);
  }

  /** Two renames: the old folder steps aside, the new one steps in; recoverInterruptedSwap mends a kill between them. */
  private swapWholeFolder(): void {
    const previous = `${join(dirname(this.out), `.${basename(this.out)}.previous-`)}${basename(this.dir).split("-").at(-1)}`;
    const hadPrevious = existsSync(this.out);
    if (hadPrevious) renameSync(this.out, previous);
    renameSync(this.dir, this.out);
    if (hadPrevious) rmSync(previous, { recursive: true, force: true });
  }

  /**
   * Waits for the writes in flight (they would make the folder again), then removes the staging folder;
   * past the commit point (a failure while writing the extras), what the journal promised is finished first.
   */
  async abort(): Promise<void> {
    await this.flush();
    finishJournal(this.dir, this.out);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

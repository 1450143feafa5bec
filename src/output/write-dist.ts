// Output files → dist/, so that a failed or killed build never leaves a dist/ that is neither the old
// build nor the new one, nor a manifest.json that describes another dist/ than the one beside it. New
// bytes go into a staging folder beside dist/ first. A first or clean build then swaps the whole folder
// in by rename; an incremental build moves only its new files into dist/. Either way a commit record in
// the cache folder (commit.json) is the commit point: a build killed after it is finished by the next
// one (roll forward), one killed before it leaves dist/ and its manifest as they were.
// manifest.json (in the cache folder) and _headers (in dist/) describe the other files: the old manifest
// is removed at the commit point and the new one put in place once the files are, so a kill in between
// leaves no manifest (the next build renders everything, the server keeps its site), never a wrong one.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { cacheDirOf } from "../cache-dir.ts";
import { OneLineError, fsError, withPath } from "../fs-errors.ts";
import { replaceFile, replaceFileSync, type Chunks } from "../replace-file.ts";
import type { StagedFile, StageRequest } from "../types.ts";
import { encodedDirOf, manifestFileOf, type ManifestEntry } from "./manifest.ts";
import type { StagePool } from "./stage-pool.ts";

/** What a commit does, written before it does it (the commit point), in the cache folder. */
interface CommitRecord {
  /** The staging folder's name, beside dist/. */
  staging: string;
  /** True: the staging folder becomes dist/ whole. False: `moves` go into dist/ and `deletes` leave it. */
  swap: boolean;
  moves: string[];
  deletes: string[];
  /** The path of _headers in dist/ (and in the staging folder). */
  headers: string;
}

/** A build's changes to dist/: by path, each changed file's new entry (undefined: gone). */
export interface DistUpdate {
  changes: ReadonlyMap<string, ManifestEntry | undefined>;
  /** The entries of dist/ now (at least those of the changed paths). */
  previous: ReadonlyMap<string, ManifestEntry>;
  /** How many files the new build has: when every one was staged, the whole folder is swapped in. */
  files: number;
}

/** What describes the other files: dist/_headers, and manifest.json beside dist/. */
export interface Descriptions {
  headers: { path: string; bytes: Chunks };
  manifest: Chunks;
}

function siblings(out: string): { parent: string; prefix: string } {
  return { parent: dirname(out), prefix: `.${basename(out)}.` };
}

const commitFileOf = (out: string) => join(cacheDirOf(out), "commit.json");
const nextManifestOf = (out: string) => `${manifestFileOf(out)}.next`;

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

/** Carries out an incremental commit's moves and deletions. */
function applyMoves(staging: string, out: string, record: CommitRecord): void {
  moveIntoPlace(staging, out, record.moves);
  for (const p of record.deletes) {
    rmSync(join(out, p), { force: true });
    // Folders emptied by the deletion (a tag's) go too; a folder still in use refuses.
    for (let dir = dirname(join(out, p)); dir.startsWith(out + "/"); dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        break;
      }
    }
  }
}

/** Where a swap puts the old dist/ aside, until it is removed. */
function previousOf(staging: string, out: string): string {
  const { parent, prefix } = siblings(out);
  return join(parent, `${prefix}previous-${basename(staging).split("-").at(-1)}`);
}

/** Two renames: the old folder steps aside, the staged one steps in; a kill between them is finished by finishCommit. */
function swapIn(staging: string, out: string): void {
  if (!existsSync(staging)) return; // swapped before a kill
  if (existsSync(out)) renameSync(out, previousOf(staging, out));
  renameSync(staging, out);
}

/**
 * Finishes a commit whose record was written (the build was stopped after its commit point): the files
 * go in, _headers if it was complete (else the old one goes: it may not describe the files), and the new
 * manifest if it was complete (else none: the next build renders everything).
 */
function finishCommit(out: string): void {
  const file = commitFileOf(out);
  if (!existsSync(file)) return;
  const record = JSON.parse(readFileSync(file, "utf8")) as CommitRecord;
  const staging = join(dirname(out), record.staging);
  if (record.swap) swapIn(staging, out);
  else {
    applyMoves(staging, out, record);
    if (existsSync(join(staging, record.headers))) moveIntoPlace(staging, out, [record.headers]);
    else rmSync(join(out, record.headers), { force: true });
  }
  if (existsSync(nextManifestOf(out))) renameSync(nextManifestOf(out), manifestFileOf(out));
  else rmSync(manifestFileOf(out), { force: true });
  rmSync(file, { force: true });
}

/** Another seedfeed process is writing this output folder. */
export class DistBusyError extends OneLineError {}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface DistLock {
  /** Gives dist/ up; after a failed run also removes the folders above dist/ that taking the lock made. */
  release(failed: boolean): void;
}

/**
 * Removes `dir` and the folders above it up to `top`, each only if it is empty (one that was never made
 * is passed over); quietly: a failure is being reported.
 */
function removeEmptyFolders(dir: string, top: string): void {
  for (;; dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      if (existsSync(dir)) return;
    }
    if (dir === top) return;
  }
}

/**
 * Makes `dir` and the folders above it that are missing; returns the topmost one it made. A failure
 * part way (a name too long further down) removes what it made.
 */
function makeFolders(dir: string): string | undefined {
  let top: string | undefined;
  for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) top = d;
  if (!top) return undefined;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    removeEmptyFolders(dir, top);
    throw e;
  }
  return top;
}

/**
 * Claims dist/ for one writer: a folder beside it (`.dist-lock/`, made atomically) holding the owner's
 * pid. Two builds, or `dev` and a build, writing one dist/ at once would each take the other's staging
 * folder for a killed build's leftovers. A lock whose owner is gone (killed) is taken over. The folders
 * above dist/ are made if missing, and removed again by a failed run: it leaves nothing behind.
 */
export function lockDist(outDir: string): DistLock {
  const out = resolve(outDir);
  const parent = dirname(out);
  const lock = join(parent, `.${basename(out)}-lock`);
  // A file where the output folder should be would be swapped away and deleted with the previous build.
  if (statSync(out, { throwIfNoEntry: false })?.isDirectory() === false) throw fsError("ENOTDIR", "build into", out, "not a directory");
  const made = makeFolders(parent);
  const undoParents = () => made && removeEmptyFolders(parent, made);
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        undoParents();
        throw e;
      }
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
    // Without listing the folder: out of open files, a recursive removal could not open it.
    const release = (failed: boolean) => {
      rmSync(join(lock, "pid"), { force: true });
      rmdirSync(lock);
      if (failed) undoParents();
    };
    try {
      writeFileSync(join(lock, "pid"), String(process.pid));
    } catch (e) {
      release(true); // a full disk: no pid, so no lock either (a partly written pid file goes too)
      throw withPath(e, join(lock, "pid"));
    }
    return { release };
  }
}

/**
 * Leftovers of a build that was killed: a commit whose record was written is finished; anything else
 * (staging folders, a half-written manifest, the previous dist/ of a finished swap) is removed.
 */
export function recoverInterruptedSwap(outDir: string): void {
  const out = resolve(outDir);
  finishCommit(out);
  const { parent, prefix } = siblings(out);
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return;
  }
  // Without a commit record, the previous dist/ of a swap cut between its renames goes back.
  const previous = names.filter((n) => n.startsWith(`${prefix}previous-`));
  if (!existsSync(out) && previous.length > 0) renameSync(join(parent, previous.at(-1)!), out);
  for (const n of names) rmSync(join(parent, n), { recursive: true, force: true });
  for (const f of [`${manifestFileOf(out)}.tmp`, nextManifestOf(out), `${nextManifestOf(out)}.tmp`, `${commitFileOf(out)}.tmp`]) rmSync(f, { force: true });
}

/** A staging folder beside dist/ that new files are written into (by the stage workers) as they are made. */
export class Staging {
  /** Output files written here: all of them means the whole folder can be swapped in. */
  private readonly staged: string[] = [];
  /** Variants the workers created in the cache folder for this build: an aborted build removes them. */
  private readonly newVariants: string[] = [];
  /** True once the commit has changed dist/: from then on the build is finished, never undone. */
  private committed = false;
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  private constructor(readonly out: string, readonly dir: string, private readonly pool: StagePool) {}

  /** Call recoverInterruptedSwap first: a killed build's leftovers beside dist/ are finished or removed there. */
  static open(outDir: string, pool: StagePool): Staging {
    const out = resolve(outDir);
    mkdirSync(encodedDirOf(out), { recursive: true });
    const dir = mkdtempSync(join(dirname(out), `.${basename(out)}.staging-`));
    chmodSync(dir, 0o755); // mkdtemp makes it private; dist/ is meant to be published
    return new Staging(out, dir, pool);
  }

  /** Hashes, compresses and writes one rendered file; writes nothing when its bytes are `previousSha`'s. */
  async write(file: Omit<StageRequest, "id" | "dir" | "encodedDir">): Promise<StagedFile> {
    this.inFlight++;
    try {
      const staged = await this.pool.stage({ ...file, dir: this.dir, encodedDir: encodedDirOf(this.out) });
      if (staged.written) this.staged.push(file.path);
      if (staged.newVariants) this.newVariants.push(...staged.newVariants);
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
   * Makes the staged files dist/. The files go in synchronously, and `onFilesInPlace` runs right after
   * them in the same step (watch mode swaps its server's site there: no request is answered in between).
   * A swap writes the descriptions first (a clean build is not in a hurry); an incremental commit writes
   * them after the files, through the thread pool, while the new files are already served (a 67 MB
   * manifest written before them held an edit's feed back). Call `flush` first.
   */
  async commit(update: DistUpdate, descriptions: Descriptions, onFilesInPlace?: () => void): Promise<void> {
    if (this.inFlight > 0) throw new Error("commit before flush");
    const swap = this.staged.length === update.files || !existsSync(this.out);
    const record: CommitRecord = { staging: basename(this.dir), swap, moves: [], deletes: [], headers: descriptions.headers.path };
    if (swap) {
      await replaceFile(join(this.dir, descriptions.headers.path), descriptions.headers.bytes);
      await replaceFile(nextManifestOf(this.out), descriptions.manifest);
    } else {
      // What dist/ holds and the new build does not.
      for (const [path, now] of update.changes) if (!now && update.previous.has(path)) record.deletes.push(path);
      record.deletes.sort();
      record.moves = this.staged;
    }
    this.writeRecord(record); // the commit point
    try {
      this.firstChange(record);
    } catch (e) {
      // dist/ is as it was (a read-only dist/, one owned by another user, a mount point): no commit.
      rmSync(commitFileOf(this.out), { force: true });
      throw e;
    }
    this.committed = true;
    rmSync(manifestFileOf(this.out), { force: true });
    if (swap) swapIn(this.dir, this.out);
    else applyMoves(this.dir, this.out, record);
    onFilesInPlace?.();
    if (!swap) {
      await replaceFile(join(this.dir, descriptions.headers.path), descriptions.headers.bytes);
      await replaceFile(nextManifestOf(this.out), descriptions.manifest);
    }
    finishCommit(this.out);
    this.removeLeftovers();
  }

  private writeRecord(record: CommitRecord): void {
    replaceFileSync(commitFileOf(this.out), JSON.stringify(record));
  }

  /**
   * The commit's first change to dist/, alone: the old folder stepping aside, or the first move or
   * deletion. A fault of the file system under dist/ shows here, while dist/ can still be left as it was;
   * the rest of the commit (the same kind of step, repeated) skips what is done.
   */
  private firstChange(record: CommitRecord): void {
    if (record.swap) renameSync(...(existsSync(this.out) ? ([this.out, previousOf(this.dir, this.out)] as const) : ([this.dir, this.out] as const)));
    else if (record.moves.length > 0) moveIntoPlace(this.dir, this.out, record.moves.slice(0, 1));
    else if (record.deletes.length > 0) rmSync(join(this.out, record.deletes[0]!), { force: true });
  }

  /** The staging folder (an incremental commit's, emptied by its moves) and the previous dist/ of a swap. */
  private removeLeftovers(): void {
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(previousOf(this.dir, this.out), { recursive: true, force: true });
  }

  /**
   * Waits for the writes in flight (they would make the folder again), then removes the staging folder;
   * past the commit point (a failure while writing the descriptions), what the record promised is finished first.
   * Before it, the variants this build added to the cache folder go too: a failed build leaves nothing new.
   */
  async abort(): Promise<void> {
    await this.flush();
    finishCommit(this.out);
    this.removeLeftovers();
    rmSync(nextManifestOf(this.out), { force: true });
    if (!this.committed) for (const name of this.newVariants) rmSync(join(encodedDirOf(this.out), name), { force: true });
  }
}

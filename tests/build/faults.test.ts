// File-system faults a user can cause, made for real: a full tmpfs, a read-only mount, another user's
// folders, an open-file limit, a file where a folder belongs, a name too long, a link loop. Each ends in
// exit 3 and one line on stderr naming the path and the fault, with no stack trace; the previous dist/
// byte for byte as it was, and nothing beside it that was not there before (no staging folder, cache,
// lock, temporary file or parent folder). Faults this machine cannot make (not root, mount refused) are
// skipped with the reason printed, never passed.

import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statfsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, it, type ExpectStatic } from "vitest";
import { cacheDirOf } from "../../src/cache-dir.ts";
import { manifestFileOf } from "../../src/output/manifest.ts";
import { expectOneLine, runCli, type CliResult } from "../helpers/cli.ts";
import { copyRepoSeeds, listTree, textSeed, writeSeeds } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs("seedfeed-faults-");

const NOBODY = 65534;
/** Runs node as user nobody: root passes every permission check, so denial needs another user. */
const AS_NOBODY = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];

/** Why this machine cannot make a fault that needs root, or undefined. */
function whyNotRoot(): string | undefined {
  if (process.getuid?.() !== 0) return "not running as root";
  try {
    execFileSync("setpriv", ["--version"], { stdio: "ignore" });
  } catch {
    return "setpriv (util-linux) is not installed";
  }
  return undefined;
}

/** Why this machine cannot mount a tmpfs (a container without CAP_SYS_ADMIN), or undefined. */
function whyNoMount(): string | undefined {
  const notRoot = whyNotRoot();
  if (notRoot) return notRoot;
  const dir = mkdtempSync("/tmp/seedfeed-mount-probe-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stdio: "pipe" });
    execFileSync("umount", [dir]);
    return undefined;
  } catch (e) {
    return `mount -t tmpfs is not permitted here (${String((e as { stderr?: Buffer }).stderr ?? e).trim()})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const notRoot = whyNotRoot();
const noMount = whyNoMount();
if (notRoot) console.log(`faults.test.ts: the tests as another user are skipped: ${notRoot}`);
if (noMount) console.log(`faults.test.ts: the tests on a full or read-only file system are skipped: ${noMount}`);

// Unmounted even when a test failed, before the temporary folders holding the mount points are removed
// (after-hooks run last-registered first).
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync("umount", ["-l", m], { stdio: "ignore" });
    } catch {
      // already gone
    }
  }
});

function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=755`, "tmpfs", dir]);
  mounts.push(dir);
}

/** A folder for one test, readable by every user (mkdtemp makes it private). */
async function testRoot(): Promise<string> {
  const root = await tmp.make();
  chmodSync(root, 0o755);
  return root;
}

/** Seed text articles of about `kib` KiB each: enough of them make a site larger than a small disk. */
function largeSeeds(count: number, kib: number): Record<string, string> {
  const seeds: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const paragraphs = Array.from({ length: kib * 4 }, (_, p) => `Paragraph ${p} of article ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(5)}`);
    const day = String(1 + (i % 28)).padStart(2, "0");
    seeds[`${String(100 + i)}_${(0xa000000000000000n + BigInt(i)).toString(16)}.txt`] = textSeed({ date: `2025-03-${day}`, title: `Large article ${i}`, paragraphs });
  }
  return seeds;
}

async function seedsIn(root: string, extra: Record<string, string> = {}): Promise<string> {
  const seeds = join(root, "seeds");
  await copyRepoSeeds(seeds, extra);
  return seeds;
}

async function build(seeds: string, out: string, expect: ExpectStatic, prefix?: string[]): Promise<void> {
  const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet"], prefix ? { prefix } : {});
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

/**
 * A listing of `dir` (listTree) in which the seed index counts by its name only: a failed build may have
 * brought it up to date (it records what the seeds are, not what dist/ holds), as a build with invalid
 * seeds does.
 */
function listing(dir: string): Map<string, string> {
  return new Map([...listTree(dir)].map(([path, what]) => [path, path.endsWith("-cache/seeds.json") ? "the seed index" : what]));
}

/**
 * The fault's one line: exit 3, "seedfeed <command>: cannot … <path> …: … (<code>): <what to do>" on
 * one line, no stack frame; and `watched` (the folder around dist/) listed exactly as before the run.
 */
function expectFault(expect: ExpectStatic, r: CliResult, o: { command: string; codes: string[]; path: string; watched: string; before: Map<string, string> }): void {
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr.endsWith("\n") && r.stderr.indexOf("\n") === r.stderr.length - 1, r.stderr).toBe(true);
  const line = r.stderr.trimEnd();
  expect(line.startsWith(`seedfeed ${o.command}: cannot `), line).toBe(true);
  expect(line).toContain(o.path);
  expect(line).toMatch(new RegExp(`\\((${o.codes.join("|")})\\): \\S`));
  expect(r.stderr).not.toMatch(/^\s*at /m);
  expect(listing(o.watched)).toEqual(o.before);
}

describe.concurrent("build: a path seedfeed cannot use", () => {
  it("a file where a folder belongs (ENOTDIR): in --out's parents, as --out itself (the file is kept), as --seeds", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    writeFileSync(join(root, "notes.txt"), "mine\n");
    const before = listing(root);
    for (const [args, path] of [
      [["--seeds", seeds, "--out", join(root, "notes.txt", "dist")], join(root, "notes.txt")],
      [["--seeds", seeds, "--out", join(root, "notes.txt")], join(root, "notes.txt")],
      [["--seeds", join(root, "notes.txt"), "--out", join(root, "dist")], join(root, "notes.txt")],
    ] as const) {
      const r = await runCli(["build", ...args, "--quiet"]);
      expectFault(expect, r, { command: "build", codes: ["ENOTDIR"], path, watched: root, before });
    }
  });

  it("a 300-character name (ENAMETOOLONG) under parent folders to make: none of them is left", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const before = listing(root);
    const out = join(root, "new", "sub", "n".repeat(300), "dist");
    const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet"]);
    expectFault(expect, r, { command: "build", codes: ["ENAMETOOLONG"], path: join(root, "new", "sub"), watched: root, before });
  });

  it("a symbolic link that leads to itself (ELOOP), in --out and as --seeds", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    symlinkSync("loop", join(root, "loop"));
    const before = listing(root);
    for (const args of [["--seeds", seeds, "--out", join(root, "loop", "dist")], ["--seeds", join(root, "loop"), "--out", join(root, "dist")]]) {
      const r = await runCli(["build", ...args, "--quiet"]);
      expectFault(expect, r, { command: "build", codes: ["ELOOP"], path: join(root, "loop"), watched: root, before });
    }
  });

  it("a missing seeds folder (ENOENT) is a fault, not an invalid seed: exit 3, and no output folders made", async ({ expect }) => {
    const root = await testRoot();
    const before = listing(root);
    const r = await runCli(["build", "--seeds", join(root, "nothing"), "--out", join(root, "new", "dist"), "--quiet"]);
    expectFault(expect, r, { command: "build", codes: ["ENOENT"], path: join(root, "nothing"), watched: root, before });
  });

  it("a folder where the seed index goes (EISDIR): dist/ and the cache as they were, no temporary left", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const out = join(root, "dist");
    await build(seeds, out, expect);
    const index = join(cacheDirOf(out), "seeds.json");
    rmSync(index);
    mkdirSync(index);
    await writeSeeds(seeds, largeSeeds(1, 1)); // a change, so the build goes on to write
    const before = listing(root);
    const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet"]);
    expectFault(expect, r, { command: "build", codes: ["EISDIR"], path: index, watched: root, before });
  });

  it("--debug adds the stack trace after the same line", async ({ expect }) => {
    const root = await testRoot();
    const r = await runCli(["build", "--seeds", join(root, "nothing"), "--out", join(root, "dist"), "--debug"]);
    expect(r.code).toBe(3);
    const [line, ...rest] = r.stderr.trimEnd().split("\n");
    expect(line).toMatch(/^seedfeed build: cannot list the folder .*nothing: .*\(ENOENT\)/);
    expect(rest.join("\n")).toMatch(/^\s+at /m);
  });
});

describe.concurrent("build: a full or read-only file system", () => {
  it.skipIf(noMount)("a disk that fills up mid-build (ENOSPC): the previous dist/ stays, byte for byte, and nothing is left beside it", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const disk = join(root, "disk");
    mountTmpfs(disk, "2m");
    const out = join(disk, "site", "dist");
    await build(seeds, out, expect);
    // Articles of 20 KiB: the pages and feeds of the next build need far more than the space left.
    await writeSeeds(seeds, largeSeeds(30, 20));
    const { bavail, bsize } = statfsSync(disk);
    writeFileSync(join(disk, "filler"), Buffer.alloc(bavail * bsize - 96 * 1024));
    const before = listing(disk);
    // Variants of every file: the cache folder gets new files from the start, which the failure must take back.
    const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet", "--precompress", "all"]);
    expectFault(expect, r, { command: "build", codes: ["ENOSPC"], path: disk, watched: disk, before });
  });

  it.skipIf(noMount)("a first build onto a full disk (ENOSPC) leaves no cache folder, no lock and none of the parent folders it made", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root, largeSeeds(30, 20));
    const disk = join(root, "disk");
    mountTmpfs(disk, "1m");
    const { bavail, bsize } = statfsSync(disk);
    writeFileSync(join(disk, "filler"), Buffer.alloc(bavail * bsize - 64 * 1024));
    const before = listing(disk);
    const r = await runCli(["build", "--seeds", seeds, "--out", join(disk, "new", "site", "dist"), "--quiet"]);
    expectFault(expect, r, { command: "build", codes: ["ENOSPC"], path: disk, watched: disk, before });
  });

  it.skipIf(noMount)("a read-only file system (EROFS): the previous dist/ stays", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const disk = join(root, "disk");
    mountTmpfs(disk, "4m");
    const out = join(disk, "dist");
    await build(seeds, out, expect);
    execFileSync("mount", ["-o", "remount,ro", disk]);
    await writeSeeds(seeds, largeSeeds(2, 1));
    const before = listing(disk);
    const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet"]);
    expectFault(expect, r, { command: "build", codes: ["EROFS"], path: disk, watched: disk, before });
  });
});

describe.concurrent("build: another user's folders", () => {
  it.skipIf(notRoot)("an output folder whose parent this user may not write (EACCES): also with parent folders to make", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const site = join(root, "site");
    await build(seeds, join(site, "dist"), expect); // root's
    await writeSeeds(seeds, largeSeeds(2, 1));
    const before = listing(root);
    for (const out of [join(site, "dist"), join(site, "new", "dist")]) {
      const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet"], { prefix: AS_NOBODY });
      expectFault(expect, r, { command: "build", codes: ["EACCES"], path: site, watched: root, before });
    }
  });

  it.skipIf(notRoot)("a cache folder this user may not write, beside a writable parent (EACCES): the lock it took is gone again", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const site = join(root, "site");
    await build(seeds, join(site, "dist"), expect);
    chmodSync(site, 0o777);
    await writeSeeds(seeds, largeSeeds(2, 1)); // the seed index must be written
    const before = listing(root);
    const r = await runCli(["build", "--seeds", seeds, "--out", join(site, "dist"), "--quiet"], { prefix: AS_NOBODY });
    expectFault(expect, r, { command: "build", codes: ["EACCES"], path: cacheDirOf(join(site, "dist")), watched: root, before });
  });

  it.skipIf(notRoot)("another user's dist/ in a shared sticky folder such as /tmp (EPERM at the swap): it stays, and so does nothing of this build", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const shared = join(root, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const out = join(shared, "dist");
    await build(seeds, out, expect); // root's
    rmSync(cacheDirOf(out), { recursive: true }); // no manifest: a whole build, committed by swapping folders
    const before = listing(root);
    const r = await runCli(["build", "--seeds", seeds, "--out", out, "--quiet"], { prefix: AS_NOBODY });
    expectFault(expect, r, { command: "build", codes: ["EPERM", "EACCES"], path: out, watched: root, before });
  });

  it.skipIf(notRoot)("a seeds folder this user may not read (EACCES)", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    chmodSync(seeds, 0o700);
    const writable = join(root, "writable");
    mkdirSync(writable);
    chownSync(writable, NOBODY, NOBODY);
    const before = listing(root);
    const r = await runCli(["build", "--seeds", seeds, "--out", join(writable, "new", "dist"), "--quiet"], { prefix: AS_NOBODY });
    expectFault(expect, r, { command: "build", codes: ["EACCES"], path: seeds, watched: root, before });
  });
});

describe("build: too many open files", () => {
  // Where the limit bites depends on the machine (Node's own descriptors, the worker threads, modules
  // loaded in parallel). From a limit the build passes, each run lowers it by 2, until a run reports
  // EMFILE with a path; each run builds the other of two seed folders, so each has something to write.
  // Every failing run on the way must fail cleanly. (Node's module resolver reports a package.json it
  // could not open for want of descriptors as "Cannot find package": the same fault in Node's words.)
  it("a low `ulimit -n` (EMFILE): each failing run gives one line and leaves the previous dist/ as it was", async ({ expect }) => {
    const root = await testRoot();
    const seedFolders = [await seedsIn(root), join(root, "changed")];
    await copyRepoSeeds(seedFolders[1]!, largeSeeds(20, 2));
    const out = join(root, "site", "dist");
    await build(seedFolders[0]!, out, expect);
    let next = 1;
    let before = listing(root);
    let emfile = false;
    let failures = 0;
    for (let limit = 60; limit >= 24 && !emfile && failures < 6; limit -= 2) {
      const r = await runCli(["build", "--seeds", seedFolders[next]!, "--out", out, "--quiet"], { prefix: ["sh", "-c", `ulimit -n ${limit} && exec "$0" "$@"`] });
      if (r.code === 0) {
        next = 1 - next;
        before = listing(root);
        continue;
      }
      failures++;
      if (/Cannot find package/.test(r.stderr)) {
        expect(r.code).toBe(3);
        expectOneLine(r.stderr, /^seedfeed build: Cannot find package/);
        expect(listing(root)).toEqual(before);
        continue;
      }
      expectFault(expect, r, { command: "build", codes: ["EMFILE"], path: "/", watched: root, before });
      emfile = true;
    }
    expect(emfile, "no limit made the build fail with EMFILE: the test made no fault").toBe(true);
  });
});

describe.concurrent("serve and dev", () => {
  it("serve: a folder that was never built is one line saying to build", async ({ expect }) => {
    const root = await testRoot();
    const r = await runCli(["serve", "--dir", join(root, "dist"), "--port", "0"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`seedfeed serve: ${join(root, "dist")}/ has no manifest (${manifestFileOf(join(root, "dist"))} does not exist): run "seedfeed build" first\n`);
  });

  it.skipIf(notRoot)("serve: a folder, or its manifest, this user may not read (EACCES)", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const out = join(root, "dist");
    await build(seeds, out, expect);
    for (const unreadable of [out, cacheDirOf(out)]) {
      chmodSync(unreadable, 0o700);
      const before = listing(root);
      const r = await runCli(["serve", "--dir", out, "--port", "0"], { prefix: AS_NOBODY });
      expectFault(expect, r, { command: "serve", codes: ["EACCES"], path: unreadable, watched: root, before });
      chmodSync(unreadable, 0o755);
    }
  });

  it("dev: a missing seeds folder and a file in --out's path end the same way as build", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    writeFileSync(join(root, "notes.txt"), "mine\n");
    const before = listing(root);
    const missing = await runCli(["dev", "--seeds", join(root, "nothing"), "--out", join(root, "new", "dist"), "--port", "0"]);
    expectFault(expect, missing, { command: "dev", codes: ["ENOENT"], path: join(root, "nothing"), watched: root, before });
    const file = await runCli(["dev", "--seeds", seeds, "--out", join(root, "notes.txt", "dist"), "--port", "0"]);
    expectFault(expect, file, { command: "dev", codes: ["ENOTDIR"], path: join(root, "notes.txt"), watched: root, before });
  });

  it.skipIf(notRoot)("dev: an output folder this user may not write (EACCES)", async ({ expect }) => {
    const root = await testRoot();
    const seeds = await seedsIn(root);
    const site = join(root, "site");
    await build(seeds, join(site, "dist"), expect);
    const before = listing(root);
    const r = await runCli(["dev", "--seeds", seeds, "--out", join(site, "dist"), "--port", "0"], { prefix: AS_NOBODY });
    expectFault(expect, r, { command: "dev", codes: ["EACCES"], path: site, watched: root, before });
  });
});

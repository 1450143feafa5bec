// Every read of a seed is bounded by the size limit, whatever stat says and whatever the file is.
// Each case runs in a child process with a time and memory limit (bounded.ts): a regression that reads
// /dev/zero for ever, or waits on a FIFO, fails the test instead of hanging the suite.

import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_SEED_BYTES } from "../../src/content/parse.ts";
import type { Diagnostic } from "../../src/types.ts";
import { CLI } from "../helpers/cli.ts";
import { markdownSeed, writeSeeds } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { runBounded } from "./bounded.ts";

const tmp = useTempDirs();
const CHILD = join(import.meta.dirname, "bounded-child.ts");
/** The child is killed after CHILD_SECONDS; the test gives up a little later. */
const CHILD_SECONDS = 30;
const TEST_TIMEOUT = (CHILD_SECONDS + 15) * 1000;

interface ChildScan {
  ids: string[];
  diagnostics: Diagnostic[];
  /** Bytes the child read during the scan (/proc/self/io rchar). */
  read: number;
  reread?: string;
}

async function scanInChild(dir: string, reread?: { source: string; linkTo: string }): Promise<ChildScan> {
  const r = await runBounded(CHILD, [dir, ...(reread ? [reread.source, reread.linkTo] : [])], CHILD_SECONDS);
  if (r.code !== 0) throw new Error(`the scan did not end on its own (code ${r.code}, signal ${r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as ChildScan;
}

/** A folder with one good seed, so each case also shows that the other seeds still build. */
async function seedsWithOneGood(): Promise<string> {
  const dir = await tmp.make();
  await writeSeeds(dir, { "good.md": markdownSeed(["title: Good", "date: 2025-03-01"], "g\n") });
  return dir;
}

const errorsOf = (d: Diagnostic[]) => d.filter((x) => x.severity === "error");

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

describe("special files named like seeds are errors naming the file, and the scan ends", () => {
  it.each([
    ["/dev/zero", "a character device"],
    ["/dev/null", "a character device"],
    ["/dev/urandom", "a character device"],
  ])("a seed linked to %s", { timeout: TEST_TIMEOUT }, async (target, kind) => {
    const dir = await seedsWithOneGood();
    await symlink(target, join(dir, "linked.md"));
    const scan = await scanInChild(dir);
    expect(scan.ids).toEqual(["good"]);
    expect(errorsOf(scan.diagnostics)).toEqual([{ severity: "error", file: "linked.md", line: undefined, message: expect.stringContaining(`is ${kind}, not a regular file`) }]);
  });

  it("a FIFO with a seed's name, in the folder and through a link", { timeout: TEST_TIMEOUT }, async () => {
    const dir = await seedsWithOneGood();
    execFileSync("mkfifo", [join(dir, "pipe.md")]);
    const elsewhere = await tmp.make();
    execFileSync("mkfifo", [join(elsewhere, "fifo")]);
    await symlink(join(elsewhere, "fifo"), join(dir, "linked-pipe.txt"));
    const scan = await scanInChild(dir);
    expect(scan.ids).toEqual(["good"]);
    expect(errorsOf(scan.diagnostics)).toEqual([
      { severity: "error", file: "linked-pipe.txt", line: undefined, message: expect.stringContaining("is a named pipe (FIFO), not a regular file") },
      { severity: "error", file: "pipe.md", line: undefined, message: expect.stringContaining("is a named pipe (FIFO), not a regular file") },
    ]);
  });

  it("a socket with a seed's name", { timeout: TEST_TIMEOUT }, async () => {
    const dir = await seedsWithOneGood();
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, "socket.md"), resolve));
    expect(statSync(join(dir, "socket.md")).isSocket()).toBe(true);
    const scan = await scanInChild(dir);
    expect(scan.ids).toEqual(["good"]);
    expect(errorsOf(scan.diagnostics)).toEqual([{ severity: "error", file: "socket.md", line: undefined, message: expect.stringContaining("is a socket, not a regular file") }]);
  });
});

describe("a read stops one byte past the limit, whatever stat says", () => {
  // /proc/kallsyms is a regular file whose stat size is 0 but which holds megabytes: the case of a
  // seed that grows between its stat and its read, made deterministic.
  const KALLSYMS = "/proc/kallsyms";
  const usable = existsSync(KALLSYMS) && existsSync("/proc/self/io") && statSync(KALLSYMS).size === 0;
  if (!usable) console.log(`skipped: ${KALLSYMS} (stat size 0, megabytes of text) or /proc/self/io is not available here`);

  it.runIf(usable)("a seed stat calls empty that holds more than the limit is refused after reading at most the limit", { timeout: TEST_TIMEOUT }, async () => {
    const dir = await seedsWithOneGood();
    await symlink(KALLSYMS, join(dir, "grows.md"));
    const scan = await scanInChild(dir);
    expect(scan.ids).toEqual(["good"]);
    expect(errorsOf(scan.diagnostics)).toEqual([{ severity: "error", file: "grows.md", line: undefined, message: expect.stringContaining(`more than ${MAX_SEED_BYTES} bytes`) }]);
    // The whole scan (good.md included) read little more than the limit, not the megabytes on offer.
    expect(scan.read).toBeLessThan(MAX_SEED_BYTES + 64 * 1024);
  });

  it("a seed of exactly the limit is read whole; one byte more is refused without reading it", { timeout: TEST_TIMEOUT }, async () => {
    const dir = await seedsWithOneGood();
    const head = "---\ntitle: Exact\ndate: 2025-03-02\n---\n";
    await writeFile(join(dir, "exact.md"), head + "x".repeat(MAX_SEED_BYTES - head.length));
    await writeFile(join(dir, "over.md"), head + "x".repeat(MAX_SEED_BYTES - head.length + 1));
    const scan = await scanInChild(dir);
    expect(scan.ids).toEqual(["exact", "good"]);
    expect(errorsOf(scan.diagnostics)).toEqual([{ severity: "error", file: "over.md", line: undefined, message: expect.stringContaining(`is ${MAX_SEED_BYTES + 1} bytes`) }]);
    expect(scan.read).toBeLessThan(MAX_SEED_BYTES + 64 * 1024);
  });
});

describe("linked folders", () => {
  it("are not followed, with a warning naming the link: a link cycle ends, and a device beyond a link is never read", { timeout: TEST_TIMEOUT }, async () => {
    const dir = await seedsWithOneGood();
    const elsewhere = await tmp.make();
    await writeSeeds(elsewhere, { "outside.md": markdownSeed(["title: Outside", "date: 2025-03-03"], "o\n") });
    await symlink("/dev/zero", join(elsewhere, "zero.md"));
    await symlink(elsewhere, join(dir, "archive"));
    await symlink(".", join(dir, "loop"));
    await symlink(elsewhere, join(dir, "folder.md"));
    await mkdir(join(dir, "real"));
    await writeSeeds(dir, { "real/inside.md": markdownSeed(["title: Inside", "date: 2025-03-04"], "i\n") });
    const scan = await scanInChild(dir);
    expect(scan.ids).toEqual(["inside", "good"]);
    expect(scan.diagnostics).toEqual(
      ["archive", "folder.md", "loop"].map((file) => ({ severity: "warning", file, message: expect.stringContaining("a link to a folder is not followed") })),
    );
  });
});

describe("the body re-read is bounded too", () => {
  it.each([
    ["/dev/zero", "is a character device"],
    ["/proc/self/status", "changed during the build"],
  ])("a seed swapped for a link to %s after the scan stops the build with SeedChangedError", { timeout: TEST_TIMEOUT }, async (target, message) => {
    const dir = await seedsWithOneGood();
    const scan = await scanInChild(dir, { source: "good.md", linkTo: target });
    expect(scan.ids).toEqual(["good"]);
    expect(scan.reread).toMatch(/^Error: good\.md /);
    expect(scan.reread).toContain(message);
  });

  it("a seed swapped for a FIFO after the scan", { timeout: TEST_TIMEOUT }, async () => {
    const dir = await seedsWithOneGood();
    const fifo = join(await tmp.make(), "fifo");
    execFileSync("mkfifo", [fifo]);
    const scan = await scanInChild(dir, { source: "good.md", linkTo: fifo });
    expect(scan.reread).toMatch(/^Error: good\.md changed during the build: it is a named pipe \(FIFO\)/);
  });
});

describe("seedfeed build", () => {
  it("with a seed linked to /dev/zero: exit 1 naming the file, dist/ not written", { timeout: TEST_TIMEOUT }, async () => {
    const root = await tmp.make();
    const seeds = join(root, "seeds");
    await writeSeeds(seeds, { "good.md": markdownSeed(["title: Good", "date: 2025-03-01"], "g\n") });
    await symlink("/dev/zero", join(seeds, "zero.md"));
    const r = await runBounded(CLI, ["build", "--seeds", seeds, "--out", join(root, "dist"), "--base-url", "https://example.org/"], CHILD_SECONDS);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("zero.md: error: is a character device, not a regular file");
    expect(existsSync(join(root, "dist"))).toBe(false);
    // With --keep-going the good seed is built and the device is skipped.
    const kept = await runBounded(CLI, ["build", "--seeds", seeds, "--out", join(root, "dist"), "--base-url", "https://example.org/", "--keep-going"], CHILD_SECONDS);
    expect(kept.code).toBe(0);
    expect(await readFile(join(root, "dist", "articles", "good.html"), "utf8")).toContain("Good");
  });
});

// One writer per dist/: a second build (or `dev` and a build) into the same folder is refused with a
// message, not allowed to take the first one's staging folder for a killed build's leftovers.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Watcher } from "../../src/dev/watch.ts";
import { DistBusyError } from "../../src/output/write-dist.ts";
import { runCli } from "../helpers/cli.ts";
import { readTree, treeDifferences } from "../helpers/files.ts";
import { buildSite, siteWithDist } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) c.kill();
});

/** A built site, and where its dist/ lock lives. */
async function siteWithLock() {
  const s = await siteWithDist(await tmp.make());
  return { ...s, lock: join(s.root, ".dist-lock") };
}

/** A process that exists: its pid in the lock means "someone else is writing". */
function liveProcess(): number {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  children.push(child);
  return child.pid!;
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("the dist/ lock", () => {
  it("a build while another process holds dist/ exits 3 naming that process, and touches nothing", async () => {
    const s = await siteWithLock();
    const before = await readTree(s.out);
    const pid = liveProcess();
    await mkdir(s.lock);
    await writeFile(join(s.lock, "pid"), String(pid));
    await writeFile(join(s.seeds, "new.md"), "---\ntitle: New\ndate: 2025-12-01\n---\nNew.\n");
    const r = await runCli(["build", "--seeds", s.seeds, "--out", s.out, "--config", s.config]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`is being written by another seedfeed (pid ${pid})`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(treeDifferences(before, await readTree(s.out))).toEqual([]);
    expect(existsSync(s.lock)).toBe(true); // the owner's lock is left alone
  });

  it("a lock left by a process that has ended is taken over, and released after the build", async () => {
    const s = await siteWithLock();
    await mkdir(s.lock);
    await writeFile(join(s.lock, "pid"), String(await deadPid()));
    await writeFile(join(s.seeds, "new.md"), "---\ntitle: New\ndate: 2025-12-01\n---\nNew.\n");
    const r = await runCli(["build", "--seeds", s.seeds, "--out", s.out, "--config", s.config]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(s.out, "articles", "new.html"))).toBe(true);
    expect(existsSync(s.lock)).toBe(false);
  });

  it("two builds into one dist/ at once in one process: the second is refused while the first runs, then builds", async () => {
    const s = await siteWithLock();
    const first = buildSite(s.seeds, s.out);
    await expect(buildSite(s.seeds, s.out)).rejects.toBeInstanceOf(DistBusyError);
    expect((await first).written).toBe(true);
    expect(existsSync(s.lock)).toBe(false);
    expect((await buildSite(s.seeds, s.out)).written).toBe(true);
  });

  it("watch mode: a rebuild while another process holds dist/ fails and changes nothing; the next one, once it is free, applies the edit", async () => {
    const s = await siteWithLock();
    const watcher = await Watcher.start({ seedsDir: s.seeds, outDir: s.out, configFile: s.config, overrides: {}, log: () => {} });
    try {
      const before = await readTree(s.out);
      await mkdir(s.lock);
      await writeFile(join(s.lock, "pid"), String(liveProcess()));
      await writeFile(join(s.seeds, "new.md"), "---\ntitle: Written while dist/ was busy\ndate: 2025-12-01\n---\nNew.\n");
      await expect(watcher.rebuild()).rejects.toBeInstanceOf(DistBusyError);
      expect(treeDifferences(before, await readTree(s.out))).toEqual([]);
      await rm(s.lock, { recursive: true });
      await watcher.rebuild();
      expect(await readFile(join(s.out, "rss.xml"), "utf8")).toContain("Written while dist/ was busy");
      expect(existsSync(s.lock)).toBe(false);
    } finally {
      await watcher.close();
    }
  });
});

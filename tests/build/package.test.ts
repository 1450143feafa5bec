// The package as npm ships it: `npm pack`, installed from the tarball into a folder of its own, runs
// with plain node and its production dependencies only (no tsx, no TypeScript), from any folder.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseJsonFeed } from "feedsmith";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSeeds } from "../../src/content/scan.ts";
import { REPO_ROOT, copyRepoSeeds } from "../helpers/files.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const run = promisify(execFile);
const npm = (args: string[], cwd: string) => run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8" });

describe("the packed package", () => {
  let app: string;

  beforeAll(async () => {
    const packs = await tmp.make();
    // lib/ is fresh (tests/global-setup.ts), so pack without running `prepare` again under other tests.
    await npm(["pack", "--ignore-scripts", "--pack-destination", packs], REPO_ROOT);
    const [tarball] = await readdir(packs);
    app = await tmp.make();
    await writeFile(join(app, "package.json"), JSON.stringify({ name: "a-site", private: true }));
    // From npm's cache when it has the dependencies (as after `npm ci`), from the registry otherwise.
    await npm(["install", "--prefer-offline", join(packs, tarball!)], app);
  }, 180_000);

  it("holds the compiled CLI and no TypeScript, and installs without tsx", async () => {
    const pkg = join(app, "node_modules", "seedfeed");
    expect(existsSync(join(pkg, "lib", "cli.js"))).toBe(true);
    expect(existsSync(join(pkg, "lib", "output", "stage-worker.mjs"))).toBe(true);
    expect(existsSync(join(pkg, "src"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "tsx"))).toBe(false);
    expect(existsSync(join(app, "node_modules", "typescript"))).toBe(false);
  });

  it("`seedfeed --help` runs from the installed bin", async () => {
    const r = await run(join(app, "node_modules", ".bin", "seedfeed"), ["--help"], { cwd: app, encoding: "utf8" });
    expect(r.stdout).toMatch(/^Usage:/m);
    expect(r.stderr).toBe("");
  });

  it("`npx seedfeed build` builds the shipped seeds in the site's folder", async () => {
    await copyRepoSeeds(join(app, "seeds"));
    const r = await run("npx", ["--offline", "seedfeed", "build", "--quiet"], { cwd: app, encoding: "utf8" });
    const { articles } = await loadSeeds(join(app, "seeds"));
    expect(r.stdout).toMatch(new RegExp(`^built ${articles.length} articles into dist/: `));
    const feed = parseJsonFeed(await readFile(join(app, "dist", "feed.json"), "utf8"));
    expect(feed.items?.map((i) => i.title).sort()).toEqual(articles.map((a) => a.title).sort());
    expect(existsSync(join(app, ".dist-cache", "manifest.json"))).toBe(true);
  });
});

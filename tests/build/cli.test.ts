// The command line, as a user runs it: exit codes, messages that name the culprit, the summary line.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseJsonFeed } from "feedsmith";
import { describe, it } from "vitest";
import { loadSeeds } from "../../src/content/scan.ts";
import { manifestFileOf, parseManifest } from "../../src/output/manifest.ts";
import { CLI, runCli } from "../helpers/cli.ts";
import { REPO_ROOT, copyRepoSeeds } from "../helpers/files.ts";
import { TEST_SITE, buildSite, testConfig } from "../helpers/site.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs();
const run = promisify(execFile);

async function seedsFolder(extra: Record<string, string> = {}) {
  const root = await tmp.make();
  await copyRepoSeeds(join(root, "seeds"), extra);
  return root;
}

// Each test has its own folders, so they run concurrently: most of a CLI test is waiting for node to start.
describe.concurrent("help and usage errors", () => {
  it("--help and build --help print the usage and exit 0", async ({ expect }) => {
    for (const args of [["--help"], ["build", "--help"]]) {
      const r = await runCli(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage:/);
      expect(r.stdout).toMatch(/seedfeed build/);
      expect(r.stderr).toBe("");
    }
  });

  it("no command prints the usage and exits 2; an unknown command exits 2 naming it", async ({ expect }) => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/Usage:/);
    const unknown = await runCli(["biuld"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"biuld"');
  });

  it("an unknown flag exits 2 and names the flag", async ({ expect }) => {
    const r = await runCli(["build", "--seedz", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--seedz");
    expect(r.stdout).toBe("");
  });

  it("a bad config value and an unknown config key exit 2, naming both keys and the file; nothing is built", async ({ expect }) => {
    const root = await seedsFolder();
    const config = join(root, "site.json");
    await writeFile(config, JSON.stringify({ ...TEST_SITE, feedSize: 0, colour: "red" }));
    const r = await runCli(["build", "--seeds", join(root, "seeds"), "--out", join(root, "dist"), "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"feedSize" must be a whole number/);
    expect(r.stderr).toMatch(/unknown key "colour"/);
    expect(r.stderr).toContain(config);
    expect(r.stdout).toBe("");
    expect(existsSync(join(root, "dist"))).toBe(false);
  });

  it("a bad config flag exits 2 and names the key", async ({ expect }) => {
    const root = await seedsFolder();
    const r = await runCli(["build", "--seeds", join(root, "seeds"), "--out", join(root, "dist"), "--feed-size", "many", "--base-url", "not a url"], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"feedSize"');
    expect(r.stderr).toContain('"baseUrl"');
  });
});

describe.concurrent("build", () => {
  it("prints one summary line with the article and file counts, and the warnings on stderr", async ({ expect }) => {
    const root = await seedsFolder({ "notes.txt.bak": "x" });
    const out = join(root, "dist");
    const r = await runCli(["build", "--seeds", join(root, "seeds"), "--out", out], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const { articles } = await loadSeeds(join(root, "seeds"));
    const manifest = parseManifest(await readFile(manifestFileOf(out), "utf8"));
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^built ${articles.length} articles into .*: ${manifest.files.length} files, \\d+ KiB in \\d+\\.\\d\\d s$`));
    expect(r.stderr).toContain("notes.txt.bak: warning: ignored");
  });

  it("--quiet keeps the summary and drops warnings", async ({ expect }) => {
    const root = await seedsFolder({ "notes.txt.bak": "x" });
    const r = await runCli(["build", "--seeds", join(root, "seeds"), "--out", join(root, "dist"), "--quiet"], { cwd: root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^built \d+ articles/);
    expect(r.stderr).toBe("");
  });

  it("without a config file in the working folder the defaults are used; with one, it is read", async ({ expect }) => {
    const root = await seedsFolder();
    const noConfig = await runCli(["build", "--seeds", "seeds", "--out", "dist-a", "--quiet"], { cwd: root });
    expect(noConfig.code, noConfig.stderr).toBe(0);
    expect(parseJsonFeed(await readFile(join(root, "dist-a", "feed.json"), "utf8")).title).toBe("seedfeed");
    await writeFile(join(root, "seedfeed.config.json"), JSON.stringify({ title: "From the working folder" }));
    const withConfig = await runCli(["build", "--seeds", "seeds", "--out", "dist-b", "--quiet"], { cwd: root });
    expect(withConfig.code, withConfig.stderr).toBe(0);
    expect(parseJsonFeed(await readFile(join(root, "dist-b", "feed.json"), "utf8")).title).toBe("From the working folder");
  });

  it("--base-url moves every link and no id; flags override the config file", async ({ expect }) => {
    const root = await seedsFolder();
    const config = join(root, "site.json");
    await writeFile(config, JSON.stringify(TEST_SITE));
    const run = (out: string, ...flags: string[]) => runCli(["build", "--seeds", join(root, "seeds"), "--out", join(root, out), "--config", config, "--quiet", ...flags]);
    expect((await buildSite(join(root, "seeds"), join(root, "a"), { config: testConfig() })).written).toBe(true);
    expect((await run("b", "--base-url", "https://moved.example/site", "--feed-size", "2")).code).toBe(0);
    const a = parseJsonFeed(await readFile(join(root, "a", "feed.json"), "utf8"));
    const b = parseJsonFeed(await readFile(join(root, "b", "feed.json"), "utf8"));
    expect(b.items?.map((i) => i.id)).toEqual(a.items?.slice(0, 2).map((i) => i.id));
    expect(b.items?.every((i) => i.url?.startsWith("https://moved.example/site/"))).toBe(true);
    expect(a.items?.every((i) => i.url?.startsWith(TEST_SITE.baseUrl))).toBe(true);
  });

  it("all invalid seeds are named at once, each with its line, and the count is given; ---js never runs", async ({ expect }) => {
    const marker = join(await tmp.make(), "pwned");
    const root = await seedsFolder({
      "090_00000000000000a1.txt": " date 2025-02-30 1\nT\n",
      "091_00000000000000a2.txt": " date 2025-02-03 1\n\n",
      "bad.md": "---\ntitle: T\n---\n",
      "code.md": `---js\n{ title: (require("fs").writeFileSync(${JSON.stringify(marker)}, "ran"), "T"), date: "2025-01-01" }\n---\nx\n`,
    });
    const r = await runCli(["build", "--seeds", join(root, "seeds"), "--out", join(root, "dist")], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("090_00000000000000a1.txt:1: error: impossible date 2025-02-30");
    expect(r.stderr).toContain("091_00000000000000a2.txt:2: error: empty title");
    expect(r.stderr).toMatch(/bad\.md:1: error: .*"date"/);
    expect(r.stderr).toMatch(/code\.md:1: error: .*not allowed/);
    expect(r.stderr).toMatch(/build failed: 4 errors/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe.concurrent("how the CLI is started", () => {
  it("runs when started through a symlink or a path with a space (as npm's bin links do)", async ({ expect }) => {
    const root = await tmp.make();
    await mkdir(join(root, "with space"));
    await symlink(REPO_ROOT, join(root, "with space", "repo"));
    const r = await runCli(["--help"], { script: join(root, "with space", "repo", "src", "cli.ts") });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage:/);
  });

  it("the package's bin (bin/seedfeed.mjs), linked from elsewhere as npm links it, builds with plain node and no loader flag", async ({ expect }) => {
    const root = await tmp.make();
    await symlink(join(REPO_ROOT, "bin", "seedfeed.mjs"), join(root, "seedfeed"));
    await copyRepoSeeds(join(root, "seeds"));
    const r = await run(process.execPath, [join(root, "seedfeed"), "build", "--quiet"], { cwd: root, encoding: "utf8" });
    expect(r.stdout).toMatch(/^built \d+ articles into dist\/: /);
    expect(JSON.parse(await readFile(join(root, "dist", "feed.json"), "utf8")).version).toBe("https://jsonfeed.org/version/1.1");
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin.seedfeed).toBe("bin/seedfeed.mjs");
  });

  it("serve on a folder that was never built exits 3 with one line saying to build, not a stack trace", async ({ expect }) => {
    const root = await tmp.make();
    const r = await runCli(["serve", "--dir", root, "--port", "0"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`seedfeed serve: ${root}/ has no manifest (${manifestFileOf(root)} does not exist): run "seedfeed build" first\n`);
  });

  it("the CLI module can be imported without running", async ({ expect }) => {
    const mod = (await import(CLI)) as { main: unknown };
    expect(typeof mod.main).toBe("function");
  });
});

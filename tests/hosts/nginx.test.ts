// nginx with the README's configuration serves dist/ as seedfeed serve does: every published link with
// 200 and no redirect, and the same Content-Type, Cache-Control and security headers for every URL.

import { spawn, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/files.ts";
import { freePort } from "../helpers/ports.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { makeSite, type Site } from "../publish/helpers.ts";
import { expectServesAsSeedfeed, getPath } from "./helpers.ts";

const tmp = useTempDirs("seedfeed-nginx-");
let site: Site;
let nginx: ChildProcess | undefined;
let origin: string;


/** The README's nginx configuration: the first ```nginx block of its "nginx" recipe. */
async function readmeConfig(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const recipe = readme.slice(readme.indexOf("### nginx"));
  const block = /```nginx\n([\s\S]*?)```/.exec(recipe);
  if (!block) throw new Error("README.md has no nginx configuration under ### nginx");
  return block[1]!;
}

beforeAll(async () => {
  const root = await tmp.make();
  site = await makeSite(root);
  const port = await freePort();
  const server = (await readmeConfig())
    .replace(/^(\s*)listen [^;]+;/m, `$1listen 127.0.0.1:${port};`)
    .replace(/^(\s*)root [^;]+;/m, `$1root ${site.dist};`);
  const conf = join(root, "nginx.conf");
  await writeFile(
    conf,
    `daemon off;\nuser root;\nworker_processes 1;\npid ${root}/nginx.pid;\nerror_log ${root}/error.log;\nevents {}\n` +
      `http {\ninclude /etc/nginx/mime.types;\naccess_log off;\nclient_body_temp_path ${root}/tmp;\nproxy_temp_path ${root}/tmp;\n` +
      `fastcgi_temp_path ${root}/tmp;\nuwsgi_temp_path ${root}/tmp;\nscgi_temp_path ${root}/tmp;\n${server}\n}\n`,
  );
  nginx = spawn("nginx", ["-p", root, "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  nginx.stderr!.on("data", (d: Buffer) => (stderr += d));
  origin = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    try {
      await fetch(origin);
      break;
    } catch {
      if (nginx.exitCode !== null || i > 100) throw new Error(`nginx did not start: ${stderr}${await readFile(join(root, "error.log"), "utf8").catch(() => "")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});
afterAll(() => {
  nginx?.kill();
});

it("every URL reached from the front page and the feeds answers 200 with seedfeed serve's headers and bytes", async () => {
  const reached = await expectServesAsSeedfeed(origin, site.dist);
  expect(reached).toBeGreaterThan(40);
});

it("a folder without its slash is redirected to it, and host configuration is not served", async () => {
  const folder = await getPath(origin, "/tags/guest");
  expect(folder.status).toBe(301);
  expect(new URL(folder.headers.get("location")!, origin).pathname).toBe("/tags/guest/");
  expect((await getPath(origin, "/_headers")).status).toBe(404);
});

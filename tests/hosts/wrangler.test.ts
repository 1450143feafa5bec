// Cloudflare Pages' own asset server (`wrangler pages dev`, offline) serving dist/ as uploaded: every URL
// reached from the front page and the feeds answers 200 without a redirect, with seedfeed serve's
// Content-Type, Cache-Control and security headers. workerd takes a few seconds to start; the whole test
// takes about 10 s, so it runs with every `npm test`.

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/files.ts";
import { freePort } from "../helpers/ports.ts";
import { useTempDirs } from "../helpers/tmp.ts";
import { makeSite, type Site } from "../publish/helpers.ts";
import { expectServesAsSeedfeed } from "./helpers.ts";

const tmp = useTempDirs("seedfeed-wrangler-");
let site: Site;
let wrangler: ChildProcess | undefined;
let origin: string;


beforeAll(async () => {
  const root = await tmp.make();
  site = await makeSite(root);
  const port = await freePort();
  const bin = join(REPO_ROOT, "node_modules", ".bin", "wrangler");
  wrangler = spawn(bin, ["pages", "dev", site.dist, "--compatibility-date", "2026-05-01", "--ip", "127.0.0.1", "--port", String(port)], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", XDG_CONFIG_HOME: join(root, "config") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const seen = (d: Buffer) => {
      output += d;
      if (/Ready on http/.test(output)) resolve();
    };
    wrangler!.stdout!.on("data", seen);
    wrangler!.stderr!.on("data", seen);
    wrangler!.once("exit", (code) => reject(new Error(`wrangler pages dev exited with ${code}:\n${output}`)));
  });
  await ready;
  origin = `http://127.0.0.1:${port}/`;
}, 300_000);
afterAll(() => {
  wrangler?.kill();
});

it("every URL reached from the front page and the feeds answers 200 with seedfeed serve's headers and bytes", async () => {
  const reached = await expectServesAsSeedfeed(origin, site.dist);
  expect(reached).toBeGreaterThan(40);
});

// One build in its own process, so its wall time and peak memory are its own.
//   tsx bench/build-once.ts <seeds> <out>  → prints {"ms":…,"maxRssMiB":…}

import { build } from "../src/build.ts";
import { validateConfig } from "../src/config.ts";

const [seedsDir, outDir] = process.argv.slice(2) as [string, string];
const started = performance.now();
const result = await build({ seedsDir, outDir, config: validateConfig({}, "bench"), keepGoing: true });
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, files: result.files.length })}\n`);

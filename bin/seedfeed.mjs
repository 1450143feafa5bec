#!/usr/bin/env node
// The `seedfeed` command (npx seedfeed, npm link, an installed package): runs the compiled CLI in lib/,
// which `npm install` (the `prepare` script) and `npm pack` make from src/. No TypeScript loader at run
// time: starting through tsx cost about 0.4 s per command (BENCHMARKS.md).
let cli;
try {
  cli = await import("../lib/cli.js");
} catch (e) {
  // Only a checkout that was never installed lacks lib/; an error inside the CLI's modules goes on as is.
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("/lib/cli.js")) throw e;
  process.stderr.write(`seedfeed: the compiled CLI (lib/cli.js) is missing: run "npm install" or "npm run compile" in ${new URL("..", import.meta.url).pathname}\n`);
  process.exit(3);
}
process.exitCode = await cli.main(process.argv.slice(2));

#!/usr/bin/env node
// The `seedfeed` command (npx seedfeed, npm link): registers tsx, which runs the TypeScript source as
// it is, then hands the arguments to the CLI.
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));

// seedfeed's command line: subcommands, flags, exit codes. Everything else lives in the modules it calls.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { build } from "./build.ts";
import { CONFIG_KEYS, ConfigError, loadConfig } from "./config.ts";
import { formatDiagnostic } from "./content/article.ts";

export const EXIT = { ok: 0, invalidSeeds: 1, usage: 2, failure: 3 } as const;

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Every config key is also a flag: baseUrl → --base-url. */
const CONFIG_FLAGS = Object.fromEntries(CONFIG_KEYS.map((k) => [kebab(k), { type: "string" as const }]));

const HELP = `seedfeed: build RSS, Atom and JSON feeds from a folder of articles, and serve them.

Usage:
  seedfeed build [options]   build seeds/ into dist/
  seedfeed help              this text

Build options:
  --seeds DIR        seeds folder (default: seeds)
  --out DIR          output folder (default: dist)
  --config FILE      config file (default: seedfeed.config.json, optional)
  --keep-going       write the valid seeds even if some are invalid; errors become warnings
  --quiet            print only errors and the summary line
Config overrides (each config key is a flag):
  ${CONFIG_KEYS.map((k) => `--${kebab(k)}`).join(" ")}
  e.g. --base-url https://example.org/blog/ --feed-size 20 --author "Ada Lovelace"

Exit codes:
  0  built (with --keep-going: built, perhaps without the invalid seeds)
  1  invalid seeds: nothing was written, dist/ is as it was
  2  bad command line or config
  3  the build failed for another reason (e.g. the output folder cannot be written)
`;

const BUILD_OPTIONS = {
  seeds: { type: "string", default: "seeds" },
  out: { type: "string", default: "dist" },
  config: { type: "string" },
  "keep-going": { type: "boolean", default: false },
  quiet: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
  ...CONFIG_FLAGS,
} satisfies ParseArgsConfig["options"];

function configOverrides(values: Record<string, unknown>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const v = values[kebab(key)];
    if (typeof v === "string") overrides[key] = key === "feedSize" ? Number(v) : v;
  }
  return overrides;
}

async function runBuild(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: BUILD_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const config = await loadConfig(values.config, configOverrides(values));
  const started = performance.now();
  const result = await build({ seedsDir: values.seeds, outDir: values.out, config, keepGoing: values["keep-going"] });
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  for (const d of result.diagnostics) {
    if (d.severity === "warning" && values.quiet) continue;
    // With --keep-going an invalid seed is skipped, not fatal: say so in its severity.
    process.stderr.write(`${formatDiagnostic(result.written && d.severity === "error" ? { ...d, severity: "warning" } : d)}\n`);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  if (!result.written) {
    process.stderr.write(`build failed: ${errors} error${errors === 1 ? "" : "s"} in seeds; ${values.out}/ was not touched (--keep-going writes the valid seeds)\n`);
    return EXIT.invalidSeeds;
  }
  const bytes = result.files.reduce((n, f) => n + f.bytes.length, 0);
  process.stdout.write(
    `built ${result.articles} article${result.articles === 1 ? "" : "s"} into ${values.out}/: ${result.files.length} files, ${(bytes / 1024).toFixed(0)} KiB` +
      `${errors ? `, ${errors} invalid seed${errors === 1 ? "" : "s"} skipped` : ""} in ${seconds} s\n`,
  );
  return EXIT.ok;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "build":
        return await runBuild(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        process.stderr.write(`seedfeed: unknown command "${command}"\n\n${HELP}`);
        return EXIT.usage;
    }
  } catch (e) {
    if (e instanceof ConfigError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`seedfeed: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`seedfeed: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failure;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}

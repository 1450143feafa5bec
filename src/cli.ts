// seedfeed's command line: subcommands, flags, exit codes. Everything else lives in the modules it calls.

import { closeSync, createWriteStream, openSync, realpathSync } from "node:fs";
import { open } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { setFlagsFromString } from "node:v8";
import { CONFIG_FLAG_OPTIONS, CONFIG_KEYS, ConfigError, PUBLISH_SECTION, READERS_SECTION, flagOf, loadConfig, overridesFromFlags, readConfigFile } from "./config.ts";
import { formatDiagnostic } from "./content/article.ts";
import { OneLineError, failureLine, isFsError } from "./fs-errors.ts";
import { terminalProgress } from "./progress.ts";
import { readersConfig, type ReadersConfig } from "./readers/settings.ts";
import { FEED_PATHS } from "./render/urls.ts";
import { NotBuiltError } from "./server/from-manifest.ts";
import type { RunningServer } from "./server/serve.ts";
// The pipeline, the server (Express), the watcher and the hub pings are loaded by the commands that use
// them: `build` starts in half the time without the server, and `--help` or a usage error in milliseconds.

export const EXIT = {
  ok: 0,
  invalidSeeds: 1,
  usage: 2,
  failure: 3,
  portInUse: 4,
  storageUnreachable: 5,
  noBucket: 6,
  credentialsRefused: 7,
  tooManyDeletes: 8,
} as const;

const HELP = `seedfeed: build RSS, Atom and JSON feeds from a folder of articles, and serve them.

Usage:
  seedfeed build [options]   build seeds/ into dist/
  seedfeed serve [options]   serve a built dist/ over HTTP
  seedfeed dev [options]     build, serve, and rebuild on every change of seeds/ or the config
  seedfeed publish s3://BUCKET[/PREFIX] [options]
                             upload dist/ to S3-compatible storage: only what changed, links first
  seedfeed stats [options]   subscribers of each feed: counted by serve and dev, or read from an access log
  seedfeed help              this text

Build options:
  --seeds DIR        seeds folder (default: seeds)
  --out DIR          output folder (default: dist)
  --config FILE      config file (default: seedfeed.config.json, optional)
  --keep-going       write the valid seeds even if some are invalid; errors become warnings
  --ping             after writing, send a WebSub publish ping for each feed that changed (needs "hub")
  --quiet            print only errors and the summary line
  --debug            on a failure, print its stack trace after the one line (any command)
Dev options: the build options (but --keep-going is always on: an invalid seed keeps its last
good version) and the serve options but --dir (it serves --out).

Serve options:
  --dir DIR          the built folder to serve (default: dist)
  --port N           TCP port (default: 3000; 0 picks a free one)
  --host ADDR        address to listen on (default: 127.0.0.1)
  --config FILE      config file, for its "readers" section (default: seedfeed.config.json, optional)
  --log              one access log line per request on stdout: combined log format, response time
                     appended, a daily pseudonym in place of the address
  --log-file FILE    the same lines, appended to FILE
  --guard-limit N    fetches of one feed by one client allowed within its max-age before 429
                     (default: 10; 0: no guard)

Stats options:
  --dir DIR          the folder whose subscriber counts to show, as serve and dev saved them (default: dist)
  --log FILE         count from an access log instead ("-": stdin): combined log format (seedfeed's,
                     nginx's, Apache's) or Caddy's JSON log
  --json             JSON for scripts instead of tables

Publish options (credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE;
the config file's "publish" section may set target, endpoint, region, pathStyle, maxDeletes, concurrency):
  --dir DIR          the built folder to publish (default: dist)
  --endpoint URL     an S3-compatible endpoint (R2, MinIO, B2, GCS); default: AWS S3
  --region REGION    default: AWS_REGION or the profile's; us-east-1 with --endpoint
  --path-style       endpoint/bucket/key URLs (MinIO, most local servers)
  --dry-run          print the plan (uploads and deletions, with reasons); write nothing
  --force            upload every file, changed or not
  --max-deletes N    stop before writing anything if more than N objects would go (default: 256; -1: no limit)
  --concurrency N    requests in flight (default: 16)
  --purge-list FILE  write the URLs whose responses changed or vanished, one a line, for a CDN purge
  --config FILE      config file (for "publish" and baseUrl; --base-url overrides it)
  --quiet            no progress line

Config overrides for build (each config key is a flag; --cache-control takes JSON):
  ${CONFIG_KEYS.map((k) => `--${flagOf(k)}`).join(" ")}
  e.g. --base-url https://example.org/blog/ --feed-size 20 --author "Ada Lovelace"

Exit codes:
  0  built (with --keep-going: built, perhaps without the invalid seeds)
  1  invalid seeds: nothing was written, dist/ is as it was
  2  bad command line or config
  3  a file-system fault (permission denied, read-only or full disk, too many open files, a
     path that is too long or has a file where a folder belongs; one line names the path, the
     fault and what to do; dist/ is as it was), another seedfeed is writing the output folder;
     serve: the folder was never built, or the log file cannot be written; stats: no subscriber
     counts beside the folder, or the log cannot be read
  4  serve: the port is already in use
  5  publish: the storage cannot be reached, or kept failing after retries
  6  publish: the bucket does not exist
  7  publish: the storage refused the credentials (or there are none)
  8  publish: more deletions than --max-deletes allows; nothing was written
`;

const BUILD_OPTIONS = {
  seeds: { type: "string", default: "seeds" },
  out: { type: "string", default: "dist" },
  config: { type: "string" },
  "keep-going": { type: "boolean", default: false },
  ping: { type: "boolean", default: false },
  quiet: { type: "boolean", default: false },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
  ...CONFIG_FLAG_OPTIONS,
} satisfies ParseArgsConfig["options"];

async function runBuild(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: BUILD_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const config = await loadConfig(values.config, overridesFromFlags(values));
  const { feedVersions } = await readersSettings(values.config);
  const started = performance.now();
  // Progress goes to stderr, and only when it is a terminal and not --quiet; erased before anything else is printed.
  const progress = terminalProgress(process.stderr, { quiet: values.quiet });
  const { build } = await import("./pipeline.ts");
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({ seedsDir: values.seeds, outDir: values.out, config, feedVersions, keepGoing: values["keep-going"], progress: progress.report });
  } finally {
    progress.clear();
  }
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
  if (values.ping) {
    const { pingChangedFeeds } = await import("./dev/websub.ts");
    await pingChangedFeeds(config, result.files, result.changed, (line) => process.stderr.write(`${line}\n`));
  }
  const bytes = result.files.reduce((n, f) => n + f.size, 0);
  process.stdout.write(
    `built ${result.articles} article${result.articles === 1 ? "" : "s"} into ${values.out}/: ${result.files.length} files, ${(bytes / 1024).toFixed(0)} KiB` +
      `${errors ? `, ${errors} invalid seed${errors === 1 ? "" : "s"} skipped` : ""} in ${seconds} s\n`,
  );
  return EXIT.ok;
}

const SERVE_OPTIONS = {
  dir: { type: "string", default: "dist" },
  port: { type: "string", default: "3000" },
  host: { type: "string", default: "127.0.0.1" },
  config: { type: "string" },
  log: { type: "boolean", default: false },
  "log-file": { type: "string" },
  "guard-limit": { type: "string" },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

/** The config file's "readers" section (a missing default file is fine), with --guard-limit over it. */
async function readersSettings(configFile: string | undefined, guardLimit?: string): Promise<ReadersConfig> {
  const { path, raw } = await readConfigFile(configFile);
  return readersConfig(raw[READERS_SECTION], path, { guardLimit });
}

/** What serve and dev do for feed readers, from the settings. */
function serverReaders(settings: ReadersConfig) {
  return { counts: settings.counts, guardLimit: settings.guardLimit, deltas: settings.deltas && settings.feedVersions > 0 };
}

class LogFileError extends OneLineError {}

/** Where --log and --log-file send the access log; a file that cannot be opened for appending is said at once. */
function accessLog(values: { log: boolean; "log-file"?: string | undefined }): NodeJS.WritableStream | undefined {
  const file = values["log-file"];
  if (file !== undefined && values.log) throw new ConfigError("--log writes the access log to stdout, --log-file to a file: choose one");
  if (file === undefined) return values.log ? process.stdout : undefined;
  let fd: number;
  try {
    fd = openSync(file, "a");
  } catch (e) {
    throw new LogFileError(`cannot write the access log ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  closeSync(fd);
  const out = createWriteStream(file, { flags: "a" });
  out.on("error", (e: NodeJS.ErrnoException) => process.stderr.write(`seedfeed: the access log ${file} cannot be written (${e.code ?? e.message})\n`));
  return out;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a whole number from 0 to 65535, got ${value}`);
  return port;
}

function printUrls(running: RunningServer, what: string): void {
  const feeds = Object.values(FEED_PATHS).map((p) => `  ${running.url}${p}`).join("\n");
  process.stdout.write(`serving ${what} at ${running.url}\nfeeds:\n${feeds}\n`);
}

/** Resolves with exit code 0 after SIGTERM or SIGINT, once `close` has let in-flight work finish. */
function untilSignal(close: () => Promise<unknown>): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: finishing in-flight requests\n`);
      setTimeout(() => process.exit(EXIT.ok), 10_000).unref(); // a stuck client cannot hold shutdown forever
      void close().then(() => resolve(EXIT.ok));
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

/** Runs `start`; says why and gives the exit code when the port is taken or the folder was never built. */
async function listening<T>(command: string, start: () => Promise<T>): Promise<T | number> {
  const { PortInUseError } = await import("./server/serve.ts");
  try {
    return await start();
  } catch (e) {
    if (!(e instanceof PortInUseError) && !(e instanceof NotBuiltError)) throw e;
    process.stderr.write(`seedfeed ${command}: ${e.message}\n`);
    return e instanceof PortInUseError ? EXIT.portInUse : EXIT.failure;
  }
}

async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: SERVE_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const port = parsePort(values.port);
  const readers = serverReaders(await readersSettings(values.config, values["guard-limit"]));
  const log = accessLog(values);
  const { startServer } = await import("./server/serve.ts");
  const running = await listening("serve", () => startServer({ dir: values.dir, port, host: values.host, log, readers }));
  if (typeof running === "number") return running;
  printUrls(running, `${values.dir}/`);
  return untilSignal(() => running.close());
}

const DEV_OPTIONS = {
  ...BUILD_OPTIONS,
  port: SERVE_OPTIONS.port,
  host: SERVE_OPTIONS.host,
  log: SERVE_OPTIONS.log,
  "log-file": SERVE_OPTIONS["log-file"],
  "guard-limit": SERVE_OPTIONS["guard-limit"],
} satisfies ParseArgsConfig["options"];

async function runDev(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: DEV_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const port = parsePort(values.port);
  const settings = await readersSettings(values.config, values["guard-limit"]);
  const accessLogStream = accessLog(values);
  const { startDev } = await import("./dev/dev.ts");
  const dev = await listening("dev", () =>
    startDev({
      seedsDir: values.seeds,
      outDir: values.out,
      configFile: values.config,
      overrides: overridesFromFlags(values),
      port,
      host: values.host,
      feedVersions: settings.feedVersions,
      readers: serverReaders(settings),
      accessLog: accessLogStream,
      log: (line) => process.stderr.write(`${line}\n`),
    }),
  );
  if (typeof dev === "number") return dev;
  printUrls(dev.server, `${values.out}/ (watching ${values.seeds}/)`);
  return untilSignal(() => dev.close());
}

const PUBLISH_OPTIONS = {
  dir: { type: "string", default: "dist" },
  endpoint: { type: "string" },
  region: { type: "string" },
  "path-style": { type: "boolean", default: false },
  "dry-run": { type: "boolean", default: false },
  force: { type: "boolean", default: false },
  "max-deletes": { type: "string" },
  concurrency: { type: "string" },
  "purge-list": { type: "string" },
  config: { type: "string" },
  "base-url": { type: "string" },
  quiet: { type: "boolean", default: false },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

const PUBLISH_EXIT = { unreachable: EXIT.storageUnreachable, failed: EXIT.storageUnreachable, "no-bucket": EXIT.noBucket, credentials: EXIT.credentialsRefused } as const;

async function runPublish(args: string[]): Promise<number> {
  // "--max-deletes -1" reads as two flags to parseArgs; it is the documented way to lift the limit.
  const joined: string[] = [];
  for (const a of args) {
    if (joined.at(-1) === "--max-deletes" && /^-\d+$/.test(a)) joined[joined.length - 1] += `=${a}`;
    else joined.push(a);
  }
  const { values, positionals } = parseArgs({ args: joined, options: PUBLISH_OPTIONS, strict: true, allowPositionals: true });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new ConfigError(`publish takes one target, got ${positionals.join(" ")}`);
  const { path, raw } = await readConfigFile(values.config);
  const config = await loadConfig(values.config, values["base-url"] ? { baseUrl: values["base-url"] } : {});
  const { publishSettings } = await import("./publish/settings.ts");
  const settings = publishSettings(
    raw[PUBLISH_SECTION],
    { target: positionals[0], endpoint: values.endpoint, region: values.region, pathStyle: values["path-style"], maxDeletes: values["max-deletes"], concurrency: values.concurrency },
    path,
  );
  const { publish, TooManyDeletesError } = await import("./publish/publish.ts");
  const { StorageError } = await import("./publish/bucket.ts");
  const { SiteChangedError, SiteNotBuiltError } = await import("./publish/site-files.ts");
  const { formatTarget } = await import("./publish/target.ts");
  const started = performance.now();
  const progress = terminalProgress(process.stderr, { quiet: values.quiet });
  const say = (line: string) => {
    progress.clear();
    process.stderr.write(`${line}\n`);
  };
  let result: Awaited<ReturnType<typeof publish>>;
  try {
    result = await publish({
      ...settings,
      dir: values.dir,
      dryRun: values["dry-run"],
      force: values.force,
      ...(values["purge-list"] ? { purgeList: values["purge-list"] } : {}),
      baseUrl: config.baseUrl,
      progress: progress.report,
      log: values["dry-run"] ? (line) => (line.startsWith("publish:") ? say(line) : process.stdout.write(`${line}\n`)) : say,
    });
  } catch (e) {
    progress.clear();
    if (e instanceof StorageError) {
      process.stderr.write(`seedfeed publish: ${e.message}\n`);
      return PUBLISH_EXIT[e.failure];
    }
    if (e instanceof TooManyDeletesError) {
      process.stderr.write(`seedfeed publish: ${e.message}\n`);
      return EXIT.tooManyDeletes;
    }
    if (e instanceof SiteNotBuiltError || e instanceof SiteChangedError) {
      process.stderr.write(`seedfeed publish: ${e.message}\n`);
      return EXIT.failure;
    }
    throw e;
  } finally {
    progress.clear();
  }
  const { plan } = result;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const planned = plan.batches.reduce((n, b) => n + b.uploads.length, 0);
  const bytes = plan.batches.reduce((n, b) => n + b.uploads.reduce((m, u) => m + u.file.size, 0), 0);
  process.stdout.write(
    values["dry-run"]
      ? `dry run: would upload ${planned} file${planned === 1 ? "" : "s"} (${(bytes / 1024).toFixed(0)} KiB), delete ${plan.deletions.length}, leave ${plan.unchanged} unchanged\n`
      : `published ${values.dir}/ to ${formatTarget(settings.target)}: uploaded ${result.uploaded} file${result.uploaded === 1 ? "" : "s"} (${(result.uploadedBytes / 1024).toFixed(0)} KiB), ` +
          `deleted ${result.deleted}, ${plan.unchanged} unchanged, ${result.stateWrites} state write${result.stateWrites === 1 ? "" : "s"}, in ${seconds} s\n`,
  );
  return EXIT.ok;
}

const STATS_OPTIONS = {
  dir: { type: "string" },
  log: { type: "string" },
  json: { type: "boolean", default: false },
  debug: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

async function runStats(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: STATS_OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (values.log !== undefined && values.dir !== undefined) throw new ConfigError("--dir reads the counts serve saved, --log an access log: choose one");
  const { readCounts, countsFile } = await import("./readers/counts.ts");
  const { statsJson, statsOfCounts, statsOfLog, statsTable } = await import("./readers/stats.ts");
  let report: Awaited<ReturnType<typeof statsOfLog>>;
  if (values.log !== undefined) {
    const name = values.log;
    try {
      if (name === "-") {
        const { createInterface } = await import("node:readline");
        report = await statsOfLog("stdin", createInterface({ input: process.stdin, crlfDelay: Infinity }));
      } else {
        const file = await open(name);
        try {
          report = await statsOfLog(name, file.readLines());
        } finally {
          await file.close();
        }
      }
    } catch (e) {
      process.stderr.write(`seedfeed stats: cannot read the log ${name} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
      return EXIT.failure;
    }
  } else {
    const dir = values.dir ?? "dist";
    let saved: Awaited<ReturnType<typeof readCounts>>;
    try {
      saved = await readCounts(dir);
    } catch (e) {
      process.stderr.write(`seedfeed stats: ${countsFile(dir)} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
      return EXIT.failure;
    }
    if (!saved) {
      process.stderr.write(`seedfeed stats: no subscriber counts for ${dir}/ (${countsFile(dir)}): seedfeed serve and dev count them as readers fetch the feeds\n`);
      return EXIT.failure;
    }
    report = statsOfCounts(`${dir}/`, saved);
  }
  process.stdout.write(values.json ? `${JSON.stringify(statsJson(report), null, 2)}\n` : statsTable(report));
  return EXIT.ok;
}

/**
 * A large build keeps a modest live set (about 200 MB at 100,000 articles) and makes a great deal of
 * short-lived text. V8's default lets the heap grow to several times what survived the last full
 * collection before collecting again: 1.4 GB at 100,000 articles. Growing by 20% at most held the peak
 * to 581-593 MiB at the same speed (473-505 MiB with later changes; 10% costs far more collector time;
 * BENCHMARKS.md). Read at every collection.
 */
const HEAP_GROWING_PERCENT = 20;

export async function main(argv: string[]): Promise<number> {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "build":
        return await runBuild(rest);
      case "serve":
        return await runServe(rest);
      case "dev":
        return await runDev(rest);
      case "publish":
        return await runPublish(rest);
      case "stats":
        return await runStats(rest);
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
    if (e instanceof OneLineError) {
      process.stderr.write(`seedfeed: ${e.message}\n`);
      return EXIT.failure;
    }
    // A file-system fault (or anything else unforeseen) is one line; the stack only when asked for. The
    // subcommands' parsers accept --debug, so a "--debug" here is that flag.
    const debug = rest.includes("--debug");
    const hint = isFsError(e) || debug ? "" : " (run again with --debug for the stack trace)";
    process.stderr.write(`seedfeed ${command}: ${failureLine(e)}${hint}\n`);
    if (debug) process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    return EXIT.failure;
  }
}

/** True when this module is the program node was started with, also through a symlink or a path that needs %-escapes. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}

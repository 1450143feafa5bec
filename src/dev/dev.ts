// `seedfeed dev`: the watcher and the server wired together. Each rebuild's files land in dist/ and the
// server answers from them in the same step; feeds that changed are pinged to the WebSub hub.

import { fixedVersions, servedSite, type ServedSite } from "../server/from-manifest.ts";
import type { ReaderSettings } from "../server/readers.ts";
import { startServer, type RunningServer } from "../server/serve.ts";
import { describeRebuild, Watcher, type WatchOptions } from "./watch.ts";
import { pingChangedFeeds, type PingOptions } from "./websub.ts";

export interface DevOptions extends Omit<WatchOptions, "onFilesInPlace"> {
  port: number;
  host: string;
  /** An access log line per request on this stream. */
  accessLog?: NodeJS.WritableStream;
  /** Subscriber counts, the polling guard and deltas, as `serve` does them; absent: none. */
  readers?: ReaderSettings;
  /** Retries and timeouts of the hub pings. */
  ping?: Omit<PingOptions, "log">;
}

export interface RunningDev {
  watcher: Watcher;
  server: RunningServer;
  /** Resolves when every ping sent so far has ended (they never hold up a rebuild). */
  pingsSettled(): Promise<void>;
  close(): Promise<void>;
}

/** Builds, serves, and rebuilds on every change. Throws PortInUseError (with nothing left running) when the port is taken. */
export async function startDev(options: DevOptions): Promise<RunningDev> {
  let server: RunningServer | undefined;
  let firstSite: ServedSite | undefined;
  const pings = new Set<Promise<unknown>>();
  const watcher = await Watcher.start({
    ...options,
    onFilesInPlace: (entries, feedVersions) => {
      const site = servedSite(options.outDir, entries, undefined, undefined, fixedVersions(feedVersions));
      if (server) server.swap(site);
      else firstSite = site;
    },
    onRebuild: (report) => {
      options.log(describeRebuild(report));
      options.onRebuild?.(report);
      // A hub that is down must never hold up or fail a rebuild: the ping runs on its own.
      if (!report.config.hub) return;
      const ping = pingChangedFeeds(report.config, report.files, report.changedOutputs, options.log, options.ping).finally(() => pings.delete(ping));
      pings.add(ping);
    },
  });
  try {
    server = await startServer({ dir: options.outDir, port: options.port, host: options.host, site: firstSite!, log: options.accessLog, ...(options.readers ? { readers: options.readers } : {}) });
  } catch (e) {
    await watcher.close(); // else its file watches keep the process alive
    throw e;
  }
  const running = server;
  return {
    watcher,
    server: running,
    pingsSettled: async () => {
      await Promise.all(pings);
    },
    close: async () => {
      await Promise.all([watcher.close(), running.close()]);
    },
  };
}

// The server's side of src/readers/: subscriber counts and the polling guard on each head feed fetch,
// RFC 3229 deltas, and the counts saved beside dist/ (`.dist-cache/subscribers.json`) every minute
// and on close, so a restart loses at most the last minute.

import { rename } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { COMPRESSION_LEVELS } from "../output/compress.ts";
import { countsFile, readCounts, writeCounts, type SavedCounts } from "../readers/counts.ts";
import { FeedReaders } from "../readers/readers.ts";
import type { ReaderHooks } from "./app.ts";
import { FeedDeltas } from "./feed-delta.ts";
import type { ServedFeed } from "./from-manifest.ts";

export interface ReaderSettings {
  /** Count subscribers of the head feeds. */
  counts: boolean;
  /** Fetches of one feed per client allowed within one max-age window (429 past it); 0: no guard. */
  guardLimit: number;
  /** Answer `A-IM: feed` with RFC 3229 deltas. */
  deltas: boolean;
  /** Seconds since 1970 (tests move time by hand); default: the wall clock. */
  clock?: () => number;
  /** How often the counts are saved, in ms; default 60 s. */
  saveEveryMs?: number;
}

export interface ServerReaders {
  hooks: ReaderHooks;
  /** Saves the counts now, if they changed. */
  save(): Promise<void>;
  /** Stops saving on a timer and saves one last time. */
  close(): Promise<void>;
}

const wallClock = () => Math.floor(Date.now() / 1000);

/** Loads the counts saved beside `dir` (a file that cannot be read is kept aside, with a warning) and starts counting. */
export async function startReaders(dir: string, settings: ReaderSettings, warn: (line: string) => void): Promise<ServerReaders> {
  const clock = settings.clock ?? wallClock;
  let saved: SavedCounts | undefined;
  if (settings.counts) {
    try {
      saved = await readCounts(dir);
    } catch (e) {
      const file = countsFile(dir);
      await rename(file, `${file}.unreadable`).catch(() => {});
      warn(`${file} cannot be read (${(e as Error).message}): counting starts again, the file is kept as ${file}.unreadable`);
    }
  }
  const readers = settings.counts || settings.guardLimit > 0 ? new FeedReaders({ counts: settings.counts, guardLimit: settings.guardLimit, ...(saved ? { saved } : {}) }, clock()) : undefined;
  // A connection's visitor hash, kept while the connection lives, for its next requests of the same day
  // and User-Agent: it stands for an address the socket itself holds, and saves an HMAC per request.
  const visitors = new WeakMap<Socket, { day: number; userAgent: string; hash: string }>();
  const poll = (req: IncomingMessage, feed: ServedFeed): number => {
    const now = clock();
    const day = readers!.advance(now);
    const userAgent = req.headers["user-agent"] ?? "";
    const address = req.socket.remoteAddress ?? "";
    let v = visitors.get(req.socket);
    if (v === undefined || v.day !== day || v.userAgent !== userAgent) visitors.set(req.socket, (v = { day, userAgent, hash: readers!.visitorHash(address, userAgent) }));
    return readers!.poll(feed.url, userAgent, address, feed.maxAgeSeconds, now, v.hash);
  };
  const hooks: ReaderHooks = {
    ...(readers ? { poll } : {}),
    ...(settings.deltas ? { deltas: new FeedDeltas(COMPRESSION_LEVELS.feed!) } : {}),
  };
  let lastProblem = "";
  // One save at a time: two would write the same temporary file.
  let saving = Promise.resolve();
  const save = () => (saving = saving.then(saveNow));
  const saveNow = async () => {
    const counts = readers?.takeCounts(clock());
    if (!counts) return;
    try {
      await writeCounts(dir, counts);
      lastProblem = "";
    } catch (e) {
      const problem = `cannot save subscriber counts to ${countsFile(dir)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      if (problem !== lastProblem) warn(problem);
      lastProblem = problem;
    }
  };
  const timer = settings.counts ? setInterval(() => void save(), settings.saveEveryMs ?? 60_000).unref() : undefined;
  return {
    hooks,
    save,
    close: async () => {
      clearInterval(timer);
      await save();
    },
  };
}

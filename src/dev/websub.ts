// Tells a WebSub hub that feeds changed (hub.mode=publish), so subscribers hear of it without polling.

import { setTimeout as sleep } from "node:timers/promises";
import { absoluteUrl } from "../render/urls.ts";
import type { SiteConfig } from "../types.ts";

export interface PingOptions {
  /** Attempts per feed, including the first (default 4). */
  attempts?: number;
  /** Delay before the first retry; doubles each retry (default 500 ms). */
  baseDelayMs?: number;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Where progress and failures are reported, one line each (default: nothing). */
  log?: (line: string) => void;
}

export interface PingResult {
  feedUrl: string;
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

/** A hub may ask for a pause with Retry-After; longer than this and a build would seem stuck. */
const MAX_RETRY_AFTER_MS = 30_000;

export { hubLinkHeader } from "../render/urls.ts";

/**
 * The ping policy: one publish ping per feed whose bytes changed, and none for the others. The feeds
 * readers subscribe to carry the hub's Link header; archive pages do not, and are never pinged.
 */
export function pingChangedFeeds(
  config: SiteConfig,
  files: readonly { path: string; link?: string }[],
  changed: readonly string[],
  log: (line: string) => void,
  options: Omit<PingOptions, "log"> = {},
): Promise<unknown> {
  const hub = config.hub;
  if (!hub) {
    log('--ping: no "hub" in the config, nothing to ping');
    return Promise.resolve();
  }
  const changedSet = new Set(changed);
  const feeds = files.filter((f) => f.link !== undefined && changedSet.has(f.path)).map((f) => absoluteUrl(config, f.path));
  return feeds.length > 0 ? pingHub(hub, feeds, { ...options, log }) : Promise.resolve();
}

/** Sends hub.mode=publish for each feed URL (one POST per feed, in parallel), with retries and exponential backoff. Never throws and never rejects. */
export async function pingHub(hubUrl: string, feedUrls: readonly string[], options: PingOptions = {}): Promise<PingResult[]> {
  const settings = {
    attempts: positiveInt(options.attempts, 4),
    baseDelayMs: nonNegative(options.baseDelayMs, 500),
    timeoutMs: positiveInt(options.timeoutMs, 5000),
    // A throwing logger must not turn a failed ping into a rejected promise.
    log: (line: string) => {
      try {
        options.log?.(line);
      } catch {
        // ignored: reporting is best effort
      }
    },
  };
  if (feedUrls.length === 0) return [];
  // fetch's TypeError for a bad URL looks like a network error; catch it here so it is not retried.
  if (!isHttpUrl(hubUrl)) {
    const error = `invalid hub URL ${JSON.stringify(hubUrl)}: expected an absolute http(s) URL`;
    settings.log(`websub: ${error}`);
    return feedUrls.map((feedUrl) => ({ feedUrl, ok: false, attempts: 0, error }));
  }
  return Promise.all(feedUrls.map((feedUrl) => pingOne(hubUrl, feedUrl, settings).catch((e: unknown) => unexpected(feedUrl, e))));
}

interface Settings {
  attempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  log: (line: string) => void;
}

/** What one POST came to: done (success or a failure not worth repeating), or retry after an optional hub-chosen delay. */
type Outcome =
  | { kind: "done"; ok: boolean; status?: number; error?: string }
  | { kind: "retry"; status?: number; error: string; retryAfterMs?: number };

async function pingOne(hubUrl: string, feedUrl: string, s: Settings): Promise<PingResult> {
  let last: Outcome | undefined;
  for (let attempt = 1; attempt <= s.attempts; attempt++) {
    last = await postOnce(hubUrl, feedUrl, s.timeoutMs);
    if (last.kind === "done") {
      if (last.ok) s.log(`websub: hub accepted ${feedUrl} (${last.status})`);
      else s.log(`websub: hub refused ${feedUrl}: ${last.error}`);
      return { feedUrl, ok: last.ok, attempts: attempt, ...fields(last) };
    }
    if (attempt === s.attempts) break;
    const delay = last.retryAfterMs ?? s.baseDelayMs * 2 ** (attempt - 1);
    s.log(`websub: ${feedUrl}: ${last.error}; retrying in ${delay} ms (attempt ${attempt} of ${s.attempts})`);
    await sleep(delay);
  }
  const error = last?.error ?? "no attempt made";
  s.log(`websub: gave up on ${feedUrl} after ${s.attempts} attempt(s): ${error}`);
  return { feedUrl, ok: false, attempts: s.attempts, ...(last?.status !== undefined ? { status: last.status } : {}), error };
}

async function postOnce(hubUrl: string, feedUrl: string, timeoutMs: number): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(hubUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ "hub.mode": "publish", "hub.url": feedUrl }).toString(),
      signal: AbortSignal.timeout(timeoutMs),
      // Followed, a 301/302 turns the POST into a GET whose 200 would pass for an accepted ping.
      redirect: "manual",
    });
  } catch (e) {
    return { kind: "retry", error: describeFetchError(e, timeoutMs) };
  }
  // The body is not needed; dropping it frees the connection instead of leaving it to the GC.
  await res.body?.cancel().catch(() => {});
  const status = res.status;
  if (status >= 200 && status < 300) return { kind: "done", ok: true, status };
  const error = `HTTP ${status}${res.statusText ? ` ${res.statusText}` : ""}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
    return { kind: "retry", status, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (status >= 300 && status < 400) {
    const location = res.headers.get("location");
    return { kind: "done", ok: false, status, error: `${error}: the hub URL redirects${location ? ` to ${location}` : ""}; configure the final URL` };
  }
  return { kind: "done", ok: false, status, error };
}

/** Only the delay-seconds form; an HTTP-date (or anything else) falls back to backoff. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
}

function describeFetchError(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return `timed out after ${timeoutMs} ms`;
  // undici says only "fetch failed"; the cause holds the useful part (ECONNREFUSED, ENOTFOUND, ...).
  const cause = e instanceof Error ? (e.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return `${cause.code}${typeof cause.message === "string" ? ` (${cause.message})` : ""}`;
  if (cause && typeof cause.message === "string") return cause.message;
  return e instanceof Error ? e.message : String(e);
}

function fields(o: { status?: number; error?: string }): { status?: number; error?: string } {
  return { ...(o.status !== undefined ? { status: o.status } : {}), ...(o.error !== undefined ? { error: o.error } : {}) };
}

function unexpected(feedUrl: string, e: unknown): PingResult {
  return { feedUrl, ok: false, attempts: 0, error: `unexpected: ${e instanceof Error ? e.message : String(e)}` };
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

function positiveInt(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) && v >= 1 ? Math.floor(v) : fallback;
}

function nonNegative(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback;
}

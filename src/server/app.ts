// The Express host. One handler answers every request from the current ServedSite.

import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import { evaluateConditions } from "./conditional.ts";
import type { FeedDeltas } from "./feed-delta.ts";
import { StaleBodyError, type ServedFeed, type ServedFile, type ServedSite } from "./from-manifest.ts";
import { resolveRequest } from "../render/urls.ts";
import { chooseEncoding } from "./negotiate.ts";
import { ALLOWED_METHODS, hasBadHost } from "./protocol.ts";

/** Longer than any URL we write; longer ones are refused before any work. */
export const MAX_URL_LENGTH = 2048;

export interface SiteSource {
  /** The site to answer from; read once per request, so a swap never mixes two builds in one response. */
  current(): ServedSite;
  /** Called when dist/ no longer matches the current site (a build replaced files): load it again. */
  reload?(): void;
  /** What the server does for feed readers; absent: nothing. */
  readers?: ReaderHooks;
}

/** The server's work for feed readers on a head feed's fetches (src/readers/, feed-delta.ts). */
export interface ReaderHooks {
  /** Counts a fetch and checks the polling guard: the seconds the client must wait (429), or 0. */
  poll?(req: IncomingMessage, feed: ServedFeed): number;
  /** RFC 3229 deltas (`A-IM: feed`) of the RSS and Atom feeds. */
  deltas?: FeedDeltas;
}

type Resolved = { kind: "file"; file: ServedFile } | { kind: "redirect"; location: string } | { kind: "bad" } | { kind: "missing" };

/** Maps a raw request URL to a file of the site. Only manifest paths can ever be reached. */
export function resolveUrl(rawUrl: string, site: ServedSite): Resolved {
  if (rawUrl.length > MAX_URL_LENGTH || !rawUrl.startsWith("/")) return { kind: "bad" };
  const q = rawUrl.search(/[?#]/);
  const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
  // Encoded separators and NUL have no meaning in our URL space; refuse them rather than guess.
  if (/%(2f|5c|00)/i.test(pathname) || pathname.includes("\\")) return { kind: "bad" };
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: "bad" };
  }
  if (/[\0\\]/.test(decoded)) return { kind: "bad" };
  if (decoded.split("/").some((segment) => segment.startsWith("."))) return { kind: "missing" };
  const resolved = resolveRequest(decoded.slice(1), (p) => site.files.has(p));
  if (resolved === undefined) return { kind: "missing" };
  if ("file" in resolved) return { kind: "file", file: site.files.get(resolved.file)! };
  return { kind: "redirect", location: `${encodeURI(resolved.redirect)}${q < 0 ? "" : rawUrl.slice(q)}` };
}

const PLAIN = ["Content-Type", "text/plain; charset=utf-8", "X-Content-Type-Options", "nosniff"];

function plain(res: ServerResponse, status: number, text: string, extra: string[] = [], head = false): void {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, [...PLAIN, ...extra, "Content-Length", String(body.length)]);
  res.end(head ? undefined : body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/**
 * The clock in whole seconds, read again only for a file dated after the last reading. The clock only
 * moves forward, so a file dated at or before that reading is not in the future; reading it for every
 * request cost more than the rest of the date handling.
 */
let clockSeconds = 0;
function isFuture(seconds: number): boolean {
  if (seconds <= clockSeconds) return false;
  clockSeconds = Math.floor(Date.now() / 1000);
  return seconds > clockSeconds;
}

/** Last-Modified is never in the future (RFC 9110 §8.8.2.1): a future-dated article shows "now". */
function clampLastModified(headers: string[]): string[] {
  const now = new Date(clockSeconds * 1000).toUTCString();
  return headers.map((v, i) => (i > 0 && headers[i - 1] === "Last-Modified" ? now : v));
}

/** A build changed dist/ under this site: never send its bytes under the old ETag. Load the new site. */
function rebuilding(source: SiteSource, res: ServerResponse, e: unknown, head: boolean): void {
  if (!(e instanceof StaleBodyError)) throw e;
  source.reload?.();
  plain(res, 503, "Service Unavailable: the site is being rebuilt", ["Retry-After", "1", "Cache-Control", "no-store"], head);
}

/** The short answer to a client that polls a feed far faster than its Cache-Control asks. */
function tooManyRequests(res: ServerResponse, seconds: number, maxAge: number, head: boolean): void {
  const text = `Too Many Requests: this feed changes at most every ${maxAge} seconds (its Cache-Control says max-age=${maxAge}). Fetch it again in ${seconds} seconds.`;
  plain(res, 429, text, ["Retry-After", String(seconds), "Cache-Control", "no-store"], head);
}

/**
 * A 226 with the feed's entries a reader lacks, when it asks with `A-IM: feed` and names in
 * If-None-Match an older version the feed versions know; false when a full answer it must be.
 */
function sendDelta(source: SiteSource, req: IncomingMessage, res: ServerResponse, feed: ServedFeed, site: ServedSite, futureDated: boolean): boolean {
  const deltas = source.readers?.deltas;
  const aIm = header(req, "a-im");
  const ifNoneMatch = header(req, "if-none-match");
  if (!deltas || !feed.delta || aIm === undefined || ifNoneMatch === undefined) return false;
  const answer = deltas.answer(feed.delta, site.versionsOf(feed.base, feed.delta.tag), { aIm, ifNoneMatch, acceptEncoding: header(req, "accept-encoding") });
  if (!answer) return false;
  res.writeHead(226, futureDated ? clampLastModified(answer.headers) : answer.headers);
  res.end(req.method === "HEAD" ? undefined : answer.body);
  return true;
}

function sendFile(source: SiteSource, req: IncomingMessage, res: ServerResponse, file: ServedFile, status: 200 | 404): void {
  const head = req.method === "HEAD";
  const feed = status === 200 ? file.feed : undefined;
  if (feed !== undefined && source.readers?.poll) {
    const wait = source.readers.poll(req, feed);
    if (wait > 0) return tooManyRequests(res, wait, feed.maxAgeSeconds, head);
  }
  const futureDated = file.lastModifiedSeconds !== undefined && isFuture(file.lastModifiedSeconds);
  for (;;) {
    const rep = file.representations[chooseEncoding(header(req, "accept-encoding"), file.codings)]!;
    if (status === 200) {
      const h = req.headers;
      const conditional = h["if-match"] !== undefined || h["if-none-match"] !== undefined || h["if-modified-since"] !== undefined || h["if-unmodified-since"] !== undefined;
      const outcome = !conditional
        ? "send"
        : evaluateConditions(
            {
              ifMatch: header(req, "if-match"),
              ifNoneMatch: header(req, "if-none-match"),
              ifModifiedSince: header(req, "if-modified-since"),
              ifUnmodifiedSince: header(req, "if-unmodified-since"),
            },
            { etag: rep.etag, ...(file.lastModifiedSeconds !== undefined ? { lastModifiedSeconds: futureDated ? clockSeconds : file.lastModifiedSeconds } : {}) },
          );
      if (outcome === "not-modified") {
        res.writeHead(304, futureDated ? clampLastModified(rep.headers304) : rep.headers304);
        res.end();
        return;
      }
      if (outcome === "precondition-failed") return plain(res, 412, "Precondition Failed", [], head);
      try {
        if (outcome === "send" && feed !== undefined && sendDelta(source, req, res, feed, source.current(), futureDated)) return;
      } catch (e) {
        return rebuilding(source, res, e, head);
      }
    }
    // A HEAD needs the bytes only when their length is not known yet (a coding not compressed so far).
    const needsBody = !head || rep.headers200 === undefined;
    let body: Buffer | undefined;
    try {
      body = needsBody ? rep.body() : undefined;
    } catch (e) {
      return rebuilding(source, res, e, head);
    }
    // Compressed on demand, the coding was no smaller: the file no longer offers it; choose again.
    if (needsBody && body === undefined) continue;
    const headers = status === 200 ? rep.headers200! : rep.headers404!;
    res.writeHead(status, futureDated && status === 200 ? clampLastModified(headers) : headers);
    res.end(head ? undefined : body);
    return;
  }
}

/**
 * Raw request URLs that named a file, per site: most requests are for a few feeds and pages, and a hit
 * skips decoding and checking the URL again. Emptied when full, so hostile URLs cannot grow it.
 */
const HITS_PER_SITE = 4096;
const hitsBySite = new WeakMap<ServedSite, Map<string, ServedFile>>();

function fileOf(url: string, site: ServedSite): ServedFile | undefined {
  let hits = hitsBySite.get(site);
  if (hits === undefined) hitsBySite.set(site, (hits = new Map()));
  let file = hits.get(url);
  if (file === undefined) {
    const resolved = resolveUrl(url, site);
    if (resolved.kind !== "file") return undefined;
    if (hits.size >= HITS_PER_SITE) hits.clear();
    hits.set(url, (file = resolved.file));
  }
  return file;
}

/**
 * The hot path: a GET or HEAD of a file of the site, answered before Express dispatches. Express's
 * router alone caps this 2-core machine at about 6,700 requests per second (BENCHMARKS.md), below
 * what feed polling at scale needs; everything else (errors, redirects, 404, 405) goes
 * through the Express app. Returns false when the request is not such a hit.
 */
export function answerFileHit(source: SiteSource, req: IncomingMessage, res: ServerResponse): boolean {
  if ((req.method !== "GET" && req.method !== "HEAD") || hasBadHost(req)) return false;
  const file = fileOf(req.url ?? "", source.current());
  if (file === undefined) return false;
  sendFile(source, req, res, file, 200);
  return true;
}

export function handleRequest(source: SiteSource, req: IncomingMessage, res: ServerResponse): void {
  const site = source.current();
  const head = req.method === "HEAD";
  if (hasBadHost(req)) return plain(res, 400, "Bad Request", [], head);
  // Node's parser hands over only the methods it knows (http.METHODS): those a file does not allow are 405;
  // any other method is refused by the parser and answered 501 (protocol.ts).
  if (req.method !== "GET" && !head) return plain(res, 405, "Method Not Allowed", ["Allow", ALLOWED_METHODS]);
  const resolved = resolveUrl(req.url ?? "", site);
  switch (resolved.kind) {
    case "file":
      return sendFile(source, req, res, resolved.file, 200);
    case "redirect":
      return plain(res, 301, "Moved Permanently", ["Location", resolved.location], head);
    case "bad":
      return plain(res, 400, "Bad Request", [], head);
    case "missing":
      if (site.notFound) return sendFile(source, req, res, site.notFound, 404);
      return plain(res, 404, "Not Found", [], head);
  }
}

export function createApp(source: SiteSource): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.use((req: Request, res: Response) => handleRequest(source, req, res));
  // Never a stack trace to a client.
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    process.stderr.write(`seedfeed serve: ${err.stack ?? err.message}\n`);
    if (!res.headersSent) plain(res, 500, "Internal Server Error");
    else res.destroy();
  });
  return app;
}

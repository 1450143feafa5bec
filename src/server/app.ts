// The Express host. One handler answers every request from the current ServedSite.

import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import { evaluateConditions } from "./conditional.ts";
import { StaleBodyError, type ServedFile, type ServedSite } from "./from-manifest.ts";
import { chooseEncoding } from "./negotiate.ts";
import { ALLOWED_METHODS, hasBadHost } from "./protocol.ts";

/** Longer than any URL we write; longer ones are refused before any work. */
export const MAX_URL_LENGTH = 2048;

export interface SiteSource {
  /** The site to answer from; read once per request, so a swap never mixes two builds in one response. */
  current(): ServedSite;
  /** Called when dist/ no longer matches the current site (a build replaced files): load it again. */
  reload?(): void;
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
  const rel = decoded.slice(1);
  const path = rel === "" || rel.endsWith("/") ? `${rel}index.html` : rel;
  const file = site.files.get(path);
  if (file) return { kind: "file", file };
  const query = q < 0 ? "" : rawUrl.slice(q);
  if (site.files.has(`${rel}/index.html`)) return { kind: "redirect", location: `${pathname}/${query}` };
  // An article's URL without ".html", as Cloudflare Pages and GitHub Pages serve it: to the canonical URL.
  if (rel !== "" && !rel.endsWith("/") && site.files.has(`${rel}.html`)) return { kind: "redirect", location: `${pathname}.html${query}` };
  return { kind: "missing" };
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

function sendFile(source: SiteSource, req: IncomingMessage, res: ServerResponse, file: ServedFile, status: 200 | 404): void {
  const coding = chooseEncoding(header(req, "accept-encoding"), file.codings);
  const rep = file.representations[coding]!;
  const head = req.method === "HEAD";
  let headers200 = rep.headers200;
  let headers304 = rep.headers304;
  // Last-Modified is never in the future (RFC 9110 §8.8.2.1): a future-dated article shows "now".
  const nowSeconds = Math.floor(Date.now() / 1000);
  const futureDated = file.lastModifiedSeconds !== undefined && file.lastModifiedSeconds > nowSeconds;
  if (futureDated) {
    const now = new Date(nowSeconds * 1000).toUTCString();
    const clamp = (h: string[]) => h.map((v, i) => (i > 0 && h[i - 1] === "Last-Modified" ? now : v));
    headers200 = clamp(headers200);
    headers304 = clamp(headers304);
  }
  if (status === 200) {
    const outcome = evaluateConditions(
      {
        ifMatch: header(req, "if-match"),
        ifNoneMatch: header(req, "if-none-match"),
        ifModifiedSince: header(req, "if-modified-since"),
        ifUnmodifiedSince: header(req, "if-unmodified-since"),
      },
      { etag: rep.etag, ...(file.lastModifiedSeconds !== undefined ? { lastModifiedSeconds: Math.min(file.lastModifiedSeconds, nowSeconds) } : {}) },
    );
    if (outcome === "not-modified") {
      res.writeHead(304, headers304);
      res.end();
      return;
    }
    if (outcome === "precondition-failed") return plain(res, 412, "Precondition Failed", [], head);
  }
  let body: Buffer | undefined;
  try {
    body = head ? undefined : rep.body();
  } catch (e) {
    if (!(e instanceof StaleBodyError)) throw e;
    // A build changed dist/ under this site: never send its bytes under the old ETag. Load the new site.
    source.reload?.();
    return plain(res, 503, "Service Unavailable: the site is being rebuilt", ["Retry-After", "1", "Cache-Control", "no-store"], head);
  }
  res.writeHead(status, status === 200 ? headers200 : rep.headers404);
  res.end(body);
}

/**
 * The hot path: a GET or HEAD of a file of the site, answered before Express dispatches. Express's
 * router alone caps this 2-core machine at about 6,700 requests per second (BENCHMARKS.md), below
 * what feed polling at scale needs; everything else (errors, redirects, 404, 405, logging) goes
 * through the Express app. Returns false when the request is not such a hit.
 */
export function answerFileHit(source: SiteSource, req: IncomingMessage, res: ServerResponse): boolean {
  if ((req.method !== "GET" && req.method !== "HEAD") || hasBadHost(req)) return false;
  const resolved = resolveUrl(req.url ?? "", source.current());
  if (resolved.kind !== "file") return false;
  sendFile(source, req, res, resolved.file, 200);
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

export interface AppOptions {
  /** One line per request on this stream. */
  log?: NodeJS.WritableStream;
}

export function createApp(source: SiteSource, options: AppOptions = {}): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  if (options.log) {
    const out = options.log;
    app.use((req: Request, res: Response, next: NextFunction) => {
      const started = performance.now();
      res.on("finish", () => {
        const ms = (performance.now() - started).toFixed(1);
        out.write(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms}ms\n`);
      });
      next();
    });
  }
  app.use((req: Request, res: Response) => handleRequest(source, req, res));
  // Never a stack trace to a client.
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    process.stderr.write(`seedfeed serve: ${err.stack ?? err.message}\n`);
    if (!res.headersSent) plain(res, 500, "Internal Server Error");
    else res.destroy();
  });
  return app;
}

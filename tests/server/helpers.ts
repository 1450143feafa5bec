// Shared fixtures for the server tests: real seeds in a temp folder, the real build, the real server on an
// ephemeral loopback port, and HTTP clients that send exactly the bytes a test asks for.

import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { build, type RunResult } from "../../src/pipeline.ts";
import { validateConfig } from "../../src/config.ts";
import { manifestFileOf, parseManifest, type Manifest, type ManifestEntry } from "../../src/output/manifest.ts";
import type { ReaderSettings } from "../../src/server/readers.ts";
import { startServer, type RunningServer } from "../../src/server/serve.ts";
import type { SiteConfig } from "../../src/types.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `seedfeed-server-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export const CONFIG: SiteConfig = validateConfig(
  {
    title: "Server test site",
    description: "Built by the server tests",
    baseUrl: "http://127.0.0.1/",
    author: { name: "Server Tests" },
    tagPrefix: "tag:server-tests.example,2025:",
    // Every file with its brotli and gzip variants: these tests are about serving precompressed files.
    precompress: "all",
  },
  "server tests",
);

/** Seeds of both formats. Article ids: 5eed5e7e00000001, 5eed5e7e00000002, markdown-one, markdown-two. */
export const SEEDS: Record<string, string> = {
  "001_5eed5e7e00000001.txt": [
    " date 2025-03-01 1",
    "The first text seed",
    "A paragraph long enough that the compressed variants are smaller than the page itself, which they must be to exist at all.",
    "A second paragraph, so the page has a little more text to squeeze: feeds, pages, validators, encodings.",
    "",
  ].join("\n"),
  "002_5eed5e7e00000002.txt": [
    " date 2025-04-12 2",
    "The second text seed",
    "Another body paragraph. Conditional requests save feed readers from downloading the same bytes again and again.",
    "",
  ].join("\n"),
  "markdown-one.md": [
    "---",
    'title: "Markdown one"',
    "date: 2025-05-20",
    "updated: 2025-06-02T08:30:00Z",
    "tags: [http, caching]",
    "---",
    "The **newest** article: it dates the feeds. Its update date is later than its publication date.",
    "",
    "- a list item",
    "- another one",
    "",
  ].join("\n"),
  "markdown-two.md": [
    "---",
    'title: "Markdown two"',
    "date: 2025-01-15",
    "---",
    "The oldest article. Editing this body changes bytes without giving anything a newer date.",
    "",
  ].join("\n"),
};

export async function writeSeeds(dir: string, seeds: Record<string, string> = SEEDS): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(seeds)) await writeFile(join(dir, name), text);
}

/**
 * A build of the test site. `precompress` "none" writes it identity only, as for a host that compresses
 * itself; `feedVersions`: versions of each head feed kept for deltas.
 */
export async function buildInto(
  seedsDir: string,
  outDir: string,
  options: { config?: SiteConfig; precompress?: SiteConfig["precompress"]; feedVersions?: number } = {},
): Promise<RunResult> {
  const config = options.config ?? CONFIG;
  const result = await build({ seedsDir, outDir, config: { ...config, precompress: options.precompress ?? config.precompress }, ...(options.feedVersions !== undefined ? { feedVersions: options.feedVersions } : {}) });
  if (!result.written) throw new Error(`fixture build failed: ${JSON.stringify(result.diagnostics)}`);
  return result;
}

export async function readManifest(distDir: string): Promise<Manifest> {
  return parseManifest(await readFile(manifestFileOf(distDir), "utf8"));
}

export async function serve(distDir: string, extra: { log?: NodeJS.WritableStream; port?: number; readers?: ReaderSettings; warn?: (line: string) => void } = {}): Promise<RunningServer> {
  return startServer({ dir: distDir, port: extra.port ?? 0, host: "127.0.0.1", ...extra });
}

export function portOf(server: RunningServer): number {
  return Number(new URL(server.url).port);
}

/** A built site in its own temp folder, served: seeds/, dist/ and a secret planted next to dist/. */
export interface Fixture {
  root: string;
  seedsDir: string;
  distDir: string;
  /** Content of root/secret.txt, next to dist/: must never be served. */
  secret: string;
  manifest: Manifest;
  server: RunningServer;
  port: number;
  /** Bytes of dist/404.html: the body of every "missing" answer. */
  notFoundPage: Buffer;
  close(): Promise<void>;
}

export async function startFixture(label: string): Promise<Fixture> {
  const root = await makeTempDir(label);
  try {
    const seedsDir = join(root, "seeds");
    const distDir = join(root, "dist");
    await writeSeeds(seedsDir);
    await buildInto(seedsDir, distDir);
    const secret = `secret-${randomBytes(12).toString("hex")}`;
    await writeFile(join(root, "secret.txt"), secret);
    await writeFile(join(root, "package.json"), JSON.stringify({ name: "planted", secret }));
    await writeFile(join(distDir, ".env"), `TOKEN=${secret}\n`);
    await writeFile(join(distDir, "planted.txt"), secret);
    const manifest = await readManifest(distDir);
    const notFoundPage = await readFile(join(distDir, "404.html"));
    const server = await serve(distDir);
    return {
      root, seedsDir, distDir, secret, manifest, server, port: portOf(server), notFoundPage,
      close: async () => {
        await server.close();
        await removeDir(root);
      },
    };
  } catch (e) {
    await removeDir(root);
    throw e;
  }
}

export async function copySeeds(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
}

// ---------------------------------------------------------------------------------------------- URLs

/**
 * The URLs that serve a dist/ file with a 200, worked out here rather than taken from src/: a folder's
 * index.html at the folder, a page (not the 404 page) without ".html", anything else at its path.
 */
export function urlsFor(path: string): string[] {
  if (path === "index.html" || path.endsWith("/index.html")) return [`/${path.slice(0, -"index.html".length)}`];
  if (path.endsWith(".html") && path !== "404.html") return [`/${path.slice(0, -".html".length)}`];
  return [`/${path}`];
}

export function entry(manifest: Manifest, path: string): ManifestEntry {
  const e = manifest.files.find((f) => f.path === path);
  if (!e) throw new Error(`${path} is not in the manifest`);
  return e;
}

export function stylesheetPath(manifest: Manifest): string {
  const css = manifest.files.find((f) => /^assets\/style\.[0-9a-f]+\.css$/.test(f.path));
  if (!css) throw new Error("no hashed stylesheet in the manifest");
  return css.path;
}

export const CODINGS = ["identity", "br", "gzip"] as const;
export type TestCoding = (typeof CODINGS)[number];

/** A body as its Content-Encoding says: the identity bytes it stands for. */
export function decode(body: Buffer, contentEncoding: string | undefined): Buffer {
  if (contentEncoding === undefined || contentEncoding === "identity") return body;
  if (contentEncoding === "br") return brotliDecompressSync(body);
  if (contentEncoding === "gzip") return gunzipSync(body);
  throw new Error(`unexpected Content-Encoding ${contentEncoding}`);
}

// ------------------------------------------------------------------------------------------- clients

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header names as the server wrote them, in order. */
  headerNames: string[];
  body: Buffer;
}

/** One request with node:http: no Accept-Encoding or anything else unless given; a fresh connection. */
export function get(port: number, path: string, headers: OutgoingHttpHeaders = {}, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          headerNames: res.rawHeaders.filter((_, i) => i % 2 === 0),
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

export const head = (port: number, path: string, headers: OutgoingHttpHeaders = {}) => get(port, path, headers, "HEAD");

export interface RawReply {
  /** Everything the server sent, as latin1 text. */
  text: string;
  status: number;
  /** Lower-case names; repeated names joined with ", ". */
  headers: Record<string, string>;
  /** The bytes after the blank line that ends the head, up to the server closing the connection. */
  body: Buffer;
}

/** Sends `requestText` verbatim over TCP and reads until the server closes; nothing normalizes the target. */
export function rawRequest(port: number, requestText: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(requestText));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      const headText = (split < 0 ? all : all.subarray(0, split)).toString("latin1");
      const [statusLine = "", ...lines] = headText.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      resolve({
        text: all.toString("latin1"),
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: split < 0 ? Buffer.alloc(0) : all.subarray(split + 4),
      });
    });
  });
}

/** A GET over a raw socket for `target`, exactly as given, with extra header lines. */
export function rawGet(port: number, target: string, headerLines: string[] = [], method = "GET"): Promise<RawReply> {
  return rawRequest(port, [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", ...headerLines, "Connection: close", "", ""].join("\r\n"));
}

// ------------------------------------------------------------------------------------------ _headers

/** Netlify/Cloudflare _headers: a URL path line, then indented "Name: value" lines. Blocks by path, in order. */
/**
 * Netlify / Cloudflare Pages matching of one _headers rule: a ":name" segment matches exactly one
 * non-empty segment, "*" any rest of the path, anything else itself. Written from their docs, not from our code.
 */
export function ruleMatches(rule: string, url: string): boolean {
  const pattern = rule
    .split("/")
    .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${pattern}$`).test(url);
}

export function parseHeadersFile(text: string): Map<string, [string, string][]> {
  const blocks = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (/^\s/.test(line)) {
      if (!current) throw new Error(`_headers: header line before any path: ${line}`);
      const colon = line.indexOf(":");
      if (colon < 0) throw new Error(`_headers: not a "Name: value" line: ${line}`);
      current.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    } else {
      const path = line.trim();
      if (blocks.has(path)) throw new Error(`_headers: ${path} declared twice`);
      current = [];
      blocks.set(path, current);
    }
  }
  return blocks;
}

// --------------------------------------------------------------------------------------------- misc

/** Validators of every file at every URL and in every encoding it has, as the server sends them. */
export async function validatorSnapshot(port: number, manifest: Manifest): Promise<Record<string, { etag?: string; lastModified?: string }>> {
  const snapshot: Record<string, { etag?: string; lastModified?: string }> = {};
  for (const f of manifest.files) {
    const codings: TestCoding[] = ["identity", ...(f.br ? (["br"] as const) : []), ...(f.gzip ? (["gzip"] as const) : [])];
    for (const url of urlsFor(f.path)) {
      for (const coding of codings) {
        const r = await get(port, url, { "Accept-Encoding": coding });
        if (r.status !== 200) throw new Error(`${url} (${coding}) answered ${r.status}`);
        snapshot[`${url} ${coding}`] = {
          ...(r.headers.etag !== undefined ? { etag: r.headers.etag } : {}),
          ...(r.headers["last-modified"] !== undefined ? { lastModified: r.headers["last-modified"] } : {}),
        };
      }
    }
  }
  return snapshot;
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

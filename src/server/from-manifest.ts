// dist/manifest.json → the in-memory site the server answers from. Every header is computed here, once
// per file and encoding, so a request only picks a precomputed representation.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mapLimit } from "../concurrency.ts";
import { fileHeaders } from "../output/http-headers.ts";
import { MANIFEST_PATH, manifestEntry, parseManifest, type ManifestEntry, type ManifestVariant } from "../output/manifest.ts";
import { sha256 } from "../output/output-set.ts";
import type { OutputFile } from "../types.ts";
import type { Coding } from "./negotiate.ts";

export interface Representation {
  body: Buffer;
  etag: string;
  /** Flat [name, value, name, value…] lists, ready for writeHead. */
  headers200: string[];
  headers304: string[];
  /** For the 404 page: it is not the resource asked for, so no validators. */
  headers404: string[];
}

export interface ServedFile {
  path: string;
  /** Whole seconds; absent when the file has no date. */
  lastModifiedSeconds?: number;
  codings: ReadonlySet<Coding>;
  representations: Partial<Record<Coding, Representation>>;
}

export interface ServedSite {
  files: ReadonlyMap<string, ServedFile>;
  notFound?: ServedFile;
}

const READ_CONCURRENCY = 32;

/** Strong ETag from the content hash of these exact bytes (each encoding has its own). */
export function etagOf(sha: string): string {
  return `"${sha.slice(0, 32)}"`;
}

function representation(entry: ManifestEntry, body: Buffer, sha: string, coding: Coding): Representation {
  const etag = etagOf(sha);
  const lastModified = entry.lastModified ? new Date(entry.lastModified).toUTCString() : undefined;
  const common = fileHeaders(entry);
  const validators: [string, string][] = [["ETag", etag], ...(lastModified ? [["Last-Modified", lastModified] as [string, string]] : [])];
  const payload: [string, string][] = [
    ...(coding === "identity" ? [] : [["Content-Encoding", coding] as [string, string]]),
    ["Content-Length", String(body.length)],
  ];
  const headers200 = [...common, ...validators, ...payload].flat();
  const headers404 = [...common, ...payload].flat();
  // A 304 carries what a 200 would have said about caching and validation (RFC 9110 §15.4.5).
  const headers304 = [
    ...validators,
    ...common.filter(([k]) => k === "Cache-Control" || k === "Vary"),
  ].flat();
  return { body, etag, headers200, headers304, headers404 };
}

async function readVerified(dir: string, path: string, size: number, sha: string): Promise<Buffer> {
  const body = await readFile(join(dir, path));
  if (body.length !== size || sha256(body) !== sha) throw new Error(`${path} in ${dir} does not match manifest.json: rebuild`);
  return body;
}

function servedFile(entry: ManifestEntry, bodies: Partial<Record<Coding, Buffer>>): ServedFile {
  const representations: Partial<Record<Coding, Representation>> = {};
  representations.identity = representation(entry, bodies.identity!, entry.sha256, "identity");
  if (entry.br && bodies.br) representations.br = representation(entry, bodies.br, entry.br.sha256, "br");
  if (entry.gzip && bodies.gzip) representations.gzip = representation(entry, bodies.gzip, entry.gzip.sha256, "gzip");
  return {
    path: entry.path,
    ...(entry.lastModified ? { lastModifiedSeconds: Math.floor(Date.parse(entry.lastModified) / 1000) } : {}),
    codings: new Set(Object.keys(representations) as Coding[]),
    representations,
  };
}

async function loadFile(dir: string, entry: ManifestEntry): Promise<ServedFile> {
  const read = (v: ManifestVariant | undefined) => (v ? readVerified(dir, v.path, v.size, v.sha256) : undefined);
  const [identity, br, gzip] = await Promise.all([readVerified(dir, entry.path, entry.size, entry.sha256), read(entry.br), read(entry.gzip)]);
  return servedFile(entry, { identity, ...(br ? { br } : {}), ...(gzip ? { gzip } : {}) });
}

function siteOf(files: ServedFile[]): ServedSite {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const notFound = byPath.get("404.html");
  return { files: byPath, ...(notFound ? { notFound } : {}) };
}

/** Reads a built dist/ and checks every file against its manifest entry. */
export async function loadServedSite(dir: string): Promise<ServedSite> {
  const manifest = parseManifest(await readFile(join(dir, MANIFEST_PATH), "utf8"));
  return siteOf(await mapLimit(manifest.files, READ_CONCURRENCY, (entry) => loadFile(dir, entry)));
}

// Watch mode hands back the very same OutputFile for an unchanged file, so its responses are made once.
const servedByOutput = new WeakMap<OutputFile, ServedFile>();

/** The site of a build held in memory (watch mode). */
export function servedSiteFromOutput(files: readonly OutputFile[]): ServedSite {
  return siteOf(
    files.map((f) => {
      let served = servedByOutput.get(f);
      if (!served) {
        served = servedFile(manifestEntry(f), { identity: f.bytes, ...(f.br ? { br: f.br.bytes } : {}), ...(f.gzip ? { gzip: f.gzip.bytes } : {}) });
        servedByOutput.set(f, served);
      }
      return served;
    }),
  );
}

// dist/manifest.json: the output set without its bytes. The server serves from it; the watcher diffs two of them.

import type { FileKind, OutputFile } from "../types.ts";

export const MANIFEST_PATH = "manifest.json";
export const MANIFEST_VERSION = 1;

export interface ManifestVariant {
  /** Path of the variant file in dist/, e.g. "rss.xml.br". */
  path: string;
  size: number;
  sha256: string;
}

export interface ManifestEntry {
  path: string;
  kind: FileKind;
  contentType: string;
  cacheControl: string;
  link?: string;
  size: number;
  sha256: string;
  lastModified?: string;
  br?: ManifestVariant;
  gzip?: ManifestVariant;
}

export interface Manifest {
  version: number;
  files: ManifestEntry[];
}

export const VARIANT_SUFFIX = { br: ".br", gzip: ".gz" } as const;

export function manifestEntry(f: OutputFile): ManifestEntry {
  const variant = (enc: "br" | "gzip"): ManifestVariant | undefined => {
    const v = f[enc];
    return v ? { path: f.path + VARIANT_SUFFIX[enc], size: v.bytes.length, sha256: v.sha256 } : undefined;
  };
  return {
    path: f.path,
    kind: f.kind,
    contentType: f.contentType,
    cacheControl: f.cacheControl,
    link: f.link,
    size: f.bytes.length,
    sha256: f.sha256,
    lastModified: f.lastModified,
    br: variant("br"),
    gzip: variant("gzip"),
  };
}

/** One file a line, so a diff of two manifests reads like a changelog. */
export function serializeManifest(files: readonly OutputFile[]): string {
  const lines = files.map((f) => JSON.stringify(manifestEntry(f)));
  return `{"version":${MANIFEST_VERSION},"files":[\n${lines.join(",\n")}\n]}\n`;
}

export function parseManifest(text: string): Manifest {
  const m = JSON.parse(text) as Manifest;
  if (m.version !== MANIFEST_VERSION || !Array.isArray(m.files)) throw new Error(`unsupported manifest (version ${String(m.version)})`);
  return m;
}

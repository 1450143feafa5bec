// dist/_headers in the Netlify / Cloudflare Pages format, derived from the same headers the server sends.

import type { ManifestEntry } from "./manifest.ts";
import { fileHeaders } from "./http-headers.ts";

export const HEADERS_FILE_PATH = "_headers";

/** The URL paths a file answers: an index.html also answers its folder. */
export function urlPathsOf(path: string): string[] {
  if (path === "index.html") return ["/", "/index.html"];
  if (path.endsWith("/index.html")) return [`/${path.slice(0, -"index.html".length)}`, `/${path}`];
  return [`/${path}`];
}

export function renderHeadersFile(files: readonly ManifestEntry[]): string {
  const blocks: string[] = [];
  for (const f of files) {
    const lines = fileHeaders(f).map(([k, v]) => `  ${k}: ${v}`).join("\n");
    for (const url of urlPathsOf(f.path)) blocks.push(`${url}\n${lines}`);
  }
  return `${blocks.join("\n")}\n`;
}

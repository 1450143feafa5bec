// The response headers a file always carries, whoever serves it: seedfeed's server or a CDN reading _headers.

import type { FileKind } from "../types.ts";

/** Pages only load our own stylesheet; no scripts at all. */
export const HTML_CSP = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface HeaderSource {
  kind: FileKind;
  contentType: string;
  cacheControl: string;
  link?: string;
}

/** Headers as [name, value] pairs, in a fixed order. */
export function fileHeaders(f: HeaderSource): [string, string][] {
  const headers: [string, string][] = [
    ["Content-Type", f.contentType],
    ["Cache-Control", f.cacheControl],
    ["Vary", "Accept-Encoding"],
    ["X-Content-Type-Options", "nosniff"],
  ];
  if (f.contentType.startsWith("text/html")) headers.push(["Content-Security-Policy", HTML_CSP]);
  if (f.link) headers.push(["Link", f.link]);
  return headers;
}

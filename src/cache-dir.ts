// The folder beside the output folder where seedfeed keeps what is not the site: dist/ is published as it
// is, so manifest.json, the seed index, the precompressed variants and the commit record live here.

import { basename, dirname, join, resolve } from "node:path";

/** `.dist-cache/` for `dist/`, beside it: `--out public` keeps its own `.public-cache/`. */
export function cacheDirOf(outDir: string): string {
  const out = resolve(outDir);
  return join(dirname(out), `.${basename(out)}-cache`);
}

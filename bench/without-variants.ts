// dist/ as a build that precompresses nothing writes it: the variants gone from the folder and from the
// manifest. The manifest is replaced by a rename, as a build does, so a server never reads half of one.
// For bench/serve.ts and the server's tests of compression on demand.

import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MANIFEST_PATH, manifestEntryOf, readManifestEntries, serializeManifest } from "../src/output/manifest.ts";

export async function withoutVariants(dist: string): Promise<void> {
  const entries = [...readManifestEntries(join(dist, MANIFEST_PATH)).values()];
  for (const e of entries) for (const v of [e.br, e.gzip]) if (v) await rm(join(dist, v.path));
  const identityOnly = entries.map(({ br: _br, gzip: _gzip, key, ...e }) => manifestEntryOf(e, key ?? ""));
  await writeFile(join(dist, ".manifest.next"), serializeManifest(identityOnly));
  await rename(join(dist, ".manifest.next"), join(dist, MANIFEST_PATH));
}

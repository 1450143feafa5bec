// Runs a scan (and optionally one body re-read) of a seeds folder in a child process and prints the
// outcome as JSON. bounded-read.test.ts runs it under a time and memory limit: a read that never ends
// (a regression) then kills the child, not the test runner or the machine.

import { readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { readArticle } from "../../src/content/read-article.ts";
import { scanSeeds } from "../../src/content/scan.ts";
import type { SeedIndex } from "../../src/content/seed-index.ts";

/** Bytes this process has read so far, from the kernel's own count. */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))![1]);
}

const [dir, rereadSource, linkTarget] = process.argv.slice(2) as [string, string | undefined, string | undefined];
const index: SeedIndex = new Map();
const before = bytesRead();
const scan = await scanSeeds(dir, index);
const read = bytesRead() - before;
let reread: string | undefined;
if (rereadSource) {
  // The seed is swapped for a link to `linkTarget` between the scan and the re-read of its body.
  const meta = scan.metas.find((m) => m.source === rereadSource)!;
  rmSync(join(dir, rereadSource));
  symlinkSync(linkTarget!, join(dir, rereadSource));
  try {
    readArticle(dir, index, meta);
    reread = "read";
  } catch (e) {
    reread = `${(e as Error).name}: ${(e as Error).message}`;
  }
}
process.stdout.write(JSON.stringify({ ids: scan.metas.map((m) => m.id), diagnostics: scan.diagnostics, read, reread }));

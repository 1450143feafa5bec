// Files replaced whole: written under a temporary name, then renamed into place, so a reader or a kill
// finds the old file or the new one, never half of one. A write that fails (a full disk, a read-only
// mount) removes its temporary: a failed build leaves nothing that was not there before.

import { rmSync, renameSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { withPath } from "./fs-errors.ts";

/** How much goes to the thread pool in one write. */
const BATCH_BYTES = 4 << 20;

/** Bytes from one buffer or string, or from chunks (a large manifest is never one string). */
export type Chunks = Buffer | string | Iterable<string | Buffer>;

const temporaryOf = (file: string) => `${file}.tmp`;

/** Removes a temporary after a failure; a fault here must not hide the one that caused it. */
function removeTemporary(file: string): void {
  try {
    rmSync(temporaryOf(file), { force: true });
  } catch {
    // the first error is the one to report
  }
}

/** Writes `file` through the thread pool, a few MB at a time (watch mode serves meanwhile). */
export async function replaceFile(file: string, bytes: Chunks): Promise<void> {
  const chunks = typeof bytes === "string" || Buffer.isBuffer(bytes) ? [bytes] : bytes;
  try {
    const handle = await open(temporaryOf(file), "w");
    try {
      let batch: Buffer[] = [];
      let batchBytes = 0;
      for (const chunk of chunks) {
        const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        batch.push(b);
        batchBytes += b.length;
        if (batchBytes >= BATCH_BYTES) {
          await handle.writev(batch);
          batch = [];
          batchBytes = 0;
        }
      }
      if (batch.length > 0) await handle.writev(batch);
    } finally {
      await handle.close();
    }
    renameSync(temporaryOf(file), file);
  } catch (e) {
    removeTemporary(file);
    throw withPath(e, temporaryOf(file));
  }
}

/** The same, synchronously, for a small file. */
export function replaceFileSync(file: string, bytes: string): void {
  try {
    writeFileSync(temporaryOf(file), bytes);
    renameSync(temporaryOf(file), file);
  } catch (e) {
    removeTemporary(file);
    throw withPath(e, temporaryOf(file));
  }
}

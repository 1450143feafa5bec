// Large line-per-record files (manifest.json, the seed index) read a chunk at a time, never as one string.

import { closeSync, openSync, readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a file, without their "\n". Synchronous, so a server can load a manifest between two
 * requests; in 1 MB chunks, so a 67 MB manifest is never one string. Throws if the file cannot be read.
 */
export function* readLines(file: string): Generator<string> {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder("utf8");
    let carry = "";
    for (let n; (n = readSync(fd, buffer, 0, CHUNK_BYTES, null)) > 0; ) {
      const lines = (carry + decoder.write(buffer.subarray(0, n))).split("\n");
      carry = lines.pop()!;
      yield* lines;
    }
    carry += decoder.end();
    if (carry !== "") yield carry;
  } finally {
    closeSync(fd);
  }
}

/**
 * The records of a file laid out as one JSON document, one record a line: a header line that opens the
 * document and its list (`{"version":2,"files":[`), then each record (ending in "," but the last), then
 * the closing line. Nothing when the file is empty or `acceptHeader` refuses its first line.
 * Throws if the file cannot be read or a record is not JSON.
 */
export function* readRecords<R>(file: string, acceptHeader: (line: string) => boolean): Generator<R> {
  let first = true;
  for (const raw of readLines(file)) {
    if (first) {
      if (!acceptHeader(raw)) return;
      first = false;
    } else if (raw !== "" && !raw.startsWith("]")) {
      yield JSON.parse(raw.endsWith(",") ? raw.slice(0, -1) : raw) as R;
    }
  }
}

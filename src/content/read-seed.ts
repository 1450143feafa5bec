// One seed's bytes from disk, never more than the size limit, whatever stat says and whatever the file is.

import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { isResourceLimit } from "../fs-errors.ts";
import { MAX_SEED_BYTES, tooLargeMessage } from "./parse.ts";

/** Why a seed's bytes cannot be had; the message completes "<seed> …". `code` is set for an errno. */
export class SeedReadError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

function notRegular(st: Stats): SeedReadError {
  const kind = st.isDirectory() ? "a folder"
    : st.isFIFO() ? "a named pipe (FIFO)"
    : st.isSocket() ? "a socket"
    : st.isCharacterDevice() ? "a character device"
    : st.isBlockDevice() ? "a block device"
    : "a special file";
  return new SeedReadError(`is ${kind}, not a regular file: a seed is a .txt or .md file`);
}

function errnoError(e: unknown): Error {
  if (isResourceLimit(e)) return e as Error; // not the seed's fault: the build stops with the system error
  const code = (e as NodeJS.ErrnoException).code;
  return new SeedReadError(`cannot be read: ${code ?? (e as Error).message}`, code);
}

/** The buffer grows by at least this much when stat said less than the file holds. */
const MIN_GROWTH = 64 * 1024;

/**
 * The bytes of the seed at `path` (a symbolic link is followed). Opened without blocking (a FIFO would
 * wait for a writer), checked on the open descriptor (the path may have been replaced since any stat),
 * and read to at most MAX_SEED_BYTES + 1 bytes: a device such as /dev/zero is refused, and a file whose
 * size stat does not know (/proc) or that grows while it is read never makes the read unbounded.
 */
export function readSeedFile(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    // A socket cannot be opened at all (ENXIO): say what it is rather than the errno.
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      // Gone, or a dangling link: the open's own error says so.
    }
    throw st && !st.isFile() ? notRegular(st) : errnoError(e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st);
    if (st.size > MAX_SEED_BYTES) throw new SeedReadError(tooLargeMessage(st.size)); // without reading it
    let bytes = Buffer.allocUnsafe(st.size + 1); // one byte more than stat says: room to see growth
    let length = 0;
    for (;;) {
      if (length === bytes.length) {
        if (length > MAX_SEED_BYTES) throw new SeedReadError(tooLargeMessage(undefined));
        const larger = Buffer.allocUnsafe(Math.min(Math.max(2 * length, MIN_GROWTH), MAX_SEED_BYTES + 1));
        bytes.copy(larger, 0, 0, length);
        bytes = larger;
      }
      const read = readSync(fd, bytes, length, bytes.length - length, null);
      if (read === 0) return bytes.subarray(0, length);
      length += read;
    }
  } catch (e) {
    throw e instanceof SeedReadError ? e : errnoError(e);
  } finally {
    closeSync(fd);
  }
}

// File-system faults (permissions, full disks, read-only mounts, open-file limits, odd paths) as the one
// line the CLI prints: which path, what failed, what to do. Every command (build, dev, serve) says it the
// same way because they all come here; the stack trace is only for --debug.

import { existsSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A failure the user caused and can mend whose message already says what to do (another seedfeed writes
 * the folder, a seed changed under the build, the access log cannot be opened): the CLI prints it as is,
 * with no --debug hint, and exits 3.
 */
export class OneLineError extends Error {}

/** A Node system error: `code` (ENOSPC…), the call that failed and the path (and, for a move, where to). */
export interface FsError extends Error {
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
}

/**
 * Node reports some faults as a SystemError whose own code is its kind (`rmSync` on a folder:
 * ERR_FS_EISDIR) with the errno in `info`; this gives the errno either way.
 */
function errnoOf(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const { code, info } = e as { code?: unknown; info?: { code?: unknown } };
  if (typeof info?.code === "string" && /^E[A-Z0-9]+$/.test(info.code)) return info.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** True for an error from a file-system call (it has an errno and the call's name). */
export function isFsError(e: unknown): e is FsError {
  return errnoOf(e) !== undefined && typeof (e as { syscall?: unknown }).syscall === "string";
}

/** Limits of the process or the machine, not of one file: no seed is to blame when they hit. */
export function isResourceLimit(e: unknown): boolean {
  const code = errnoOf(e);
  return code === "EMFILE" || code === "ENFILE" || code === "ENOMEM";
}

/** Node leaves the path off some errors (a write to an open file, opendir): the caller adds what it knows. */
export function withPath(e: unknown, path: string): unknown {
  if (isFsError(e) && e.path === undefined) e.path = path;
  return e;
}

/** An error shaped like Node's own, for faults seedfeed finds itself (an --out that is a file). */
export function fsError(code: string, syscall: string, path: string, reason: string): FsError {
  return Object.assign(new Error(`${code}: ${reason}, ${syscall} '${path}'`), { code, syscall, path });
}

/** What the call was doing, completing "cannot …". */
const ACTIONS: Record<string, string> = {
  open: "open",
  read: "read",
  write: "write",
  close: "write",
  mkdir: "create the folder",
  mkdtemp: "create a folder in",
  rmdir: "remove the folder",
  rm: "remove",
  unlink: "remove",
  rename: "move",
  scandir: "list the folder",
  opendir: "list the folder",
  stat: "look at",
  lstat: "look at",
  access: "read",
  chmod: "change the permissions of",
  copyfile: "copy",
  watch: "watch",
  realpath: "resolve",
  worker: "start a worker thread from",
};

/** The fault in a few words, and what the user can do about it (`folder`: the folder of the path). */
function reasonAndAdvice(code: string, folder: string): [string, string] {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return ["permission denied", `give this user access to ${folder} (ls -ld shows its owner and mode), or use another folder`];
    case "EROFS":
      return ["read-only file system", `remount it read-write, or use a folder on a writable file system`];
    case "ENOSPC":
      return ["no space left on the device", `free some space on the disk of ${folder} (df -h), then run again`];
    case "EDQUOT":
      return ["disk quota exceeded", `free some of your space on the disk of ${folder} (quota -s), then run again`];
    case "EMFILE":
      return ["too many open files in this process", "raise the limit (ulimit -n 4096), then run again"];
    case "ENFILE":
      return ["too many open files on this machine", "close some programs or raise fs.file-max, then run again"];
    case "ENOMEM":
      return ["out of memory", "close some programs, then run again"];
    case "ENAMETOOLONG":
      return ["a name in the path is too long", "use a shorter path"];
    case "ENOTDIR":
      return ["a file is where a folder belongs", "fix the path, or move that file away"];
    case "EISDIR":
      return ["a folder is where a file belongs", "move that folder away, or fix the path"];
    case "ELOOP":
      return ["too many symbolic links (a link that leads back to itself?)", "fix the link, or use a path without it"];
    case "ENOENT":
      return ["no such file or folder", "check the path"];
    case "EXDEV":
    case "EBUSY":
      return [code === "EXDEV" ? "it is on another file system" : "it is busy (a mount point?)", `put the folder and its parent on one file system (not a mount point of its own)`];
    case "EIO":
      return ["input/output error", "check the disk (dmesg), then run again"];
    default:
      return ["failed", "check the path and its permissions"];
  }
}

function existingFolderOf(path: string): string {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The one line for a file-system fault, e.g.
 * `cannot create the folder /srv/site/.dist-lock: read-only file system (EROFS): remount it read-write, …`.
 */
export function describeFsError(e: FsError): string {
  const code = errnoOf(e)!;
  const action = ACTIONS[e.syscall] ?? e.syscall;
  const what = e.path === undefined ? action : e.dest !== undefined ? `${action} ${e.path} to ${e.dest}` : `${action} ${e.path}`;
  // The folder to act on: the one listed, or the one the file or folder is (to be) in; one that exists,
  // since a failed build has removed its staging folder by the time the line is read.
  const folder = e.path === undefined ? "the folder" : e.syscall === "scandir" || e.syscall === "opendir" ? e.path : existingFolderOf(e.path);
  const [reason, advice] = reasonAndAdvice(code, folder);
  return `cannot ${what}: ${reason} (${code}): ${advice}`;
}

/** Any failure as one line: a file-system fault as above, anything else by its message. */
export function failureLine(e: unknown): string {
  if (isFsError(e)) return describeFsError(e);
  return (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, " ");
}

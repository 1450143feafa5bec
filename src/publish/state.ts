// What the last publish left in the bucket, kept in the bucket itself (PREFIX/.seedfeed/state.json.gz),
// so the next publish compares dist/ with it instead of listing or reading the whole bucket. Pure.

import { gunzipSync, gzipSync } from "node:zlib";
import { STATE_FOLDER } from "./target.ts";

export const STATE_KEY = `${STATE_FOLDER}state.json.gz`;
const STATE_VERSION = 1;

/** An object as publish wrote it: what decides whether a file must be uploaded again. */
export interface PublishedObject {
  sha256: string;
  size: number;
  contentType: string;
  cacheControl: string;
}

export interface PublishState {
  /** The prefix the state describes: a state copied to another prefix is not trusted. */
  prefix: string;
  /** Every object of the site, by key under the prefix, as it is in the bucket. */
  objects: Map<string, PublishedObject>;
  /**
   * Keys a publish was writing when this state was saved: each may be in the bucket, with either
   * bytes, or not at all. The next publish uploads them again if they are in the site, else deletes them.
   */
  pending: string[];
  /** Keys a publish was deleting: the next publish deletes them again unless the site has them. */
  deleting: string[];
}

interface Header {
  version: number;
  prefix: string;
  pending: string[];
  deleting: string[];
}

/** One header line, then one object a line (in key order, so the same state is the same bytes), gzipped. */
export function encodeState(state: PublishState): Buffer {
  const header: Header = { version: STATE_VERSION, prefix: state.prefix, pending: [...state.pending].sort(), deleting: [...state.deleting].sort() };
  const lines = [JSON.stringify(header)];
  for (const key of [...state.objects.keys()].sort()) {
    const o = state.objects.get(key)!;
    lines.push(JSON.stringify([key, o.sha256, o.size, o.contentType, o.cacheControl]));
  }
  return gzipSync(`${lines.join("\n")}\n`, { level: 6 });
}

/** The state, or why it cannot be used. */
export function decodeState(bytes: Uint8Array, prefix: string): PublishState | { problem: string } {
  let lines: string[];
  let header: Header;
  try {
    lines = gunzipSync(bytes).toString("utf8").split("\n");
    header = JSON.parse(lines[0]!) as Header;
  } catch {
    return { problem: "it cannot be read" };
  }
  if (header.version !== STATE_VERSION) return { problem: `it has version ${String(header.version)}, this seedfeed writes ${STATE_VERSION}` };
  if (header.prefix !== prefix) return { problem: `it describes the prefix "${header.prefix}", not "${prefix}"` };
  const objects = new Map<string, PublishedObject>();
  try {
    for (const line of lines.slice(1)) {
      if (line === "") continue;
      const [key, sha256, size, contentType, cacheControl] = JSON.parse(line) as [string, string, number, string, string];
      objects.set(key, { sha256, size, contentType, cacheControl });
    }
  } catch {
    return { problem: "it cannot be read" };
  }
  return { prefix, objects, pending: header.pending ?? [], deleting: header.deleting ?? [] };
}

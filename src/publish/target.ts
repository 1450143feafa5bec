// Where a site goes in a bucket: the s3:// target, and the object key of each URL. Pure.

import { ConfigError } from "../config.ts";
import { folderFile } from "../render/urls.ts";

export interface PublishTarget {
  bucket: string;
  /** "" or a folder ending in "/", e.g. "blog/". Every key of the site starts with it. */
  prefix: string;
}

/** What publish keeps for itself, under the prefix and nowhere else. */
export const STATE_FOLDER = ".seedfeed/";

// Bucket names of S3, R2, MinIO and B2 (3-63 characters), and GCS's longer dotted ones (up to 222).
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** `s3://BUCKET[/PREFIX]`; throws a ConfigError naming what is wrong. */
export function parseTarget(text: string): PublishTarget {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(text);
  if (!m) throw new ConfigError(`the target must look like s3://BUCKET or s3://BUCKET/PREFIX, got ${JSON.stringify(text)}`);
  const bucket = m[1]!;
  if (!BUCKET_NAME.test(bucket)) throw new ConfigError(`"${bucket}" is not a bucket name (3-222 characters: a-z, 0-9, ".", "-", "_")`);
  const segments = (m[2] ?? "").split("/").filter((s) => s !== "");
  const bad = segments.find((s) => s === "." || s === ".." || s === STATE_FOLDER.slice(0, -1) || /[\0-\x1f\x7f\\]/.test(s));
  if (bad !== undefined) throw new ConfigError(`the prefix of ${JSON.stringify(text)} has a segment that cannot be used: ${JSON.stringify(bad)}`);
  return { bucket, prefix: segments.map((s) => `${s}/`).join("") };
}

export function formatTarget(t: PublishTarget): string {
  return `s3://${t.bucket}/${t.prefix}`;
}

/**
 * The object key (under the prefix) a URL path is stored at: a folder URL's index.html, which S3 website
 * hosting's index document finds; any other URL, extension or not ("/articles/<id>"), exactly its path.
 */
export function objectKeyOf(urlPath: string): string {
  const key = urlPath.slice(1);
  return key === "" || key.endsWith("/") ? folderFile(key) : key;
}

// The bucket, through @aws-sdk/client-s3: the only module of publish that talks to storage. Any
// S3-compatible service (AWS S3, Cloudflare R2, MinIO, Backblaze B2, GCS interoperability).

import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { ConfigError } from "../config.ts";
import type { UnknownObject } from "./plan.ts";
import type { PublishedObject } from "./state.ts";
import { STATE_FOLDER, type PublishTarget } from "./target.ts";

export interface BucketOptions {
  target: PublishTarget;
  /** An S3-compatible endpoint (R2, MinIO, B2, GCS); default: AWS S3 of the region. */
  endpoint?: string;
  /** Default: the SDK's chain (AWS_REGION, the profile); "us-east-1" for an endpoint without one. */
  region?: string;
  /** Path-style URLs (endpoint/bucket/key), as MinIO and most local servers need. */
  pathStyle?: boolean;
  /** Requests in flight at most. */
  concurrency: number;
  /** A request whose connection is idle this long (no byte either way) is abandoned and retried. */
  idleTimeoutMs?: number;
  /** Attempts per request, the first included: 5xx, throttling, resets and timeouts are retried with backoff. */
  maxAttempts?: number;
}

export type StorageFailure = "unreachable" | "no-bucket" | "credentials" | "failed";

/** A request the storage refused or could not answer, after the SDK's retries. */
export class StorageError extends Error {
  constructor(
    readonly failure: StorageFailure,
    message: string,
  ) {
    super(message);
  }
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EPIPE", "ECONNABORTED"]);
const CREDENTIAL_ERRORS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "CredentialsProviderError", "InvalidClientTokenId", "AllAccessDisabled"]);

/** The metadata key of an object's sha-256 (x-amz-meta-sha256). */
const SHA_METADATA = "sha256";

export class Bucket {
  private readonly client: S3Client;
  readonly where: string;

  constructor(private readonly options: BucketOptions) {
    // The SDK warns on every run that its releases after January 2027 need Node 22; seedfeed supports
    // Node 20 with the version it locks, and a publish prints one summary line, not a notice.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const agent = { keepAlive: true, maxSockets: options.concurrency };
    this.client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : options.endpoint ? { region: regionOrDefault() } : {}),
      forcePathStyle: options.pathStyle ?? false,
      maxAttempts: options.maxAttempts ?? 5,
      // Checksums only where S3 requires them: B2, GCS and older MinIO and R2 refuse or mishandle the
      // newer default (aws-chunked trailers). SigV4's signed payload hash still covers every body.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        connectionTimeout: 5_000,
        socketTimeout: options.idleTimeoutMs ?? 30_000,
        httpAgent: new HttpAgent(agent),
        httpsAgent: new HttpsAgent(agent),
      },
    });
    this.where = `${options.endpoint ?? "AWS S3"} (bucket "${options.target.bucket}")`;
  }

  private key(key: string): string {
    return `${this.options.target.prefix}${key}`;
  }

  /** The bytes at `key`, or undefined when there is no such object. */
  async get(key: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.target.bucket, Key: this.key(key) }));
      return Buffer.from(await res.Body!.transformToByteArray());
    } catch (e) {
      if (e instanceof S3ServiceException && e.name === "NoSuchKey") return undefined;
      throw this.explain(e, `reading ${key}`);
    }
  }

  /** What publish wrote at `key`, unknown when something else wrote it, undefined when it is not there. */
  async head(key: string): Promise<PublishedObject | UnknownObject | undefined> {
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.options.target.bucket, Key: this.key(key) }));
      const sha = res.Metadata?.[SHA_METADATA];
      if (!sha) return { unknown: "no seedfeed metadata" };
      return { sha256: sha, size: res.ContentLength ?? -1, contentType: res.ContentType ?? "", cacheControl: res.CacheControl ?? "" };
    } catch (e) {
      if (e instanceof S3ServiceException && (e.name === "NotFound" || e.name === "NoSuchKey")) return undefined;
      throw this.explain(e, `reading ${key}`);
    }
  }

  /** Every key under the prefix (relative to it) with its size, but publish's own. */
  async list(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.target.bucket, Prefix: this.options.target.prefix, ContinuationToken: token }));
      } catch (e) {
        throw this.explain(e, "listing the bucket");
      }
      for (const o of res.Contents ?? []) {
        const key = o.Key!.slice(this.options.target.prefix.length);
        if (!key.startsWith(STATE_FOLDER)) found.set(key, o.Size ?? 0);
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async put(key: string, body: Buffer, headers: { contentType: string; cacheControl?: string; sha256?: string }): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.options.target.bucket,
          Key: this.key(key),
          Body: body,
          ContentLength: body.length,
          ContentType: headers.contentType,
          ...(headers.cacheControl ? { CacheControl: headers.cacheControl } : {}),
          ...(headers.sha256 ? { Metadata: { [SHA_METADATA]: headers.sha256 } } : {}),
        }),
      );
    } catch (e) {
      throw this.explain(e, `writing ${key}`);
    }
  }

  /** Deletes keys, a thousand a request (one a request where the service has no multi-object delete, as GCS). */
  async delete(keys: readonly string[], onDeleted: (n: number) => void): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.options.target.bucket, Delete: { Objects: chunk.map((k) => ({ Key: this.key(k) })), Quiet: true } }),
        );
        const failed = res.Errors?.[0];
        if (failed) throw new StorageError("failed", `deleting ${failed.Key}: ${failed.Code ?? "error"}: ${failed.Message ?? ""}`);
      } catch (e) {
        if (!(e instanceof S3ServiceException && e.name === "NotImplemented")) throw e instanceof StorageError ? e : this.explain(e, "deleting objects");
        for (const k of chunk) {
          try {
            await this.client.send(new DeleteObjectCommand({ Bucket: this.options.target.bucket, Key: this.key(k) }));
          } catch (e2) {
            throw this.explain(e2, `deleting ${k}`);
          }
        }
      }
      onDeleted(chunk.length);
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** One line a person can act on, from whatever the SDK threw after its retries. */
  private explain(e: unknown, doing: string): Error {
    if ((e as Error).message === "Region is missing") return new ConfigError("no region for AWS S3: pass --region, set AWS_REGION, or \"publish\": {\"region\"} in the config");
    const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    const status = err.$metadata?.httpStatusCode;
    const attempts = err.$metadata?.attempts;
    const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : "";
    const detail = `${err.name && err.name !== "Error" ? err.name : (err.code ?? "error")}${err.message ? `: ${err.message}` : ""}`;
    if (err.name === "NoSuchBucket") return new StorageError("no-bucket", `the bucket "${this.options.target.bucket}" does not exist at ${this.options.endpoint ?? "AWS S3"}: create it first`);
    if (CREDENTIAL_ERRORS.has(err.name ?? "") || status === 401 || status === 403) {
      return new StorageError("credentials", `${this.where} refused the credentials while ${doing} (${detail}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`);
    }
    if (NETWORK_CODES.has(err.code ?? "") || err.name === "TimeoutError" || err.name === "RequestTimeout") {
      return new StorageError("unreachable", `cannot reach ${this.where} while ${doing}${after} (${detail})`);
    }
    // Neither the service's answer nor the network's: a fault of ours, which must show its stack.
    if (!err.$metadata) return e as Error;
    return new StorageError("failed", `${this.where} failed while ${doing}${after} (${status ? `HTTP ${status} ` : ""}${detail})`);
  }
}

/** The SDK's region (AWS_REGION, the profile), or us-east-1: R2 and MinIO accept it for any endpoint. */
function regionOrDefault(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
}

// A real S3-compatible server (s3rver, from npm, in a child process) on a loopback port, and a proxy in front of it that
// records every request and can hold, fail or cut one: what `seedfeed publish` talks to in the tests.

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The one access key s3rver knows. It checks the key id, not the signature: a wrong key id is refused. */
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" };

export interface S3Server {
  endpoint: string;
  port: number;
  /** Makes a bucket. */
  bucket(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startS3(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "seedfeed-s3-"));
  const child = spawn(process.execPath, ["--openssl-legacy-provider", join(import.meta.dirname, "s3-server.mjs"), directory], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    bucket: async (name) => {
      const res = await fetch(`${endpoint}/${name}`, { method: "PUT" });
      if (!res.ok) throw new Error(`cannot make bucket ${name}: ${res.status} ${await res.text()}`);
    },
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** One object as an anonymous GET reads it (s3rver serves objects without a signature). */
export interface StoredObject {
  status: number;
  body: Buffer;
  headers: Headers;
}

export async function getObject(s3: S3Server, bucket: string, key: string): Promise<StoredObject> {
  const res = await fetch(`${s3.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

/** Every key of a bucket under a prefix, through the listing API (anonymous, path style). */
export async function listKeys(s3: S3Server, bucket: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
    const xml = await (await fetch(`${s3.endpoint}/${bucket}?${q}`)).text();
    for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(decodeXml(m[1]!));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? decodeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? "") : undefined;
  } while (token);
  return keys.sort();
}

const decodeXml = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");

export interface SeenRequest {
  method: string;
  /** Path without the query, e.g. "/site/blog/rss.xml". */
  path: string;
  query: string;
}

/** What the proxy does with a request before passing it on. */
export type Verdict = "pass" | "fail503" | "reset" | "hang";

export interface S3Proxy {
  endpoint: string;
  requests: SeenRequest[];
  /** Requests that change the bucket: PUT, POST (multi-object delete) and DELETE. */
  writes(): SeenRequest[];
  /** Called for each request before it is passed on; may wait (the request is held meanwhile). */
  onRequest: (r: SeenRequest) => Verdict | Promise<Verdict>;
  /**
   * When set, writes reach the server one at a time, the latest arrival first (so a client that does not
   * wait for one batch before the next is caught), each after this has run on the bucket as it is.
   */
  beforeEachWrite?: (r: SeenRequest) => Promise<void>;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(["PUT", "POST", "DELETE"]);

export async function startProxy(upstreamPort: number): Promise<S3Proxy> {
  const requests: SeenRequest[] = [];
  const held = new Set<ServerResponse>();
  const proxy: S3Proxy = {
    endpoint: "",
    requests,
    writes: () => requests.filter((r) => WRITE_METHODS.has(r.method)),
    onRequest: () => "pass",
    close: () => new Promise<void>((resolve) => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const seen = { method: req.method ?? "GET", path: q < 0 ? url : url.slice(0, q), query: q < 0 ? "" : url.slice(q + 1) };
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      held.add(res);
      let verdict: Verdict;
      try {
        verdict = await proxy.onRequest(seen);
      } catch {
        verdict = "reset";
      }
      if (verdict === "hang") return; // never answered: the client's timeout must give up on it
      held.delete(res);
      if (verdict === "reset") return void res.socket?.destroy();
      if (verdict === "pass" && proxy.beforeEachWrite && WRITE_METHODS.has(seen.method)) return void queueWrite(seen, () => forward(seen, req, res, chunks));
      requests.push(seen);
      if (verdict === "fail503") {
        res.writeHead(503, { "Content-Type": "application/xml" });
        return void res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      }
      void forward(seen, req, res, chunks);
    });
  });

  /** Passes a request on; resolves when its answer has been sent back. */
  const forward = (seen: SeenRequest, req: IncomingMessage, res: ServerResponse, chunks: Buffer[]) =>
    new Promise<void>((resolve) => {
      if (!requests.includes(seen)) requests.push(seen);
      const upstream = request({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on("end", resolve);
      });
      upstream.on("error", () => {
        res.socket?.destroy();
        resolve();
      });
      upstream.end(Buffer.concat(chunks));
    });

  // Serial writes, newest first: a short pause lets every write the client has in flight arrive.
  const waiting: { seen: SeenRequest; go: () => Promise<void> }[] = [];
  let pumping = false;
  const queueWrite = (seen: SeenRequest, go: () => Promise<void>) => {
    waiting.push({ seen, go });
    if (!pumping) void pump();
  };
  async function pump(): Promise<void> {
    pumping = true;
    while (waiting.length > 0) {
      await new Promise((r) => setTimeout(r, 20));
      const next = waiting.pop()!;
      await proxy.beforeEachWrite?.(next.seen);
      await next.go();
    }
    pumping = false;
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

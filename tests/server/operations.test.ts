// Running the host: a taken port, graceful shutdown (in process and by SIGTERM to the CLI), the access log.

import { spawn, type ChildProcessByStdio } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheDirOf } from "../../src/cache-dir.ts";
import { manifestFileOf, serializeManifest } from "../../src/output/manifest.ts";
import { sha256 } from "../../src/hash.ts";
import { PortInUseError } from "../../src/server/serve.ts";
import { ROOT, get, makeTempDir, portOf, removeDir, serve, startFixture, type Fixture } from "./helpers.ts";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture("operations");
});
afterAll(async () => {
  await fx?.close();
});

type CliProcess = ChildProcessByStdio<null, Readable, Readable>;

interface Spawned {
  child: CliProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in stdout (rejects if the process exits first). */
  waitForStdout(pattern: RegExp): Promise<RegExpExecArray>;
}

const children = new Set<CliProcess>();
afterAll(() => {
  // tsx runs the CLI in a child of its own: a test that failed before stopping its server would leave
  // that grandchild serving after SIGKILL to tsx alone, so the whole process group goes.
  for (const c of children) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      // the group has exited
    }
  }
});

function spawnCli(command: string, args: string[]): Spawned {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" }, detached: true });
  children.add(child);
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            child.stdout.off("data", check);
            resolve(m);
          }
        };
        child.stdout.on("data", check);
        void exited.then(() => reject(new Error(`exited before ${pattern}: ${out}\n${err}`)));
        check();
      }),
  };
}

/** The CLI run by tsx itself (not through npx, which does not pass SIGTERM on). */
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

describe("a port already in use", () => {
  it("startServer rejects with PortInUseError", async () => {
    const attempt = serve(fx.distDir, { port: fx.port });
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(attempt).rejects.toThrow(String(fx.port));
    // The first server is unharmed.
    expect((await get(fx.port, "/rss.xml")).status).toBe(200);
  });

  it("the CLI's serve exits 4 and says so", async () => {
    const run = spawnCli("npx", ["tsx", "src/cli.ts", "serve", "--dir", fx.distDir, "--port", String(fx.port)]);
    const { code } = await run.exited;
    expect(code).toBe(4);
    expect(run.stderr()).toContain("already in use");
    expect(run.stderr()).not.toMatch(/\n\s*at \S/);
    expect((await get(fx.port, "/rss.xml")).status).toBe(200);
  });
});

describe("graceful shutdown", () => {
  it("a response still flowing to a slow reader when close() is called arrives whole, with 200", async () => {
    // A dist/ of one large file, so the response cannot fit in the socket buffers while the client is not reading.
    const dir = await makeTempDir("slow-reader");
    try {
      const bytes = randomBytes(24 * 1024 * 1024);
      await writeFile(join(dir, "big.bin"), bytes);
      await mkdir(cacheDirOf(dir));
      await writeFile(
        manifestFileOf(dir),
        serializeManifest([{ path: "big.bin", kind: "immutable", contentType: "application/octet-stream", cacheControl: "no-cache", size: bytes.length, sha256: sha256(bytes) }]),
      );
      const server = await serve(dir);
      const port = portOf(server);
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const result = await new Promise<{ status: number; body: Buffer; closed: Promise<void>; socketClosed: Promise<void> }>((resolve, reject) => {
          const req = httpRequest({ host: "127.0.0.1", port, path: "/big.bin", agent }, (res) => {
            // The headers are here, the body is not read yet: the response is in flight. Now shut down.
            res.pause();
            const socket = res.socket;
            const socketClosed = new Promise<void>((r) => socket.once("close", () => r()));
            const closed = server.close();
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", reject);
            res.on("aborted", () => reject(new Error("response aborted")));
            res.on("end", () => {
              if (!res.complete) reject(new Error("response incomplete"));
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), closed, socketClosed });
            });
            setImmediate(() => res.resume());
          });
          req.on("error", reject);
          req.end();
        });
        expect(result.status).toBe(200);
        expect(result.body.length).toBe(bytes.length);
        expect(sha256(result.body)).toBe(sha256(bytes));
        // close() settles once that response is done, and the kept-alive connection is closed by the server.
        await result.closed;
        await result.socketClosed;
        // No longer accepting.
        await expect(
          new Promise((resolve, reject) => {
            const s = connect(port, "127.0.0.1", () => {
              s.destroy();
              resolve("connected");
            });
            s.on("error", reject);
          }),
        ).rejects.toMatchObject({ code: "ECONNREFUSED" });
      } finally {
        agent.destroy();
        await server.close().catch(() => undefined);
      }
    } finally {
      await removeDir(dir);
      await removeDir(cacheDirOf(dir));
    }
  });

  it("close() also ends idle keep-alive connections", async () => {
    const server = await serve(fx.distDir);
    // No keep-alive timeout: if close() left the idle connection open, nothing else would end it.
    server.server.keepAliveTimeout = 0;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // (Wrapped in an object: resolving with the promise itself would wait for it.)
      const { socketClosed } = await new Promise<{ socketClosed: Promise<void> }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port: portOf(server), path: "/rss.xml", agent }, (res) => {
          const closed = new Promise<void>((r) => res.socket.once("close", () => r()));
          res.resume();
          res.on("end", () => resolve({ socketClosed: closed }));
        });
        req.on("error", reject);
        req.end();
      });
      await server.close();
      await socketClosed;
    } finally {
      agent.destroy();
    }
  });

  it("SIGTERM to the CLI server finishes and exits 0; --log prints one line per request", async () => {
    const run = spawnCli(TSX, ["src/cli.ts", "serve", "--dir", fx.distDir, "--port", "0", "--log"]);
    const [, url] = await run.waitForStdout(/serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const port = Number(new URL(url!).port);
    const requests: [string, string, number][] = [
      ["GET", "/rss.xml", 200],
      ["HEAD", "/", 200],
      ["GET", "/articles/markdown-one.html", 301],
      ["GET", "/no-such-page", 404],
      ["POST", "/feed.json", 405],
      ["GET", "/%zz", 400],
    ];
    for (const [method, path, status] of requests) expect((await get(port, path, {}, method)).status, `${method} ${path}`).toBe(status);
    // An idle keep-alive connection must not hold the shutdown up.
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      httpRequest({ host: "127.0.0.1", port, path: "/atom.xml", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      }).on("error", reject).end();
    });
    requests.push(["GET", "/atom.xml", 200]);
    run.child.kill("SIGTERM");
    const { code, signal } = await run.exited;
    agent.destroy();
    expect(signal).toBeNull();
    expect(code).toBe(0);
    const logLines = run.stdout().split("\n").filter((l) => /^fd[0-9a-f]{2}:/.test(l));
    expect(logLines).toHaveLength(requests.length);
    requests.forEach(([method, path, status], i) => {
      const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      expect(logLines[i]).toMatch(new RegExp(` "${method} ${escaped} HTTP/1\\.1" ${status} (\\d+|-) "-" "-" \\d+\\.\\d{3}$`));
    });
    expect(run.stdout()).toContain("SIGTERM");
    expect(run.stderr()).toBe("");
  });

  it("without --log nothing is printed per request", async () => {
    const run = spawnCli(TSX, ["src/cli.ts", "serve", "--dir", fx.distDir, "--port", "0"]);
    const [, url] = await run.waitForStdout(/serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const port = Number(new URL(url!).port);
    expect((await get(port, "/rss.xml")).status).toBe(200);
    expect((await get(port, "/missing")).status).toBe(404);
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
    expect(run.stdout().split("\n").filter((l) => /^fd[0-9a-f]{2}:/.test(l))).toEqual([]);
  });
});

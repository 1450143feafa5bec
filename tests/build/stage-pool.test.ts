// The stage workers on their own: real worker threads writing into a real temp folder.

import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { StagePool } from "../../src/output/stage-pool.ts";
import { useTempDirs } from "../helpers/tmp.ts";

const tmp = useTempDirs("seedfeed-stage-");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const TEXT = `<p>${"Feeds are polled forever; precompressed bytes save every poll. ".repeat(40)}é</p>\n`;

let pool: StagePool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("stage workers", () => {
  it("write the UTF-8 bytes, and their brotli and gzip variants named by content in the variants folder, reporting sizes and hashes of what is on disk", async () => {
    const dir = await tmp.make();
    const encodedDir = await tmp.make();
    pool = new StagePool(2);
    const staged = await pool.stage({ dir, encodedDir, path: "articles/x.html", text: TEXT, levels: { brotli: 4, gzip: 6 } });
    const bytes = await readFile(join(dir, "articles/x.html"));
    expect(bytes.equals(Buffer.from(TEXT, "utf8"))).toBe(true);
    expect(staged).toMatchObject({ written: true, size: bytes.length, sha256: sha(bytes) });
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(["articles", "articles/x.html"]);
    const br = await readFile(join(encodedDir, `${sha(bytes)}-b4.br`));
    const gz = await readFile(join(encodedDir, `${sha(bytes)}-g6.gz`));
    expect(brotliDecompressSync(br).equals(bytes)).toBe(true);
    expect(gunzipSync(gz).equals(bytes)).toBe(true);
    expect(staged.br).toEqual({ path: `${sha(bytes)}-b4.br`, size: br.length, sha256: sha(br) });
    expect(staged.gzip).toEqual({ path: `${sha(bytes)}-g6.gz`, size: gz.length, sha256: sha(gz) });
    // The same bytes under another path share the variants; other levels get their own.
    const again = await pool.stage({ dir, encodedDir, path: "copy.html", text: TEXT, levels: { brotli: 4, gzip: 6 } });
    expect(again.br).toEqual(staged.br);
    await pool.stage({ dir, encodedDir, path: "faster.html", text: TEXT, levels: { brotli: 1, gzip: 1 } });
    expect((await readdir(encodedDir)).sort()).toEqual([`${sha(bytes)}-b1.br`, `${sha(bytes)}-b4.br`, `${sha(bytes)}-g1.gz`, `${sha(bytes)}-g6.gz`]);
  });

  it("write nothing when the bytes are the previous ones, and no variants without levels", async () => {
    const dir = await tmp.make();
    pool = new StagePool(1);
    const same = await pool.stage({ dir, encodedDir: dir, path: "same.html", text: TEXT, previousSha: sha(Buffer.from(TEXT)) });
    expect(same).toMatchObject({ written: false, sha256: sha(Buffer.from(TEXT)) });
    await expect(readFile(join(dir, "same.html"))).rejects.toMatchObject({ code: "ENOENT" });
    const plain = await pool.stage({ dir, encodedDir: dir, path: "manifest-like.json", text: TEXT });
    expect(plain.written).toBe(true);
    expect(plain.br).toBeUndefined();
    expect(plain.gzip).toBeUndefined();
  });

  it("report a write that fails with its error code, and go on staging other files", async () => {
    const dir = await tmp.make();
    await writeFile(join(dir, "blocker"), "a file where a folder should be");
    pool = new StagePool(1);
    await expect(pool.stage({ dir, encodedDir: dir, path: "blocker/page.html", text: TEXT })).rejects.toMatchObject({ code: "EEXIST", message: expect.stringContaining("blocker") });
    expect(pool.broken).toBe(false);
    expect((await pool.stage({ dir, encodedDir: dir, path: "ok.html", text: TEXT })).written).toBe(true);
  });

  it("fail every later file once closed, and say so", async () => {
    pool = new StagePool(1);
    await pool.close();
    expect(pool.broken).toBe(true);
    await expect(pool.stage({ dir: await tmp.make(), encodedDir: "/nonexistent", path: "late.html", text: TEXT })).rejects.toThrow(/closed/);
  });
});

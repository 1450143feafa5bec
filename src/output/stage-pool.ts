// The stage workers (stage-worker.mjs): threads that hash, compress and write rendered files while the
// main thread goes on rendering. A build starts a pool and closes it; watch mode keeps one, since
// starting a worker takes about 0.2 s.

import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { StageReply, StageRequest, StagedFile } from "../types.ts";

/**
 * One per core, at most four, beside the main thread: a worker spends much of its time waiting in the
 * kernel for files to be created, so one per core keeps the cores busy (2 workers: 7.9 s for 10,000
 * articles, 1 worker: 11.2 s; BENCHMARKS.md). More than four was never measured to help.
 */
const DEFAULT_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

const WORKER_FILE = new URL("./stage-worker.mjs", import.meta.url);

/**
 * A worker that could not start (too many open files) says only "Worker initialization failure: EMFILE":
 * made a system error naming the worker's file, so the CLI gives its one line.
 */
function workerError(e: Error): Error {
  const errno = (e as { code?: string }).code === "ERR_WORKER_INIT_FAILED" ? /\b(E[A-Z]+)\b/.exec(e.message)?.[1] : undefined;
  return errno ? Object.assign(new Error(e.message), { code: errno, syscall: "worker", path: fileURLToPath(WORKER_FILE) }) : e;
}

interface Waiting {
  resolve(f: StagedFile): void;
  reject(e: Error): void;
  worker: Slot;
}

interface Slot {
  worker: Worker;
  busy: number;
}

export class StagePool {
  private readonly slots: Slot[];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(size = DEFAULT_WORKERS) {
    this.slots = Array.from({ length: size }, () => {
      const slot: Slot = { worker: new Worker(WORKER_FILE), busy: 0 };
      slot.worker.on("message", (reply: StageReply) => this.settle(reply));
      // A worker that dies takes its files with it: every file still waiting fails, and so does the pool.
      slot.worker.on("error", (e) => this.fail(workerError(e)));
      slot.worker.on("exit", (code) => this.fail(new Error(`a stage worker exited (code ${code})`)));
      return slot;
    });
  }

  private settle(reply: StageReply): void {
    const w = this.waiting.get(reply.id)!;
    this.waiting.delete(reply.id);
    w.worker.busy--;
    if ("error" in reply) {
      const { message, ...fields } = reply.error;
      w.reject(Object.assign(new Error(message), Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))));
    } else w.resolve(reply);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  /** True once a worker has died or the pool was closed: every later `stage` fails. */
  get broken(): boolean {
    return this.failure !== undefined;
  }

  /** Hashes, compresses and writes one file into `request.dir`, on the least busy worker. */
  stage(request: Omit<StageRequest, "id">): Promise<StagedFile> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<StagedFile>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker: slot });
      slot.worker.postMessage({ ...request, id } satisfies StageRequest);
    });
  }

  async close(): Promise<void> {
    this.failure ??= new Error("the stage pool is closed");
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

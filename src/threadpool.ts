// Imported first by the CLI, before anything can start libuv's thread pool: it is sized once, on first
// use. Writes on this kind of disk wait on latency, not on the CPU, so they need many threads in
// flight (see Staging in src/output/write-dist.ts); compression shares the pool and still gets both cores.
process.env.UV_THREADPOOL_SIZE ??= "16";

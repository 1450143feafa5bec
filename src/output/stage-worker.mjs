// Entry of a stage worker thread. Plain JavaScript so that it starts under any loader (node, tsx,
// vitest); it registers tsx, which runs the TypeScript worker as it is.
import { register } from "tsx/esm/api";

register();
await import("./stage-worker.ts");

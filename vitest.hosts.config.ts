// `npm run test:wrangler`: the host test whose server takes long to start (Cloudflare's workerd), kept out
// of `npm test`; the same settings otherwise.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default defineConfig({ test: { ...base.test, include: ["tests/hosts/*.host.ts"] } });

// Before any test file: compile src/ into lib/ (`npm run compile`, incremental), so the tests that run
// the shipped command (bin/seedfeed.mjs, the packed package) run the code under test, not an older build.
// Once, here: two test files compiling at the same time would write lib/ under each other.

import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "./helpers/files.ts";

export default function compileLib(): void {
  execFileSync("npm", ["run", "--silent", "compile"], { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit"] });
}

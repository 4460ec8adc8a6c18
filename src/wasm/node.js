// `job-token-scope` for Node.js (and runtimes that resolve the `node` condition, such as Deno).
// Copied to pkg/node.js by `make pkg`. Reads the .wasm next to this file and instantiates it
// synchronously at import time, so nothing needs initialising.

import { readFileSync } from "node:fs";
import { initSync } from "./job_token_scope.js";

initSync({ module: readFileSync(new URL("./job_token_scope_bg.wasm", import.meta.url)) });

// The documented API (index.d.ts), and nothing else of the glue.
export * from "./api.js";

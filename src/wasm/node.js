// @ts-check
// `job-token-scope` for Node.js (and runtimes that resolve the `node` condition, such as Deno).
// Copied to pkg/node.js by `make pkg`. Reads the .wasm next to this file and instantiates it
// synchronously at import time, so nothing needs initialising.
//
// The file is read with `fs` from `process.getBuiltinModule` (Node.js 20.16+ and 22.3+, Deno 2.1+)
// rather than `import ... from "node:fs"`: in a process that has not imported `node:fs` as an ES
// module yet, that import builds its module facade first, about 1 ms — a fifth of this package's cold
// start.

import { initSync } from "./job_token_scope.js";
import { attach } from "./door.js";

const fs = globalThis.process?.getBuiltinModule?.("fs");
if (!fs) {
  throw new Error(
    "job-token-scope needs Node.js 20.16 or later (22.3 or later on 22; Deno 2.1 or later): " +
      "it reads its .wasm with process.getBuiltinModule(\"fs\"), which this runtime does not have",
  );
}
attach(initSync({ module: fs.readFileSync(new URL("./job_token_scope_bg.wasm", import.meta.url)) }));

// The documented API (index.d.ts), and nothing else of the glue.
export * from "./api.js";

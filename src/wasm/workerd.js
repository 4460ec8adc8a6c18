// @ts-check
// `job-token-scope` for Cloudflare Workers / workerd (`workerd` and `worker` conditions).
// Copied to pkg/workerd.js by `make pkg`. Workers may not compile WebAssembly from bytes at run time:
// the .wasm is imported as a module (wrangler bundles it as a compiled Wasm module; a workerd config
// lists it as a `wasm` module) and instantiated synchronously at import time.

import wasm from "./job_token_scope_bg.wasm";
import { initSync } from "./job_token_scope.js";
import { attach } from "./door.js";

attach(initSync({ module: wasm }));

// The documented API (index.d.ts), and nothing else of the glue.
export * from "./api.js";

// Entry point of the `job-token-scope` npm package (copied to pkg/index.js by `make pkg`).
//
// It initialises the wasm-bindgen `--target web` glue once, at import time, so users never call
// an init function:
//   - Node (and runtimes that emulate it): read the .wasm next to this file and instantiate it
//     synchronously;
//   - browsers, workers, Deno without Node emulation: fetch it relative to this module (top-level await).
// Then it re-exports every named export of the glue (not its default `init`).

import init, { initSync } from "./job_token_scope.js";

const wasmUrl = new URL("./job_token_scope_bg.wasm", import.meta.url);

if (globalThis.process?.versions?.node) {
  const { readFileSync } = await import("node:fs");
  initSync({ module: readFileSync(wasmUrl) });
} else {
  await init({ module_or_path: wasmUrl });
}

export * from "./job_token_scope.js";

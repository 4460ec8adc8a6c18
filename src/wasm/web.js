// @ts-check
// `job-token-scope` for browsers and bundlers (`browser`, `import` and `default` conditions).
// Copied to pkg/web.js by `make pkg`. Fetches and instantiates the .wasm once, at import time (top-level
// await). The URL is written as `new URL("./job_token_scope_bg.wasm", import.meta.url)` so that bundlers
// that understand the pattern (Vite, webpack, Rollup plugins, Parcel) emit the file and rewrite the URL;
// with esbuild, put the file next to the bundle (docs/install.md, "Bundlers").

import init from "./job_token_scope.js";
import { attach } from "./door.js";

attach(await init({ module_or_path: new URL("./job_token_scope_bg.wasm", import.meta.url) }));

// The documented API (index.d.ts), and nothing else of the glue.
export * from "./api.js";

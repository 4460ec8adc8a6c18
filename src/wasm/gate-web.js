// @ts-check
// `job-token-scope/gate` for browsers, bundlers and other runtimes (`browser`, `import`, `default`):
// web.js fetches and initialises the wasm (top-level await), then the gate (gate.js) is re-exported.
// Copied to pkg/ by `make pkg`.
import "./web.js";

export { createGate } from "./gate.js";

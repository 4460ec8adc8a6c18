// @ts-check
// `job-token-scope/gate` for Cloudflare Workers / workerd (`workerd`, `worker`): workerd.js instantiates
// the .wasm module it imports, then the gate (gate.js) is re-exported. Copied to pkg/ by `make pkg`.
import "./workerd.js";

export { createGate } from "./gate.js";

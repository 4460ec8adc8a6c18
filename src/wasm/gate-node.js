// @ts-check
// `job-token-scope/gate` for Node.js and Deno (`node` condition): node.js initialises the wasm on import,
// then the gate (gate.js) is re-exported. Copied to pkg/ by `make pkg`.
import "./node.js";

export { createGate } from "./gate.js";

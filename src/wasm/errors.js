// @ts-check
// Errors the module throws from where Rust cannot return one (src/wasm/alloc.rs: an allocation that
// failed). Inlined into the glue by scripts/inline-snippets.mjs.

/** @param {string} message */
export function throwInvalidInput(message) {
  const error = new Error(message);
  /** @type {any} */ (error).code = "invalid_input";
  throw error;
}

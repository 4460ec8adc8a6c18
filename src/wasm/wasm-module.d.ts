// Types of `job-token-scope/job_token_scope_bg.wasm`: the compiled module, as Workers (wrangler,
// workerd's `wasm` modules) and bundlers that import a .wasm file as a module give it. Pass it to nothing
// yourself: `job-token-scope`'s workerd entry imports it and instantiates it.
declare const module: WebAssembly.Module;
export default module;

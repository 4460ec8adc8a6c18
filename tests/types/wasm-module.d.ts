// For tsconfig.wasm.json: workerd.js imports the .wasm as a compiled module (workerd's module rules).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

// The published shape of pkg/: the manifest's `exports` map, what `npm pack` puts in the tarball, what
// each entry exports, and the package as a user gets it — installed from the tarball into a fresh
// project, imported by name in Node, and type-checked by tsc through the `types` condition.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import {
  BIN, ENTRIES, PKG_DIR, ROOT, SPEC_API, WORLD, declaredApi, manifest, packAndInstall, run,
} from "./support/package.mjs";

const WASM = "job_token_scope_bg.wasm";
/** The documented exports written in JavaScript (src/wasm/azure-*.js) over the engine's: not in the glue. */
const JS_API = ["azureImportKind", "azureMatrix", "azureWhatIf", "importAzureSettings"];

test("manifest: ESM, types first, one entry per runtime, the raw .wasm, side effects on the entries", () => {
  const m = manifest();
  assert.equal(m.name, "job-token-scope");
  assert.equal(m.type, "module");
  assert.equal(m.types, "./index.d.ts");
  const root = m.exports["."];
  assert.deepEqual(Object.keys(root), ["types", "workerd", "worker", "node", "browser", "import", "default"],
    "condition order matters: the first matching key wins, and `types` must come first");
  assert.deepEqual(root, {
    types: "./index.d.ts",
    workerd: "./workerd.js",
    worker: "./workerd.js",
    node: "./node.js",
    browser: "./web.js",
    import: "./web.js",
    default: "./web.js",
  });
  // The raw module, typed (a WebAssembly.Module default export), and the manifest itself (tools that read
  // an installed package's version, such as examples/worker/run.mjs, import it).
  assert.deepEqual(m.exports[`./${WASM}`], { types: "./wasm-module.d.ts", default: `./${WASM}` });
  assert.equal(m.exports["./package.json"], "./package.json");
  assert.deepEqual(Object.keys(m.exports).sort(), [".", "./fetch", "./gate", `./${WASM}`, "./package.json"]);
  // The GitLab fetch module (docs/live-import.md): plain JS for every runtime, typed; and the CLI.
  assert.deepEqual(m.exports["./fetch"], { types: "./gitlab-fetch.d.ts", default: "./gitlab-fetch.js" });
  assert.deepEqual(m.bin, { "job-token-scope": "./cli.js" });
  assert.match(readFileSync(join(PKG_DIR, "cli.js"), "utf8"), /^#!\/usr\/bin\/env node\n/, "the bin starts with a shebang");
  assert.equal(m.browser, undefined, "the `browser` condition of `exports` says it; a top-level field would be a second place");
  for (const file of ["README.md", "LICENSE-MIT", "LICENSE-APACHE"]) assert.ok(m.files.includes(file), `the tarball carries ${file}`);
  assert.deepEqual(Object.keys(m.exports["./gate"]), Object.keys(root), "the gate resolves by the same conditions");
  // `false` would let bundlers skip an entry whose exports are only re-exports, and so skip the init.
  assert.deepEqual(m.sideEffects, [...ENTRIES, "gate-node.js", "gate-web.js", "gate-workerd.js"].map((e) => `./${e}`));
  for (const file of m.files) assert.ok(existsSync(join(PKG_DIR, file)), `files lists ${file}, missing in pkg/`);
  for (const target of [m.main, ...Object.values(root), ...Object.values(m.exports["./fetch"]), ...Object.values(m.bin), ...Object.values(m.exports).filter((v) => typeof v === "string")]) {
    assert.ok(existsSync(join(PKG_DIR, target)), `${target} (manifest) is missing in pkg/`);
  }
});

/** The names a module of pkg/ exports, as esbuild sees them (the .wasm and node: imports left out). */
async function exportsOf(file) {
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [join(PKG_DIR, file)],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    external: ["*.wasm", "node:*"],
    metafile: true,
    logLevel: "silent",
    outdir: "out",
  });
  const [output] = Object.values(result.metafile.outputs);
  return [...output.exports].sort();
}

test("Node: the entry needs process.getBuiltinModule, as `engines` says, and says so where it is missing", () => {
  // 22.0–22.2 lack it too: `engines` must not admit them.
  assert.deepEqual(manifest().engines, { node: "^20.16.0 || >=22.3.0" });
  // A runtime without it (Node before 20.16 / 22.3): the import fails with an Error naming the need.
  const script = `delete process.getBuiltinModule;
    try { await import(${JSON.stringify(join(PKG_DIR, "node.js"))}); console.log("imported"); }
    catch (error) { console.log(error instanceof Error ? error.message : String(error)); }`;
  const out = run(process.execPath, ["--input-type=module", "-e", script]);
  assert.match(out, /needs Node\.js 20\.16 or later .*process\.getBuiltinModule/);
});

test("every entry exports exactly the documented API (index.d.ts), not the glue's init functions", async () => {
  const api = declaredApi();
  for (const name of SPEC_API) assert.ok(api.includes(name), `index.d.ts does not declare ${name} (SPEC §2)`);
  for (const entry of ENTRIES) assert.deepEqual(await exportsOf(entry), api, `exports of pkg/${entry}`);
});

test("the glue exports the documented API plus its init functions, nothing undocumented", async () => {
  // A #[wasm_bindgen] export missing from index.d.ts (and src/wasm/api.js) fails here.
  // GateEngine is the edge gate's engine, wrapped by `job-token-scope/gate` (gate.d.ts), not part of this API.
  // JS_API is plain JavaScript (src/wasm/azure-matrix.js, azure-import.js), not in the glue.
  const glue = (await exportsOf("job_token_scope.js")).filter(
    (name) => name !== "initSync" && name !== "default" && name !== "GateEngine",
  );
  const inWasm = declaredApi().filter((name) => !JS_API.includes(name));
  assert.deepEqual(glue, inWasm, "exports of the wasm-bindgen glue vs index.d.ts (and src/wasm/api.js)");
});

let installed;
before(() => {
  installed = packAndInstall("package");
}, { timeout: 240_000 });
after(() => installed?.cleanup());

test("npm pack: exactly the files that are needed, one .wasm, no inlined copy", () => {
  const m = manifest();
  const expected = ["package.json", ...m.files].sort();
  assert.deepEqual(installed.files, expected);
  const targets = [m.main, m.types, ...Object.values(m.exports["."]), ...Object.values(m.exports[`./${WASM}`])];
  for (const target of targets) {
    assert.ok(installed.files.includes(target.replace(/^\.\//, "")), `${target} is in the manifest but not in the tarball`);
  }
  assert.deepEqual(installed.files.filter((f) => f.endsWith(".wasm")), [WASM]);
  const inPackage = join(installed.project, "node_modules", "job-token-scope");
  for (const file of installed.files.filter((f) => f.endsWith(".js"))) {
    const text = readFileSync(join(inPackage, file), "utf8");
    // "AGFzbQ" is base64 of the wasm magic "\0asm": a base64-inlined module would contain it.
    assert.ok(!text.includes("AGFzbQ") && !text.includes("data:application/wasm"), `${file} inlines the wasm`);
    assert.ok(text.length < 64 * 1024, `${file} is ${text.length} characters: an inlined module?`);
  }
  assert.equal(
    readFileSync(join(inPackage, WASM)).compare(readFileSync(join(PKG_DIR, WASM))), 0,
    "the installed .wasm is pkg/'s",
  );
});

test("Node: import by package name from the installed tarball answers a decision", () => {
  const script = `
    import * as api from "job-token-scope";
    const world = ${JSON.stringify(WORLD)};
    const allowed = api.checkGitlabAccess(world, { source: "acme/ci", target: "acme/api" });
    const denied = api.checkGitlabAccess(world, { source: "acme/other", target: "acme/api" });
    let error;
    try { api.checkGitlabAccess(world, { source: "acme/ci", target: "acme/nope" }); } catch (e) { error = { code: e.code, isError: e instanceof Error }; }
    let notExported;
    try { import.meta.resolve("job-token-scope/index.js"); } catch (e) { notExported = e.code; }
    const fetchModule = await import("job-token-scope/fetch");
    console.log(JSON.stringify({
      keys: Object.keys(api).sort(),
      resolved: import.meta.resolve("job-token-scope"),
      wasm: import.meta.resolve("job-token-scope/${WASM}"),
      version: api.version(),
      allowed, denied, error, notExported,
      fetchKeys: Object.keys(fetchModule).sort(),
      fetchResolved: import.meta.resolve("job-token-scope/fetch"),
    }));
  `;
  writeFileSync(join(installed.project, "main.mjs"), script);
  const out = JSON.parse(run(process.execPath, ["main.mjs"], { cwd: installed.project, timeout: 60_000 }));
  assert.deepEqual(out.keys, declaredApi());
  assert.ok(out.resolved.endsWith("/node_modules/job-token-scope/node.js"), `resolved to ${out.resolved}`);
  assert.ok(existsSync(fileURLToPath(out.wasm)), `the raw .wasm export resolves to ${out.wasm}`);
  assert.equal(out.version, manifest().version);
  assert.equal(out.allowed.allowed, true);
  assert.equal(out.allowed.reason, "allowlisted_project");
  assert.ok(out.allowed.trace.length > 0);
  assert.equal(out.denied.allowed, false);
  assert.equal(out.denied.reason, "not_in_inbound_allowlist");
  assert.equal(out.denied.message, "Authentication by CI/CD job token not allowed from other to api.");
  assert.deepEqual(out.error, { code: "unknown_project", isError: true });
  assert.equal(out.notExported, "ERR_PACKAGE_PATH_NOT_EXPORTED");
  assert.ok(out.fetchResolved.endsWith("/node_modules/job-token-scope/gitlab-fetch.js"), out.fetchResolved);
  assert.deepEqual(out.fetchKeys, declaredApi("gitlab-fetch.d.ts"));
  // The bin, linked by npm: --help answers without touching the network.
  const help = run(join(installed.project, "node_modules", ".bin", "job-token-scope"), ["--help"], { cwd: installed.project });
  assert.match(help, /^Usage: job-token-scope <command>/);
});

test("tsc: the installed package's types resolve through the `types` condition, whatever the runtime", () => {
  copyFileSync(join(ROOT, "tests", "types", "usage.ts"), join(installed.project, "usage.ts"));
  const settings = [
    { module: "nodenext", moduleResolution: "nodenext" },
    { module: "esnext", moduleResolution: "bundler" },
    { module: "esnext", moduleResolution: "bundler", customConditions: ["workerd", "worker"] },
    { module: "esnext", moduleResolution: "bundler", customConditions: ["browser"] },
  ];
  for (const [n, options] of settings.entries()) {
    const config = `tsconfig.${n}.json`;
    writeFileSync(join(installed.project, config), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: "es2022", types: [], lib: ["es2022", "dom"], skipLibCheck: false,
        ...options,
      },
      files: ["usage.ts"],
    }));
    const out = run(join(BIN, "tsc"), ["-p", config, "--traceResolution"], { cwd: installed.project, timeout: 120_000 });
    const start = out.indexOf("======== Resolving module 'job-token-scope' from");
    const trace = out.slice(start, out.indexOf("========\n", out.indexOf("Module name 'job-token-scope'", start)));
    const what = `${JSON.stringify(options)}:\n${trace}`;
    assert.ok(start >= 0, `${JSON.stringify(options)}: tsc did not resolve job-token-scope`);
    assert.match(trace, /Resolved under condition 'types'/, what);
    assert.match(trace, /successfully resolved to '[^']*\/node_modules\/job-token-scope\/index\.d\.ts'/, what);
  }
});

// The published shape of pkg/: the manifest's `exports` map, what `npm pack` puts in the tarball, what
// each entry exports, and the package as a user gets it — installed from the tarball into a fresh
// project, imported by name in Node, and type-checked by tsc through the `types` condition.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { API, BIN, ENTRIES, PKG_DIR, ROOT, WORLD, manifest, packAndInstall, run } from "./support/package.mjs";

const WASM = "job_token_scope_bg.wasm";

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
  assert.equal(m.exports[`./${WASM}`], `./${WASM}`);
  assert.deepEqual(Object.keys(m.exports).sort(), [".", `./${WASM}`]);
  // `false` would let bundlers skip an entry whose exports are only re-exports, and so skip the init.
  assert.deepEqual(m.sideEffects, ENTRIES.map((e) => `./${e}`));
  for (const file of m.files) assert.ok(existsSync(join(PKG_DIR, file)), `files lists ${file}, missing in pkg/`);
  for (const target of [m.main, m.browser, ...Object.values(root), ...Object.values(m.exports).filter((v) => typeof v === "string")]) {
    assert.ok(existsSync(join(PKG_DIR, target)), `${target} (manifest) is missing in pkg/`);
  }
});

test("every entry exports exactly the documented API (not the glue's init functions)", async () => {
  const { build } = await import("esbuild");
  for (const entry of ENTRIES) {
    const result = await build({
      entryPoints: [join(PKG_DIR, entry)],
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
    assert.deepEqual([...output.exports].sort(), API, `exports of pkg/${entry}`);
  }
  const declared = [...readFileSync(join(PKG_DIR, "index.d.ts"), "utf8").matchAll(/^export (?:function|class) (\w+)/gm)]
    .map((m) => m[1]).sort();
  assert.deepEqual(declared, API, "index.d.ts declares the same API");
});

let installed;
before(() => {
  installed = packAndInstall("package");
});
after(() => installed?.cleanup());

test("npm pack: exactly the files that are needed, one .wasm, no inlined copy", () => {
  const expected = ["package.json", ...manifest().files].sort();
  assert.deepEqual(installed.files, expected);
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
    console.log(JSON.stringify({
      keys: Object.keys(api).sort(),
      resolved: import.meta.resolve("job-token-scope"),
      wasm: import.meta.resolve("job-token-scope/${WASM}"),
      version: api.version(),
      allowed, denied, error, notExported,
    }));
  `;
  writeFileSync(join(installed.project, "main.mjs"), script);
  const out = JSON.parse(run(process.execPath, ["main.mjs"], { cwd: installed.project, timeout: 60_000 }));
  assert.deepEqual(out.keys, API);
  assert.ok(out.resolved.endsWith("/node_modules/job-token-scope/node.js"), `resolved to ${out.resolved}`);
  assert.ok(existsSync(fileURLToPath(out.wasm)), `the raw .wasm export resolves to ${out.wasm}`);
  assert.equal(out.version, manifest().version);
  assert.equal(out.allowed.allowed, true);
  assert.equal(out.allowed.reason, "allowlisted_project");
  assert.ok(out.allowed.trace.length > 0);
  assert.equal(out.denied.allowed, false);
  assert.equal(out.denied.reason, "not_in_inbound_allowlist");
  assert.equal(out.denied.message, "Authentication by CI/CD job token not allowed from acme/other to acme/api.");
  assert.deepEqual(out.error, { code: "unknown_project", isError: true });
  assert.equal(out.notExported, "ERR_PACKAGE_PATH_NOT_EXPORTED");
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
    const out = run(join(BIN, "tsc"), ["-p", config, "--explainFiles"], { cwd: installed.project, timeout: 120_000 });
    assert.match(out, /node_modules\/job-token-scope\/index\.d\.ts/, `${JSON.stringify(options)}: types not from index.d.ts\n${out}`);
  }
});

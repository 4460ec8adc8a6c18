// The package in Cloudflare's runtime: tests/workerd/worker.js imports "job-token-scope" from the
// installed tarball; esbuild bundles it with the `workerd` condition as wrangler does, leaving the .wasm
// an external module; a real `workerd serve` (the `workerd` npm package) runs it on 127.0.0.1 with the
// .wasm listed as a `wasm` module (workerd hands the worker a compiled WebAssembly.Module: no compiling
// from bytes at run time), and an HTTP request gets a decision computed by the wasm.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { ROOT, WORLD, manifest, packAndInstall, startChild, within } from "./support/package.mjs";

const WASM = "job_token_scope_bg.wasm";
const STEP_MS = 30_000;

/** The workerd binary shipped in the npm package (its `default` export is the path). */
function workerdBinary() {
  const require = createRequire(join(ROOT, "package.json"));
  return require("workerd").default;
}

const CONFIG = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${WASM}", wasm = embed "${WASM}"),
  ],
  compatibilityDate = "2025-01-01",
);
`;

let installed;
let workerDir;
before(async () => {
  installed = packAndInstall("workerd");
  const { build } = await import("esbuild");
  const src = join(installed.project, "src");
  workerDir = join(installed.project, "worker");
  mkdirSync(src);
  mkdirSync(workerDir);
  copyFileSync(join(ROOT, "tests", "workerd", "worker.js"), join(src, "worker.js"));
  const result = await build({
    absWorkingDir: installed.project,
    entryPoints: [join(src, "worker.js")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker"],
    external: ["*.wasm"],
    outfile: join(workerDir, "worker.js"),
    metafile: true,
    logLevel: "silent",
  });
  assert.deepEqual(result.warnings, [], "esbuild warnings");
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith("node_modules/job-token-scope/workerd.js")), `workerd entry not bundled: ${inputs}`);
  copyFileSync(join(installed.project, "node_modules", "job-token-scope", WASM), join(workerDir, WASM));
  writeFileSync(join(workerDir, "config.capnp"), CONFIG);
}, { timeout: 240_000 });
after(() => installed?.cleanup());

test("the workerd bundle imports the .wasm as a module and has no inlined copy", () => {
  const bundle = readFileSync(join(workerDir, "worker.js"), "utf8");
  assert.match(bundle, new RegExp(`import \\w+ from "\\./${WASM.replace(".", "\\.")}"`));
  assert.ok(!bundle.includes("AGFzbQ"), "the bundle inlines the wasm as base64");
  assert.ok(!bundle.includes("node:fs"), "the bundle pulls in node:fs");
});

test("workerd serves decisions computed by the wasm", { timeout: 120_000 }, async () => {
  // fd 3: workerd's control channel, where it reports the port it bound ("127.0.0.1:0" in the config).
  const server = startChild(workerdBinary(), ["serve", "config.capnp", "--control-fd=3"], {
    cwd: workerDir,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  try {
    const port = await within(STEP_MS, "workerd to report its port", new Promise((ok, fail) => {
      let control = "";
      server.child.stdio[3].setEncoding("utf8").on("data", (chunk) => {
        control += chunk;
        for (const line of control.split("\n")) {
          try {
            const message = JSON.parse(line);
            if (message.event === "listen" && message.socket === "http") ok(message.port);
          } catch {
            // not a whole line yet
          }
        }
      });
      server.child.once("exit", (code, signal) =>
        fail(new Error(`workerd exited (${code ?? signal}) before listening:\n${server.output()}`)));
    }));
    const url = `http://127.0.0.1:${port}/`;
    const post = async (body) => {
      const res = await fetch(url, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(STEP_MS) });
      return { status: res.status, json: await res.json() };
    };

    const allowed = await post({ world: WORLD, request: { source: "acme/ci", target: "acme/api" } });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.json) + "\n" + server.output());
    assert.equal(allowed.json.version, manifest().version);
    assert.equal(allowed.json.decision.allowed, true);
    assert.equal(allowed.json.decision.reason, "allowlisted_project");
    assert.ok(allowed.json.decision.trace.some((t) => t.step === "inbound" && t.outcome === "pass"));

    const denied = await post({ world: WORLD, request: { source: "acme/other", target: "acme/api" } });
    assert.equal(denied.status, 200);
    assert.equal(denied.json.decision.allowed, false);
    assert.equal(denied.json.decision.reason, "not_in_inbound_allowlist");
    assert.equal(denied.json.decision.message, "Authentication by CI/CD job token not allowed from other to api.");

    const bad = await post({ world: { ...WORLD, version: "20.0" }, request: { source: "acme/ci", target: "acme/api" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "unsupported_version");

    // The isolate keeps answering after a thrown error.
    const again = await post({ world: WORLD, request: { source: "acme/ci", target: "acme/api" } });
    assert.equal(again.json.decision.reason, "allowlisted_project");
  } finally {
    await server.stop();
  }
  assert.ok(server.child.exitCode !== null || server.child.signalCode !== null, "workerd is still running");
});

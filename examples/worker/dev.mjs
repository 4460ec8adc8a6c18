// Local tooling for the example gate (Node 20+): bundle worker.js (or worker-snapshot.js) for workerd with
// the world's snapshot (snapshot.mjs) next to it, start a real `workerd` (the npm package's binary) on
// 127.0.0.1, make signing keys and GitLab-like ID tokens with WebCrypto, and run a small echo server as the
// "internal service". Used by run.mjs, by the tests (tests/js/gate.test.mjs) and by the load test
// (bench/gate-load.mjs). Not part of the worker itself.

import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { writeSnapshot } from "./snapshot.mjs";

export const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(EXAMPLE_DIR, "..", "..");
export const WASM = "job_token_scope_bg.wasm";
export const SNAPSHOT = "world.snapshot";
export const ISSUER = "https://gitlab.example.com";
export const AUDIENCE = "https://artifacts.example.com";

const require = createRequire(import.meta.url);

/**
 * Where `job-token-scope` comes from: `[]` when it is installed where worker.js can find it; else a
 * temporary node_modules whose `job-token-scope` links to this repository's pkg/ (built by `make pkg`).
 * Returns { nodePaths, cleanup }.
 */
export function packageSource() {
  try {
    require.resolve("job-token-scope/package.json", { paths: [EXAMPLE_DIR] });
    return { nodePaths: [], cleanup() {} };
  } catch {
    // not installed: use pkg/
  }
  const pkg = process.env.JTS_PKG_DIR ?? join(ROOT, "pkg");
  if (!existsSync(join(pkg, "gate-workerd.js"))) {
    throw new Error(`${pkg}/gate-workerd.js is missing: build the package first (make pkg)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "jts-gate-pkg-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(pkg, join(dir, "node_modules", "job-token-scope"), "dir");
  return { nodePaths: [join(dir, "node_modules")], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Bundles `entry` (worker.js, or worker-snapshot.js; from `source`, default this directory) as wrangler
 * would — esbuild, `workerd` / `worker` conditions, the .wasm and the .snapshot left external modules — into
 * `dir`/dist/worker.js, copies the package's .wasm next to it, makes dist/world.snapshot from `source`'s
 * world.json with that same package (snapshot.mjs; config.capnp lists it as a data module) and a copy of
 * it as dist/kv.snapshot (what config-kv.capnp's local KV namespace holds, as `wrangler kv key put` would
 * upload it), and copies the configs and kv-store.js into `dir`. Returns { dir, packageDir, bundle,
 * snapshot, kvSnapshot }.
 */
export async function buildGate({ dir = EXAMPLE_DIR, source = EXAMPLE_DIR, nodePaths = [], entry = "worker.js" } = {}) {
  const { build } = await import("esbuild");
  const outdir = join(dir, "dist");
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(source, entry)],
    absWorkingDir: source,
    nodePaths,
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker"],
    external: ["*.wasm", "*.snapshot"],
    outfile: join(outdir, "worker.js"),
    metafile: true,
    logLevel: "silent",
  });
  if (result.warnings.length > 0) throw new Error(`esbuild warnings: ${JSON.stringify(result.warnings)}`);
  const gateEntry = Object.keys(result.metafile.inputs).find((input) => input.endsWith("gate-workerd.js"));
  if (gateEntry === undefined) throw new Error("the bundle does not contain job-token-scope's gate-workerd.js");
  const packageDir = dirname(resolve(source, gateEntry));
  copyFileSync(join(packageDir, WASM), join(outdir, WASM));
  const { out: snapshot } = await writeSnapshot({ world: join(source, "world.json"), out: join(outdir, SNAPSHOT), packageDir });
  const kvSnapshot = join(outdir, "kv.snapshot");
  copyFileSync(snapshot, kvSnapshot);
  if (resolve(dir) !== EXAMPLE_DIR) {
    for (const file of ["config.capnp", "config-kv.capnp", "kv-store.js"]) copyFileSync(join(EXAMPLE_DIR, file), join(dir, file));
  }
  return { dir, packageDir, bundle: join(outdir, "worker.js"), snapshot, kvSnapshot };
}

/** The `workerd` binary of the npm package. */
export function workerdBinary() {
  return require("workerd").default;
}

/**
 * Starts `workerd serve config.capnp` in `dir` (as built by buildGate) with the GATE_* settings in
 * `env`, listening on `address`. Resolves once workerd reports its port (on the control fd) with
 * { url, port, child, output(), stop() }; `stop` ends it (SIGTERM, then SIGKILL) and resolves when it has
 * exited. workerd is also killed if this process exits first.
 */
export function startWorkerd(dir, { env = {}, address = "127.0.0.1:0", timeoutMs = 30_000, config = "config.capnp" } = {}) {
  const child = spawn(workerdBinary(), ["serve", config, "--control-fd=3", `--socket-addr=http=${address}`], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (s) => (out += s));
  child.stderr.setEncoding("utf8").on("data", (s) => (out += s));
  const exited = new Promise((done) => child.once("exit", () => done()));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async (graceMs = 5_000) => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((ok, fail) => {
    const timer = setTimeout(async () => {
      await stop(500);
      fail(new Error(`workerd did not report its port within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    let control = "";
    child.stdio[3].setEncoding("utf8").on("data", (chunk) => {
      control += chunk;
      for (const line of control.split("\n")) {
        let message;
        try {
          message = JSON.parse(line);
        } catch {
          continue; // not a whole line yet
        }
        if (message.event === "listen" && message.socket === "http") {
          clearTimeout(timer);
          ok({ url: `http://127.0.0.1:${message.port}`, port: message.port, child, output: () => out, stop });
        }
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      fail(new Error(`workerd did not start: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`workerd exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
}

// ───────────────────────────── keys and tokens ─────────────────────────────

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
export const encodeJson = (value) => b64url(new TextEncoder().encode(JSON.stringify(value)));

/** A fresh signing key pair: `alg` RS256 (RSA 2048) or ES256 (P-256); `jwk` is the public JWK with its kid. */
export async function generateKey(alg, kid) {
  const params = alg === "RS256"
    ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
    : { name: "ECDSA", namedCurve: "P-256" };
  const { privateKey, publicKey } = await crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", publicKey);
  return { alg, kid, privateKey, jwk: { ...jwk, kid, use: "sig", alg } };
}

/** A compact JWS of `payload` signed by `key` (from generateKey); `header` adds to / overrides the header. */
export async function signToken(key, payload, header = {}) {
  const head = encodeJson({ typ: "JWT", alg: key.alg, kid: key.kid, ...header });
  const body = encodeJson(payload);
  const algorithm = key.alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" };
  const signature = await crypto.subtle.sign(algorithm, key.privateKey, new TextEncoder().encode(`${head}.${body}`));
  return `${head}.${body}.${b64url(new Uint8Array(signature))}`;
}

/** The claims of a GitLab CI job's ID token (`id_tokens:`) for `project`, valid for 5 minutes from now. */
export function jobClaims(project, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    namespace_id: "42",
    namespace_path: project.split("/").slice(0, -1).join("/"),
    project_id: "4711",
    project_path: project,
    user_id: "7",
    user_login: "alice",
    pipeline_id: "1234",
    pipeline_source: "push",
    job_id: "56789",
    ref: "main",
    ref_type: "branch",
    ref_path: "refs/heads/main",
    ref_protected: "true",
    runner_environment: "gitlab-hosted",
    jti: crypto.randomUUID(),
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `project_path:${project}:ref_type:branch:ref:main`,
    iat: now,
    nbf: now - 5,
    exp: now + 300,
    ...overrides,
  };
}

// ───────────────────────────── a stand-in upstream ─────────────────────────────

/**
 * An HTTP server on 127.0.0.1 answering every request with JSON { method, url, headers, body } — what
 * the gate forwarded. Resolves with { url, requests, close() }.
 */
export function startUpstream() {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const seen = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(seen);
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "echo" });
      res.end(JSON.stringify(seen));
    });
  });
  server.keepAliveTimeout = 1_000;
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      ok({
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

/** A 127.0.0.1 port nothing listens on (bound, then released). */
export function closedPort() {
  return new Promise((ok) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

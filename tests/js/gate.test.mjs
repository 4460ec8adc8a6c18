// The edge gate end to end (SPEC §5): the example gate (examples/worker/worker.js + world.json) imports
// `job-token-scope/gate` from the installed tarball, is bundled by esbuild with the `workerd` condition
// (the .wasm an external module), and runs in a real `workerd` on 127.0.0.1 in front of an echo server
// standing in for the internal service. Keys (RSA 2048, EC P-256) are generated here with WebCrypto and
// tokens signed here. The same worker module also runs in plain Node (the package's `node` condition).
// Three gates: keys inline, keys fetched from a JWKS server, and keys at an issuer nobody answers (503).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

import {
  AUDIENCE, EXAMPLE_DIR, ISSUER, buildGate, closedPort, encodeJson, generateKey, jobClaims, signToken, startUpstream,
  startWorkerd,
} from "../../examples/worker/dev.mjs";
import { PACKAGES, ROOT, inProcess, installPackage, startJwksServer, viaHttp } from "../gate/support.mjs";

const STEP_MS = 30_000;

let installed;
let source;
let keys;
let upstream;
let jwksServer;
let downIssuer;
const workerds = {};

/** The GATE_* settings of each gate variant (the example reads them from its env). */
function envOf(variant) {
  const common = { GATE_AUDIENCE: AUDIENCE, GATE_UPSTREAM: upstream.url };
  if (variant === "inline") return { ...common, GATE_ISSUER: ISSUER, GATE_JWKS: JSON.stringify({ keys: [keys.rsa.jwk, keys.ec.jwk] }) };
  if (variant === "fetched") return { ...common, GATE_ISSUER: jwksServer.issuer, GATE_JWKS: "" };
  if (variant === "down") return { ...common, GATE_ISSUER: downIssuer, GATE_JWKS: "" };
  throw new Error(variant);
}

before(async () => {
  installed = installPackage("gate");
  // The example, inside the consumer project, so that "job-token-scope/gate" resolves to the install.
  source = join(installed.project, "src");
  mkdirSync(source);
  for (const file of ["worker.js", "world.json"]) copyFileSync(join(EXAMPLE_DIR, file), join(source, file));
  keys = {
    rsa: await generateKey("RS256", "rsa-1"),
    ec: await generateKey("ES256", "ec-1"),
    impostor: await generateKey("RS256", "rsa-1"), // the gate's kid, another key
  };
  upstream = await startUpstream();
  jwksServer = await startJwksServer({ keys: [keys.rsa.jwk, keys.ec.jwk] });
  downIssuer = `http://127.0.0.1:${await closedPort()}`;
  const built = await buildGate({ dir: join(installed.dir, "gate"), source });
  assert.equal(built.packageDir, join(installed.project, "node_modules", "job-token-scope"), "bundled the installed package");
  const started = await Promise.allSettled(["inline", "fetched", "down"].map(async (variant) => {
    workerds[variant] = await startWorkerd(built.dir, { env: envOf(variant), timeoutMs: STEP_MS });
  }));
  for (const s of started) if (s.status === "rejected") throw s.reason;
}, { timeout: 240_000 });

after(async () => {
  await Promise.all(Object.values(workerds).map((w) => w.stop()));
  for (const w of Object.values(workerds)) {
    assert.ok(w.child.exitCode !== null || w.child.signalCode !== null, "workerd is still running");
  }
  await upstream?.close();
  await jwksServer?.close();
  installed?.cleanup();
});

// ───────────────────────────── the cases ─────────────────────────────

let caseId = 0;
const bearer = (token) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

/** The HS256 "key confusion" token: HMAC keyed with the gate's public key (PEM), alg switched to HS256. */
async function hmacWithPublicKey(jwk, payload) {
  const publicKey = await crypto.subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
  const spki = Buffer.from(await crypto.subtle.exportKey("spki", publicKey)).toString("base64");
  const pem = `-----BEGIN PUBLIC KEY-----\n${spki.match(/.{1,64}/g).join("\n")}\n-----END PUBLIC KEY-----\n`;
  const secret = await crypto.subtle.importKey("raw", new TextEncoder().encode(pem), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const input = `${encodeJson({ alg: "HS256", typ: "JWT", kid: jwk.kid })}.${encodeJson(payload)}`;
  const mac = await crypto.subtle.sign("HMAC", secret, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(mac).toString("base64url")}`;
}

/**
 * Every case: the request (method, path, headers, body) and what the gate must answer. `allowed` cases
 * must reach the upstream (without the token), all others must not.
 */
function cases(issuer) {
  const claims = (project, overrides = {}) => jobClaims(project, { iss: issuer, ...overrides });
  const token = (project, overrides, key = keys.rsa, header) => signToken(key, claims(project, overrides), header);
  const allowed = (reason, source) => ({ status: 200, reason, source });
  const invalid = { status: 401, reason: "invalid_token" };
  return [
    { name: "allowed: allowlisted project (RS256)", headers: async () => bearer(await token("acme/ci")), expect: allowed("allowlisted_project", "acme/ci") },
    { name: "allowed: ES256 key", headers: async () => bearer(await token("acme/ci", {}, keys.ec)), expect: allowed("allowlisted_project", "acme/ci") },
    { name: "allowed: group entry", headers: async () => bearer(await token("acme/platform/deployer")), expect: allowed("allowlisted_group", "acme/platform/deployer") },
    { name: "allowed: fine-grained entry grants read_packages", headers: async () => bearer(await token("acme/tools/packager")), expect: allowed("allowlisted_project", "acme/tools/packager") },
    {
      name: "allowed: POST with a body, fixed target",
      method: "POST", path: "/deploy", body: JSON.stringify({ version: "1.0" }),
      headers: async () => ({ ...bearer(await token("acme/ci")), "content-type": "application/json", cookie: "session=secret", "x-job-token-scope": "allowed; reason=forged; source=acme/ci" }),
      expect: allowed("allowlisted_project", "acme/ci"),
    },
    {
      name: "denied: fine-grained permission not granted (admin_packages)",
      method: "PUT", body: "bytes",
      headers: async () => bearer(await token("acme/tools/packager")),
      expect: { status: 403, reason: "permission_not_granted" },
    },
    {
      name: "denied: not on the allowlist",
      headers: async () => bearer(await token("acme/other")),
      expect: { status: 403, reason: "not_in_inbound_allowlist", message: "Authentication by CI/CD job token not allowed from other to api." },
    },
    { name: "denied: project unknown to the world", headers: async () => bearer(await token("acme/ghost")), expect: { status: 403, reason: "unknown_project" } },
    { name: "denied: requirement not met (unprotected ref)", headers: async () => bearer(await token("acme/ci", { ref_protected: "false" })), expect: { status: 403, reason: "requirement_not_met" } },
    { name: "no route", path: "/admin/users", headers: async () => bearer(await token("acme/ci")), expect: { status: 404, reason: "no_route" } },
    { name: "no route, no token", method: "DELETE", expect: { status: 404, reason: "no_route" } },
    { name: "missing token", expect: invalid },
    { name: "not a bearer token", headers: async () => ({ authorization: "Basic YWxpY2U6c2VjcmV0" }), expect: invalid },
    { name: "expired", headers: async () => bearer(await token("acme/ci", { iat: now() - 900, nbf: now() - 900, exp: now() - 600 })), expect: invalid },
    { name: "not yet valid (nbf)", headers: async () => bearer(await token("acme/ci", { nbf: now() + 600, exp: now() + 900 })), expect: invalid },
    { name: "issued in the future (iat)", headers: async () => bearer(await token("acme/ci", { iat: now() + 600, exp: now() + 900 })), expect: invalid },
    { name: "wrong audience", headers: async () => bearer(await token("acme/ci", { aud: "https://elsewhere.example.com" })), expect: invalid },
    { name: "wrong issuer", headers: async () => bearer(await token("acme/ci", { iss: "https://gitlab.evil.example" })), expect: invalid },
    { name: "no project_path", headers: async () => bearer(await token("acme/ci", { project_path: undefined })), expect: invalid },
    { name: "alg none, empty signature", headers: async () => bearer(`${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(claims("acme/ci"))}.`), expect: invalid },
    { name: "alg none, some signature", headers: async () => bearer(`${encodeJson({ alg: "none", typ: "JWT" })}.${encodeJson(claims("acme/ci"))}.c2ln`), expect: invalid },
    { name: "HS256 keyed with the public key", headers: async () => bearer(await hmacWithPublicKey(keys.rsa.jwk, claims("acme/ci"))), expect: invalid },
    { name: "unknown kid", headers: async () => bearer(await token("acme/ci", {}, keys.rsa, { kid: "rsa-9" })), expect: invalid },
    { name: "ES256 token naming the RSA key's kid", headers: async () => bearer(await token("acme/ci", {}, keys.ec, { kid: "rsa-1" })), expect: invalid },
    { name: "signed by another key under the gate's kid", headers: async () => bearer(await token("acme/ci", {}, keys.impostor)), expect: invalid },
    {
      name: "tampered payload",
      headers: async () => {
        const [head, , signature] = (await token("acme/other")).split(".");
        return bearer(`${head}.${encodeJson(claims("acme/ci"))}.${signature}`);
      },
      expect: invalid,
    },
    { name: "truncated signature", headers: async () => bearer((await token("acme/ci")).slice(0, -6)), expect: invalid },
    { name: "truncated ES256 signature", headers: async () => bearer((await token("acme/ci", {}, keys.ec)).slice(0, -4)), expect: invalid },
    { name: "truncated to two parts", headers: async () => bearer((await token("acme/ci")).split(".").slice(0, 2).join(".")), expect: invalid },
    { name: "oversized Authorization header", headers: async () => bearer(`${await token("acme/ci", { pad: "x".repeat(9000) })}`), expect: invalid },
    { name: "oversized token header part", headers: async () => bearer(`${encodeJson({ alg: "RS256", kid: "k".repeat(5000) })}.e30.c2ln`), expect: invalid },
    { name: "not base64url", headers: async () => bearer("eyJhbGciOiJSUzI1NiJ9.e30!.c2ln"), expect: invalid },
    { name: "header not JSON", headers: async () => bearer(`${Buffer.from("{alg").toString("base64url")}.e30.c2ln`), expect: invalid },
  ];
}

/** Runs `c` through `send` and checks the answer, and whether the upstream saw the request (and how). */
async function check(send, c) {
  const id = ++caseId;
  const path = `${c.path ?? PACKAGES}?case=${id}&q=a%20b`;
  const headers = c.headers ? await c.headers() : {};
  const res = await send(path, { method: c.method ?? "GET", headers, body: c.body });
  const what = `${c.name}: ${res.status} ${res.text}`;
  const seen = upstream.requests.find((r) => r.url.includes(`case=${id}&`));
  assert.equal(res.status, c.expect.status, what);
  if (c.expect.status === 200) {
    assert.equal(res.headers.get("x-job-token-scope"), `allowed; reason=${c.expect.reason}; source=${c.expect.source}`, what);
    assert.ok(seen, `${c.name}: the upstream did not get the request`);
    assert.equal(res.json.url, path, "path and query forwarded unchanged");
    assert.equal(seen.method, c.method ?? "GET");
    assert.equal(seen.body, c.body ?? "");
    assert.equal(seen.headers.authorization, undefined, "the token must not reach the upstream");
    assert.equal(seen.headers.cookie, undefined, "cookies must not reach the upstream");
    assert.equal(seen.headers["x-job-token-scope"], `allowed; reason=${c.expect.reason}; source=${c.expect.source}`,
      "the upstream gets the gate's X-Job-Token-Scope, not the client's");
    if (c.headers && headers["content-type"]) assert.equal(seen.headers["content-type"], headers["content-type"]);
    assert.equal(res.headers.get("x-upstream"), "echo", "the upstream's response headers are passed back");
    return res;
  }
  assert.equal(seen, undefined, `${c.name}: a denied request reached the upstream`);
  assert.equal(res.headers.get("x-job-token-scope"), null, what);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, what);
  assert.deepEqual(Object.keys(res.json).sort(), ["allowed", "message", "reason"], what);
  assert.equal(res.json.allowed, false, what);
  assert.equal(res.json.reason, c.expect.reason, what);
  assert.equal(typeof res.json.message, "string");
  assert.ok(res.json.message.length > 0);
  if (c.expect.message) assert.equal(res.json.message, c.expect.message);
  assert.equal(res.headers.get("www-authenticate"), c.expect.status === 401 ? 'Bearer error="invalid_token"' : null, what);
  return res;
}

// ───────────────────────────── workerd ─────────────────────────────

describe("workerd: the example gate with inline keys", () => {
  for (const c of cases(ISSUER)) {
    test(c.name, { timeout: STEP_MS }, async () => {
      await check(viaHttp(workerds.inline.url), c);
    });
  }
  test("the gate keeps answering after all that", { timeout: STEP_MS }, async () => {
    const [c] = cases(ISSUER);
    await check(viaHttp(workerds.inline.url), c);
    assert.doesNotMatch(workerds.inline.output(), /Uncaught|panicked|RuntimeError/, workerds.inline.output());
  });
});

describe("workerd: keys fetched from the issuer's JWKS", () => {
  test("RS256 and ES256 tokens verify with the fetched keys, which are cached", { timeout: STEP_MS }, async () => {
    const send = viaHttp(workerds.fetched.url);
    const [rs, es] = cases(jwksServer.issuer);
    await check(send, rs);
    await check(send, es);
    await check(send, rs);
    assert.ok(jwksServer.state.fetches >= 1 && jwksServer.state.fetches <= 3, `${jwksServer.state.fetches} fetches`);
    assert.ok(jwksServer.state.paths.every((p) => p === "/oauth/discovery/keys"), jwksServer.state.paths.join(" "));
  });
  test("an unknown kid is refused (the JWKS is not refetched more than once)", { timeout: STEP_MS }, async () => {
    const before = jwksServer.state.fetches;
    const unknown = cases(jwksServer.issuer).find((c) => c.name === "unknown kid");
    await check(viaHttp(workerds.fetched.url), unknown);
    await check(viaHttp(workerds.fetched.url), unknown);
    assert.ok(jwksServer.state.fetches - before <= 1, `${jwksServer.state.fetches - before} refetches`);
  });
});

describe("workerd: the issuer's JWKS is unreachable", () => {
  test("a well-formed token gets 503 gate_unavailable, never an allow", { timeout: STEP_MS }, async () => {
    const send = viaHttp(workerds.down.url);
    for (const c of cases(downIssuer).filter((c) => c.expect.status === 200)) {
      await check(send, { ...c, expect: { status: 503, reason: "gate_unavailable" } });
    }
  });
  test("tokens that fail before the keys are needed are still 401", { timeout: STEP_MS }, async () => {
    const send = viaHttp(workerds.down.url);
    for (const name of ["missing token", "alg none, some signature", "truncated to two parts"]) {
      await check(send, cases(downIssuer).find((c) => c.name === name));
    }
  });
});

// ───────────────────────────── Node ─────────────────────────────

/** The example worker module, imported in Node (a fresh instance per variant: it keeps its gate). */
async function nodeWorker(variant) {
  const url = `${pathToFileURL(join(source, "worker.js")).href}?variant=${variant}`;
  return (await import(url)).default;
}

describe("Node: the same worker module, the package's node condition", () => {
  test("resolves job-token-scope/gate to gate-node.js", () => {
    const resolved = execFileSync(process.execPath, ["--input-type=module", "-e", 'console.log(import.meta.resolve("job-token-scope/gate"))'],
      { cwd: source, encoding: "utf8", timeout: STEP_MS }).trim();
    assert.ok(resolved.endsWith("/node_modules/job-token-scope/gate-node.js"), resolved);
  });
  test("every case, keys inline", { timeout: 120_000 }, async () => {
    const send = inProcess(await nodeWorker("inline"), envOf("inline"));
    for (const c of cases(ISSUER)) await check(send, c);
  });
  test("keys fetched from the issuer", { timeout: STEP_MS }, async () => {
    const send = inProcess(await nodeWorker("fetched"), envOf("fetched"));
    const all = cases(jwksServer.issuer);
    for (const c of all.filter((c) => c.expect.status === 200)) await check(send, c);
    await check(send, all.find((c) => c.name === "unknown kid"));
  });
  test("JWKS unreachable → 503", { timeout: STEP_MS }, async () => {
    const send = inProcess(await nodeWorker("down"), envOf("down"));
    const [c] = cases(downIssuer);
    await check(send, { ...c, expect: { status: 503, reason: "gate_unavailable" } });
  });
  test("a misconfigured gate (no audience) fails closed with 503", { timeout: STEP_MS }, async (t) => {
    const { GATE_AUDIENCE: _, ...env } = envOf("inline");
    const send = inProcess(await nodeWorker("misconfigured"), env);
    const [c] = cases(ISSUER);
    const logged = [];
    t.mock.method(console, "error", (...args) => logged.push(args.join(" ")));
    const res = await check(send, { ...c, expect: { status: 503, reason: "gate_unavailable" } });
    assert.match(res.json.message, /misconfigured/);
    assert.match(logged.join("\n"), /invalid_input.*audience/);
  });
});

// ───────────────────────────── bundlers ─────────────────────────────

test("bundlers: each condition's gate entry brings its runtime entry (the wasm init) along", { timeout: STEP_MS }, async () => {
  const { build } = await import("esbuild");
  writeFileSync(join(source, "bundled.js"), 'import { createGate } from "job-token-scope/gate";\nglobalThis.createGate = createGate;\n');
  for (const [conditions, entries] of [[["browser"], ["web.js", "gate-web.js"]], [["workerd", "worker"], ["workerd.js", "gate-workerd.js"]]]) {
    const result = await build({
      entryPoints: [join(source, "bundled.js")], absWorkingDir: source, bundle: true, write: false, format: "esm",
      platform: "neutral", conditions, external: ["*.wasm"], metafile: true, minify: true, logLevel: "silent", outdir: "out",
    });
    const inputs = Object.keys(result.metafile.inputs).map((i) => i.split("node_modules/job-token-scope/")[1]).filter(Boolean);
    for (const entry of [...entries, "gate.js", "job_token_scope.js"]) assert.ok(inputs.includes(entry), `${conditions}: ${entry} not bundled (${inputs})`);
    assert.ok(!inputs.includes("node.js") && !inputs.includes("gate-node.js"), `${conditions}: the node entry was bundled`);
  }
});

// ───────────────────────────── types ─────────────────────────────

test("tsc: job-token-scope/gate's types resolve through the `types` condition and fit real use", { timeout: 120_000 }, () => {
  copyFileSync(new URL("../gate/usage.ts", import.meta.url), join(installed.project, "usage.ts"));
  const settings = [
    { module: "nodenext", moduleResolution: "nodenext" },
    { module: "esnext", moduleResolution: "bundler", customConditions: ["workerd", "worker"] },
  ];
  for (const [n, options] of settings.entries()) {
    const config = join(installed.project, `tsconfig.gate.${n}.json`);
    writeFileSync(config, JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: "es2022", types: [], lib: ["es2022", "dom"], skipLibCheck: false, ...options },
      files: ["usage.ts"],
    }));
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", config], { encoding: "utf8", timeout: 90_000 });
    assert.equal(tsc.status, 0, `tsc ${JSON.stringify(options)}:\n${tsc.stdout}${tsc.stderr}`);
  }
});

// ───────────────────────────── Deno ─────────────────────────────

/** A `deno` binary: $DENO, or the first on PATH; null when there is none (Deno is not a dependency). */
function denoBinary() {
  if (process.env.DENO) return process.env.DENO;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "deno"))) return join(dir, "deno");
  }
  return null;
}
const DENO = denoBinary();

describe("Deno: the same worker module", { skip: DENO === null && "no deno binary (set DENO=/path/to/deno to run this)" }, () => {
  test("resolves the node condition and answers like workerd", { timeout: 120_000 }, async () => {
    copyFileSync(new URL("../gate/deno-probe.mjs", import.meta.url), join(source, "deno-probe.mjs"));
    const all = cases(ISSUER);
    const picked = ["allowed: allowlisted project (RS256)", "allowed: ES256 key", "denied: not on the allowlist", "missing token",
      "tampered payload", "HS256 keyed with the public key", "no route"].map((name) => all.find((c) => c.name === name));
    const requests = [];
    for (const c of picked) requests.push({ path: c.path ?? PACKAGES, method: c.method ?? "GET", headers: c.headers ? await c.headers() : {} });
    // Asynchronously: the upstream Deno's gate forwards to is served by this process.
    const run = await new Promise((done) => {
      const child = spawn(DENO, ["run", "--no-prompt", "--allow-read", "--allow-net=127.0.0.1", "deno-probe.mjs"], {
        cwd: source,
        env: { ...process.env, DENO_DIR: join(installed.dir, "deno-cache"), NO_COLOR: "1" },
      });
      const result = { stdout: "", stderr: "", status: null, signal: null };
      const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
      child.stdout.setEncoding("utf8").on("data", (s) => (result.stdout += s));
      child.stderr.setEncoding("utf8").on("data", (s) => (result.stderr += s));
      child.once("close", (status, signal) => {
        clearTimeout(timer);
        done({ ...result, status, signal });
      });
      child.stdin.end(JSON.stringify({ env: envOf("inline"), requests }));
    });
    assert.equal(run.status, 0, `deno exited ${run.status ?? run.signal}\n${run.stdout}\n${run.stderr}`);
    const out = JSON.parse(run.stdout.trim().split("\n").at(-1));
    assert.ok(out.resolved.endsWith("/node_modules/job-token-scope/gate-node.js"), out.resolved);
    for (const [i, c] of picked.entries()) {
      const got = out.answers[i];
      assert.equal(got.status, c.expect.status, `${c.name}: ${JSON.stringify(got)}`);
      if (c.expect.status === 200) assert.equal(got.scope, `allowed; reason=${c.expect.reason}; source=${c.expect.source}`);
      else assert.equal(got.reason, c.expect.reason, c.name);
    }
  });
});

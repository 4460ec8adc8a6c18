// The edge gate end to end (SPEC §5): the example gate (examples/worker/worker.js + world.json) imports
// `job-token-scope/gate` from the installed tarball, is bundled by esbuild with the `workerd` condition
// (the .wasm an external module), and runs in a real `workerd` on 127.0.0.1 in front of an echo server
// standing in for the internal service. Keys (RSA 2048, EC P-256) are generated here with WebCrypto and
// tokens signed here. The same worker module also runs in plain Node (the package's `node` condition).
// Three gates: keys inline, keys fetched from a JWKS server, and keys at an issuer nobody answers (503);
// and three for the keys' hardening (docs/gate.md): an issuer whose keys URL redirects, one whose keys
// come slowly (single flight on a cold cache), one whose keys endpoint never answers. The forwarding
// hardening cases (paths, headers) run in the inline gate, sent by a raw HTTP client in workerd. And the
// example's snapshot entry (worker-snapshot.js: world.json as a snapshot made by snapshot.mjs with the
// installed package, a `data` module in workerd; from KV, through workerd's KV binding and a stand-in in Node) answers every case as the
// gate from world.json does.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

import {
  AUDIENCE, EXAMPLE_DIR, ISSUER, buildGate, closedPort, encodeJson, generateKey, jobClaims, signToken, startUpstream,
  startWorkerd,
} from "../../examples/worker/dev.mjs";
import {
  PACKAGES, ROOT, forgeForExponentOne, inProcess, installPackage, startIssuers, startJwksServer, viaHttp, viaRawHttp,
} from "../gate/support.mjs";

const STEP_MS = 30_000;

let installed;
let source;
let keys;
let upstream;
let jwksServer;
let downIssuer;
let issuers;
let snapshotBuild;
const workerds = {};

/** Gates whose issuer is one of `issuers`' scenarios (a "-node" twin each for the Node tests). */
const ISSUER_VARIANTS = ["redirect", "flight", "hang"];
/** How long the slow issuer ("flight") takes to answer: every concurrent request arrives meanwhile. */
const SLOW_KEYS_MS = 300;

/** The GATE_* settings of each gate variant (the example reads them from its env). */
function envOf(variant) {
  const common = { GATE_AUDIENCE: AUDIENCE, GATE_UPSTREAM: upstream.url };
  if (variant === "inline") {
    // Besides the gate's keys, two the gate must not use: RSA with e = 1 and RSA of 2041 bits.
    const jwks = { keys: [keys.rsa.jwk, keys.ec.jwk, keys.e1.jwk, keys.rsa2041.jwk] };
    return { ...common, GATE_ISSUER: ISSUER, GATE_JWKS: JSON.stringify(jwks) };
  }
  if (ISSUER_VARIANTS.includes(variant.replace(/-node$/, ""))) return { ...common, GATE_ISSUER: issuers.issuer(variant), GATE_JWKS: "" };
  if (variant === "fetched") return { ...common, GATE_ISSUER: jwksServer.issuer, GATE_JWKS: "" };
  if (variant === "down") return { ...common, GATE_ISSUER: downIssuer, GATE_JWKS: "" };
  throw new Error(variant);
}

before(async () => {
  installed = installPackage("gate");
  // The example, inside the consumer project, so that "job-token-scope/gate" resolves to the install.
  source = join(installed.project, "src");
  mkdirSync(source);
  for (const file of ["worker.js", "worker-snapshot.js", "gate-worker.js", "world.json"]) copyFileSync(join(EXAMPLE_DIR, file), join(source, file));
  keys = {
    rsa: await generateKey("RS256", "rsa-1"),
    ec: await generateKey("ES256", "ec-1"),
    impostor: await generateKey("RS256", "rsa-1"), // the gate's kid, another key
    e1: { jwk: { ...(await generateKey("RS256", "rsa-e1")).jwk, e: "AQ" } }, // public exponent 1
    rsa2041: await rsaKeyOfBits(2041, "rsa-2041"),
  };
  upstream = await startUpstream();
  jwksServer = await startJwksServer({ keys: [keys.rsa.jwk, keys.ec.jwk] });
  downIssuer = `http://127.0.0.1:${await closedPort()}`;
  issuers = await startIssuers();
  issuers.add("evil", { jwks: { keys: [keys.impostor.jwk] } }); // where the redirect points: the impostor's key
  for (const suffix of ["", "-node"]) {
    issuers.add(`redirect${suffix}`, { redirectTo: "evil" });
    issuers.add(`flight${suffix}`, { jwks: { keys: [keys.rsa.jwk, keys.ec.jwk] }, delayMs: SLOW_KEYS_MS });
    issuers.add(`hang${suffix}`, { hang: true });
  }
  const built = await buildGate({ dir: join(installed.dir, "gate"), source });
  assert.equal(built.packageDir, join(installed.project, "node_modules", "job-token-scope"), "bundled the installed package");
  // The same gate with its allowlists as a snapshot of world.json (snapshot.mjs, with the installed
  // package), bundled as a data module: worker-snapshot.js.
  snapshotBuild = await buildGate({ dir: join(installed.dir, "gate-snapshot"), source, entry: "worker-snapshot.js" });
  assert.equal(snapshotBuild.packageDir, built.packageDir);
  const started = await Promise.allSettled([
    ...["inline", "fetched", "down", ...ISSUER_VARIANTS].map(async (variant) => {
      workerds[variant] = await startWorkerd(built.dir, { env: envOf(variant), timeoutMs: STEP_MS });
    }),
    (async () => {
      workerds.snapshot = await startWorkerd(snapshotBuild.dir, { env: envOf("inline"), timeoutMs: STEP_MS });
    })(),
    // The same build reading its snapshot from KV through workerd's own KV binding (config-kv.capnp);
    // and a copy whose KV namespace holds a cut snapshot, while its bundled world.snapshot is whole.
    (async () => {
      workerds.kv = await startWorkerd(snapshotBuild.dir, { env: envOf("inline"), timeoutMs: STEP_MS, config: "config-kv.capnp" });
    })(),
    (async () => {
      const dir = join(installed.dir, "gate-snapshot-cut-kv");
      cpSync(snapshotBuild.dir, dir, { recursive: true });
      const whole = readFileSync(snapshotBuild.kvSnapshot);
      writeFileSync(join(dir, "dist", "kv.snapshot"), whole.subarray(0, whole.length - 8));
      workerds.kvCut = await startWorkerd(dir, { env: envOf("inline"), timeoutMs: STEP_MS, config: "config-kv.capnp" });
    })(),
  ]);
  for (const s of started) if (s.status === "rejected") throw s.reason;
}, { timeout: 240_000 });

after(async () => {
  await Promise.all(Object.values(workerds).map((w) => w.stop()));
  for (const w of Object.values(workerds)) {
    assert.ok(w.child.exitCode !== null || w.child.signalCode !== null, "workerd is still running");
  }
  await upstream?.close();
  await jwksServer?.close();
  await issuers?.close();
  installed?.cleanup();
});

// ───────────────────────────── the cases ─────────────────────────────

let caseId = 0;
const bearer = (token) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

/** An RSA signing key of `bits` bits (WebCrypto in Node makes any size), shaped like generateKey's. */
async function rsaKeyOfBits(bits, kid) {
  const params = { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  const { privateKey, publicKey } = await crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", publicKey);
  return { alg: "RS256", kid, privateKey, jwk: { ...jwk, kid, use: "sig", alg: "RS256" } };
}

/** The same ES256 token with the signature's other S: (r, n − s), which verifies as well as (r, s). */
function highS(token) {
  const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n; // P-256's group order
  const [head, body, signature] = token.split(".");
  const bytes = Buffer.from(signature, "base64url");
  const s = BigInt(`0x${bytes.subarray(32).toString("hex")}`);
  const other = Buffer.from((ORDER - s).toString(16).padStart(64, "0"), "hex");
  return `${head}.${body}.${Buffer.concat([bytes.subarray(0, 32), other]).toString("base64url")}`;
}

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

/** The header names of a request the upstream saw whose name, with `_` read as `-`, is `name`. */
const spelledAs = (seen, name) => Object.keys(seen.headers).filter((h) => h.replaceAll("_", "-") === name);

/**
 * Every case: the request (method, path, headers, body) and what the gate must answer. `allowed` cases
 * must reach the upstream (without the token), all others must not. `raw` cases are sent to workerd with
 * node:http (any header name, `Expect`, the path byte for byte); `upstream(seen)` checks what the upstream
 * got; `forwarded` is the path it must get when not the one sent.
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

    {
      name: "ES256 high-S: the other S (n − s) of a valid signature verifies too (valid JWS; docs/gate.md leaves it to the upstream)",
      headers: async () => bearer(highS(await token("acme/ci", {}, keys.ec))),
      expect: allowed("allowlisted_project", "acme/ci"),
    },

    // Keys the gate must not use (docs/gate.md "Keys"), both in the inline JWKS.
    {
      name: "keys: an RSA key with e = 1 is not used (its forged signature would verify)",
      headers: async () => bearer(await forgeForExponentOne(keys.e1.jwk, {}, claims("acme/ci"))),
      expect: invalid, message: /public exponent/,
    },
    {
      name: "keys: an RSA key of 2041 bits is not used (bits counted, not bytes)",
      headers: async () => bearer(await token("acme/ci", {}, keys.rsa2041)),
      expect: invalid, message: /2041 bits/,
    },

    // Forwarding hardening (docs/gate.md "Paths"): refused before the token is looked at.
    ...[
      ["a target with surrounding slashes", "/projects/%2Facme%2Fplatform%2Fapi%2F/packages/x"],
      ["a target with a line feed", "/projects/acme%2Fplatform%2Fapi%0A/packages/x"],
      ["a target with a lower-case line feed escape", "/projects/acme%2Fplatform%2Fapi%0a/packages/x"],
      ["a target with a blank", "/projects/%20acme%2Fplatform%2Fapi/packages/x"],
      ["a target in another case", "/projects/ACME%2FPlatform%2Fapi/packages/x"],
      ["a target with lower-case escapes", "/projects/acme%2fplatform%2fapi/packages/x"],
      ["a target with an escaped letter", "/projects/%61cme%2Fplatform%2Fapi/packages/x"],
      ["a target with an empty part", "/projects/acme%2F%2Fplatform%2Fapi/packages/x"],
      ["encoded slashes after the target", "/projects/acme%2Fplatform%2Fapi/packages/..%2F..%2F..%2Fadmin"],
      ["lower-case encoded slashes after the target", "/projects/acme%2Fplatform%2Fapi/packages/..%2f..%2f..%2fadmin"],
      ["encoded backslashes", "/projects/acme%2Fplatform%2Fapi/packages/..%5C..%5Cadmin"],
      ["path parameters (;)", "/projects/acme%2Fplatform%2Fapi/packages/..;/..;/admin"],
      ["an encoded ;", "/projects/acme%2Fplatform%2Fapi/packages/tool.tgz%3Bjsessionid=1"],
      ["escaped dots", "/projects/acme%2Fplatform%2Fapi/packages/.%2E./admin"],
      ["a dots-only segment", "/projects/acme%2Fplatform%2Fapi/packages/.../admin"],
      ["double encoding", "/projects/acme%2Fplatform%2Fapi/packages/%252E%252E/admin"],
      ["a NUL byte", "/projects/acme%2Fplatform%2Fapi/packages/tool%00.tgz"],
      ["non-ASCII", "/projects/acme%2Fplatform%2Fapi/packages/t%C3%B6%C3%B6l.tgz"],
      ["an empty segment", "/projects/acme%2Fplatform%2Fapi/packages//admin"],
    ].map(([what, path]) => ({
      name: `path refused: ${what}`, path, raw: true,
      headers: async () => bearer(await token("acme/ci")),
      expect: { status: 400, reason: "non_canonical_path" },
    })),
    {
      name: "path forwarded: canonical, with sub-delims and escapes, exactly as sent",
      path: "/projects/acme%2Fplatform%2Fapi/packages/generic/tool/1.0/tool+x@1_(a)%20b~c,d=e.tgz", raw: true,
      headers: async () => bearer(await token("acme/ci")),
      expect: allowed("allowlisted_project", "acme/ci"),
    },
    {
      name: "path forwarded: dot segments are resolved before the route, and the upstream gets the resolved path",
      path: "/projects/acme%2Fplatform%2Fapi/packages/x/../%2e/y", raw: true, forwarded: "/projects/acme%2Fplatform%2Fapi/packages/y",
      headers: async () => bearer(await token("acme/ci")),
      expect: allowed("allowlisted_project", "acme/ci"),
    },
    {
      name: "path: dot segments cannot climb out of the route",
      path: "/projects/acme%2Fplatform%2Fapi/packages/../../../admin", raw: true,
      headers: async () => bearer(await token("acme/ci")),
      expect: { status: 404, reason: "no_route" },
    },

    // Forwarding hardening (docs/gate.md "Headers").
    {
      name: "headers: underscore spellings of the gate's own headers never reach the upstream",
      raw: true,
      headers: async () => ({
        ...bearer(await token("acme/ci")),
        X_Job_Token_Scope: "allowed; source=acme/platform/deployer",
        Proxy_Authorization: "Basic eA==",
        Accept_Encoding: "gzip",
        Keep_Alive: "timeout=5",
        "X-Kept": "kept",
      }),
      expect: allowed("allowlisted_project", "acme/ci"),
      upstream: (seen) => {
        assert.deepEqual(spelledAs(seen, "x-job-token-scope"), ["x-job-token-scope"], JSON.stringify(seen.headers));
        assert.deepEqual(spelledAs(seen, "proxy-authorization"), []);
        assert.deepEqual(spelledAs(seen, "keep-alive").filter((h) => h !== "keep-alive"), []);
        assert.deepEqual(spelledAs(seen, "accept-encoding"), ["accept-encoding"]);
        assert.equal(seen.headers["accept-encoding"], "identity");
        assert.equal(seen.headers["x-kept"], "kept");
      },
    },
    {
      name: "headers: method and URL override headers never reach the upstream",
      raw: true,
      headers: async () => ({
        ...bearer(await token("acme/ci")),
        "X-HTTP-Method-Override": "DELETE",
        "X-HTTP-Method": "DELETE",
        "X-Method-Override": "DELETE",
        "X-Original-URL": "/admin",
        "X-Rewrite-URL": "/admin",
        X_HTTP_Method_Override: "DELETE",
        X_Original_URL: "/admin",
      }),
      expect: allowed("allowlisted_project", "acme/ci"),
      upstream: (seen) => {
        for (const name of ["x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url"]) {
          assert.deepEqual(spelledAs(seen, name), [], `${name}: ${JSON.stringify(seen.headers)}`);
        }
        assert.equal(seen.method, "GET");
      },
    },
    {
      name: "headers: Expect is dropped, and a request with Expect: 100-continue goes through",
      method: "POST", path: "/deploy", body: JSON.stringify({ version: "1.0" }), raw: true,
      headers: async () => ({ ...bearer(await token("acme/ci")), "content-type": "application/json", expect: "100-continue" }),
      expect: allowed("allowlisted_project", "acme/ci"),
      upstream: (seen) => assert.equal(seen.headers.expect, undefined),
    },
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
    assert.equal(res.json.url, c.forwarded ? `${c.forwarded}?case=${id}&q=a%20b` : path, "path and query forwarded unchanged");
    assert.equal(seen.method, c.method ?? "GET");
    assert.equal(seen.body, c.body ?? "");
    assert.equal(seen.headers.authorization, undefined, "the token must not reach the upstream");
    assert.equal(seen.headers.cookie, undefined, "cookies must not reach the upstream");
    assert.equal(seen.headers["x-job-token-scope"], `allowed; reason=${c.expect.reason}; source=${c.expect.source}`,
      "the upstream gets the gate's X-Job-Token-Scope, not the client's");
    if (c.headers && headers["content-type"]) assert.equal(seen.headers["content-type"], headers["content-type"]);
    assert.equal(res.headers.get("x-upstream"), "echo", "the upstream's response headers are passed back");
    c.upstream?.(seen);
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
  if (c.message) assert.match(res.json.message, c.message, what);
  assert.equal(res.headers.get("www-authenticate"), c.expect.status === 401 ? 'Bearer error="invalid_token"' : null, what);
  return res;
}

// ───────────────────────────── workerd ─────────────────────────────

/**
 * Tests that the workerd gate `workerds[name]` answers every case (each test named `prefix` + the case's
 * name), then one more request, having logged nothing that matches `unexpected`.
 */
function answersEveryCase(name, { prefix = "", unexpected }) {
  for (const c of cases(ISSUER)) {
    test(`${prefix}${c.name}`, { timeout: STEP_MS }, async () => {
      await check((c.raw ? viaRawHttp : viaHttp)(workerds[name].url), c);
    });
  }
  test("the gate keeps answering after all that", { timeout: STEP_MS }, async () => {
    const [c] = cases(ISSUER);
    await check(viaHttp(workerds[name].url), c);
    assert.doesNotMatch(workerds[name].output(), unexpected, workerds[name].output());
  });
}

/** What a gate answering from a snapshot must not have logged. */
const SNAPSHOT_GATE_LOG = /Uncaught|panicked|RuntimeError|misconfigured|bad configuration/;

describe("workerd: the example gate with inline keys", () => {
  answersEveryCase("inline", { unexpected: /Uncaught|panicked|RuntimeError/ });
});

describe("workerd: the example gate from a snapshot (worker-snapshot.js, world.snapshot a data module)", () => {
  test("the bundle imports the snapshot as a module and holds no world", () => {
    const bundle = readFileSync(snapshotBuild.bundle, "utf8");
    assert.match(bundle, /import \w+ from "\.\/world\.snapshot"/);
    assert.doesNotMatch(bundle, /acme\/tools\/packager/, "world.json was bundled");
    const snapshot = readFileSync(snapshotBuild.snapshot);
    assert.equal(snapshot.subarray(0, 4).toString("latin1"), "JTSW");
  });
  answersEveryCase("snapshot", { prefix: "as from world.json: ", unexpected: SNAPSHOT_GATE_LOG });
});

describe("workerd: the example gate from a snapshot in KV (worker-snapshot.js, GATE_KV a kvNamespace binding: config-kv.capnp)", () => {
  answersEveryCase("kv", { prefix: "as from world.json: ", unexpected: SNAPSHOT_GATE_LOG });
  test("a cut snapshot in KV fails closed with 503, the log naming policy (the bundled one, whole, is not read)", { timeout: STEP_MS }, async () => {
    const [c] = cases(ISSUER);
    const res = await check(viaHttp(workerds.kvCut.url), { ...c, expect: { status: 503, reason: "gate_unavailable" } });
    assert.match(res.json.message, /misconfigured/);
    assert.match(workerds.kvCut.output(), /invalid_input\): policy: not a snapshot this build can read: /);
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
    for (const c of cases(downIssuer).filter((c) => c.expect.status === 200 && !c.raw)) {
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

// ───────────────────────────── keys hardening (workerd and Node) ─────────────────────────────

/** A gate whose keys URL redirects (to the impostor's JWKS): 503, and the redirect is not followed. */
async function redirectNotFollowed(send, variant) {
  const evil = issuers.fetches("evil");
  const iss = issuers.issuer(variant);
  const c = {
    name: "keys URL redirects",
    headers: async () => bearer(await signToken(keys.impostor, jobClaims("acme/ci", { iss }))),
    expect: { status: 503, reason: "gate_unavailable" },
  };
  const res = await check(send, c);
  assert.match(res.json.message, /redirect/);
  assert.equal(issuers.fetches(variant), 1, "the keys URL was asked once");
  assert.equal(issuers.fetches("evil"), evil, "the redirect's target was fetched");
  // The gate's own key gets no further: the keys are unavailable, whoever signed.
  await check(send, { ...c, headers: async () => bearer(await signToken(keys.rsa, jobClaims("acme/ci", { iss }))) });
}

/** 100 concurrent requests on a cold cache: one JWKS fetch, shared by all, and all allowed. */
async function singleFlight(send, variant) {
  const iss = issuers.issuer(variant);
  const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => signToken(i % 2 ? keys.ec : keys.rsa, jobClaims("acme/ci", { iss }))));
  assert.equal(issuers.fetches(variant), 0, "the cache is cold");
  const answers = await Promise.all(tokens.map((t, i) => send(`${PACKAGES}?flight=${variant}-${i}`, { headers: bearer(t) })));
  const statuses = answers.map((a) => a.status);
  assert.deepEqual(statuses, statuses.map(() => 200), answers.find((a) => a.status !== 200)?.text);
  assert.equal(issuers.fetches(variant), 1, "JWKS fetches for 100 concurrent requests");
  // Cached since: more requests, no more fetches.
  for (const t of tokens.slice(0, 4)) assert.equal((await send(PACKAGES, { headers: bearer(t) })).status, 200);
  assert.equal(issuers.fetches(variant), 1);
}

/** A keys endpoint that never answers: 50 requests with any signature make one fetch; all 503, in bounded time. */
async function hangingKeys(send, variant) {
  const iss = issuers.issuer(variant);
  const anySignature = Buffer.alloc(256, 7).toString("base64url");
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => {
    const forged = `${encodeJson({ alg: "RS256", kid: "rsa-1" })}.${encodeJson(jobClaims("acme/ci", { iss, jti: String(i) }))}.${anySignature}`;
    return send(`${PACKAGES}?hang=${variant}-${i}`, { headers: bearer(forged) });
  }));
  const elapsed = Date.now() - started;
  for (const a of answers) {
    assert.equal(a.status, 503, a.text);
    assert.equal(a.json.reason, "gate_unavailable");
  }
  assert.equal(issuers.fetches(variant), 1, "JWKS fetches for 50 concurrent requests");
  assert.ok(elapsed < 9_000, `answered after ${elapsed} ms (the keys fetch times out after 5 s)`);
}

describe("workerd: the keys' hardening", () => {
  test("a redirect of the keys URL is not followed: 503 (a token of the redirect target's key does not pass)", { timeout: STEP_MS }, async () => {
    await redirectNotFollowed(viaHttp(workerds.redirect.url), "redirect");
  });
  test("single flight: 100 concurrent requests on a cold cache make one JWKS fetch", { timeout: STEP_MS }, async () => {
    await singleFlight(viaHttp(workerds.flight.url), "flight");
    // The waiters' continuations run in their own requests: workerd has nothing to say about it.
    assert.doesNotMatch(workerds.flight.output(), /different request|Uncaught|Error/, workerds.flight.output());
  });
  test("a hanging keys endpoint: 50 requests with any signature make one fetch, all 503 within the timeout", { timeout: STEP_MS }, async () => {
    await hangingKeys(viaHttp(workerds.hang.url), "hang");
    assert.doesNotMatch(workerds.hang.output(), /Uncaught|panicked|RuntimeError/, workerds.hang.output());
  });
});

// ───────────────────────────── Node ─────────────────────────────

/** The example worker module, imported in Node (a fresh instance per variant: it keeps its gate). */
async function nodeWorker(variant) {
  const url = `${pathToFileURL(join(source, "worker.js")).href}?variant=${variant}`;
  return (await import(url)).default;
}

/**
 * worker-snapshot.js in Node: bundled by esbuild with world.snapshot as bytes (a Uint8Array; in workerd and
 * wrangler a Data module is an ArrayBuffer) and job-token-scope left to Node (the installed package).
 */
async function nodeSnapshotWorker(variant) {
  const out = join(source, "worker-snapshot.node.mjs");
  if (!existsSync(out)) {
    const { build } = await import("esbuild");
    copyFileSync(snapshotBuild.snapshot, join(source, "world.snapshot"));
    await build({
      entryPoints: [join(source, "worker-snapshot.js")], absWorkingDir: source, bundle: true, format: "esm", platform: "node", target: "node20",
      external: ["job-token-scope", "job-token-scope/*"], loader: { ".snapshot": "binary" }, outfile: out, logLevel: "silent",
    });
  }
  return (await import(`${pathToFileURL(out).href}?variant=${variant}`)).default;
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
  test("keys: a redirect of the keys URL is not followed (503)", { timeout: STEP_MS }, async () => {
    await redirectNotFollowed(inProcess(await nodeWorker("redirect-node"), envOf("redirect-node")), "redirect-node");
  });
  test("keys: single flight, 100 concurrent requests on a cold cache make one JWKS fetch", { timeout: STEP_MS }, async () => {
    await singleFlight(inProcess(await nodeWorker("flight-node"), envOf("flight-node")), "flight-node");
  });
  test("keys: a hanging keys endpoint, 50 requests with any signature make one fetch, all 503 within the timeout", { timeout: STEP_MS }, async () => {
    await hangingKeys(inProcess(await nodeWorker("hang-node"), envOf("hang-node")), "hang-node");
  });
  test("JWKS unreachable → 503", { timeout: STEP_MS }, async () => {
    const send = inProcess(await nodeWorker("down"), envOf("down"));
    const [c] = cases(downIssuer);
    await check(send, { ...c, expect: { status: 503, reason: "gate_unavailable" } });
  });
  test("worker-snapshot.js: every case, the snapshot bundled and from KV (env.GATE_KV.get(key, \"arrayBuffer\"))", { timeout: 120_000 }, async () => {
    const worker = await nodeSnapshotWorker("bundled");
    const send = inProcess(worker, envOf("inline"));
    for (const c of cases(ISSUER)) await check(send, c);
    const snapshot = readFileSync(snapshotBuild.snapshot);
    const asked = [];
    const kv = {
      async get(key, type) {
        asked.push([key, type]);
        return key === "world.snapshot" ? snapshot.buffer.slice(snapshot.byteOffset, snapshot.byteOffset + snapshot.byteLength) : null;
      },
    };
    const fromKv = inProcess(await nodeSnapshotWorker("kv"), { ...envOf("inline"), GATE_KV: kv });
    for (const c of cases(ISSUER)) await check(fromKv, c);
    assert.deepEqual(asked, [["world.snapshot", "arrayBuffer"]], "KV is read once, for the first request");
  });
  test("worker-snapshot.js: a cut snapshot in KV fails closed with 503, the log naming policy", { timeout: STEP_MS }, async (t) => {
    const snapshot = readFileSync(snapshotBuild.snapshot);
    const kv = { get: async () => new Uint8Array(snapshot.subarray(0, snapshot.length - 8)).buffer };
    const send = inProcess(await nodeSnapshotWorker("cut"), { ...envOf("inline"), GATE_KV: kv });
    const logged = [];
    t.mock.method(console, "error", (...args) => logged.push(args.join(" ")));
    const [c] = cases(ISSUER);
    const res = await check(send, { ...c, expect: { status: 503, reason: "gate_unavailable" } });
    assert.match(res.json.message, /misconfigured/);
    assert.match(logged.join("\n"), /invalid_input\): policy: not a snapshot this build can read: /);
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

// `createGate` in Node, piece by piece: config errors, the token reader's limits and decoding, key
// selection (kid, alg ↔ kty/crv/alg, no kid; RSA sizes and exponents), the fetched JWKS (cache, TTL, one
// rate-limited refetch on an unknown kid, failures → 503, redirects not followed, one fetch in flight),
// canonical paths, the handler, forwarding to an upstream (dropped headers), and failing closed when the
// engine or the handler misbehaves. The gate under test is the built package's (pkg/gate-node.js); the
// misbehaving engine is the real one wrapped (a copy of gate.js next to a shim of the glue).

import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import {
  AUDIENCE, EXAMPLE_DIR, ISSUER, closedPort, encodeJson, generateKey, jobClaims, signToken, startUpstream,
} from "../../examples/worker/dev.mjs";
import {
  PACKAGES, PKG_DIR, forgeForExponentOne, read, requireGatePackage, startIssuers, startJwksServer,
} from "../gate/support.mjs";

const WORLD = JSON.parse(readFileSync(join(EXAMPLE_DIR, "world.json"), "utf8"));
const ROUTES = [
  { method: "GET", path: "/projects/:target/packages/*", permission: "read_packages" },
  { method: "PUT", path: "/projects/:target/packages/*", permission: "admin_packages" },
];
const ok = () => new Response("ok", { headers: { "content-type": "text/plain" } });

let createGate;
let GitlabPolicy;
let keys;
before(async () => {
  requireGatePackage();
  ({ createGate } = await import(pathToFileURL(join(PKG_DIR, "gate-node.js")).href));
  ({ GitlabPolicy } = await import(pathToFileURL(join(PKG_DIR, "node.js")).href));
  keys = {
    rsa: await generateKey("RS256", "rsa-1"),
    rsa2: await generateKey("RS256", "rsa-2"),
    ec: await generateKey("ES256", "ec-1"),
  };
});

function config(overrides = {}) {
  return { issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [keys.rsa.jwk, keys.ec.jwk] }, world: WORLD, routes: ROUTES, handler: ok, ...overrides };
}

/** One request through `gate`; `token` a string, or a key to sign acme/ci's claims (with `claims` overrides). */
async function ask(gate, { token, key, claims = {}, header, method = "GET", path = PACKAGES, headers = {}, body, iss = ISSUER, ctx = {} } = {}) {
  if (token === undefined && key !== undefined) token = await signToken(key, jobClaims("acme/ci", { iss, ...claims }), header);
  const h = token === undefined ? headers : { authorization: `Bearer ${token}`, ...headers };
  return read(await gate.fetch(new Request(`http://gate.test${path}`, { method, headers: h, body }), {}, ctx));
}

/** An RSA key pair of `bits` bits and exponent `e` (bytes), as generateKey shapes it. */
async function rsaKey(kid, bits = 2048, e = [1, 0, 1]) {
  const params = { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array(e), hash: "SHA-256" };
  const { privateKey, publicKey } = await crypto.subtle.generateKey(params, true, ["sign", "verify"]);
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", publicKey);
  return { alg: "RS256", kid, privateKey, jwk: { ...jwk, kid, use: "sig", alg: "RS256" } };
}

function assertInvalid(res, pattern) {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  assert.equal(res.json.reason, "invalid_token");
  if (pattern) assert.match(res.json.message, pattern);
}

function assertUnavailable(res, pattern) {
  assert.equal(res.status, 503, res.text);
  assert.deepEqual({ allowed: res.json.allowed, reason: res.json.reason }, { allowed: false, reason: "gate_unavailable" });
  if (pattern) assert.match(res.json.message, pattern);
}

// ───────────────────────────── config ─────────────────────────────

describe("createGate: a bad config throws a coded Error", () => {
  const cases = [
    ["not an object", () => null, /config: must be an object/],
    ["unknown key", () => config({ jwksUrl: "x" }), /config\.jwksUrl: unknown field `jwksUrl`/],
    ["neither handler nor upstream", () => config({ handler: undefined }), /needs `handler`/],
    ["both handler and upstream", () => config({ upstream: "https://internal.example" }), /not both/],
    ["handler not a function", () => config({ handler: "ok" }), /config\.handler: must be a function/],
    ["upstream not a URL", () => config({ handler: undefined, upstream: "internal" }), /config\.upstream: not a URL/],
    ["upstream with a query", () => config({ handler: undefined, upstream: "https://internal.example/?a=1" }), /no query/],
    ["upstream not http(s)", () => config({ handler: undefined, upstream: "ftp://internal.example" }), /http\(s\)/],
    ["jwks not a JWKS", () => config({ jwks: { key: [] } }), /config\.jwks: not a JWKS/],
    ["jwks with a non-object key", () => config({ jwks: { keys: [1] } }), /config\.jwks\.keys\[0\]: not an object/],
    ["jwks without a usable key", () => config({ jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } }), /no usable RS256 or ES256/],
    ["no jwks and an issuer that is not a URL", () => config({ jwks: undefined, issuer: "gitlab" }), /config\.issuer: must be a URL/],
    ["no jwks and a plain-http issuer", () => config({ jwks: undefined, issuer: "http://gitlab.example.com" }), /https only/],
    ["missing audience (engine)", () => config({ audience: undefined }), /audience/],
    ["no routes (engine)", () => config({ routes: [] }), /routes/],
    ["route key typo (engine)", () => config({ routes: [{ method: "GET", path: "/x", target: "acme/ci", permision: "read_jobs" }] }), /permision/],
    ["skew out of range (engine)", () => config({ clockSkewSeconds: 3600 }), /clockSkewSeconds/],
    ["bad requirement (engine)", () => config({ require: { refType: "commit" } }), /refType/],
  ];
  for (const [name, make, message] of cases) {
    test(name, () => {
      assert.throws(() => createGate(make()), (error) => {
        assert.ok(error instanceof Error);
        assert.equal(error.code, "invalid_input", `${error.code}: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
    });
  }
  test("an unsupported world version keeps the engine's code", () => {
    assert.throws(() => createGate(config({ world: { ...WORLD, version: "20.0" } })), { code: "unsupported_version" });
  });
  test("a plain-http issuer on loopback is allowed (local JWKS)", () => {
    createGate(config({ jwks: undefined, issuer: "http://127.0.0.1:1" }));
  });
});

// ───────────────────────────── a snapshot instead of a world ─────────────────────────────

describe("createGate: the allowlists as a snapshot (config.policy)", () => {
  /** The snapshot of `world` (GitlabPolicy.toBytes). */
  function snapshotOf(world) {
    const policy = new GitlabPolicy(world);
    try {
      return policy.toBytes();
    } finally {
      policy.free();
    }
  }
  const fromSnapshot = (overrides = {}) => {
    const { world: _, ...rest } = config(overrides);
    return { ...rest, policy: snapshotOf(WORLD), ...overrides };
  };
  /** The answer as the client sees it: status, body and headers. */
  const seen = (res) => ({ status: res.status, text: res.text, headers: [...res.headers] });

  test("a gate from the snapshot answers every request as the gate from the world", async () => {
    const routes = [...ROUTES, { method: "POST", path: "/deploy", target: "acme/platform/api", permission: "admin_deployments" }];
    const bytes = snapshotOf(WORLD);
    const gates = {
      world: createGate(config({ routes })),
      uint8array: createGate(fromSnapshot({ routes, policy: bytes })),
      arraybuffer: createGate(fromSnapshot({ routes, policy: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })),
      // a view into a larger buffer, at an odd offset
      offset: createGate(fromSnapshot({ routes, policy: (() => {
        const big = new Uint8Array(bytes.length + 7);
        big.set(bytes, 3);
        return big.subarray(3, 3 + bytes.length);
      })() })),
    };
    const T = "acme%2Fplatform%2Fapi";
    const paths = [
      PACKAGES, `/projects/${T}/packages/a+b@c:d!$&'()*,=e~f_g-h.i`, `/projects/${T}/packages/dir/`,
      "/projects/ACME%2FPlatform%2FAPI/packages/x", "/projects/acme%2fplatform%2fapi/packages/x", `/projects/%20${T}/packages/x`,
      `/projects/${T}/packages/..%2F..%2Fadmin`, `/projects/${T}/packages/..;/admin`, `/projects/${T}/packages/t%C3%B6l`,
      "/projects/ACME%2FGhost/packages/x", "/projects/acme%2Fci/packages/x", "/projects/acme%2Fother/packages/x",
      "/deploy", "/deploy%2F..%2Fadmin", "/admin",
    ];
    const projects = [...WORLD.projects.map((p) => p.path), "acme/ghost", "ACME/CI"];
    let compared = 0;
    for (const method of ["GET", "PUT", "POST"]) {
      for (const path of paths) {
        for (const project of projects) {
          for (const overrides of [{}, { ref_protected: "false" }]) {
            const token = await signToken(keys.rsa, jobClaims(project, overrides));
            const answers = {};
            for (const [name, gate] of Object.entries(gates)) {
              answers[name] = seen(await ask(gate, { token, method, path, body: method === "GET" ? undefined : "x" }));
            }
            for (const name of ["uint8array", "arraybuffer", "offset"]) {
              assert.deepEqual(answers[name], answers.world, `${name}: ${method} ${path} from ${project}`);
            }
            compared++;
          }
        }
      }
    }
    assert.equal(compared, 3 * paths.length * projects.length * 2);
    // The answers were not all alike: the comparison covers allows and every kind of refusal.
    const statuses = new Set();
    for (const path of paths) statuses.add((await ask(gates.uint8array, { key: keys.rsa, path })).status);
    assert.deepEqual([...statuses].sort(), [200, 400, 403, 404]);
  });
  test("a snapshot keeps the world's spellings: the target must be spelled as the world spells it", async () => {
    const world = { version: "18.3", projects: [{ path: "acme/ci" }, { path: " /Acme/API/ ", inbound: { projects: ["acme/ci"] } }] };
    const gate = createGate(fromSnapshot({ policy: snapshotOf(world) }));
    assert.equal((await ask(gate, { key: keys.rsa, path: "/projects/Acme%2FAPI/packages/x" })).status, 200);
    const res = await ask(gate, { key: keys.rsa, path: "/projects/acme%2Fapi/packages/x" });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.message, /world spells it "Acme\/API"/);
  });
  test("world and policy both, or neither: invalid_input naming both keys", () => {
    const both = { ...config(), policy: snapshotOf(WORLD) };
    const { world: _, ...neither } = config();
    for (const [what, make, pattern] of [
      ["both", () => both, /`world` or `policy`.*not both/],
      ["neither", () => neither, /needs `world`.*`policy`/],
      ["neither (undefined)", () => ({ ...neither, world: undefined, policy: undefined }), /needs `world`.*`policy`/],
    ]) {
      assert.throws(() => createGate(make()), (error) => {
        assert.equal(error.code, "invalid_input", `${what}: ${error.code} ${error.message}`);
        assert.match(error.message, pattern, what);
        return true;
      });
    }
  });
  test("a policy that is no snapshot, or not one this build reads: invalid_input located at policy", () => {
    const bytes = snapshotOf(WORLD);
    const changed = bytes.slice();
    changed[changed.length - 5] ^= 0x10;
    const otherFormat = bytes.slice();
    otherFormat[4] = 9;
    const policy = new GitlabPolicy(WORLD);
    const cases = [
      ["cut", bytes.subarray(0, bytes.length - 4), /^policy: not a snapshot this build can read: /],
      ["cut to its header", bytes.subarray(0, 24), /^policy: not a snapshot this build can read: /],
      ["a changed byte", changed, /^policy: not a snapshot this build can read: its checksum/],
      ["another format", otherFormat, /^policy: not a snapshot this build can read: it is in snapshot format 9/],
      ["empty", new Uint8Array(0), /^policy: not a snapshot this build can read: /],
      ["JSON bytes", new TextEncoder().encode(JSON.stringify(WORLD)), /^policy: not a snapshot this build can read: /],
      ["a string", "JTSW", /^policy: expected a Uint8Array or an ArrayBuffer/],
      ["the world itself", WORLD, /^policy: expected a Uint8Array or an ArrayBuffer/],
      ["a GitlabPolicy", policy, /^policy: expected a Uint8Array or an ArrayBuffer/],
      ["a DataView", new DataView(bytes.buffer), /^policy: expected a Uint8Array or an ArrayBuffer/],
    ];
    try {
      for (const [what, value, pattern] of cases) {
        assert.throws(() => createGate(fromSnapshot({ policy: value })), (error) => {
          assert.equal(error.code, "invalid_input", `${what}: ${error.code} ${error.message}`);
          assert.match(error.message, pattern, what);
          assert.ok(Buffer.byteLength(error.message) <= 1024, what);
          return true;
        });
      }
    } finally {
      policy.free();
    }
    // After all that, a good snapshot still makes a gate.
    createGate(fromSnapshot());
  });
});

// ───────────────────────────── the token ─────────────────────────────

describe("reading the token", () => {
  let gate;
  before(() => {
    gate = createGate(config());
  });

  test("a valid token gets the handler's answer and the scope header", async () => {
    const res = await ask(gate, { key: keys.rsa });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, "ok");
    assert.equal(res.headers.get("x-job-token-scope"), "allowed; reason=allowlisted_project; source=acme/ci");
  });
  test("the scheme is case-insensitive and surrounding blanks are fine", async () => {
    const token = await signToken(keys.rsa, jobClaims("acme/ci"));
    for (const authorization of [`bearer ${token}`, `BEARER   ${token}`, `Bearer ${token} `]) {
      const res = await ask(gate, { headers: { authorization } });
      assert.equal(res.status, 200, `${JSON.stringify(authorization.slice(0, 10))}: ${res.text}`);
    }
  });
  test("two tokens, or a token with blanks inside, are refused", async () => {
    const token = await signToken(keys.rsa, jobClaims("acme/ci"));
    assertInvalid(await ask(gate, { headers: { authorization: `Bearer ${token} ${token}` } }));
    assertInvalid(await ask(gate, { headers: { authorization: `Bearer ${token.replace(".", ". ")}` } }));
  });
  test("size limits: Authorization and token at most 8192 bytes", async () => {
    // A valid token padded to just under the limit passes; one byte more does not.
    const base = jobClaims("acme/ci");
    const size = async (n) => signToken(keys.ec, { ...base, pad: "x".repeat(n) });
    let [low, high] = [0, 8192]; // the longest padding that fits: low fits, high does not
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if ((await size(mid)).length + "Bearer ".length <= 8192) low = mid;
      else high = mid;
    }
    const n = low;
    const fits = await size(n);
    assert.ok(fits.length + "Bearer ".length >= 8190);
    assert.equal((await ask(gate, { token: fits })).status, 200);
    assertInvalid(await ask(gate, { token: await size(n + 1) }), /longer than 8192 bytes/);
    assertInvalid(await ask(gate, { headers: { authorization: `Bearer ${"a".repeat(10_000)}` } }), /longer than 8192/);
  });
  test("base64url only: padding, standard alphabet, non-ASCII and non-canonical last characters are refused", async () => {
    const token = await signToken(keys.rsa, jobClaims("acme/ci"));
    const [h, p, s] = token.split(".");
    const bad = [
      `${h}=.${p}.${s}`, // padding
      `${h}.${p.replace(/-|_/, "+")}.${s}`, // standard base64 (if the payload had - or _), else unchanged
      `${h}.${p}.${s}é`,
      `${h}.${p}x.${s}`, // length ≡ 1 (mod 4) or garbage
      `${h}.${p}.${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) + 1)}`, // last character off
    ];
    for (const t of bad) {
      if (t === token) continue;
      const res = await ask(gate, { headers: { authorization: `Bearer ${t}` } });
      assertInvalid(res);
    }
    // A signature whose last character only differs in the unused bits: refused (one encoding per value).
    const last = s[s.length - 1];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    assertInvalid(await ask(gate, { token: `${h}.${p}.${s.slice(0, -1)}${sibling}` }));
  });
  test("header and payload must be JSON objects (UTF-8)", async () => {
    const sig = "c2ln";
    const enc = (text) => Buffer.from(text).toString("base64url");
    const claims = encodeJson(jobClaims("acme/ci"));
    assertInvalid(await ask(gate, { token: `${enc("[1]")}.${claims}.${sig}` }), /header/);
    assertInvalid(await ask(gate, { token: `${enc("null")}.${claims}.${sig}` }), /header/);
    assertInvalid(await ask(gate, { token: `${encodeJson({ alg: "RS256" })}.${enc('"x"')}.${sig}` }), /payload/);
    assertInvalid(await ask(gate, { token: `${Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")}.${claims}.${sig}` }), /header/);
  });
  test("critical header extensions are refused", async () => {
    assertInvalid(await ask(gate, { key: keys.rsa, header: { crit: ["b64"], b64: false } }), /crit/);
  });
  test("the engine refuses other algorithms, whatever the signature", async () => {
    for (const alg of ["none", "HS256", "RS512", "PS256", "ES384", "EdDSA"]) {
      assertInvalid(await ask(gate, { token: `${encodeJson({ alg, kid: "rsa-1" })}.${encodeJson(jobClaims("acme/ci"))}.c2ln` }), new RegExp(alg));
    }
    assertInvalid(await ask(gate, { token: `${encodeJson({ kid: "rsa-1" })}.${encodeJson(jobClaims("acme/ci"))}.c2ln` }));
  });
  test("a decision reaches the handler with the verified claims", async () => {
    let seen;
    const g = createGate(config({ handler: (request, decision) => ((seen = { url: request.url, decision }), new Response(null, { status: 204 })) }));
    const res = await ask(g, { key: keys.ec, claims: { user_login: "bob" } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("x-job-token-scope"), "allowed; reason=allowlisted_project; source=acme/ci");
    assert.equal(seen.url, `http://gate.test${PACKAGES}`);
    const { claims, ...decision } = seen.decision;
    assert.deepEqual(decision, {
      allowed: true, reason: "allowlisted_project", message: decision.message, source: "acme/ci", target: "acme/platform/api", permission: "read_packages",
    });
    assert.equal(claims.user_login, "bob");
  });
});

// ───────────────────────────── paths ─────────────────────────────

describe("canonical paths (docs/gate.md \"Paths\")", () => {
  const T = "acme%2Fplatform%2Fapi";
  const refused = [
    [`/projects/%2F${T}%2F/packages/x`, /empty part/],
    [`/projects/${T}%0A/packages/x`, /control character/],
    [`/projects/${T}%0a/packages/x`, /upper-case hex/],
    [`/projects/%20${T}/packages/x`, /blanks around a part/],
    [`/projects/${T}%20/packages/x`, /blanks around a part/],
    [`/projects/acme%2F%20platform%2Fapi/packages/x`, /blanks around a part/],
    ["/projects/ACME%2FPlatform%2FAPI/packages/x", /spelled "ACME\/Platform\/API"; the gate's world spells it "acme\/platform\/api"/],
    ["/projects/acme%2fplatform%2fapi/packages/x", /%2f: escapes are upper-case hex/],
    [`/projects/%61cme%2Fplatform%2Fapi/packages/x`, /escaped "a"/],
    [`/projects/acme%2F..%2Fapi/packages/x`, /part of dots/],
    [`/projects/acme%2F%2Fplatform%2Fapi/packages/x`, /empty part/],
    [`/projects/${T}/packages/..%2F..%2F..%2Fadmin`, /%2F, an escaped \/, outside the target/],
    [`/projects/${T}/packages/..%5C..%5Cadmin`, /%5C/],
    [`/projects/${T}/packages/..;/..;/admin`, /a ;/],
    [`/projects/${T}/packages/x;v=1`, /a ;/],
    [`/projects/${T}/packages/x%3Bv=1`, /%3B/],
    [`/projects/${T}/packages/.%2E./admin`, /escaped "\."/],
    [`/projects/${T}/packages/.../admin`, /segment of dots/],
    [`/projects/${T}/packages/.%20./admin`, /segment of dots/],
    [`/projects/${T}/packages/%252E%252E/admin`, /%25/],
    [`/projects/${T}/packages/x%00`, /control character/],
    [`/projects/${T}/packages/x%7F`, /control character/],
    [`/projects/${T}/packages/t%C3%B6%C3%B6l`, /not ASCII/],
    [`/projects/${T}/packages/%E2%80%AE`, /not ASCII/],
    [`/projects/${T}/packages//admin`, /empty segment/],
    [`/projects/${T}/packages/x%2`, /malformed escape/],
    [`/projects/${T}/packages/x%zz`, /malformed escape/],
    [`/projects/${T}/packages/a|b`, /"\|"/],
    [`/projects/${T}/packages/a[b]`, /"\["/],
    ["/deploy%2F..%2Fadmin", null], // no route: literal segments match exactly (404, not 400)
  ];
  for (const [path, message] of refused) {
    test(`refused before the token: ${path}`, async () => {
      const gate = createGate(config({ routes: [...ROUTES, { method: "POST", path: "/deploy", target: "acme/platform/api" }] }));
      const res = await ask(gate, { path, method: path.startsWith("/deploy") ? "POST" : "GET" });
      if (message === null) {
        assert.equal(res.status, 404, res.text);
        return;
      }
      assert.equal(res.status, 400, res.text);
      assert.deepEqual({ allowed: res.json.allowed, reason: res.json.reason }, { allowed: false, reason: "non_canonical_path" });
      assert.match(res.json.message, message);
      assert.equal(res.headers.get("www-authenticate"), null);
    });
  }
  test("canonical paths pass: sub-delims, : and @ as they are, reserved characters escaped, a trailing /, an unknown target", async () => {
    let seen = null;
    const gate = createGate(config({ handler: (request, decision) => ((seen = decision), ok()) }));
    for (const path of [
      `/projects/${T}/packages/generic/tool/1.0/tool.tgz`,
      `/projects/${T}/packages/a+b@c:d!$&'()*,=e~f_g-h.i`,
      `/projects/${T}/packages/%2B%40%3A%20x`,
      `/projects/${T}/packages/dir/`,
      `/projects/${T}/packages`,
    ]) {
      const res = await ask(gate, { key: keys.rsa, path });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.equal(seen.target, "acme/platform/api");
    }
    // A target the world does not know is the engine's to deny (403), whatever its case.
    const unknown = await ask(gate, { key: keys.rsa, path: "/projects/ACME%2FGhost/packages/x" });
    assert.equal(unknown.status, 403, unknown.text);
    assert.equal(unknown.json.reason, "unknown_project");
  });
  test("a world spelled with capitals: the target must be spelled so too", async () => {
    const world = { version: "18.3", projects: [{ path: "acme/ci" }, { path: " /Acme/API/ ", inbound: { projects: ["acme/ci"] } }] };
    const gate = createGate(config({ world }));
    assert.equal((await ask(gate, { key: keys.rsa, path: "/projects/Acme%2FAPI/packages/x" })).status, 200);
    const res = await ask(gate, { key: keys.rsa, path: "/projects/acme%2Fapi/packages/x" });
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.message, /world spells it "Acme\/API"/);
  });
  test("dot segments are resolved first (WHATWG URL): climbing out of a route finds no route", async () => {
    const gate = createGate(config());
    assert.equal((await ask(gate, { key: keys.rsa, path: `/projects/${T}/packages/../../../admin` })).status, 404);
    assert.equal((await ask(gate, { key: keys.rsa, path: `/projects/${T}/packages/%2e%2e/%2E%2E/x` })).status, 404);
    assert.equal((await ask(gate, { key: keys.rsa, path: `/projects/${T}/packages/a/../b` })).status, 200);
  });
  test("a method in any case takes its route, as in the engine", async () => {
    const gate = createGate(config({ routes: [{ method: "get", path: "/projects/:target/packages/*", permission: "read_packages" }] }));
    assert.equal((await ask(gate, { key: keys.rsa })).status, 200);
  });
});

// ───────────────────────────── keys ─────────────────────────────

describe("choosing the key", () => {
  test("kid picks the key; its type must fit the token's alg", async () => {
    const gate = createGate(config());
    assert.equal((await ask(gate, { key: keys.rsa })).status, 200);
    assert.equal((await ask(gate, { key: keys.ec })).status, 200);
    assertInvalid(await ask(gate, { key: keys.ec, header: { kid: "rsa-1" } }), /RS256 key.*ES256/);
    assertInvalid(await ask(gate, { key: keys.rsa, header: { kid: "ec-1" } }), /ES256 key.*RS256/);
    assertInvalid(await ask(gate, { key: keys.rsa, header: { kid: "rsa-9" } }), /No key "rsa-9"/);
    assertInvalid(await ask(gate, { key: keys.rsa2, header: { kid: "rsa-1" } }), /signature/);
  });
  test("no kid: only when the JWKS holds exactly one usable key", async () => {
    const single = createGate(config({ jwks: { keys: [{ ...keys.rsa.jwk, kid: undefined }, { kty: "oct", k: "c2VjcmV0" }] } }));
    assert.equal((await ask(single, { key: keys.rsa, header: { kid: undefined } })).status, 200);
    assertInvalid(await ask(single, { key: keys.ec, header: { kid: undefined } }), /only key is an RS256 key/);
    const two = createGate(config());
    assertInvalid(await ask(two, { key: keys.rsa, header: { kid: undefined } }), /no key \(kid\).*2 usable keys/);
  });
  test("a key's alg must be absent or the token's; use must be sig; key_ops must allow verify", async () => {
    const variants = [
      [{ alg: undefined }, 200],
      [{ alg: "RS384" }, 401],
      [{ use: "enc" }, 401],
      [{ key_ops: ["verify"] }, 200],
      [{ key_ops: ["encrypt"] }, 401],
    ];
    for (const [change, status] of variants) {
      const gate = createGate(config({ jwks: { keys: [{ ...keys.rsa.jwk, ...change }, keys.ec.jwk] } }));
      const res = await ask(gate, { key: keys.rsa });
      assert.equal(res.status, status, `${JSON.stringify(change)}: ${res.text}`);
    }
    const p384 = createGate(config({ jwks: { keys: [keys.rsa.jwk, { ...keys.ec.jwk, crv: "P-384" }] } }));
    assertInvalid(await ask(p384, { key: keys.ec }), /P-256/);
  });
  test("RSA keys under 2048 bits are not used", async () => {
    const small = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);
    const jwk = { ...(await crypto.subtle.exportKey("jwk", small.publicKey)), kid: "small", key_ops: undefined, ext: undefined };
    const gate = createGate(config({ jwks: { keys: [jwk, keys.ec.jwk] } }));
    const token = await signToken({ alg: "RS256", kid: "small", privateKey: small.privateKey }, jobClaims("acme/ci"));
    assertInvalid(await ask(gate, { token }), /1024 bits, fewer than 2048/);
  });
  test("RSA moduli are counted in bits: 2041 and 2047 bits are refused, 2048 bits pass", async () => {
    for (const bits of [2041, 2047, 2048]) {
      const key = await rsaKey(`rsa-${bits}`, bits);
      assert.equal(Buffer.from(key.jwk.n, "base64url").length, 256, "all three are 256 bytes");
      const gate = createGate(config({ jwks: { keys: [key.jwk, keys.ec.jwk] } }));
      const res = await ask(gate, { key });
      if (bits >= 2048) assert.equal(res.status, 200, res.text);
      else assertInvalid(res, new RegExp(`${bits} bits, fewer than 2048`));
    }
  });
  test("a leading zero byte of n does not count (2048 bits, 257 bytes: usable)", async () => {
    const n = Buffer.concat([Buffer.from([0]), Buffer.from(keys.rsa.jwk.n, "base64url")]).toString("base64url");
    const gate = createGate(config({ jwks: { keys: [{ ...keys.rsa.jwk, n }, keys.ec.jwk] } }));
    const res = await ask(gate, { key: keys.rsa });
    assert.equal(res.status, 200, res.text);
  });
  test("RSA public exponents: e = 1 is refused (Node would import it, and a forged token would pass)", async () => {
    const e1 = { ...keys.rsa.jwk, kid: "rsa-e1", e: "AQ" };
    const gate = createGate(config({ jwks: { keys: [e1, keys.ec.jwk] } }));
    const forged = await forgeForExponentOne(e1, {}, jobClaims("acme/ci"));
    assertInvalid(await ask(gate, { token: forged }), /public exponent is 1, not an odd number ≥ 3/);
  });
  test("RSA public exponents: even, zero, or longer than 32 bits are refused; 3 and 65537 are used", async () => {
    const b64 = (bytes) => Buffer.from(bytes).toString("base64url");
    for (const [e, problem] of [[[2], /is 2, not an odd/], [[0], /is 0, not an odd/], [[1, 0, 0, 0, 1], /longer than 32 bits/], [[1, 0, 0], /is 65536, not an odd/]]) {
      const gate = createGate(config({ jwks: { keys: [{ ...keys.rsa.jwk, e: b64(e) }, keys.ec.jwk] } }));
      assertInvalid(await ask(gate, { key: keys.rsa }), problem);
    }
    const three = await rsaKey("rsa-e3", 2048, [3]);
    assert.equal(three.jwk.e, "Aw");
    assert.equal((await ask(createGate(config({ jwks: { keys: [three.jwk] } })), { key: three })).status, 200);
    assert.equal(keys.rsa.jwk.e, "AQAB");
  });
  test("an even RSA modulus is refused", async () => {
    const n = Buffer.from(keys.rsa.jwk.n, "base64url");
    n[n.length - 1] &= 0xfe;
    const gate = createGate(config({ jwks: { keys: [{ ...keys.rsa.jwk, n: n.toString("base64url") }, keys.ec.jwk] } }));
    assertInvalid(await ask(gate, { key: keys.rsa }), /modulus is even/);
  });
  test("ECDSA: a high-S signature (n − s) verifies: JWS allows it (docs/gate.md, left to the upstream)", async () => {
    const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const gate = createGate(config());
    const token = await signToken(keys.ec, jobClaims("acme/ci"));
    const [h, p, sig] = token.split(".");
    const bytes = Buffer.from(sig, "base64url");
    const s = BigInt(`0x${bytes.subarray(32).toString("hex")}`);
    const other = Buffer.from((ORDER - s).toString(16).padStart(64, "0"), "hex");
    const flipped = `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), other]).toString("base64url")}`;
    assert.notEqual(flipped, token);
    assert.equal((await ask(gate, { token })).status, 200);
    assert.equal((await ask(gate, { token: flipped })).status, 200, "the other S of the same signature");
  });
  test("a key that cannot be imported makes the gate unavailable (the JWKS is at fault, not the token)", async () => {
    const broken = { ...keys.ec.jwk, x: keys.ec.jwk.y.replace(/^./, (c) => (c === "A" ? "B" : "A")) }; // not on the curve
    const gate = createGate(config({ jwks: { keys: [keys.rsa.jwk, broken] } }));
    assertUnavailable(await ask(gate, { key: keys.ec }), /cannot be imported/);
    assert.equal((await ask(gate, { key: keys.rsa })).status, 200);
  });
});

// ───────────────────────────── the fetched JWKS ─────────────────────────────

describe("keys fetched from the issuer", () => {
  let server;
  let issuers;
  const realNow = Date.now;
  let offset = 0;
  before(async () => {
    server = await startJwksServer({ keys: [keys.rsa.jwk] });
    issuers = await startIssuers();
    Date.now = () => realNow() + offset;
  });
  after(async () => {
    Date.now = realNow;
    await server.close();
    await issuers.close();
  });
  afterEach(() => {
    offset = 0;
  });
  const fresh = () => createGate(config({ jwks: undefined, issuer: server.issuer }));
  // Tokens valid for a day, so that moving the clock does not expire them.
  const tok = (key, header) => ({ key, header, iss: server.issuer, claims: { exp: Math.floor(realNow() / 1000) + 86_400 } });

  test("fetched from ${issuer}/oauth/discovery/keys once, then cached", async () => {
    server.serve({ keys: [keys.rsa.jwk] });
    const gate = fresh();
    const before = server.state.fetches;
    for (let i = 0; i < 3; i++) assert.equal((await ask(gate, tok(keys.rsa))).status, 200);
    assert.equal(server.state.fetches - before, 1);
    assert.equal(server.state.paths.at(-1), "/oauth/discovery/keys");
  });
  test("the cache lives max-age (clamped to 30 s – 10 min), 5 minutes without one", async () => {
    for (const [cacheControl, lives, expired] of [[undefined, 299, 301], ["public, max-age=60", 59, 61], ["max-age=86400", 599, 601], ["no-store", 29, 31]]) {
      server.serve({ keys: [keys.rsa.jwk] }, { headers: cacheControl ? { "cache-control": cacheControl } : {} });
      const gate = fresh();
      const start = server.state.fetches;
      await ask(gate, tok(keys.rsa));
      offset = lives * 1000;
      await ask(gate, tok(keys.rsa));
      assert.equal(server.state.fetches - start, 1, `${cacheControl}: refetched before ${lives} s`);
      offset = expired * 1000;
      assert.equal((await ask(gate, tok(keys.rsa))).status, 200);
      assert.equal(server.state.fetches - start, 2, `${cacheControl}: not refetched after ${expired} s`);
      offset = 0;
    }
  });
  test("an unknown kid refetches once (a rotated key is found), at most every 30 s", async () => {
    server.serve({ keys: [keys.rsa.jwk] });
    const gate = fresh();
    const start = server.state.fetches;
    assert.equal((await ask(gate, tok(keys.rsa))).status, 200);
    // Rotation: the issuer now has rsa-2 too. Right after a fetch, an unknown kid does not refetch...
    server.serve({ keys: [keys.rsa.jwk, keys.rsa2.jwk] });
    assertInvalid(await ask(gate, tok(keys.rsa2)), /No key "rsa-2"/);
    assert.equal(server.state.fetches - start, 1);
    // ...30 s later it does, once, and finds the new key.
    offset = 31_000;
    assert.equal((await ask(gate, tok(keys.rsa2))).status, 200);
    assert.equal(server.state.fetches - start, 2);
    // A flood of unknown kids: no refetch within 30 s of the last one.
    for (let i = 0; i < 20; i++) assertInvalid(await ask(gate, tok(keys.rsa2, { kid: `junk-${i}` })));
    assert.equal(server.state.fetches - start, 2);
    offset = 62_000;
    assertInvalid(await ask(gate, tok(keys.rsa2, { kid: "junk-x" })));
    assert.equal(server.state.fetches - start, 3);
  });
  test("unreachable, an error status, not JSON, not a JWKS, too large: 503, never an allow", async () => {
    const answers = [
      [{ keys: [keys.rsa.jwk] }, { status: 500 }, /500/],
      ["<html>", {}, /not JSON/],
      [{ keys: "none" }, {}, /not a JWKS/],
      [JSON.stringify({ keys: [keys.rsa.jwk], pad: "x".repeat(300 * 1024) }), {}, /larger than/],
      [{ keys: Array.from({ length: 101 }, () => keys.rsa.jwk) }, {}, /more than 100 keys/],
    ];
    for (const [body, options, message] of answers) {
      server.serve(body, options);
      assertUnavailable(await ask(fresh(), tok(keys.rsa)), message);
    }
    const down = createGate(config({ jwks: undefined, issuer: `http://127.0.0.1:${await closedPort()}` }));
    assertUnavailable(await ask(down, tok(keys.rsa)), /unavailable/);
  });
  test("after a failure, requests fail fast for a second, then the fetch is retried", async () => {
    server.serve("oops", { status: 503 });
    const gate = fresh();
    const start = server.state.fetches;
    assertUnavailable(await ask(gate, tok(keys.rsa)));
    assertUnavailable(await ask(gate, tok(keys.rsa)));
    assert.equal(server.state.fetches - start, 1, "no second fetch within the back-off");
    server.serve({ keys: [keys.rsa.jwk] });
    offset = 1_500;
    assert.equal((await ask(gate, tok(keys.rsa))).status, 200);
    assert.equal(server.state.fetches - start, 2);
  });
  test("an expired cache whose refetch fails is not used: 503", async () => {
    server.serve({ keys: [keys.rsa.jwk] });
    const gate = fresh();
    assert.equal((await ask(gate, tok(keys.rsa))).status, 200);
    server.serve("down", { status: 502 });
    offset = 301_000;
    assertUnavailable(await ask(gate, tok(keys.rsa)));
  });

  // Single flight (docs/gate.md "Keys"): slow keys, so that every concurrent request arrives meanwhile.
  const burst = (gate, n, options) => Promise.all(Array.from({ length: n }, () => ask(gate, options)));
  const statuses = (answers) => [...new Set(answers.map((a) => a.status))];

  test("single flight: 100 concurrent requests make one fetch on a cold cache, one on an expired cache", async () => {
    const slow = issuers.add("slow-unit", { jwks: { keys: [keys.rsa.jwk] }, delayMs: 200 });
    const gate = createGate(config({ jwks: undefined, issuer: slow }));
    const t = { ...tok(keys.rsa), iss: slow };
    assert.deepEqual(statuses(await burst(gate, 100, t)), [200]);
    assert.equal(issuers.fetches("slow-unit"), 1, "cold cache");
    offset = 301_000;
    assert.deepEqual(statuses(await burst(gate, 100, t)), [200]);
    assert.equal(issuers.fetches("slow-unit"), 2, "expired cache");
  });
  test("single flight: a burst of a rotated key's tokens makes one refetch, and all of them pass", async () => {
    const rotating = issuers.add("rotating-unit", { jwks: { keys: [keys.rsa.jwk] }, delayMs: 200 });
    const gate = createGate(config({ jwks: undefined, issuer: rotating }));
    assert.equal((await ask(gate, { ...tok(keys.rsa), iss: rotating })).status, 200);
    issuers.add("rotating-unit", { jwks: { keys: [keys.rsa.jwk, keys.rsa2.jwk] }, delayMs: 200 });
    offset = 31_000;
    assert.deepEqual(statuses(await burst(gate, 100, { ...tok(keys.rsa2), iss: rotating })), [200]);
    assert.equal(issuers.fetches("rotating-unit"), 1, "one refetch (the counter restarted with the rotation)");
  });
  test("single flight: the fetching request hands the fetch to ctx.waitUntil (workerd keeps it alive)", async () => {
    const slow = issuers.add("waituntil-unit", { jwks: { keys: [keys.rsa.jwk] }, delayMs: 100 });
    const gate = createGate(config({ jwks: undefined, issuer: slow }));
    const kept = [];
    const ctx = { waitUntil: (promise) => kept.push(promise) };
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(gate, { ...tok(keys.rsa), iss: slow, ctx })));
    assert.deepEqual(statuses(answers), [200]);
    assert.equal(kept.length, 1);
    await kept[0];
  });
  test("a hanging keys endpoint: one fetch for 50 requests, each answered 503 within the timeout; a flight past its deadline is replaced", async () => {
    const hang = issuers.add("hang-unit", { hang: true });
    const gate = createGate(config({ jwks: undefined, issuer: hang }));
    const t = { ...tok(keys.rsa), iss: hang };
    const started = realNow();
    const first = burst(gate, 50, t);
    await new Promise((done) => setTimeout(done, 100));
    assert.equal(issuers.fetches("hang-unit"), 1);
    // 6 s later by the gate's clock, the flight is past its deadline: a new request does not join it.
    offset = 6_000;
    const late = ask(gate, t);
    await new Promise((done) => setTimeout(done, 100));
    assert.equal(issuers.fetches("hang-unit"), 2);
    for (const res of [...(await first), await late]) assertUnavailable(res, /no answer within 5000 ms/);
    assert.ok(realNow() - started < 8_000, `${realNow() - started} ms`);
  });
  test("a redirect of the keys URL is not followed: 503, and its target is never asked", async () => {
    issuers.add("evil-unit", { jwks: { keys: [keys.rsa2.jwk] } });
    const redirect = issuers.add("redirect-unit", { redirectTo: "evil-unit" });
    const gate = createGate(config({ jwks: undefined, issuer: redirect }));
    assertUnavailable(await ask(gate, { ...tok(keys.rsa2, { kid: "rsa-2" }), iss: redirect }), /redirect \(302\)/);
    assert.equal(issuers.fetches("redirect-unit"), 1);
    assert.equal(issuers.fetches("evil-unit"), 0);
  });
});

// ───────────────────────────── forwarding ─────────────────────────────

describe("forwarding to the upstream", () => {
  let upstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
  });

  test("same method, path (after the upstream's base path), query and body; no credentials; the gate's scope header", async () => {
    const gate = createGate(config({ handler: undefined, upstream: `${upstream.url}/base/` }));
    const res = await ask(gate, {
      key: keys.rsa, method: "PUT", path: `${PACKAGES}?x=1&y=%2F`, body: "payload",
      headers: {
        cookie: "a=b", "proxy-authorization": "Basic eA==", "x-job-token-scope": "forged", "x-custom": "kept",
        connection: "x-hop, bad name", "x-hop": "1",
      },
      claims: { project_path: "acme/ci" },
    });
    // acme/ci has default permissions on acme/platform/api: admin_packages is allowed.
    assert.equal(res.status, 200, res.text);
    const seen = upstream.requests.at(-1);
    assert.equal(seen.method, "PUT");
    assert.equal(seen.url, `/base${PACKAGES}?x=1&y=%2F`);
    assert.equal(seen.body, "payload");
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers.cookie, undefined);
    assert.equal(seen.headers["proxy-authorization"], undefined);
    assert.equal(seen.headers["x-custom"], "kept");
    assert.equal(seen.headers["x-hop"], undefined, "a header named by Connection is hop-by-hop");
    assert.equal(seen.headers["x-job-token-scope"], "allowed; reason=allowlisted_project; source=acme/ci");
    assert.equal(res.headers.get("x-job-token-scope"), "allowed; reason=allowlisted_project; source=acme/ci");
    assert.equal(res.headers.get("x-upstream"), "echo");
  });
  test("dropped: every `_` spelling of the gate's headers, method and URL overrides, Expect, Connection-named headers", async () => {
    const gate = createGate(config({ handler: undefined, upstream: upstream.url }));
    const res = await ask(gate, {
      key: keys.rsa,
      headers: {
        X_Job_Token_Scope: "allowed; source=acme/platform/deployer",
        "x-job_token-scope": "forged",
        Proxy_Authorization: "Basic eA==",
        Accept_Encoding: "gzip",
        Transfer_Encoding: "chunked",
        "X-HTTP-Method-Override": "DELETE",
        "X_HTTP_Method": "DELETE",
        "X-Method-Override": "DELETE",
        "X-Original-URL": "/admin",
        "X-Rewrite-URL": "/admin",
        "X-Original-URI": "/admin",
        "X-Original-Method": "DELETE",
        connection: "X_Hop",
        "x-hop": "1",
        "x-custom_name": "kept",
      },
    });
    assert.equal(res.status, 200, res.text);
    const seen = upstream.requests.at(-1);
    const names = Object.keys(seen.headers).sort();
    assert.deepEqual(names, ["accept", "accept-encoding", "accept-language", "connection", "host", "sec-fetch-mode", "user-agent", "x-custom_name", "x-job-token-scope"].sort(),
      JSON.stringify(seen.headers));
    assert.equal(seen.headers["x-job-token-scope"], "allowed; reason=allowlisted_project; source=acme/ci");
    assert.equal(seen.headers["accept-encoding"], "identity");
    assert.equal(seen.method, "GET");
  });
  test("Expect: 100-continue is dropped, so the request gets through (Node's fetch refuses to send it: was a 502)", async () => {
    const gate = createGate(config({ handler: undefined, upstream: upstream.url }));
    const res = await ask(gate, { key: keys.rsa, method: "PUT", body: "payload", headers: { expect: "100-continue" } });
    assert.equal(res.status, 200, res.text);
    assert.equal(upstream.requests.at(-1).headers.expect, undefined);
    assert.equal(upstream.requests.at(-1).body, "payload");
  });
  test("an upstream redirect is passed back, not followed", async () => {
    const server = createServer((req, res) => res.writeHead(302, { location: "https://elsewhere.example/" }).end());
    await new Promise((done) => server.listen(0, "127.0.0.1", done));
    try {
      const gate = createGate(config({ handler: undefined, upstream: `http://127.0.0.1:${server.address().port}` }));
      const res = await ask(gate, { key: keys.rsa });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get("location"), "https://elsewhere.example/");
      assert.ok(res.headers.get("x-job-token-scope"));
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });
  test("an upstream that does not answer: 502, after the allow", async (t) => {
    t.mock.method(console, "error", () => {});
    const gate = createGate(config({ handler: undefined, upstream: `http://127.0.0.1:${await closedPort()}` }));
    const res = await ask(gate, { key: keys.rsa });
    assert.equal(res.status, 502);
    assert.equal(res.json.reason, "upstream_unavailable");
    assert.equal(res.json.allowed, false);
  });
  test("denied requests never reach the upstream", async () => {
    const gate = createGate(config({ handler: undefined, upstream: upstream.url }));
    const count = upstream.requests.length;
    const other = await signToken(keys.rsa, jobClaims("acme/other"));
    assert.equal((await ask(gate, { token: other })).status, 403);
    assert.equal((await ask(gate, {})).status, 401);
    assert.equal((await ask(gate, { key: keys.rsa, path: "/nope" })).status, 404);
    assert.equal(upstream.requests.length, count);
  });
});

// ───────────────────────────── failing closed ─────────────────────────────

describe("failing closed", () => {
  let dir;
  let sabotaged;
  before(async () => {
    // gate.js next to a glue shim whose GateEngine is the real one, made to misbehave on demand.
    dir = mkdtempSync(join(tmpdir(), "jts-gate-sabotage-"));
    copyFileSync(join(PKG_DIR, "gate.js"), join(dir, "gate.js"));
    const pkg = (file) => JSON.stringify(pathToFileURL(join(PKG_DIR, file)).href);
    writeFileSync(join(dir, "door.js"), `export * from ${pkg("door.js")};`);
    writeFileSync(join(dir, "coded.js"), `export * from ${pkg("coded.js")};`);
    writeFileSync(join(dir, "job_token_scope.js"), `
      import ${pkg("node.js")};
      import { GateEngine as Real } from ${pkg("job_token_scope.js")};
      export class GateEngine extends Real {
        authorize(...args) {
          const mode = globalThis.__gateSabotage;
          if (mode === "throw") throw new Error("engine exploded");
          if (mode === "status") return { ...super.authorize(...args), status: 302 };
          if (mode === "allow-without-source") return { ...super.authorize(...args), status: 200, allowed: true, source: null };
          if (mode === "null") return null;
          return super.authorize(...args);
        }
        route(...args) {
          if (globalThis.__gateSabotage === "route") throw new Error("route exploded");
          return super.route(...args);
        }
      }
    `);
    sabotaged = (await import(pathToFileURL(join(dir, "gate.js")).href)).createGate;
  });
  after(() => {
    delete globalThis.__gateSabotage;
    rmSync(dir, { recursive: true, force: true });
  });

  test("the engine throws or answers nonsense: 503, details only in the log", async (t) => {
    const logged = [];
    t.mock.method(console, "error", (...args) => logged.push(args.map(String).join(" ")));
    const gate = sabotaged(config());
    for (const mode of ["throw", "status", "allow-without-source", "null", "route"]) {
      globalThis.__gateSabotage = mode;
      // A token the real engine denies: a sabotaged answer must not turn it into an allow.
      const denied = await ask(gate, { token: await signToken(keys.rsa, jobClaims("acme/other")) });
      assertUnavailable(denied);
      assertUnavailable(await ask(gate, { key: keys.rsa }));
    }
    globalThis.__gateSabotage = undefined;
    assert.equal((await ask(gate, { key: keys.rsa })).status, 200);
    assert.match(logged.join("\n"), /engine exploded/);
    assert.match(logged.join("\n"), /route exploded/);
  });
  test("the handler throws, rejects or returns no Response: 503, details only in the log", async (t) => {
    const logged = [];
    t.mock.method(console, "error", (...args) => logged.push(args.map(String).join(" ")));
    for (const handler of [
      () => { throw new Error("handler exploded: secret"); },
      async () => { throw new Error("handler rejected: secret"); },
      () => "ok",
      () => undefined,
    ]) {
      const res = await ask(createGate(config({ handler })), { key: keys.rsa });
      assertUnavailable(res, /internal error/);
      assert.doesNotMatch(res.text, /secret/);
    }
    assert.match(logged.join("\n"), /handler exploded: secret/);
  });
  test("a handler's immutable Response gets the header on a copy", async () => {
    const upstream = await startUpstream();
    try {
      const gate = createGate(config({ handler: () => fetch(upstream.url) }));
      const res = await ask(gate, { key: keys.rsa });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-job-token-scope"), "allowed; reason=allowlisted_project; source=acme/ci");
    } finally {
      await upstream.close();
    }
  });
});

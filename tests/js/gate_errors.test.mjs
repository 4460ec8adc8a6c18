// createGate's errors raised in JS (src/wasm/gate.js) are bounded as the engine bounds its own
// (src/error.rs): at most 1 KiB in all — 256 bytes of location, the rest message — a huge quoted input cut
// in the middle. And a config is read from its own properties only (a polluted prototype is no setting).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { EXAMPLE_DIR, ISSUER, AUDIENCE } from "../../examples/worker/dev.mjs";
import { PKG_DIR, requireGatePackage } from "../gate/support.mjs";

requireGatePackage();
const { createGate } = await import(pathToFileURL(join(PKG_DIR, "gate-node.js")).href);
const { GitlabPolicy } = await import(pathToFileURL(join(PKG_DIR, "node.js")).href);
const WORLD = JSON.parse(readFileSync(join(EXAMPLE_DIR, "world.json"), "utf8"));
const ROUTES = [{ method: "GET", path: "/projects/:target/packages/*", permission: "read_packages" }];
const config = (overrides) => ({
  issuer: ISSUER, audience: AUDIENCE, world: WORLD, routes: ROUTES, handler: () => new Response("ok"),
  jwks: { keys: [] }, ...overrides,
});
const bytes = (text) => Buffer.byteLength(text, "utf8");

/** The thrown error, after checking it is coded and bounded. */
function thrown(make) {
  let caught;
  assert.throws(make, (error) => ((caught = error), true));
  assert.ok(caught instanceof Error);
  assert.equal(caught.code, "invalid_input");
  // At most 1 KiB in all, location and message.
  assert.ok(bytes(caught.message) <= 1024, `${bytes(caught.message)} bytes`);
  return caught.message;
}

/**
 * `text` cut as src/error.rs cuts to `max` bytes: its first half (back to a character boundary) … its
 * last quarter (forward to one). The location's share is 256 bytes, the message's 766.
 */
function assertCut(text, head, tail, max) {
  const match = /^(.*)… \[(\d+) bytes cut\] …(.*)$/s.exec(text);
  assert.ok(match, text.slice(0, 100));
  const [half, quarter] = [Math.floor(max / 2), Math.floor(max / 4)];
  assert.ok(bytes(match[1]) <= half && bytes(match[1]) > half - 4, `head ${bytes(match[1])} bytes`);
  assert.ok(bytes(match[3]) <= quarter && bytes(match[3]) > quarter - 4, `tail ${bytes(match[3])} bytes`);
  assert.ok(bytes(text) <= max, `${bytes(text)} bytes`);
  assert.ok(match[1].startsWith(head), match[1].slice(0, 80));
  assert.ok(match[3].endsWith(tail), match[3].slice(-80));
}

test("a 1 MiB unknown config key gives a clipped error, as the engine's are", () => {
  const key = `k${"é".repeat(1 << 19)}end`;
  const message = thrown(() => createGate(config({ [key]: 1 })));
  const [where, what] = message.split(/(?<=end): /);
  assertCut(where, "config.kéé", "ééend", 256);
  assertCut(what, "unknown field `kéé", "`handler`, `upstream`", 766);
});

test("a 1 MiB upstream that is not a URL gives a clipped error", () => {
  const upstream = `not a url ${"x".repeat(1 << 20)} end`;
  const message = thrown(() => createGate(config({ handler: undefined, upstream })));
  assert.ok(message.startsWith("config.upstream: "));
  assertCut(message.slice("config.upstream: ".length), "not a URL: \"not a url xxx", "xx end\"", 766);
});

test("short errors are kept whole", () => {
  assert.throws(() => createGate(config({ jwksUrl: "x" })), (error) => {
    assert.equal(error.code, "invalid_input");
    assert.match(error.message, /^config\.jwksUrl: unknown field `jwksUrl`, expected one of /);
    assert.doesNotMatch(error.message, /bytes cut/);
    return true;
  });
});

test("a polluted Object.prototype is no setting: a gate given no jwks does not take inherited keys", async () => {
  const { publicKey, privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", publicKey);
  const base = config({ jwks: undefined });
  delete base.jwks;
  let gate;
  Object.prototype.jwks = { keys: [{ ...jwk, kid: "evil", alg: "ES256", use: "sig" }] };
  Object.prototype.handler = () => new Response("polluted");
  try {
    gate = createGate({ ...base, handler: undefined, upstream: "http://127.0.0.1:9" });
  } finally {
    delete Object.prototype.jwks;
    delete Object.prototype.handler;
  }
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, aud: AUDIENCE, project_path: "acme/ci", iat: now, exp: now + 300 };
  const input = `${part({ alg: "ES256", kid: "evil", typ: "JWT" })}.${part(claims)}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, new TextEncoder().encode(input));
  const token = `${input}.${Buffer.from(signature).toString("base64url")}`;
  const path = JSON.parse(readFileSync(join(EXAMPLE_DIR, "world.json"), "utf8")).projects.find((p) => p.path !== "acme/ci").path;
  const response = await gate.fetch(new Request(`http://gate.test/projects/${encodeURIComponent(path)}/packages/x`, {
    headers: { authorization: `Bearer ${token}` },
  }), {}, {});
  // The keys are fetched from the issuer (unreachable here): never the polluter's.
  assert.notEqual(response.status, 200);
  assert.ok([401, 503].includes(response.status), `status ${response.status}`);
});

test("a polluted Object.prototype.policy (or .world) is no setting: the gate keeps its own world", async () => {
  /** The snapshot of `world`. */
  const snapshotOf = (world) => {
    const compiled = new GitlabPolicy(world);
    try {
      return compiled.toBytes();
    } finally {
      compiled.free();
    }
  };
  // The polluter's allowlists let everyone in; the gate's own (world.json) do not let acme/other in.
  const open = { version: "18.3", projects: [{ path: "acme/ci" }, { path: "acme/other" }, { path: "acme/platform/api" }] };
  const { publicKey, privateKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey("jwk", publicKey);
  const jwks = { keys: [{ ...jwk, kid: "k", alg: "ES256", use: "sig" }] };
  const { world: _, ...withoutWorld } = config({ jwks });
  const gates = [];
  Object.prototype.policy = snapshotOf(open);
  Object.prototype.world = open;
  try {
    // Neither "both" nor the polluter's allowlists: only own properties are settings.
    gates.push(createGate(config({ jwks })));
    gates.push(createGate({ ...withoutWorld, policy: snapshotOf(WORLD) }));
    assert.throws(() => createGate(withoutWorld), { code: "invalid_input", message: /needs `world`/ });
  } finally {
    delete Object.prototype.policy;
    delete Object.prototype.world;
  }
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: "ES256", kid: "k", typ: "JWT" })}.${part({ iss: ISSUER, aud: AUDIENCE, project_path: "acme/other", iat: now, exp: now + 300 })}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, new TextEncoder().encode(input));
  const token = `${input}.${Buffer.from(signature).toString("base64url")}`;
  for (const gate of gates) {
    const response = await gate.fetch(new Request("http://gate.test/projects/acme%2Fplatform%2Fapi/packages/x", {
      headers: { authorization: `Bearer ${token}` },
    }), {}, {});
    assert.equal(response.status, 403);
    assert.equal((await response.json()).reason, "not_in_inbound_allowlist");
  }
});

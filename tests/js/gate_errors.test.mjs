// createGate's errors raised in JS (src/wasm/gate.js) are bounded as the engine bounds its own
// (src/error.rs): at most 1 KiB of location and of message, a huge quoted input cut in the middle.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { EXAMPLE_DIR, ISSUER, AUDIENCE } from "../../examples/worker/dev.mjs";
import { PKG_DIR, requireGatePackage } from "../gate/support.mjs";

requireGatePackage();
const { createGate } = await import(pathToFileURL(join(PKG_DIR, "gate-node.js")).href);
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
  // At most 1 KiB (plus the cut's own words) of location and of message.
  assert.ok(bytes(caught.message) <= 2 * (1024 + 40) + 2, `${bytes(caught.message)} bytes`);
  return caught.message;
}

/** `text` cut as src/error.rs cuts: 640 bytes (back to a character boundary) … 256 bytes (forward to one). */
function assertCut(text, head, tail) {
  const match = /^(.*)… \[(\d+) bytes cut\] …(.*)$/s.exec(text);
  assert.ok(match, text.slice(0, 100));
  assert.ok(bytes(match[1]) <= 640 && bytes(match[1]) > 636, `head ${bytes(match[1])} bytes`);
  assert.ok(bytes(match[3]) <= 256 && bytes(match[3]) > 252, `tail ${bytes(match[3])} bytes`);
  assert.ok(match[1].startsWith(head), match[1].slice(0, 80));
  assert.ok(match[3].endsWith(tail), match[3].slice(-80));
}

test("a 1 MiB unknown config key gives a clipped error, as the engine's are", () => {
  const key = `k${"é".repeat(1 << 19)}end`;
  const message = thrown(() => createGate(config({ [key]: 1 })));
  const [where, what] = message.split(/(?<=end): /);
  assertCut(where, "config.kéé", "ééend");
  assertCut(what, "unknown field `kéé", "`handler`, `upstream`");
});

test("a 1 MiB upstream that is not a URL gives a clipped error", () => {
  const upstream = `not a url ${"x".repeat(1 << 20)} end`;
  const message = thrown(() => createGate(config({ handler: undefined, upstream })));
  assert.ok(message.startsWith("config.upstream: "));
  assertCut(message.slice("config.upstream: ".length), "not a URL: \"not a url xxx", "xx end\"");
});

test("short errors are kept whole", () => {
  assert.throws(() => createGate(config({ jwksUrl: "x" })), (error) => {
    assert.equal(error.code, "invalid_input");
    assert.match(error.message, /^config\.jwksUrl: unknown field `jwksUrl`, expected one of /);
    assert.doesNotMatch(error.message, /bytes cut/);
    return true;
  });
});

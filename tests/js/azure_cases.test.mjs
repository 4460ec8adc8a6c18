// Runs every rule table in tests/cases/azure/*.json against the built npm package (pkg/).
// Format: tests/cases/azure/README.md. The native runner (tests/azure_cases.rs) reads the same files.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

import { resolveAzureScope, checkAzureAccess, validateAzureConfig } from "../../pkg/index.js";

const CASES_DIR = fileURLToPath(new URL("../cases/azure/", import.meta.url));
const OPERATIONS = ["scope", "resource", "validate"];
const files = readdirSync(CASES_DIR).filter((f) => f.endsWith(".json")).sort();

test("tests/cases/azure holds rule tables", () => {
  assert.ok(files.length > 0, `no *.json rule tables in ${CASES_DIR}`);
});

/** Objects merge key by key; arrays and scalars replace (the same merge as the Rust runner). */
function merge(base, patch) {
  if (isObject(base) && isObject(patch)) {
    const out = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = merge(base[key], value);
    return out;
  }
  return patch;
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const pairs = (trace) => trace.map((t) => [t.step, t.outcome]);

function expectThrow(call, expect) {
  let thrown;
  try {
    call();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof Error, `expected an Error with code ${expect.error}, got ${thrown}`);
  assert.equal(thrown.code, expect.error, thrown.message);
  if ("errorPath" in expect) assert.ok(thrown.message.startsWith(`${expect.errorPath}: `), thrown.message);
}

function compare(got, expect) {
  for (const [key, want] of Object.entries(expect)) {
    if (key === "trace") assert.deepEqual(pairs(got.trace), want, `trace; got ${JSON.stringify(got.trace)}`);
    else if (key === "problems") {
      const norm = (list) => list.map((p) => `${p.code} at ${p.path}`).sort();
      assert.deepEqual(norm(got.problems), norm(want), "problems");
    } else assert.deepEqual(got[key], want, `${key}; got ${JSON.stringify(got)}`);
  }
}

for (const file of files) {
  const table = JSON.parse(readFileSync(join(CASES_DIR, file), "utf8"));
  for (const [i, c] of (table.cases ?? []).entries()) {
    test(`${file}: ${c.name ?? `case #${i}`}`, () => {
      const ops = OPERATIONS.filter((op) => op in c);
      assert.equal(ops.length, 1, `a case needs exactly one of ${OPERATIONS.join("/")}`);
      let config = "config" in c ? c.config : table.config;
      if ("patch" in c) config = merge(config, c.patch);
      const call = {
        scope: () => resolveAzureScope(config),
        resource: () => checkAzureAccess(config, c.resource),
        validate: () => validateAzureConfig(config),
      }[ops[0]];
      if ("error" in c.expect) return expectThrow(call, c.expect);
      const got = call();
      compare(ops[0] === "validate" ? { problems: got } : got, c.expect);
    });
  }
}

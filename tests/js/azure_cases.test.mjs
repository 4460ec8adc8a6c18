// Runs every rule table in tests/cases/azure/*.json against the built npm package (pkg/), one
// `describe` per file named like the native runner's #[test] (tests/azure_cases.rs: the file's stem,
// e.g. `node --test --test-name-pattern='^access$' tests/js/azure_cases.test.mjs`), one test per case.
// Format: tests/cases/azure/README.md. A key it does not describe (file, case or expect level) fails,
// naming the file, the case and the key, as the native runner's does.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

import {
  resolveAzureScope, checkAzureAccess, validateAzureConfig, azureMatrix, azureWhatIf, importAzureSettings,
} from "../../pkg/index.js";

const CASES_DIR = fileURLToPath(new URL("../cases/azure/", import.meta.url));
const OPERATIONS = ["scope", "resource", "validate", "matrix", "whatif", "import"];
// The keys tests/cases/azure/README.md describes; the native runner's typed Table / Case hold the same.
const FILE_KEYS = ["about", "config", "cases"];
const CASE_KEYS = ["name", "source", "config", "patch", ...OPERATIONS, "expect"];
const WHATIF_KEYS = ["patch", "options"];
const IMPORT_KEYS = ["file", "options"];
const ERROR_KEYS = ["error", "errorPath"];
const EXPECT_KEYS = {
  scope: ["scope", "identity", "identityExists", "repositories", "trace", ...ERROR_KEYS],
  resource: ["allowed", "reason", "message", "trace", ...ERROR_KEYS],
  validate: ["problems", ...ERROR_KEYS],
  matrix: ["rows", "columns", "cells", ...ERROR_KEYS],
  whatif: ["columns", "flips", ...ERROR_KEYS],
  import: ["kind", "patch", "notes", ...ERROR_KEYS],
};

/** Fails naming `where` and every key of `object` that `known` does not list. */
function assertKnownKeys(object, known, where) {
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  assert.deepEqual(
    unknown, [],
    `${where}: unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; expected one of ${known.join(", ")}`,
  );
}
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
const columnLabel = (r) => `${r.kind} ${r.project}/${r.name} ${r.action}`;

/** A matrix as the tables write it: [kind, scope] per row, a label per column, reasons per row. */
function matrixShape(m) {
  return {
    rows: m.rows.map((r) => [r.kind, r.scope]),
    columns: m.columns.map(columnLabel),
    cells: m.cells.map((row) => row.map((d) => d.reason)),
  };
}

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
  describe(file.replace(/\.json$/, ""), () => {
    const where = `azure/${file}`;
    let table;
    try {
      table = JSON.parse(readFileSync(join(CASES_DIR, file), "utf8"));
    } catch (err) {
      test("the file is JSON", () => assert.fail(`${where}: ${err.message}`));
      return;
    }
    const cases = table?.cases;
    test("the file's keys", () => {
      assert.ok(isObject(table), `${where} is not an object`);
      assertKnownKeys(table, FILE_KEYS, where);
      assert.ok(typeof table.about === "string", `${where}: no "about" string`);
      assert.ok(Array.isArray(cases) && cases.length > 0, `${where} has no "cases" array (or it is empty)`);
    });
    if (!Array.isArray(cases)) return;
    const seen = new Set();
    for (const [i, c] of cases.entries()) {
      const label = typeof c?.name === "string" ? `case ${JSON.stringify(c.name)}` : `case #${i} (unnamed)`;
      test(c?.name ?? `case #${i} (unnamed)`, () => {
        const at = `${where} / ${label}`;
        assert.ok(isObject(c), `${at} is not an object`);
        assertKnownKeys(c, CASE_KEYS, at);
        assert.ok(typeof c.name === "string" && c.name.length > 0, `${at} has no name`);
        assert.ok(!seen.has(c.name), `${at}: duplicate case name`);
        seen.add(c.name);
        assert.ok(!("config" in c && "patch" in c), `${at}: a case has at most one of config and patch`);
        const ops = OPERATIONS.filter((op) => op in c);
        assert.equal(ops.length, 1, `${at}: a case needs exactly one of ${OPERATIONS.join("/")}`);
        assert.ok(isObject(c.expect), `${at} has no "expect" object`);
        assertKnownKeys(c.expect, EXPECT_KEYS[ops[0]], `${at}: expect`);
        let config = "config" in c ? c.config : table.config;
        if ("patch" in c) config = merge(config, c.patch);
        if ("whatif" in c) assertKnownKeys(c.whatif, WHATIF_KEYS, `${at}: whatif`);
        if ("import" in c) assertKnownKeys(c.import, IMPORT_KEYS, `${at}: import`);
        const call = {
          scope: () => resolveAzureScope(config),
          resource: () => checkAzureAccess(config, c.resource),
          validate: () => ({ problems: validateAzureConfig(config) }),
          matrix: () => matrixShape(azureMatrix(config, c.matrix)),
          whatif: () => {
            const got = azureWhatIf(config, merge(config, c.whatif.patch), c.whatif.options);
            return {
              columns: got.before.columns.map(columnLabel),
              flips: got.flips.map((f) => [f.kind, columnLabel(f.resource), f.before.reason, f.after.reason]),
            };
          },
          import: () => importAzureSettings(c.import.file, c.import.options),
        }[ops[0]];
        if ("error" in c.expect) return expectThrow(call, c.expect);
        compare(call(), c.expect);
      });
    }
  });
}

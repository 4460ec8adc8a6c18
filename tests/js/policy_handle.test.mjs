// GitlabPolicy's JS wrapper (src/wasm/api.js) under misuse (issue 16): a freed handle, lone surrogates,
// and a memo that hostile distinct strings cannot grow past a few MiB.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const api = await import(new URL("../../pkg/index.js", import.meta.url));
const { GitlabPolicy, checkGitlabAccess } = api;

const WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/ci\uFFFD" },
    { path: "acme/api", inbound: { projects: ["acme/ci\uFFFD"] } },
  ],
};

/** The module still answers correctly, through every door. */
function assertHealthy() {
  const policy = new GitlabPolicy(WORLD);
  try {
    assert.equal(policy.check("acme/ci\uFFFD", "acme/api"), true);
    assert.equal(policy.check("acme/ci", "acme/api"), false);
    assert.equal(policy.explain("acme/ci", "acme/api").reason, "not_in_inbound_allowlist");
  } finally {
    policy.free();
  }
  assert.equal(checkGitlabAccess(WORLD, { source: "acme/ci\uFFFD", target: "acme/api" }).allowed, true);
}

const FREED = (error) => {
  assert.ok(error instanceof Error);
  assert.equal(error.code, "invalid_input");
  assert.match(error.message, /GitlabPolicy was freed/);
  return true;
};

test("a freed GitlabPolicy throws a coded error on every use, forever, and leaks nothing", () => {
  const policy = new GitlabPolicy(WORLD);
  assert.equal(policy.check("acme/ci\uFFFD", "acme/api"), true);
  policy.free();
  // A second free() is a no-op (index.d.ts).
  assert.doesNotThrow(() => policy.free());
  assert.doesNotThrow(() => policy.free());
  for (let i = 0; i < 5000; i++) {
    assert.throws(() => policy.check("acme/ci\uFFFD", "acme/api"), FREED);
    assert.throws(() => policy.check(`acme/p${i}`, "acme/api", "read_jobs"), FREED);
    assert.throws(() => policy.explain("acme/ci", "acme/api"), FREED);
    assert.throws(() => policy.explain(42, null, {}), FREED);
  }
  assertHealthy();
});

test("check and explain refuse a lone surrogate exactly as checkGitlabAccess does", () => {
  const policy = new GitlabPolicy(WORLD);
  try {
    const cases = [
      { source: "acme/ci\uD800", target: "acme/api" },
      { source: "acme/ci\uDFFF", target: "acme/api" },
      { source: "acme/api", target: "acme/ci\uDC00" },
      { source: "\uDBFFacme/ci", target: "acme/api" },
      { source: "acme/ci\uFFFD", target: "acme/api", permission: "read_jobs\uD800" },
    ];
    for (const request of cases) {
      let expected;
      assert.throws(() => checkGitlabAccess(WORLD, request), (error) => ((expected = error), true));
      assert.equal(expected.code, "invalid_input");
      assert.match(expected.message, /lone UTF-16 surrogate/);
      const args = [request.source, request.target, request.permission];
      // Twice: the second time the well-formed arguments come from the memo.
      for (let round = 0; round < 2; round++) {
        for (const door of ["check", "explain"]) {
          assert.throws(() => policy[door](...args), (error) => {
            assert.ok(error instanceof Error);
            assert.equal(error.code, expected.code, `${door} ${JSON.stringify(request)}`);
            assert.equal(error.message, expected.message, `${door} ${JSON.stringify(request)}`);
            return true;
          });
        }
      }
    }
    // A surrogate pair is well-formed: an ordinary (unknown) path, for both doors alike.
    const pair = { source: "acme/ci\uD83D\uDE00", target: "acme/api" };
    assert.throws(() => checkGitlabAccess(WORLD, pair), { code: "unknown_project" });
    assert.throws(() => policy.check(pair.source, pair.target), { code: "unknown_project" });
  } finally {
    policy.free();
  }
  assertHealthy();
});

test("distinct large unknown paths and permissions leave the policy's memo small", () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc");
  const policy = new GitlabPolicy(WORLD);
  try {
    // Flat, distinct strings just under the 1 MiB a name may have (1 MB each on the heap: toUpperCase
    // copies, where a concatenation would share the repeated part).
    const base = "a".repeat((1 << 20) - 64);
    const junk = (i) => `acme/${i}/${base}`.toUpperCase();
    const used = () => {
      gc();
      const { heapUsed, external } = process.memoryUsage();
      return heapUsed + external;
    };
    // Once first, so that the module's memory has grown to hold such a string.
    assert.throws(() => policy.check(junk(-1), "acme/api"), { code: "unknown_project" });
    const before = used();
    for (let i = 0; i < 200; i++) {
      assert.throws(() => policy.check(junk(i), "acme/api"), { code: "unknown_project" });
      assert.throws(() => policy.check("acme/ci", "acme/api", junk(i)), { code: "invalid_input" });
    }
    const grown = used() - before;
    // 400 MB if they were remembered; the memo keeps at most a few MiB.
    assert.ok(grown < 32 << 20, `the heap grew by ${grown} bytes`);
    assert.equal(policy.check("acme/ci\uFFFD", "acme/api"), true);
    assert.equal(policy.check("ACME/CI\uFFFD", "acme/api", "read_jobs"), true);
  } finally {
    policy.free();
  }
  assertHealthy();
});

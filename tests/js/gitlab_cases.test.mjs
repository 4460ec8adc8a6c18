// Runs every rule table in tests/cases/gitlab/*.json against the built npm package (pkg/), one
// `describe` per file named like the native runner's #[test] (tests/gitlab_cases.rs: the file's stem,
// e.g. `node --test --test-name-pattern='^inbound' tests/js/gitlab_cases.test.mjs`), one test per case.
// Format: tests/cases/README.md. A key it does not describe (file, case, expect, compact or plan level, and a
// planned project's expectations) fails,
// naming the file, the case and the key, as the native runner's does.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const PKG = new URL("../../pkg/index.js", import.meta.url);
const CASES_DIR = fileURLToPath(new URL("../cases/gitlab/", import.meta.url));
const OPERATIONS = ["request", "edit", "validate", "scope", "compact", "plan"];
// The keys tests/cases/README.md describes; the native runner's typed Table / Case / Compact hold the same.
const FILE_KEYS = ["about", "world", "cases"];
const CASE_KEYS = ["name", "source", "version", "world", ...OPERATIONS, "expect"];
const COMPACT_KEYS = ["project", "limit"];
const PLAN_KEYS = ["log", "options"];
/** The keys one project of a plan's `expect.projects` may hold. */
const PLAN_PROJECT_KEYS = ["enforcedToday", "breaks", "proposed", "admitsAlso", "gitlab"];
const ERROR_KEYS = ["error", "errorPath"];
const EXPECT_KEYS = {
  request: ["allowed", "reason", "message", "trace", ...ERROR_KEYS],
  edit: ["allowed", "reason", "message", "trace", ...ERROR_KEYS],
  validate: ["problems", ...ERROR_KEYS],
  scope: ["reachable", "reachableBy", "inboundEnforced", "entries", "limit", "groupEntries", "groupLimit", ...ERROR_KEYS],
  compact: ["projects", "groups", "admitsAlso", ...ERROR_KEYS],
  plan: ["projects", "unknown", "summary", "version", ...ERROR_KEYS],
};

/** Fails naming `where` and every key of `object` that `known` does not list. */
function assertKnownKeys(object, known, where) {
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  assert.deepEqual(
    unknown, [],
    `${where}: unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; expected one of ${known.join(", ")}`,
  );
}

let api;
try {
  api = await import(PKG);
} catch (err) {
  throw new Error(`cannot import ${fileURLToPath(PKG)} — build it with "make pkg" first: ${err?.message ?? err}`);
}
const {
  checkGitlabAccess, checkGitlabEdit, validateGitlabWorld, resolveGitlabScope, compactGitlabAllowlist, GitlabPolicy,
  planGitlabEnforcement,
} = api;

const files = readdirSync(CASES_DIR).filter((f) => f.endsWith(".json")).sort();

test("tests/cases/gitlab holds rule tables", () => {
  assert.ok(files.length > 0, `no *.json rule tables in ${CASES_DIR}`);
});

/** A plain object (not a Map, not an array), as SPEC §2 promises for every output. */
function assertPlainObject(value, what) {
  assert.ok(!(value instanceof Map), `${what} is a Map; SPEC §2 wants a plain object`);
  assert.equal(typeof value, "object", `${what} is not an object: ${value}`);
  assert.ok(value !== null && !Array.isArray(value), `${what} is not a plain object: ${JSON.stringify(value)}`);
}

function traceSteps(decision) {
  assert.ok(Array.isArray(decision.trace), `decision.trace is not an array: ${JSON.stringify(decision.trace)}`);
  return decision.trace.map((t) => [t.step, t.outcome]);
}

function checkDecision(decision, expect, what) {
  assertPlainObject(decision, what);
  const shown = JSON.stringify(decision);
  if ("allowed" in expect) assert.equal(decision.allowed, expect.allowed, `${what}.allowed; got ${shown}`);
  if ("reason" in expect) assert.equal(decision.reason, expect.reason, `${what}.reason; got ${shown}`);
  if ("message" in expect) assert.equal(decision.message, expect.message, `${what}.message`);
  if ("trace" in expect) assert.deepEqual(traceSteps(decision), expect.trace, `${what}.trace [step, outcome]; got ${shown}`);
}

function assertThrowsCode(fn, expect, what) {
  let thrown;
  let result;
  try {
    result = fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, `${what} should throw ${expect.error} but returned ${JSON.stringify(result)}`);
  assert.ok(thrown instanceof Error, `${what} threw a non-Error: ${String(thrown)}`);
  assert.ok(!(thrown instanceof WebAssembly.RuntimeError), `${what} trapped: ${thrown.message}`);
  assert.equal(thrown.code, expect.error, `${what} error code (message: ${thrown.message})`);
  if ("errorPath" in expect) {
    const prefix = `${expect.errorPath}: `;
    assert.ok(
      thrown.message.startsWith(prefix),
      `${what} error message should start with ${JSON.stringify(prefix)}: ${JSON.stringify(thrown.message)}`,
    );
  }
}

/** GitlabPolicy.check/explain take (source, target, permission): only requests of that shape compare. */
function policyComparable(request) {
  return (
    request !== null && typeof request === "object" && !Array.isArray(request) &&
    Object.keys(request).every((k) => k === "source" || k === "target" || k === "permission") &&
    typeof request.source === "string" && typeof request.target === "string" &&
    (request.permission === undefined || typeof request.permission === "string")
  );
}

function policyArgs(request) {
  return request.permission === undefined
    ? [request.source, request.target]
    : [request.source, request.target, request.permission];
}

function runRequest(world, request, expect) {
  if ("error" in expect) {
    assertThrowsCode(() => checkGitlabAccess(world, request), expect, "checkGitlabAccess");
    if (policyComparable(request)) {
      let policy;
      try {
        policy = new GitlabPolicy(world);
      } catch (err) {
        assert.ok(err instanceof Error, `new GitlabPolicy threw a non-Error: ${String(err)}`);
        assert.equal(err.code, expect.error, `new GitlabPolicy error code (message: ${err.message})`);
        return;
      }
      try {
        const codeOnly = { error: expect.error };
        assertThrowsCode(() => policy.check(...policyArgs(request)), codeOnly, "GitlabPolicy.check");
        assertThrowsCode(() => policy.explain(...policyArgs(request)), codeOnly, "GitlabPolicy.explain");
      } finally {
        policy.free();
      }
    }
    return;
  }
  const decision = checkGitlabAccess(world, request);
  checkDecision(decision, expect, "checkGitlabAccess");
  if (!policyComparable(request)) return; // e.g. a `user`: the policy handle has no user argument
  const policy = new GitlabPolicy(world);
  try {
    const allowed = policy.check(...policyArgs(request));
    assert.equal(allowed, expect.allowed ?? decision.allowed, "GitlabPolicy.check");
    const explained = policy.explain(...policyArgs(request));
    assertPlainObject(explained, "GitlabPolicy.explain");
    assert.equal(explained.reason, decision.reason, "GitlabPolicy.explain reason vs checkGitlabAccess");
    assert.equal(explained.allowed, decision.allowed, "GitlabPolicy.explain allowed vs checkGitlabAccess");
    // The same world read back from its snapshot answers the same, trace and message included.
    const read = GitlabPolicy.fromBytes(policy.toBytes());
    try {
      assert.equal(read.check(...policyArgs(request)), allowed, "GitlabPolicy.fromBytes(toBytes()).check");
      assert.deepEqual(read.explain(...policyArgs(request)), explained, "GitlabPolicy.fromBytes(toBytes()).explain");
    } finally {
      read.free();
    }
  } finally {
    policy.free();
  }
}

function runEdit(world, edit, expect) {
  if ("error" in expect) return assertThrowsCode(() => checkGitlabEdit(world, edit), expect, "checkGitlabEdit");
  checkDecision(checkGitlabEdit(world, edit), expect, "checkGitlabEdit");
}

function runValidate(world, expect) {
  if ("error" in expect) return assertThrowsCode(() => validateGitlabWorld(world), expect, "validateGitlabWorld");
  const problems = validateGitlabWorld(world);
  assert.ok(Array.isArray(problems), `validateGitlabWorld returned ${JSON.stringify(problems)}`);
  const key = (p) => JSON.stringify([p.code, p.path]);
  const got = problems.map(key).sort();
  const want = (expect.problems ?? []).map(key).sort();
  assert.deepEqual(got, want, `problems as [code, path] multiset; got ${JSON.stringify(problems)}`);
}

function runScope(world, project, expect) {
  if ("error" in expect) return assertThrowsCode(() => resolveGitlabScope(world, project), expect, "resolveGitlabScope");
  const scope = resolveGitlabScope(world, project);
  assertPlainObject(scope, "resolveGitlabScope");
  const pairs = (list, what) => {
    assert.ok(Array.isArray(list), `${what} is not an array: ${JSON.stringify(list)}`);
    return list.map((r) => [r.project, r.reason]);
  };
  if ("reachable" in expect) assert.deepEqual(pairs(scope.reachable, "reachable"), expect.reachable, "reachable");
  if ("reachableBy" in expect) assert.deepEqual(pairs(scope.reachableBy, "reachableBy"), expect.reachableBy, "reachableBy");
  for (const key of ["inboundEnforced", "entries", "limit", "groupEntries", "groupLimit"]) {
    if (key in expect) assert.equal(scope[key], expect[key], key);
  }
}

function runCompact(world, compact, expect) {
  const call = () =>
    compact.limit === undefined
      ? compactGitlabAllowlist(world, compact.project)
      : compactGitlabAllowlist(world, compact.project, compact.limit);
  if ("error" in expect) return assertThrowsCode(call, expect, "compactGitlabAllowlist");
  const result = call();
  assertPlainObject(result, "compactGitlabAllowlist");
  const paths = (list, what) => {
    assert.ok(Array.isArray(list), `${what} is not an array: ${JSON.stringify(list)}`);
    return list.map((e) => (typeof e === "string" ? e : e.path)).sort();
  };
  if ("projects" in expect) assert.deepEqual(paths(result.projects, "projects"), [...expect.projects].sort(), "projects");
  if ("groups" in expect) assert.deepEqual(paths(result.groups, "groups"), [...expect.groups].sort(), "groups");
  if ("admitsAlso" in expect) {
    assertPlainObject(result.admitsAlso, "admitsAlso");
    const norm = (obj) =>
      Object.fromEntries(Object.keys(obj).sort().map((k) => [k, [...obj[k]].sort()]));
    assert.deepEqual(norm(result.admitsAlso), norm(expect.admitsAlso), "admitsAlso");
  }
}

/** Entry paths of an allowlist, sorted. */
function entryPaths(list, what) {
  assert.ok(Array.isArray(list), `${what} is not an array: ${JSON.stringify(list)}`);
  return list.map((e) => {
    assert.ok(isPlainObject(e) && typeof e.path === "string", `${what}: not an entry: ${JSON.stringify(e)}`);
    return e.path;
  }).sort();
}

const sortedCopy = (list) => [...list].sort();

function runPlan(world, plan, expect, at) {
  const call = () =>
    "options" in plan ? planGitlabEnforcement(world, plan.log, plan.options) : planGitlabEnforcement(world, plan.log);
  if ("error" in expect) return assertThrowsCode(call, expect, "planGitlabEnforcement");
  const result = call();
  assertPlainObject(result, "planGitlabEnforcement");
  if ("version" in expect) assert.equal(result.version, expect.version, "version");
  if ("summary" in expect) assert.deepEqual(result.summary, expect.summary, "summary");
  if ("unknown" in expect) {
    assert.deepEqual(result.unknown.map((u) => [u.source, u.target]), expect.unknown, "unknown as [source, target]");
  }
  if (!("projects" in expect)) return;
  assert.ok(Array.isArray(result.projects), `projects is not an array: ${JSON.stringify(result.projects)}`);
  const planned = new Map(result.projects.map((p) => [p.project, p]));
  assert.deepEqual([...planned.keys()].sort(), Object.keys(expect.projects).sort(), "the projects planned");
  for (const [project, want] of Object.entries(expect.projects)) {
    assertKnownKeys(want, PLAN_PROJECT_KEYS, `${at}: expect.projects.${project}`);
    const have = planned.get(project);
    const what = `projects.${project}`;
    if ("enforcedToday" in want) assert.equal(have.enforcedToday, want.enforcedToday, `${what}.enforcedToday`);
    if ("breaks" in want) assert.deepEqual(have.breaks.map((b) => b.source), want.breaks, `${what}.breaks`);
    const list = (l) => ({ projects: entryPaths(l.projects, what), groups: entryPaths(l.groups, what) });
    if ("proposed" in want) {
      assert.deepEqual(list(have.proposed), { projects: sortedCopy(want.proposed.projects), groups: sortedCopy(want.proposed.groups) }, `${what}.proposed`);
    }
    if ("admitsAlso" in want) assert.deepEqual(sortedCopy(have.admitsAlso), sortedCopy(want.admitsAlso), `${what}.admitsAlso`);
    if ("gitlab" in want) {
      if (want.gitlab === null) {
        assert.equal(have.gitlab, null, `${what}.gitlab`);
      } else {
        const g = have.gitlab;
        assert.ok(isPlainObject(g), `${what}.gitlab is not an object: ${JSON.stringify(g)}`);
        assert.deepEqual(
          { ...list(g), admitsAlso: sortedCopy(g.admitsAlso), error: g.error },
          { projects: sortedCopy(want.gitlab.projects), groups: sortedCopy(want.gitlab.groups), admitsAlso: sortedCopy(want.gitlab.admitsAlso), error: want.gitlab.error },
          `${what}.gitlab`,
        );
      }
    }
  }
}

for (const file of files) {
  describe(file.replace(/\.json$/, ""), () => {
    const where = `gitlab/${file}`;
    let table;
    try {
      table = JSON.parse(readFileSync(join(CASES_DIR, file), "utf8"));
    } catch (err) {
      test("the file is JSON", () => assert.fail(`${where}: ${err.message}`));
      return;
    }
    const cases = table?.cases;
    test("the file's keys", () => {
      assert.ok(isPlainObject(table), `${where} is not an object`);
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
        assert.ok(isPlainObject(c), `${at} is not an object`);
        assertKnownKeys(c, CASE_KEYS, at);
        assert.ok(typeof c.name === "string" && c.name.length > 0, `${at} has no name`);
        assert.ok(!seen.has(c.name), `${at}: duplicate case name`);
        seen.add(c.name);
        const ops = OPERATIONS.filter((op) => op in c);
        assert.equal(ops.length, 1, `${at}: a case needs exactly one operation of ${OPERATIONS.join("/")}, found [${ops.join(", ")}]`);
        const expect = c.expect;
        assert.ok(isPlainObject(expect), `${at} has no "expect" object`);
        assertKnownKeys(expect, EXPECT_KEYS[ops[0]], `${at}: expect`);
        if (ops[0] === "plan") {
          assert.ok(isPlainObject(c.plan), `${at}: plan is not an object`);
          assertKnownKeys(c.plan, PLAN_KEYS, `${at}: plan`);
        }
        if (ops[0] === "compact") {
          assert.ok(isPlainObject(c.compact), `${at}: compact is not an object`);
          assertKnownKeys(c.compact, COMPACT_KEYS, `${at}: compact`);
        }
        let world = "world" in c ? c.world : table.world;
        assert.ok(world !== undefined, `${at}: no world: neither the case nor the file has one`);
        if ("version" in c) world = { ...world, version: c.version };

        switch (ops[0]) {
          case "request": return runRequest(world, c.request, expect);
          case "edit": return runEdit(world, c.edit, expect);
          case "validate": return runValidate(world, expect);
          case "scope": return runScope(world, c.scope, expect);
          case "compact": return runCompact(world, c.compact, expect);
          case "plan": return runPlan(world, c.plan, expect, at);
        }
      });
    }
  });
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

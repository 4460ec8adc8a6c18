// The bad-input catalogue (tests/cases/bad/*.json, format in its README.md) and the hostile inputs JSON
// cannot spell (built here: deep nesting, huge strings and lists, lone surrogates, NaN, functions,
// symbols, BigInt, cycles, throwing getters, oversized inputs), against the built package.
// Every entry must give a clear answer — a coded Error, or a problem — never a trap and never a hang,
// and after each one the same module instance must still answer a normal query correctly.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

const api = await import(new URL("../../pkg/index.js", import.meta.url));

const CODES = ["invalid_input", "unknown_project", "unsupported_version"];
const MiB = 1 << 20;
/** A call slower than this is a hang for our purposes (the slowest entry, a 100,000-project world, takes ~0.2 s). */
const SLOW_MS = 10_000;

// ───────── the healthy module: asked after every entry ─────────

const WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", inbound: { projects: ["acme/ci"] } },
    { path: "acme/docs", visibility: "public" },
  ],
  users: { alice: { acme: "maintainer" } },
};
const AZURE = { organization: { name: "fabrikam-tailspin" }, project: { name: "SpaceGameWeb" }, pipeline: { kind: "yaml" } };

function assertHealthy(after) {
  const allowed = api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api" });
  assert.equal(allowed.allowed, true, `after ${after}: a normal check`);
  assert.equal(allowed.reason, "allowlisted_project", `after ${after}`);
  const denied = api.checkGitlabAccess(WORLD, { source: "acme/docs", target: "acme/api", permission: "read_jobs" });
  assert.equal(denied.reason, "not_in_inbound_allowlist", `after ${after}`);
  assert.equal(denied.message, "Authentication by CI/CD job token not allowed from docs to api.", `after ${after}`);
  const policy = new api.GitlabPolicy(WORLD);
  try {
    assert.equal(policy.check("ACME/CI", "acme/api"), true, `after ${after}: GitlabPolicy`);
    assert.equal(policy.check("acme/docs", "acme/api"), false, `after ${after}: GitlabPolicy`);
  } finally {
    policy.free();
  }
  assert.equal(api.resolveAzureScope(AZURE).scope, "collection", `after ${after}: Azure`);
}

// ───────── running one entry ─────────

function call(name, args) {
  if (name === "GitlabPolicy") {
    new api.GitlabPolicy(...args).free();
    return undefined;
  }
  if (name === "GitlabPolicy.check" || name === "GitlabPolicy.explain") {
    const policy = new api.GitlabPolicy(args[0]);
    try {
      return name === "GitlabPolicy.check" ? policy.check(...args.slice(1)) : policy.explain(...args.slice(1));
    } finally {
      policy.free();
    }
  }
  assert.equal(typeof api[name], "function", `no export ${name}`);
  return api[name](...args);
}

/** Runs an entry and checks its expectation; returns how long the call took. */
function run(entry) {
  const { name, expect } = entry;
  const started = performance.now();
  let result;
  let error;
  try {
    result = call(entry.call, entry.args);
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - started;
  assert.ok(ms < SLOW_MS, `${name}: took ${Math.round(ms)} ms`);
  if (error instanceof WebAssembly.RuntimeError) assert.fail(`${name}: wasm trap: ${error.message}`);

  if (CODES.includes(expect)) {
    assert.ok(error !== undefined, `${name}: expected ${expect}, got ${safe(result)}`);
    assert.ok(error instanceof Error, `${name}: threw a non-Error ${String(error)}`);
    assert.equal(error.code, expect, `${name}: ${error.message}`);
    assert.ok(typeof error.message === "string" && error.message.length > 0, `${name}: empty message`);
    // Messages quote the offending input; only entries that pass a huge string may get a huge message.
    if (!entry.echoes) assert.ok(error.message.length < 4096, `${name}: a message of ${error.message.length} characters`);
    if (entry.where !== undefined) assert.ok(error.message.startsWith(`${entry.where}: `), `${name}: "${error.message}" is not at ${entry.where}`);
    if (entry.says !== undefined) assert.ok(error.message.includes(entry.says), `${name}: "${error.message}" does not say "${entry.says}"`);
  } else if (expect === "problem") {
    assert.equal(error, undefined, `${name}: threw ${error?.code} ${error?.message}`);
    assert.ok(Array.isArray(result), `${name}: expected problems, got ${safe(result)}`);
    assert.ok(result.some((p) => p.code === entry.problem), `${name}: no ${entry.problem} in ${safe(result)}`);
  } else if (expect === "ok") {
    assert.equal(error, undefined, `${name}: threw ${error?.code} ${error?.message}`);
    if (entry.reason !== undefined) assert.equal(result?.reason, entry.reason, `${name}: ${safe(result)}`);
    for (const [key, value] of Object.entries(entry.result ?? {})) assert.deepEqual(result?.[key], value, `${name}: ${key} of ${safe(result)}`);
  } else if (expect === "own") {
    // An exception the input itself throws (a getter, a Proxy trap) reaches the caller unchanged.
    assert.ok(error instanceof Error && error.message === entry.message, `${name}: expected the input's own error, got ${String(error)}`);
  } else {
    assert.fail(`${name}: unknown expectation ${expect}`);
  }
  return ms;
}

const safe = (value) => {
  try {
    return JSON.stringify(value)?.slice(0, 300);
  } catch {
    return String(value);
  }
};

// ───────── the catalogue files ─────────

const DIR = new URL("../cases/bad/", import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
// The keys tests/cases/bad/README.md describes; any other fails, naming the file, the entry and the key.
const FILE_KEYS = ["about", "defaults", "cases"];
const DEFAULTS_KEYS = ["world", "azure"];
const CASE_KEYS = ["name", "call", "args", "expect", "where", "says", "echoes", "problem", "reason", "result"];

function assertKnownKeys(object, known, where) {
  assert.ok(object !== null && typeof object === "object" && !Array.isArray(object), `${where} is not an object`);
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  assert.deepEqual(
    unknown, [],
    `${where}: unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; expected one of ${known.join(", ")}`,
  );
}

test("the catalogue has files and every entry is well-formed", () => {
  assert.ok(files.length >= 2, "tests/cases/bad/*.json");
  const names = new Set();
  for (const file of files) {
    const where = `bad/${file}`;
    const table = JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
    assertKnownKeys(table, FILE_KEYS, where);
    if ("defaults" in table) assertKnownKeys(table.defaults, DEFAULTS_KEYS, `${where}: defaults`);
    const { cases } = table;
    assert.ok(Array.isArray(cases) && cases.length > 0, where);
    for (const [i, c] of cases.entries()) {
      const at = `${where} / ${typeof c?.name === "string" ? `case ${JSON.stringify(c.name)}` : `case #${i} (unnamed)`}`;
      assertKnownKeys(c, CASE_KEYS, at);
      assert.ok(typeof c.name === "string" && c.name.length > 0, `${at}: no name`);
      assert.ok(!names.has(c.name), `${at}: duplicate name`);
      names.add(c.name);
      assert.ok([...CODES, "problem", "ok"].includes(c.expect), `${at}: expect ${c.expect}`);
      assert.ok(Array.isArray(c.args), `${at}: args`);
    }
  }
});

for (const file of files) {
  test(`catalogue ${file}: every entry answers clearly and leaves the module healthy`, () => {
    const { defaults = {}, cases } = JSON.parse(readFileSync(new URL(file, DIR), "utf8"));
    const resolve = (arg) => (arg === "$world" ? structuredClone(defaults.world) : arg === "$azure" ? structuredClone(defaults.azure) : arg);
    for (const c of cases) {
      run({ ...c, name: `${file}: ${c.name}`, args: c.args.map(resolve) });
      assertHealthy(`${file}: ${c.name}`);
    }
  });
}

// ───────── what JSON cannot spell ─────────

function nestedArrays(levels) {
  let v = [];
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}
function nestedObjects(levels) {
  let v = {};
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}
const REQUEST = { source: "acme/ci", target: "acme/api" };
const world = (projects, extra = {}) => ({ version: "18.3", projects, ...extra });
const manyEntries = (n) => Array.from({ length: n }, (_, i) => `acme/p${i}`);
const cyclic = () => {
  const a = { path: "acme/api" };
  a.inbound = { projects: [a] };
  return a;
};
const throwing = () => ({
  get projects() {
    throw new Error("getter boom");
  },
});

const BUILT = [
  // nesting
  { name: "10,000 levels of arrays as the projects", call: "checkGitlabAccess", args: [world(nestedArrays(10_000)), REQUEST], expect: "invalid_input", where: "projects[0]" },
  { name: "10,000 levels of objects as a membership", call: "validateGitlabWorld", args: [world([], { users: { alice: nestedObjects(10_000) } })], expect: "invalid_input", where: "users.alice.a" },
  { name: "10,000 levels of objects as the request", call: "checkGitlabAccess", args: [WORLD, nestedObjects(10_000)], expect: "invalid_input", where: "a" },
  { name: "10,000 levels of arrays as an Azure pipeline", call: "resolveAzureScope", args: [{ ...AZURE, pipeline: nestedArrays(10_000) }], expect: "invalid_input", where: "pipeline" },
  { name: "10,000 levels of objects as a grant's repositories", call: "validateAzureConfig", args: [{ ...AZURE, grants: [{ identity: "x", project: "q", repositories: nestedObjects(10_000) }] }], expect: "invalid_input", where: "grants[0].repositories.a" },
  { name: "10,000 levels as the compaction limit", call: "compactGitlabAllowlist", args: [WORLD, "acme/api", nestedArrays(10_000)], expect: "invalid_input", where: "limit" },
  { name: "a cycle (an entry that is its own project)", call: "validateGitlabWorld", args: [world([cyclic()])], expect: "invalid_input", where: "projects[0].inbound.projects[0].inbound" },

  // strings
  { name: "a project path of 1 MiB + 1", call: "validateGitlabWorld", args: [world([{ path: `acme/${"a".repeat(MiB - 4)}` }])], expect: "invalid_input", where: "projects[0].path", says: "1 MiB" },
  { name: "a project path of exactly 1 MiB", call: "validateGitlabWorld", args: [world([{ path: `acme/${"a".repeat(MiB - 5)}` }])], expect: "ok" },
  { name: "a path of 1 MiB of slashes and letters (half a million segments)", call: "checkGitlabAccess", args: [world([{ path: "a/".repeat(MiB / 2) }]), REQUEST], expect: "invalid_input", where: "projects[0].path", says: "32 segments" },
  { name: "a request source of 1 MiB + 1", call: "checkGitlabAccess", args: [WORLD, { source: "x".repeat(MiB + 1), target: "acme/api" }], expect: "invalid_input", where: "source", says: "1 MiB" },
  { name: "a key of 1 MiB + 1", call: "validateGitlabWorld", args: [{ projects: [], ["k".repeat(MiB + 1)]: 1 }], expect: "invalid_input", says: "1 MiB" },
  { name: "GitlabPolicy.check with a 1 MiB + 1 source", call: "GitlabPolicy.check", args: [WORLD, "x".repeat(MiB + 1), "acme/api"], expect: "invalid_input", where: "source", says: "1 MiB" },
  { name: "an Azure organization name of 1 MiB + 1", call: "resolveAzureScope", args: [{ ...AZURE, organization: { name: "o".repeat(MiB + 1) } }], expect: "invalid_input", where: "organization.name" },
  { name: "empty strings everywhere in a request", call: "checkGitlabAccess", args: [WORLD, { source: "", target: "", permission: "", user: "" }], expect: "unknown_project", where: "source" },

  // lone surrogates (the copy into wasm would make them U+FFFD, so different strings would compare equal)
  { name: "a lone high surrogate in a project path", call: "validateGitlabWorld", args: [world([{ path: "acme/\uD800" }])], expect: "invalid_input", where: "projects[0].path", says: "lone UTF-16 surrogate" },
  { name: "a lone low surrogate in an entry", call: "validateGitlabWorld", args: [world([{ path: "acme/api", inbound: { projects: ["acme/\uDC00x"] } }])], expect: "invalid_input", where: "projects[0].inbound.projects[0]", says: "lone" },
  { name: "a lone surrogate next to a real U+FFFD", call: "validateGitlabWorld", args: [world([{ path: "acme/\uFFFD\uD800" }])], expect: "invalid_input", says: "lone" },
  { name: "a lone surrogate in a key", call: "validateGitlabWorld", args: [world([], { users: { "\uD83D": { acme: "guest" } } })], expect: "invalid_input", where: "users", says: "a key longer than 1 MiB (the limit) or with a lone UTF-16 surrogate" },
  { name: "a lone surrogate in a request", call: "checkGitlabAccess", args: [WORLD, { source: "acme/ci\uDBFF", target: "acme/api" }], expect: "invalid_input", where: "source" },
  { name: "a lone surrogate in an Azure project name", call: "resolveAzureScope", args: [{ ...AZURE, project: { name: "Space\uD800" } }], expect: "invalid_input", where: "project.name" },
  { name: "a real U+FFFD and a real surrogate pair are fine", call: "validateGitlabWorld", args: [world([{ path: "acme/\uFFFD\uD83D\uDE00" }])], expect: "ok" },

  // numbers JSON cannot hold
  { name: "compaction limit NaN", call: "compactGitlabAllowlist", args: [WORLD, "acme/api", NaN], expect: "invalid_input", where: "limit" },
  { name: "compaction limit Infinity", call: "compactGitlabAllowlist", args: [WORLD, "acme/api", Infinity], expect: "invalid_input", where: "limit" },
  { name: "inbound.enabled NaN", call: "validateGitlabWorld", args: [world([{ path: "acme/api", inbound: { enabled: NaN } }])], expect: "invalid_input", where: "projects[0].inbound.enabled", says: "NaN" },
  { name: "version -Infinity", call: "validateGitlabWorld", args: [world([], { version: -Infinity })], expect: "invalid_input", where: "version" },
  { name: "Azure hasRun NaN", call: "resolveAzureScope", args: [{ ...AZURE, pipeline: { kind: "yaml", hasRun: NaN } }], expect: "invalid_input", where: "pipeline.hasRun" },

  // functions, symbols, BigInt
  { name: "the world is a function", call: "checkGitlabAccess", args: [() => WORLD, REQUEST], expect: "invalid_input", says: "a function" },
  { name: "a path is a function", call: "validateGitlabWorld", args: [world([{ path: function path() {} }])], expect: "invalid_input", where: "projects[0].path", says: "a function" },
  { name: "the request is a symbol", call: "checkGitlabAccess", args: [WORLD, Symbol("request")], expect: "invalid_input", says: "a symbol" },
  { name: "a role is a symbol", call: "validateGitlabWorld", args: [world([], { users: { alice: { acme: Symbol("owner") } } })], expect: "invalid_input", where: "users.alice.acme" },
  { name: "inbound.enabled is a BigInt", call: "validateGitlabWorld", args: [world([{ path: "acme/api", inbound: { enabled: 1n } }])], expect: "invalid_input", where: "projects[0].inbound.enabled", says: "a bigint" },
  { name: "the compaction limit is a BigInt", call: "compactGitlabAllowlist", args: [WORLD, "acme/api", 2n], expect: "invalid_input", where: "limit" },
  { name: "the scope project is a symbol", call: "resolveGitlabScope", args: [WORLD, Symbol("acme/api")], expect: "invalid_input", where: "project" },
  { name: "GitlabPolicy.check permission is a BigInt", call: "GitlabPolicy.check", args: [WORLD, "acme/ci", "acme/api", 5n], expect: "invalid_input", where: "permission" },
  { name: "an Azure resource action is a function", call: "checkAzureAccess", args: [AZURE, { kind: "repository", project: "p", name: "n", action: () => "read" }], expect: "invalid_input", where: "action" },
  { name: "symbol keys are not keys (JSON has none): ignored", call: "validateGitlabWorld", args: [{ projects: [], [Symbol("x")]: 1 }], expect: "ok" },

  // other objects
  { name: "a Map as the world", call: "validateGitlabWorld", args: [new Map([["projects", []]])], expect: "invalid_input", says: "missing field `projects`" },
  { name: "a Uint8Array as the projects", call: "validateGitlabWorld", args: [world(new Uint8Array(3))], expect: "invalid_input", where: "projects" },
  { name: "a null-prototype world is a plain world", call: "checkGitlabAccess", args: [Object.assign(Object.create(null), WORLD), REQUEST], expect: "ok", reason: "allowlisted_project" },
  { name: "a getter that throws: the input's own error", call: "checkGitlabAccess", args: [throwing(), REQUEST], expect: "own", message: "getter boom" },
  { name: "a Proxy whose ownKeys throws: the input's own error", call: "validateGitlabWorld", args: [new Proxy({}, { ownKeys() { throw new Error("proxy boom"); } })], expect: "own", message: "proxy boom" },

  // sizes
  { name: "a sparse array of 2^32 - 1 projects", call: "validateGitlabWorld", args: [world(Object.assign([], { length: 2 ** 32 - 1 }))], expect: "invalid_input", where: "projects", says: "200000 items" },
  { name: "200,001 allowlist entries", call: "validateGitlabWorld", args: [world([{ path: "acme/api", inbound: { projects: manyEntries(200_001) } }])], expect: "invalid_input", where: "projects[0].inbound.projects", says: "200000 items" },
  { name: "200,001 users", call: "validateGitlabWorld", args: [world([], { users: Object.fromEntries(manyEntries(200_001).map((u) => [u, {}])) })], expect: "invalid_input", where: "users", says: "200000 keys" },
  { name: "10^5 allowlist entries: a validation problem, not an error", call: "validateGitlabWorld", args: [world([{ path: "acme/api", inbound: { projects: manyEntries(100_000) } }])], expect: "problem", problem: "allowlist_limit_exceeded" },
  { name: "10^5 projects: checked", call: "checkGitlabAccess", args: [world([...manyEntries(100_000).map((path) => ({ path })), { path: "acme/api", inbound: { projects: ["acme/p99999"] } }]), { source: "acme/p99999", target: "acme/api" }], expect: "ok", reason: "allowlisted_project" },
  { name: "130 strings of 1 MiB (past the 128 MiB input limit)", call: "validateGitlabWorld", args: [world([{ path: "acme/api", outbound: { projects: Array.from({ length: 130 }, (_, i) => `${i}`.padEnd(MiB, "x")) } }])], expect: "invalid_input", says: "128 MiB" },
];

test("built inputs: each answers clearly and leaves the module healthy", () => {
  for (const entry of BUILT) {
    run(entry);
    assertHealthy(entry.name);
  }
});

test("after every catalogue entry twice over, the module still answers as on the first call", () => {
  const before = api.resolveGitlabScope(WORLD, "acme/api");
  for (const entry of BUILT.filter((e) => !/10\^5|130 strings|200,001/.test(e.name))) {
    try {
      call(entry.call, entry.args);
    } catch (err) {
      assert.ok(!(err instanceof WebAssembly.RuntimeError), `${entry.name}: trap`);
    }
  }
  assert.deepEqual(api.resolveGitlabScope(WORLD, "acme/api"), before);
});

test("200,000 inputs that throw while being read leave the module working (no frames of it unwound by JS)", () => {
  // Such an exception once unwound through the module's frames without restoring its stack: some
  // 100,000 of them later, every call trapped.
  const before = api.resolveGitlabScope(WORLD, "acme/api");
  const inputs = [throwing(), new Proxy({}, { ownKeys() { throw new Error("getter boom"); } })];
  for (let i = 0; i < 200_000; i++) {
    assert.throws(() => api.checkGitlabAccess(inputs[i % 2], REQUEST), { message: "getter boom" });
  }
  assert.deepEqual(api.resolveGitlabScope(WORLD, "acme/api"), before);
});

test("an error quoting a huge input keeps its start and end and says how much it cut", () => {
  const source = `acme/${"x".repeat(500_000)}-end`;
  const error = (() => {
    try {
      api.checkGitlabAccess(WORLD, { source, target: "acme/api" });
    } catch (e) {
      return e;
    }
  })();
  assert.equal(error?.code, "unknown_project", String(error));
  assert.ok(Buffer.byteLength(error.message) <= 1024, `${Buffer.byteLength(error.message)} bytes`);
  assert.match(error.message, /^source: unknown project "acme\/x+… \[\d+ bytes cut\] …x+-end": it is not in the world's projects$/);
});

test("an error whose location and message both quote huge input is at most 1 KiB in all", () => {
  const key = "k".repeat(3000);
  for (const call of [
    () => api.validateGitlabWorld({ projects: [], [key]: 1 }),
    () => api.validateGitlabWorld({ projects: [], users: { [key]: { [key]: key } } }),
    () => api.resolveAzureScope({ organization: { name: "o" }, project: { name: "p" }, pipeline: { kind: "yaml" }, [key]: 1 }),
  ]) {
    assert.throws(call, (error) => {
      assert.equal(error.code, "invalid_input");
      assert.ok(Buffer.byteLength(error.message) <= 1024, `${Buffer.byteLength(error.message)} bytes: ${error.message.slice(0, 80)}`);
      assert.match(error.message, /bytes cut/);
      return true;
    });
  }
});

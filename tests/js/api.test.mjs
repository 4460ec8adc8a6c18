// The npm package surface (SPEC §2): exports, version, error contract, robustness, GitlabPolicy.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PKG = new URL("../../pkg/index.js", import.meta.url);
let api;
try {
  api = await import(PKG);
} catch (err) {
  throw new Error(`cannot import ${fileURLToPath(PKG)} — build it with "make pkg" first: ${err?.message ?? err}`);
}

const CODES = new Set(["invalid_input", "unknown_project", "unsupported_version"]);

const WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci", visibility: "private" },
    {
      path: "acme/api",
      visibility: "private",
      inbound: {
        enabled: true,
        projects: ["acme/ci"],
        groups: [{ path: "acme/tools", defaultPermissions: false, policies: ["read_packages"] }],
      },
    },
    { path: "acme/tools/deploy", visibility: "private" },
    { path: "acme/docs", visibility: "public" },
  ],
  users: { alice: { acme: "developer" } },
};
const PATHS = WORLD.projects.map((p) => p.path);

/** Calls fn, which must throw a coded Error (not a trap); returns the error. */
function thrown(fn, what) {
  let error;
  let result;
  try {
    result = fn();
  } catch (err) {
    error = err;
  }
  assert.ok(error !== undefined, `${what}: expected a throw, got ${JSON.stringify(result)}`);
  assert.ok(!(error instanceof WebAssembly.RuntimeError), `${what}: wasm trap: ${error?.message}`);
  assert.ok(error instanceof Error, `${what}: threw a non-Error ${String(error)}`);
  assert.ok(CODES.has(error.code), `${what}: code ${JSON.stringify(error.code)} not one of ${[...CODES]} (${error.message})`);
  assert.equal(typeof error.message, "string");
  assert.ok(error.message.length > 0, `${what}: empty message`);
  return error;
}

test("version() equals pkg/package.json's version", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8"));
  assert.equal(typeof api.version, "function");
  assert.equal(api.version(), manifest.version);
});

test("every SPEC §2 export exists", () => {
  for (const name of [
    "checkGitlabAccess", "resolveGitlabScope", "validateGitlabWorld", "compactGitlabAllowlist", "checkGitlabEdit",
    "planGitlabEnforcement", "GitlabPolicy", "version", "resolveAzureScope", "checkAzureAccess", "validateAzureConfig",
  ]) {
    assert.equal(typeof api[name], "function", `export ${name}`);
  }
  assert.equal(api.default, undefined, "the package has no default export (no init to call)");
});

test("a normal check answers with a Decision", () => {
  const d = api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api" });
  assert.equal(d.allowed, true);
  assert.equal(d.reason, "allowlisted_project");
  assert.equal(typeof d.message, "string");
  assert.ok(Array.isArray(d.trace) && d.trace.length > 0);
  for (const t of d.trace) assert.ok(["pass", "fail", "skip"].includes(t.outcome), JSON.stringify(t));
});

const CODED_ERRORS = [
  ["unknown target", "unknown_project",
    () => api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/nope" })],
  ["scope of an unknown project", "unknown_project", () => api.resolveGitlabScope(WORLD, "acme/nope")],
  ["version 99.0", "unsupported_version",
    () => api.checkGitlabAccess({ ...WORLD, version: "99.0" }, { source: "acme/ci", target: "acme/api" })],
  ["numeric version", "invalid_input", () => new api.GitlabPolicy({ ...WORLD, version: 18.3 })],
  ["unknown permission", "invalid_input",
    () => api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api", permission: "write_jobs" })],
  ["unknown request key", "invalid_input",
    () => api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api", permision: "read_jobs" })],
  ["unknown world key", "invalid_input", () => api.validateGitlabWorld({ ...WORLD, projectz: [] })],
];

for (const [label, code, call] of CODED_ERRORS) {
  test(`thrown errors are Errors with a code: ${label} -> ${code}`, () => {
    assert.equal(thrown(call, label).code, code);
  });
}

const NOT_A_WORLD = [
  ["a number", 42],
  ["null", null],
  ["an array", []],
  ["a string", JSON.stringify(WORLD)],
  ["undefined", undefined],
  ["a boolean", true],
];

for (const [label, bad] of NOT_A_WORLD) {
  test(`${label} instead of the world throws invalid_input`, () => {
    const calls = {
      checkGitlabAccess: () => api.checkGitlabAccess(bad, { source: "acme/ci", target: "acme/api" }),
      resolveGitlabScope: () => api.resolveGitlabScope(bad, "acme/api"),
      validateGitlabWorld: () => api.validateGitlabWorld(bad),
      compactGitlabAllowlist: () => api.compactGitlabAllowlist(bad, "acme/api", 1),
      planGitlabEnforcement: () => api.planGitlabEnforcement(bad, [{ source: "acme/ci", target: "acme/api" }]),
      checkGitlabEdit: () =>
        api.checkGitlabEdit(bad, { user: "alice", project: "acme/api", action: "add", entry: "acme/docs" }),
      "new GitlabPolicy": () => new api.GitlabPolicy(bad),
    };
    for (const [name, call] of Object.entries(calls)) {
      assert.equal(thrown(call, `${name}(${label})`).code, "invalid_input", `${name}(${label})`);
    }
  });
}

test("wrong types for the other arguments throw invalid_input", () => {
  const cases = {
    "request: a number": () => api.checkGitlabAccess(WORLD, 7),
    "request: null": () => api.checkGitlabAccess(WORLD, null),
    "request: an array": () => api.checkGitlabAccess(WORLD, ["acme/ci", "acme/api"]),
    "request: a string": () => api.checkGitlabAccess(WORLD, "acme/ci"),
    "request.source: a number": () => api.checkGitlabAccess(WORLD, { source: 1, target: "acme/api" }),
    "scope project: a number": () => api.resolveGitlabScope(WORLD, 42),
    "scope project: null": () => api.resolveGitlabScope(WORLD, null),
    "compact limit: a string": () => api.compactGitlabAllowlist(WORLD, "acme/api", "two"),
    "edit: an array": () => api.checkGitlabEdit(WORLD, []),
    "policy.check source: a number": () => {
      const p = new api.GitlabPolicy(WORLD);
      try {
        return p.check(1, "acme/api");
      } finally {
        p.free();
      }
    },
  };
  for (const [label, call] of Object.entries(cases)) {
    assert.equal(thrown(call, label).code, "invalid_input", label);
  }
});

test("after 50 thrown errors the module still answers correctly", () => {
  const bad = [
    () => api.checkGitlabAccess(42, {}),
    () => api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/nope" }),
    () => api.validateGitlabWorld({ projects: "x" }),
    () => api.resolveGitlabScope({ ...WORLD, version: "20.0" }, "acme/api"),
    () => new api.GitlabPolicy(null),
  ];
  for (let i = 0; i < 50; i++) thrown(bad[i % bad.length], `error #${i}`);
  const d = api.checkGitlabAccess(WORLD, { source: "acme/docs", target: "acme/api" });
  assert.equal(d.allowed, false);
  assert.equal(d.reason, "not_in_inbound_allowlist");
  assert.equal(api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api" }).allowed, true);
  const p = new api.GitlabPolicy(WORLD);
  assert.equal(p.check("acme/ci", "acme/api"), true);
  p.free();
});

test("GitlabPolicy check/explain agree with checkGitlabAccess", () => {
  const policy = new api.GitlabPolicy(WORLD);
  try {
    for (const source of PATHS) {
      for (const target of PATHS) {
        for (const permission of [undefined, "read_packages", "read_jobs", "admin_deployments"]) {
          const request = permission === undefined ? { source, target } : { source, target, permission };
          const args = permission === undefined ? [source, target] : [source, target, permission];
          const what = JSON.stringify(request);
          const decision = api.checkGitlabAccess(WORLD, request);
          assert.equal(policy.check(...args), decision.allowed, `check ${what}`);
          assert.deepEqual(policy.explain(...args), decision, `explain ${what}`);
        }
      }
    }
  } finally {
    policy.free();
  }
});

test("a freed GitlabPolicy throws an Error and later calls still work", () => {
  const policy = new api.GitlabPolicy(WORLD);
  assert.equal(policy.check("acme/ci", "acme/api"), true);
  policy.free();
  for (const use of [() => policy.check("acme/ci", "acme/api"), () => policy.explain("acme/ci", "acme/api")]) {
    let error;
    try {
      use();
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof Error, `using a freed policy should throw an Error, got ${String(error)}`);
    assert.ok(!(error instanceof WebAssembly.RuntimeError), `using a freed policy trapped: ${error.message}`);
  }
  const fresh = new api.GitlabPolicy(WORLD);
  assert.equal(fresh.check("acme/ci", "acme/api"), true);
  assert.equal(fresh.explain("acme/docs", "acme/api").reason, "not_in_inbound_allowlist");
  fresh.free();
  assert.equal(api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api" }).allowed, true);
});

const AZURE = {
  product: "services",
  organization: { name: "fabrikam-tailspin" },
  project: { name: "SpaceGameWeb", limitJobScopeNonRelease: true },
  pipeline: { kind: "yaml" },
};

test("Azure: scope, access and validation answer plain objects", () => {
  const scope = api.resolveAzureScope(AZURE);
  assert.equal(scope.scope, "project");
  assert.equal(scope.identity, "SpaceGameWeb Build Service (fabrikam-tailspin)");
  assert.deepEqual(scope.repositories, { mode: "all-in-scope", list: [] });
  const denied = api.checkAzureAccess(AZURE, { kind: "repository", project: "FabrikamFiber", name: "FabrikamFiber", action: "read" });
  assert.equal(denied.reason, "scope_is_project");
  assert.deepEqual(api.validateAzureConfig(AZURE), []);
});

test("Azure: bad input throws coded errors that say where", () => {
  const typo = thrown(() => api.resolveAzureScope({ ...AZURE, pipeline: { kind: "yaml", hasrun: true } }), "typo");
  assert.equal(typo.code, "invalid_input");
  assert.ok(typo.message.startsWith("pipeline.hasrun: unknown field `hasrun`"), typo.message);
  assert.equal(thrown(() => api.resolveAzureScope({ ...AZURE, product: "server-2017" }), "product").code, "unsupported_version");
  assert.equal(thrown(() => api.checkAzureAccess(AZURE, { kind: "wiki", project: "P", name: "n", action: "read" }), "kind").code, "invalid_input");
});

test("index.d.ts declares exactly the package's runtime exports", () => {
  const dts = readFileSync(new URL("../../pkg/index.d.ts", import.meta.url), "utf8");
  const declared = [...dts.matchAll(/^export (?:function|class) (\w+)/gm)].map((m) => m[1]).sort();
  // initSync is the Node/bundler escape hatch of the glue; it is not part of the documented API.
  const runtime = Object.keys(api).filter((name) => name !== "initSync").sort();
  assert.deepEqual(declared, runtime);
});

test("string arguments longer than 1 MiB are refused before they are copied in", () => {
  const error = thrown(() => api.resolveGitlabScope(WORLD, "x".repeat(2 << 20)), "huge project");
  assert.equal(error.code, "invalid_input");
  assert.ok(error.message.startsWith("project: a string longer than 1 MiB"), error.message);
  assert.equal(api.resolveGitlabScope(WORLD, "acme/api").project, "acme/api");
  // GitlabPolicy.check: a huge path or permission is not looked up by index, and the engine says why.
  const policy = new api.GitlabPolicy(WORLD);
  try {
    const huge = "x".repeat(2 << 20);
    for (const [args, where] of [[[huge, "acme/api"], "source"], [["acme/ci", huge], "target"], [["acme/ci", "acme/api", huge], "permission"]]) {
      const error = thrown(() => policy.check(...args), `huge ${where}`);
      assert.equal(error.code, "invalid_input");
      assert.ok(error.message.startsWith(`${where}: a string longer than 1 MiB`), error.message);
    }
    assert.equal(policy.check("acme/ci", "acme/api"), true);
  } finally {
    policy.free();
  }
});

test("paths in any script cross into the module exactly, and so does the ASCII after them", () => {
  // One, two, three and four UTF-8 bytes per character (the last as a UTF-16 surrogate pair), a real
  // U+FFFD, then plain ASCII: every string after a wide one must still be cut at the right place.
  const names = ["grüppe/prøject", "组/项目", "🚀/svc-😀", "acme/\uFFFD", "x/ÿ🚀组a", "ascii/after"];
  const sources = [...names, ...Array.from({ length: 50 }, (_, i) => `plain/p${i}`)];
  const world = {
    projects: [
      ...sources.map((path) => ({ path })),
      { path: "target/api", inbound: { projects: sources } },
    ],
  };
  const scope = api.resolveGitlabScope(world, "target/api");
  assert.deepEqual(scope.reachableBy.map((r) => r.project), sources);
  const policy = new api.GitlabPolicy(world);
  try {
    for (const source of sources) assert.equal(policy.check(source, "target/api"), true, source);
    assert.equal(policy.check("target/api", "grüppe/prøject"), false);
  } finally {
    policy.free();
  }
});

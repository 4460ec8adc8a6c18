// One module instance serves every caller of an isolate or a tab (issue 16): calls made with the JS stack
// nearly exhausted, and running out of wasm memory, must leave it answering correctly — a RangeError or a
// coded error for the call that could not run, never a trap, never a leak, never a moved stack pointer.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const api = await import(new URL("../../pkg/index.js", import.meta.url));
const { initSync } = await import(new URL("../../pkg/job_token_scope.js", import.meta.url));
const { createGate } = await import(new URL("../../pkg/gate-node.js", import.meta.url));
// The instance the package initialised (initSync hands back the existing one): its memory and stack pointer.
const wasm = initSync();
const stackPointer = () => wasm.__wbindgen_add_to_stack_pointer(0);
const memoryBytes = () => wasm.memory.buffer.byteLength;

const WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", inbound: { projects: ["acme/ci"] } },
    { path: "acme/other" },
  ],
};
const AZURE = {
  product: "services",
  organization: { name: "contoso" },
  project: { name: "web" },
  pipeline: { kind: "yaml" },
};

/** The module still answers correctly, through every door. */
function assertHealthy() {
  assert.equal(api.version(), "0.1.0");
  assert.equal(api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api" }).allowed, true);
  const policy = new api.GitlabPolicy(WORLD);
  assert.equal(policy.check("acme/ci", "acme/api"), true);
  assert.equal(policy.check("acme/other", "acme/api"), false);
  assert.equal(policy.explain("acme/other", "acme/api").reason, "not_in_inbound_allowlist");
  policy.free();
}

/**
 * Calls `call` at every depth within `band` frames of the JS stack's limit (as a deeply recursive caller
 * that catches its RangeError would), and returns what it threw other than RangeError.
 */
function atTheStackLimit(call, band = 800) {
  let deepest = -1;
  const thrown = [];
  const down = (depth) => {
    try {
      down(depth + 1);
    } catch {
      if (deepest < 0) deepest = depth;
    }
    if (depth >= deepest - band) {
      try {
        call();
      } catch (error) {
        if (!(error instanceof RangeError)) thrown.push(error);
      }
    }
  };
  down(0);
  return thrown;
}

const policy = new api.GitlabPolicy(WORLD);
const deepValue = {};
{
  let o = deepValue;
  for (let i = 0; i < 40; i++) o = o.next = {};
}
const DOORS = {
  "checkGitlabAccess": () => api.checkGitlabAccess(WORLD, { source: "acme/ci", target: "acme/api" }),
  "resolveGitlabScope": () => api.resolveGitlabScope(WORLD, "acme/api"),
  "validateGitlabWorld (a value at the depth limit)": () => {
    assert.throws(() => api.validateGitlabWorld({ ...WORLD, deep: deepValue }), (e) => e instanceof RangeError || e.code === "invalid_input");
  },
  "compactGitlabAllowlist": () => api.compactGitlabAllowlist(WORLD, "acme/api", 1),
  "planGitlabEnforcement": () => api.planGitlabEnforcement(WORLD, [{ source: "acme/other", target: "acme/api" }], { limit: 2 }),
  "checkGitlabEdit": () => api.checkGitlabEdit(WORLD, { user: "root", project: "acme/api", action: "add", entry: "acme/other" }),
  "checkAzureAccess": () => api.checkAzureAccess(AZURE, { kind: "repository", project: "web", name: "web", action: "read" }),
  "gitlabVersions": () => api.gitlabVersions(),
  "version": () => api.version(),
  "new GitlabPolicy + free": () => new api.GitlabPolicy(WORLD).free(),
  "GitlabPolicy.check (hot path)": () => policy.check("acme/ci", "acme/api"),
  "GitlabPolicy.check (new paths each time)": (() => {
    let n = 0;
    return () => assert.throws(() => policy.check(`acme/unknown-${n++}`, "acme/api"), (e) => e instanceof RangeError || e.code === "unknown_project");
  })(),
  "GitlabPolicy.explain": () => policy.explain("acme/other", "acme/api", "read_packages"),
};

for (const [name, call] of Object.entries(DOORS)) {
  test(`at the JS stack's limit: ${name} throws RangeError or answers, and the instance is untouched`, () => {
    call(); // outside the test: its first call may grow the memory legitimately
    assertHealthy();
    const before = { stackPointer: stackPointer(), memory: memoryBytes() };
    for (let round = 0; round < 3; round++) {
      const thrown = atTheStackLimit(call);
      assert.deepEqual(thrown.map(String), [], "only RangeError may come out of a call without stack");
      // Read before any other call: nothing was stopped half-way inside the module.
      if (!name.includes("hot path")) assert.equal(stackPointer(), before.stackPointer, "the module's stack pointer moved");
      assertHealthy();
      assert.equal(stackPointer(), before.stackPointer);
    }
    assert.equal(memoryBytes(), before.memory, "the memory grew: calls stopped half-way leaked");
  });
}

test("at the JS stack's limit: the gate answers or fails closed (503), and then answers correctly", async () => {
  const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const jwk = { ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  delete jwk.key_ops;
  delete jwk.ext;
  const gate = createGate({
    issuer: "https://gitlab.example.com",
    audience: "https://registry.example.com",
    jwks: { keys: [jwk] },
    world: WORLD,
    routes: [{ method: "GET", path: "/projects/:target/packages/*", permission: "read_packages" }],
    handler: () => new Response("ok"),
  });
  const request = () => new Request("http://gate.test/projects/acme%2Fapi/packages/x", { headers: { authorization: "Bearer a.b.c" } });
  const answers = [];
  const thrown = atTheStackLimit(() => answers.push(gate.fetch(request(), {}, {})));
  assert.deepEqual(thrown.map(String), []);
  for (const answer of await Promise.allSettled(answers)) {
    assert.equal(answer.status, "fulfilled", String(answer.reason));
    assert.ok([401, 503].includes(answer.value.status), `status ${answer.value.status}`);
  }
  assert.equal((await gate.fetch(request(), {}, {})).status, 401);
  assertHealthy();
});

test("a value refused for its size (past 128 MiB) does not grow the module's memory", () => {
  const before = memoryBytes();
  const world = { ...WORLD, projects: [{ path: "acme/api", outbound: { projects: Array.from({ length: 130 }, (_, i) => `${i}`.padEnd(1 << 20, "x")) } }] };
  assert.throws(() => api.validateGitlabWorld(world), (e) => e.code === "invalid_input" && /128 MiB/.test(e.message));
  assert.ok(memoryBytes() - before < 4 << 20, `memory grew by ${(memoryBytes() - before) >> 20} MiB`);
  assertHealthy();
});

// Out of memory: a child process whose wasm memories may not pass 64 MiB (V8's --wasm-max-mem-pages).
const EXHAUST = `
  const api = await import(${JSON.stringify(new URL("../../pkg/index.js", import.meta.url).href)});
  const world = { version: "18.3", projects: Array.from({ length: 50 }, (_, i) => ({ path: "acme/p" + i, inbound: { projects: ["acme/p0"] } })) };
  const fill = () => {
    const kept = [];
    for (;;) {
      try { kept.push(new api.GitlabPolicy(world)); } catch (error) { return { kept, error }; }
    }
  };
  const report = [];
  for (let round = 0; round < 3; round++) {
    const { kept, error } = fill();
    // Memory is full: a call either answers or is refused with the same coded error.
    let full;
    try { full = api.checkGitlabAccess(world, { source: "acme/p0", target: "acme/p1" }).allowed; } catch (e) { full = e.code + ": " + e.message; }
    const version = api.version();
    for (const policy of kept) policy.free();
    report.push({ kept: kept.length, name: error.constructor.name, code: error.code, length: error.message.length, message: error.message,
      full, version, allowed: api.checkGitlabAccess(world, { source: "acme/p0", target: "acme/p1" }).allowed,
      explain: api.checkGitlabAccess(world, { source: "acme/p2", target: "acme/p1" }).reason });
  }
  const big = { version: "18.3", projects: Array.from({ length: 200000 }, (_, i) => ({ path: "acme/big-project-" + i })) };
  try { api.validateGitlabWorld(big); report.push({ big: "answered" }); } catch (error) { report.push({ big: error.code, message: error.message }); }
  report.push({ after: new api.GitlabPolicy(world).check("acme/p0", "acme/p1") });
  console.log(JSON.stringify(report));
`;

test("running out of wasm memory is a coded error, and the module answers afterwards, again and again", () => {
  const child = spawnSync(process.execPath, ["--wasm-max-mem-pages=1024", "--input-type=module", "-e", EXHAUST], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const report = JSON.parse(child.stdout);
  const rounds = report.slice(0, 3);
  for (const round of rounds) {
    assert.equal(round.name, "Error", round.message);
    assert.equal(round.code, "invalid_input");
    assert.match(round.message, /^out of memory/);
    assert.ok(round.length <= 1024);
    assert.ok(round.full === true || /^invalid_input: out of memory/.test(round.full), round.full);
    assert.equal(round.version, "0.1.0");
    assert.equal(round.allowed, true);
    assert.equal(round.explain, "not_in_inbound_allowlist");
    assert.ok(round.kept > 100, `only ${round.kept} policies fit`);
  }
  // Freed policies give their memory back: each round fits about as many as the first.
  for (const round of rounds.slice(1)) assert.ok(round.kept >= rounds[0].kept * 0.9, JSON.stringify(rounds));
  // A world too large for 64 MiB is refused up front, coded, and the module still answers.
  assert.equal(report[3].big, "invalid_input", report[3].message);
  assert.equal(report[4].after, true);
});

// JS-level property fuzz of the built package (pkg/), with fast-check. Shared by the short run in
// `make test` (tests/js/fuzz.test.mjs) and the long run of `make fuzz` (fuzz/js/run.mjs).
//
// Generated inputs are DATA (plain, printable, shrinkable): GitLab worlds in the engine's real shape
// (release strings from gitlabVersions(), projects in groups, visibility, features, inbound / outbound
// allowlists with project and group entries and fine-grained policies, groups, users), Azure configs,
// gate configs, requests and edits; and "hostile" specs ({ t: "lone", ... }, { t: "getter", ... }) that
// `materialize` turns into the values JSON cannot spell (wrong types, lone surrogates, huge and deep
// values, NaN / -0 / 2^53, getters and Proxy traps that throw, Proxies that lie, revoked Proxies, getters
// that call back into the package). A counterexample therefore prints as a readable recipe.
//
// Not generated here, on purpose (their own tests exist, and the fixes are under way in src/wasm/):
// calls made with the JS stack nearly exhausted, and inputs that run the wasm memory out.
//
// The properties (names are what FUZZ_JS_PROPERTY / --property select):
//   coded-errors       every export, generated and hostile arguments: a thrown value is a coded, bounded
//                      Error, or the very value the input threw; the instance answers the sentinel after.
//   policy-agrees      GitlabPolicy.check / explain ≡ checkGitlabAccess on good requests.
//   policy-agrees-bad  ... and on bad requests both doors throw the same `code`.
//   freed-policy       a freed GitlabPolicy throws invalid_input on every check / explain, forever;
//                      free() again does nothing; the instance still answers.
//   compaction-exact   compactGitlabAllowlist's admitsAlso ≡ the sources whose decision flips denied →
//                      allowed when the proposal replaces the allowlist.
//   from-json-agrees   GitlabPolicy.fromJSON(JSON.stringify(v)), as a string or as UTF-8 bytes, ≡ new
//                      GitlabPolicy(v) for JSON values v (generated worlds, worlds with junk, any JSON):
//                      the same code and message, or the same check / explain answers.
//   from-json-text     any text (binary strings, JSON's characters, worlds' text cut and spliced): fromJSON
//                      answers or throws a coded error (a located invalid_input where JSON.parse refuses it),
//                      as new GitlabPolicy(JSON.parse(text)) where it is JSON; the instance answers after.
//   memory-flat        a list of hostile calls made a few thousand times over in a fresh instance (a
//                      worker thread): after the first rounds the wasm memory and the externref table
//                      do not grow, and the free heap (counted in compiled policies) does not shrink.
//
// Every property also asks the sentinel (property b) after each call into the package.

import fc from "fast-check";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";

export { fc };

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PKG_DIR = process.env.JTS_PKG_DIR ? resolve(process.env.JTS_PKG_DIR) : join(ROOT, "pkg");

export const CODES = new Set(["invalid_input", "unknown_project", "unsupported_version"]);
/**
 * The bound on an error's text (src/error.rs MAX_ERROR_TEXT; gate.js `errorText`): `error.message`,
 * location and message together, is at most 1,024 UTF-8 bytes.
 */
export const MESSAGE_BYTES = 1024;
const MiB = 1 << 20;

// ───────────────────────────── the package ─────────────────────────────

/**
 * Imports the package from `dir` (its Node entry, the gate's Node entry, and the wasm-bindgen glue). The
 * glue's `initSync()` returns the instance it already holds (node.js initialised it on import), whose
 * exports give what no API shows: its memory (`memory.buffer.byteLength`), its externref table, and its
 * stack pointer (`__wbindgen_add_to_stack_pointer(0)` moves it by 0 and returns it).
 */
export async function loadPackage(dir = PKG_DIR) {
  const url = (file) => pathToFileURL(join(dir, file)).href;
  const api = await import(url("index.js"));
  const { createGate } = await import(url("gate-node.js"));
  const glue = await import(url("job_token_scope.js"));
  let wasm = null;
  try {
    wasm = glue.initSync();
  } catch {
    wasm = null;
  }
  const pkg = {
    dir,
    api,
    createGate,
    wasm,
    memoryBytes: () => wasm?.memory?.buffer.byteLength ?? NaN,
    externrefs: () => wasm?.__wbindgen_externrefs?.length ?? NaN,
    stackPointer: () => (typeof wasm?.__wbindgen_add_to_stack_pointer === "function" ? wasm.__wbindgen_add_to_stack_pointer(0) : NaN),
  };
  pkg.universe = universe(pkg);
  pkg.sentinel = sentinel(pkg);
  return pkg;
}

/**
 * Runs `checkMemoryFlat(calls, rounds)` in a worker thread: its own module graph, so a fresh wasm
 * instance, whose memory goes away with the worker (a wasm memory never shrinks, and an instance loaded
 * in this thread would stay for the life of the process). Resolves with its result or rejects with its
 * assertion's message.
 */
export function memoryFlatInWorker(calls, rounds, dir = PKG_DIR) {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL("./memory-worker.mjs", import.meta.url), {
      workerData: { dir, calls, rounds },
    });
    let answered = false;
    worker.once("message", (message) => {
      answered = true;
      if (message.ok) resolvePromise(message.result);
      else reject(new assert.AssertionError({ message: message.message }));
      worker.terminate();
    });
    worker.once("error", (error) => {
      answered = true;
      reject(error);
    });
    worker.once("exit", (code) => {
      if (!answered) reject(new Error(`the memory worker exited with code ${code} before answering`));
    });
  });
}

let gcFunction = null;
export function gc() {
  if (gcFunction === null && typeof globalThis.gc === "function") gcFunction = globalThis.gc;
  if (gcFunction === null) {
    setFlagsFromString("--expose-gc");
    gcFunction = runInNewContext("gc");
  }
  gcFunction();
}

// ───────────────────────────── the sentinel (property b) ─────────────────────────────

const SENTINEL_WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", inbound: { projects: ["acme/ci"] } },
    { path: "acme/docs", visibility: "public" },
  ],
};

/**
 * A fixed question with a known answer, asked after every generated call: the instance is not poisoned.
 * Also: the wasm stack pointer is back where it was (a call that left it moved would leak stack).
 */
function sentinel(pkg) {
  const { api } = pkg;
  const expectedVersion = api.version();
  assert.match(expectedVersion, /^\d+\.\d+\.\d+/);
  const stack = pkg.stackPointer();
  return (after = "the call") => {
    assert.equal(api.version(), expectedVersion, `after ${after}: version()`);
    const allowed = api.checkGitlabAccess(SENTINEL_WORLD, { source: "acme/ci", target: "acme/api" });
    assert.equal(allowed.allowed, true, `after ${after}: the sentinel check`);
    assert.equal(allowed.reason, "allowlisted_project", `after ${after}: the sentinel check`);
    const denied = api.checkGitlabAccess(SENTINEL_WORLD, { source: "acme/docs", target: "acme/api", permission: "read_jobs" });
    assert.equal(denied.message, "Authentication by CI/CD job token not allowed from docs to api.", `after ${after}`);
    if (!Number.isNaN(stack)) assert.equal(pkg.stackPointer(), stack, `after ${after}: the wasm stack pointer moved`);
  };
}

// ───────────────────────────── the universe of names ─────────────────────────────

const GROUPS = ["acme", "acme/platform", "acme/tools", "acme/platform/sub", "other", "g", "g/p"];
const NAMES = ["api", "ci", "web", "lib", "p", "x"];
const USERS = ["alice", "bob", "carol"];
const ROLES = ["guest", "planner", "reporter", "developer", "maintainer", "owner"];
const VISIBILITY = ["private", "internal", "public"];
const FEATURES = ["repository", "packages", "containerRegistry", "builds", "releases", "environments"];
const ACCESS = ["enabled", "private", "disabled"];

function universe({ api }) {
  const versions = api.gitlabVersions().map((v) => v.since);
  const permissions = api.gitlabPermissions().map((p) => p.name);
  // `admin_repositories` is a policy an entry may hold, not a permission a request may name.
  const requestable = permissions.filter((p) => p !== "admin_repositories");
  const groupVersions = versions.filter((v) => compareVersions(v, "17.0") >= 0);
  return { versions, permissions, requestable, groupVersions, products: api.azureProducts().map((p) => p.id) };
}

function compareVersions(a, b) {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am - bm || an - bn;
}

const opt = (arb) => fc.option(arb, { nil: undefined, freq: 3 });

/** A reference to `path` as a user may spell it: any case, sometimes with surrounding slashes. */
const spelled = (path) =>
  fc.constantFrom(0, 0, 0, 1, 2, 3).map((how) =>
    how === 0 ? path : how === 1 ? path.toUpperCase() : how === 2 ? path[0].toUpperCase() + path.slice(1) : `/${path}/`);
const refTo = (paths) => fc.constantFrom(...paths).chain(spelled);

const projectPath = fc.tuple(fc.constantFrom(...GROUPS), fc.constantFrom(...NAMES)).map(([g, n]) => `${g}/${n}`);

function entryArb(u, paths) {
  const policies = fc.subarray([...u.permissions, "read_foo", "READ_JOBS"], { maxLength: 4 });
  const path = fc.oneof({ weight: 6, arbitrary: refTo(paths) }, { weight: 1, arbitrary: fc.constant("nope/missing") });
  return fc.oneof(
    { weight: 3, arbitrary: path },
    {
      weight: 2,
      arbitrary: fc.record({ path, defaultPermissions: fc.boolean(), policies }, { requiredKeys: ["path"] }),
    },
  );
}

function projectArb(u, path, paths, maxEntries = 4) {
  return fc.record(
    {
      path: fc.constant(path),
      visibility: fc.constantFrom(...VISIBILITY),
      features: fc.record(Object.fromEntries(FEATURES.map((f) => [f, fc.constantFrom(...ACCESS)])), { requiredKeys: [] }),
      inbound: fc.record(
        {
          enabled: fc.boolean(),
          projects: fc.array(entryArb(u, paths), { maxLength: maxEntries }),
          groups: fc.array(entryArb(u, GROUPS), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
      outbound: fc.record({ enabled: fc.boolean(), projects: fc.array(refTo(paths), { maxLength: 3 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ["path"] },
  );
}

/**
 * A GitLab world in the engine's input shape, with its project paths: `{ world, paths }`. `versions`
 * narrows the release (compaction needs 17.0+).
 */
export function worldArb(u, { versions = [...u.versions, "latest", "17.5", "19.4"], maxProjects = 7, maxEntries = 4 } = {}) {
  return fc
    .uniqueArray(projectPath, { minLength: 1, maxLength: maxProjects, selector: (p) => p.toLowerCase() })
    // A project cannot lie inside another (g/p and g/p/x): the world would be refused as a whole.
    .map((paths) => paths.filter((p) => !paths.some((q) => q.startsWith(`${p}/`))))
    .chain((paths) =>
      fc
        .record(
          {
            version: fc.constantFrom(...versions),
            instance: fc.record({ enforceInboundScope: fc.boolean() }, { requiredKeys: [] }),
            groups: fc.uniqueArray(
              fc.record({ path: fc.constantFrom(...GROUPS.filter((g) => !paths.includes(g))), visibility: fc.constantFrom(...VISIBILITY) }, { requiredKeys: ["path"] }),
              { maxLength: 3, selector: (g) => g.path },
            ),
            projects: fc.tuple(...paths.map((p) => projectArb(u, p, paths, maxEntries))),
            users: fc.dictionary(fc.constantFrom(...USERS), fc.dictionary(fc.constantFrom(...GROUPS, ...paths), fc.constantFrom(...ROLES), { maxKeys: 3 }), { maxKeys: 3 }),
          },
          { requiredKeys: ["projects"] },
        )
        .map((world) => ({ world, paths })),
    );
}

/** A source or target: a world project (any spelling) or, now and then, an unknown one. */
const projectRef = (paths) => fc.oneof({ weight: 8, arbitrary: refTo(paths) }, { weight: 1, arbitrary: fc.constantFrom("nope/x", "acme", "") });

function requestArb(u, paths) {
  return fc.record(
    {
      source: projectRef(paths),
      target: projectRef(paths),
      permission: fc.constantFrom(...u.requestable),
      user: fc.constantFrom(...USERS, "mallory"),
    },
    { requiredKeys: ["source", "target"] },
  );
}

function editArb(u, paths) {
  return fc.record(
    {
      user: fc.constantFrom(...USERS, "mallory"),
      project: projectRef(paths),
      action: fc.constantFrom("add", "remove", "enable", "disable", "setPolicies"),
      entry: fc.oneof(projectRef(paths), fc.constantFrom(...GROUPS)),
      kind: fc.constantFrom("project", "group"),
      direction: fc.constantFrom("inbound", "outbound"),
      defaultPermissions: fc.boolean(),
      policies: fc.subarray([...u.permissions, "read_foo"], { maxLength: 3 }),
    },
    { requiredKeys: ["user", "project", "action"] },
  );
}

const AZURE_PROJECTS = ["SpaceGameWeb", "FabrikamFiber", "spacegameweb", "Other"];
function azureConfigArb(u) {
  const perms = fc.dictionary(fc.constantFrom("SpaceGameWeb", "FabrikamFiber", "shared", "lib"), fc.subarray(["read", "write"]), { maxKeys: 2 });
  return fc.record(
    {
      product: fc.constantFrom(...u.products),
      organization: fc.record(
        { name: fc.constant("fabrikam-tailspin"), limitJobScopeNonRelease: fc.boolean(), limitJobScopeRelease: fc.boolean(), protectRepos: fc.boolean() },
        { requiredKeys: ["name"] },
      ),
      project: fc.record(
        { name: fc.constant("SpaceGameWeb"), visibility: fc.constantFrom("private", "public"), limitJobScopeNonRelease: fc.boolean(), limitJobScopeRelease: fc.boolean(), protectRepos: fc.boolean() },
        { requiredKeys: ["name"] },
      ),
      pipeline: fc.record(
        {
          kind: fc.constantFrom("yaml", "classic-build", "classic-release"),
          buildJobAuthorizationScope: fc.constantFrom("project", "collection"),
          repositories: fc.subarray(["self", "FabrikamFiber/FabrikamFiber", "SpaceGameWeb/Other", "bad"]),
          hasRun: fc.boolean(),
          selfRepository: fc.constantFrom("SpaceGameWeb", "Mine"),
        },
        { requiredKeys: ["kind"] },
      ),
      grants: fc.array(
        fc.record(
          {
            identity: fc.constantFrom("SpaceGameWeb Build Service (fabrikam-tailspin)", "Project Collection Build Service (fabrikam-tailspin)", "Nobody"),
            project: fc.constantFrom(...AZURE_PROJECTS),
            viewProjectInfo: fc.boolean(),
            repositories: perms,
            feeds: perms,
            artifacts: perms,
            workItems: perms,
            pipelines: perms,
          },
          { requiredKeys: ["identity", "project"] },
        ),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: ["organization", "project", "pipeline"] },
  );
}
const azureResourceArb = fc.record({
  kind: fc.constantFrom("repository", "feed", "artifact", "workitem", "pipeline"),
  project: fc.constantFrom(...AZURE_PROJECTS),
  name: fc.constantFrom("SpaceGameWeb", "FabrikamFiber", "shared"),
  action: fc.constantFrom("read", "write"),
});

/** A public EC P-256 JWK (made once per process), so that generated gate configs can be valid. */
let jwk = null;
function publicJwk() {
  jwk ??= generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ format: "jwk" });
  return jwk;
}

function gateConfigArb(u, world, paths) {
  const route = fc.record(
    {
      method: fc.constantFrom("GET", "PUT", "POST", "get", "*"),
      path: fc.constantFrom("/projects/:target/packages/*", "/projects/:target", "/deploy", "/a/:target/b", "/*", "", "no-slash", "/x/:target/:target"),
      target: refTo(paths),
      permission: fc.constantFrom(...u.requestable, "admin_repositories"),
    },
    { requiredKeys: ["method", "path"] },
  );
  return fc.record(
    {
      issuer: fc.constantFrom("https://gitlab.example.com", "http://localhost:8080", "http://evil.example", "not a url"),
      audience: fc.constantFrom("https://api.example.com", ""),
      jwks: fc.constantFrom("key", "key+kid", "empty", "junk"),
      world: fc.constant(world),
      routes: fc.array(route, { maxLength: 3 }),
      require: fc.record(
        {
          refProtected: fc.boolean(),
          refType: fc.constantFrom("branch", "tag", "commit"),
          refs: fc.constant(["main"]),
          environments: fc.constant(["production"]),
          pipelineSources: fc.constant(["push"]),
        },
        { requiredKeys: [] },
      ),
      clockSkewSeconds: fc.constantFrom(0, 60, 300, 301, -1, 1.5),
    },
    { requiredKeys: ["issuer", "audience", "world", "routes"] },
  ).chain((config) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant({ ...config, handler: "$fn" }) },
      { weight: 2, arbitrary: fc.constantFrom("https://internal.example/api", "http://127.0.0.1:9/", "ftp://x", "https://u:p@x/", "https://x/?q").map((upstream) => ({ ...config, upstream })) },
      { weight: 1, arbitrary: fc.constant({ ...config, handler: "$fn", upstream: "https://internal.example" }) },
      { weight: 1, arbitrary: fc.constant(config) },
    ));
}

/** Placeholders in generated data that `finalize` replaces with what data cannot hold (a fresh copy). */
function finalize(value) {
  if (value === "$fn") return () => new Response("ok");
  if (Array.isArray(value)) return value.map((v) => finalize(v));
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "jwks" && typeof v === "string") {
        const key = { ...publicJwk() }; // a copy: mutations must not reach the cached key
        out.jwks = v === "key" ? { keys: [key] } : v === "key+kid" ? { keys: [{ ...key, kid: "k1", alg: "ES256", use: "sig" }] } : v === "empty" ? { keys: [] } : { keys: [{ kty: "RSA", n: "AQAB", e: "AQAB" }, 5, null] };
      } else {
        out[k] = finalize(v);
      }
    }
    return out;
  }
  return value;
}

// ───────────────────────────── hostile values ─────────────────────────────

const NUMBERS = {
  NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0, "0": 0, "1": 1, "-1": -1, "1.5": 1.5,
  "199": 199, "200": 200, "201": 201, "2^31": 2 ** 31, "2^32": 2 ** 32, "2^32+1": 2 ** 32 + 1, "2^53": 2 ** 53,
  "2^53+2": 2 ** 53 + 2, MAX_VALUE: Number.MAX_VALUE, MIN_VALUE: Number.MIN_VALUE, EPSILON: Number.EPSILON,
  "-MAX_SAFE": -Number.MAX_SAFE_INTEGER, "1e308": 1e308, "-1e-308": -1e-308, "0.1+0.2": 0.1 + 0.2,
};
const THROWN = ["error", "typeerror", "coded", "string", "number", "undefined", "null", "object", "symbol"];
const CHARS = ["a", "Z", "/", "-", ".", " ", "é", "\u0000", "\n", "\uFFFD", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uD83D\uDE00", "\u202E", "%2F", ":", "\\"];
const OBJECT_KINDS = [
  "map", "set", "date", "regexp", "u8", "arraybuffer", "dataview", "error", "promise", "nullproto",
  "boxedString", "boxedNumber", "boxedBoolean", "protoKey", "constructorKey", "toJSON", "toPrimitiveThrows",
  "holes", "frozen", "symbolKey", "nonEnumerable", "classInstance", "arguments", "weakmap", "arrayExtraProps",
];
const LIARS = ["arrayGrows", "arrayShrinks", "lengthFlips", "lengthGrows", "valueFlips", "keysGrow"];
const TRAPS = ["get", "ownKeys", "getOwnPropertyDescriptor", "has", "getPrototypeOf"];
const GETTER_KEYS = ["path", "projects", "source", "target", "permission", "version", "name", "kind", "0", "inbound", "routes", "keys"];

/**
 * A hostile value, as data: `materialize` makes it. `small`: none past 3,000 characters or items (the
 * memory property wants calls whose peak need is small, so that little free memory hides a leak).
 */
export const hostileArbOf = ({ small = false } = {}) => fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant("num"), v: fc.constantFrom(...Object.keys(NUMBERS)) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("big"), v: fc.constantFrom("0", "1", "-5", "18446744073709551617") }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constantFrom("sym", "fn", "undef", "null", "true", "false", "emptyObject", "emptyArray") }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("str"), s: fc.array(fc.constantFrom(...CHARS), { maxLength: 12 }).map((a) => a.join("")) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("lone"),
      base: fc.constantFrom("acme/api", "acme/ci", "read_jobs", "alice", "SpaceGameWeb", "GET"),
      at: fc.constantFrom("start", "end", "middle"),
      unit: fc.constantFrom("\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDE00\uD83D"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("long"),
      n: small ? fc.constantFrom(1023, 1024, 1025, 3000) : fc.constantFrom(1023, 1024, 1025, 3000, 65_537, MiB - 1, MiB, MiB + 1),
      base: fc.constantFrom("acme/", "", "read_", "x"),
      unit: fc.constantFrom("x", "é", "/", "\uD83D\uDE00", "a/"),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("deep"), n: fc.constantFrom(31, 32, 33, 100, 2000), kind: fc.constantFrom("array", "object", "mixed") }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom("cycle", "revoked", "inherited") }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("badProxy"), kind: fc.constantFrom("duplicateKeys", "hidesKey", "lyingDescriptor") }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("sparse"), n: small ? fc.constantFrom(200_001, 2 ** 32 - 1) : fc.constantFrom(200_000, 200_001, 2 ** 32 - 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("wide"), n: small ? fc.constantFrom(201, 2000) : fc.constantFrom(201, 5000), item: fc.constantFrom("str", "num", "obj") }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("getter"), key: fc.constantFrom(...GETTER_KEYS), thrown: fc.constantFrom(...THROWN) }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant("proxy"), trap: fc.constantFrom(...TRAPS), over: fc.constantFrom("object", "array", "world"), thrown: fc.constantFrom(...THROWN) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("liar"), kind: fc.constantFrom(...LIARS) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("obj"), kind: fc.constantFrom(...OBJECT_KINDS) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("junk"),
      entries: fc.array(fc.tuple(fc.array(fc.constantFrom(...CHARS, "__proto__", "constructor", "path"), { minLength: 1, maxLength: 3 }).map((a) => a.join("")), fc.constantFrom(0, "x", null, true)), { maxLength: 4 }),
    }),
  },
);

export const hostileArb = hostileArbOf();

/**
 * Per call: the values its input threw (`planted`, made when thrown), whether it threw at all, whether it
 * holds a revoked Proxy, and what went wrong in calls a getter made back into the package.
 */
export function newCallContext(pkg) {
  return { pkg, planted: new Set(), threw: false, revoked: false, badProxy: false, reentered: 0, reentryFailures: [] };
}

function plant(cx, kind) {
  let value;
  switch (kind) {
    case "error": value = new Error("planted by the input"); break;
    case "typeerror": value = new TypeError("planted by the input"); break;
    case "coded": value = Object.assign(new Error("planted coded error"), { code: "invalid_input" }); break;
    case "string": value = "planted string"; break;
    case "number": value = 4242; break;
    case "undefined": value = undefined; break;
    case "null": value = null; break;
    case "object": value = { planted: true }; break;
    case "symbol": value = Symbol("planted"); break;
    default: throw new Error(`unknown thrown kind ${kind}`);
  }
  cx.planted.add(value);
  cx.threw = true;
  return value;
}

function longString(n, base, unit) {
  const s = base + unit.repeat(Math.ceil(Math.max(0, n - base.length) / unit.length));
  return s.slice(0, n);
}

/** Turns a hostile spec into its value. */
export function materialize(spec, cx) {
  switch (spec.t) {
    case "num": return NUMBERS[spec.v];
    case "big": return BigInt(spec.v);
    case "sym": return Symbol("hostile");
    case "fn": return function hostile() {};
    case "undef": return undefined;
    case "null": return null;
    case "true": return true;
    case "false": return false;
    case "emptyObject": return {};
    case "emptyArray": return [];
    case "str": return spec.s;
    case "lone":
      return spec.at === "start" ? spec.unit + spec.base : spec.at === "end" ? spec.base + spec.unit
        : spec.base.slice(0, 2) + spec.unit + spec.base.slice(2);
    case "long": return longString(spec.n, spec.base, spec.unit);
    case "deep": {
      let v = "acme/api";
      for (let i = 0; i < spec.n; i++) {
        const array = spec.kind === "array" || (spec.kind === "mixed" && i % 2 === 0);
        v = array ? [v] : { projects: v };
      }
      return v;
    }
    case "cycle": {
      const o = { path: "acme/api", projects: [] };
      o.inbound = { projects: [o] };
      o.projects.push(o);
      return o;
    }
    case "revoked": {
      cx.revoked = true;
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }
    case "inherited": // every property from the prototype: not own, so not read (README "Notes on JS values")
      return Object.create({ path: "acme/api", projects: [{ path: "acme/api" }], source: "acme/api", target: "acme/api", name: "x" });
    case "badProxy": {
      // A Proxy breaking the invariants: the JS engine itself throws a TypeError when it is read.
      cx.badProxy = true;
      const target = Object.defineProperty({ path: "acme/api" }, "projects", { value: [], enumerable: true, configurable: false });
      const traps = {
        duplicateKeys: { ownKeys: () => ["path", "path"] },
        hidesKey: { ownKeys: () => ["path"] },
        lyingDescriptor: { getOwnPropertyDescriptor: () => undefined },
      };
      return new Proxy(target, traps[spec.kind]);
    }
    case "sparse": return Object.assign([], { length: spec.n });
    case "wide":
      return Array.from({ length: spec.n }, (_, i) => (spec.item === "str" ? `acme/p${i}` : spec.item === "num" ? i : { path: `acme/p${i}` }));
    case "getter": {
      const o = { path: "acme/api", projects: [], source: "acme/ci", target: "acme/api" };
      Object.defineProperty(o, spec.key, { enumerable: true, configurable: true, get: () => { throw plant(cx, spec.thrown); } });
      return o;
    }
    case "proxy": {
      const target = spec.over === "array" ? ["acme/api", "acme/ci"] : spec.over === "world" ? { version: "18.3", projects: [{ path: "acme/api" }] } : { path: "acme/api" };
      return new Proxy(target, { [spec.trap]() { throw plant(cx, spec.thrown); } });
    }
    case "liar": return liar(spec.kind);
    case "obj": return exotic(spec.kind, cx);
    case "junk": {
      const o = {};
      for (const [k, v] of spec.entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }
    default: throw new Error(`unknown hostile spec ${JSON.stringify(spec)}`);
  }
}

/** Values that change while they are read. */
function liar(kind) {
  switch (kind) {
    case "arrayGrows": {
      const a = [{ path: "acme/api" }, "acme/ci"];
      let grown = false;
      Object.defineProperty(a, 0, {
        enumerable: true, configurable: true,
        get() {
          if (!grown) {
            grown = true;
            a.push("acme/web", { path: "acme/x" }, 7);
          }
          return { path: "acme/api" };
        },
      });
      return a;
    }
    case "arrayShrinks": {
      const a = [{ path: "acme/api" }, "acme/ci", "acme/web", { path: "acme/x" }];
      Object.defineProperty(a, 0, { enumerable: true, configurable: true, get() { a.length = 1; return "acme/api"; } });
      return a;
    }
    case "lengthFlips": {
      let reads = 0;
      return new Proxy(["acme/api", "acme/ci", "acme/web"], {
        get(t, k, r) {
          if (k === "length") return ++reads % 2 === 0 ? 0 : 3;
          return Reflect.get(t, k, r);
        },
      });
    }
    case "lengthGrows": {
      let reads = 0;
      return new Proxy([], {
        get(t, k) {
          if (k === "length") return ++reads < 3 ? 1 : 40;
          return typeof k === "string" ? "acme/api" : undefined;
        },
      });
    }
    case "valueFlips": {
      let reads = 0;
      const o = {};
      Object.defineProperty(o, "path", { enumerable: true, configurable: true, get: () => (++reads % 2 ? "acme/api" : 5) });
      Object.defineProperty(o, "source", { enumerable: true, configurable: true, get: () => (++reads % 2 ? "acme/ci" : { x: 1 }) });
      return o;
    }
    case "keysGrow": {
      const o = { path: "acme/api" };
      Object.defineProperty(o, "source", {
        enumerable: true, configurable: true,
        get() {
          o[`k${Object.keys(o).length}`] = 1;
          return "acme/ci";
        },
      });
      return o;
    }
    default: throw new Error(`unknown liar ${kind}`);
  }
}

class Thing {
  constructor() {
    this.path = "acme/api";
  }
  get hidden() {
    return "x";
  }
}

function exotic(kind, cx) {
  switch (kind) {
    case "map": return new Map([["projects", []], ["path", "acme/api"]]);
    case "set": return new Set(["acme/api"]);
    case "date": return new Date(0);
    case "regexp": return /acme\/api/g;
    case "u8": return new Uint8Array([97, 47, 98]);
    case "arraybuffer": return new ArrayBuffer(16);
    case "dataview": return new DataView(new ArrayBuffer(8));
    case "error": return Object.assign(new Error("an error as input"), { code: "invalid_input" });
    case "promise": return Promise.resolve("acme/api");
    case "nullproto": return Object.assign(Object.create(null), { path: "acme/api", projects: [] });
    case "boxedString": return new String("acme/api");
    case "boxedNumber": return new Number(5);
    case "boxedBoolean": return new Boolean(false);
    case "protoKey": return JSON.parse('{"__proto__": {"path": "acme/api"}, "path": "acme/ci"}');
    case "constructorKey": return { constructor: "acme/api", path: "acme/api" };
    case "toJSON": return { toJSON: () => "acme/api", path: "acme/api" };
    case "toPrimitiveThrows":
      return {
        [Symbol.toPrimitive]() { throw plant(cx, "error"); },
        toString() { throw plant(cx, "error"); },
        valueOf() { throw plant(cx, "error"); },
      };
    case "holes": return [, "acme/api", , { path: "acme/ci" }, ,]; // eslint-disable-line no-sparse-arrays
    case "frozen": return Object.freeze({ path: "acme/api", projects: Object.freeze([]) });
    case "symbolKey": return { path: "acme/api", [Symbol("x")]: 1 };
    case "nonEnumerable": return Object.defineProperty({ path: "acme/api" }, "hidden", { value: 1, enumerable: false });
    case "classInstance": return new Thing();
    case "arguments": return (function () { return arguments; })("acme/api", 1); // eslint-disable-line prefer-rest-params
    case "weakmap": return new WeakMap();
    case "arrayExtraProps": return Object.assign(["acme/api"], { path: "acme/ci", extra: 1 });
    default: throw new Error(`unknown object kind ${kind}`);
  }
}

/**
 * A hostile change to a generated argument: walk `path` (each number picks a child, modulo its keys + 1;
 * the extra choice is a new key), then put the value there — plainly, behind a getter that throws, or
 * behind a getter that first calls back into the package.
 */
export const mutationArbOf = (options) => fc.record({
  arg: fc.nat(3),
  path: fc.array(fc.nat(), { maxLength: 6 }),
  how: fc.constantFrom("plain", "plain", "plain", "throw", "reenter", "reenterThrow"),
  thrown: fc.constantFrom(...THROWN),
  extraKey: fc.constantFrom("zzz", "__proto__", "constructor", "\uD800", "", "toString", "PATH", "K".repeat(1500), "é".repeat(1100), `acme/${"x".repeat(3000)}`),
  value: hostileArbOf(options),
});
export const mutationArb = mutationArbOf();

const isContainer = (v) => v !== null && typeof v === "object";

/** Applies `m` to `args` (in place; `args` is a fresh copy). A mutation that cannot be applied is skipped. */
export function applyMutation(args, m, cx) {
  const at = m.arg % args.length;
  const install = (parent, key) => {
    const value = materialize(m.value, cx);
    if (parent === null) {
      args[at] = value;
      return;
    }
    const descriptor = { enumerable: true, configurable: true };
    if (m.how === "throw") descriptor.get = () => { throw plant(cx, m.thrown); };
    else if (m.how === "reenter") descriptor.get = () => { reenter(cx); return value; };
    else if (m.how === "reenterThrow") descriptor.get = () => { reenter(cx); throw plant(cx, m.thrown); };
    else Object.assign(descriptor, { value, writable: true });
    Object.defineProperty(parent, key, descriptor);
  };
  try {
    let current = args[at];
    let parent = null;
    let key = null;
    for (const step of m.path) {
      if (!isContainer(current) || Object.isFrozen(current)) break;
      const keys = Object.keys(current).slice(0, 64);
      const n = step % (keys.length + 1);
      parent = current;
      if (n === keys.length) {
        key = Array.isArray(current) ? String(current.length) : m.extraKey;
        break;
      }
      key = keys[n];
      const d = Object.getOwnPropertyDescriptor(current, key);
      if (d === undefined || !("value" in d)) break;
      current = d.value;
    }
    install(parent, key);
  } catch {
    // e.g. walking into a value a previous mutation put there (a Proxy): skip this one
  }
}

/** A getter that calls back into the package while the package is reading the input. */
function reenter(cx) {
  const { api } = cx.pkg;
  cx.reentered++;
  try {
    const d = api.checkGitlabAccess(SENTINEL_WORLD, { source: "acme/ci", target: "acme/api" });
    if (d.reason !== "allowlisted_project") cx.reentryFailures.push(`inner checkGitlabAccess: ${d.reason}`);
    const policy = new api.GitlabPolicy(SENTINEL_WORLD);
    try {
      if (policy.check("acme/ci", "acme/api") !== true) cx.reentryFailures.push("inner GitlabPolicy.check: false");
    } finally {
      policy.free();
    }
    const gate = cx.pkg.createGate({
      issuer: "https://gitlab.example.com", audience: "aud", jwks: { keys: [{ ...publicJwk() }] }, world: SENTINEL_WORLD,
      routes: [{ method: "GET", path: "/projects/:target" }], handler: () => new Response("ok"),
    });
    if (typeof gate?.fetch !== "function") cx.reentryFailures.push("inner createGate returned no gate");
    try {
      api.validateGitlabWorld({ projects: 5 });
      cx.reentryFailures.push("inner validateGitlabWorld({ projects: 5 }) did not throw");
    } catch (error) {
      if (error?.code !== "invalid_input") cx.reentryFailures.push(`inner error: ${describe(error)}`);
    }
  } catch (error) {
    cx.reentryFailures.push(`inner call threw ${describe(error)}`);
  }
}

// ───────────────────────────── checking one outcome (property a) ─────────────────────────────

export function describe(value) {
  try {
    if (value instanceof Error) return `${value.constructor.name} code=${String(value.code)}: ${String(value.message).slice(0, 400)}`;
    if (typeof value === "symbol") return value.toString();
    return `${typeof value} ${String(JSON.stringify(value)).slice(0, 200)}`;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Runs `f`; returns { ok: true, value } or { ok: false, error }. */
export function attempt(f) {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Property (a) for one thrown value: the input's own exception (the same value), or an `Error` with a
 * known `code` and a bounded, non-empty message. Returns "own" | "coded".
 */
export function assertThrownWell(error, cx, what) {
  if (cx.planted.has(error)) return "own";
  // Touching a revoked Proxy, or one breaking the Proxy invariants, throws the JS engine's TypeError:
  // that is the input throwing, too.
  if (cx.revoked && error instanceof TypeError && /revoked/.test(error.message)) return "own";
  if (cx.badProxy && error instanceof TypeError && /on proxy/.test(error.message)) return "own";
  assert.ok(!(error instanceof WebAssembly.RuntimeError), `${what}: a wasm trap: ${describe(error)}`);
  assert.ok(error instanceof Error, `${what}: threw a non-Error: ${describe(error)}`);
  assert.ok(CODES.has(error.code), `${what}: an Error without a known code: ${describe(error)}`);
  assert.equal(typeof error.message, "string", `${what}: message`);
  assert.ok(error.message.length > 0, `${what}: an empty message`);
  const bytes = Buffer.byteLength(error.message, "utf8");
  assert.ok(bytes <= MESSAGE_BYTES, `${what}: a message of ${bytes} bytes, over ${MESSAGE_BYTES}: ${error.message.slice(0, 120)}…`);
  return "coded";
}

/** Asserts one outcome of a call made with context `cx`. */
export function assertOutcome(outcome, cx, what) {
  if (!outcome.ok) {
    const kind = assertThrownWell(outcome.error, cx, what);
    // The input threw while being read, and something else came back: the input's own exception was
    // swallowed or replaced (README: it "reaches the caller unchanged").
    if (kind === "coded" && cx.threw) {
      assert.fail(`${what}: the input threw ${[...cx.planted].map(describe).join(", ")}, but the call threw ${describe(outcome.error)}`);
    }
  } else if (cx.threw) {
    assert.fail(`${what}: the input threw ${[...cx.planted].map(describe).join(", ")}, but the call returned ${describe(outcome.value)}`);
  }
  assert.deepEqual(cx.reentryFailures, [], `${what}: calls made from inside a getter`);
}

// ───────────────────────────── the calls of property a ─────────────────────────────

const EXPORTS = [
  "checkGitlabAccess", "resolveGitlabScope", "validateGitlabWorld", "compactGitlabAllowlist", "checkGitlabEdit",
  "resolveAzureScope", "checkAzureAccess", "validateAzureConfig", "GitlabPolicy", "createGate",
  "version", "gitlabVersions", "gitlabPermissions", "azureProducts",
];

/** One generated call: `{ fn, args, mutations }` (args are data: `finalize` and mutations make them real). */
export function callArb(u, { small = false } = {}) {
  return fc
    .tuple(fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...EXPORTS.slice(0, 10)) }, { weight: 1, arbitrary: fc.constantFrom(...EXPORTS.slice(10)) }), worldArb(u))
    .chain(([fn, { world, paths }]) => {
      const project = projectRef(paths);
      const query = fc.tuple(projectRef(paths), projectRef(paths), opt(fc.constantFrom(...u.requestable)));
      const tables = fc.tuple(fc.constant(world));
      const args = {
        checkGitlabAccess: fc.tuple(fc.constant(world), requestArb(u, paths)),
        resolveGitlabScope: fc.tuple(fc.constant(world), project),
        validateGitlabWorld: fc.tuple(fc.constant(world)),
        compactGitlabAllowlist: fc.tuple(fc.constant(world), project, opt(fc.constantFrom(0, 1, 2, 3, 5, 200, -0, -1, 1.5, 2 ** 32, 2 ** 53, Number.MAX_VALUE, NaN, Infinity, null))),
        checkGitlabEdit: fc.tuple(fc.constant(world), editArb(u, paths)),
        resolveAzureScope: fc.tuple(azureConfigArb(u)),
        checkAzureAccess: fc.tuple(azureConfigArb(u), azureResourceArb),
        validateAzureConfig: fc.tuple(azureConfigArb(u)),
        GitlabPolicy: fc.tuple(fc.constant(world), query, query, query),
        createGate: fc.tuple(gateConfigArb(u, world, paths)),
        version: tables,
        gitlabVersions: tables,
        gitlabPermissions: tables,
        azureProducts: tables,
      }[fn];
      const mutations = fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(mutationArbOf({ small }), { minLength: 1, maxLength: 3 }) });
      return fc.record({ fn: fc.constant(fn), args, mutations });
    });
}

/** The arguments of `call`, made real: a fresh copy, placeholders filled, mutations applied. */
export function buildArgs(call, cx) {
  const args = call.args.map((a) => finalize(a));
  for (const m of call.mutations) applyMutation(args, m, cx);
  return args;
}

/**
 * Runs one generated call (for GitlabPolicy: the constructor, check and explain of each query, free);
 * returns one `{ what, outcome, threw, planted, reentryFailures }` per call made into the package.
 */
export function execute(pkg, call, cx) {
  const { api, createGate } = pkg;
  const args = buildArgs(call, cx);
  const out = [];
  const record = (what, f) => {
    // What the input threw while the arguments were built does not count for this call.
    cx.threw = false;
    cx.planted = new Set();
    cx.reentryFailures = [];
    const outcome = attempt(f);
    // (b) after every call into the package: the instance still answers the sentinel.
    pkg.sentinel(what);
    out.push({ what, outcome, threw: cx.threw, planted: cx.planted, revoked: cx.revoked, badProxy: cx.badProxy, reentryFailures: cx.reentryFailures });
    return outcome;
  };
  switch (call.fn) {
    case "GitlabPolicy": {
      const made = record("new GitlabPolicy", () => new api.GitlabPolicy(args[0]));
      if (made.ok) {
        const policy = made.value;
        try {
          for (const q of args.slice(1)) {
            // Three arguments, read here (a mutation may have made the query a Proxy, or a sparse array
            // too long to spread): reading them is the harness's business, not the package's.
            let query;
            try {
              query = Array.isArray(q) ? [q[0], q[1], q[2]] : [q];
            } catch {
              continue;
            }
            record("GitlabPolicy.check", () => policy.check(...query));
            record("GitlabPolicy.explain", () => policy.explain(...query));
          }
        } finally {
          record("GitlabPolicy.free", () => policy.free());
        }
      }
      break;
    }
    case "createGate":
      record("createGate", () => {
        const gate = createGate(args[0]);
        assert.equal(typeof gate?.fetch, "function", "createGate returned no gate");
        return "a gate";
      });
      break;
    default:
      record(call.fn, () => api[call.fn](...args));
  }
  return out;
}

/** Property (a) (and the sentinel, b) for every call `execute` made. */
export function assertCalls(pkg, results, after) {
  for (const r of results) assertOutcome(r.outcome, r, r.what);
  pkg.sentinel(after);
}

// ───────────────────────────── the properties ─────────────────────────────

/**
 * Each: `{ name, runs, make() }` — `runs` is the short run's default number of runs, `make` builds the
 * fast-check property.
 */
export function properties(pkg) {
  const u = pkg.universe;
  const { api } = pkg;
  const { GitlabPolicy, checkGitlabAccess } = api;

  // (a) + (b)
  const codedErrors = {
    name: "coded-errors",
    runs: 3000,
    make: () =>
      fc.property(callArb(u), (call) => {
        assertCalls(pkg, execute(pkg, call, newCallContext(pkg)), call.fn);
      }),
  };

  // (c) good requests
  const goodQuery = (paths) =>
    fc.tuple(refTo(paths), refTo(paths), fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom(...u.requestable)));
  const agrees = {
    name: "policy-agrees",
    runs: 1000,
    make: () =>
      fc.property(
        worldArb(u).chain(({ world, paths }) => fc.tuple(fc.constant(world), fc.array(goodQuery(paths), { minLength: 1, maxLength: 12 }))),
        ([world, queries]) => {
          const compiled = attempt(() => new GitlabPolicy(world));
          if (!compiled.ok) {
            assertThrownWell(compiled.error, newCallContext(pkg), "new GitlabPolicy");
            const direct = attempt(() => checkGitlabAccess(world, { source: queries[0][0], target: queries[0][1] }));
            assert.ok(!direct.ok, `new GitlabPolicy threw ${describe(compiled.error)} but checkGitlabAccess answered`);
            return;
          }
          const policy = compiled.value;
          try {
            for (const q of queries) compareDoors(pkg, world, policy, q);
          } finally {
            policy.free();
          }
          pkg.sentinel("policy-agrees");
        },
      ),
  };

  // (c) bad requests: each of source / target / permission is good or bad
  const badArg = (paths, role) =>
    fc.oneof(
      { weight: 4, arbitrary: role === "permission" ? fc.constantFrom(...u.requestable).map((v) => ({ t: "str", s: v })) : refTo(paths).map((v) => ({ t: "str", s: v })) },
      { weight: 1, arbitrary: fc.constant({ t: "undef" }) },
      { weight: 1, arbitrary: fc.constant({ t: "null" }) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "nope/x", "", "/", "//", "read_foo", "admin_repositories", "READ_JOBS", "read_jobs ", " acme/api", "acme//api", "acme/api/", "\uFFFD",
          "./acme/api", "acme/../api", "acme/api\u0000", "ACME/API", "a/".repeat(31) + "x", "a/".repeat(32) + "x", "a/".repeat(200) + "x",
        ).map((s) => ({ t: "str", s })),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant("lone"), base: fc.constantFrom(...paths, "read_jobs"), at: fc.constantFrom("start", "end", "middle"), unit: fc.constantFrom("\uD800", "\uDFFF") }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant("long"), n: fc.constantFrom(MiB, MiB + 1, 5000), base: fc.constantFrom(paths[0] + "/", "read_", ""), unit: fc.constantFrom("x", "\uD83D\uDE00", "é") }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant("num"), v: fc.constantFrom("NaN", "0", "-0", "1.5", "Infinity") }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constantFrom("sym", "fn", "true", "emptyObject", "emptyArray") }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant("big"), v: fc.constant("1") }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant("obj"), kind: fc.constantFrom("boxedString", "arrayExtraProps", "toJSON", "map") }) },
    );
  const agreesBad = {
    name: "policy-agrees-bad",
    runs: 600,
    make: () =>
      fc.property(
        worldArb(u).chain(({ world, paths }) =>
          fc.tuple(fc.constant(world), fc.array(fc.tuple(badArg(paths, "source"), badArg(paths, "target"), badArg(paths, "permission")), { minLength: 1, maxLength: 8 })),
        ),
        ([world, specs]) => {
          const compiled = attempt(() => new GitlabPolicy(world));
          if (!compiled.ok) return; // property policy-agrees covers worlds that do not compile
          const policy = compiled.value;
          try {
            for (const spec of specs) {
              const cx = newCallContext(pkg);
              compareDoors(pkg, world, policy, spec.map((s) => materialize(s, cx)));
            }
          } finally {
            policy.free();
          }
          pkg.sentinel("policy-agrees-bad");
        },
      ),
  };

  // (d)
  const freed = {
    name: "freed-policy",
    runs: 20,
    make: () =>
      fc.property(
        worldArb(u).chain(({ world, paths }) =>
          fc.tuple(
            fc.constant(world),
            fc.array(fc.tuple(fc.oneof(refTo(paths), hostileArb), fc.oneof(refTo(paths), hostileArb), fc.oneof(fc.constantFrom(...u.requestable), hostileArb)), { minLength: 1, maxLength: 5 }),
            fc.constantFrom(1000, 2000, 3000),
          ),
        ),
        ([world, queries, rounds]) => {
          const compiled = attempt(() => new GitlabPolicy(world));
          if (!compiled.ok) return;
          const policy = compiled.value;
          const cx = newCallContext(pkg);
          const made = queries.map((q) => q.map((v) => (typeof v === "string" ? v : materialize(v, cx))));
          // Used before free: fine (or a coded error), and warms the memo.
          for (const q of made) attempt(() => policy.check(...q));
          policy.free();
          for (let i = 0; i < rounds; i++) {
            const q = made[i % made.length];
            for (const door of ["check", "explain"]) {
              const r = attempt(() => policy[door](...q));
              assert.ok(!r.ok, `${door} after free() answered ${describe(r.value)}`);
              assert.ok(r.error instanceof Error && r.error.code === "invalid_input", `${door} after free() threw ${describe(r.error)}`);
              assert.match(r.error.message, /freed/, `${door} after free()`);
            }
            const again = attempt(() => policy.free());
            assert.ok(again.ok && again.value === undefined, `free() again: ${describe(again.error ?? again.value)}`);
          }
          pkg.sentinel("freed-policy");
        },
      ),
  };

  // (e)
  const compaction = {
    name: "compaction-exact",
    runs: 800,
    make: () =>
      fc.property(
        worldArb(u, { versions: u.groupVersions, maxProjects: 12, maxEntries: 9 }).chain(({ world, paths }) =>
          fc.tuple(fc.constant(world), fc.nat(paths.length - 1), opt(fc.constantFrom(0, 1, 2, 3, 4))),
        ),
        ([world, index, limit]) => {
          const project = world.projects[index].path;
          // Exact where the allowlist decides (restricted entries included): admitsAlso names exactly the
          // sources some request of which flips to allowed.
          checkCompaction(pkg, allowlistDecides(world, project, { defaults: true }), project, limit, { exact: true });
          checkCompaction(pkg, allowlistDecides(world, project), project, limit, { exact: true });
          // Any world: admitsAlso as documented, and no flip it does not explain.
          checkCompaction(pkg, world, project, limit);
        },
      ),
  };

  // (f)
  const memory = {
    name: "memory-flat",
    runs: 3,
    make: () =>
      // A run takes a second or two, so shrinking is kept short (a failure is still replayable by seed and path).
      fc.asyncProperty(fc.limitShrink(fc.array(callArb(u, { small: true }), { minLength: 30, maxLength: 80 }), 40), fc.constantFrom(30, 40), async (calls, rounds) => {
        await memoryFlatInWorker(calls, rounds, pkg.dir);
      }),
  };

  // (g) GitlabPolicy.fromJSON(JSON.stringify(v)) ≡ new GitlabPolicy(v) for JSON values v: generated worlds,
  // worlds with one part replaced by any JSON value, and any JSON value; and any text is JSON or a coded error.
  const jsonish = fc.jsonValue({ maxDepth: 4 });
  const worldWithJunk = worldArb(u).chain(({ world }) =>
    fc.tuple(fc.constantFrom("version", "instance", "projects", "users", "groups", "extra"), jsonish, fc.nat(), jsonish).map(([key, junk, i, deep]) => {
      const copy = structuredClone(world);
      if (key === "projects" && copy.projects.length > 0) copy.projects[i % copy.projects.length] = deep;
      else copy[key] = junk;
      return copy;
    }),
  );
  const fromJSONAgrees = {
    name: "from-json-agrees",
    runs: 500,
    make: () =>
      fc.property(
        fc.oneof({ weight: 3, arbitrary: worldArb(u).map((w) => w.world) }, { weight: 3, arbitrary: worldWithJunk }, { weight: 1, arbitrary: jsonish }),
        fc.boolean(),
        (world, bytes) => {
          const text = JSON.stringify(world, null, bytes ? 0 : 1);
          const input = bytes ? new TextEncoder().encode(text) : text;
          const expected = attempt(() => new GitlabPolicy(world));
          const got = attempt(() => GitlabPolicy.fromJSON(input));
          try {
            assert.equal(got.ok, expected.ok, `fromJSON ${got.ok ? "answered" : `threw ${describe(got.error)}`}, the constructor ${expected.ok ? "answered" : `threw ${describe(expected.error)}`}`);
            if (!got.ok) {
              assert.deepEqual([got.error.code, got.error.message], [expected.error.code, expected.error.message]);
              return;
            }
            const paths = (world.projects ?? []).map((p) => (typeof p === "string" ? p : p?.path)).filter((p) => typeof p === "string").slice(0, 6);
            for (const s of paths) {
              for (const t of paths) {
                for (const permission of [undefined, ...u.requestable.slice(0, 4)]) {
                  const [e, g] = [attempt(() => expected.value.explain(s, t, permission)), attempt(() => got.value.explain(s, t, permission))];
                  assert.deepEqual(g.ok ? g.value : [g.error.code, g.error.message], e.ok ? e.value : [e.error.code, e.error.message], `${s} → ${t} ${permission}`);
                  if (e.ok) assert.equal(got.value.check(s, t, permission), e.value.allowed);
                }
              }
            }
          } finally {
            if (expected.ok) expected.value.free();
            if (got.ok) got.value.free();
          }
          pkg.sentinel("from-json-agrees");
        },
      ),
  };
  const fromJSONText = {
    name: "from-json-text",
    runs: 1000,
    make: () =>
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 60 }),
          fc.string({ unit: fc.constantFrom(..."{}[]:,\"\\ \n\t01-.eE+truefalsnul\u00e9\ud800"), maxLength: 60 }),
          worldArb(u).chain(({ world }) => fc.tuple(fc.constant(JSON.stringify(world)), fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 }))).map(([t, at, cut, put]) => {
            const i = at % (t.length + 1);
            return t.slice(0, i) + put + t.slice(i + cut);
          }),
        ),
        fc.boolean(),
        (text, bytes) => {
          const r = attempt(() => GitlabPolicy.fromJSON(bytes ? new TextEncoder().encode(text) : text));
          if (r.ok) r.value.free();
          else {
            assertThrownWell(r.error, newCallContext(pkg), "GitlabPolicy.fromJSON");
            assert.ok(["invalid_input", "unsupported_version"].includes(r.error.code), describe(r.error));
          }
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            assert.ok(!r.ok && /invalid JSON at line \d+, column \d+: expected /.test(r.error.message), `not JSON: ${describe(r.error ?? r.value)}`);
          }
          if (parsed !== undefined && !bytes) {
            const expected = attempt(() => new GitlabPolicy(parsed));
            if (expected.ok) expected.value.free();
            assert.deepEqual(r.ok ? "ok" : [r.error.code, r.error.message], expected.ok ? "ok" : [expected.error.code, expected.error.message]);
          }
          pkg.sentinel("from-json-text");
        },
      ),
  };

  return [codedErrors, agrees, agreesBad, freed, compaction, memory, fromJSONAgrees, fromJSONText];
}

/**
 * Property (c) for one query [source, target, permission]: `check` (twice: the second time from the
 * memo), `explain` and `checkGitlabAccess` agree — the same answer, or errors with the same code.
 */
function compareDoors(pkg, world, policy, q) {
  const { checkGitlabAccess } = pkg.api;
  const label = `query ${describeQuery(q)}`;
  const request = { source: q[0], target: q[1], permission: q[2] };
  const direct = attempt(() => checkGitlabAccess(world, request));
  const check1 = attempt(() => policy.check(q[0], q[1], q[2]));
  const check2 = attempt(() => policy.check(q[0], q[1], q[2]));
  const explained = attempt(() => policy.explain(q[0], q[1], q[2]));
  const cx = newCallContext(pkg);
  if (direct.ok) {
    for (const [door, r] of [["check", check1], ["check (memo)", check2], ["explain", explained]]) {
      assert.ok(r.ok, `${label}: checkGitlabAccess answered ${direct.value.reason} but ${door} threw ${describe(r.error)}`);
    }
    assert.equal(check1.value, direct.value.allowed, `${label}: check ≠ checkGitlabAccess(..).allowed (${direct.value.reason})`);
    assert.equal(check2.value, direct.value.allowed, `${label}: check from the memo ≠ checkGitlabAccess(..).allowed`);
    assert.deepEqual(explained.value, direct.value, `${label}: explain ≠ checkGitlabAccess`);
  } else {
    assertThrownWell(direct.error, cx, `${label}: checkGitlabAccess`);
    for (const [door, r] of [["check", check1], ["check (memo)", check2], ["explain", explained]]) {
      assert.ok(!r.ok, `${label}: checkGitlabAccess threw ${describe(direct.error)} but ${door} answered ${describe(r.value)}`);
      assertThrownWell(r.error, cx, `${label}: ${door}`);
      // Issue item: "For the same bad request check and checkGitlabAccess may throw different codes
      // (validation order)". Asserted: the same code. It holds on this build (no disagreement in some
      // 20,000 runs, nor in an exhaustive grid of good / unknown / wrong-type / lone-surrogate / too-long /
      // too-deep values for each argument); the location agrees too, only the wording differs: for a
      // wrong type checkGitlabAccess says "target: expected a string, found a number" where check and
      // explain say "target: expected a string".
      assert.equal(r.error.code, direct.error.code, `${label}: ${door} threw ${describe(r.error)} but checkGitlabAccess threw ${describe(direct.error)}`);
    }
  }
  pkg.sentinel(label);
}

function describeQuery(q) {
  return `[${q.map((v) => (typeof v === "string" && v.length > 80 ? `"${v.slice(0, 40)}…" (${v.length} units)` : describe(v).replace(/^(string|number|undefined|object|boolean) /, ""))).join(", ")}]`;
}

/**
 * The world with the allowlist as the only thing deciding whether another project reaches `project`:
 * its inbound allowlist enforced, and no source limiting its own token (the deprecated outbound
 * setting). Elsewhere `admitsAlso` (which projects the new allowlist admits that the old one did not)
 * and the decisions differ by construction: a target that does not enforce its allowlist lets every
 * source in before and after, and a source whose outbound limit refuses the target stays refused.
 * With `defaults`, the target's entries also grant the default permissions (no fine-grained entries).
 */
export function allowlistDecides(world, project, { defaults = false } = {}) {
  const w = structuredClone(world);
  for (const p of w.projects) {
    if (p.path === project) {
      p.inbound = { ...p.inbound, enabled: true };
      if (defaults) {
        const plain = (e) => (typeof e === "string" ? e : e.path);
        if (p.inbound.projects) p.inbound.projects = p.inbound.projects.map(plain);
        if (p.inbound.groups) p.inbound.groups = p.inbound.groups.map(plain);
      }
    } else if (p.outbound !== undefined) {
      p.outbound = { ...p.outbound, enabled: false };
    }
  }
  return w;
}

const pathKey = (p) => p.toLowerCase().replace(/^\/+|\/+$/g, "");

/**
 * Property (e). `compactGitlabAllowlist(world, project, limit)` proposes an allowlist; `after` is the
 * world with it in place of `project`'s. A source "flips" when some request of it to `project` (no
 * permission, or any permission a request may name; no user) is denied before and allowed after.
 *
 * - `exact` (asserted for worlds from `allowlistDecides`, where the target enforces its allowlist and no
 *   source limits its outbound reach): the projects `admitsAlso` names are exactly the sources that flip,
 *   restricted entries included (a source whose only-its-policies entry is merged into a group entry
 *   with the default permissions flips, and is named).
 * - always (any world): every source `admitsAlso` names is admitted by the proposal, and every source the
 *   proposal newly admits is named.
 */
export function checkCompaction(pkg, world, project, limit, { exact = false } = {}) {
  const { compactGitlabAllowlist, checkGitlabAccess } = pkg.api;
  const result = attempt(() => compactGitlabAllowlist(world, project, limit));
  if (!result.ok) {
    assertThrownWell(result.error, newCallContext(pkg), "compactGitlabAllowlist");
    return null;
  }
  const proposal = result.value;
  const count = proposal.projects.length + proposal.groups.length;
  if (limit !== undefined) assert.ok(count <= limit, `${count} entries over the limit ${limit}`);
  const after = structuredClone(world);
  const target = after.projects.find((p) => p.path === project);
  const entry = (e) => ({ path: e.path, defaultPermissions: e.defaultPermissions, policies: e.policies });
  target.inbound = { ...target.inbound, projects: proposal.projects.map(entry), groups: proposal.groups.map(entry) };

  // Which sources an allowlist admits as entries: a project entry, or a group entry above the source.
  const entryPath = (e) => pathKey(typeof e === "string" ? e : e.path);
  const admits = (list, source) =>
    (list.projects ?? []).some((e) => entryPath(e) === source) || (list.groups ?? []).some((e) => source.startsWith(`${entryPath(e)}/`));
  const old = world.projects.find((p) => p.path === project).inbound ?? {};

  const listed = new Set(Object.values(proposal.admitsAlso).flat().map(pathKey));
  const newlyAdmitted = new Set();
  const flipped = new Set();
  // Requests without a permission with checkGitlabAccess (the brief's words); with each permission, by
  // GitlabPolicy.check (twenty times faster; that it agrees with checkGitlabAccess is property c).
  const policies = [new pkg.api.GitlabPolicy(world), new pkg.api.GitlabPolicy(after)];
  try {
    for (const { path } of world.projects) {
      const source = pathKey(path);
      if (source === pathKey(project)) continue;
      if (admits(proposal, source) && !admits(old, source)) newlyAdmitted.add(source);
      const request = { source: path, target: project };
      if (!checkGitlabAccess(world, request).allowed && checkGitlabAccess(after, request).allowed) flipped.add(source);
      for (const permission of pkg.universe.requestable) {
        if (flipped.has(source)) break;
        if (!policies[0].check(path, project, permission) && policies[1].check(path, project, permission)) flipped.add(source);
      }
    }
  } finally {
    for (const policy of policies) policy.free();
  }
  const shown = (set) => JSON.stringify([...set].sort());
  const context = `admitsAlso ${JSON.stringify(proposal.admitsAlso)}; proposal: projects ${JSON.stringify(proposal.projects.map((e) => e.path))}, groups ${JSON.stringify(proposal.groups.map((e) => e.path))}`;
  if (exact) {
    assert.equal(shown(listed), shown(flipped), `the projects admitsAlso names ≠ the sources whose decision flips to allowed (${context})`);
  }
  for (const source of newlyAdmitted) assert.ok(listed.has(source), `${source} is newly admitted but not named (${context})`);
  for (const source of listed) assert.ok(admits(proposal, source), `${source} is named but not admitted (${context})`);
  pkg.sentinel("compaction-exact");
  return { listed: listed.size, flipped: flipped.size };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A small world: a compiled GitlabPolicy of it is the unit `checkMemoryFlat` fills the free heap with. */
const PIN_WORLD = { version: "18.3", projects: [{ path: "pin/a" }, { path: "pin/b", inbound: { projects: ["pin/a"] } }] };

/**
 * Property (f). Observed from outside: the wasm memory's size (`memory.buffer.byteLength`, from the glue's
 * `initSync()`, which hands back the instance it holds), the externref table's length, and how many
 * compiled GitlabPolicy objects of a small world fit in the free heap before the memory must grow
 * (`probe`). `process.memoryUsage().arrayBuffers` / `external` do not count wasm memory, and the
 * allocator's own figures are not exported.
 *
 * Growth alone is a blunt measure: the memory grows geometrically (a quarter of its size at a time,
 * src/wasm/alloc.rs) and a large input leaves much of it free, so a leak can hide for a long time. So,
 * in a fresh instance (a copy of pkg/):
 * 1. the list of calls is made `warmup` times (the memory grows to what these inputs need);
 * 2. two probes: each fills the free heap with policies until the memory grows, counts them, frees them.
 *    The second finds the first's growth free too, which prices one policy: growth ÷ extra policies;
 * 3. the list is made `rounds` more times: the memory and the externref table must not grow at all;
 * 4. a third probe must find as much free heap as the second left (its count plus its growth), within a
 *    tolerance: what is missing is what the rounds kept (`leakBytes`).
 * Between rounds: a full GC and turns of the event loop, so that FinalizationRegistry callbacks free what
 * only the GC frees (a createGate's engine: a gate has no free()).
 */
export async function checkMemoryFlat(fresh, calls, rounds, { warmup = 2, toleranceBytes = 32 * 1024 } = {}) {
  assert.ok(
    Number.isFinite(fresh.memoryBytes()) && Number.isFinite(fresh.externrefs()),
    "cannot observe the wasm memory: the glue's initSync() no longer hands back the instance's exports",
  );
  const settle = async () => {
    gc();
    await tick();
    await tick();
  };
  const once = () => {
    for (const call of calls) assertCalls(fresh, execute(fresh, call, newCallContext(fresh)), call.fn);
  };
  const probe = () => {
    const pins = [];
    const before = fresh.memoryBytes();
    try {
      while (fresh.memoryBytes() === before && pins.length < 2_000_000) pins.push(new fresh.api.GitlabPolicy(PIN_WORLD));
      return { count: pins.length - 1, growth: fresh.memoryBytes() - before };
    } finally {
      for (const pin of pins) pin.free();
    }
  };
  for (let i = 0; i < warmup; i++) {
    once();
    await settle();
  }
  const first = probe();
  const second = probe();
  const extra = second.count - first.count;
  const policyBytes = extra > 0 ? first.growth / extra : NaN;
  const memory = fresh.memoryBytes();
  const table = fresh.externrefs();
  for (let i = 0; i < rounds; i++) {
    once();
    await settle();
    const grown = fresh.memoryBytes() - memory;
    assert.ok(grown <= 0, `round ${i + 1} of the same ${calls.length} calls grew the wasm memory by ${grown} bytes (from ${memory})`);
    assert.ok(fresh.externrefs() <= table, `round ${i + 1}: the externref table grew from ${table} to ${fresh.externrefs()} slots`);
  }
  const third = probe();
  const leakBytes = Number.isFinite(policyBytes) ? (second.count - third.count) * policyBytes + second.growth : 0;
  assert.ok(
    leakBytes <= toleranceBytes,
    `${rounds} rounds of the same ${calls.length} calls left ${Math.round(leakBytes)} bytes of the heap used (probes: ${JSON.stringify([first, second, third])}, ${policyBytes.toFixed(0)} bytes a policy)`,
  );
  return { memory, policyBytes, leakBytes, probes: [first, second, third] };
}

// ───────────────────────────── running and reporting ─────────────────────────────

/**
 * Runs property `p` with fast-check's `fc.check` (`options`: numRuns, seed, path, interruptAfterTimeLimit,
 * ...); resolves with its details. A time limit that interrupts before the first run does not count as a
 * failure (fast-check reports one): then one run is made without the limit.
 */
export async function runProperty(p, options) {
  const details = await fc.check(p.make(), { endOnFailure: options.path !== undefined, ...options });
  if (details.failed && details.interrupted && details.counterexample === null && details.numRuns === 0) {
    const { interruptAfterTimeLimit, markInterruptAsFailure, ...rest } = options; // eslint-disable-line no-unused-vars
    return await fc.check(p.make(), { ...rest, numRuns: 1 });
  }
  return details;
}

/** A failure's report: fast-check's (seed, path, counterexample, shrinks), the error, how to replay it. */
export function failureReport(p, details) {
  const clip = (text, n) => (text.length > n ? `${text.slice(0, n)}… [${text.length - n} more characters]` : text);
  const error = details.errorInstance;
  const replay = `--property ${p.name} --seed=${details.seed} --path=${details.counterexamplePath}`;
  return [
    `property ${p.name}: FAILED (a counterexample)`,
    clip(fc.defaultReportMessage(details) ?? "", 20_000),
    `error: ${clip(String(error instanceof Error ? error.message : error), 6_000)}`,
    `replay: node fuzz/js/run.mjs ${replay}`,
    `    or: FUZZ_JS_PROPERTY=${p.name} FUZZ_JS_SEED=${details.seed} FUZZ_JS_PATH=${details.counterexamplePath} node --test tests/js/fuzz.test.mjs`,
  ].join("\n");
}

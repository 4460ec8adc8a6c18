// The performance benchmark of job-token-scope (issue 8): `node bench/run.mjs` from the repository root,
// after `make pkg` and `(cd bench && npm ci)`. Measures, in one run on one machine:
//
//   - GitlabPolicy.check per call on a small, medium and large world (bench/worlds.mjs), explain,
//     one-shot checkGitlabAccess, resolveGitlabScope on the large world, a 1,000 × 1,000 access matrix,
//     the compile time and wasm memory of the 100,000-project world;
//   - the same decisions by a hand-written plain-JS implementation (bench/baseline.mjs) and by Cedar
//     (@cedar-policy/cedar-wasm, bench/cedar.mjs) — after checking that all of them agree on every
//     decision of the benchmark's query sets (the first disagreement stops the run);
//   - cold start (fresh node process; workerd when node_modules/workerd exists) and the .wasm sizes.
//
// Prints one table (markdown) and writes it to bench/results.md. Per-call numbers are the median of 5
// batches after a warm-up; expensive operations (compile, resolve of the large world) are repeated as
// often as a time budget allows (median, or the single run when one run exceeds it).

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

import { BaselinePolicy } from "./baseline.mjs";
import {
  BENCH, PKG, TINY_WORLD, copyPackageForWorkerd, firstQueries, fmtBytes, fmtRatio, fmtStat, importPackage,
  loopOver, machineLine, makeLog, P, perOp, perRun, ratio, sinkBit, startWorkerd, stats, workerdBinary, workerdConfig, markdownTable,
} from "./common.mjs";
import { makeQueries, makeWorld } from "./worlds.mjs";

const started = performance.now();
const log = makeLog(started);

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

// The package (retrying while another build rewrites pkg/), with a way to its wasm memory.
const { api: jts, memory: wasmMemory, wasmBytes } = await importPackage({ log });
const { GitlabPolicy, checkGitlabAccess, resolveGitlabScope } = jts;

const require = createRequire(join(BENCH, "package.json"));
const cedarMod = await import("./cedar.mjs");
const { cedar, CedarWorld, isAuthorized, isAuthorizedPreparsed, preparse, allowed: cedarAllowed } = cedarMod;

// ───────────────────────────── rows and targets ─────────────────────────────

let sink = 0;
const rows = [];
const targets = [];
function row(measurement, { ours, js, cedarIa, cedarPre, target = "", fmt = fmtStat, vs = true } = {}) {
  rows.push([
    measurement,
    typeof ours === "string" ? ours : fmt(ours),
    typeof js === "string" ? js : fmt(js),
    typeof cedarIa === "string" ? cedarIa : fmt(cedarIa),
    typeof cedarPre === "string" ? cedarPre : fmt(cedarPre),
    vs ? fmtRatio(ratio(js, ours)) : "—",
    vs ? fmtRatio(ratio(cedarIa, ours)) : "—",
    vs ? fmtRatio(ratio(cedarPre, ours)) : "—",
    target,
  ]);
}
function verdict(name, pass) {
  targets.push({ name, pass });
  return `${name}: **${pass ? "PASS" : "FAIL"}**`;
}

// ───────────────────────────── agreement ─────────────────────────────

function agree(name, world, policy, base, cw, q, { oneShot = 0, cedarOneShot = 0, preparsed = q.count } = {}) {
  const fail = (i, what) => {
    const [s, t, p] = [q.sources[i], q.targets[i], q.permissions[i]];
    const d = policy.explain(s, t, p);
    throw new Error(
      `DISAGREEMENT in the ${name} world, query ${i} { source: ${s}, target: ${t}, permission: ${p} }: ${what}\n` +
      `  job-token-scope explain: ${d.allowed} ${d.reason}\n  ${d.trace.map((x) => `${x.step}=${x.outcome}: ${x.detail}`).join("\n  ")}`,
    );
  };
  let allowedCount = 0;
  const reasons = {};
  for (let i = 0; i < q.count; i++) {
    const [s, t, p] = [q.sources[i], q.targets[i], q.permissions[i]];
    const ours = policy.check(s, t, p);
    const d = policy.explain(s, t, p);
    const b = base.check(s, t, p);
    const c = isAuthorized(cw, s, t, p);
    let cp = ours;
    if (i < preparsed) {
      preparse(cw, t);
      cp = isAuthorizedPreparsed(cw, s, t, p);
    }
    if (d.allowed !== ours) fail(i, `check ${ours} but explain ${d.allowed}`);
    if (b !== ours) fail(i, `check ${ours} but the plain-JS baseline ${b}`);
    if (c !== ours) fail(i, `check ${ours} but Cedar isAuthorized ${c}`);
    if (cp !== ours) fail(i, `check ${ours} but Cedar statefulIsAuthorized ${cp}`);
    if (i < oneShot) {
      const one = checkGitlabAccess(world, p === undefined ? { source: s, target: t } : { source: s, target: t, permission: p });
      if (one.allowed !== ours || one.reason !== d.reason) fail(i, `check ${ours} but checkGitlabAccess ${one.allowed} ${one.reason}`);
    }
    if (i < cedarOneShot) {
      const c1 = cedarAllowed(cedar.isAuthorized(wholeWorldCall(cw, s, t, p)));
      if (c1 !== ours) fail(i, `check ${ours} but Cedar isAuthorized over the whole world ${c1}`);
    }
    allowedCount += ours;
    reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
  }
  return { allowedShare: allowedCount / q.count, reasons };
}

function wholeWorldCall(cw, s, t, p) {
  cw.whole ??= cw.wholeWorld();
  return {
    principal: { type: "Project", id: s },
    action: { type: "Action", id: p ?? "use_job_token" },
    resource: { type: "Project", id: t },
    context: {},
    policies: { staticPolicies: cw.whole.policies },
    entities: cw.whole.entities,
  };
}

// ───────────────────────────── cold start ─────────────────────────────

function childRuns(code, runs = 11) {
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: BENCH, encoding: "utf8", timeout: 60_000 });
    if (out.status !== 0) throw new Error(`cold-start child failed: ${out.stderr}`);
    samples.push(JSON.parse(out.stdout.trim().split("\n").pop()));
  }
  const pick = (k) => stats(samples.map((s) => s[k] * 1e6));
  return { load: pick("load"), first: pick("first") };
}

/**
 * Cold start in fresh node processes, measured inside them with performance.now(): `load` = the import
 * (for our package: read the .wasm, compile, instantiate, the glue's ES modules), `first` = the import
 * and the first decision. Each is measured twice: as the process's very first import of a file, and
 * after importing a small ES module (bench/worlds.mjs) first — Node's own first-file-import cost (~3–5
 * ms, paid by any ES-module application before it imports anything) is then not counted.
 */
function coldStarts() {
  const warmUrl = pathToFileURL(join(BENCH, "worlds.mjs")).href;
  const pkgUrl = pathToFileURL(join(PKG, "node.js")).href;
  const baseUrl = pathToFileURL(join(BENCH, "baseline.mjs")).href;
  const cedarPath = require.resolve("@cedar-policy/cedar-wasm/nodejs");
  const world = JSON.stringify(TINY_WORLD);
  const impls = {
    ours: {
      load: `const m = await import(${JSON.stringify(pkgUrl)});`,
      decide: `const p = new m.GitlabPolicy(${world}); const ok = p.check("acme/ci", "acme/api");`,
    },
    js: {
      load: `const m = await import(${JSON.stringify(baseUrl)});`,
      decide: `const ok = new m.BaselinePolicy(${world}).check("acme/ci", "acme/api");`,
    },
    ced: {
      load: `const m = createRequire(import.meta.url)(${JSON.stringify(cedarPath)});`,
      decide: `const a = m.isAuthorized({ principal: { type: "Project", id: "acme/ci" }, action: { type: "Action", id: "use_job_token" },
        resource: { type: "Project", id: "acme/api" }, context: {},
        policies: { staticPolicies: 'permit (principal in Project::"acme/ci", action, resource == Project::"acme/api");' },
        entities: [{ uid: { type: "Project", id: "acme/ci" }, attrs: {}, parents: [{ type: "Group", id: "acme" }] }] });
        const ok = a.type === "success" && a.response.decision === "allow";`,
    },
  };
  const result = {};
  for (const [name, { load, decide }] of Object.entries(impls)) {
    const program = (warm) => `import { createRequire } from "node:module";
      const t0 = performance.now();
      ${warm ? `await import(${JSON.stringify(warmUrl)});` : ""}
      const t1 = performance.now();
      ${load}
      const t2 = performance.now();
      ${decide}
      const t3 = performance.now();
      if (!ok) throw new Error("wrong answer");
      console.log(JSON.stringify({ load: t2 - t1, first: t3 - t1 }));`;
    result[name] = { cold: childRuns(program(false)), warm: childRuns(program(true)) };
  }
  return result;
}

/** workerd: spawn `workerd serve` on a config importing the package; time from spawn to first response. */
async function workerdStarts() {
  if (!workerdBinary()) return { note: "skipped: node_modules/workerd not installed at the repository root" };
  const dir = mkdtempSync(join(os.tmpdir(), "jts-bench-workerd-"));
  try {
    const ourModules = copyPackageForWorkerd(dir);
    copyFileSync(join(BENCH, "baseline.mjs"), join(dir, "baseline.js"));
    const world = JSON.stringify(TINY_WORLD);
    writeFileSync(join(dir, "ours.js"), `import { GitlabPolicy } from "./pkg/workerd.js";
export default { fetch() { const p = new GitlabPolicy(${world}); const ok = p.check("acme/ci", "acme/api"); p.free(); return new Response(String(ok)); } };`);
    writeFileSync(join(dir, "js.js"), `import { BaselinePolicy } from "./baseline.js";
export default { fetch() { return new Response(String(new BaselinePolicy(${world}).check("acme/ci", "acme/api"))); } };`);
    writeFileSync(join(dir, "ours.capnp"), workerdConfig("ours.js", ourModules));
    writeFileSync(join(dir, "js.capnp"), workerdConfig("js.js", `(name = "baseline.js", esModule = embed "baseline.js")`));
    const once = async (cfg) => {
      const t0 = performance.now();
      const w = await startWorkerd(dir, cfg);
      try {
        const res = await fetch(`http://127.0.0.1:${w.port}/`);
        const body = await res.text();
        const ms = performance.now() - t0;
        if (body !== "true") throw new Error(`workerd answered ${res.status} ${body}\n${w.stderr()}`);
        return ms;
      } finally {
        await w.stop();
      }
    };
    const runs = async (cfg) => {
      const samples = [];
      for (let r = 0; r < 5; r++) samples.push((await once(cfg)) * 1e6);
      return stats(samples);
    };
    return { ours: await runs("ours.capnp"), js: await runs("js.capnp") };
  } catch (error) {
    return { note: `failed: ${error.message.split("\n")[0]}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ───────────────────────────── the run ─────────────────────────────

const machine = machineLine();
const versions = `job-token-scope ${jts.version()}, @cedar-policy/cedar-wasm ${cedar.getCedarVersion()}`;
console.log(`machine: ${machine}`);
console.log(`versions: ${versions}`);
log("building worlds");

const worlds = {};
for (const name of ["small", "medium", "large"]) {
  const w = makeWorld(name);
  worlds[name] = { ...w, queries: makeQueries(w, 4096) };
}
const L = worlds.large;
log(`large world: ${L.world.projects.length} projects, ${L.meta.groups.length} groups (≤ ${L.meta.maxGroupDepth} deep), ` +
  `${L.meta.entryCount} allowlist entries (${L.meta.fineGrainedCount} fine-grained)`);

// 1. Compile of the large world first, while the wasm memory is still small: its growth is the compiled
//    world's high-water mark (the input's conversion included; wasm memory never shrinks).
log("compiling the 100,000-project world (GitlabPolicy)");
const memBefore = wasmMemory ? wasmMemory.buffer.byteLength : process.memoryUsage().rss;
let t0 = performance.now();
let largePolicy = new GitlabPolicy(L.world);
const firstCompileMs = performance.now() - t0;
const memAfter = wasmMemory ? wasmMemory.buffer.byteLength : process.memoryUsage().rss;
const memKind = wasmMemory ? "wasm memory growth" : "process RSS growth (wasm memory not reachable)";
log(`first compile ${firstCompileMs.toFixed(0)} ms, ${memKind} ${fmtBytes(memAfter - memBefore)}`);
const compileCold = { ...stats([firstCompileMs * 1e6]), note: "1 run" };
// Again, with the wasm memory already grown and free (what a long-lived process recompiling a world pays):
// the first policy is freed first, so the allocator reuses its memory instead of growing it again.
largePolicy.free();
largePolicy = null;
const warmSamples = [];
for (let r = 0; r < 2; r++) {
  largePolicy?.free();
  const t = performance.now();
  largePolicy = new GitlabPolicy(L.world);
  warmSamples.push((performance.now() - t) * 1e6);
}
const compileWarm = stats(warmSamples);
if (wasmMemory && wasmMemory.buffer.byteLength !== memAfter) {
  compileWarm.note = `memory grew again to ${fmtBytes(wasmMemory.buffer.byteLength)}`;
}
log(`compile again: ${warmSamples.map((ns) => (ns / 1e6).toFixed(0)).join(", ")} ms`);

gc();
const heapBefore = process.memoryUsage().heapUsed;
let largeBase = new BaselinePolicy(L.world);
gc();
const baseHeap = process.memoryUsage().heapUsed - heapBefore;
const compileJs = perRun(() => { new BaselinePolicy(L.world); return 0; }, { budgetMs: 5000 });

// Cedar's preparsePolicySet slows down as its cache grows (~0.5 ms per slice at first, ~8 ms after
// 3,000): on the large world the preparsed variant runs on the first 1,024 queries only.
const PREPARSED = { small: 4096, medium: 4096, large: 1024 };

// 2. Agreement of all implementations on every query of every world, before any timing.
const cedarWorlds = {};
for (const name of ["small", "medium", "large"]) {
  log(`checking that all implementations agree on the ${name} world's ${worlds[name].queries.count} queries`);
  cedarWorlds[name] = new CedarWorld(worlds[name].world);
  const { world } = worlds[name];
  worlds[name].policy = name === "large" ? largePolicy : new GitlabPolicy(world);
  worlds[name].base = name === "large" ? largeBase : new BaselinePolicy(world);
  worlds[name].agreement = agree(name, world, worlds[name].policy, worlds[name].base, cedarWorlds[name], worlds[name].queries, {
    oneShot: name === "large" ? 0 : name === "medium" ? 16 : 4096,
    cedarOneShot: name === "large" ? 0 : name === "medium" ? 2 : 256,
    preparsed: PREPARSED[name],
  });
  log(`  agreed; allowed ${(worlds[name].agreement.allowedShare * 100).toFixed(0)}%, reasons ${JSON.stringify(worlds[name].agreement.reasons)}`);
}

// 3. check per call.
const checkRows = {};
for (const name of ["small", "medium", "large"]) {
  log(`timing check on the ${name} world`);
  const { world, queries: q } = worlds[name];
  const { policy, base } = worlds[name];
  const cw = cedarWorlds[name];
  const r = {
    ours: perOp(loopOver(q, (s, t, p) => policy.check(s, t, p))),
    js: perOp(loopOver(q, (s, t, p) => base.check(s, t, p))),
    cedarIa: perOp(loopOver(q, (s, t, p) => isAuthorized(cw, s, t, p)), { totalMs: 1000 }),
    cedarPre: perOp(loopOver(firstQueries(q, PREPARSED[name]), (s, t, p) => isAuthorizedPreparsed(cw, s, t, p)), { totalMs: 1000 }),
    explain: perOp(loopOver(q, (s, t, p) => policy.explain(s, t, p).allowed)),
  };
  if (PREPARSED[name] < q.count) r.cedarPre.note = `first ${P(PREPARSED[name])} queries`;
  checkRows[name] = r;
}

// Large world, random pairs over all 100,000 projects: more distinct paths than any per-path memo holds.
log("timing check on the large world, random pairs");
const randomPairs = (() => {
  const n = 262_144;
  const { paths } = L.meta;
  let x = 0x2545f491;
  const next = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 0) % paths.length; };
  const sources = new Array(n);
  const targetsArr = new Array(n);
  for (let i = 0; i < n; i++) { sources[i] = paths[next()]; targetsArr[i] = paths[next()]; }
  return { sources, targets: targetsArr, permissions: new Array(n).fill(undefined), count: n };
})();
for (let i = 0; i < 2000; i++) {
  const [s, t] = [randomPairs.sources[i], randomPairs.targets[i]];
  if (largePolicy.check(s, t) !== largeBase.check(s, t)) throw new Error(`DISAGREEMENT (random pairs) ${s} → ${t}`);
}
const randomRow = {
  ours: perOp(loopOver(randomPairs, (s, t, p) => largePolicy.check(s, t, p))),
  js: perOp(loopOver(randomPairs, (s, t, p) => largeBase.check(s, t, p))),
};

// 4. resolveGitlabScope on the large world (one-shot: the world is converted and compiled by each call).
//    The compiled large policy is freed first, so these compiles reuse its wasm memory.
largePolicy.free();
largePolicy = null;
for (const w of Object.values(worlds)) w.policy = null;
log("timing resolveGitlabScope on the large world");
const scopeProject = L.meta.paths[L.meta.withGroupEntries[0]];
const scope = resolveGitlabScope(L.world, scopeProject);
const baseScope = largeBase.scope(scopeProject);
for (const list of ["reachable", "reachableBy"]) {
  const ours = scope[list].map((r) => r.project).join("\n");
  if (ours !== baseScope[list].join("\n")) {
    throw new Error(`DISAGREEMENT resolveGitlabScope(${scopeProject}).${list}: ${scope[list].length} projects, ` +
      `the plain-JS baseline ${baseScope[list].length}`);
  }
}
log(`  ${scopeProject}: reaches ${scope.reachable.length}, reached by ${scope.reachableBy.length} (agreed)`);
const resolveOurs = perRun(() => resolveGitlabScope(L.world, scopeProject).reachable.length, { budgetMs: 9000 });
const resolveJs = perRun(() => { const b = new BaselinePolicy(L.world); return b.scope(scopeProject).reachable.length; }, { budgetMs: 4000 });
largeBase = null;
for (const w of Object.values(worlds)) w.base = null;

// 5. One-shot checkGitlabAccess (the JSON-shaped world object converted and compiled by every call).
const oneShotRows = {};
for (const name of ["small", "medium"]) {
  log(`timing one-shot checkGitlabAccess on the ${name} world`);
  const { world, queries: q } = worlds[name];
  const cw = cedarWorlds[name];
  const req = (s, t, p) => (p === undefined ? { source: s, target: t } : { source: s, target: t, permission: p });
  const big = name === "medium";
  const ours = big
    ? perRun(loopOverOnce(q, (s, t, p) => checkGitlabAccess(world, req(s, t, p)).allowed), { budgetMs: 2500 })
    : perOp(loopOver(q, (s, t, p) => checkGitlabAccess(world, req(s, t, p)).allowed));
  const js = perOp(loopOver(q, (s, t, p) => new BaselinePolicy(world).check(s, t, p)), { totalMs: big ? 1500 : 700 });
  const cedarIa = big
    ? perRun(loopOverOnce(q, (s, t, p) => cedarAllowed(cedar.isAuthorized(wholeWorldCall(cw, s, t, p)))), { budgetMs: 3000 })
    : perOp(loopOver(q, (s, t, p) => cedarAllowed(cedar.isAuthorized(wholeWorldCall(cw, s, t, p)))));
  oneShotRows[name] = { ours, js, cedarIa };
}
function loopOverOnce(q, call) {
  const step = loopOver(q, call);
  return () => step(1);
}

// 6. The access matrix, 1,000 × 1,000 on the medium world.
log("timing the 1,000 × 1,000 access matrix");
const M = worlds.medium;
const mPaths = M.meta.paths;
const matrixPolicy = new GitlabPolicy(M.world);
const matrixBase = new BaselinePolicy(M.world);
const matrix = (check, rowsCount = mPaths.length) => {
  let a = 0;
  for (let i = 0; i < rowsCount; i++) {
    const s = mPaths[i];
    for (let j = 0; j < mPaths.length; j++) if (check(s, mPaths[j])) a++;
  }
  return a;
};
const oursCount = matrix((s, t) => matrixPolicy.check(s, t));
const jsCount = matrix((s, t) => matrixBase.check(s, t));
if (oursCount !== jsCount) throw new Error(`DISAGREEMENT in the matrix: ${oursCount} allowed by check, ${jsCount} by the baseline`);
const matrixOurs = perRun(() => matrix((s, t) => matrixPolicy.check(s, t)), { budgetMs: 6000 });
const matrixJs = perRun(() => matrix((s, t) => matrixBase.check(s, t)), { budgetMs: 4000 });
// Cedar: 10 rows (10,000 requests) timed, ×100 for the whole matrix; agreement checked on those rows.
const MC = cedarWorlds.medium;
for (const t of mPaths) preparse(MC, t);
const SAMPLE_ROWS = 3;
const cedarRowsOk = matrix((s, t) => {
  const ours = matrixPolicy.check(s, t);
  if (isAuthorized(MC, s, t) !== ours || isAuthorizedPreparsed(MC, s, t) !== ours) throw new Error(`DISAGREEMENT in the matrix (Cedar) ${s} → ${t}`);
  return ours;
}, SAMPLE_ROWS);
const scale = mPaths.length / SAMPLE_ROWS;
const scaled = (s) => ({ ...s, median: s.median * scale, min: s.min * scale, max: s.max * scale, note: `est. from ${SAMPLE_ROWS} rows` });
const matrixCedarIa = scaled(perRun(() => matrix((s, t) => isAuthorized(MC, s, t), SAMPLE_ROWS), { budgetMs: 4000 }));
const matrixCedarPre = scaled(perRun(() => matrix((s, t) => isAuthorizedPreparsed(MC, s, t), SAMPLE_ROWS), { budgetMs: 3000 }));
matrixPolicy.free();
sink ^= cedarRowsOk;

// 7. Cold start and sizes.
log("cold starts (node)");
const cold = coldStarts();
log("cold starts (workerd)");
const wd = await workerdStarts();
const cedarWasm = readFileSync(join(dirname(require.resolve("@cedar-policy/cedar-wasm/nodejs")), "cedar_wasm_bg.wasm"));
const size = (b) => `${fmtBytes(b.length)} raw, ${fmtBytes(gzipSync(b, { level: 9 }).length)} gzip`;

// ───────────────────────────── the table ─────────────────────────────

for (const name of ["small", "medium", "large"]) {
  const r = checkRows[name];
  const w = worlds[name];
  const t = [
    verdict(`≥10× Cedar (${name})`, ratio(r.cedarIa, r.ours) >= 10),
    verdict(`≤ JS (${name})`, r.ours.median <= r.js.median),
  ].join("; ");
  row(`\`check\` ${name} (${P(w.world.projects.length)} projects, ${P(w.meta.entryCount)} entries), per call`, { ...r, target: t });
}
row("`check` large, random pairs over all 100,000 projects, per call", { ...randomRow });
row("`explain` medium, per call", { ours: checkRows.medium.explain, vs: false });
row("`explain` large, per call", { ours: checkRows.large.explain, vs: false });
for (const name of ["small", "medium"]) {
  row(`one-shot \`checkGitlabAccess\` ${name} (JS world object), per call`, { ...oneShotRows[name] });
}
row("`resolveGitlabScope` large (one-shot, incl. compile)", { ours: resolveOurs, js: resolveJs, cedarIa: "—", cedarPre: "—" });
row("access matrix 1,000 × 1,000 (medium), `check`", { ours: matrixOurs, js: matrixJs, cedarIa: matrixCedarIa, cedarPre: matrixCedarPre });
row(`compile 100,000-project world (\`new GitlabPolicy\`), first in the process (wasm memory grows ${fmtBytes(memBefore)} → ${fmtBytes(memAfter)})`, {
  ours: compileCold, js: compileJs, target: verdict("< 1 s (first)", compileCold.median < 1e9),
});
row("compile 100,000-project world again (wasm memory already grown)", {
  ours: compileWarm, js: compileJs, target: verdict("< 1 s (again)", compileWarm.median < 1e9),
});
rows.push([
  "memory of the compiled large world", `${fmtBytes(memAfter - memBefore)} (${memKind})`,
  `${fmtBytes(baseHeap)} (JS heap after GC)`, "—", "—", "—", "—", "—", "",
]);
const coldCell = (c) => `${fmtStat(c.warm.load)} (${fmtStat(c.cold.load)} as the first import)`;
rows.push([
  "cold start, node (fresh process: import + instantiate)", coldCell(cold.ours), coldCell(cold.js), coldCell(cold.ced), "—", "—",
  fmtRatio(ratio(cold.ced.warm.load, cold.ours.warm.load)), "—",
  verdict("< 5 ms", cold.ours.warm.load.median < 5e6),
]);
rows.push([
  "cold start, node, import + first decision", fmtStat(cold.ours.warm.first), fmtStat(cold.js.warm.first), fmtStat(cold.ced.warm.first),
  "—", "—", fmtRatio(ratio(cold.ced.warm.first, cold.ours.warm.first)), "—", "",
]);
rows.push(wd.ours
  ? ["cold start, workerd (spawn → first response)", fmtStat(wd.ours), `${fmtStat(wd.js)} (plain-JS worker)`, "—", "—", "—", "—", "—", ""]
  : ["cold start, workerd", wd.note, "—", "—", "—", "—", "—", "—", ""]);
rows.push([".wasm size", size(wasmBytes), "—", size(cedarWasm), "—", "—", "—", "—", ""]);

const header = ["measurement", "job-token-scope", "plain JS", "Cedar isAuthorized", "Cedar preparsed", "vs JS", "vs Cedar", "vs Cedar pre", "target"];
const table = markdownTable(header, rows);

const notes = [
  `Machine: ${machine}. ${versions}. Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  `Worlds (bench/worlds.mjs, seeded): version 18.4; small ${P(worlds.small.world.projects.length)} projects; medium ` +
    `${P(M.world.projects.length)} projects in ${P(M.meta.groups.length)} groups, instance enforcement off and 10% of ` +
    `projects not limiting access; large ${P(L.world.projects.length)} projects in ${P(L.meta.groups.length)} groups up to ` +
    `${L.meta.maxGroupDepth} deep. ~10% public/internal; allowlists of up to 200 entries (2–5% of targets full, the others ` +
    "a few), ~70% project and ~30% group entries, ~10% fine-grained. Each world, and the paths the queries use, is " +
    "parsed from JSON, as a program gets a world from a file or an API.",
  "Per-call rows: median of 5 batches (~0.15 s each, after warm-up) over the world's 4,096 seeded queries " +
    "(bench/worlds.mjs: 5% same project, 25% random pairs, 30% project entries, 25% group entries, 15% public/internal " +
    "targets; 40% ask for a permission). All implementations agreed on every one of them before timing.",
  "Random pairs: 262,144 uniformly random (source, target) pairs over all 100,000 projects (mostly denials): far more " +
    "distinct paths than the 4,096-query set, so no per-path caching helps.",
  "\"vs\" columns: their time ÷ ours (above 1×: job-token-scope is faster). Cedar isAuthorized gets the target's policy " +
    "slice as text (parsed every call) and the request's entity slice; Cedar preparsed uses statefulIsAuthorized over the " +
    "same slice parsed once (bench/cedar.mjs). Cedar one-shot: the whole world's policies and entities in one call.",
  "Cold start: median of 11 fresh `node` processes each, timed inside the process; the first number excludes Node's own " +
    "first-file-import cost by importing a small ES module first (as any ES-module application has), the one in " +
    "parentheses is the package as the process's very first import. The < 5 ms target is judged on the first number. " +
    "workerd: spawn of `workerd serve` to the first HTTP answer of a worker that decides with the package, against the " +
    "same worker deciding with the plain-JS baseline.",
  `Memory: ${memKind} across the first \`new GitlabPolicy(large)\` (a high-water mark: includes the transient conversion of ` +
    "the input, for which the module grows its memory once, up front; wasm memory never shrinks). Plain JS: heapUsed " +
    "delta after a forced GC.",
];
const out = `${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`;
console.log(`\n${out}`);
const missed = targets.filter((t) => !t.pass).map((t) => t.name);
console.log(missed.length ? `targets missed: ${missed.join(", ")}` : "all targets met");
// The other scripts' sections (bench/edge.mjs, bench/plan.mjs: "## …") are kept after this one's table.
const RESULTS = join(BENCH, "results.md");
const previous = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "";
const sections = previous.indexOf("\n## ");
writeFileSync(RESULTS, `# job-token-scope benchmark\n\n${out}${sections < 0 ? "" : `\n${previous.slice(sections + 1).trimEnd()}\n`}`);
log(`wrote bench/results.md (sink ${(sink ^ sinkBit()) & 1})`);

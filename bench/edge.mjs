// Edge-scale worlds (issue 22): `node bench/edge.mjs` from the repository root, after `make pkg` (run by
// `make bench`, after bench/run.mjs). On the medium (1,000 projects) and large (100,000 projects) worlds
// of bench/worlds.mjs, side by side with the plain-JS baseline (bench/baseline.mjs), each against its goal:
//
//   - memory of the compiled world (wasm memory growth across `GitlabPolicy.fromBytes(snapshot)` in a fresh
//     process; across `new GitlabPolicy(obj)` for reference) against the baseline's JS heap;
//   - peak memory while compiling (`new GitlabPolicy(obj)`, `GitlabPolicy.fromJSON(text)`), fresh processes;
//   - `fromJSON(text)` against `JSON.parse(text)` + the baseline's build;
//   - `fromBytes(snapshot)` (first in a fresh process, median of FRESH_RUNS, and repeated), `toBytes()`, the snapshot's size;
//   - `check` per call on the world loaded from the snapshot, against the baseline (after both agree on
//     every query of bench/run.mjs's seeded query sets);
//   - the largest generated world that loads from its snapshot and answers in workerd under 128 MB.
//
// Written against the package API of SPEC §2 (`GitlabPolicy.fromJSON`, `toBytes`, `fromBytes`): a build
// without one of them gets "not available in this build" in the cells that need it, never a number of
// something else. Prints one table and writes it into bench/results.md as the section "## Edge-scale
// worlds", replacing that section and keeping the rest. Progress goes to stderr.
//
// Fresh-process measurements run this file again as `node --expose-gc bench/edge.mjs --child <kind> <file>`:
// wasm memory never shrinks, so each memory figure needs a process of its own.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { gzipSync } from "node:zlib";

import { BaselinePolicy } from "./baseline.mjs";
import {
  TINY_WORLD, copyPackageForWorkerd, fmtBytes, fmtNs, importPackage, loopOver, machineLine, makeLog, P, perOp, perRun,
  procStatus, resetPeakRss, sinkBit, startWorkerd, stats, workerdBinary, workerdConfig, writeResultsSection, markdownTable,
} from "./common.mjs";
import { SEED, largeWorldParams, makeQueries, makeWorld } from "./worlds.mjs";

const SELF = fileURLToPath(import.meta.url);
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
const MiB = 2 ** 20;
/** Fresh processes whose first `fromBytes` is timed. */
const FRESH_RUNS = 5;

/** The API of SPEC §2 this build has (detected, never assumed). */
const available = (GitlabPolicy) => ({
  fromJSON: typeof GitlabPolicy.fromJSON === "function",
  fromBytes: typeof GitlabPolicy.fromBytes === "function",
  toBytes: typeof GitlabPolicy.prototype.toBytes === "function",
});
const NA = (what) => `not available in this build (no \`${what}\`)`;
/** A Buffer as the plain Uint8Array the API takes. */
const u8 = (buf) => new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);

if (process.argv[2] === "--child") {
  console.log(JSON.stringify(await child(process.argv[3], process.argv[4])));
  process.exit(0);
}

// ───────────────────────────── fresh-process measurements ─────────────────────────────

/**
 * One measurement in this (fresh) process. Memory: `wasm` = growth of the module's memory (its
 * high-water mark: it never shrinks), `peakRss` = the process's peak resident set (VmHWM, reset just
 * before the step with /proc/self/clear_refs) minus its resident set then, `heap` = heapUsed after a
 * forced GC, holding only the result (the input dropped), minus heapUsed before the input was read.
 */
async function child(kind, file) {
  const heapNow = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
  const step = (run) => {
    const rss0 = procStatus("VmRSS");
    const reset = resetPeakRss();
    const t = performance.now();
    const result = run();
    const ms = performance.now() - t;
    return { result, ms, peakRss: reset && rss0 !== null ? procStatus("VmHWM") - rss0 : null };
  };
  if (kind === "baseline") {
    const heap0 = heapNow();
    let text = readFileSync(file, "utf8");
    let obj;
    const parse = step(() => { obj = JSON.parse(text); });
    const hwmParse = procStatus("VmHWM");
    const heapWithWorld = heapNow();
    const build = step(() => new BaselinePolicy(obj));
    // Peak of parse + build: the higher of the two high-water marks, over the resident set before parsing.
    const parseBuildPeak = parse.peakRss === null ? null
      : Math.max(hwmParse, procStatus("VmHWM")) - (hwmParse - parse.peakRss);
    const heapWithBoth = heapNow();
    text = obj = null;
    const heap = heapNow() - heap0;
    return {
      heap, heapWithWorldAlive: heapWithBoth - heapWithWorld, buildPeakRss: build.peakRss, parseBuildPeakRss: parseBuildPeak,
      buildMs: build.ms, parseMs: parse.ms, keep: build.result.projects.size,
    };
  }
  const { api, memory } = await importPackage({ probe: false });
  const { GitlabPolicy } = api;
  const has = available(GitlabPolicy);
  const wasmNow = () => memory?.buffer.byteLength ?? null;
  const heap0 = heapNow();
  let input;
  let run;
  if (kind === "ctor") {
    // Read and parsed in a function of its own: a temporary left in this frame's registers would keep the text alive.
    input = parseFile(file);
    run = () => new GitlabPolicy(input);
  } else if (kind === "fromjson") {
    if (!has.fromJSON) return { unavailable: "GitlabPolicy.fromJSON" };
    input = readFileSync(file, "utf8");
    run = () => GitlabPolicy.fromJSON(input);
  } else if (kind === "frombytes") {
    if (!has.fromBytes) return { unavailable: "GitlabPolicy.fromBytes" };
    input = u8(readFileSync(file));
    run = () => GitlabPolicy.fromBytes(input);
  } else {
    throw new Error(`unknown child measurement ${kind}`);
  }
  gc();
  const wasm0 = wasmNow();
  const s = step(run);
  const wasm = wasmNow() === null ? null : wasmNow() - wasm0;
  input = null;
  const heap = heapNow() - heap0;
  // The loaded world answers (a project reaches itself): a project of the world, passed by the parent.
  const probe = process.env.EDGE_PROBE_PATH;
  if (probe && s.result.check(probe, probe) !== true) throw new Error(`the loaded world does not answer for ${probe}`);
  return { ms: s.ms, wasm, wasm0, peakRss: s.peakRss, heap };
}

function parseFile(file) {
  return JSON.parse(readFileSync(file, "utf8"));
}

function runChild(kind, file, probePath) {
  const out = spawnSync(process.execPath, ["--expose-gc", SELF, "--child", kind, file], {
    encoding: "utf8", timeout: 300_000, maxBuffer: 1 << 20, env: { ...process.env, EDGE_PROBE_PATH: probePath },
  });
  if (out.status !== 0) throw new Error(`child ${kind} failed (${out.status ?? out.signal}): ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").pop());
}

// ───────────────────────────── the run ─────────────────────────────

const started = performance.now();
const log = makeLog(started);
const machine = machineLine();
const { api, memory } = await importPackage({ log });
const { GitlabPolicy } = api;
const has = available(GitlabPolicy);
const versions = `job-token-scope ${api.version()}, workerd ${workerdVersion()}`;
log(`machine: ${machine}`);
log(`API of SPEC §2 in this build: ${Object.entries(has).map(([k, v]) => `${k} ${v ? "yes" : "NO"}`).join(", ")}`);
const tmp = mkdtempSync(join(os.tmpdir(), "jts-bench-edge-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

const R = {};
for (const name of ["medium", "large"]) {
  const large = name === "large";
  log(`${name}: building the world`);
  const w = makeWorld(name);
  const q = makeQueries(w, 4096);
  const text = JSON.stringify(w.world);
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, text);
  const probe = w.meta.paths[0];
  const r = { projects: w.world.projects.length, entries: w.meta.entryCount, jsonBytes: Buffer.byteLength(text) };
  R[name] = r;
  r.jsonGzip = gzipSync(text).length;

  // 1. Memory, each in a fresh process.
  log(`${name}: memory in fresh processes (baseline, new GitlabPolicy${has.fromJSON ? ", fromJSON" : ""})`);
  r.baseMem = runChild("baseline", file, probe);
  r.ctorMem = runChild("ctor", file, probe);
  r.fromJsonMem = runChild("fromjson", file, probe);
  log(`  baseline heap ${fmtBytes(r.baseMem.heap)} (${fmtBytes(r.baseMem.heapWithWorldAlive)} with the world object alive), ` +
    `build peak RSS +${fmtBytes(r.baseMem.buildPeakRss)}, parse+build +${fmtBytes(r.baseMem.parseBuildPeakRss)}; ` +
    `new GitlabPolicy: wasm +${fmtBytes(r.ctorMem.wasm)}, peak RSS +${fmtBytes(r.ctorMem.peakRss)}, ${r.ctorMem.ms.toFixed(0)} ms`);

  // 2. Load times in this process: a first run, then the median of the next ones.
  const budget = { budgetMs: large ? 9000 : 2000, maxRuns: large ? 4 : 7 };
  log(`${name}: JSON.parse + baseline build`);
  r.jsLoad = perRun(() => new BaselinePolicy(JSON.parse(text)).projects.size & 1, budget);
  log(`${name}: JSON.parse + new GitlabPolicy`);
  r.ctorLoad = perRun(() => { const p = new GitlabPolicy(JSON.parse(text)); p.free(); return 0; }, budget);
  if (has.fromJSON) {
    log(`${name}: fromJSON`);
    r.fromJson = perRun(() => { const p = GitlabPolicy.fromJSON(text); p.free(); return 0; }, budget);
  }

  // 3. The snapshot: toBytes of the compiled world, fromBytes of it (fresh process and repeated).
  const base = new BaselinePolicy(w.world);
  const compiled = has.fromJSON ? GitlabPolicy.fromJSON(text) : new GitlabPolicy(w.world);
  let snapshot = null;
  if (has.toBytes) {
    log(`${name}: toBytes`);
    r.toBytes = perRun(() => compiled.toBytes().length & 1, { budgetMs: 3000, maxRuns: 5 });
    snapshot = compiled.toBytes();
    r.snapshotBytes = snapshot.byteLength;
    r.snapshotGzip = gzipSync(snapshot).length;
    writeFileSync(join(tmp, `${name}.bin`), snapshot);
  }
  let policy = compiled;
  r.checkOn = "new GitlabPolicy(obj)";
  if (has.fromBytes && snapshot) {
    log(`${name}: fromBytes, fresh process and repeated`);
    // Its memory from the first process; its time the median of FRESH_RUNS processes (one first call
    // moves by several milliseconds from process to process).
    const fresh = Array.from({ length: FRESH_RUNS }, () => runChild("frombytes", join(tmp, `${name}.bin`), probe));
    const times = stats(fresh.map((f) => f.ms));
    r.fromBytesFresh = { ...fresh[0], ms: times.median, min: times.min, max: times.max };
    r.fromBytes = perRun(() => { const p = GitlabPolicy.fromBytes(snapshot); p.free(); return 0; }, { budgetMs: 3000, maxRuns: 7 });
    policy = GitlabPolicy.fromBytes(snapshot);
    compiled.free();
    r.checkOn = "fromBytes(snapshot)";
  }

  // 4. check: both agree on every query first, then per call (bench/run.mjs's query sets and timing).
  log(`${name}: check on the world of ${r.checkOn}: agreement on ${q.count} queries, then timing`);
  for (let i = 0; i < q.count; i++) {
    const [s, t, p] = [q.sources[i], q.targets[i], q.permissions[i]];
    const ours = policy.check(s, t, p);
    if (ours !== base.check(s, t, p)) {
      throw new Error(`DISAGREEMENT in the ${name} world (${r.checkOn}), query ${i} { source: ${s}, target: ${t}, permission: ${p} }: ` +
        `check ${ours}, the plain-JS baseline ${!ours}`);
    }
  }
  r.checkOurs = perOp(loopOver(q, (s, t, p) => policy.check(s, t, p)));
  r.checkJs = perOp(loopOver(q, (s, t, p) => base.check(s, t, p)));
  policy.free();
  log(`  check ${fmtNs(r.checkOurs.median)} vs ${fmtNs(r.checkJs.median)}`);
}
log(`this process's wasm memory: ${fmtBytes(memory?.buffer.byteLength ?? 0)}`);

// ───────────────────────────── workerd under 128 MB ─────────────────────────────

const LIMIT = 128 * MiB;
// workerd enforces no memory limit of its own (its isolate limit enforcer is the null one; its config has no
// per-worker limit): these V8 flags cap the JS heap (over it V8 aborts the process) and each wasm memory at
// 128 MiB (2,048 pages of 64 KiB: over it memory.grow fails). They cap each part; the sum is judged on the
// process's peak resident set against the same workerd serving the same worker over a two-project world.
const V8_FLAGS = ["--max-heap-size=128", `--wasm-max-mem-pages=${LIMIT / 65536}`];
const WORKERD_QUERIES = 64;

/** The worker: loads the world on its first request (snapshot, world JSON + constructor, or the baseline). */
function workerSource(mode) {
  if (mode === "fetched") return FETCHED_WORKER;
  const load = {
    snapshot: "GitlabPolicy.fromBytes(new Uint8Array(world))",
    constructor: "new GitlabPolicy(JSON.parse(world))",
    baseline: "new BaselinePolicy(JSON.parse(world))",
  }[mode];
  return `${mode === "baseline" ? 'import { BaselinePolicy } from "./baseline.js";' : `import { GitlabPolicy } from "./pkg/workerd.js";
import { initSync } from "./pkg/job_token_scope.js";`}
import world from "./${mode === "snapshot" ? "world.bin" : "world.json"}";
let policy = null;
export default {
  async fetch(request) {
    const queries = await request.json();
    try {
      policy ??= ${load};
      const answers = queries.map(([s, t, p]) => policy.check(s, t, p ?? undefined));
      return Response.json({ answers, wasmBytes: ${mode === "baseline" ? "0" : "initSync().memory.buffer.byteLength"} });
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error).split("\\n").slice(0, 3).join(" ") }, { status: 500 });
    }
  },
};
`;
}

/**
 * The worker that reads its snapshot from a store at its first request (as from KV or R2): a service binding
 * to a server in this process (`store`), the body read into one buffer of the announced length — one copy
 * of the snapshot in JS, none in the module (fromBytes reads it a chunk at a time).
 */
const FETCHED_WORKER = `import { GitlabPolicy } from "./pkg/workerd.js";
import { initSync } from "./pkg/job_token_scope.js";
let policy = null;
async function load(store) {
  const response = await store.fetch("http://store/world.bin");
  const length = Number(response.headers.get("content-length"));
  // A "bring your own buffer" reader fills one buffer of the snapshot's length: no chunk is made to be
  // copied and dropped (each read hands the buffer back, moved, with the bytes it got).
  const reader = response.body.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(length);
  let at = 0;
  while (at < length) {
    const { done, value } = await reader.read(new Uint8Array(buffer, at, length - at));
    if (done) break;
    buffer = value.buffer;
    at += value.byteLength;
  }
  return GitlabPolicy.fromBytes(new Uint8Array(buffer, 0, at));
}
export default {
  async fetch(request, env) {
    const queries = await request.json();
    try {
      policy ??= await load(env.STORE);
      const answers = queries.map(([s, t, p]) => policy.check(s, t, p ?? undefined));
      return Response.json({ answers, wasmBytes: initSync().memory.buffer.byteLength });
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error).split("\\n").slice(0, 3).join(" ") }, { status: 500 });
    }
  },
};
`;

/**
 * Serves `mode`'s worker over the world in dir/world.{bin,json}, asks the queries, and reads the workerd
 * process's peak resident set once it has answered (or died).
 */
async function serveOnce(dir, mode, queries) {
  const t0 = performance.now();
  let w;
  try {
    w = await startWorkerd(dir, `${mode}.capnp`, { timeoutMs: 120_000 });
  } catch (error) {
    return { error: `workerd did not start: ${stderrGist(error.message)}` };
  }
  const listenMs = performance.now() - t0;
  const pid = w.child.pid;
  // Polled while the request runs too: a workerd that aborts takes its /proc entry with it.
  let hwm = procStatus("VmHWM", pid);
  const poll = setInterval(() => { hwm = Math.max(hwm ?? 0, procStatus("VmHWM", pid) ?? 0) || null; }, 10);
  try {
    const t1 = performance.now();
    const res = await fetch(`http://127.0.0.1:${w.port}/`, { method: "POST", body: JSON.stringify(queries) }).catch((e) => ({ failed: e }));
    const answerMs = performance.now() - t1;
    clearInterval(poll);
    hwm = Math.max(hwm ?? 0, procStatus("VmHWM", pid) ?? 0) || null;
    if (res.failed) {
      const { code, signal } = await Promise.race([w.exited, new Promise((r) => setTimeout(() => r({}), 2000))]);
      return { error: `no answer (workerd ${code ?? signal ?? "alive"}: ${stderrGist(w.stderr())})`, hwm };
    }
    const body = await res.json();
    if (res.status !== 200) return { error: `HTTP ${res.status}: ${String(body.error).slice(0, 200)}`, hwm };
    return { answers: body.answers, wasmBytes: body.wasmBytes, hwm, listenMs, answerMs };
  } finally {
    clearInterval(poll);
    await w.stop();
  }
}

/** What workerd said that matters: its first lines other than the bootstrap cache's warning, shortened. */
function stderrGist(text) {
  const lines = text.split("\n").filter((l) => l.trim() && !l.includes("NOSENTRY") && !l.startsWith("stack:"));
  const fatal = lines.find((l) => /fatal|out of memory/i.test(l));
  return (fatal ?? lines.slice(0, 3).join(" ")).replace(/\s+/g, " ").slice(0, 200);
}

async function workerdFits() {
  if (!workerdBinary()) return { note: "skipped: node_modules/workerd not installed at the repository root" };
  const dir = join(tmp, "workerd");
  const modules = copyPackageForWorkerd(dir);
  writeFileSync(join(dir, "baseline.js"), readFileSync(new URL("./baseline.mjs", import.meta.url)));
  // The store the `fetched` worker reads its snapshot from: dir/world.bin, with its length.
  const store = createServer((req, res) => {
    const bytes = readFileSync(join(dir, "world.bin"));
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
    res.end(bytes);
  });
  await new Promise((r) => store.listen(0, "127.0.0.1", r));
  const storeService = `(name = "store", external = (address = "127.0.0.1:${store.address().port}", http = ()))`;
  for (const mode of ["fetched", "snapshot", "constructor", "baseline"]) {
    writeFileSync(join(dir, `worker-${mode}.js`), workerSource(mode));
    const world = mode === "fetched" ? "" : mode === "snapshot" ? `, (name = "world.bin", data = embed "world.bin")` : `, (name = "world.json", text = embed "world.json")`;
    const mods = mode === "baseline" ? `(name = "baseline.js", esModule = embed "baseline.js")${world}` : `${modules}${world}`;
    const store = mode === "fetched" ? { services: storeService, bindings: `(name = "STORE", service = "store")` } : {};
    writeFileSync(join(dir, `${mode}.capnp`), workerdConfig(`worker-${mode}.js`, mods, { v8Flags: V8_FLAGS, ...store }));
  }
  const deploy = (mode, world, policyFor) => {
    // "Deploy time": the snapshot is made here, in node: embedded as the worker's data module, or put in
    // the store the `fetched` worker reads.
    if (mode === "snapshot" || mode === "fetched") {
      const p = policyFor(world);
      writeFileSync(join(dir, "world.bin"), p.toBytes());
      p.free();
    } else {
      writeFileSync(join(dir, "world.json"), JSON.stringify(world));
    }
  };
  const compile = (world) => new GitlabPolicy(world);

  const modes = has.toBytes && has.fromBytes ? ["fetched", "snapshot", "baseline"] : ["constructor", "baseline"];
  const out = {};
  try {
    for (const mode of modes) {
      // The reference: the same worker over a two-project world (median of 3 processes).
      deploy(mode, TINY_WORLD, compile);
      const refs = [];
      for (let i = 0; i < 3; i++) {
        const r = await serveOnce(dir, mode, [["acme/ci", "acme/api", null]]);
        if (r.error || r.answers[0] !== true) throw new Error(`workerd reference (${mode}) failed: ${r.error ?? JSON.stringify(r.answers)}`);
        refs.push(r.hwm);
      }
      const ref = refs.sort((a, b) => a - b)[1];
      log(`workerd ${mode}: reference peak resident set ${fmtBytes(ref)} (${refs.map(fmtBytes).join(", ")})`);
      const tried = [];
      const attempt = async (n) => {
        const w = n === 100_000 ? makeWorld("large") : makeWorld("large", SEED, largeWorldParams(n));
        const q = makeQueries(w, WORKERD_QUERIES);
        const base = new BaselinePolicy(w.world);
        const expected = q.sources.map((s, i) => base.check(s, q.targets[i], q.permissions[i]));
        try {
          deploy(mode, w.world, compile);
        } catch (error) {
          // A world the package cannot compile at all (past the input's 128 MiB limit): nothing to load.
          const why = `not compiled: ${String(error.message).slice(0, 160)}`;
          tried.push({ n, fits: false, why, delta: null });
          log(`workerd ${mode}, ${P(n)} projects: ${why}`);
          return false;
        }
        const queries = q.sources.map((s, i) => [s, q.targets[i], q.permissions[i] ?? null]);
        const r = await serveOnce(dir, mode, queries);
        const delta = r.hwm === null ? null : r.hwm - ref;
        let fits = false;
        let why = r.error && delta !== null ? `${r.error}; peak resident set ≥ +${fmtBytes(delta)} when last read` : r.error;
        if (!r.error) {
          const wrong = expected.findIndex((e, i) => r.answers[i] !== e);
          if (wrong >= 0) why = `wrong answer to query ${wrong}`;
          else if (delta === null) why = "no /proc to read the peak resident set";
          else if (delta > LIMIT) why = `peak resident set +${fmtBytes(delta)} > 128 MiB`;
          else fits = true;
        }
        const result = { n, fits, why, delta, wasmBytes: r.wasmBytes, listenMs: r.listenMs, answerMs: r.answerMs };
        tried.push(result);
        log(`workerd ${mode}, ${P(n)} projects: ${fits ? "fits" : `does not fit (${why})`}; peak RSS +${delta === null ? "?" : fmtBytes(delta)}` +
          `${r.wasmBytes ? `, wasm memory ${fmtBytes(r.wasmBytes)}` : ""}${r.answerMs ? `, first answer ${r.answerMs.toFixed(0)} ms` : ""}`);
        return fits;
      };
      const UP = [150_000, 200_000, 300_000, 400_000];
      const DOWN = [50_000, 25_000, 10_000, 5_000, 2_000, 1_000];
      const deadline = performance.now() + 110_000; // per kind of worker
      if (await attempt(100_000)) {
        for (const n of UP) if (performance.now() > deadline || !(await attempt(n))) break;
      } else {
        for (const n of DOWN) if (await attempt(n)) break;
      }
      // Then halve the gap between the largest that fits and the smallest that does not, to the nearest 1,000
      // projects, while it is wider than a tenth of the fitting size (at most 3 more worlds).
      const largestFit = () => tried.filter((t) => t.fits).sort((a, b) => b.n - a.n)[0] ?? null;
      const smallestOver = () => tried.filter((t) => !t.fits).sort((a, b) => a.n - b.n)[0] ?? null;
      for (let i = 0; i < 3 && largestFit() && smallestOver() && performance.now() < deadline; i++) {
        const [lo, hi] = [largestFit().n, smallestOver().n];
        const mid = Math.round((lo + hi) / 2000) * 1000;
        if (hi - lo <= lo / 10 || mid <= lo || mid >= hi) break;
        await attempt(mid);
      }
      const fit = largestFit();
      const over = smallestOver();
      out[mode] = { ref, fit, over, tried };
    }
  } finally {
    store.close();
  }
  return out;
}

log("workerd: the largest world that loads and answers under 128 MB");
let wd;
try {
  wd = await workerdFits();
} catch (error) {
  wd = { note: `failed: ${error.message.split("\n")[0]}` };
}

// ───────────────────────────── the table ─────────────────────────────

const M = R.medium;
const L = R.large;
const mib = (b) => (b === null || b === undefined ? "?" : fmtBytes(b));
const verdict = (pass) => (pass ? "**PASS**" : "**MISS**");
const both = (f) => `1,000: ${f(M)}; 100,000: ${f(L)}`;
const timeCell = (s) => (s ? `${fmtNs(s.median)}${s.first !== undefined ? ` (first ${fmtNs(s.first)})` : ""}${s.note ? ` (${s.note})` : ""}` : "—");

const rows = [];
const row = (measurement, f, goal, result) => rows.push([measurement, f(M, "ours"), f(M, "js"), f(L, "ours"), f(L, "js"), goal, result]);

const oursResident = (r) => (r.fromBytesFresh ? r.fromBytesFresh.wasm + Math.max(0, r.fromBytesFresh.heap) : null);
row("memory of the compiled world: wasm growth across `fromBytes(snapshot)` (+ JS heap), fresh process",
  (r, who) => (who === "js" ? `${mib(r.baseMem.heap)} JS heap (${mib(r.baseMem.heapWithWorldAlive)} with its world object alive)`
    : r.fromBytesFresh ? `${mib(r.fromBytesFresh.wasm)} wasm + ${mib(r.fromBytesFresh.heap)} JS heap` : NA("fromBytes")),
  "ours ≤ plain JS (judged against both of its figures)",
  has.fromBytes && has.toBytes
    ? both((r) => `${(oursResident(r) / r.baseMem.heap).toFixed(2)}× ${verdict(oursResident(r) <= r.baseMem.heap)}, ` +
      `${(oursResident(r) / r.baseMem.heapWithWorldAlive).toFixed(2)}× ${verdict(oursResident(r) <= r.baseMem.heapWithWorldAlive)}`)
    : NA("fromBytes"));
row("memory, `new GitlabPolicy(obj)` (reference: includes the input's transient conversion), fresh process",
  // A heap delta below zero is the collector's noise (the JS side keeps nothing of the world): shown as 0.
  (r, who) => (who === "js" ? `${mib(r.baseMem.heap)} JS heap` : `${mib(r.ctorMem.wasm)} wasm + ${mib(Math.max(0, r.ctorMem.heap))} JS heap`),
  "— (reference)", both((r) => `${((r.ctorMem.wasm + Math.max(0, r.ctorMem.heap)) / r.baseMem.heap).toFixed(2)}× the baseline`));
row("peak memory while compiling: `new GitlabPolicy(obj)` vs baseline build (from the parsed object), fresh process",
  (r, who) => (who === "js" ? `RSS peak +${mib(r.baseMem.buildPeakRss)}` : `wasm +${mib(r.ctorMem.wasm)}; RSS peak +${mib(r.ctorMem.peakRss)}`),
  "none set (issue 22)", both((r) => `RSS peak ${(r.ctorMem.peakRss / r.baseMem.buildPeakRss).toFixed(2)}× the baseline's`));
row("peak memory while compiling: `fromJSON(text)` vs `JSON.parse(text)` + baseline build, fresh process",
  (r, who) => (who === "js" ? `RSS peak +${mib(r.baseMem.parseBuildPeakRss)}`
    : r.fromJsonMem.unavailable ? NA("fromJSON") : `wasm +${mib(r.fromJsonMem.wasm)}; RSS peak +${mib(r.fromJsonMem.peakRss)}`),
  "none set (issue 22)",
  has.fromJSON ? both((r) => `RSS peak ${(r.fromJsonMem.peakRss / r.baseMem.parseBuildPeakRss).toFixed(2)}× the baseline's`) : NA("fromJSON"));
row("load from JSON text: `fromJSON(text)` vs `JSON.parse(text)` + baseline build",
  (r, who) => (who === "js" ? timeCell(r.jsLoad) : r.fromJson ? timeCell(r.fromJson) : NA("fromJSON")),
  "ratio ≤ 1.0",
  has.fromJSON ? both((r) => `${(r.fromJson.median / r.jsLoad.median).toFixed(2)} ${verdict(r.fromJson.median <= r.jsLoad.median)}`) : NA("fromJSON"));
row("load from JSON text today: `JSON.parse(text)` + `new GitlabPolicy(obj)` (reference)",
  (r, who) => timeCell(who === "js" ? r.jsLoad : r.ctorLoad),
  "— (reference)", both((r) => `ratio ${(r.ctorLoad.median / r.jsLoad.median).toFixed(2)}`));
row(`\`fromBytes(snapshot)\`: first in a fresh process (median of ${FRESH_RUNS} processes, range); repeated (median)`,
  (r, who) => (who === "js" ? "—" : r.fromBytesFresh
    ? `${fmtNs(r.fromBytesFresh.ms * 1e6)} (${fmtNs(r.fromBytesFresh.min * 1e6)}–${fmtNs(r.fromBytesFresh.max * 1e6)}); ${fmtNs(r.fromBytes.median)}`
    : NA("fromBytes")),
  "< 50 ms at 100,000 projects",
  L.fromBytesFresh ? `100,000: ${verdict(L.fromBytesFresh.ms < 50)} (the fresh process's first call)` : NA("fromBytes"));
row("`toBytes()`", (r, who) => (who === "js" ? "—" : r.toBytes ? timeCell(r.toBytes) : NA("toBytes")), "none set", "—");
row("snapshot size, raw / gzip (plain JS: the world's JSON text)",
  (r, who) => (who === "js" ? `${mib(r.jsonBytes)} / ${mib(r.jsonGzip)}`
    : r.snapshotBytes ? `${mib(r.snapshotBytes)} / ${mib(r.snapshotGzip)}` : NA("toBytes")),
  "none set", has.toBytes ? both((r) => `${(r.snapshotBytes / r.jsonBytes).toFixed(2)}× the JSON`) : NA("toBytes"));
const checkLabel = has.fromBytes && has.toBytes ? "the world loaded by `fromBytes(snapshot)`"
  : "the world of `new GitlabPolicy(obj)` (`fromBytes` not available in this build)";
row(`\`check\` per call, on ${checkLabel}`,
  (r, who) => fmtNs((who === "js" ? r.checkJs : r.checkOurs).median),
  "ours ≤ 0.5× plain JS",
  both((r) => `${(r.checkOurs.median / r.checkJs.median).toFixed(2)}× ${verdict(r.checkOurs.median <= 0.5 * r.checkJs.median)}`
    + (has.fromBytes && has.toBytes ? "" : " (constructor's world)")));

const wdCell = (m) => {
  if (!m) return "—";
  const fit = m.fit ? `**${P(m.fit.n)} projects** (peak RSS +${mib(m.fit.delta)}${m.fit.wasmBytes ? `, wasm ${mib(m.fit.wasmBytes)}` : ""})` : "none of those tried";
  const over = m.over ? `; ${P(m.over.n)}: ${m.over.why}` : "";
  return `${fit}${over}`;
};
const oursMode = has.toBytes && has.fromBytes ? "fetched" : "constructor";
if (wd.note) {
  rows.push(["largest generated world that loads and answers in workerd under 128 MB", "—", "—", wd.note, "—", "≥ 100,000 projects", "—"]);
} else {
  const ours = wd[oursMode];
  rows.push([
    `largest generated world that loads and answers in workerd under 128 MB (ours: ${oursMode === "fetched"
      ? "`fromBytes` of a `toBytes` snapshot read from a store at the first request, as from KV or R2; in brackets, the snapshot as a data module of the worker"
      : "`new GitlabPolicy(JSON.parse(text))`: `fromBytes`/`toBytes` not available in this build"})`,
    "—", "—", `${wdCell(ours)}${wd.snapshot ? ` (data module: ${wdCell(wd.snapshot)})` : ""}`, wdCell(wd.baseline), "≥ 100,000 projects",
    oursMode === "fetched" ? verdict((ours.fit?.n ?? 0) >= 100_000) : `${NA("fromBytes")}; with the constructor: ${verdict((ours.fit?.n ?? 0) >= 100_000)}`,
  ]);
}

const header = ["measurement", "1,000 projects: job-token-scope", "1,000: plain JS", "100,000 projects: job-token-scope", "100,000: plain JS", "goal", "result"];
const table = markdownTable(header, rows);

const notes = [
  `Machine: ${machine}. ${versions}. API of SPEC §2 in this build: ${Object.entries(has).map(([k, v]) => `\`${k}\` ${v ? "yes" : "no"}`).join(", ")}. ` +
    `Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  `Worlds (bench/worlds.mjs, seeded): medium ${P(M.projects)} projects, ${P(M.entries)} allowlist entries (JSON ${mib(M.jsonBytes)}); large ` +
    `${P(L.projects)} projects, ${P(L.entries)} entries (JSON ${mib(L.jsonBytes)}). Each is written as JSON text and read back, as a program gets it.`,
  "Memory of the compiled world, each in its own fresh `node --expose-gc` process (wasm memory never shrinks): ours = growth of the module's " +
    "memory (`memory.buffer.byteLength`) across the one call, plus heapUsed after forced GCs holding only the policy (the input dropped) minus " +
    "heapUsed before the input was read; `fromBytes` reads the snapshot file first, so its growth is the compiled world's resident size without " +
    "the input's transient conversion. Plain JS = heapUsed after forced GCs holding only the `BaselinePolicy` (its text and world object dropped) " +
    "minus heapUsed before the text was read; in parentheses, as bench/run.mjs (and issue 22's 97 MiB) measures it: the heapUsed delta " +
    "across the build with the world object still alive, which leaves out the path strings the baseline shares with that object. The result " +
    "column judges ours against both (ours ÷ each).",
  "Peak memory while compiling: in fresh processes, the process's peak resident set (VmHWM, reset to the resident set just before the step " +
    "by writing 5 to /proc/self/clear_refs) minus the resident set at that moment — for ours across the call (the input already in memory: the " +
    "parsed object, or the text for `fromJSON`), for the baseline across its build from the parsed object, and across `JSON.parse` + build from " +
    "the text (the higher of the two steps' high-water marks); wasm growth is given for ours too (the module's part of it).",
  "Times in this process: a first run, then the median of up to 4 (large) or 7 (medium) more runs within a time budget; \"first\" is that first " +
    "run (not a fresh process). `JSON.parse(text)` + build is timed as one step, from the same text. `fromBytes` first: in a fresh process, the " +
    `first call after the import (the snapshot file already read); the median of ${FRESH_RUNS} processes.`,
  "Snapshot: `toBytes()` of the world compiled in this process (by `fromJSON` when the build has it); gzip at level 6 (node's default).",
  "`check`: bench/run.mjs's seeded 4,096-query sets (`makeQueries`), the same `perOp` (median of 5 batches after a warm-up); ours and the " +
    "baseline agreed on every query before timing. Result column: our time ÷ the baseline's.",
  "workerd (the repository's `workerd` package, `workerd serve`): workerd itself enforces no memory limit — its isolate limit enforcer is the " +
    "null one and its config has no per-worker memory limit — so the config's `v8Flags` cap the JS heap (`--max-heap-size=128`: past it V8 " +
    "aborts the process) and each wasm memory (`--wasm-max-mem-pages=2048`, 128 MiB: past it `memory.grow` fails), and the sum is judged by the " +
    "workerd process's peak resident set (VmHWM) once it has answered, minus that of the same workerd serving the same worker over a two-project " +
    "world (median of 3). A world fits when the worker loads it on its first request, answers 64 seeded queries as the baseline does, and that " +
    "delta is ≤ 128 MiB (an upper bound: it takes in whatever workerd itself keeps of a request, a response or an embedded file). Ours loads a " +
    "`toBytes()` snapshot made at deploy time in node with `GitlabPolicy.fromBytes`: read at the first request from a store (a service " +
    "binding to a server in the bench process, standing for KV or R2; the body read by a \"bring your own buffer\" reader into one buffer of its length), and, in " +
    "brackets, embedded as a `data` module of the worker; a build without " +
    "`toBytes`/`fromBytes` loads the world JSON (a `text` module) with `new GitlabPolicy(JSON.parse(text))` instead, and says so. The plain-JS " +
    "column is a worker building `BaselinePolicy` from the same JSON text module. Worlds: bench/worlds.mjs's large world (100,000 projects), " +
    "then the same generator scaled (`largeWorldParams`) to 150,000, 200,000, 300,000, 400,000 while it fits, or down to 50,000, 25,000, 10,000, " +
    "5,000, 2,000, 1,000 until it fits; then up to 3 worlds halving the gap between the largest that fits and the smallest that does not " +
    "(nearest 1,000 projects). \"wasm\": the module's memory size after answering, as the worker reports it. A workerd that aborts " +
    "(V8's heap limit) is shown with the peak resident set last read before it died.",
];

// What bounds each goal missed: figures of this run, and what was measured once to explain them (docs/performance.md).
const bounds = [];
if (has.fromJSON && R.large.fromJson && R.large.fromJson.median > R.large.jsLoad.median) {
  bounds.push(`\`fromJSON\` vs \`JSON.parse\` + the plain-JS build (${(R.large.fromJson.median / R.large.jsLoad.median).toFixed(2)} at 100,000 ` +
    "projects): bounded by the module's reading of any input — the text is copied in, parsed into a tree of values (every string, number, " +
    "array and object), read into the typed input (which copies every path) and compiled — where V8's native `JSON.parse` builds the objects " +
    "the baseline keeps as they are. Against the way it replaces (\`JSON.parse\` + \`new GitlabPolicy\`) it takes " +
    `${(R.large.fromJson.median / R.large.ctorLoad.median).toFixed(2)}× the time, ` +
    "and its peak is that tree's, raised by the memory the module reserves before it starts (72 bytes per value word, docs/guarantees.md): " +
    "measured once without the reservation, the 100,000-project text grew the module's memory by 441 MiB.");
}
if (L.fromBytesFresh && L.fromBytesFresh.ms >= 50) {
  bounds.push(`\`fromBytes\` at 100,000 projects: ${fmtNs(L.fromBytes.median)} once the module's code is warm, ` +
    `${fmtNs(L.fromBytesFresh.ms * 1e6)} as the first call of a fresh process, where V8 runs the module's code in its baseline tier ` +
    "(Liftoff) and every page of the new memory is touched for the first time. The work is a copy of the snapshot's arrays into the " +
    "module, a checksum over every word and a check of every index: linear in the snapshot's size.");
}
for (const [name, r] of [["1,000", M], ["100,000", L]]) {
  if (r.checkOurs.median > 0.5 * r.checkJs.median) {
    bounds.push(`\`check\` at ${name} projects (${(r.checkOurs.median / r.checkJs.median).toFixed(2)}× the baseline's time): what bounds it ` +
      "is the call's fixed cost, not the decision — two path strings looked up in the policy's memo and one call into the module " +
      "(`GitlabPolicy.check` in src/wasm/api.js), where the plain-JS baseline's decisions on this world are a few map lookups; " +
      "the ratio moved between 0.45 and 0.85 from run to run on a 2-core machine shared with builds.");
  }
}
const fetched = wd.fetched;
if (fetched && (fetched.fit?.n ?? 0) < 100_000) {
  const at100k = fetched.tried.find((t) => t.n === 100_000);
  bounds.push("workerd at 100,000 projects: the isolate holds the snapshot twice while it loads — once in JS as read from the store " +
    `(${mib(L.snapshotBytes)}) and once compiled in the module (${at100k?.wasmBytes ? mib(at100k.wasmBytes) : "?"} of wasm memory), ` +
    `with the runtime's buffers for the response: +${at100k ? mib(at100k.delta) : "?"} in all. Reading the snapshot into the module ` +
    "as it streams in (no whole copy in JS) is what would bring 100,000 projects under the limit. A snapshot embedded as a data module " +
    "fits fewer worlds: workerd keeps several copies of an embedded file (a 20 MB data module alone adds about 100 MiB to its resident " +
    "set before any code runs, measured with a worker that only reads it).");
}
const notCompiled = fetched?.tried.filter((t) => t.why?.startsWith("not compiled")).sort((a, b) => a.n - b.n)[0];
if (fetched?.fit && notCompiled) {
  notes.push(`Past the largest world that fits in workerd: ${P(notCompiled.n)} projects cannot be compiled at all — its JSON ` +
    "passes the 128 MiB input limit (docs/guarantees.md \"Limits\") — so no snapshot of it can be made; the memory the isolate " +
    `had left (+${mib(fetched.fit.delta)} of 128 MiB at ${P(fetched.fit.n)} projects) is not what stops it.`);
}
if (wd.snapshot?.fit && wd.snapshot.fit.n < (fetched?.fit?.n ?? 0)) {
  notes.push(`A snapshot embedded as a data module fits fewer projects (${P(wd.snapshot.fit.n)}): workerd keeps several copies of ` +
    "an embedded file (a 20 MB data module alone adds about 100 MiB to its resident set before any code runs, measured with a " +
    "worker that only reads it). Large worlds belong in KV or R2 (docs/gate.md \"Deploy with a snapshot\").");
}
const section = `## Edge-scale worlds (\`bench/edge.mjs\`)\n\n${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` +
  (bounds.length ? `\nWhat bounds the goals missed:\n\n${bounds.map((n) => `- ${n}`).join("\n")}\n` : "");
console.log(`\n${section}`);
writeResultsSection(section);
log(`wrote its section of bench/results.md (sink ${sinkBit()})`);

function workerdVersion() {
  const bin = workerdBinary();
  if (!bin) return "not installed";
  const out = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return (out.stdout || out.stderr).trim().replace(/^workerd\s*/, "");
}

// Helpers shared by the benchmark scripts (bench/run.mjs, bench/edge.mjs): loading the package with a way
// to its wasm memory, timing (calibrated batches, expensive single runs, medians), formatting, the machine
// line, memory probes of a process (/proc), workerd (a package copy, a config, a process that answers on a
// port) and writing one section of bench/results.md.

import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const BENCH = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH, "..");
export const PKG = join(ROOT, "pkg");
export const WASM_FILE = "job_token_scope_bg.wasm";

export const TINY_WORLD = {
  version: "18.3", projects: [{ path: "acme/ci" }, { path: "acme/api", inbound: { projects: ["acme/ci"] } }],
};

/** A logger to stderr, prefixed with the seconds since `started`. */
export function makeLog(started = performance.now()) {
  return (...args) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)}s]`, ...args);
}

// ───────────────────────────── the package (retry while another build rewrites pkg/) ─────────────────────────────

/**
 * Imports pkg/node.js and returns `{ api, memory, wasmBytes }`, `memory` being the module's
 * WebAssembly.Memory (null when the glue does not hand it out). With `probe`, a child process tries the
 * import first — a half-written pkg/ must not poison this process's module cache — and this waits (up to
 * 3 minutes) while another build rewrites pkg/.
 */
export async function importPackage({ probe = true, log = makeLog() } = {}) {
  const entry = pathToFileURL(join(PKG, "node.js")).href;
  const deadline = Date.now() + 180_000;
  while (probe) {
    const missing = ["node.js", "api.js", "job_token_scope.js", WASM_FILE].filter((f) => !existsSync(join(PKG, f)));
    const tried = missing.length
      ? { status: 1, stderr: `pkg/${missing[0]} missing (run \`make pkg\`)` }
      : spawnSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(entry)});
          const p = new m.GitlabPolicy(${JSON.stringify(TINY_WORLD)}); if (!p.check("acme/ci", "acme/api")) process.exit(3);`],
        { encoding: "utf8", timeout: 60_000 });
    if (tried.status === 0) break;
    if (Date.now() > deadline) throw new Error(`pkg/ is not usable: ${tried.stderr}`);
    log(`pkg/ not usable yet (${String(tried.stderr).trim().split("\n").pop()}); retrying in 5 s`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  const wasmBytes = readFileSync(join(PKG, WASM_FILE));
  const api = await import(entry);
  // The glue's initSync returns the (already initialised) instance's exports: the way to its memory.
  let memory = null;
  try {
    const glue = await import(pathToFileURL(join(PKG, "job_token_scope.js")).href);
    memory = glue.initSync?.({ module: wasmBytes })?.memory ?? null;
  } catch {
    memory = null;
  }
  return { api, memory, wasmBytes };
}

// ───────────────────────────── timing ─────────────────────────────

let sink = 0;
/** Folds the timed calls' results together, so that no call can be optimised away. */
export const sinkBit = () => sink & 1;

/**
 * ns per operation of `run(n)` (n operations): calibrated and warmed up, then `batches` batches of about
 * totalMs / batches each; the median batch.
 */
export function perOp(run, { totalMs = 700, batches = 5 } = {}) {
  let n = 1;
  let elapsed = 0;
  const warmUntil = performance.now() + 150;
  for (;;) {
    const t0 = performance.now();
    sink ^= run(n);
    elapsed = performance.now() - t0;
    if (elapsed >= 10 && performance.now() >= warmUntil) break;
    if (elapsed < 10) n *= 2;
    if (elapsed > totalMs / batches) break;
  }
  const perBatch = Math.max(1, Math.round(n * (totalMs / batches / Math.max(elapsed, 1e-3))));
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    sink ^= run(perBatch);
    samples.push(((performance.now() - t0) * 1e6) / perBatch);
  }
  return stats(samples);
}

/**
 * ns of one expensive call: a warm-up run (unless `warmup` is false), then runs while the budget lasts
 * (at most `maxRuns`); the median. When not even one run fits after the warm-up, the warm-up run itself.
 * The warm-up run's own time is returned too, as `.first` (ns).
 */
export function perRun(runOnce, { budgetMs = 8000, warmup = true, maxRuns = 5 } = {}) {
  const samples = [];
  let spent = 0;
  let estimate = 0;
  let first;
  if (warmup) {
    const t = performance.now();
    sink ^= runOnce();
    spent = estimate = performance.now() - t;
    first = estimate * 1e6;
  }
  while (samples.length < maxRuns && (samples.length === 0 && !warmup ? true : spent + estimate <= budgetMs)) {
    const t = performance.now();
    sink ^= runOnce();
    const ms = performance.now() - t;
    samples.push(ms * 1e6);
    spent += ms;
    estimate = ms;
  }
  if (!samples.length) return { ...stats([estimate * 1e6]), first, note: "1 cold run" };
  return { ...stats(samples), first };
}

export function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** A `run(n)` for perOp: n calls over the query set's parallel arrays, round and round; counts the allowed. */
export function loopOver(q, call) {
  const { sources, targets, permissions, count } = q;
  let i = 0;
  return (n) => {
    let allowedCount = 0;
    for (let k = 0; k < n; k++) {
      if (call(sources[i], targets[i], permissions[i])) allowedCount++;
      if (++i === count) i = 0;
    }
    return allowedCount;
  };
}

/** The first n queries of a query set. */
export const firstQueries = (q, n) => ({
  sources: q.sources.slice(0, n), targets: q.targets.slice(0, n), permissions: q.permissions.slice(0, n), count: Math.min(n, q.count),
});

// ───────────────────────────── formatting ─────────────────────────────

export function fmtNs(ns) {
  if (ns === undefined || ns === null) return "—";
  if (ns < 10_000) return `${ns < 100 ? ns.toFixed(1) : Math.round(ns)} ns`;
  if (ns < 10_000_000) return `${(ns / 1e3).toFixed(ns < 100_000 ? 1 : 0)} µs`;
  if (ns < 10_000_000_000) return `${(ns / 1e6).toFixed(ns < 100_000_000 ? 1 : 0)} ms`;
  return `${(ns / 1e9).toFixed(1)} s`;
}
export const fmtStat = (s, suffix = "") => (s ? `${fmtNs(s.median)}${s.note ? ` (${s.note})` : ""}${suffix}` : "—");
export const fmtBytes = (b) => (Math.abs(b) >= 1e6 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
export const ratio = (theirs, ours) => (theirs?.median && ours?.median ? theirs.median / ours.median : null);
export const fmtRatio = (r) => (r === null ? "—" : r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`);
export const P = (n) => n.toLocaleString("en-US");
/** A markdown table: the header row, its rule, then the rows. */
export const markdownTable = (header, rows) => [
  `| ${header.join(" | ")} |`,
  `| ${header.map(() => "---").join(" | ")} |`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
].join("\n");

/** CPU model, cores, OS, memory, Node version and the load average now: the results' machine line. */
export function machineLine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model?.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${os.platform()} ${os.release()}, ` +
    `${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${os.loadavg()[0].toFixed(2)} at the start`;
}

// ───────────────────────────── memory of a process (Linux /proc) ─────────────────────────────

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM, …), or null where there is no /proc. */
export function procStatus(field, pid = "self") {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets this process's peak resident set (VmHWM) to its current one (Linux 4.0+); false where it cannot. */
export function resetPeakRss() {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

// ───────────────────────────── workerd ─────────────────────────────

/** The workerd binary of the repository's node_modules, or null when it is not installed. */
export function workerdBinary() {
  if (!existsSync(join(ROOT, "node_modules", "workerd"))) return null;
  return createRequire(join(ROOT, "package.json"))("workerd").default;
}

/**
 * Copies the package's modules for a workerd worker into `dir`/pkg/ and returns the config's module list
 * for them (ES modules and the .wasm as a `wasm` module; pkg/workerd.js is the entry to import).
 */
export function copyPackageForWorkerd(dir) {
  mkdirSync(join(dir, "pkg"), { recursive: true });
  const pkgModules = readdirSync(PKG).filter((f) => f.endsWith(".js") && !["node.js", "web.js", "index.js"].includes(f));
  for (const f of [...pkgModules, WASM_FILE]) copyFileSync(join(PKG, f), join(dir, "pkg", f));
  return [
    ...pkgModules.map((f) => `(name = "pkg/${f}", esModule = embed "pkg/${f}")`),
    `(name = "pkg/${WASM_FILE}", wasm = embed "pkg/${WASM_FILE}")`,
  ].join(", ");
}

/**
 * A workerd config: one worker `main` (its modules listed, and `bindings`), one socket on a free loopback
 * port, and any other `services` the bindings name.
 */
export function workerdConfig(main, modules, { v8Flags = [], services = "", bindings = "" } = {}) {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w)${services ? `, ${services}` : ""} ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],${v8Flags.length ? `
  v8Flags = [ ${v8Flags.map((f) => JSON.stringify(f)).join(", ")} ],` : ""}
);
const w :Workerd.Worker = (
  modules = [ (name = "${main}", esModule = embed "${main}"), ${modules} ],${bindings ? `
  bindings = [ ${bindings} ],` : ""}
  compatibilityDate = "2025-01-01",
);
`;
}

/**
 * Spawns `workerd serve <config>` in `dir` and resolves, once it listens, to `{ child, port, stderr(),
 * exited, stop() }` (`exited`: a promise of `{ code, signal }`); rejects when it exits first or does not
 * listen within `timeoutMs`.
 */
export function startWorkerd(dir, config, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(workerdBinary(), ["serve", config, "--control-fd=3"], { cwd: dir, stdio: ["ignore", "ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    };
    let listening = false;
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`workerd: not listening in ${timeoutMs / 1000} s\n${stderr}`)); }, timeoutMs);
    let control = "";
    child.stdio[3].setEncoding("utf8").on("data", (chunk) => {
      control += chunk;
      const line = control.split("\n").find((l) => l.includes('"listen"'));
      if (!line || listening) return;
      listening = true;
      clearTimeout(timer);
      resolve({ child, port: JSON.parse(line).port, stderr: () => stderr, exited, stop });
    });
    exited.then(({ code, signal }) => {
      if (!listening) { clearTimeout(timer); reject(new Error(`workerd exited ${code ?? signal}\n${stderr}`)); }
    });
  });
}

// ───────────────────────────── bench/results.md ─────────────────────────────

/**
 * Writes `section` (starting with its "## heading" line) into bench/results.md: in place of the section
 * of that heading when there is one (up to the next "## " heading), else at the end; the rest is kept.
 */
export function writeResultsSection(section) {
  const file = join(BENCH, "results.md");
  const heading = section.slice(0, section.indexOf("\n")).trim();
  const previous = existsSync(file) ? readFileSync(file, "utf8") : "# job-token-scope benchmark\n";
  const at = previous.indexOf(`${heading}\n`);
  let next;
  if (at < 0) {
    next = `${previous.trimEnd()}\n\n${section.trimEnd()}\n`;
  } else {
    const after = previous.indexOf("\n## ", at + heading.length);
    const rest = after < 0 ? "" : `\n\n${previous.slice(after + 1).trimEnd()}\n`;
    next = `${previous.slice(0, at).trimEnd()}\n\n${section.trimEnd()}\n${rest}`;
  }
  writeFileSync(file, next);
}

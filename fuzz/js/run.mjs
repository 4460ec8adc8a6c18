// The long run of the JS property fuzz (`make fuzz`): the properties of tests/js/fuzz.test.mjs
// (fuzz/js/properties.mjs), in chunks of about a second each, for --seconds in all; the next chunk goes
// to the property that has had the least time so far, so each gets about the same share.
//
//   node fuzz/js/run.mjs --seconds 600                 fuzz every property, sharing the time
//   node fuzz/js/run.mjs --seconds 60 --property coded-errors
//   node fuzz/js/run.mjs --property NAME --seed=S --path=P   replay a counterexample (printed with it)
//
// Progress (runs so far, per property) goes to stderr every ~10 s; a summary at the end. A property
// that fails is reported at once (fast-check's seed, path and shrunk counterexample, the error, how to
// replay) and leaves the rotation; the others go on. Exit code 1 if any property failed, 2 on bad usage.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { PKG_DIR, failureReport, loadPackage, properties, runProperty } from "./properties.mjs";

const usage = "usage: node fuzz/js/run.mjs [--seconds N] [--property NAME] [--seed=S [--path=P]] [--runs N]";
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      seconds: { type: "string", default: "60" },
      property: { type: "string" },
      seed: { type: "string" },
      path: { type: "string" },
      runs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
const seconds = Number(args.seconds);
if (!(seconds > 0)) {
  console.error(`--seconds ${args.seconds}: expected a positive number\n${usage}`);
  process.exit(2);
}
if (!existsSync(join(PKG_DIR, "index.js"))) {
  console.error(`fuzz-js: ${PKG_DIR}/index.js is missing — build the package with "make pkg" first`);
  process.exit(2);
}

const pkg = await loadPackage();
const all = properties(pkg);
const chosen = all.filter((p) => args.property === undefined || p.name === args.property);
if (chosen.length === 0) {
  console.error(`--property ${args.property}: no such property (${all.map((p) => p.name).join(", ")})`);
  process.exit(2);
}

// Replay: one check with the given seed (and path), as fast-check printed them.
if (args.seed !== undefined) {
  let failed = false;
  for (const p of chosen) {
    const details = await runProperty(p, { seed: Number(args.seed), path: args.path, numRuns: Number(args.runs ?? p.runs) });
    if (details.failed) {
      failed = true;
      console.error(failureReport(p, details));
    } else {
      console.error(`property ${p.name}: passed ${details.numRuns} runs with seed ${args.seed}${args.path ? ` path ${args.path}` : ""}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

const started = performance.now();
const deadline = started + seconds * 1000;
const elapsed = () => Math.round((performance.now() - started) / 1000);
const state = new Map(chosen.map((p) => [p.name, { runs: 0, ms: 0, chunks: 0, chunk: Math.max(1, Math.ceil(p.runs / 10)), failed: null }]));
const progress = () =>
  chosen.map((p) => {
    const s = state.get(p.name);
    return `${p.name} ${s.runs}${s.failed ? " FAILED" : ""}`;
  }).join(", ");

console.error(`fuzz-js: ${chosen.length} properties for ${seconds} s against ${PKG_DIR} (fast-check, node ${process.version})`);
let lastProgress = performance.now();
let active = [...chosen];
const CHUNK_MS = 1000;
while (active.length > 0 && performance.now() < deadline) {
  const p = active.reduce((a, b) => (state.get(b.name).ms < state.get(a.name).ms ? b : a));
  const s = state.get(p.name);
  const t0 = performance.now();
  // The time limit bounds shrinking too: a failure found near the end is reported as far as it shrank.
  const details = await runProperty(p, {
    numRuns: s.chunk,
    interruptAfterTimeLimit: Math.max(60_000, deadline - performance.now()),
    markInterruptAsFailure: false,
  });
  const ms = performance.now() - t0;
  s.runs += details.numRuns;
  s.ms += ms;
  s.chunks++;
  if (details.failed) {
    s.failed = details;
    console.error(`\nfuzz-js [${elapsed()} s] ${failureReport(p, details)}\n`);
  } else {
    // Next chunk: about CHUNK_MS of this property, but never past the deadline by much.
    const perRun = ms / Math.max(1, details.numRuns);
    const left = Math.max(0, deadline - performance.now());
    s.chunk = Math.max(1, Math.min(Math.round(CHUNK_MS / perRun), Math.round(left / perRun) || 1, s.chunk * 4));
  }
  if (performance.now() - lastProgress >= 10_000) {
    lastProgress = performance.now();
    console.error(`fuzz-js [${elapsed()} s] runs: ${progress()}`);
  }
  active = active.filter((q) => state.get(q.name).failed === null);
}

const failures = chosen.filter((p) => state.get(p.name).failed !== null);
const lines = chosen.map((p) => {
  const s = state.get(p.name);
  const rate = s.ms > 0 ? `${((s.runs * 1000) / s.ms).toFixed(s.runs * 1000 < 10 * s.ms ? 2 : 0)} runs/s` : "";
  return `  ${p.name.padEnd(18)} ${String(s.runs).padStart(8)} runs in ${(s.ms / 1000).toFixed(1).padStart(6)} s (${rate})${s.failed ? "  FAILED: seed " + s.failed.seed + " path " + s.failed.counterexamplePath : ""}`;
});
console.log(`fuzz-js: ${elapsed()} s, ${failures.length === 0 ? "no counterexample" : `${failures.length} propert${failures.length === 1 ? "y" : "ies"} FAILED`}\n${lines.join("\n")}`);
if (failures.length > 0) {
  console.log(failures.map((p) => `replay ${p.name}: node fuzz/js/run.mjs --property ${p.name} --seed=${state.get(p.name).failed.seed} --path=${state.get(p.name).failed.counterexamplePath}`).join("\n"));
}
process.exit(failures.length > 0 ? 1 : 0);

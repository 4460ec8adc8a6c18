// A short property fuzz of the built package (pkg/) with fast-check: generated GitLab worlds in the
// engine's input shape and hostile values JS can make but JSON cannot (fuzz/js/properties.mjs has the
// generators and the properties; `make fuzz` runs the same ones for longer: fuzz/js/run.mjs).
//
//   (a) every export throws only coded Errors (invalid_input, unknown_project, unsupported_version) with a
//       bounded message — or, unchanged, the very value the input threw (a getter, a Proxy trap);
//   (b) after every call the same instance answers a fixed question correctly;
//   (c) GitlabPolicy.check / explain ≡ checkGitlabAccess, and for bad requests the same error code;
//   (d) a freed GitlabPolicy throws invalid_input forever, and free() again does nothing;
//   (e) compactGitlabAllowlist's admitsAlso ≡ the sources whose decision flips to allowed;
//   (f) the wasm memory stays flat over a few thousand hostile calls.
//
// Short by default (about 15 s on two cores). Environment:
//   FUZZ_JS_RUNS=n        runs per property (instead of each property's default)
//   FUZZ_JS_SECONDS=s     a time budget, shared by the properties, instead of a number of runs
//   FUZZ_JS_PROPERTY=name only this property
//   FUZZ_JS_SEED=n FUZZ_JS_PATH=p   replay a failure (both are printed with it)
// Not generated here: calls made with the JS stack nearly exhausted, and inputs that exhaust the wasm
// memory (their own tests exist).

import { test } from "node:test";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { PKG_DIR, failureReport, loadPackage, properties, runProperty } from "../../fuzz/js/properties.mjs";

if (!existsSync(join(PKG_DIR, "index.js"))) throw new Error(`${PKG_DIR}/index.js is missing — build the package with "make pkg" first`);

const pkg = await loadPackage();
const all = properties(pkg);
const only = process.env.FUZZ_JS_PROPERTY;
if (only !== undefined && !all.some((p) => p.name === only)) {
  throw new Error(`FUZZ_JS_PROPERTY=${only}: no such property (${all.map((p) => p.name).join(", ")})`);
}
const number = (name) => (process.env[name] === undefined || process.env[name] === "" ? undefined : Number(process.env[name]));
const runs = number("FUZZ_JS_RUNS");
const seconds = number("FUZZ_JS_SECONDS");
const seed = number("FUZZ_JS_SEED");
const path = process.env.FUZZ_JS_PATH || undefined;
const selected = all.filter((p) => only === undefined || p.name === only);

for (const p of all) {
  test(`fuzz: ${p.name}`, { skip: !selected.includes(p) && `FUZZ_JS_PROPERTY=${only}` }, async () => {
    const options = { seed, path };
    if (seconds !== undefined && path === undefined) {
      options.numRuns = Number.MAX_SAFE_INTEGER;
      options.interruptAfterTimeLimit = Math.max(1, (seconds * 1000) / selected.length);
      options.markInterruptAsFailure = false;
    } else {
      options.numRuns = runs ?? p.runs;
    }
    const details = await runProperty(p, options);
    if (details.failed) throw new Error(failureReport(p, details));
  });
}

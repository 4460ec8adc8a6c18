#!/usr/bin/env node
// Builds the example gate's snapshot at deploy time: `node snapshot.mjs [world.json] [world.snapshot]`
// (defaults: next to this file). It compiles the world once, as `createGate({ world })` would in every cold
// worker, and writes `new GitlabPolicy(world).toBytes()`: worker-snapshot.js bundles the file as a Data
// module, or reads it from KV, and hands it to `createGate({ policy })`. wrangler.toml runs it as the
// build command, so every `wrangler deploy` ships a snapshot of the current world.json; run.mjs and the
// tests make it with the package the worker bundles (a build reads the snapshot format it writes).

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * `GitlabPolicy` of job-token-scope in `packageDir` (a package directory: the one the worker bundles), else
 * where this file finds it installed, else this repository's pkg/ (built by `make pkg`).
 */
async function gitlabPolicy(packageDir) {
  if (packageDir !== undefined) return (await import(pathToFileURL(join(packageDir, "node.js")).href)).GitlabPolicy;
  try {
    return (await import("job-token-scope")).GitlabPolicy;
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    return (await import(pathToFileURL(resolve(HERE, "..", "..", "pkg", "node.js")).href)).GitlabPolicy;
  }
}

/** Writes the snapshot of the world in `world` (a JSON file) to `out`; returns { out, bytes, ms }. */
export async function writeSnapshot({ world = join(HERE, "world.json"), out = join(HERE, "world.snapshot"), packageDir } = {}) {
  const GitlabPolicy = await gitlabPolicy(packageDir);
  const started = performance.now();
  const policy = GitlabPolicy.fromJSON(readFileSync(world)); // the JSON text, parsed inside the module
  let snapshot;
  try {
    snapshot = policy.toBytes();
  } finally {
    policy.free();
  }
  writeFileSync(out, snapshot);
  return { out, bytes: snapshot.byteLength, ms: performance.now() - started };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [world, out] = process.argv.slice(2);
  const made = await writeSnapshot({ world: world && resolve(world), out: out && resolve(out) });
  console.log(`wrote ${made.out}: ${made.bytes} bytes (compiled and written in ${made.ms.toFixed(1)} ms)`);
}

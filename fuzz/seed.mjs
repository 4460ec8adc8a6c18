// Seeds the fuzz corpora from the rule tables: every case of tests/cases/gitlab/*.json as
// `{ world, request | edit | scope | compact }` and of tests/cases/azure/*.json as `{ config, resource }`
// (the shapes the targets read when an input starts with `{`), plus a few gate requests.
// Writes fuzz/corpus/<target>/<sha1>: idempotent, and never removes what libFuzzer added.
//   node fuzz/seed.mjs

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CASES = join(ROOT, "tests", "cases");
const CORPUS = join(ROOT, "fuzz", "corpus");

const counts = {};
function seed(target, value) {
  const text = JSON.stringify(value);
  const dir = join(CORPUS, target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, createHash("sha1").update(text).digest("hex")), text);
  counts[target] = (counts[target] ?? 0) + 1;
}

function files(dir) {
  return readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")));
}

/** Objects merge key by key; arrays and scalars replace (tests/cases/azure/README.md). */
function merge(base, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = base !== null && typeof base === "object" && !Array.isArray(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v);
  return out;
}

for (const file of files(join(CASES, "gitlab"))) {
  for (const c of file.cases ?? []) {
    const world = structuredClone(c.world ?? file.world);
    if (world && typeof world === "object" && c.version !== undefined) world.version = c.version;
    const input = { world };
    for (const op of ["request", "edit", "scope", "compact"]) if (c[op] !== undefined) input[op] = c[op];
    seed("gitlab_checks", input);
    seed("parse_json", input);
  }
}

for (const file of files(join(CASES, "azure"))) {
  for (const c of file.cases ?? []) {
    const config = c.config ?? merge(file.config, c.patch ?? {});
    const input = c.resource ? { config, resource: c.resource } : { config };
    seed("azure_access", input);
    seed("parse_json", input);
  }
}

// The gate target's fixed config is fuzz/src/lib.rs `fixed_gate`; these requests reach each answer.
const NOW = 1_800_000_000;
const claims = (project, extra = {}) => ({
  iss: "https://gitlab.example.com", aud: "https://artifacts.example.com", exp: NOW + 300, nbf: NOW - 5,
  iat: NOW - 5, project_path: project, ref: "main", ref_type: "branch", ref_protected: "true", ...extra,
});
const header = { alg: "RS256", kid: "key-1" };
for (const [method, path, c] of [
  ["GET", "/projects/acme%2Fapi/packages/npm/x.tgz", claims("acme/ci")],
  ["GET", "/projects/acme%2Fapi/packages/x", claims("acme/tools/deploy")],
  ["GET", "/projects/acme%2Fapi/packages/x", claims("acme/fine")],
  ["POST", "/deploy", claims("acme/fine")],
  ["GET", "/projects/acme%2Fapi/packages/x", claims("nowhere/x")],
  ["GET", "/projects/acme%2Fapi/packages/x", claims("acme/ci", { exp: NOW - 3600 })],
  ["GET", "/projects/acme%2Fapi/packages/x", claims("acme/ci", { ref: "feature" })],
  ["GET", "/nothing", claims("acme/ci")],
  ["PUT", "/projects/other%2Fx", claims("acme/ci", { aud: ["x", "https://artifacts.example.com"] })],
]) {
  seed("gate", { method, path, header, claims: c, now: NOW });
}
seed("gate", { method: "GET", path: "/projects/acme%2Fapi/packages/x", header: { alg: "none" }, claims: claims("acme/ci"), now: NOW });

for (const [target, n] of Object.entries(counts)) console.log(`fuzz/corpus/${target}: ${n} seeds written`);

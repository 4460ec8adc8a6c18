#!/usr/bin/env node
// Runs the example gate locally: `node examples/worker/run.mjs [--port 8787] [--snapshot [--kv]] [--build-only]`.
//
// Bundles worker.js for workerd (dist/) — with --snapshot, worker-snapshot.js, which reads the allowlists
// from dist/world.snapshot (made from world.json by snapshot.mjs, as a deploy would); with --kv as well,
// from a local KV namespace through workerd's KV binding (config-kv.capnp) —, generates a signing key (RSA 2048) and passes its public JWK to
// the gate as GATE_JWKS, starts a small echo server on 127.0.0.1 as the internal service (GATE_UPSTREAM),
// starts `workerd` from node_modules on 127.0.0.1, and prints the URL with ready-made signed job tokens
// and curl commands. Ctrl-C stops everything. Uses job-token-scope where worker.js finds it installed,
// else this repository's pkg/ (running `make pkg` first when it is not built).

import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

import {
  AUDIENCE, EXAMPLE_DIR, ISSUER, ROOT, buildGate, generateKey, jobClaims, packageSource, signToken, startUpstream, startWorkerd,
} from "./dev.mjs";

const { values: options } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    snapshot: { type: "boolean", default: false },
    kv: { type: "boolean", default: false },
    "build-only": { type: "boolean", default: false },
  },
});

if (options.kv && !options.snapshot) {
  console.error("--kv needs --snapshot: the snapshot is what the KV namespace holds");
  process.exit(2);
}
let source;
try {
  source = packageSource();
} catch {
  // Neither installed nor built: build pkg/ (make pkg), once.
  console.log("job-token-scope is not built yet: running make pkg");
  const make = spawnSync("make", ["pkg"], { cwd: ROOT, stdio: "inherit" });
  if (make.status !== 0) process.exit(1);
  source = packageSource();
}
let built;
try {
  built = await buildGate({ nodePaths: source.nodePaths, entry: options.snapshot ? "worker-snapshot.js" : "worker.js" });
} finally {
  source.cleanup();
}
console.log(`bundled ${built.bundle} (job-token-scope from ${built.packageDir}), snapshot ${built.snapshot}`);
if (options["build-only"]) process.exit(0);

const key = await generateKey("RS256", "local-1");
const upstream = await startUpstream();
const gate = await startWorkerd(EXAMPLE_DIR, {
  address: `127.0.0.1:${options.port}`,
  config: options.kv ? "config-kv.capnp" : "config.capnp",
  env: {
    GATE_ISSUER: ISSUER,
    GATE_AUDIENCE: AUDIENCE,
    GATE_UPSTREAM: upstream.url,
    GATE_JWKS: JSON.stringify({ keys: [key.jwk] }),
  },
});
gate.child.stdout.pipe(process.stdout);
gate.child.stderr.pipe(process.stderr);

const hour = Math.floor(Date.now() / 1000) + 3600;
const token = await signToken(key, jobClaims("acme/ci", { exp: hour }));
const denied = await signToken(key, jobClaims("acme/other", { exp: hour }));
const packages = `${gate.url}/projects/acme%2Fplatform%2Fapi/packages/generic/tool/1.0/tool.tgz`;

console.log(`
job-token gate on ${gate.url}  (workerd; upstream echo server ${upstream.url}; world: examples/worker/world.json${options.snapshot ? `, as the snapshot dist/world.snapshot${options.kv ? " read from KV (config-kv.capnp)" : ""}` : ""})

A job token of acme/ci (allowlisted by acme/platform/api), valid for one hour:

  export TOKEN=${token}

  curl -i -H "Authorization: Bearer $TOKEN" ${packages}
      → 200 from the upstream, with X-Job-Token-Scope: allowed; reason=allowlisted_project; source=acme/ci
  curl -i -X PUT -H "Authorization: Bearer $TOKEN" --data-binary @README.md ${packages}
  curl -i -X POST -H "Authorization: Bearer $TOKEN" -d '{"version":"1.0"}' ${gate.url}/deploy
  curl -i ${packages}
      → 401 invalid_token (no token)

A job token of acme/other (not on the allowlist):

  curl -i -H "Authorization: Bearer ${denied}" ${packages}
      → 403 not_in_inbound_allowlist

Ctrl-C stops the gate.`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await gate.stop();
  await upstream.close();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
gate.child.once("exit", (code, signal) => {
  if (!stopping) {
    console.error(`workerd exited (${code ?? signal})`);
    upstream.close().then(() => process.exit(1));
  }
});

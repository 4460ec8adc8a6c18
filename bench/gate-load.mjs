#!/usr/bin/env node
// Load test of the edge gate: the example gate (examples/worker/) in a real workerd on 127.0.0.1, in front
// of a local echo server, driven by a local client with a fixed mix of allowed and refused requests. Every
// answer is checked against what it must be (status and reason); any failed request or wrong decision
// makes the run fail. Reports p50 / p99 latency and requests per second, and stops by itself.
//
// Two runs, each in its own workerd:
//   - keys inline (GATE_JWKS), after a warm-up: the steady state;
//   - keys fetched from a local JWKS endpoint (answering after --jwks-delay ms), starting on a cold cache,
//     no warm-up: the first --concurrency requests all wait for the one JWKS fetch in flight (single
//     flight, docs/gate.md "Keys"), so the run must make exactly one fetch.
//
//   node bench/gate-load.mjs [--requests 5000] [--concurrency 32] [--jwks-delay 50] [--deadline 120]
//
// Needs the package built (make pkg). Tokens are signed once, before the run: the client's cost is not
// measured, the gate's verification (WebCrypto) and decision (wasm) are, on every request.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

import {
  AUDIENCE, ISSUER, buildGate, encodeJson, generateKey, jobClaims, packageSource, signToken, startUpstream, startWorkerd,
} from "../examples/worker/dev.mjs";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "5000" },
    concurrency: { type: "string", default: "32" },
    "jwks-delay": { type: "string", default: "50" },
    deadline: { type: "string", default: "120" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const DEADLINE_MS = Number(values.deadline) * 1000;
const JWKS_DELAY_MS = Number(values["jwks-delay"]);
const WARMUP = Math.min(200, REQUESTS);

const PACKAGES = "/projects/acme%2Fplatform%2Fapi/packages/generic/tool/1.0/tool.tgz";

const dir = mkdtempSync(join(tmpdir(), "jts-gate-bench-"));
const gates = [];
let upstream;
let jwks;
const deadline = setTimeout(() => {
  console.error(`gate-load: deadline of ${DEADLINE_MS / 1000} s passed`);
  finish(2);
}, DEADLINE_MS);

async function finish(code) {
  clearTimeout(deadline);
  await Promise.all(gates.map((g) => g.stop()));
  await upstream?.close();
  await jwks?.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

try {
  const source = packageSource();
  try {
    await buildGate({ dir, nodePaths: source.nodePaths });
  } finally {
    source.cleanup();
  }
  const rsa = await generateKey("RS256", "rsa-1");
  const ec = await generateKey("ES256", "ec-1");
  upstream = await startUpstream();
  jwks = await startJwks({ keys: [rsa.jwk, ec.jwk] }, JWKS_DELAY_MS);
  const common = { GATE_AUDIENCE: AUDIENCE, GATE_UPSTREAM: upstream.url };
  const [inline, fetched] = await Promise.all([
    startWorkerd(dir, { env: { ...common, GATE_ISSUER: ISSUER, GATE_JWKS: JSON.stringify({ keys: [rsa.jwk, ec.jwk] }) } }),
    startWorkerd(dir, { env: { ...common, GATE_ISSUER: jwks.issuer, GATE_JWKS: "" } }),
  ]);
  gates.push(inline, fetched);

  const problems = [];
  const inlineRun = await measure(inline, await mix(rsa, ec, ISSUER), { warmup: WARMUP });
  problems.push(...inlineRun.problems);
  report("keys inline, after a warm-up", inline, inlineRun);

  const fetchedRun = await measure(fetched, await mix(rsa, ec, jwks.issuer), { warmup: 0 });
  problems.push(...fetchedRun.problems);
  report(`keys fetched (JWKS answering after ${JWKS_DELAY_MS} ms), from a cold cache`, fetched, fetchedRun);
  const first = Array.from(fetchedRun.latencies.slice(0, CONCURRENCY)).sort((a, b) => a - b);
  console.log(`  cold start: the first ${CONCURRENCY} requests (all waiting for the keys) p50 ${first[first.length >> 1].toFixed(2)} ms, max ${first.at(-1).toFixed(2)} ms`);
  console.log(`  JWKS fetches during the run: ${jwks.fetches()} (single flight: must be 1)`);
  if (jwks.fetches() !== 1) problems.push(`${jwks.fetches()} JWKS fetches from a cold cache, expected 1 (single flight)`);

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`machine: ${cpu}, ${cpus().length} CPUs, node ${process.version}`);
  if (problems.length > 0) {
    const counts = new Map();
    for (const p of problems) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p, n] of [...counts].slice(0, 20)) console.error(`  ${n} × ${p}`);
    for (const g of gates) if (/Uncaught|Error/.test(g.output())) console.error(g.output().slice(-4000));
    await finish(1);
  }
  await finish(0);

  /** The mix for tokens of `issuer`: what each kind of request sends and what the gate must answer. */
  async function mix(rsaKey, ecKey, issuer) {
    const long = { iss: issuer, exp: Math.floor(Date.now() / 1000) + 3600 };
    const sign = (key, project, overrides = {}) => signToken(key, jobClaims(project, { ...long, ...overrides }));
    const [h, , s] = (await sign(rsaKey, "acme/other")).split(".");
    const tampered = `${h}.${encodeJson(jobClaims("acme/ci", long))}.${s}`;
    return [
      { name: "allowed project RS256", token: await sign(rsaKey, "acme/ci"), status: 200, reason: "allowlisted_project" },
      { name: "allowed group ES256", token: await sign(ecKey, "acme/platform/deployer"), status: 200, reason: "allowlisted_group" },
      { name: "allowed fine-grained", token: await sign(ecKey, "acme/tools/packager"), status: 200, reason: "allowlisted_project" },
      { name: "denied not allowlisted", token: await sign(rsaKey, "acme/other"), status: 403, reason: "not_in_inbound_allowlist" },
      { name: "denied permission", token: await sign(rsaKey, "acme/tools/packager"), method: "PUT", status: 403, reason: "permission_not_granted" },
      { name: "denied requirement", token: await sign(ecKey, "acme/ci", { ref_protected: "false" }), status: 403, reason: "requirement_not_met" },
      { name: "expired", token: await sign(rsaKey, "acme/ci", { iat: 1, nbf: 1, exp: 2 }), status: 401, reason: "invalid_token" },
      { name: "tampered", token: tampered, status: 401, reason: "invalid_token" },
      { name: "missing token", token: null, status: 401, reason: "invalid_token" },
      { name: "no route", token: await sign(rsaKey, "acme/ci"), path: "/admin", status: 404, reason: "no_route" },
      {
        name: "non-canonical path", token: await sign(rsaKey, "acme/ci"), path: `${PACKAGES}/..%2F..%2Fadmin`,
        status: 400, reason: "non_canonical_path",
      },
    ];
  }
} catch (error) {
  console.error(error);
  for (const g of gates) console.error(g.output().slice(-4000));
  await finish(1);
}

/** One request of `kind` to `gate`; returns null when the answer is right, else what was wrong. */
async function one(gate, kind) {
  const headers = kind.token === null ? {} : { authorization: `Bearer ${kind.token}` };
  const res = await fetch(gate.url + (kind.path ?? PACKAGES), {
    method: kind.method ?? "GET", headers, body: kind.method === "PUT" ? "x" : undefined, signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let reason;
  if (res.status === 200) {
    reason = /reason=([a-z_]+)/.exec(res.headers.get("x-job-token-scope") ?? "")?.[1];
  } else {
    try {
      reason = JSON.parse(text).reason;
    } catch {
      reason = `(not JSON: ${text.slice(0, 80)})`;
    }
  }
  if (res.status !== kind.status || reason !== kind.reason) return `${kind.name}: got ${res.status} ${reason}, want ${kind.status} ${kind.reason}`;
  return null;
}

/** `total` requests of `kinds` (round robin) to `gate` over CONCURRENCY loops: latencies (ms) and problems. */
async function run(gate, kinds, total) {
  const latencies = new Float64Array(total);
  const problems = [];
  let next = 0;
  const loop = async () => {
    for (let i = next++; i < total; i = next++) {
      const kind = kinds[i % kinds.length];
      const start = performance.now();
      let problem;
      try {
        problem = await one(gate, kind);
      } catch (error) {
        problem = `${kind.name}: request failed: ${error.message}`;
      }
      latencies[i] = performance.now() - start;
      if (problem !== null) problems.push(problem);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { latencies, problems, seconds: (performance.now() - started) / 1000 };
}

/** A warm-up of `warmup` requests, then REQUESTS measured ones; checks what the upstream got. */
async function measure(gate, kinds, { warmup }) {
  if (warmup > 0) await run(gate, kinds, warmup);
  const forwardedBefore = upstream.requests.length;
  const result = await run(gate, kinds, REQUESTS);
  const expected = Array.from({ length: REQUESTS }, (_, i) => kinds[i % kinds.length].status === 200).filter(Boolean).length;
  const forwarded = upstream.requests.length - forwardedBefore;
  if (forwarded !== expected) result.problems.push(`the upstream got ${forwarded} requests, expected ${expected}`);
  return { ...result, kinds, forwarded, expected };
}

function report(title, gate, { latencies, problems, seconds, kinds, forwarded, expected }) {
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const allowedKinds = kinds.filter((k) => k.status === 200).length;
  console.log(`gate-load: ${title}: ${REQUESTS} requests, concurrency ${CONCURRENCY}, workerd ${gate.url}`);
  console.log(`  mix: ${kinds.length} kinds (${allowedKinds} allowed, ${kinds.length - allowedKinds} refused), round robin`);
  console.log(`  latency ms: p50 ${at(0.5).toFixed(2)}  p90 ${at(0.9).toFixed(2)}  p99 ${at(0.99).toFixed(2)}  max ${sorted.at(-1).toFixed(2)}`);
  console.log(`  throughput: ${(REQUESTS / seconds).toFixed(0)} requests/s (${seconds.toFixed(2)} s)`);
  for (const [k, kind] of kinds.entries()) {
    const mine = Array.from(latencies).filter((_, i) => i % kinds.length === k).sort((a, b) => a - b);
    const q = (f) => mine[Math.min(mine.length - 1, Math.floor(f * mine.length))].toFixed(2);
    console.log(`    ${kind.name.padEnd(24)} ${String(kind.status)} p50 ${q(0.5)}  p99 ${q(0.99)}`);
  }
  console.log(`  forwarded to the upstream: ${forwarded} (expected ${expected})`);
  console.log(`  failed or wrong decisions: ${problems.length}`);
}

/** A JWKS endpoint on 127.0.0.1 answering after `delayMs`; `fetches()` counts its requests. */
function startJwks(document, delayMs) {
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== "/oauth/discovery/keys") {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(document)), delayMs);
  });
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      ok({
        issuer: `http://127.0.0.1:${server.address().port}`,
        fetches: () => fetches,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

#!/usr/bin/env node
// Load test of the edge gate: the example gate (examples/worker/) in a real workerd on 127.0.0.1, in front
// of a local echo server, driven by a local client with a fixed mix of allowed and denied requests. Every
// answer is checked against what it must be (status and reason); any failed request or wrong decision
// makes the run fail. Reports p50 / p99 latency and requests per second, and stops by itself.
//
//   node bench/gate-load.mjs [--requests 5000] [--concurrency 32] [--deadline 120]
//
// Needs the package built (make pkg). Tokens are signed once, before the run: the client's cost is not
// measured, the gate's verification (WebCrypto) and decision (wasm) are, on every request.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
    deadline: { type: "string", default: "120" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const DEADLINE_MS = Number(values.deadline) * 1000;
const WARMUP = Math.min(200, REQUESTS);

const PACKAGES = "/projects/acme%2Fplatform%2Fapi/packages/generic/tool/1.0/tool.tgz";

const dir = mkdtempSync(join(tmpdir(), "jts-gate-bench-"));
let gate;
let upstream;
const deadline = setTimeout(() => {
  console.error(`gate-load: deadline of ${DEADLINE_MS / 1000} s passed`);
  finish(2);
}, DEADLINE_MS);

async function finish(code) {
  clearTimeout(deadline);
  await gate?.stop();
  await upstream?.close();
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
  gate = await startWorkerd(dir, {
    env: {
      GATE_ISSUER: ISSUER,
      GATE_AUDIENCE: AUDIENCE,
      GATE_UPSTREAM: upstream.url,
      GATE_JWKS: JSON.stringify({ keys: [rsa.jwk, ec.jwk] }),
    },
  });

  const long = { exp: Math.floor(Date.now() / 1000) + 3600 };
  const sign = (key, project, overrides = {}) => signToken(key, jobClaims(project, { ...long, ...overrides }));
  const tampered = async () => {
    const [h, , s] = (await sign(rsa, "acme/other")).split(".");
    return `${h}.${encodeJson(jobClaims("acme/ci", long))}.${s}`;
  };
  // The mix: what each kind of request sends and what the gate must answer.
  const kinds = [
    { name: "allowed project RS256", token: await sign(rsa, "acme/ci"), status: 200, reason: "allowlisted_project" },
    { name: "allowed group ES256", token: await sign(ec, "acme/platform/deployer"), status: 200, reason: "allowlisted_group" },
    { name: "allowed fine-grained", token: await sign(ec, "acme/tools/packager"), status: 200, reason: "allowlisted_project" },
    { name: "denied not allowlisted", token: await sign(rsa, "acme/other"), status: 403, reason: "not_in_inbound_allowlist" },
    { name: "denied permission", token: await sign(rsa, "acme/tools/packager"), method: "PUT", status: 403, reason: "permission_not_granted" },
    { name: "denied requirement", token: await sign(ec, "acme/ci", { ref_protected: "false" }), status: 403, reason: "requirement_not_met" },
    { name: "expired", token: await sign(rsa, "acme/ci", { iat: 1, nbf: 1, exp: 2 }), status: 401, reason: "invalid_token" },
    { name: "tampered", token: await tampered(), status: 401, reason: "invalid_token" },
    { name: "missing token", token: null, status: 401, reason: "invalid_token" },
    { name: "no route", token: await sign(rsa, "acme/ci"), path: "/admin", status: 404, reason: "no_route" },
  ];

  /** One request of `kind`; returns null when the answer is right, else what was wrong. */
  async function one(kind) {
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

  /** `total` requests over `CONCURRENCY` loops; returns latencies (ms) and problems. */
  async function run(total) {
    const latencies = new Float64Array(total);
    const problems = [];
    let next = 0;
    const loop = async () => {
      for (let i = next++; i < total; i = next++) {
        const kind = kinds[i % kinds.length];
        const start = performance.now();
        let problem;
        try {
          problem = await one(kind);
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

  await run(WARMUP);
  const forwardedBefore = upstream.requests.length;
  const { latencies, problems, seconds } = await run(REQUESTS);
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const allowedKinds = kinds.filter((k) => k.status === 200).length;
  const expectedForwarded = Array.from({ length: REQUESTS }, (_, i) => kinds[i % kinds.length].status === 200).filter(Boolean).length;
  const forwarded = upstream.requests.length - forwardedBefore;

  console.log(`gate-load: ${REQUESTS} requests, concurrency ${CONCURRENCY}, workerd ${gate.url}`);
  console.log(`  mix: ${kinds.length} kinds (${allowedKinds} allowed, ${kinds.length - allowedKinds} refused), round robin`);
  console.log(`  latency ms: p50 ${at(0.5).toFixed(2)}  p90 ${at(0.9).toFixed(2)}  p99 ${at(0.99).toFixed(2)}  max ${sorted.at(-1).toFixed(2)}`);
  console.log(`  throughput: ${(REQUESTS / seconds).toFixed(0)} requests/s (${seconds.toFixed(2)} s)`);
  for (const [k, kind] of kinds.entries()) {
    const mine = Array.from(latencies).filter((_, i) => i % kinds.length === k).sort((a, b) => a - b);
    const q = (f) => mine[Math.min(mine.length - 1, Math.floor(f * mine.length))].toFixed(2);
    console.log(`    ${kind.name.padEnd(24)} ${String(kind.status)} p50 ${q(0.5)}  p99 ${q(0.99)}`);
  }
  console.log(`  forwarded to the upstream: ${forwarded} (expected ${expectedForwarded})`);
  console.log(`  failed or wrong decisions: ${problems.length}`);
  if (forwarded !== expectedForwarded) problems.push(`the upstream got ${forwarded} requests, expected ${expectedForwarded}`);
  if (problems.length > 0) {
    const counts = new Map();
    for (const p of problems) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p, n] of [...counts].slice(0, 20)) console.error(`  ${n} × ${p}`);
    if (/Uncaught|Error/.test(gate.output())) console.error(gate.output().slice(-4000));
    await finish(1);
  }
  await finish(0);
} catch (error) {
  console.error(error);
  if (gate) console.error(gate.output().slice(-4000));
  await finish(1);
}

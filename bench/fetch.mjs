// The live import's speed (issue 20): `node bench/fetch.mjs` from the repository root after `make pkg`
// (`make bench` runs it). The GitLab stand-in of the tests (tests/js/support/gitlab-server.mjs) serves a
// world of 2,000 projects in its own process; job-token-scope/fetch (pkg/gitlab-fetch.js) reads it back
// with the authentication logs — at several concurrencies, on loopback and with a simulated round trip
// per request — and the table gives the total time, the requests and requests per second. Printed and
// written to bench/fetch-results.md. Each row is one run (a fetch is seconds long; the spread between
// runs is a few percent).

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, "..");
const PROJECTS = Number(process.env.PROJECTS ?? 2000);
const { fetchGitlabScenario } = await import(pathToFileURL(join(ROOT, "pkg", "gitlab-fetch.js")).href);

/** The stand-in in a child process; resolves { url, token, stop }. */
function startServer(latency) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "tests/js/support/gitlab-server.mjs"), "--projects", String(PROJECTS), "--latency", String(latency)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s) => {
      out += s;
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const token = /GITLAB_TOKEN=(\S+)/.exec(out);
      if (url && token) resolve({ url: url[1], token: token[1], stop: () => new Promise((r) => { child.once("exit", r); child.kill("SIGTERM"); }) });
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
}

const rows = [];
for (const [latency, concurrencies] of [[0, [4, 8, 32]], [20, [8, 32]]]) {
  const server = await startServer(latency);
  try {
    for (const concurrency of concurrencies) {
      const started = performance.now();
      const scenario = await fetchGitlabScenario({ url: server.url, token: server.token, group: "acme", authLog: true, concurrency });
      const seconds = (performance.now() - started) / 1000;
      const f = scenario.fetch;
      if (!f.complete) throw new Error(`incomplete fetch: ${JSON.stringify(f.failures.slice(0, 3))}`);
      const row = { latency, concurrency, projects: scenario.world.projects.length - f.external.projects.length, requests: f.requests, seconds, rate: f.requests / seconds, log: scenario.log.length };
      rows.push(row);
      console.error(`latency ${latency} ms, concurrency ${concurrency}: ${row.projects} projects, ${row.requests} requests in ${seconds.toFixed(1)} s = ${Math.round(row.rate)} requests/s`);
    }
  } finally {
    await server.stop();
  }
}

const table = [
  `Live import of ${PROJECTS.toLocaleString("en")} projects with their authentication logs (job-token-scope/fetch against tests/js/support/gitlab-server.mjs, GitLab 18.3: 5 requests per project), ${os.cpus().length} × ${os.cpus()[0]?.model?.trim() ?? "CPU"}, Node ${process.version}.`,
  "",
  "| round trip added per request | concurrency | projects | requests | total time | requests / s |",
  "| --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${r.latency ? `${r.latency} ms` : "none (loopback)"} | ${r.concurrency} | ${r.projects.toLocaleString("en")} | ${r.requests.toLocaleString("en")} | ${r.seconds.toFixed(1)} s | ${Math.round(r.rate).toLocaleString("en")} |`),
  "",
].join("\n");
console.log(table);
writeFileSync(join(BENCH, "fetch-results.md"), `${table}`);

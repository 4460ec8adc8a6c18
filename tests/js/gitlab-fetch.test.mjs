// `job-token-scope/fetch` (pkg/gitlab-fetch.js) as a program calls it — the simulator's "Connect to
// GitLab" in a browser, or a script in Node: options checked, progress reported, an AbortSignal obeyed,
// the token kept out of everything it returns, each release read with the APIs it has (the engine's own
// release table decides which), GitLab's CSV export of the log read, and the module in Chromium against a
// GitLab stand-in on another origin (CORS as GitLab sends it). Against tests/js/support/gitlab-server.mjs.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { PKG_DIR, within } from "./support/package.mjs";
import { makeWorld, normalize, startGitlabServer } from "./support/gitlab-server.mjs";

const FETCH_URL = pathToFileURL(join(PKG_DIR, "gitlab-fetch.js")).href;
const { fetchGitlabScenario, GitlabFetchError, authLogFromCsv, authLogFromGraphql, gitlabRelease, gitlabRole, gitlabBaseUrl } = await import(FETCH_URL);
const api = await import(pathToFileURL(join(PKG_DIR, "node.js")).href);

test("the module imports nothing: it loads as it is in a browser, a worker or Node", () => {
  const source = readFileSync(join(PKG_DIR, "gitlab-fetch.js"), "utf8");
  assert.ok(!/^\s*import\b/m.test(source) && !/\bimport\s*\(/.test(source) && !/\brequire\s*\(/.test(source));
  assert.ok(!/\bprocess\./.test(source) && !/\bBuffer\b/.test(source), "no Node-only globals");
});

test("options are checked before any request: one scope, https off loopback, no credentials in the URL", async () => {
  const calls = [];
  const spy = async (...args) => {
    calls.push(args);
    throw new Error("no request expected");
  };
  const refuse = async (options, code, pattern) => {
    await assert.rejects(fetchGitlabScenario({ token: "t", fetch: spy, ...options }), (e) => {
      assert.ok(e instanceof GitlabFetchError, String(e));
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
      return true;
    });
  };
  await refuse({ url: "http://gitlab.example.com", group: "acme" }, "insecure_url", /not https/);
  await refuse({ url: "https://user:pw@gitlab.example.com", group: "acme" }, "invalid_options", /credentials in the URL/);
  await refuse({ url: "https://gitlab.example.com" }, "invalid_options", /exactly one of group/);
  await refuse({ url: "https://gitlab.example.com", group: "acme", projects: ["a/b"] }, "invalid_options", /exactly one of group/);
  await refuse({ url: "https://gitlab.example.com", group: "acme", concurrency: 0 }, "invalid_options", /concurrency: expected an integer from 1 to 64/);
  await refuse({ url: "https://gitlab.example.com", group: "acme", tokn: "x" }, "invalid_options", /options\.tokn: unknown option/);
  await refuse({ url: "https://gitlab.example.com", group: "acme", token: "" }, "invalid_options", /token: expected a non-empty string/);
  await refuse({ url: "not a url", group: "acme" }, "invalid_options", /not a URL/);
  assert.equal(calls.length, 0);
  for (const ok of ["http://localhost:8080", "http://127.0.0.1:1/", "http://[::1]:3000", "https://gitlab.example.com/gitlab/"]) {
    assert.equal(gitlabBaseUrl(ok), ok.replace(/\/$/, ""));
  }
  assert.equal(gitlabRelease("17.6.0-ee"), "17.6");
  assert.equal(gitlabRelease("18.10.2"), "18.10");
  assert.deepEqual([5, 10, 15, 20, 25, 30, 40, 50, 60].map(gitlabRole), [null, "guest", "planner", "reporter", "reporter", "developer", "maintainer", "owner", "owner"]);
});

test("progress after each project and phase; the token kept out of the result; the injected fetch used", async (t) => {
  const truth = makeWorld({ projects: 30 });
  const server = await startGitlabServer(truth.world, truth.log);
  t.after(() => server.close());
  const seen = [];
  const headers = new Set();
  const scenario = await fetchGitlabScenario({
    url: server.url,
    token: server.token,
    group: "acme",
    authLog: true,
    onProgress: (p) => seen.push(p),
    fetch: (url, init) => {
      headers.add(init.headers.Authorization);
      return fetch(url, init);
    },
  });
  assert.deepEqual([...headers], [`Bearer ${server.token}`]);
  assert.ok(!JSON.stringify(scenario).includes(server.token));
  assert.equal(scenario.fetch.complete, true);
  const phases = [...new Set(seen.map((p) => p.phase))];
  assert.deepEqual(phases, ["version", "list", "projects", "assemble", "done"]);
  const done = seen.filter((p) => p.phase === "projects").map((p) => p.projectsDone);
  assert.deepEqual(done, [...done].sort((a, b) => a - b), "projectsDone only grows");
  assert.equal(Math.max(...done), 30, "every project under acme");
  assert.equal(seen.at(-1).requests, scenario.fetch.requests);
  for (const p of seen) assert.ok(!JSON.stringify(p).includes(server.token));
  // What it read is what the engine takes: no validation problem beyond what the world served has.
  assert.deepEqual(api.validateGitlabWorld(scenario.world), api.validateGitlabWorld(truth.world));
});

test("an AbortSignal stops the fetch: rejected with its reason, no request after", async (t) => {
  const truth = makeWorld({ projects: 60 });
  const server = await startGitlabServer(truth.world, truth.log, { latency: 15 });
  t.after(() => server.close());
  const controller = new AbortController();
  const reason = new Error("the user closed the dialog");
  let sent = 0;
  let late = 0;
  let unfinished = 0;
  const fetching = fetchGitlabScenario({
    url: server.url, token: server.token, group: "acme", authLog: true, concurrency: 4, signal: controller.signal,
    onProgress: (p) => {
      if (p.projectsDone >= 3) controller.abort(reason);
    },
    fetch: (url, init) => {
      sent++;
      if (controller.signal.aborted) late++;
      unfinished++;
      return fetch(url, init).finally(() => unfinished--);
    },
  });
  await assert.rejects(fetching, (e) => e === reason);
  const atRejection = sent;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(late, 0, "no request started after the abort");
  assert.equal(sent, atRejection, "nor later");
  assert.equal(unfinished, 0, "the requests in flight were aborted with it");
  assert.ok(sent < 60 * 4, `stopped early (${sent} requests)`);
  // Aborted before it starts: nothing is sent at all.
  const before = server.stats.requests;
  await assert.rejects(fetchGitlabScenario({ url: server.url, token: server.token, group: "acme", signal: AbortSignal.abort() }), { name: "AbortError" });
  assert.equal(server.stats.requests, before);
});

test("each release read with the APIs it has, as the engine's release table says (gitlabVersions)", async (t) => {
  const rows = api.gitlabVersions().filter((row) => row.since !== "0.0");
  for (const row of rows) {
    const world = {
      version: row.since,
      projects: [
        { path: "acme/api", inbound: { enabled: true, projects: ["acme/ci"], ...(row.groups ? { groups: ["acme"] } : {}) }, ...(row.outbound ? { outbound: { enabled: true, projects: ["acme/ci"] } } : {}) },
        { path: "acme/ci", inbound: { enabled: true } },
      ],
    };
    const log = [{ source: "acme/ci", target: "acme/api", lastAuthorizedAt: "2025-10-01T00:00:00Z" }];
    const server = await startGitlabServer(world, log, { gitlabVersion: `${row.since}.0` });
    try {
      const scenario = await fetchGitlabScenario({ url: server.url, token: server.token, group: "acme", authLog: true });
      const what = `GitLab ${row.since}`;
      assert.equal(scenario.fetch.complete, true, `${what}: ${JSON.stringify(scenario.fetch.failures)}`);
      assert.equal(scenario.log.length, row.authenticationLog ? 1 : 0, `${what}: the log is read iff the release has one`);
      assert.equal(scenario.fetch.authLog, row.authenticationLog, what);
      assert.equal(Boolean(server.stats.paths["/api/v4/projects/1000/job_token_scope/groups_allowlist"]), row.groups, `${what}: group entries iff the release has them`);
      assert.equal(Boolean(server.stats.paths["/api/v4/application/settings"]), row.instanceSetting, `${what}: the instance setting iff it exists`);
      const api0 = scenario.world.projects.find((p) => p.path === "acme/api");
      assert.equal(Boolean(api0.outbound), row.outbound, `${what}: the outbound list iff the release has it`);
      // GraphQL: the allowlist's permissions from 18.3, the log from 17.6, the outbound list before 18.0.
      const graphql = (row.fineGrained ? 2 : 0) + (row.authenticationLog ? 2 : 0) + (row.outbound ? 1 : 0);
      assert.equal(server.stats.paths["/api/graphql"] ?? 0, graphql, `${what}: GraphQL queries`);
      assert.deepEqual(scenario.world.projects, normalize(world, log).world.projects, what);
    } finally {
      await server.close();
    }
  }
});

test("a GraphQL error, and a Retry-After longer than the fetch waits, are failures of their project", async (t) => {
  const truth = makeWorld({ projects: 12 });
  const target = truth.log[0].target;
  const server = await startGitlabServer(truth.world, truth.log, { logsGraphqlError: [target] });
  t.after(() => server.close());
  const scenario = await fetchGitlabScenario({ url: server.url, token: server.token, group: "acme", authLog: true });
  assert.deepEqual(scenario.fetch.failures, [{
    project: target, what: "authentication log", request: "POST /api/graphql project.ciJobTokenAuthLogs", status: 200,
    message: "GraphQL: Internal server error: the authentication log could not be read",
  }]);

  const limited = await startGitlabServer(truth.world, truth.log, { rateLimit: { after: 10, seconds: 30 } });
  t.after(() => limited.close());
  const throttled = await fetchGitlabScenario({ url: limited.url, token: limited.token, group: "acme", maxRetryAfterMs: 2_000, concurrency: 2 });
  assert.equal(throttled.fetch.complete, false);
  assert.ok(throttled.fetch.failures.length > 0 && throttled.fetch.failures.every((f) => f.status === 429), JSON.stringify(throttled.fetch.failures));
  assert.match(throttled.fetch.failures[0].message, /Too Many Requests \(Retry-After \d+ s\): longer than the 2 s this fetch waits/);
});

test("the authentication log from GitLab's CSV export and from GraphQL nodes", () => {
  // app/services/ci/job_token/export_authorizations_service.rb: CsvBuilder with these two headers.
  const csv = 'Origin Project Path,Last Authorized At (UTC)\r\nacme/ci,2025-10-25T08:00:00Z\r\n"acme/odd,name",2025-10-26T09:30:00Z\r\nacme/api,2025-10-01T00:00:00Z\r\n';
  assert.deepEqual(authLogFromCsv("acme/api", csv), [
    { source: "acme/ci", target: "acme/api", lastAuthorizedAt: "2025-10-25" },
    { source: "acme/odd,name", target: "acme/api", lastAuthorizedAt: "2025-10-26" },
  ]);
  assert.throws(() => authLogFromCsv("acme/api", "a,b\n1,2\n"), /no "Origin Project Path" column/);
  assert.deepEqual(authLogFromGraphql("acme/api", [
    { originProject: { fullPath: "acme/ci" }, lastAuthorizedAt: "2025-10-25T08:00:00Z" },
    { originProject: null, lastAuthorizedAt: "2025-10-25T08:00:00Z" },
    null,
    { originProject: { fullPath: "acme/web" }, lastAuthorizedAt: "2025-10-25T23:30:00-02:00" },
  ]), [
    { source: "acme/ci", target: "acme/api", lastAuthorizedAt: "2025-10-25" },
    { source: "acme/web", target: "acme/api", lastAuthorizedAt: "2025-10-26" },
  ]);
});

// ───────────────────────────── in Chromium, cross-origin ─────────────────────────────

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
let browser;
before(async () => {
  if (!existsSync(CHROMIUM)) return;
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 60_000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, { timeout: 90_000 });
after(async () => {
  if (browser) await within(30_000, "closing Chromium", browser.close());
});

test("in Chromium: a page calls the module against GitLab on another origin (CORS), token in memory, progress, abort", { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing`, timeout: 120_000 }, async (t) => {
  const truth = makeWorld({ projects: 150 });
  const gitlab = await startGitlabServer(truth.world, truth.log, { rateLimit: { after: 60, seconds: 1 } });
  t.after(() => gitlab.close());
  const moduleText = readFileSync(join(PKG_DIR, "gitlab-fetch.js"));
  const page = createServer((req, res) => {
    if (req.url === "/gitlab-fetch.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(moduleText);
    } else {
      res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>connect</title>");
    }
  });
  await new Promise((r) => page.listen(0, "127.0.0.1", r));
  t.after(() => new Promise((r) => {
    page.closeAllConnections();
    page.close(() => r());
  }));
  // Another origin: the page on 127.0.0.1:<port>, GitLab on localhost:<other port>.
  const gitlabUrl = gitlab.url.replace("127.0.0.1", "localhost");
  const tab = await browser.newPage();
  t.after(() => tab.close());
  const errors = [];
  tab.on("pageerror", (e) => errors.push(e.message));
  await tab.goto(`http://127.0.0.1:${page.address().port}/`);
  const result = await tab.evaluate(async ({ url, token }) => {
    const { fetchGitlabScenario } = await import("/gitlab-fetch.js");
    const phases = new Set();
    const scenario = await fetchGitlabScenario({
      url, token, group: "acme", authLog: true, retryBaseMs: 200, onProgress: (p) => phases.add(p.phase),
    });
    const controller = new AbortController();
    const aborted = fetchGitlabScenario({ url, token, group: "acme", signal: controller.signal, onProgress: (p) => p.projectsDone > 2 && controller.abort() })
      .then(() => "resolved", (e) => e.name);
    return { scenario, phases: [...phases], aborted: await aborted };
  }, { url: gitlabUrl, token: gitlab.token });
  assert.deepEqual(errors, []);
  assert.deepEqual(result.phases, ["version", "list", "projects", "assemble", "done"]);
  assert.equal(result.scenario.fetch.complete, true, JSON.stringify(result.scenario.fetch.failures));
  const { users: _users, ...withoutUsers } = truth.world;
  assert.deepEqual(result.scenario.world, withoutUsers);
  assert.deepEqual(result.scenario.log, normalize(truth.world, truth.log).log);
  assert.ok(result.scenario.fetch.throttled > 0, "429s answered; Retry-After unreadable cross-origin, so it backed off");
  assert.ok(gitlab.stats.preflights > 0, "Authorization makes each request preflighted");
  assert.equal(result.aborted, "AbortError");
});

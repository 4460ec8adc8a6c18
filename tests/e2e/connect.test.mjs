// End-to-end tests of "Connect to GitLab" (issue 20): the simulator reads a group from a GitLab stand-in
// (tests/js/support/gitlab-server.mjs, started here, on another origin: GitLab's CORS headers) with the
// package's job-token-scope/fetch, shows its progress, lists the reads that failed, makes what was read
// the scenario (undoable), keeps the token out of the link, local storage, the saved scenario and the
// page's markup, cancels a slow read, and plans enforcement from the log it read.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeWorld, startGitlabServer } from "../js/support/gitlab-server.mjs";
import { fetchGitlabScenario } from "../../pkg/gitlab-fetch.js";
import * as api from "../../pkg/node.js";
import { SHOTS, TEST_MS, activeId, axe, exported, start, stop, widths, withPage } from "./support/harness.mjs";

before(start);
after(stop);

const truth = makeWorld({ projects: 30 });
const paths = truth.world.projects.map((p) => p.path).filter((p) => p.startsWith("acme/"));
const FORBIDDEN = paths[3];
/** What Chromium logs for GitLab's error answers (GET /application/settings is 403 for a non-administrator). */
const HTTP_ERRORS = [/Failed to load resource: the server responded with a status of (401|403|404|500)/];
const LOG_FAILS = paths[7];

/** A stand-in GitLab for one test, on localhost (the page is on 127.0.0.1: another origin). */
async function gitlab(t, options = {}) {
  const server = await startGitlabServer(truth.world, truth.log, options);
  t.after(() => server.close());
  return { ...server, url: server.url.replace("127.0.0.1", "localhost") };
}

async function openConnect(page) {
  if (!(await page.locator("#connect-panel[open]").count())) await page.click("#connect-panel > summary");
  await page.waitForSelector("#connect-form");
}

async function fill(page, { url, token, group = "acme", authLog = true, members = false }) {
  await openConnect(page);
  await page.fill("#connect-url", url);
  await page.fill("#connect-token", token);
  await page.fill("#connect-group", group);
  await page.setChecked("#connect-auth-log", authLog);
  await page.setChecked("#connect-members", members);
}

test("reads a group from GitLab on another origin: progress, the failures listed, the scenario replaced (undoable), the token kept out", { timeout: TEST_MS }, async (t) => {
  const server = await gitlab(t, { forbidden: [FORBIDDEN], logsFail: [LOG_FAILS] });
  // what the package reads, asked in Node: the page must show exactly this
  const expected = await fetchGitlabScenario({ url: server.url, token: server.token, group: "acme", authLog: true, members: true });
  assert.equal(expected.fetch.complete, false);
  await withPage(async (page) => {
    const before = await exported(page);
    await fill(page, { url: server.url, token: server.token, members: true });
    // the progress line, as it changes
    await page.evaluate(() => {
      globalThis.progressSeen = [];
      new MutationObserver(() => {
        const text = document.getElementById("connect-progress")?.textContent;
        if (text && globalThis.progressSeen.at(-1) !== text) globalThis.progressSeen.push(text);
      }).observe(document.getElementById("connect-mount"), { subtree: true, childList: true, characterData: true });
    });
    await page.click("#connect-button");
    await page.waitForSelector("#connect-result-heading");
    assert.equal(await activeId(page), "connect-result");
    const seen = await page.evaluate(() => globalThis.progressSeen);
    assert.ok(seen.some((s) => /Reading the projects: \d+ of \d+ projects/.test(s)), seen.join("\n"));

    // the scenario's GitLab part is what was read, its log too; the Azure part is kept
    const scenario = JSON.parse(await exported(page));
    assert.deepEqual(scenario.gitlab.world, expected.world);
    assert.deepEqual(scenario.gitlab.log, expected.log);
    assert.deepEqual(scenario.azure, JSON.parse(before).azure);
    assert.equal(scenario.view, "gitlab");
    await page.waitForSelector('#gl-matrix-mount[data-state="ready"]');
    assert.equal(await page.inputValue("#gl-version"), expected.world.version);
    // the log read with it: enforcement readiness plans it
    await page.waitForSelector('#gl-readiness[data-state="ready"] #gl-readiness-summary');
    const plan = api.planGitlabEnforcement(expected.world, expected.log);
    assert.ok(plan.summary.breaking > 0);
    assert.match(await page.textContent("#gl-readiness-summary"), new RegExp(`^${plan.summary.breaking} of ${plan.summary.projects} logged projects would break: ${plan.summary.breaks} logged uses`));

    // the failures: each with its project, what, request and status
    assert.match(await page.textContent("#connect-result-heading"), new RegExp(`with ${expected.fetch.failures.length} failures?`));
    const rows = await page.locator("#connect-failures tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, expected.fetch.failures.map((f) => [f.project ?? f.group, f.what, f.request, String(f.status), f.message]));
    assert.ok(rows.some((r) => r[0] === FORBIDDEN && r[3] === "403"), JSON.stringify(rows));
    assert.ok(rows.some((r) => r[0] === LOG_FAILS && r[1] === "authentication log" && r[3] === "500"), JSON.stringify(rows));
    assert.match(await page.textContent("#connect-summary"), new RegExp(`group acme of ${server.url.replace(/[/.]/g, "\\$&")}.*: ${expected.world.projects.length} projects in the scenario, ${expected.log.length} authentication log entries, members`));
    await page.screenshot({ path: join(SHOTS, "connect.png"), fullPage: true });

    // the token: in the field's memory only
    await page.waitForFunction(() => document.body.dataset.saved);
    const leaks = await page.evaluate((token) => ({
      url: location.href.includes(token),
      storage: Object.keys(localStorage).some((k) => localStorage.getItem(k).includes(token)),
      scenario: JSON.stringify(globalThis.simulator.exportScenario()).includes(token),
      history: JSON.stringify(globalThis.simulator.history.map((h) => h.scenario)).includes(token),
      state: JSON.stringify(globalThis.simulator.views.connect.state, (k, v) => (k === "controller" ? undefined : v)).includes(token),
      markup: document.documentElement.outerHTML.includes(token),
      field: document.getElementById("connect-token").value === token,
    }), server.token);
    assert.deepEqual(leaks, { url: false, storage: false, scenario: false, history: false, state: false, markup: false, field: true });

    // undo brings the previous scenario back
    await page.click("#undo");
    await page.waitForFunction((b) => JSON.stringify(globalThis.simulator.exportScenario()) === b, before);
  }, { allowErrors: HTTP_ERRORS });
});

test("Cancel stops a slow read; the scenario is not changed", { timeout: TEST_MS }, async (t) => {
  const server = await gitlab(t, { slow: { [paths[5]]: 20_000 } });
  await withPage(async (page) => {
    const before = await exported(page);
    await fill(page, { url: server.url, token: server.token, authLog: false });
    await page.click("#connect-button");
    await page.waitForSelector("#connect-cancel");
    assert.equal(await activeId(page), "connect-cancel");
    assert.equal(await page.isDisabled("#connect-button"), true);
    await page.waitForFunction(() => /Reading the projects/.test(document.getElementById("connect-progress")?.textContent ?? ""));
    await page.keyboard.press("Enter");
    await page.waitForSelector("#connect-result .note");
    assert.match(await page.textContent("#connect-result"), /Cancelled/);
    assert.equal(await activeId(page), "connect-button");
    assert.equal(await page.isDisabled("#connect-button"), false);
    assert.equal(await page.locator("#connect-cancel").count(), 0);
    assert.equal(await exported(page), before);
    // nothing is sent once cancelled
    const requests = server.stats.requests;
    await page.waitForTimeout(500);
    assert.equal(server.stats.requests, requests, "requests after the cancel");
  }, { allowErrors: HTTP_ERRORS });
});

test("what ends a read is said, with its code: a wrong token, an unknown group, http off loopback", { timeout: TEST_MS }, async (t) => {
  const server = await gitlab(t);
  await withPage(async (page) => {
    const before = await exported(page);
    await fill(page, { url: server.url, token: "glpat-wrong" });
    await page.click("#connect-button");
    await page.waitForSelector("#connect-result .error");
    assert.equal(await page.textContent(".connect-code"), "unauthorized");
    assert.match(await page.textContent("#connect-result"), /read_api/);
    assert.equal(await activeId(page), "connect-result");
    await fill(page, { url: server.url, token: server.token, group: "nope" });
    await page.click("#connect-button");
    await page.waitForFunction(() => document.querySelector(".connect-code")?.textContent === "not_found");
    await fill(page, { url: "http://gitlab.example.com", token: server.token });
    await page.click("#connect-button");
    await page.waitForFunction(() => document.querySelector(".connect-code")?.textContent === "insecure_url");
    assert.equal(await exported(page), before);
  }, { allowErrors: HTTP_ERRORS });
});

test("projects instead of a group", { timeout: TEST_MS }, async (t) => {
  const server = await gitlab(t);
  await withPage(async (page) => {
    await openConnect(page);
    await page.fill("#connect-url", server.url);
    await page.fill("#connect-token", server.token);
    await page.check("#connect-scope-projects");
    await page.fill("#connect-projects", `${paths[0]}\n${paths[1]}\n`);
    await page.setChecked("#connect-auth-log", false);
    await page.click("#connect-button");
    await page.waitForSelector("#connect-result-heading");
    const expected = await fetchGitlabScenario({ url: server.url, token: server.token, projects: [paths[0], paths[1]] });
    assert.deepEqual(JSON.parse(await exported(page)).gitlab.world, expected.world);
    assert.match(await page.textContent("#connect-summary"), /^2 projects of /);
  }, { allowErrors: HTTP_ERRORS });
});

for (const colorScheme of ["light", "dark"]) {
  test(`axe-core (${colorScheme}) and 390 px: the panel with its failures, then with an error`, { timeout: TEST_MS }, async (t) => {
    const server = await gitlab(t, { forbidden: [FORBIDDEN] });
    await withPage(async (page) => {
      await fill(page, { url: server.url, token: server.token, authLog: false });
      await page.click("#connect-button");
      await page.waitForSelector("#connect-failures");
      assert.deepEqual(await axe(page), [], "failures");
      const [scroll, client] = await widths(page);
      assert.ok(scroll <= client, `page ${scroll} px wide on a ${client} px screen`);
      if (colorScheme === "dark") await page.screenshot({ path: join(SHOTS, "phone-connect.png"), fullPage: true });
      await fill(page, { url: server.url, token: "glpat-wrong" });
      await page.click("#connect-button");
      await page.waitForSelector("#connect-result .error");
      assert.deepEqual(await axe(page), [], "error");
    }, { colorScheme, width: 390, height: 844, allowErrors: HTTP_ERRORS });
  });
}

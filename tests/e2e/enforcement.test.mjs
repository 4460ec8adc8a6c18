// End-to-end tests of enforcement readiness (issue 19): GitLab's job token authentication log imported
// (its GraphQL ciJobTokenAuthLogs answer, pasted or as files, several projects at once; the scenario file
// of `job-token-scope fetch`), the readiness view against planGitlabEnforcement (what breaks per project,
// the least-privilege proposal against GitLab's auto-populate), and "stage as a what-if draft" with the
// matrix marking what the staged allowlists flip. Every expectation is the package's answer, asked in Node.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as api from "../../pkg/node.js";
import { gitlabExample } from "../../www/examples.js";
import { makeWorld, normalize } from "../js/support/gitlab-server.mjs";
import { SHOTS, TEST_MS, activeId, axe, exported, importPasted, start, stop, widths, withPage } from "./support/harness.mjs";

before(start);
after(stop);

/** GitLab's GraphQL answer for one project's authentication log (field names as its schema has them). */
function answer(project, uses) {
  return { data: { project: {
    __typename: "Project", id: "gid://gitlab/Project/7", fullPath: project,
    ciJobTokenAuthLogs: { __typename: "CiJobTokenAuthLogConnection", count: uses.length, nodes: uses.map(([source, at], i) => ({
      __typename: "CiJobTokenAuthLog", lastAuthorizedAt: at,
      originProject: { __typename: "CiJobTokenAccessibleProject", id: `gid://gitlab/Project/${100 + i}`, fullPath: source, name: source.split("/").at(-1), path: source.split("/").at(-1) },
    })) },
  } } };
}

/**
 * The example's log: acme/platform/api used by acme/docs (not on its allowlist), acme/ci and
 * acme/tools/deployer (on it); acme/platform/web by acme/platform/api (its group entry admits it) and a
 * project outside the scenario.
 */
const API_USES = [["acme/docs", "2025-10-03T10:00:00Z"], ["acme/ci", "2025-10-01T08:00:00Z"], ["acme/tools/deployer", null]];
const WEB_USES = [["acme/platform/api", "2025-09-01T00:00:00Z"], ["gone/ci", null]];
/** Several projects in one answer: GraphQL aliases. */
const aliased = { data: { api: answer("acme/platform/api", API_USES).data.project, web: answer("acme/platform/web", WEB_USES).data.project } };

const scenarioOf = async (page) => JSON.parse(await exported(page));
const readiness = (page) => page.waitForSelector('#gl-readiness[data-state="ready"] #gl-readiness-summary');
const matrixReady = (page) => page.waitForSelector('#gl-matrix-mount[data-state="ready"]');

/** What the page shows per breaking project: breaks, and the new entries and admitsAlso of both allowlists. */
function shownPlans(page) {
  return page.locator(".plan-project").evaluateAll((sections) => sections.map((s) => ({
    project: s.dataset.project,
    breaks: [...s.querySelectorAll("ul.breaks > li > code")].map((c) => c.textContent),
    proposed: [...s.querySelectorAll("tr.proposed td:nth-of-type(1) li")].map((li) => li.textContent),
    proposedAdmits: [...s.querySelectorAll("tr.proposed td.admits li")].map((li) => li.textContent),
    gitlab: [...s.querySelectorAll("tr.gitlab td:nth-of-type(1) li")].map((li) => li.textContent),
    gitlabAdmits: [...s.querySelectorAll("tr.gitlab td.admits li")].map((li) => li.textContent),
  })));
}

/** The same, from the package's plan. */
function expectedPlans(world, plan) {
  const today = (path) => world.projects.find((p) => p.path === path)?.inbound ?? {};
  const has = (entries, path) => (entries ?? []).some((e) => (typeof e === "string" ? e : e.path) === path);
  const added = (path, list) => [
    ...list.projects.filter((e) => !has(today(path).projects, e.path)).map((e) => `project ${e.path}`),
    ...list.groups.filter((e) => !has(today(path).groups, e.path)).map((e) => `group ${e.path}`),
  ];
  return plan.projects.filter((p) => p.breaks.length).map((p) => ({
    project: p.project,
    breaks: p.breaks.map((b) => b.source),
    proposed: added(p.project, p.proposed),
    proposedAdmits: p.admitsAlso,
    gitlab: p.gitlab && !p.gitlab.error ? added(p.project, p.gitlab) : [],
    gitlabAdmits: p.gitlab?.admitsAlso ?? [],
  }));
}

test("an authentication log pasted (several projects in one GraphQL answer): what breaks per project, the proposal and GitLab's, as the package plans them", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    assert.match(await page.textContent("#gl-readiness"), /has no authentication log/);
    await page.click("#gl-readiness-import");
    assert.equal(await activeId(page), "import-text");
    assert.equal(await page.inputValue("#import-kind"), "gitlab-auth-log");
    await importPasted(page, JSON.stringify(aliased), { kind: "gitlab-auth-log" });
    assert.match(await page.textContent("#import-result"), /acme\/platform\/api: 3 logged uses[\s\S]*acme\/platform\/web: 2 logged uses/);
    await readiness(page);
    const scenario = await scenarioOf(page);
    // kept as the engine reads it, without GraphQL's extra fields
    assert.deepEqual(scenario.gitlab.log[0].ciJobTokenAuthLogs.nodes[0], { originProject: { fullPath: "acme/docs" }, lastAuthorizedAt: "2025-10-03T10:00:00Z" });
    const plan = api.planGitlabEnforcement(scenario.gitlab.world, scenario.gitlab.log);
    assert.ok(plan.summary.breaking > 0);
    assert.deepEqual(await shownPlans(page), expectedPlans(scenario.gitlab.world, plan));
    assert.match(await page.textContent("#gl-readiness-summary"), new RegExp(`${plan.summary.breaking} of ${plan.summary.projects} logged projects would break: ${plan.summary.breaks} logged uses?`));
    assert.match(await page.textContent("#gl-readiness-unknown summary"), /1 log entry names projects outside the scenario/);
    assert.match(await page.textContent(".plan-project"), /acme\/docs \(last 2025-10-03\)/);
  });
});

test("logs as files, one per project: a later file replaces its project's log; a bad node is located in its file", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await page.click("#scenario-panel > summary");
    const file = (name, value) => ({ name, mimeType: "application/json", buffer: Buffer.from(JSON.stringify(value)) });
    await page.setInputFiles("#import-file", [file("api.json", answer("acme/platform/api", API_USES)), file("web.json", answer("acme/platform/web", WEB_USES))]);
    await page.waitForSelector("#import-result .note");
    await readiness(page);
    assert.equal((await scenarioOf(page)).gitlab.log.length, 2);
    // api's log again, now with acme/docs only: it replaces the first
    await page.setInputFiles("#import-file", [file("api-2.json", answer("acme/platform/api", [["acme/docs", "2025-11-01T00:00:00Z"]]))]);
    await page.waitForFunction(() => /replaced 1 log item/.test(document.getElementById("import-result")?.textContent ?? ""));
    const log = (await scenarioOf(page)).gitlab.log;
    assert.deepEqual(log.map((item) => [item.fullPath, item.ciJobTokenAuthLogs.nodes.length]), [["acme/platform/web", 2], ["acme/platform/api", 1]]);

    // the engine's error, at its place in the file; nothing changes
    const kept = await exported(page);
    const bad = [answer("acme/platform/api", API_USES), answer("acme/platform/web", [["", null]])];
    await importPasted(page, JSON.stringify(bad));
    assert.equal(await page.textContent("#import-result .import-where"), "[1].data.project.ciJobTokenAuthLogs.nodes[0].originProject.fullPath");
    assert.match(await page.textContent("#import-result .import-message"), /empty path/);
    await importPasted(page, JSON.stringify({ data: { project: null } }));
    assert.equal(await page.textContent("#import-result .import-where"), "data.project");
    assert.match(await page.textContent("#import-result .import-message"), /no such project, or the token cannot see its log/);
    assert.equal(await exported(page), kept);
  });
});

test("stage as a what-if draft: the proposal, GitLab's, or today's allowlists enforced; the matrix flips; undo", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    // before 18.0's enforcement: acme/platform/api's "Limit access to this project" is off, so acme/docs's jobs reach it
    const before = await scenarioOf(page);
    before.gitlab.world.projects.find((p) => p.path === "acme/platform/api").inbound.enabled = false;
    await importPasted(page, JSON.stringify(before));
    await importPasted(page, JSON.stringify(aliased));
    await readiness(page);
    const scenario = await scenarioOf(page);
    const plan = api.planGitlabEnforcement(scenario.gitlab.world, scenario.gitlab.log);

    // today's allowlists enforced: the logged uses that break are denied in the draft, as the plan says
    await page.click("#gl-readiness-stage-enforce");
    await page.waitForSelector("#gl-draft-apply");
    assert.equal(await activeId(page), "gl-draft-heading");
    await page.waitForSelector("#gl-readiness-draft");
    await matrixReady(page);
    assert.match(await page.textContent("#gl-readiness-draft"), new RegExp(`With the draft: ${plan.summary.breaks} logged uses? of ${plan.summary.breaking} projects? break`));
    const enforced = await page.evaluate(() => globalThis.simulator.draft);
    for (const p of plan.projects) for (const b of p.breaks) {
      assert.equal(api.checkGitlabAccess(enforced, { source: b.source, target: p.project }).allowed, false, `${b.source} → ${p.project}`);
    }
    const docs = page.locator('.cell-button[data-source="acme/docs"][data-target="acme/platform/api"]');
    assert.match(await docs.getAttribute("aria-label"), /denied .*the draft changes it from allowed/);

    // the proposal: nothing logged breaks, and the matrix marks what it opens
    await page.click("#gl-readiness-stage");
    await page.waitForFunction(() => /no logged use breaks/.test(document.getElementById("gl-readiness-draft")?.textContent ?? ""));
    await matrixReady(page);
    const draft = await page.evaluate(() => globalThis.simulator.draft);
    assert.equal(api.planGitlabEnforcement(draft, scenario.gitlab.log).summary.breaks, 0);
    for (const p of plan.projects) {
      const project = draft.projects.find((q) => q.path === p.project);
      assert.deepEqual((project.inbound.projects ?? []).map((e) => (typeof e === "string" ? e : e.path)), p.proposed.projects.map((e) => e.path));
    }
    // the logged use stays allowed; uses nobody logged are what the enforced proposal denies
    assert.match(await docs.getAttribute("aria-label"), /^acme\/docs → acme\/platform\/api: allowed/);
    assert.doesNotMatch(await docs.getAttribute("aria-label"), /the draft changes it/);
    const web = page.locator('.cell-button[data-source="acme/platform/web"][data-target="acme/platform/api"]');
    assert.match(await web.getAttribute("aria-label"), /denied .*the draft changes it from allowed/);
    assert.ok(await page.locator("#gl-diff tbody tr").count() > 0);
    await page.screenshot({ path: join(SHOTS, "enforcement.png"), fullPage: true });
    const top = await page.evaluate(() => document.getElementById("gl-readiness").getBoundingClientRect().top + scrollY - 8);
    const bottom = await page.evaluate(() => document.getElementById("gl-diff").getBoundingClientRect().bottom + scrollY + 8);
    await page.screenshot({ path: join(SHOTS, "enforcement-docs.png"), fullPage: true, clip: { x: 0, y: top, width: 1400, height: bottom - top } });

    // one project's proposal only
    await page.click("#undo");
    await page.click("#undo");
    await page.waitForSelector("#gl-draft-start");
    const index = plan.projects.findIndex((p) => p.project === "acme/platform/api");
    await page.click(`#gl-plan-${index}-stage`);
    await page.waitForSelector("#gl-draft-apply");
    const one = await page.evaluate(() => globalThis.simulator.draft);
    assert.equal(one.projects.find((p) => p.path === "acme/platform/api").inbound.enabled, true);
    assert.deepEqual(one.projects.find((p) => p.path === "acme/platform/web"), scenario.gitlab.world.projects.find((p) => p.path === "acme/platform/web"), "the other project untouched");
  });
});

test("where GitLab's greedy auto-populate opens projects nobody logged, the least-privilege proposal does not", { timeout: TEST_MS }, async () => {
  const projects = [{ path: "hub/api", inbound: { enabled: true } }];
  const uses = [];
  for (let i = 0; i < 150; i++) {
    projects.push({ path: `x/y/z/p${i}` });
    uses.push([`x/y/z/p${i}`, "2025-10-01T00:00:00Z"]);
  }
  for (let i = 0; i < 3; i++) projects.push({ path: `x/y/z/unused-${i}` });
  for (let i = 0; i < 60; i++) {
    projects.push({ path: `x/w/q${i}` });
    uses.push([`x/w/q${i}`, "2025-10-02T00:00:00Z"]);
  }
  const world = { version: "18.3", projects };
  await withPage(async (page) => {
    const scenario = await scenarioOf(page);
    await importPasted(page, JSON.stringify({ ...scenario, gitlab: { world, ui: { project: "hub/api" } } }));
    await importPasted(page, JSON.stringify(answer("hub/api", uses)));
    await readiness(page);
    const log = (await scenarioOf(page)).gitlab.log;
    const plan = api.planGitlabEnforcement(world, log);
    assert.deepEqual(plan.projects[0].gitlab.admitsAlso, ["x/y/z/unused-0", "x/y/z/unused-1", "x/y/z/unused-2"]);
    assert.deepEqual(plan.projects[0].admitsAlso, []);
    const [shown] = await shownPlans(page);
    assert.deepEqual(shown, expectedPlans(world, plan)[0]);
    assert.ok(shown.proposed.includes("group x/w") && shown.gitlab.includes("group x/y/z"));
    assert.match(await page.textContent("#gl-readiness-summary"), /admit 0 other projects; GitLab's auto-populate would admit 3/);
    await page.click("#gl-readiness-stage-gitlab");
    await page.waitForSelector("#gl-draft-apply");
    const draft = await page.evaluate(() => globalThis.simulator.draft);
    assert.deepEqual(draft.projects[0].inbound.groups, ["x/y/z"]);
    assert.equal(api.checkGitlabAccess(draft, { source: "x/y/z/unused-0", target: "hub/api" }).allowed, true, "GitLab's opens it");
  });
});

test("the scenario file of job-token-scope fetch: world and log in one import, then readiness", { timeout: TEST_MS }, async () => {
  const truth = makeWorld({ projects: 40 });
  const { world, log } = normalize(truth.world, truth.log);
  const file = { world, log, fetch: { url: "https://gitlab.example.com", group: "acme", gitlabVersion: "18.3.1-ee", fetchedAt: "2025-11-01T00:00:00Z", authLog: true, members: true, complete: true, failures: [], external: { projects: [], groups: [] }, notes: [], requests: 1, retries: 0, throttled: 0, elapsedMs: 1 } };
  await withPage(async (page) => {
    await importPasted(page, JSON.stringify(file));
    assert.match(await page.textContent("#import-result"), /what job-token-scope fetch read from https:\/\/gitlab\.example\.com \(GitLab 18\.3\.1-ee\)/);
    assert.equal(await page.locator("#import-confirm").count(), 0, "a whole world: nothing to confirm");
    await readiness(page);
    const scenario = await scenarioOf(page);
    assert.deepEqual(scenario.gitlab.world, world);
    assert.deepEqual(scenario.gitlab.log, log);
    const plan = api.planGitlabEnforcement(world, log);
    assert.deepEqual(await shownPlans(page), expectedPlans(world, plan).slice(0, 20));
  });
});

for (const colorScheme of ["light", "dark"]) {
  test(`axe-core (${colorScheme}) and 390 px: the readiness view, staged`, { timeout: TEST_MS }, async () => {
    for (const width of [1400, 390]) {
      await withPage(async (page) => {
        await importPasted(page, JSON.stringify(aliased));
        await readiness(page);
        assert.deepEqual(await axe(page), [], `readiness at ${width} px`);
        await page.click("#gl-readiness-stage");
        await page.waitForSelector("#gl-readiness-draft");
        await matrixReady(page);
        assert.deepEqual(await axe(page), [], `staged at ${width} px`);
        const [scroll, client] = await widths(page);
        assert.ok(scroll <= client, `page ${scroll} px wide on a ${client} px screen`);
        if (width === 390 && colorScheme === "light") await page.screenshot({ path: join(SHOTS, "phone-enforcement.png"), fullPage: true });
      }, { colorScheme, width, height: width === 390 ? 844 : 1000 });
    }
  });
}

// the example this file's log is written for
test("the log names the example's projects", () => {
  const paths = gitlabExample().world.projects.map((p) => p.path);
  for (const [source] of [...API_USES, ...WEB_USES].filter(([s]) => s !== "gone/ci")) assert.ok(paths.includes(source), source);
});

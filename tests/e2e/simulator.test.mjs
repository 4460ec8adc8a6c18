// End-to-end tests of the settings simulator (www/): scripts/serve.mjs on a free 127.0.0.1 port, as
// `make start` serves it (www/ at /, pkg/ at /pkg/), driven in headless Chromium by playwright-core.
// Needs pkg/ built (`make pkg`). Screenshots of each view go to tests/e2e/screenshots/ (git-ignored).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOTS = join(ROOT, "tests", "e2e", "screenshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];
const STEP_MS = 10_000;
const TEST_MS = 60_000;

/** Resolves with `promise` or rejects after `ms` with `what` in the message. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
  ]);
}

let server;
let baseUrl;
let browser;

before(async () => {
  assert.ok(existsSync(join(ROOT, "pkg", "web.js")), "pkg/ is not built: run `make pkg` first");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing`);
  mkdirSync(SHOTS, { recursive: true });
  server = spawn(process.execPath, [join(ROOT, "scripts", "serve.mjs"), "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stderr.setEncoding("utf8").on("data", (s) => (output += s));
  baseUrl = await within(STEP_MS, "scripts/serve.mjs to print its address", new Promise((ok, fail) => {
    server.stdout.setEncoding("utf8").on("data", (s) => {
      output += s;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m) ok(m[1]);
    });
    server.once("exit", (code) => fail(new Error(`scripts/serve.mjs exited (${code}): ${output}`)));
  }));
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
});

after(async () => {
  try {
    if (browser) await within(STEP_MS, "closing Chromium", browser.close());
  } finally {
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      const killer = setTimeout(() => server.kill("SIGKILL"), 3_000);
      await new Promise((ok) => (server.exitCode !== null ? ok() : server.once("exit", ok)));
      clearTimeout(killer);
    }
  }
});

/**
 * A fresh browser context (empty local storage) on `path`; waits until the simulator is drawn.
 * Returns { page, context, errors } — errors: page errors, console errors/warnings, failed or 4xx/5xx
 * requests, and requests to any other origin.
 */
async function open(path = "", { colorScheme = "light", wait = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") errors.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on("dialog", (dialog) => {
    errors.push(`a JavaScript dialog opened: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (!["data:", "blob:"].includes(url.protocol) && url.origin !== new URL(baseUrl).origin) errors.push(`external request: ${req.url()}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  // a reload or a closing page aborts what is still loading (the decision workers fetch the package too)
  page.on("requestfailed", (req) => {
    if (req.failure()?.errorText !== "net::ERR_ABORTED") errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  await page.goto(new URL(path, baseUrl).href, { timeout: STEP_MS });
  if (wait) {
    try {
      await page.waitForSelector("body[data-ready=true], #app > .error");
    } catch (err) {
      await context.close();
      throw new Error(`the simulator did not start: ${err.message}\n${errors.join("\n")}`);
    }
    const failed = await page.locator("#app > .error").first().textContent({ timeout: 200 }).catch(() => null);
    if (failed && !(await page.locator("body[data-ready=true]").count())) {
      await context.close();
      throw new Error(`the simulator did not start: ${failed}\n${errors.join("\n")}`);
    }
  }
  return { page, context, errors };
}

/** Runs `fn(page)` on a fresh page; closes its context whatever happens; fails on page errors. */
async function withPage(fn, options = {}) {
  const { page, context, errors } = await open(options.path, options);
  try {
    await fn(page, errors);
    if (!options.allowErrors) assert.deepEqual(errors, [], "errors on the page");
  } finally {
    await within(STEP_MS, "closing the page", context.close());
  }
}

const cell = (page, source, target) => page.locator(`.cell-button[data-source="${source}"][data-target="${target}"]`);
/** Waits for the matrix's decisions: a change of permission or user recomputes them in workers. */
const matrixReady = (page) => page.waitForSelector('#gl-matrix-mount[data-state="ready"]');
const exported = (page) => page.evaluate(() => JSON.stringify(globalThis.simulator.exportScenario()));
/** Waits until the link (URL fragment) holds the current scenario. */
async function saved(page) {
  await page.waitForFunction(() => location.hash.startsWith("#s=") && document.body.dataset.saved);
  const url = page.url();
  return url;
}

/** The page area from the top of `first` to the bottom of `last` (page coordinates, 8px margin), for a clip. */
function region(page, first, last) {
  return page.evaluate(([a, b]) => {
    const top = document.querySelector(a).getBoundingClientRect().top + scrollY - 8;
    const bottom = document.querySelector(b).getBoundingClientRect().bottom + scrollY + 8;
    return { x: 0, y: top, width: document.documentElement.clientWidth, height: bottom - top };
  }, [first, last]);
}

async function openScenarioPanel(page) {
  if (!(await page.locator("#scenario-panel").evaluate((d) => d.open))) await page.click("#scenario-panel > summary");
}

/** Opens the selected project's "Project features" (open already when the project changes one). */
async function openFeatures(page) {
  if (!(await page.locator("#gl-features").evaluate((d) => d.open))) await page.click("#gl-features > summary");
}

async function importPasted(page, text, { kind = "auto", project = "", level = null, create = false } = {}) {
  await openScenarioPanel(page);
  await page.fill("#import-text", text);
  await page.selectOption("#import-kind", kind);
  await page.fill("#import-project", project);
  if (level) await page.selectOption("#import-level", level);
  await page.click("#import-button");
  await page.waitForSelector("#import-result > *, #import-confirm");
  if (create && await page.locator("#import-confirm").count()) {
    await page.click("#import-confirm-create");
    await page.waitForSelector("#import-result > *");
  }
}

/** Shows every project in the matrix (the default is the selected project's row and column). */
async function allProjects(page) {
  await page.selectOption("#gl-matrix-mode", "all");
  await page.waitForSelector('#gl-matrix-mount[data-state="ready"] table.matrix:not(.focus)');
}

// ───────────────────────────── GitLab ─────────────────────────────

test("loads the GitLab example: version, project tree, settings, matrix and a decision", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    assert.equal(await page.textContent("#engine-version"), JSON.parse(readFileSync(join(ROOT, "pkg", "package.json"), "utf8")).version);
    assert.equal(await page.inputValue("#gl-version"), "18.3");
    const versions = await page.locator("#gl-version option").evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(versions, ["0.0", "14.1", "15.9", "16.0", "16.3", "16.6", "17.0", "17.2", "17.3", "17.6", "17.8", "17.10",
      "18.0", "18.1", "18.3", "18.4", "19.0", "latest"]);
    assert.equal(await page.textContent('#gl-version option[value="0.0"]'), "before GitLab 14.1");
    assert.equal(await page.getAttribute('#gl-tree-1', "aria-current"), "true");
    assert.match(await page.textContent(".tree"), /acme\s*internal[\s\S]*platform\s*private[\s\S]*api[\s\S]*web[\s\S]*tools[\s\S]*deployer/);
    // 18.3: "Authorized groups and projects" is a choice; the allowlist is counted as GitLab counts it
    assert.equal(await page.textContent("#gl-token-heading"), "Settings › CI/CD › Job token permissions");
    assert.equal(await page.textContent("#gl-inbound-choice legend"), "Authorized groups and projects");
    assert.equal(await page.isChecked("#gl-inbound-allowlist"), true);
    assert.equal(await page.isChecked("#gl-inbound-all"), false);
    assert.equal(await page.textContent("#gl-allowlist-heading"), "CI/CD job token allowlist");
    assert.equal(await page.textContent("#gl-count-projects"), "Projects: 1 of 200");
    assert.equal(await page.textContent("#gl-count-groups"), "Groups: 1 of 200");
    assert.deepEqual(await page.locator("table.allowlist tbody th").allTextContents(), ["acme/ci", "acme/tools"]);
    assert.match(await page.textContent("table.allowlist"), /Fine-grained: read_packages, read_jobs/);
    // 18.3 has no outbound setting
    assert.equal(await page.locator("#gl-outbound-enabled").count(), 0);
    // the request checker
    assert.equal(await page.textContent("#result .verdict"), "Allowed");
    assert.equal(await page.textContent("#result code"), "allowlisted_project");
    // matrix cells, readable as text with the reason in the label
    const allowed = cell(page, "acme/ci", "acme/platform/api");
    assert.equal((await allowed.textContent()).trim(), "✓");
    assert.match(await allowed.getAttribute("aria-label"), /allowed \(allowlisted_project\)/);
    const denied = cell(page, "acme/docs", "acme/platform/api");
    assert.equal((await denied.textContent()).trim(), "✗");
    assert.match(await denied.getAttribute("title"), /denied \(not_in_inbound_allowlist\)/);
    await page.screenshot({ path: join(SHOTS, "gitlab.png"), fullPage: true });
  });
});

test("the release's own texts: a toggle in 15.9 and 16.3, a choice from 17.3; each change checked as GitLab would", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const label = (id) => page.textContent(`label[for="${id}"]`);
    // 18.3: "All groups and projects" opens the project
    await page.selectOption("#gl-acting-user", "alice");
    assert.equal(await label("gl-inbound-all"), "All groups and projects");
    assert.equal(await label("gl-inbound-allowlist"), "Only this project and any groups and projects in the allowlist");
    assert.equal(await page.textContent("#gl-add-button"), "Add");
    await page.check("#gl-inbound-all");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await page.textContent("#gl-edit-result .edit-reason"), "edit_allowed");
    assert.equal(await page.isChecked("#gl-inbound-all"), true);
    const opened = cell(page, "acme/docs", "acme/platform/api");
    assert.equal((await opened.textContent()).trim(), "✓");
    assert.match(await opened.getAttribute("aria-label"), /inbound_disabled/);

    // 15.9: a toggle, "Allow access to this project with a CI_JOB_TOKEN", projects only, 100 of them
    await page.selectOption("#gl-version", "15.9");
    await page.waitForSelector("#gl-inbound-enabled");
    assert.equal(await page.locator("#gl-inbound-choice").count(), 0);
    assert.equal(await page.textContent("#gl-token-heading"), "Settings › CI/CD › Token Access");
    assert.equal(await label("gl-inbound-enabled"), "Allow access to this project with a CI_JOB_TOKEN");
    assert.equal(await page.isChecked("#gl-inbound-enabled"), false, "the project's own value, turned off above");
    assert.equal(await page.textContent("#gl-allowlist-heading"), "Allow CI job tokens from the following projects to access this project");
    assert.equal(await page.textContent("#gl-add-button"), "Add project");
    assert.equal(await page.textContent("#gl-count-projects"), "Projects: 1 of 100");
    assert.equal(await page.locator("#gl-count-groups").count(), 0, "no group entries before 17.0");
    assert.equal(await label("gl-outbound-enabled"), "Limit CI_JOB_TOKEN access");
    // no admin setting before 17.6: the scenario's value is shown as ignored
    assert.equal(await page.locator("#gl-instance-enforce").count(), 0);
    assert.match(await page.textContent("#gl-instance-absent"), /does not have \(it came in 17\.6\): it is ignored/);
    await page.check("#gl-inbound-enabled");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await page.isChecked("#gl-inbound-enabled"), true);
    // the outbound limit can still be switched on in 15.9
    await page.check("#gl-outbound-enabled");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await page.isChecked("#gl-outbound-enabled"), true);

    // 16.3: renamed "Limit access to this project" / "Limit access from this project", 200 projects
    await page.selectOption("#gl-version", "16.3");
    await page.waitForFunction(() => document.querySelector('label[for="gl-inbound-enabled"]')?.textContent === "Limit access to this project");
    assert.equal(await label("gl-outbound-enabled"), "Limit access from this project");
    assert.equal(await page.textContent("#gl-count-projects"), "Projects: 1 of 200");
    // from 16.0 outbound entries can only be removed: GitLab's own message
    await page.click("#gl-outbound-add");
    await page.waitForSelector("#gl-edit-result.denied");
    assert.equal(await page.textContent("#gl-edit-result .edit-message"), "direction: OUTBOUND scope entries can only be removed. Only INBOUND scope can be expanded.");
    assert.equal(await page.textContent("#gl-edit-result .edit-reason"), "outbound_additions_removed");

    // 17.2: the section and the allowlist renamed; still a toggle
    await page.selectOption("#gl-version", "17.2");
    await page.waitForFunction(() => document.querySelector("#gl-token-heading")?.textContent === "Settings › CI/CD › Job token permissions");
    assert.equal(await page.textContent("#gl-allowlist-heading"), "Authorized groups and projects");
    assert.equal(await page.textContent("#gl-add-button"), "Add group or project");
    assert.equal(await page.textContent("#gl-count-groups"), "Groups: 1 of 200");
    assert.equal(await page.locator("#gl-inbound-choice").count(), 0);

    // 17.3: the choice
    await page.selectOption("#gl-version", "17.3");
    await page.waitForSelector("#gl-inbound-choice");
    assert.equal(await page.locator("#gl-inbound-enabled").count(), 0);
    assert.equal(await page.textContent("#gl-inbound-choice legend"), "Authorized groups and projects");
    assert.equal(await page.isChecked("#gl-inbound-allowlist"), true);
    assert.equal(await page.textContent("#gl-allowlist-heading"), "CI/CD job token allowlist");
    assert.equal(await page.textContent("#gl-add-button"), "Add group or project");

    // 17.6: the admin setting exists; 18.0: it is on by default, and the outbound setting is gone
    await page.selectOption("#gl-version", "17.6");
    await page.waitForSelector("#gl-instance-enforce");
    assert.equal(await page.textContent("#gl-add-button"), "Add");
    await page.selectOption("#gl-version", "18.0");
    await page.waitForSelector("#gl-outbound-enabled", { state: "detached" });
    // the now-removed outbound setting is flagged by validation next to the project's settings
    assert.match(await page.textContent('.settings[data-path="projects[1]"] > .problems'), /outbound_removed/);
    await page.selectOption("#gl-version", "0.0");
    await page.waitForSelector("#gl-inbound-enabled, #gl-inbound-choice", { state: "detached" });
    assert.match(await page.textContent("#gl-token-heading"), /Token Access/);
  });
});

test("add an allowlist entry as a maintainer; a developer is refused with GitLab's message", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await page.selectOption("#gl-acting-user", "alice"); // maintainer of acme/platform/api
    await page.fill("#gl-add-path", "acme/tools/deployer");
    await page.click("#gl-add-button");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.deepEqual(await page.locator("table.allowlist tbody th").allTextContents(), ["acme/ci", "acme/tools/deployer", "acme/tools"]);
    // projects and groups are counted apart, each against its own limit
    assert.equal(await page.textContent("#gl-count-projects"), "Projects: 2 of 200");
    assert.equal(await page.textContent("#gl-count-groups"), "Groups: 1 of 200");

    await page.selectOption("#gl-acting-user", "bob"); // developer (inherited from acme/platform)
    await page.fill("#gl-add-path", "acme/docs");
    await page.click("#gl-add-button");
    await page.waitForSelector("#gl-edit-result.denied");
    assert.equal(await page.textContent("#gl-edit-result .edit-message"), "Insufficient permissions to modify the job token scope");
    assert.equal(await page.textContent("#gl-edit-result .edit-reason"), "insufficient_permissions");
    assert.equal(await page.getAttribute("#gl-edit-result", "role"), "alert");
    assert.match(await page.textContent("#gl-edit-result table.trace"), /maintainer\s*fail/);
    assert.deepEqual(await page.locator("table.allowlist tbody th").allTextContents(), ["acme/ci", "acme/tools/deployer", "acme/tools"], "nothing added");

    // a duplicate, as a maintainer: GitLab's own message
    await page.selectOption("#gl-acting-user", "alice");
    await page.fill("#gl-add-path", "acme/ci");
    await page.click("#gl-add-button");
    await page.waitForSelector("#gl-edit-result.denied");
    assert.equal(await page.textContent("#gl-edit-result .edit-message"), "This project is already in the job token allowlist.");
    assert.equal(await page.textContent("#gl-edit-result .edit-reason"), "duplicate_entry");
    // before 17.8 GitLab said "scope"
    await page.selectOption("#gl-version", "17.6");
    await page.fill("#gl-add-path", "acme/ci");
    await page.click("#gl-add-button");
    await page.waitForFunction(() => document.querySelector("#gl-edit-result .edit-message")?.textContent === "Target project is already in the job token scope");
    await page.selectOption("#gl-version", "18.3");

    // fine-grained permissions of an entry (setPolicies): the release's policies only
    await page.click("#gl-entry-project-0-edit");
    assert.equal(await page.locator("#gl-policies-project-0-read_packages").count(), 1);
    for (const later of ["read_work_items", "admin_repositories", "read_containers", "admin_containers"]) {
      assert.equal(await page.locator(`#gl-policies-project-0-${later}`).count(), 0, `${later} is not a policy in 18.3`);
    }
    await page.selectOption("#gl-version", "latest");
    await page.waitForSelector("#gl-policies-project-0-read_work_items");
    assert.equal(await page.locator("#gl-policies-project-0-admin_repositories").count(), 1);
    assert.equal(await page.locator("#gl-policies-project-0-read_containers").count(), 0, "deprecated: never offered");
    await page.selectOption("#gl-version", "18.3");
    await page.waitForSelector("#gl-policies-project-0-read_work_items", { state: "detached" });
    await page.check("#gl-policies-project-0-fine");
    await page.check("#gl-policies-project-0-read_packages");
    await page.click("#gl-policies-project-0-save");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.match(await page.textContent("table.allowlist tbody tr:first-child"), /Fine-grained: read_packages/);
    await page.selectOption("#gl-matrix-permission", "read_jobs");
    await matrixReady(page);
    assert.match(await cell(page, "acme/ci", "acme/platform/api").getAttribute("aria-label"), /permission_not_granted/);
  });
});

test("a group's visibility decides who may add it: GitLab's message for a private group, then added once internal", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    // a new top-level group, private by default (it is not listed in the world's groups)
    await page.click(".tree details > summary");
    await page.fill("#gl-new-project", "partner/sdk");
    await page.click("#gl-new-project-add");
    await page.waitForSelector('select[aria-label="Visibility of group partner"]');
    assert.equal(await page.inputValue('select[aria-label="Visibility of group partner"]'), "private");
    await page.click("#gl-tree-1"); // acme/platform/api
    await page.selectOption("#gl-acting-user", "alice"); // maintainer there, not a member of partner
    await page.selectOption("#gl-add-kind", "group");
    await page.fill("#gl-add-path", "partner");
    await page.click("#gl-add-button");
    await page.waitForSelector("#gl-edit-result.denied");
    assert.equal(await page.textContent("#gl-edit-result .edit-message"),
      "The target_group that you are attempting to access does not exist or you don't have permission to perform this action");
    assert.equal(await page.textContent("#gl-edit-result .edit-reason"), "no_access_to_entry");
    assert.equal(await page.getAttribute("#gl-edit-result", "role"), "alert");
    assert.equal(await page.textContent("#gl-count-groups"), "Groups: 1 of 200", "nothing added");

    await page.selectOption('select[aria-label="Visibility of group partner"]', "internal");
    await page.waitForFunction(() => /partner\s*internal/.test(document.querySelector(".tree")?.textContent));
    const world = JSON.parse(await exported(page)).gitlab.world;
    assert.deepEqual(world.groups, [{ path: "acme", visibility: "internal" }, { path: "partner", visibility: "internal" }]);
    await page.fill("#gl-add-path", "partner");
    await page.click("#gl-add-button");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await page.textContent("#gl-count-groups"), "Groups: 2 of 200");
    assert.equal(await page.textContent("#gl-count-projects"), "Projects: 1 of 200");
    assert.match(await cell(page, "partner/sdk", "acme/platform/api").getAttribute("aria-label"), /allowed \(allowlisted_group\)/);
    // back to private: the group leaves the world's list (unlisted groups are private)
    await page.selectOption('select[aria-label="Visibility of group partner"]', "private");
    await page.waitForFunction(() => /partner\s*private/.test(document.querySelector(".tree")?.textContent));
    assert.deepEqual(JSON.parse(await exported(page)).gitlab.world.groups, [{ path: "acme", visibility: "internal" }]);
  });
});

test("a public project's feature visibility: “Only project members” closes the matrix cell it opened", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await allProjects(page);
    await page.selectOption("#gl-matrix-permission", "read_packages");
    await matrixReady(page);
    const anon = cell(page, "acme/ci", "acme/docs");
    assert.equal((await anon.textContent()).trim(), "◐");
    await page.click("#gl-tree-4"); // acme/docs, public
    await openFeatures(page);
    assert.equal(await page.inputValue("#gl-feature-packages"), "enabled");
    assert.equal(await page.inputValue("#gl-feature-containerRegistry"), "private", "the example's");
    assert.match(await page.textContent("#gl-feature-packages-hint"), /read_packages/);
    const options = await page.locator("#gl-feature-packages option").allTextContents();
    assert.deepEqual(options, ["Everyone with access", "Only project members", "Disabled"]);

    // in a draft: the cell flips from anonymous-level to denied
    await page.click("#gl-draft-start");
    await page.selectOption("#gl-feature-packages", "private");
    await page.waitForSelector("#gl-diff table");
    assert.equal((await anon.textContent()).trim(), "◐→✗");
    assert.match(await anon.getAttribute("aria-label"), /denied \(not_in_inbound_allowlist\); the draft changes it from anonymous-level only \(anonymous_level\)/);
    const rows = await page.locator("#gl-diff tbody tr").evaluateAll((trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
    assert.ok(rows.some(([s, t, b, a]) => s === "acme/ci" && t === "acme/docs" && /◐ anonymous-level only anonymous_level/.test(b) && /✗ denied/.test(a)),
      JSON.stringify(rows));
    await page.click("#gl-draft-apply");
    await page.waitForSelector("#gl-diff", { state: "detached" });
    assert.equal((await anon.textContent()).trim(), "✗");
    assert.deepEqual(JSON.parse(await exported(page)).gitlab.world.projects[4].features, { containerRegistry: "private", packages: "private" });

    // the container registry, back to "Everyone with access", opens read_containers
    await page.selectOption("#gl-matrix-permission", "read_containers");
    await matrixReady(page);
    assert.equal((await anon.textContent()).trim(), "✗");
    await page.selectOption("#gl-feature-containerRegistry", "enabled");
    await page.waitForFunction(() => document.querySelector('.cell-button[data-source="acme/ci"][data-target="acme/docs"]')?.dataset.reason === "anonymous_level");
    assert.deepEqual(JSON.parse(await exported(page)).gitlab.world.projects[4].features, { packages: "private" });

    // before 16.6 a public project's features did not restrict other job tokens
    await page.selectOption("#gl-matrix-permission", "read_packages");
    await page.selectOption("#gl-version", "16.3");
    await page.waitForFunction(() => document.querySelector('.cell-button[data-source="acme/ci"][data-target="acme/docs"]')?.dataset.reason === "public_unrestricted");
    assert.match(await page.textContent("#gl-features-hint"), /does not restrict other job tokens by feature \(it came in 16\.6\)/);
    // a request cannot name admin_repositories (a policy only)
    assert.equal(await page.locator('#gl-matrix-permission option[value="admin_repositories"], #permission option[value="admin_repositories"]').count(), 0);
  });
});

test("matrix: anonymous-level cells, a user, and “Why?” with the trace step by step (keyboard)", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await allProjects(page);
    await page.selectOption("#gl-matrix-permission", "read_packages");
    await matrixReady(page);
    const anon = cell(page, "acme/ci", "acme/docs");
    assert.equal((await anon.textContent()).trim(), "◐");
    assert.match(await anon.getAttribute("aria-label"), /anonymous-level only \(anonymous_level\)/);
    assert.match(await page.textContent(".legend"), /✓ allowed[\s\S]*✗ denied[\s\S]*◐ anonymous-level only/);

    await page.check("#gl-matrix-reasons");
    assert.match(await cell(page, "acme/tools/deployer", "acme/platform/api").textContent(), /allowlisted_group/);

    // keyboard: focus the cell, press Enter
    await cell(page, "acme/docs", "acme/platform/api").focus();
    await page.keyboard.press("Enter");
    await page.waitForSelector("#why-dialog[open]");
    assert.equal(await page.textContent("#why-title"), "Why? acme/docs → acme/platform/api");
    assert.equal(await page.textContent("#why-body .why-reason"), "not_in_inbound_allowlist");
    const steps = await page.locator("#why-body table.trace tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(steps.map((s) => s[1]), ["same_project", "outbound", "inbound", "anonymous_level"]);
    // anonymous_level: skipped, the target is private
    assert.deepEqual(steps.map((s) => s[2]), ["skip", "skip", "fail", "skip"]);
    assert.match(steps[2][3], /acme\/platform\/api limits access/);
    await page.screenshot({ path: join(SHOTS, "gitlab-why.png") });
    await page.keyboard.press("Escape");
    await page.waitForSelector("#why-dialog:not([open])", { state: "attached" });

    // a triggering user: bob is developer on acme/platform, so may admin packages there
    await page.selectOption("#gl-matrix-user", "carol");
    await matrixReady(page);
    assert.match(await cell(page, "acme/ci", "acme/platform/api").getAttribute("aria-label"), /insufficient_role/);
  });
});

test("what-if: the draft's flipped cells are shown before Apply; Discard restores, Apply commits", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const before = await exported(page);
    await page.click("#gl-draft-start");
    await page.selectOption("#gl-acting-user", "alice");
    await page.check("#gl-inbound-all");
    await page.waitForSelector("#gl-diff table");
    const rows = await page.locator("#gl-diff tbody tr").evaluateAll((trs) => trs.map((r) => [...r.cells].map((c) => c.textContent.trim())));
    assert.ok(rows.some(([s, t, b, a]) => s === "acme/docs" && t === "acme/platform/api" && /✗ denied not_in_inbound_allowlist/.test(b) && /✓ allowed inbound_disabled/.test(a)),
      JSON.stringify(rows));
    const flipped = cell(page, "acme/docs", "acme/platform/api");
    assert.equal((await flipped.textContent()).trim(), "✗→✓");
    assert.match(await flipped.getAttribute("aria-label"), /the draft changes it from denied/);
    assert.equal(await exported(page), before, "the draft is not applied yet");
    await page.screenshot({ path: join(SHOTS, "gitlab-whatif.png"), fullPage: true });
    // the part of the page the README shows: what-if bar, tree, settings, matrix and the diff
    await page.screenshot({ path: join(SHOTS, "gitlab-docs.png"), fullPage: true, clip: await region(page, ".draft-bar", "#gl-diff") });

    await page.click("#gl-draft-discard");
    await page.waitForSelector("#gl-diff", { state: "detached" });
    assert.equal((await cell(page, "acme/docs", "acme/platform/api").textContent()).trim(), "✗");
    assert.equal(await page.isChecked("#gl-inbound-allowlist"), true);

    await page.click("#gl-draft-start");
    await page.check("#gl-inbound-all");
    await page.waitForSelector("#gl-diff table");
    await page.click("#gl-draft-apply");
    await page.waitForSelector("#gl-diff", { state: "detached" });
    assert.equal((await cell(page, "acme/docs", "acme/platform/api").textContent()).trim(), "✓");
    assert.notEqual(await exported(page), before);
  });
});

test("import a GitLab REST API response (allowlist) for a named project", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const response = JSON.stringify([
      { id: 11, path_with_namespace: "acme/platform/web", visibility: "internal" },
      { id: 1, path_with_namespace: "acme/ci", visibility: "private" },
      { id: 12, path_with_namespace: "acme/new-service", visibility: "private" },
    ], null, 2);
    await importPasted(page, response, { project: "acme/platform/web", create: true });
    assert.match(await page.textContent("#import-result"), /acme\/platform\/web: 2 project allowlist entries \(the project itself, which GitLab lists, stays implicit\)/);
    assert.match(await page.textContent(".tree"), /new-service/);
    await page.click("#gl-tree-2"); // acme/platform/web
    assert.deepEqual(await page.locator("table.allowlist tbody th").allTextContents(), ["acme/ci", "acme/new-service", "acme/platform"]);
    assert.match(await cell(page, "acme/ci", "acme/platform/web").getAttribute("aria-label"), /allowlisted_project/);

    // the job_token_scope response, as a file
    await page.setInputFiles("#import-file", { name: "scope.json", mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify({ inbound_enabled: false, outbound_enabled: false })) });
    await page.waitForFunction(() => document.querySelector("#import-result")?.textContent.includes("scope.json"));
    assert.equal(await page.isChecked("#gl-inbound-all"), true);
  });
});

test("a bad import file shows where the error is and keeps the scenario", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const before = await exported(page);
    await importPasted(page, '{\n  "inbound_enabled": true\n  "outbound_enabled": false\n}', { project: "acme/ci" });
    assert.equal(await page.textContent("#import-result .import-where"), "line 3, column 3");
    assert.match(await page.textContent("#import-result .error"), /Nothing was changed/);
    assert.equal(await page.getAttribute("#import-result .error", "role"), "alert");
    await page.screenshot({ path: join(SHOTS, "import-error.png") });
    assert.equal(await exported(page), before);

    await importPasted(page, JSON.stringify([{ path_with_namespace: "acme/ok" }, { path_with_namespace: 42 }]), { project: "acme/ci" });
    assert.equal(await page.textContent("#import-result .import-where"), "[1].path_with_namespace");
    assert.match(await page.textContent("#import-result .import-message"), /expected a string, found number 42/);
    assert.equal(await exported(page), before);

    // the engine refuses the result (a project path without a namespace): its path is shown too
    await importPasted(page, JSON.stringify({ project: "lonely", job_token_scope: { inbound_enabled: true } }));
    assert.match(await page.textContent("#import-result .import-message"), /projects\[5\]\.path: "lonely" is not a project path/);
    assert.equal(await exported(page), before);
  });
});

test("project paths from an imported file are shown as text, never as HTML", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const evil = 'acme/<img src=x onerror="alert(1)">';
    const file = JSON.stringify({ project: evil, job_token_scope: { inbound_enabled: true },
      allowlist: [{ path_with_namespace: "acme/<b>bold</b>" }] });
    await openScenarioPanel(page);
    await page.setInputFiles("#import-file", { name: "combined.json", mimeType: "application/json", buffer: Buffer.from(file) });
    await page.click("#import-confirm-create");
    await page.waitForFunction(() => document.querySelector("#import-result")?.textContent.includes("combined.json"));
    assert.equal(await page.locator("#app img, #app b").count(), 0, "an element was created from a project path");
    assert.match(await page.textContent(".tree"), /<img src=x onerror="alert\(1\)">/);
    await allProjects(page);
    assert.equal(await page.locator(`th[scope=row]:has-text('${evil}')`).count() > 0, true, "the matrix row shows the path as text");
    await page.click(`.cell-button[data-source='${evil}'][data-target='acme/ci']`);
    await page.waitForSelector("#why-dialog[open]");
    assert.match(await page.textContent("#why-title"), /<img src=x onerror="alert\(1\)">/);
    assert.equal(await page.locator("#why-dialog img").count(), 0);
  });
});

test("the share link reproduces the scenario; local storage keeps it across a reload", { timeout: TEST_MS }, async () => {
  let link;
  let scenario;
  await withPage(async (page) => {
    await page.selectOption("#gl-version", "17.6");
    await page.fill("#gl-new-user", "erin");
    await page.click("#gl-new-user-add");
    await page.waitForSelector('th:text-is("erin")');
    await page.click("#gl-tree-4"); // acme/docs
    await page.selectOption("#gl-matrix-permission", "read_repositories");
    scenario = await exported(page);
    link = await saved(page);
    assert.ok(link.length < 4000, `the link is ${link.length} characters`);
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await exported(page), scenario, "after a reload");
    await page.goto(new URL("/", baseUrl).href); // no fragment: local storage
    await page.waitForSelector("body[data-ready=true]");
    assert.equal(await exported(page), scenario, "from local storage");
  });
  // a new browser context (no local storage) on the link
  let file;
  await withPage(async (page) => {
    assert.equal(await exported(page), scenario);
    // export: the downloaded JSON is the scenario
    await openScenarioPanel(page);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-button")]);
    assert.equal(download.suggestedFilename(), "job-token-scope-scenario.json");
    file = readFileSync(await download.path(), "utf8");
    assert.deepEqual(JSON.parse(file), JSON.parse(scenario));
    assert.equal(await page.inputValue("#gl-version"), "17.6");
    assert.equal(await page.getAttribute("#gl-tree-4", "aria-current"), "true");
    assert.equal(await page.inputValue("#gl-matrix-permission"), "read_repositories");
  }, { path: link });
  // the exported file, imported into a fresh page, gives the same scenario back
  await withPage(async (page) => {
    assert.notEqual(await exported(page), scenario);
    await importPasted(page, file);
    assert.equal(await exported(page), scenario);
  });
  // a link pasted into an open page (only the fragment changes) loads its scenario
  await withPage(async (page) => {
    await page.evaluate((hash) => (location.hash = hash), new URL(link).hash);
    await page.waitForFunction(() => document.querySelector("#gl-version")?.value === "17.6");
    assert.equal(await exported(page), scenario);
  });
  // a damaged link: an error, and the example instead
  await withPage(async (page, errors) => {
    assert.match(await page.textContent("#app .error"), /cannot be decompressed/);
    assert.equal(await page.inputValue("#gl-version"), "18.3");
    assert.deepEqual(errors, []);
  }, { path: "/#s=AAAA" });
});

// ───────────────────────────── Azure ─────────────────────────────

test("Azure view: scope, identity, repositories, FAQ trace and an access decision", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await page.click("#tab-azure");
    await page.waitForSelector("#az-scope-value");
    assert.equal(await page.textContent("#az-scope-value"), "project");
    assert.equal(await page.textContent("#az-identity"), "SpaceGameWeb Build Service (fabrikam-tailspin)");
    assert.equal(await page.textContent("#az-identity-exists"), "yes");
    assert.match(await page.textContent("#az-repositories"), /only the referenced ones: self, FabrikamFiber\/FabrikamFiber/);
    assert.match(await page.textContent("#az-scope table.trace"), /organization_setting\s*pass/);
    assert.equal((await page.textContent("#az-access-verdict")).trim(), "✓ Allowed");
    assert.equal(await page.textContent("#az-access-reason"), "granted");
    // the product's own labels
    assert.equal(await page.textContent('label[for="az-org-protect"]'), "Protect access to repositories in YAML pipelines");
    await page.screenshot({ path: join(SHOTS, "azure.png"), fullPage: true });
    await page.screenshot({ path: join(SHOTS, "azure-docs.png"), fullPage: true, clip: await region(page, ".columns.az", ".columns.az") });

    // a resource in a project without a grant
    await page.fill("#az-res-project", "PartsUnlimited");
    await page.fill("#az-res-name", "PartsUnlimited");
    await page.press("#az-res-name", "Enter");
    await page.waitForFunction(() => document.querySelector("#az-access-reason")?.textContent !== "granted");
    assert.equal((await page.textContent("#az-access-verdict")).trim(), "✗ Denied");
    assert.equal(await page.textContent("#az-access-reason"), "repository_not_referenced");

    // an organization limit locks the project setting
    await page.uncheck("#az-org-release");
    assert.equal(await page.isDisabled("#az-project-release"), false);
    await page.uncheck("#az-project-release");
    await page.check("#az-org-release");
    assert.equal(await page.isDisabled("#az-project-release"), true);
    assert.equal(await page.isChecked("#az-project-release"), true);
    assert.match(await page.textContent('label[for="az-project-release"]'), /locked by organization/);
    // explicitly off in the project under an organization limit: validation says so next to it
    assert.match(await page.textContent('[data-path="project.limitJobScopeRelease"]'), /locked_by_organization/);

    // classic build: the Options tab's scope
    await page.uncheck("#az-org-nonrelease");
    await page.uncheck("#az-project-nonrelease");
    await page.selectOption("#az-kind", "classic-build");
    await page.selectOption("#az-build-scope", "collection");
    assert.equal(await page.textContent("#az-scope-value"), "collection");
    assert.equal(await page.textContent("#az-identity"), "Project Collection Build Service (fabrikam-tailspin)");

    // Server 2020: its own label, no release or repository setting
    await page.selectOption("#az-product", "server-2020");
    assert.equal(await page.textContent('label[for="az-org-nonrelease"]'), "Limit job authorization scope to current project");
    assert.equal(await page.locator("#az-org-release, #az-org-protect").count(), 0);
    await page.selectOption("#az-product", "server-2019");
    assert.equal(await page.locator("#az-org-nonrelease").count(), 0);
  });
});

test("Azure import: pipeline general settings at organization level", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await importPasted(page, JSON.stringify({ enforceJobAuthScope: false, enforceJobAuthScopeForReleases: false,
      enforceReferencedRepoScopedToken: false, enforceSettableVar: true }), { level: "organization" });
    await page.waitForSelector("#az-scope-value");
    assert.equal(await page.isChecked("#az-org-nonrelease"), false);
    assert.equal(await page.isDisabled("#az-project-nonrelease"), false);
    assert.match(await page.textContent("#import-result"), /organization\.limitJobScopeNonRelease = false/);
    assert.match(await page.textContent("#import-result"), /enforceSettableVar/);
    assert.match(await page.textContent("#az-scope table.trace"), /project_setting\s*pass/);
  });
});

// ───────────────────────────── robustness and accessibility ─────────────────────────────

test("without the package the page says what to do", { timeout: TEST_MS }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.route("**/pkg/web.js", (route) => route.fulfill({ status: 404, body: "not found" }));
    await page.goto(baseUrl);
    await page.waitForSelector("#app .error");
    assert.match(await page.textContent("#app .error"), /could not be loaded from \/pkg\/web\.js.*make pkg/);
  } finally {
    await context.close();
  }
});

test("works offline once loaded", { timeout: TEST_MS }, async () => {
  const { page, context, errors } = await open();
  try {
    await context.setOffline(true);
    await page.selectOption("#gl-matrix-permission", "admin_packages");
    await page.click("#tab-azure");
    await page.waitForSelector("#az-scope-value");
    await page.waitForSelector('#az-matrix-mount[data-state="ready"]');
    await page.click("#tab-gitlab");
    await page.waitForSelector('#gl-matrix-mount[data-state="ready"]');
    assert.match(await cell(page, "acme/ci", "acme/platform/api").getAttribute("aria-label"), /admin_packages|allowlisted_project/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/** Every form control has an accessible name; every table header has a scope or is a plain row head. */
async function a11yAudit(page) {
  return page.evaluate(() => {
    const problems = [];
    for (const c of document.querySelectorAll("input, select, textarea, button")) {
      if (c.type === "hidden") continue;
      const labelled = (c.id && document.querySelector(`label[for="${CSS.escape(c.id)}"]`)) || c.getAttribute("aria-label")
        || c.getAttribute("aria-labelledby") || (c.tagName === "BUTTON" && c.textContent.trim());
      if (!labelled) problems.push(`no label: ${c.outerHTML.slice(0, 80)}`);
    }
    for (const th of document.querySelectorAll("thead th, tbody th")) {
      if (!th.getAttribute("scope")) problems.push(`th without scope: ${th.textContent}`);
    }
    const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
    for (const id of new Set(ids)) if (ids.filter((i) => i === id).length > 1) problems.push(`duplicate id ${id}`);
    return problems;
  });
}

/** Text whose contrast with its background is below 4.5:1 (disabled controls are exempt, as in WCAG). */
async function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = (s) => (s.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (node) => {
      for (let e = node; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
      }
      return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3);
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const e = t.parentElement;
      if (!t.textContent.trim() || !e || e.closest("[disabled], .sr-only, option, script, style, dialog:not([open])")) continue;
      const style = getComputedStyle(e);
      if (style.visibility === "hidden" || style.display === "none" || !e.getClientRects().length) continue;
      if (e.closest("details:not([open])") && !e.closest("summary")) continue;
      const l1 = lum(rgb(style.color).slice(0, 3));
      const l2 = lum(background(e));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      if (ratio < 4.5) out.push(`${ratio.toFixed(2)}: "${t.textContent.trim().slice(0, 40)}" (${style.color} on ${background(e)})`);
    }
    return [...new Set(out)];
  });
}

for (const colorScheme of ["light", "dark"]) {
  test(`accessibility (${colorScheme}): labels, table headers, contrast ≥ 4.5:1 in both views`, { timeout: TEST_MS }, async () => {
    await withPage(async (page) => {
      await openScenarioPanel(page);
      await page.selectOption("#gl-matrix-permission", "read_packages");
      await page.click("#gl-draft-start");
      await openFeatures(page);
      await page.check("#gl-inbound-all");
      await page.selectOption("#gl-acting-user", "bob");
      await page.fill("#gl-add-path", "acme/docs");
      await page.click("#gl-add-button");
      await page.waitForSelector("#gl-edit-result.denied");
      assert.deepEqual(await a11yAudit(page), [], "GitLab view");
      assert.deepEqual(await lowContrast(page), [], "GitLab view");
      if (colorScheme === "dark") await page.screenshot({ path: join(SHOTS, "gitlab-dark.png"), fullPage: true });
      await page.click("#tab-azure");
      await page.waitForSelector("#az-scope-value");
      await page.check("#az-org-release");
      assert.deepEqual(await a11yAudit(page), [], "Azure view");
      assert.deepEqual(await lowContrast(page), [], "Azure view");
      // the tabs work with the arrow keys
      await page.focus("#tab-azure");
      await page.keyboard.press("ArrowLeft");
      await page.waitForSelector("#tab-gitlab[aria-selected=true]");
      assert.equal(await page.evaluate(() => document.activeElement.id), "tab-gitlab");
    }, { colorScheme });
  });
}

// End-to-end tests of the Azure Pipelines view (issue 21): the products of azureProducts() (Azure DevOps
// Server included), new configurations and the example from each product's newDefaults, the
// organization's projects and their visibility, the Options tab's `projectCollection`, the access matrix
// (azureMatrix: pipeline kinds × resources, Why? = the cell's trace), the what-if draft (azureWhatIf: the
// cells it opens or breaks), and the Azure DevOps file imports read by the package. Every expectation
// about a decision is the package's own answer, asked in Node for the config the page holds.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as api from "../../pkg/node.js";
import { newAzureConfig } from "../../www/examples.js";
import { SHOTS, TEST_MS, activeId, axe, exported, importPasted, start, stop, widths, withPage } from "./support/harness.mjs";

before(start);
after(stop);

const applied = (page) => page.evaluate(() => globalThis.simulator.scenario.azure.config);
const draftOf = (page) => page.evaluate(() => globalThis.simulator.azureDraft);
const matrixReady = (page) => page.waitForSelector('#az-matrix-mount[data-state="ready"]');
/** Each cell shown: [row, column] → { category, reason, flip }. */
const shownCells = (page) => page.locator("#az-matrix .cell-button").evaluateAll((buttons) => buttons.map((b) => ({
  kind: b.dataset.kind, resource: b.dataset.resource, category: b.dataset.category, reason: b.dataset.reason, flip: b.dataset.flip ?? null,
})));
const resourceKey = (c) => `${c.kind}:${c.project}/${c.name}:${c.action}`;

async function azureTab(page) {
  await page.click("#tab-azure");
  await page.waitForSelector("#az-scope-value");
  await matrixReady(page);
}

test("products: Azure DevOps Server in the picker; the example and a new configuration start from the product's newDefaults", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await azureTab(page);
    const products = api.azureProducts();
    assert.deepEqual(await page.locator("#az-product option").evaluateAll((os) => os.map((o) => [o.value, o.textContent])),
      products.map((p) => [p.id, p.name]));
    assert.ok(products.some((p) => p.id === "server"));
    // the example: an organization created today on Services
    const services = products.find((p) => p.id === "services");
    const config = await applied(page);
    for (const key of ["limitJobScopeNonRelease", "limitJobScopeRelease", "protectRepos"]) {
      assert.equal(config.organization[key], services.newDefaults[key], `organization.${key}`);
      assert.equal(config.project[key], services.newDefaults[key], `project.${key}`);
    }
    assert.equal(await page.isChecked("#az-org-nonrelease"), services.newDefaults.limitJobScopeNonRelease);
    assert.match(await page.textContent("#az-scope table.trace"), /organization_setting\s*pass/);

    // Server 2020, then a new configuration: that product's defaults, the names kept, the rest dropped
    await page.selectOption("#az-product", "server-2020");
    await page.click("#az-new");
    await page.waitForFunction(() => !globalThis.simulator.scenario.azure.config.grants);
    const server2020 = products.find((p) => p.id === "server-2020");
    assert.deepEqual(await applied(page), newAzureConfig(server2020, "fabrikam-tailspin", "SpaceGameWeb"));
    assert.equal(await page.isChecked("#az-org-nonrelease"), server2020.newDefaults.limitJobScopeNonRelease);
    assert.equal(await page.locator("#az-org-release, #az-org-protect").count(), 0, "settings Server 2020 does not have");
    assert.match(await page.textContent("#az-new-hint"), /Azure DevOps Server 2020 start with every job authorization scope setting off/);
    assert.equal(await activeId(page), "az-new");

    // Azure DevOps Server: its own labels, and a new organization there is limited
    await page.selectOption("#az-product", "server");
    await page.click("#az-new");
    await page.waitForFunction(() => globalThis.simulator.scenario.azure.config.organization.limitJobScopeNonRelease === true);
    const server = products.find((p) => p.id === "server");
    assert.equal(await page.textContent('label[for="az-org-protect"]'), server.protectReposSetting);
    assert.deepEqual(await applied(page), newAzureConfig(server, "fabrikam-tailspin", "SpaceGameWeb"));
    await matrixReady(page);
    assert.equal(await page.textContent("#az-scope-value"), "project");

    // undo brings the example back, step by step
    for (let i = 0; i < 4; i++) await page.click("#undo");
    await page.waitForFunction(() => globalThis.simulator.scenario.azure.config.grants?.length === 1);
    assert.equal((await applied(page)).product, "services");
  });
});

test("the organization's projects: add with visibility, a duplicate shown at its entry, public repositories, remove", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await azureTab(page);
    const partsRead = () => page.locator('#az-matrix .cell-button[data-kind="yaml"][data-resource="repository:PartsUnlimited/PartsUnlimited:read"]');
    assert.equal(await partsRead().getAttribute("data-reason"), "repository_not_referenced");
    // PartsUnlimited public: under repository protection its repository is read without a reference
    await page.selectOption("#az-org-project-1-visibility", "public");
    await page.waitForFunction(() => globalThis.simulator.scenario.azure.config.organization.projects[1].visibility === "public");
    await matrixReady(page);
    const expected = api.checkAzureAccess(await applied(page), { kind: "repository", project: "PartsUnlimited", name: "PartsUnlimited", action: "read" });
    assert.equal(await partsRead().getAttribute("data-reason"), expected.reason);
    assert.notEqual(expected.reason, "repository_not_referenced");

    // a project listed twice: the engine's duplicate_project, next to the entry
    await page.fill("#az-org-project-name", "fabrikamfiber");
    await page.click("#az-org-project-add");
    await page.waitForSelector('[data-path="organization.projects[2]"] .problem');
    assert.match(await page.textContent('[data-path="organization.projects[2]"] .problems'), /duplicate_project/);
    assert.equal(await activeId(page), "az-org-project-name");
    assert.equal(await page.inputValue("#az-org-project-name"), "");
    // the pipeline's own project listed: a duplicate too
    await page.fill("#az-org-project-name", "SpaceGameWeb");
    await page.click("#az-org-project-add");
    await page.waitForSelector('[data-path="organization.projects[3]"] .problem');
    const problems = api.validateAzureConfig(await applied(page)).filter((p) => p.code === "duplicate_project").map((p) => p.path);
    assert.deepEqual(problems, ["organization.projects[2]", "organization.projects[3]"]);
    // removed: the problems go, focus returns to the name field
    await page.click("#az-org-project-3-remove");
    await page.click("#az-org-project-2-remove");
    await page.waitForFunction(() => globalThis.simulator.scenario.azure.config.organization.projects.length === 2);
    assert.equal(await page.locator('[data-path^="organization.projects"] .problem').count(), 0);
    assert.equal(await activeId(page), "az-org-project-name");
  });
});

test("the Options tab shows the REST API's projectCollection as “Project collection”", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const scenario = JSON.parse(await exported(page));
    scenario.view = "azure";
    scenario.azure.config.pipeline = { kind: "classic-build", buildJobAuthorizationScope: "projectCollection", hasRun: true };
    scenario.azure.config.organization.limitJobScopeNonRelease = false;
    scenario.azure.config.project.limitJobScopeNonRelease = false;
    await importPasted(page, JSON.stringify(scenario));
    await page.waitForSelector("#az-build-scope");
    assert.equal(await page.locator("#az-build-scope option:checked").textContent(), "Project collection");
    assert.equal((await applied(page)).pipeline.buildJobAuthorizationScope, "projectCollection", "kept as the file says");
    assert.equal(await page.textContent("#az-scope-value"), api.resolveAzureScope(await applied(page)).scope);
    assert.equal(await page.textContent("#az-scope-value"), "collection");
    await page.selectOption("#az-build-scope", "project");
    await page.waitForFunction(() => document.querySelector("#az-scope-value")?.textContent === "project");
  });
});

test("the access matrix: a row per pipeline kind, a column per resource, each cell azureMatrix's decision; Why? is its trace; keyboard", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await azureTab(page);
    const matrix = api.azureMatrix(await applied(page));
    assert.deepEqual(await page.locator("#az-matrix tbody th").evaluateAll((ths) => ths.map((t) => t.firstChild.textContent)), ["YAML", "Classic build", "Classic release"]);
    const cells = await shownCells(page);
    assert.equal(cells.length, matrix.rows.length * matrix.columns.length);
    matrix.rows.forEach((row, r) => matrix.columns.forEach((column, c) => {
      const shown = cells.find((x) => x.kind === row.kind && x.resource === resourceKey(column));
      assert.ok(shown, `${row.kind} ${resourceKey(column)}`);
      assert.equal(shown.reason, matrix.cells[r][c].reason, `${row.kind} ${resourceKey(column)}`);
      assert.equal(shown.category, matrix.cells[r][c].allowed ? "allowed" : "denied");
    }));
    assert.match(await page.textContent("#az-matrix tbody tr:first-child th"), /project scope/);
    await page.screenshot({ path: join(SHOTS, "azure-matrix.png"), fullPage: true });

    // one Tab stop; the arrow keys, End; Enter opens Why?, Escape closes it and focus comes back
    await page.focus("#az-cell-0-0");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowDown");
    assert.equal(await activeId(page), "az-cell-1-1");
    assert.equal(await page.locator('#az-matrix .cell-button[tabindex="0"]').count(), 1);
    await page.keyboard.press("End");
    const last = `az-cell-1-${matrix.columns.length - 1}`;
    assert.equal(await activeId(page), last);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#az-why-dialog[open]");
    const decision = matrix.cells[1][matrix.columns.length - 1];
    assert.equal(await page.textContent("#az-why-verdict .why-reason"), decision.reason);
    assert.equal(await page.locator("#az-why-verdict table.trace tbody tr").count(), decision.trace.length);
    assert.deepEqual(await page.locator("#az-why-verdict table.trace tbody th code").allTextContents(), decision.trace.map((s) => s.step));
    assert.match(await page.textContent("#az-why-title"), /^Why\? Classic build pipeline → repository PartsUnlimited\/PartsUnlimited, write$/);
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.getElementById("az-why-dialog").open);
    assert.equal(await activeId(page), last);

    // the filter narrows the columns
    await page.fill("#az-matrix-filter", "partsunlimited");
    await page.waitForFunction(() => document.querySelectorAll("#az-matrix thead th").length === 3);
    assert.deepEqual(await page.locator("#az-matrix thead th code").allTextContents(), ["PartsUnlimited/\u200bPartsUnlimited", "PartsUnlimited/\u200bPartsUnlimited"]);
  });
});

test("the matrix pages its columns for a large organization, and stays responsive", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const scenario = JSON.parse(await exported(page));
    scenario.view = "azure";
    scenario.azure.config.organization.projects = Array.from({ length: 300 }, (_, i) => ({ name: `Project${i}`, visibility: i % 7 ? "private" : "public" }));
    await importPasted(page, JSON.stringify(scenario));
    await matrixReady(page);
    const columns = api.azureMatrix(scenario.azure.config).columns.length;
    assert.match(await page.textContent("#az-matrix-page"), new RegExp(`Resources 1–24 of ${columns}\\.`));
    await page.click("#az-cols-next");
    assert.match(await page.textContent("#az-matrix-page"), new RegExp(`Resources 25–48 of ${columns}\\.`));
    // a draft over the whole organization: the flips are listed, the page answers meanwhile
    await page.click("#az-draft-start");
    await page.uncheck("#az-org-nonrelease");
    await page.uncheck("#az-project-nonrelease");
    await page.waitForSelector("#az-diff");
    const { flips } = api.azureWhatIf(await applied(page), await draftOf(page));
    assert.equal(await page.locator("#az-diff tbody tr").count(), flips.length);
  });
});

test("what-if: a draft marks each cell a settings change opens or breaks, as azureWhatIf says; apply, discard, undo, reload", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await azureTab(page);
    const before = await applied(page);
    await page.click("#az-draft-start");
    assert.equal(await activeId(page), "az-draft-heading");
    await page.uncheck("#az-org-nonrelease");
    await page.uncheck("#az-project-nonrelease");
    await page.uncheck("#az-org-protect");
    await page.uncheck("#az-project-protect");
    await page.waitForFunction(() => globalThis.simulator.azureDraft?.project.protectRepos === false);
    await matrixReady(page);
    assert.deepEqual(await applied(page), before, "the applied config is untouched");
    const draft = await draftOf(page);
    const whatIf = api.azureWhatIf(before, draft);
    const opens = whatIf.flips.filter((f) => f.change === "opens");
    const breaks = whatIf.flips.filter((f) => f.change === "breaks");
    assert.ok(opens.length && breaks.length, JSON.stringify(whatIf.flips.map((f) => [f.kind, resourceKey(f.resource), f.change])));
    // every flipped cell, and only those, marked
    const cells = await shownCells(page);
    for (const cell of cells) {
      const flip = whatIf.flips.find((f) => f.kind === cell.kind && resourceKey(f.resource) === cell.resource);
      assert.equal(cell.flip, flip?.change ?? null, `${cell.kind} ${cell.resource}`);
    }
    assert.equal(await page.textContent("#az-diff-heading"), `What the draft flips: ${whatIf.flips.length} cells`);
    assert.equal(await page.locator("#az-diff tbody tr.opens").count(), opens.length);
    assert.equal(await page.locator("#az-diff tbody tr.breaks").count(), breaks.length);
    const open = opens[0];
    const button = page.locator(`#az-matrix .cell-button[data-kind="${open.kind}"][data-resource="${resourceKey(open.resource)}"]`);
    assert.equal((await button.textContent()).trim(), "✗→✓");
    assert.match(await button.getAttribute("aria-label"), /the draft opens it \(was denied/);
    await page.screenshot({ path: join(SHOTS, "azure-what-if.png"), fullPage: true });
    await button.click();
    await page.waitForSelector("#az-why-dialog[open]");
    assert.match(await page.textContent("#az-why-flip"), /The draft opens this cell/);
    assert.equal(await page.textContent("#az-why-verdict .why-reason"), open.after.reason);
    assert.equal(await page.textContent("#az-why-before .why-reason"), open.before.reason);
    await page.click("#az-why-close");

    // kept across a reload
    await page.waitForFunction(() => localStorage.getItem("job-token-scope/azure-draft") !== null);
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#az-draft-apply");
    await matrixReady(page);
    assert.equal(await page.locator("#az-diff tbody tr").count(), whatIf.flips.length);

    // discard, undo brings it back; apply makes it the config
    await page.click("#az-draft-discard");
    await page.waitForSelector("#az-draft-start");
    assert.equal(await activeId(page), "az-draft-start");
    assert.equal(await page.locator("#az-diff").count(), 0);
    await page.click("#undo");
    await page.waitForSelector("#az-draft-apply");
    await page.click("#az-draft-apply");
    await page.waitForSelector("#az-draft-start");
    assert.deepEqual(await applied(page), draft);
    assert.equal(await draftOf(page), null);
  });
});

test("imports: each Azure DevOps file kind, detected by the package before any GitLab guess; notes; located errors", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    assert.deepEqual(await page.locator("#import-kind option").evaluateAll((os) => os.map((o) => o.value).filter((v) => v.startsWith("azure-"))),
      ["azure-general-settings", "azure-organization-settings", "azure-project-settings", "azure-build-definition"]);
    // general settings, to the organization
    await importPasted(page, JSON.stringify({ enforceJobAuthScope: false, enforceJobAuthScopeForReleases: true, enforceSettableVar: true }), { level: "organization" });
    await page.waitForSelector("#az-scope-value");
    assert.equal(await page.isChecked("#az-org-nonrelease"), false);
    const notes = await page.textContent("#import-result");
    assert.match(notes, /enforceSettableVar/);
    assert.doesNotMatch(notes, /not about job access tokens/);

    // a build definition (it has a `project`): not taken for a GitLab combined file
    const definition = { id: 12, name: "SpaceGameWeb-CI", process: { type: 1 }, jobAuthorizationScope: "projectCollection",
      repository: { type: "TfsGit", name: "SpaceGameWeb" }, project: { name: "SpaceGameWeb", visibility: "private" } };
    await importPasted(page, JSON.stringify(definition));
    await page.waitForSelector("#az-build-scope");
    assert.equal(await page.inputValue("#az-kind"), "classic-build");
    assert.equal(await page.locator("#az-build-scope option:checked").textContent(), "Project collection");
    assert.match(await page.textContent("#import-result"), /classic build/);

    // the organization's Settings page data
    await importPasted(page, JSON.stringify({ dataProviders: { "ms.vss-build-web.pipelines-org-settings-data-provider": { enforceJobAuthScope: true } } }));
    await page.waitForFunction(() => document.querySelector("#az-org-nonrelease")?.checked === true);

    // the project's page: off in the project under an organization limit — the engine's problem, shown
    const projectPage = { dataProviders: { "ms.vss-build-web.pipelines-general-settings-data-provider": {
      enforceJobAuthScopeForReleases: { enabled: false, orgEnabled: true } } } };
    await importPasted(page, JSON.stringify(projectPage));
    await page.waitForSelector('[data-path="project.limitJobScopeRelease"] .problem');
    assert.match(await page.textContent("#import-result"), /problem locked_by_organization at project\.limitJobScopeRelease/);

    // a wrong field: where, what, and nothing changed
    const kept = await exported(page);
    await importPasted(page, JSON.stringify({ dataProviders: { "ms.vss-build-web.pipelines-org-settings-data-provider": { enforceJobAuthScope: "yes" } } }));
    assert.equal(await page.textContent("#import-result .import-where"), "dataProviders.ms.vss-build-web.pipelines-org-settings-data-provider.enforceJobAuthScope");
    assert.match(await page.textContent("#import-result .import-message"), /expected true or false/);
    assert.equal(await activeId(page), "import-result");
    assert.equal(await exported(page), kept);
    // a kind chosen that the file is not: the package says what it did not import
    await importPasted(page, JSON.stringify(definition), { kind: "azure-general-settings" });
    assert.match(await page.textContent("#import-result"), /not a pipeline setting of REST API 7\.1 or 7\.2: id, jobAuthorizationScope, name, process, project, repository/);
    assert.match(await page.textContent("#import-result"), /the config is unchanged/);
    assert.equal(await exported(page), kept);
    await importPasted(page, "[1, 2]", { kind: "azure-build-definition" });
    assert.match(await page.textContent("#import-result .import-message"), /expected an object, found an array/);
  });
});

for (const colorScheme of ["light", "dark"]) {
  test(`axe-core (${colorScheme}): the Azure view with its matrix, a draft's flips and Why? open`, { timeout: TEST_MS }, async () => {
    await withPage(async (page) => {
      await azureTab(page);
      assert.deepEqual(await axe(page), [], "Azure view");
      await page.click("#az-draft-start");
      await page.uncheck("#az-org-nonrelease");
      await page.uncheck("#az-project-nonrelease");
      await page.fill("#az-org-project-name", "FabrikamFiber");
      await page.click("#az-org-project-add");
      await page.waitForSelector('[data-path="organization.projects[2]"] .problem');
      await page.waitForSelector("#az-diff tbody tr");
      assert.deepEqual(await axe(page), [], "Azure view, draft");
      await page.locator('#az-matrix .cell-button[data-flip]').first().click();
      await page.waitForSelector("#az-why-dialog[open]");
      assert.deepEqual(await axe(page), [], "Azure Why?");
    }, { colorScheme });
  });
}

test("when a worker cannot load the package (offline before it arrived), the page computes the matrices itself", { timeout: TEST_MS }, async () => {
  await withPage(async (page, context) => {
    // the page's own /pkg/web.js comes (the first request for it); the workers' requests for it fail
    let requests = 0;
    await context.route("**/pkg/web.js", (route) => (requests++ === 0 ? route.continue() : route.abort()));
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector('#gl-matrix-mount[data-state="ready"]');
    await azureTab(page);
    const matrix = api.azureMatrix(await applied(page));
    assert.equal((await shownCells(page)).length, matrix.rows.length * matrix.columns.length);
    assert.ok(requests > 1, "the workers asked for the package");
  }, { allowErrors: [/Failed to load resource/, /web\.js/] });
});

test("390 px: the Azure view, its matrix and draft without horizontal page scroll; Why? on screen", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await azureTab(page);
    await page.click("#az-draft-start");
    await page.uncheck("#az-org-nonrelease");
    await page.uncheck("#az-project-nonrelease");
    await page.waitForSelector("#az-diff tbody tr");
    const [scroll, client] = await widths(page);
    assert.ok(scroll <= client, `page ${scroll} px wide on a ${client} px screen`);
    assert.deepEqual(await axe(page), [], "390 px, draft");
    await page.locator("#az-cell-0-0").click();
    await page.waitForSelector("#az-why-dialog[open]");
    const box = await page.locator("#az-why-dialog").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    await page.screenshot({ path: join(SHOTS, "phone-azure-why.png") });
    await page.keyboard.press("Escape");
    await page.screenshot({ path: join(SHOTS, "phone-azure-matrix.png"), fullPage: true });
  }, { width: 390, height: 844 });
});

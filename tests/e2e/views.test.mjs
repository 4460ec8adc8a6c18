// End-to-end tests of the simulator's views (issue 18): in-place updates, a 200-project scenario, the
// matrix as an ARIA grid, undo, the shared link beside the saved scenario, the draft across a reload,
// a 390 px screen, axe-core in light and dark, focus after each action, "Why?" with its fixes, limited
// cells, and the import's project path. Served by scripts/serve.mjs, driven in Debian's Chromium.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bigScenario } from "./support/big-scenario.mjs";
import { encodeFragment } from "../../www/share.js";
import { exampleScenario as example } from "../../www/examples.js";
import { azureProducts } from "../../pkg/node.js";

const exampleScenario = () => example(azureProducts());

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOTS = join(ROOT, "tests", "e2e", "screenshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const AXE = join(ROOT, "node_modules", "axe-core", "axe.min.js");
const STEP_MS = 15_000;
const TEST_MS = 120_000;

let server;
let baseUrl;
let browser;

before(async () => {
  assert.ok(existsSync(join(ROOT, "pkg", "web.js")), "pkg/ is not built: run `make pkg` first");
  assert.ok(existsSync(AXE), "node_modules/axe-core is missing: run `make setup`");
  mkdirSync(SHOTS, { recursive: true });
  server = spawn(process.execPath, [join(ROOT, "scripts", "serve.mjs"), "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  baseUrl = await new Promise((ok, fail) => {
    let output = "";
    server.stdout.setEncoding("utf8").on("data", (s) => {
      output += s;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m) ok(m[1]);
    });
    server.once("exit", (code) => fail(new Error(`scripts/serve.mjs exited (${code}): ${output}`)));
  });
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"], headless: true, timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
});

/** A fresh context on `path`, waits for the page; `fn(page, context)`; fails on page errors. */
async function withPage(fn, { path = "", width = 1400, height = 1000, colorScheme = "light", context: given = null } = {}) {
  const context = given ?? await browser.newContext({ viewport: { width, height }, colorScheme });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") errors.push(`console.${msg.type()}: ${msg.text()}`);
  });
  try {
    await page.goto(new URL(path, baseUrl).href);
    await page.waitForSelector("body[data-ready=true]");
    await fn(page, context);
    assert.deepEqual(errors, [], "errors on the page");
  } finally {
    if (!given) await context.close();
    else await page.close();
  }
}

const ready = (page) => page.waitForSelector('#gl-matrix-mount[data-state="ready"]');
const exported = (page) => page.evaluate(() => JSON.stringify(globalThis.simulator.exportScenario()));
const activeId = (page) => page.evaluate(() => document.activeElement?.id ?? "");
const cell = (page, source, target) => page.locator(`.cell-button[data-source="${source}"][data-target="${target}"]`);

/** Runs axe-core on the page: violations that are serious or critical, every rule on (experimental ones too). */
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    // every rule but the AAA ones (color-contrast-enhanced): experimental ones such as
    // label-content-name-mismatch included
    const rules = Object.fromEntries(globalThis.axe.getRules().map((r) => [r.ruleId, { enabled: !r.tags.includes("wcag2aaa") }]));
    const result = await globalThis.axe.run(document, { rules, resultTypes: ["violations"] });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
}

// ───────────────────────────── 1. views that update their part in place ─────────────────────────────

test("an edit updates the page in place: an open <details> stays open, the scroll stays, other views keep their nodes", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await ready(page);
    await page.click("#gl-features > summary");
    await page.click(".compaction > summary");
    const marked = await page.evaluate(() => {
      // a property: a redraw that replaced these nodes would lose it
      document.getElementById("scenario-panel").mark = "kept";
      document.getElementById("gl-users-heading").mark = "kept";
      // scrolled down, with the controls used below still in view (Playwright would scroll to them)
      window.scrollTo(0, Math.round(document.getElementById("gl-acting-user").getBoundingClientRect().top + scrollY - 300));
      return scrollY;
    });
    await page.selectOption("#gl-acting-user", "alice");
    await page.check("#gl-inbound-all");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await page.locator("#gl-features").evaluate((d) => d.open), true, "features still open");
    assert.equal(await page.locator(".compaction").evaluate((d) => d.open), true, "compaction still open");
    assert.equal(await page.evaluate(() => document.getElementById("scenario-panel").mark), "kept", "the same node, updated in place");
    assert.equal(await page.evaluate(() => document.getElementById("gl-users-heading").mark), "kept", "the same node, updated in place");
    assert.equal(await page.evaluate(() => scrollY), marked, "the scroll stays");
    // the version profile comes from the package's table
    const profile = await page.evaluate(() => {
      const app = globalThis.simulator;
      return app.profile("17.4") === app.versions.find((r) => r.since === "17.3") && app.profile("latest") === app.versions.at(-1);
    });
    assert.equal(profile, true);
  });
});

// ───────────────────────────── 2. scale, and the matrix as a grid ─────────────────────────────

test("a 200-project scenario: shown, an edit and a triggering user answer without freezing the page", { timeout: TEST_MS }, async () => {
  const link = `/#${await encodeFragment(bigScenario(200))}`;
  await withPage(async (page) => {
    await ready(page);
    const shown = await page.evaluate(() => Number(document.getElementById("gl-matrix-mount").dataset.readyAt));
    assert.ok(shown < 10_000, `shown after ${shown} ms`);
    // focused on the selected project: its row and column, 2 × 100 cells a page, not 40,000
    assert.equal(await page.locator(".cell-button").count(), 200);
    assert.equal(await page.locator("table.matrix.focus tbody tr").count(), 100);
    assert.match(await page.textContent("#gl-matrix-page"), /Rows 1–100 of 200/);
    // an edit: the settings answer at once, the matrix follows off the main thread
    const edit = await page.evaluate(async () => {
      const t0 = performance.now();
      document.getElementById("gl-inbound-all").click();
      const settled = performance.now() - t0;
      const mount = document.getElementById("gl-matrix-mount");
      while (Number(mount.dataset.readyAt) < t0 || mount.dataset.state !== "ready") await new Promise((r) => setTimeout(r, 10));
      return { settled, done: Number(mount.dataset.readyAt) - t0 };
    });
    assert.ok(edit.settled < 2_000 && edit.done < 5_000, JSON.stringify(edit));
    // a triggering user: checkGitlabAccess per cell, in the workers
    const user = await page.evaluate(async () => {
      const t0 = performance.now();
      const select = document.getElementById("gl-matrix-user");
      select.value = "alice";
      select.dispatchEvent(new Event("change", { bubbles: true }));
      const blocked = performance.now() - t0;
      const mount = document.getElementById("gl-matrix-mount");
      while (Number(mount.dataset.readyAt) < t0 || mount.dataset.state !== "ready") await new Promise((r) => setTimeout(r, 10));
      return { blocked, done: Number(mount.dataset.readyAt) - t0 };
    });
    assert.ok(user.blocked < 1_000 && user.done < 10_000, JSON.stringify(user));
    assert.match(await cell(page, "acme/team1/svc1", "acme/team0/svc0").getAttribute("aria-label"), /\(\w+\)/);
    // all projects, a page at a time, with a filter
    await page.selectOption("#gl-matrix-mode", "all");
    await ready(page);
    assert.equal(await page.locator(".cell-button").count(), 40 * 20);
    assert.match(await page.textContent("#gl-matrix-page"), /Rows 1–40 of 200, columns 1–20 of 200/);
    await page.fill("#gl-matrix-filter", "team3/");
    await ready(page);
    assert.equal(await page.locator("table.matrix tbody tr").count(), 20);
  }, { path: link });
});

test("the matrix is one Tab stop with the arrow keys inside (ARIA grid), with sticky headers", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await ready(page);
    assert.equal(await page.getAttribute("#gl-matrix", "role"), "grid");
    assert.equal(await page.locator("#gl-matrix .cell-button[tabindex='0']").count(), 1);
    assert.equal(await page.locator("#gl-matrix .cell-button[tabindex='-1']").count(), await page.locator("#gl-matrix .cell-button").count() - 1);
    await page.focus("#gl-matrix-reasons");
    await page.keyboard.press("Tab");
    assert.equal(await activeId(page), "gl-cell-0-0");
    await page.keyboard.press("ArrowDown");
    assert.equal(await activeId(page), "gl-cell-1-0");
    await page.keyboard.press("ArrowRight");
    assert.equal(await activeId(page), "gl-cell-1-1");
    await page.keyboard.press("End");
    await page.keyboard.press("Control+End");
    assert.equal(await activeId(page), `gl-cell-4-1`);
    await page.keyboard.press("Tab");
    assert.notEqual(await activeId(page), "", "Tab leaves the grid at once");
    assert.ok(!(await activeId(page)).startsWith("gl-cell-"));
    await page.keyboard.press("Shift+Tab");
    assert.equal(await activeId(page), "gl-cell-4-1", "the grid remembers its cell");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#why-dialog[open]");
    await page.keyboard.press("Escape");
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#gl-matrix thead th")).position), "sticky");
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#gl-matrix tbody th")).position), "sticky");
  });
});

// ───────────────────────────── 3. nothing lost ─────────────────────────────

test("undo: a removed project (a double click removes one) and a discarded draft come back", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const before = await exported(page);
    await page.click("#gl-tree-3"); // acme/tools/deployer
    await page.dblclick("#gl-remove-project");
    await page.waitForFunction(() => !document.querySelector(".tree").textContent.includes("deployer"));
    assert.equal(JSON.parse(await exported(page)).gitlab.world.projects.length, 4, "one project removed, not two");
    assert.match(await page.textContent("#undo"), /Undo: remove project acme\/tools\/deployer/);
    await page.click("#undo");
    await page.waitForFunction(() => document.querySelector(".tree").textContent.includes("deployer"));
    // one click: focus goes to Undo
    await page.click("#gl-tree-3");
    await page.click("#gl-remove-project");
    await page.waitForFunction(() => !document.querySelector(".tree").textContent.includes("deployer"));
    assert.equal(await activeId(page), "undo", "focus on Undo");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector(".tree").textContent.includes("deployer"));
    assert.deepEqual(JSON.parse(await exported(page)).gitlab.world, JSON.parse(before).gitlab.world);
    // a draft, discarded, then back with Control+Z
    await page.click("#gl-tree-1"); // acme/platform/api, where alice is maintainer
    await page.click("#gl-draft-start");
    assert.equal(await activeId(page), "gl-draft-heading", "focus on the draft after Start");
    await page.selectOption("#gl-acting-user", "alice");
    await page.check("#gl-inbound-all");
    await page.waitForSelector("#gl-edit-result.allowed");
    await page.click("#gl-draft-discard");
    assert.equal(await activeId(page), "gl-draft-start", "focus back on Start after Discard");
    await page.keyboard.press("Control+z");
    await page.waitForSelector("#gl-draft-apply");
    assert.equal(await page.isChecked("#gl-inbound-all"), true, "the draft is back");
  });
});

test("the what-if draft survives a reload", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await page.click("#gl-draft-start");
    await page.selectOption("#gl-acting-user", "alice");
    await page.check("#gl-inbound-all");
    await page.waitForSelector("#gl-edit-result.allowed");
    await page.waitForFunction(() => localStorage.getItem("job-token-scope/draft"));
    await page.goto(new URL("/", baseUrl).href);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#gl-draft-apply");
    assert.equal(await page.isChecked("#gl-inbound-all"), true);
    await page.waitForSelector("#gl-diff table");
    assert.equal(JSON.parse(await exported(page)).gitlab.world.projects[1].inbound.enabled, true, "the applied scenario is unchanged");
  });
});

test("a share link opens beside the saved scenario and asks before replacing it", { timeout: TEST_MS }, async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    let mine;
    await withPage(async (page) => {
      await page.selectOption("#gl-version", "17.6");
      await page.waitForFunction(() => JSON.parse(localStorage.getItem("job-token-scope/scenario")).gitlab.world.version === "17.6");
      mine = await exported(page);
    }, { context });
    const shared = exampleScenario();
    shared.gitlab.world.version = "16.3";
    const link = `/#${await encodeFragment(shared)}`;
    await withPage(async (page) => {
      await page.waitForSelector("#shared-banner");
      assert.equal(await activeId(page), "shared-heading");
      assert.equal(await page.inputValue("#gl-version"), "16.3", "the link's scenario is shown");
      const stored = await page.evaluate(() => localStorage.getItem("job-token-scope/scenario"));
      assert.deepEqual(JSON.parse(stored).gitlab, JSON.parse(mine).gitlab, "the saved scenario is kept");
      await page.click("#shared-back");
      await page.waitForSelector("#shared-banner", { state: "detached" });
      assert.equal(await page.inputValue("#gl-version"), "17.6");
    }, { context, path: link });
    await withPage(async (page) => {
      await page.click("#shared-keep");
      await page.waitForSelector("#shared-banner", { state: "detached" });
      await page.waitForFunction(() => JSON.parse(localStorage.getItem("job-token-scope/scenario")).gitlab.world.version === "16.3");
    }, { context, path: link });
  } finally {
    await context.close();
  }
});

// ───────────────────────────── 4. any screen ─────────────────────────────

test("390 px wide: no horizontal page scroll, “Why?” on screen", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await ready(page);
    await page.click("#scenario-panel > summary");
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(widths[0] <= widths[1], `page ${widths[0]} px wide on a ${widths[1]} px screen`);
    await cell(page, "acme/docs", "acme/platform/api").click();
    await page.waitForSelector("#why-dialog[open]");
    const box = await page.locator("#why-dialog").boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
    await page.screenshot({ path: join(SHOTS, "phone-why.png") });
    await page.keyboard.press("Escape");
    await page.click("#tab-azure");
    await page.waitForSelector("#az-scope-value");
    const azure = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(azure[0] <= azure[1], `Azure view ${azure[0]} px wide`);
    await page.screenshot({ path: join(SHOTS, "phone-azure.png"), fullPage: true });
  }, { width: 390, height: 844 });
});

for (const colorScheme of ["light", "dark"]) {
  test(`axe-core (${colorScheme}, experimental rules too): no serious or critical violation in either view, a draft, Why? and a refusal open`, { timeout: TEST_MS }, async () => {
    await withPage(async (page) => {
      await ready(page);
      await page.click("#scenario-panel > summary");
      await page.click("#gl-draft-start");
      await page.selectOption("#gl-acting-user", "bob");
      await page.fill("#gl-add-path", "acme/docs");
      await page.click("#gl-add-button");
      await page.waitForSelector("#gl-edit-result.denied");
      await ready(page);
      assert.deepEqual(await axe(page), [], "GitLab view");
      await page.selectOption("#gl-matrix-mode", "all");
      await ready(page);
      assert.deepEqual(await axe(page), [], "GitLab view, all projects");
      await cell(page, "acme/docs", "acme/platform/api").click();
      await page.waitForSelector("#why-stage");
      assert.deepEqual(await axe(page), [], "Why?");
      await page.keyboard.press("Escape");
      await page.click("#tab-azure");
      await page.waitForSelector("#az-scope-value");
      assert.deepEqual(await axe(page), [], "Azure view");
    }, { colorScheme });
  });
}

test("focus goes somewhere sensible: Save permissions, Cancel, removing an entry, an import", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await page.selectOption("#gl-acting-user", "alice");
    await page.click("#gl-entry-project-0-edit");
    await page.check("#gl-policies-project-0-fine");
    await page.check("#gl-policies-project-0-read_jobs");
    await page.click("#gl-policies-project-0-save");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await activeId(page), "gl-entry-project-0-edit");
    await page.click("#gl-entry-project-0-edit");
    await page.click("#gl-policies-project-0-cancel");
    assert.equal(await activeId(page), "gl-entry-project-0-edit");
    await page.click("#gl-entry-project-0-remove");
    await page.waitForSelector("#gl-edit-result.allowed");
    assert.equal(await activeId(page), "gl-add-path");
  });
});

// ───────────────────────────── 5. answers that help ─────────────────────────────

test("Why? lists every unmet condition and stages the fix as a what-if draft", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await ready(page);
    await page.selectOption("#gl-matrix-permission", "admin_packages");
    await page.selectOption("#gl-matrix-user", "carol");
    await ready(page);
    await cell(page, "acme/docs", "acme/platform/api").click();
    await page.waitForSelector("#why-stage");
    const unmet = await page.locator("#why-unmet > li").allTextContents();
    assert.ok(unmet.length >= 2, JSON.stringify(unmet));
    assert.match(unmet[0], /not_in_inbound_allowlist[\s\S]*Change: Add acme\/docs to acme\/platform\/api's inbound allowlist/);
    assert.match(unmet.at(-1), /insufficient_role[\s\S]*Change: Give carol the \w+ role on acme\/platform\/api/);
    assert.match(await page.textContent("#why-after"), /the engine allows the request/);
    await page.click("#why-stage");
    await page.waitForSelector("#gl-draft-apply");
    assert.equal(await activeId(page), "gl-draft-heading");
    await ready(page);
    assert.match(await cell(page, "acme/docs", "acme/platform/api").getAttribute("aria-label"), /allowed .*the draft changes it from denied/);
  });
});

test("limited cells: a fine-grained entry is marked in the “any access” matrix, with what it grants", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    await ready(page);
    const limited = cell(page, "acme/tools/deployer", "acme/platform/api");
    assert.equal(await limited.getAttribute("data-category"), "limited");
    assert.equal((await limited.textContent()).trim(), "◑");
    assert.match(await limited.getAttribute("aria-label"), /limited .*granted: .*read_jobs.*read_packages|granted: .*read_packages/);
    assert.match(await page.textContent(".legend"), /◑ limited/);
    await limited.click();
    await page.waitForSelector("#why-dialog[open]");
    await page.keyboard.press("Escape");
    // a plain project entry: allowed, not limited
    assert.equal(await cell(page, "acme/ci", "acme/platform/api").getAttribute("data-category"), "allowed");
  });
});

test("import: the project path is the selected project, existing ones are suggested, a new one is confirmed first", { timeout: TEST_MS }, async () => {
  await withPage(async (page) => {
    const before = await exported(page);
    await page.click("#scenario-panel > summary");
    assert.equal(await page.inputValue("#import-project"), "acme/platform/api");
    assert.equal(await page.getAttribute("#import-project", "list"), "import-project-options");
    assert.ok((await page.locator("#import-project-options option").evaluateAll((os) => os.map((o) => o.value))).includes("acme/ci"));
    // a typo: the import asks, suggests the existing path, and changes nothing when cancelled
    await page.fill("#import-project", "acme/platfrom/api");
    await page.fill("#import-text", JSON.stringify({ inbound_enabled: false, outbound_enabled: false }));
    await page.click("#import-button");
    await page.waitForSelector("#import-confirm");
    assert.equal(await activeId(page), "import-confirm-heading");
    assert.match(await page.textContent("#import-confirm"), /acme\/platfrom\/api — did you mean acme\/platform\/api\?/);
    await page.click("#import-confirm-cancel");
    await page.waitForSelector("#import-confirm", { state: "detached" });
    assert.equal(await exported(page), before);
    // the right path imports at once
    await page.fill("#import-project", "acme/platform/api");
    await page.click("#import-button");
    await page.waitForSelector("#import-result .note");
    assert.equal(await page.isChecked("#gl-inbound-all"), true);
  });
});

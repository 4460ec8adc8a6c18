// The simulator served (scripts/serve.mjs on a free port) and driven in Debian's Chromium, for the
// end-to-end tests of the Azure matrix, the live import and enforcement readiness: start() in `before`,
// stop() in `after`, withPage(fn, options) per test; axe(page) for axe-core's serious and critical
// violations (every rule but the AAA ones), wide(page) for horizontal scrolling.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SHOTS = join(ROOT, "tests", "e2e", "screenshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const AXE = join(ROOT, "node_modules", "axe-core", "axe.min.js");
export const STEP_MS = 15_000;
export const TEST_MS = 120_000;

/** Resolves with `promise` or rejects after `ms` with `what` in the message. */
export function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))),
  ]);
}

/** @type {{ server: import("node:child_process").ChildProcess, baseUrl: string, browser: any } | null} */
let running = null;

export async function start() {
  assert.ok(existsSync(join(ROOT, "pkg", "web.js")), "pkg/ is not built: run `make pkg` first");
  assert.ok(existsSync(AXE), "node_modules/axe-core is missing: run `make setup`");
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing`);
  mkdirSync(SHOTS, { recursive: true });
  const server = spawn(process.execPath, [join(ROOT, "scripts", "serve.mjs"), "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stderr.setEncoding("utf8").on("data", (s) => (output += s));
  const baseUrl = await within(STEP_MS, "scripts/serve.mjs to print its address", new Promise((ok, fail) => {
    server.stdout.setEncoding("utf8").on("data", (s) => {
      output += s;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m) ok(m[1]);
    });
    server.once("exit", (code) => fail(new Error(`scripts/serve.mjs exited (${code}): ${output}`)));
  }));
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 30_000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  running = { server, baseUrl, browser };
  return running;
}

export async function stop() {
  if (!running) return;
  const { server, browser } = running;
  running = null;
  try {
    await within(STEP_MS, "closing Chromium", browser.close());
  } finally {
    if (server.exitCode === null) {
      server.kill("SIGTERM");
      const killer = setTimeout(() => server.kill("SIGKILL"), 3_000);
      await new Promise((ok) => (server.exitCode !== null ? ok() : server.once("exit", ok)));
      clearTimeout(killer);
    }
  }
}

/**
 * A fresh context (empty local storage) on `path`; waits for the page; `fn(page, context, errors)`; fails
 * on page errors and console errors or warnings (`allowErrors` lists patterns that may appear).
 */
export async function withPage(fn, { path = "", width = 1400, height = 1000, colorScheme = "light", allowErrors = [] } = {}) {
  assert.ok(running, "start() first");
  const context = await running.browser.newContext({ viewport: { width, height }, colorScheme });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") errors.push(`console.${msg.type()}: ${msg.text()}`);
  });
  try {
    await page.goto(new URL(path, running.baseUrl).href);
    await page.waitForSelector("body[data-ready=true]");
    await fn(page, context, errors);
    assert.deepEqual(errors.filter((e) => !allowErrors.some((re) => re.test(e))), [], "errors on the page");
  } finally {
    await within(STEP_MS, "closing the page", context.close());
  }
}

/** axe-core on the page: serious and critical violations, every rule on but the AAA ones (experimental too). */
export async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const rules = Object.fromEntries(globalThis.axe.getRules().map((r) => [r.ruleId, { enabled: !r.tags.includes("wcag2aaa") }]));
    const result = await globalThis.axe.run(document, { rules, resultTypes: ["violations"] });
    return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
}

/** [scrollWidth, clientWidth] of the page: the first no larger than the second when nothing scrolls sideways. */
export function widths(page) {
  return page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
}

export const activeId = (page) => page.evaluate(() => document.activeElement?.id ?? "");
export const exported = (page) => page.evaluate(() => JSON.stringify(globalThis.simulator.exportScenario()));

/** Opens the scenario panel and imports `text` (kind, level as given); waits for the result. */
export async function importPasted(page, text, { kind = "auto", level = null } = {}) {
  if (!(await page.locator("#scenario-panel[open]").count())) await page.click("#scenario-panel > summary");
  await page.fill("#import-text", text);
  await page.selectOption("#import-kind", kind);
  if (level) await page.selectOption("#import-level", level);
  await page.click("#import-button");
  await page.waitForSelector("#import-result > *, #import-confirm");
}

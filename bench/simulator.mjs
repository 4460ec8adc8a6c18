// The simulator under load (issue 18), in Debian's Chromium: a 200- and a 1,000-project scenario opened
// from a link, then an edit, a triggering user, and a page of "All projects". Reported, never asserted:
// each time is from the action to the matrix's cells all drawn (the worker pool's answers included), with
// the longest main-thread task in between (PerformanceObserver "longtask"), which is what freezes a page.
// Usage: node bench/simulator.mjs [projects ...]   (default 200 1000); `make bench` runs it.

import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bigScenario } from "../tests/e2e/support/big-scenario.mjs";
import { encodeFragment } from "../www/share.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const SIZES = sizes.length ? sizes : [200, 1000];
const { chromium } = await import("playwright-core");

const server = spawn(process.execPath, [join(ROOT, "scripts", "serve.mjs"), "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((ok) => server.stdout.setEncoding("utf8").on("data", (s) => {
  const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(s);
  if (m) ok(m[1]);
}));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });

/** Runs `action` in the page, then waits for the matrix drawn after it: { ms, longestTask }. */
async function measure(page, action) {
  return page.evaluate(async (source) => {
    globalThis.__longest = 0;
    const t0 = performance.now();
    // eslint-disable-next-line no-new-func
    new Function(source)();
    const blocked = performance.now() - t0;
    const mount = document.getElementById("gl-matrix-mount");
    while (Number(mount.dataset.readyAt) < t0 || mount.dataset.state !== "ready") await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50)); // let the longtask observer report
    return { ms: Math.round(Number(mount.dataset.readyAt) - t0), blocked: Math.round(blocked), longestTask: Math.round(globalThis.__longest) };
  }, action);
}

const rows = [];
for (const n of SIZES) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(() => {
    globalThis.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.__longest = Math.max(globalThis.__longest, e.duration);
    }).observe({ type: "longtask", buffered: true });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(300_000);
  const link = `${base}#${await encodeFragment(bigScenario(n))}`;
  await page.goto(link);
  await page.waitForSelector('#gl-matrix-mount[data-state="ready"]');
  const shown = await page.evaluate(() => ({
    settings: Number(document.body.dataset.readyAt),
    matrix: Math.round(Number(document.getElementById("gl-matrix-mount").dataset.readyAt)),
    longestTask: Math.round(globalThis.__longest),
  }));
  rows.push([n, "open the link: settings drawn", shown.settings, "", shown.longestTask]);
  rows.push([n, "open the link: matrix drawn (selected row and column)", shown.matrix, "", ""]);
  const edit = await measure(page, 'document.getElementById("gl-inbound-all").click()');
  rows.push([n, "an edit (inbound: all groups and projects)", edit.ms, edit.blocked, edit.longestTask]);
  const user = await measure(page, 'const s = document.getElementById("gl-matrix-user"); s.value = "alice"; s.dispatchEvent(new Event("change", { bubbles: true }))');
  rows.push([n, "a triggering user (alice)", user.ms, user.blocked, user.longestTask]);
  const all = await measure(page, 'const s = document.getElementById("gl-matrix-mode"); s.value = "all"; s.dispatchEvent(new Event("change", { bubbles: true }))');
  rows.push([n, "All projects, first page (40 × 20 cells, with the user)", all.ms, all.blocked, all.longestTask]);
  const none = await measure(page, 'const s = document.getElementById("gl-matrix-user"); s.value = ""; s.dispatchEvent(new Event("change", { bubbles: true }))');
  rows.push([n, "All projects, no user", none.ms, none.blocked, none.longestTask]);
  const draft = await measure(page, 'document.getElementById("gl-draft-start").click()');
  rows.push([n, "start a what-if draft (diff of the cells shown)", draft.ms, draft.blocked, draft.longestTask]);
  await context.close();
}
await browser.close();
server.kill();

console.log(`\nSimulator in Chromium ${browser.version?.() ?? ""} — ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, times in ms`);
console.log("| projects | action | until the matrix is drawn | main thread blocked by the action | longest task |");
console.log("| ---: | --- | ---: | ---: | ---: |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);

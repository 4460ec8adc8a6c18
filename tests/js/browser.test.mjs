// The package in a real browser: tests/browser/app.js imports "job-token-scope" from the installed
// tarball, esbuild bundles it for the browser (the .wasm as a `file` asset), the output is served on
// 127.0.0.1 and headless Chromium (Debian's, driven by playwright-core) runs it. Then the repository's
// own simulator page (www/, pkg/ at /pkg/, served by scripts/serve.mjs as `make start` does) is loaded
// in the same browser and must show a decision.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, resolve, sep } from "node:path";

import { ROOT, manifest, packAndInstall, startChild, within } from "./support/package.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];
const WASM = "job_token_scope_bg.wasm";
const STEP_MS = 30_000;

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
};

/** A static server for `dir` on 127.0.0.1 (a free port), as scripts/serve.mjs serves www/. */
async function serveDir(dir) {
  const requests = [];
  const server = createServer((req, res) => {
    const pathname = new URL(req.url, "http://127.0.0.1").pathname;
    requests.push(pathname);
    const file = resolve(dir, "." + decodeURIComponent(pathname === "/" ? "/index.html" : pathname));
    if ((file !== dir && !file.startsWith(dir + sep)) || !existsSync(file)) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
      "Content-Length": body.length,
      "Cache-Control": "no-store",
    });
    res.end(body);
  });
  await new Promise((ok, fail) => server.once("error", fail).listen(0, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** scripts/serve.mjs on a free port (it prints the address it bound). */
async function startServeScript() {
  const server = startChild(process.execPath, [join(ROOT, "scripts", "serve.mjs"), "0"]);
  try {
    const url = await within(STEP_MS, "scripts/serve.mjs to print its address", new Promise((ok, fail) => {
      const look = () => {
        const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.output());
        if (m) ok(m[1]);
      };
      server.child.stdout.on("data", look);
      server.child.once("exit", (code) => fail(new Error(`scripts/serve.mjs exited (${code}): ${server.output()}`)));
      look();
    }));
    return { url, stop: server.stop };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** Opens `url` in a new page; returns the page and the errors it reports. */
async function open(browser, url) {
  const page = await browser.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    // A failed load is reported below with its URL (the browser's own /favicon.ico is not an error).
    if (msg.text().startsWith("Failed to load resource")) return;
    if (msg.type() === "error" || msg.type() === "warning") errors.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400 && new URL(res.url()).pathname !== "/favicon.ico") errors.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on("requestfailed", (req) => errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  await page.goto(url, { timeout: STEP_MS });
  return { page, errors };
}

let installed;
let browser;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  installed = packAndInstall("browser");
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}, { timeout: 240_000 });
after(async () => {
  try {
    if (browser) await within(STEP_MS, "closing Chromium", browser.close());
  } finally {
    installed?.cleanup();
  }
}, { timeout: 60_000 });

test("esbuild bundle of an app importing the package runs in Chromium", { timeout: 180_000 }, async () => {
  const { build } = await import("esbuild");
  const app = join(installed.project, "app");
  const dist = join(installed.project, "dist");
  mkdirSync(app);
  for (const file of ["app.js", "index.html"]) copyFileSync(join(ROOT, "tests", "browser", file), join(app, file));
  const result = await build({
    absWorkingDir: installed.project,
    entryPoints: [join(app, "app.js")],
    bundle: true,
    platform: "browser",
    format: "esm",
    outdir: dist,
    loader: { ".wasm": "file" },
    assetNames: "[name]",
    metafile: true,
    logLevel: "silent",
  });
  assert.deepEqual(result.warnings, [], "esbuild warnings");
  copyFileSync(join(app, "index.html"), join(dist, "index.html"));

  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith("node_modules/job-token-scope/web.js")), `browser entry not bundled: ${inputs}`);
  assert.ok(!inputs.some((i) => /job-token-scope\/(node|workerd)\.js$/.test(i)), `wrong entry bundled: ${inputs}`);
  assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith(".wasm")), [WASM], "one .wasm next to the bundle");
  const bundle = readFileSync(join(dist, "app.js"), "utf8");
  assert.ok(!bundle.includes("AGFzbQ"), "the bundle inlines the wasm as base64");
  assert.ok(!bundle.includes("node:fs"), "the bundle pulls in node:fs");

  const server = await serveDir(dist);
  try {
    const { page, errors } = await open(browser, server.url);
    try {
      await page.waitForSelector("#out:not([data-state=loading])");
      const state = await page.getAttribute("#out", "data-state");
      const text = await page.textContent("#out");
      assert.equal(state, "done", `the app failed: ${text}\n${errors.join("\n")}`);
      const shown = JSON.parse(text);
      assert.equal(shown.version, manifest().version);
      assert.equal(shown.wasmUrl, `./${WASM}`);
      assert.equal(shown.allowed.allowed, true);
      assert.equal(shown.allowed.reason, "allowlisted_project");
      assert.ok(shown.allowed.trace.some((t) => t.step === "inbound" && t.outcome === "pass"), JSON.stringify(shown.allowed));
      assert.equal(shown.denied.allowed, false);
      assert.equal(shown.denied.reason, "not_in_inbound_allowlist");
      assert.equal(shown.denied.message, "Authentication by CI/CD job token not allowed from other to api.");
      assert.equal(shown.error.code, "unknown_project");
      assert.equal(shown.fast, true);
      assert.deepEqual(errors, []);
      assert.ok(server.requests.includes(`/${WASM}`), `the page did not fetch /${WASM}: ${server.requests}`);
    } finally {
      await page.close();
    }
  } finally {
    await server.close();
  }
});

test("the simulator page (www/ with pkg/ at /pkg/, as `make start` serves it) shows decisions", { timeout: 120_000 }, async () => {
  const server = await startServeScript();
  try {
    const { page, errors } = await open(browser, server.url);
    try {
      await page.waitForSelector("#result .verdict, #result .error");
      assert.equal(await page.locator("#result .error").count(), 0, `error shown: ${await page.textContent("#result")}`);
      // On load it checks acme/ci -> acme/platform/api: acme/ci is on the allowlist.
      assert.equal(await page.textContent("#result .verdict"), "Allowed");
      assert.equal(await page.textContent("#result code"), "allowlisted_project");
      assert.ok(await page.locator("#result ol.trace li").count() > 0, "no trace shown");
      assert.equal(await page.textContent("#engine-version"), manifest().version);
      // A change of source re-checks: the public acme/docs is not on the allowlist.
      await page.selectOption("#source", "acme/docs");
      await page.waitForFunction(() => document.querySelector("#result code")?.textContent === "not_in_inbound_allowlist");
      assert.equal(await page.textContent("#result .verdict"), "Denied");
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  } finally {
    await server.stop();
  }
});

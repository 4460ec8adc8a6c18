// Shared by the package tests: the built pkg/ as a user gets it (npm pack, then npm install of the
// tarball into a throw-away project), the documented API, and bounded child processes.
// Not a test file itself (node --test only picks *.test.mjs here).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const PKG_DIR = join(ROOT, "pkg");
export const BIN = join(ROOT, "node_modules", ".bin");

/** SPEC §2: these at least are exported (index.d.ts may declare more). */
export const SPEC_API = [
  "checkGitlabAccess", "resolveGitlabScope", "validateGitlabWorld", "compactGitlabAllowlist", "checkGitlabEdit",
  "planGitlabEnforcement",
  "GitlabPolicy", "version", "resolveAzureScope", "checkAzureAccess", "validateAzureConfig",
].sort();

/** The documented API: the functions and classes pkg/index.d.ts (or another .d.ts) declares, sorted. */
export function declaredApi(file = "index.d.ts") {
  const dts = readFileSync(join(PKG_DIR, file), "utf8");
  return [...dts.matchAll(/^export (?:declare )?(?:function|class) (\w+)/gm)].map((m) => m[1]).sort();
}

/** The package's entry files, one per runtime (the `exports` conditions point at them). */
export const ENTRIES = ["node.js", "web.js", "workerd.js"];

/** A world and a request whose answer is known: acme/ci is allowlisted by acme/api (checked by the tests). */
export const WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", inbound: { projects: ["acme/ci"] } },
    { path: "acme/other" },
  ],
};

/** Runs a command to completion (bounded); throws with its output when it fails. */
export function run(command, args, { cwd = ROOT, timeout = 120_000, env = {} } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    timeout,
    killSignal: "SIGKILL",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) failed: ${why}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** npm, quiet, offline, with a private cache, so the tests touch neither the network nor ~/.npm. */
function npm(args, cwd, cache) {
  return run("npm", args, {
    cwd,
    timeout: 180_000,
    env: {
      npm_config_cache: cache,
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
      npm_config_loglevel: "error",
    },
  });
}

/**
 * `npm pack` of pkg/ into a temporary directory, then `npm install` of that tarball (offline) into a
 * fresh project there. Returns { dir, project, tarball, files, cleanup }: `files` are the paths the
 * tarball holds, `project` is the consumer project whose node_modules/job-token-scope is the install.
 */
export function packAndInstall(label) {
  if (!existsSync(join(PKG_DIR, "package.json"))) {
    throw new Error(`${PKG_DIR}/package.json is missing — build the package with "make pkg" first`);
  }
  const dir = mkdtempSync(join(tmpdir(), `jts-${label}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const cache = join(dir, "npm-cache");
    const packed = JSON.parse(npm(["pack", PKG_DIR, "--pack-destination", dir, "--json"], dir, cache));
    const tarball = join(dir, packed[0].filename);
    const files = packed[0].files.map((f) => f.path).sort();
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: `jts-${label}-consumer`, private: true, type: "module" }, null, 2) + "\n",
    );
    npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], project, cache);
    return { dir, project, tarball, files, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** The manifest of the built package. */
export function manifest() {
  return JSON.parse(readFileSync(join(PKG_DIR, "package.json"), "utf8"));
}

/**
 * Starts a long-running child (a server); returns { child, output(), stop() }. `stop` ends it with
 * SIGTERM, then SIGKILL after `graceMs`, and resolves once it has exited. The child is also killed if
 * this process exits first.
 */
export function startChild(command, args, { cwd = ROOT, env = {}, stdio = ["ignore", "pipe", "pipe"] } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s) => (out += s));
  child.stderr?.setEncoding("utf8").on("data", (s) => (out += s));
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  child.once("error", (err) => (out += `\n[spawn error] ${err.message}\n`));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async (graceMs = 5_000) => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
  };
  return { child, exited, output: () => out, stop };
}

/** Resolves with `value` or rejects after `ms` milliseconds with `what` in the message. */
export function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

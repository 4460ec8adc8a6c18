// Shared by the gate tests (tests/js/gate*.test.mjs): the package under test, installed as a user gets it,
// a JWKS server, and a way to send the same request to the gate in workerd (HTTP) or in Node (in process).
// Not a test file itself.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The built package: pkg/ (JTS_PKG_DIR overrides it, e.g. with a tests/gate/stage-pkg.mjs copy). */
export const PKG_DIR = process.env.JTS_PKG_DIR ? resolve(process.env.JTS_PKG_DIR) : join(ROOT, "pkg");
/** The route of the example gate that needs read_packages (GET) or admin_packages (PUT) on acme/platform/api. */
export const PACKAGES = "/projects/acme%2Fplatform%2Fapi/packages/generic/tool/1.0/tool.tgz";

export function requireGatePackage() {
  if (!existsSync(join(PKG_DIR, "gate-node.js")) || !existsSync(join(PKG_DIR, "gate-workerd.js"))) {
    throw new Error(`${PKG_DIR} has no gate entries (gate-node.js, gate-workerd.js): build it with "make pkg"`);
  }
}

function npm(args, cwd, cache) {
  const result = spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    timeout: 180_000,
    killSignal: "SIGKILL",
    env: {
      ...process.env,
      npm_config_cache: cache,
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
      npm_config_loglevel: "error",
    },
  });
  if (result.error || result.status !== 0) {
    throw new Error(`npm ${args.join(" ")} failed: ${result.error?.message ?? result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * `npm pack` of the package, `npm install` of the tarball (offline) into a fresh project. Returns
 * { dir, project, cleanup }; `project`/node_modules/job-token-scope is the install.
 */
export function installPackage(label) {
  requireGatePackage();
  const dir = mkdtempSync(join(tmpdir(), `jts-${label}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const cache = join(dir, "npm-cache");
    const packed = JSON.parse(npm(["pack", PKG_DIR, "--pack-destination", dir, "--json"], dir, cache));
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: `jts-${label}`, private: true, type: "module" }));
    npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(dir, packed[0].filename)], project, cache);
    return { dir, project, files: packed[0].files.map((f) => f.path).sort(), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/**
 * A JWKS endpoint on 127.0.0.1 (`${issuer}/oauth/discovery/keys`). `serve(body, { status, headers })`
 * changes what it answers; `fetches` counts the requests for the keys.
 */
export function startJwksServer(initial) {
  let current = { body: JSON.stringify(initial), status: 200, headers: {} };
  const state = { fetches: 0, paths: [] };
  const server = createServer((req, res) => {
    state.paths.push(req.url);
    if (req.url !== "/oauth/discovery/keys") {
      res.writeHead(404).end();
      return;
    }
    state.fetches++;
    res.writeHead(current.status, { "content-type": "application/json", ...current.headers });
    res.end(current.body);
  });
  server.keepAliveTimeout = 500;
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      ok({
        issuer: `http://127.0.0.1:${server.address().port}`,
        state,
        serve(body, { status = 200, headers = {} } = {}) {
          current = { body: typeof body === "string" ? body : JSON.stringify(body), status, headers };
        },
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

/**
 * Issuers on one 127.0.0.1 server, each under its own base path (`issuer(name)` = `${base}/${name}`),
 * whose `/oauth/discovery/keys` behaves as `add(name, behaviour)` says: `{ jwks, delayMs, headers }`
 * answers the JWKS (after `delayMs`), `{ redirectTo: name }` answers 302 to another issuer's keys,
 * `{ hang: true }` never answers. `fetches(name)` counts the requests for that issuer's keys.
 */
export function startIssuers() {
  const scenarios = new Map();
  const server = createServer((req, res) => {
    const match = /^\/([\w-]+)\/oauth\/discovery\/keys$/.exec(req.url);
    const s = match === null ? undefined : scenarios.get(match[1]);
    if (s === undefined) {
      res.writeHead(404).end();
      return;
    }
    s.fetches++;
    if (s.hang) return; // no answer, ever (closed by close())
    if (s.redirectTo !== undefined) {
      res.writeHead(302, { location: `${base}/${s.redirectTo}/oauth/discovery/keys` }).end();
      return;
    }
    const send = () => res.writeHead(200, { "content-type": "application/json", ...s.headers }).end(JSON.stringify(s.jwks));
    if (s.delayMs) setTimeout(send, s.delayMs);
    else send();
  });
  server.keepAliveTimeout = 500;
  let base;
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      base = `http://127.0.0.1:${server.address().port}`;
      ok({
        base,
        add(name, behaviour) {
          scenarios.set(name, { headers: {}, ...behaviour, fetches: 0 });
          return `${base}/${name}`;
        },
        issuer: (name) => `${base}/${name}`,
        fetches: (name) => scenarios.get(name).fetches,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

/**
 * A JWS whose "signature" is the PKCS #1 v1.5 encoding of the signing input's SHA-256 itself: what an RSA
 * key with public exponent 1 (s^1 mod n = s) accepts as valid. `jwk` gives the modulus and the kid.
 */
export async function forgeForExponentOne(jwk, header, payload) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode({ typ: "JWT", alg: "RS256", kid: jwk.kid, ...header })}.${encode(payload)}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input)));
  const digestInfo = Buffer.from("3031300d060960864801650304020105000420", "hex");
  const k = Buffer.from(jwk.n, "base64url").length;
  const em = Buffer.alloc(k, 0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - digestInfo.length - digest.length - 1] = 0x00;
  digestInfo.copy(em, k - digestInfo.length - digest.length);
  Buffer.from(digest).copy(em, k - digest.length);
  return `${input}.${em.toString("base64url")}`;
}

/** What a test reads of an answer: status, headers, and the body as JSON (or text when it is not). */
export async function read(response) {
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Sends `init` for `path` to a gate in workerd (`base` an http URL), bounded in time. */
export function viaHttp(base, timeoutMs = 15_000) {
  return async (path, init = {}) => read(await fetch(base + path, { ...init, signal: AbortSignal.timeout(timeoutMs) }));
}

/**
 * Sends `init` for `path` to a gate in workerd with node:http rather than fetch: the path goes out byte
 * for byte as given (no URL parsing on the client), and any header name (`X_Job_Token_Scope`) or `Expect`
 * can be sent, as an attacker's client would. Answers like `read`.
 */
export function viaRawHttp(base, timeoutMs = 15_000) {
  const { hostname, port } = new URL(base);
  return (path, { method = "GET", headers = {}, body } = {}) => new Promise((ok, fail) => {
    const req = httpRequest({ host: hostname, port, path, method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", fail);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) answerHeaders.set(name, [].concat(value).join(", "));
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON
        }
        ok({ status: res.statusCode, headers: answerHeaders, text, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", fail);
    req.end(body);
  });
}

/** Calls a module worker's `fetch(request, env, ctx)` in this process, as workerd would. */
export function inProcess(worker, env) {
  const ctx = { waitUntil() {}, passThroughOnException() {} };
  return async (path, init = {}) => read(await worker.fetch(new Request(`http://gate.test${path}`, init), env, ctx));
}

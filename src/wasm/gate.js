// @ts-check
// `job-token-scope/gate` (docs/gate.md): an edge gate in front of an internal service. Copied to pkg/gate.js by
// `make pkg`; the package's `./gate` entries (gate-workerd.js, gate-node.js, gate-web.js) import their
// runtime's entry first, which initialises the wasm, and re-export `createGate` from here.
//
// What this file does, and only this: refuse request paths that are not canonical (an upstream must not
// be able to read another resource out of the path than the one authorized), read the bearer token,
// decode it (bounded, never throwing on bad input), find the key (inline JWKS, or fetched from the issuer:
// one fetch in flight, cached) and verify the signature with WebCrypto (`crypto.subtle`; no hand-written
// crypto), and forward allowed requests without the headers an upstream could be fooled by. Everything
// else is decided by the engine (`GateEngine`, notes/gate-contract.md): the route, the header's `alg`, the
// claims, the requirements and the GitLab decision. Anything unexpected fails closed with a 503, never an
// allow. The threat model — what the gate promises, what it leaves to the upstream — is docs/gate.md.
//
// Only web platform APIs are used (Request, Response, Headers, URL, fetch, TextEncoder/TextDecoder,
// crypto.subtle, AbortController, setTimeout), so the same file runs in workerd / Cloudflare Workers, Deno and
// Node 20+.

import { GateEngine } from "./job_token_scope.js";
import { VALUE_CALL, STRING_CALL, enter } from "./door.js";
import { MAX_ERROR_TEXT, bounded, codedError, errorText } from "./coded.js";

/** Longest `Authorization` header and token accepted, in bytes (header values are byte strings). */
const MAX_AUTHORIZATION_BYTES = 8192;
const MAX_TOKEN_BYTES = 8192;
/**
 * JWKS fetched from the issuer: time limit (of the one fetch in flight, and of every request waiting for
 * it), size limit, most keys, cache lifetime (≤ 10 min).
 */
const JWKS_TIMEOUT_MS = 5_000;
const JWKS_MAX_BYTES = 256 * 1024;
const JWKS_MAX_KEYS = 100;
const JWKS_TTL_DEFAULT_S = 300;
const JWKS_TTL_MIN_S = 30;
const JWKS_TTL_MAX_S = 600;
/** A token with an unknown `kid` refetches the JWKS at most this often (a rotation needs just one). */
const JWKS_REFETCH_INTERVAL_MS = 30_000;
/** After a failed fetch, answer 503 at once for this long instead of fetching again on every request. */
const JWKS_FAILURE_BACKOFF_MS = 1_000;
/** Smallest RSA modulus accepted, in bits; the public exponent must be odd, ≥ 3 and fit in 32 bits. */
const RSA_MIN_BITS = 2048;
const RSA_MAX_EXPONENT_BITS = 32;

const CONFIG_KEYS = ["issuer", "audience", "jwks", "world", "policy", "routes", "require", "clockSkewSeconds", "handler", "upstream"];
const ENGINE_KEYS = ["issuer", "audience", "world", "routes", "require", "clockSkewSeconds"];

const SCOPE_HEADER = "x-job-token-scope";
/**
 * Request headers never passed to the upstream, matched with `_` read as `-` (WSGI / CGI servers turn
 * `X_Job_Token_Scope` and `X-Job-Token-Scope` into the same variable): the client's credentials,
 * hop-by-hop headers, the headers the gate sets itself, method and URL overrides (an upstream honouring
 * them would do something else than what was authorized), and `Expect` (Node's fetch refuses it).
 */
const DROPPED_REQUEST_HEADERS = new Set([
  "authorization", "proxy-authorization", "cookie",
  "host", "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
  "content-length",
  SCOPE_HEADER, "accept-encoding",
  "x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url",
  "x-original-uri", "x-original-method",
  "expect",
]);

const ALGORITHMS = {
  RS256: {
    kty: "RSA",
    import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    verify: { name: "RSASSA-PKCS1-v1_5" },
  },
  ES256: {
    kty: "EC",
    import: { name: "ECDSA", namedCurve: "P-256" },
    verify: { name: "ECDSA", hash: "SHA-256" },
  },
};

/**
 * The gate for `config` (docs/gate.md). Throws a coded `Error` (`code` `invalid_input`, `unknown_project` or
 * `unsupported_version`) when the config is bad; afterwards nothing throws: every request gets an answer.
 */
export function createGate(config) {
  if (!isPlainObject(config)) throw configError("config", "must be an object");
  config = own(config);
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw configError(`config.${key}`, `unknown field \`${key}\`, expected one of ${CONFIG_KEYS.map((k) => `\`${k}\``).join(", ")}`);
    }
  }
  const { handler, upstream } = config;
  if (handler !== undefined && typeof handler !== "function") throw configError("config.handler", "must be a function");
  if (handler !== undefined && upstream !== undefined) {
    throw configError("config", "give `handler` or `upstream`, not both");
  }
  if (handler === undefined && upstream === undefined) {
    throw configError("config", "needs `handler` (answers allowed requests) or `upstream` (where they are forwarded)");
  }
  const upstreamBase = upstream === undefined ? null : upstreamBaseOf(upstream);

  const engineConfig = {};
  for (const key of ENGINE_KEYS) if (config[key] !== undefined) engineConfig[key] = config[key];
  // The engine checks issuer, audience, world or policy (exactly one), routes, require and clockSkewSeconds,
  // and throws coded errors. `policy`, a snapshot's bytes, goes beside the config: the engine reads it from
  // JS memory a chunk at a time (a JS value is copied into the module whole, and holds no bytes).
  const engine = enter(VALUE_CALL, () => new GateEngine(engineConfig, config.policy));

  let keys;
  try {
    keys = config.jwks === undefined ? remoteKeys(jwksUrlOf(config.issuer)) : inlineKeys(config.jwks);
  } catch (error) {
    enter(STRING_CALL, () => engine.free());
    throw error;
  }

  async function handle(request, ctx) {
    // WHATWG URL parsing resolves dot segments (also `%2e` ones) and `\`: the path authorized below is
    // the path forwarded.
    const url = new URL(request.url);
    const method = request.method;
    const path = url.pathname;

    const route = enter(STRING_CALL, () => engine.route(method, path));
    if (route === null) {
      return answer(404, "no_route", `No route for ${method} ${clip(path)}.`);
    }
    // The engine says which segment held the target and how the world spells that project.
    const problem = pathProblem(path, route.targetSegment ?? -1, route.spelling ?? null);
    if (problem !== null) return answer(400, "non_canonical_path", problem);

    const token = readToken(request.headers.get("authorization"));
    if (token.invalid) return invalidToken(token.invalid);

    // RFC 7515 §4.1.11: extensions marked critical must be understood, and this gate understands none.
    if (token.header.crit !== undefined) {
      return invalidToken("The token header lists critical extensions (crit), which this gate does not support.");
    }
    const accepted = enter(VALUE_CALL, () => engine.checkHeader(token.header));
    if (accepted === null || typeof accepted !== "object") throw new Error("engine: checkHeader answered nothing");
    if ("status" in accepted) return engineAnswer(accepted);
    const algorithm = ALGORITHMS[accepted.alg];
    if (algorithm === undefined) throw new Error(bounded(`engine: accepted an algorithm gate.js cannot verify (${accepted.alg})`, MAX_ERROR_TEXT));
    const kid = typeof accepted.kid === "string" ? accepted.kid : null;

    const found = await keys.find(kid, accepted.alg, ctx);
    if (found.invalid) return invalidToken(found.invalid);

    if (accepted.alg === "ES256" && token.signature.length !== 64) {
      return invalidToken("The ES256 signature is not 64 bytes (r || s).");
    }
    let valid;
    try {
      valid = await crypto.subtle.verify(algorithm.verify, found.key, token.signature, token.signingInput);
    } catch {
      valid = false; // e.g. an RSA signature of the wrong length
    }
    if (!valid) return invalidToken("The token's signature does not verify.");

    const now = Math.floor(Date.now() / 1000);
    const decision = enter(VALUE_CALL, () => engine.authorize(method, path, token.payload, now));
    if (decision === null || typeof decision !== "object") throw new Error("engine: authorize answered nothing");
    if (decision.status !== 200) return engineAnswer(decision);
    if (decision.allowed !== true || typeof decision.source !== "string") {
      throw new Error("engine: status 200 without an allowed decision");
    }
    const scope = scopeHeader(decision);
    const allowed = {
      allowed: true,
      reason: decision.reason,
      message: decision.message,
      source: decision.source,
      target: decision.target,
      permission: decision.permission,
      claims: token.payload,
    };
    if (handler !== undefined) {
      const response = await handler(request, allowed);
      if (!isResponse(response)) throw new Error("config.handler did not return a Response");
      return withHeader(response, SCOPE_HEADER, scope);
    }
    return forward(request, url, upstreamBase, scope);
  }

  return {
    async fetch(request, _env, ctx) {
      try {
        return await handle(request, ctx);
      } catch (error) {
        // Keys unavailable: say so. Anything else (the engine, the handler) may hold details that are
        // not the client's business: they go to the log.
        if (error instanceof Unavailable) return answer(503, "gate_unavailable", `The gate cannot decide, so it denies: ${error.message}`);
        console.error("job-token-scope/gate: failing closed:", error);
        return answer(503, "gate_unavailable", "The gate cannot decide, so it denies (internal error; see the gate's log).");
      }
    },
  };
}

// ───────────────────────────── answers ─────────────────────────────

function answer(status, reason, message, headers = {}) {
  return new Response(JSON.stringify({ allowed: false, reason, message }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

function invalidToken(message) {
  return answer(401, "invalid_token", message, { "www-authenticate": 'Bearer error="invalid_token"' });
}

/** A 401, 403 or 404 answer of the engine; anything else is not a denial this gate knows. */
function engineAnswer(decision) {
  const { status, reason, message } = decision;
  if (decision.allowed !== false || typeof reason !== "string" || typeof message !== "string") {
    throw new Error(`engine: malformed answer (status ${status})`);
  }
  if (status === 401) return invalidToken(message);
  if (status === 403 || status === 404) return answer(status, reason, message);
  throw new Error(`engine: unexpected status ${status}`);
}

/** `allowed; reason=<code>; source=<path>` — a header value, so nothing outside visible ASCII. */
function scopeHeader(decision) {
  const safe = (text) => (/^[\x21-\x7e]*$/.test(text) && !/[;,]/.test(text) ? text : encodeURIComponent(text));
  return `allowed; reason=${safe(decision.reason)}; source=${safe(decision.source)}`;
}

function clip(text) {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function messageOf(error) {
  return clip(error instanceof Error ? error.message : String(error));
}

function isResponse(value) {
  return value instanceof Response ||
    (value !== null && typeof value === "object" && typeof value.status === "number" && typeof value.headers?.set === "function");
}

/** `response` with one more header; a copy when its headers are immutable (e.g. a fetch() answer in workerd). */
function withHeader(response, name, value) {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}

// ───────────────────────────── paths ─────────────────────────────
//
// The gate authorizes a route's target, decoded, and forwards the path as it came. So that no upstream
// can read another resource out of that path — by decoding `%2F`, stripping `;` parameters, trimming or
// case-folding the target, normalizing Unicode — only canonical paths get through (docs/gate.md "Paths"):
// each segment in its one spelling (unreserved characters as they are, escapes in upper-case hex and only
// where needed), printable ASCII once decoded, no `;`, `\`, `%` or control character, no dots-only or
// (but last) empty segment, `/` escaped only inside the `:target` segment, and the target spelled as the
// world spells the project. The rest is refused with 400 `non_canonical_path`, before the token is read.

/** Characters a canonical segment holds as they are: RFC 3986 `pchar` without `;` (and `%`, the escapes). */
const LITERAL = /^[A-Za-z0-9\-._~!$&'()*+,=:@]$/;
/** Characters that are never escaped in a canonical segment (RFC 3986 §2.3: escaping them changes nothing). */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Why `path` is not canonical (a message for the 400), or null when it is. `target`: the index of the
 * segment the route took its target from (-1: a fixed target); `spelling`: how the world spells that
 * project (null: not a project of the world, which the engine answers with 403).
 */
function pathProblem(path, target, spelling) {
  const segments = path.slice(1).split("/");
  for (const [i, raw] of segments.entries()) {
    if (raw === "" && i < segments.length - 1) return "The path has an empty segment (//).";
    let decoded = "";
    for (let j = 0; j < raw.length; j++) {
      const c = raw[j];
      if (c === ";") return "The path has a ; (path parameters are refused).";
      if (c !== "%") {
        if (!LITERAL.test(c)) return `The path has ${JSON.stringify(c)}, which a canonical path escapes.`;
        decoded += c;
        continue;
      }
      const hex = raw.slice(j + 1, j + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) {
        return /^[0-9A-Fa-f]{2}$/.test(hex)
          ? `The path has the escape %${hex}: escapes are upper-case hex.`
          : `The path has a malformed escape (${JSON.stringify(raw.slice(j, j + 3))}).`;
      }
      const byte = parseInt(hex, 16);
      const char = String.fromCharCode(byte);
      j += 2;
      if (UNRESERVED.test(char)) return `The path has %${hex}, an escaped ${JSON.stringify(char)}, which a canonical path writes as it is.`;
      if (byte < 0x20 || byte === 0x7f) return `The path has %${hex}, a control character.`;
      if (byte >= 0x80) return `The path has %${hex}, not ASCII (paths are ASCII).`;
      if (char === "%") return "The path has %25, an escaped % (double encoding is refused).";
      if (char === ";") return "The path has %3B, an escaped ; (refused, like ;).";
      if (char === "\\") return "The path has %5C, an escaped backslash.";
      if (char === "/" && i !== target) return "The path has %2F, an escaped /, outside the target project's segment.";
      decoded += char;
    }
    if (i === target) {
      const problem = targetProblem(decoded, spelling);
      if (problem !== null) return problem;
    } else if (/^[. ]+$/.test(decoded)) {
      return `The path has a segment of dots (${JSON.stringify(clip(decoded))}).`;
    }
  }
  return null;
}

/** Why a decoded `:target` is not a canonical project path, or null. Unknown projects are the engine's (403). */
function targetProblem(target, spelling) {
  for (const part of target.split("/")) {
    if (part === "") return `The target ${JSON.stringify(clip(target))} has an empty part (a leading, trailing or doubled /).`;
    if (part.trim() !== part) return `The target ${JSON.stringify(clip(target))} has blanks around a part.`;
    if (/^[. ]+$/.test(part)) return `The target ${JSON.stringify(clip(target))} has a part of dots.`;
  }
  if (spelling !== null && spelling !== target) {
    return `The target is spelled ${JSON.stringify(clip(target))}; the gate's world spells it ${JSON.stringify(spelling)}.`;
  }
  return null;
}

// ───────────────────────────── forwarding ─────────────────────────────

function upstreamBaseOf(upstream) {
  if (typeof upstream !== "string") throw configError("config.upstream", "must be a URL string");
  let url;
  try {
    url = new URL(upstream);
  } catch {
    throw configError("config.upstream", `not a URL: ${JSON.stringify(upstream)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw configError("config.upstream", "must be an http(s) URL");
  if (url.search || url.hash || url.username || url.password) {
    throw configError("config.upstream", "must have no query, fragment or credentials");
  }
  // A base path is kept as a prefix: upstream "https://internal/api" + "/deploy" → "https://internal/api/deploy".
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/**
 * Forwards an allowed request: same method, path (the canonical one the gate authorized) and query (after
 * the upstream's base path), body and headers — without DROPPED_REQUEST_HEADERS in any `_` spelling (the
 * client's credentials: the job token stops at the gate; hop-by-hop headers; the gate's own; method and
 * URL overrides; `Expect`), with `X-Job-Token-Scope` set by the gate, and `Accept-Encoding: identity`
 * (Node's and Deno's fetch decode a compressed body but keep its `Content-Encoding`, which would corrupt
 * what is passed on). Redirects are passed back, not followed.
 */
async function forward(request, url, base, scope) {
  // Headers that `Connection` names are hop-by-hop too (RFC 9110 §7.6.1).
  const named = new Set();
  for (const token of (request.headers.get("connection") ?? "").split(",")) {
    const name = token.trim().toLowerCase();
    if (/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) named.add(name.replaceAll("_", "-"));
  }
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    const spelled = name.toLowerCase().replaceAll("_", "-");
    if (!DROPPED_REQUEST_HEADERS.has(spelled) && !named.has(spelled)) headers.append(name, value);
  }
  headers.set(SCOPE_HEADER, scope);
  headers.set("accept-encoding", "identity");
  /** @type {RequestInit & { duplex?: "half" }} (duplex: Node's fetch, below) */
  const init = { method: request.method, headers, redirect: "manual" };
  if (request.method !== "GET" && request.method !== "HEAD" && request.body !== null) {
    init.body = request.body;
    init.duplex = "half"; // required by Node's fetch for a streamed body
  }
  let response;
  try {
    response = await fetch(base + url.pathname + url.search, init);
  } catch (error) {
    console.error("job-token-scope/gate: upstream:", error);
    return answer(502, "upstream_unavailable", "The request was allowed, but the upstream did not answer.");
  }
  const out = new Response(response.body, response);
  out.headers.set(SCOPE_HEADER, scope);
  return out;
}

// ───────────────────────────── the token ─────────────────────────────

const utf8 = new TextDecoder("utf-8", { fatal: true });
const ascii = new TextEncoder();

/**
 * The bearer token of an `Authorization` header, decoded: `{ header, payload, signature, signingInput }`,
 * or `{ invalid: message }`. Never throws.
 */
function readToken(authorization) {
  if (authorization === null) return { invalid: "No bearer token: send Authorization: Bearer <CI job ID token>." };
  if (authorization.length > MAX_AUTHORIZATION_BYTES) {
    return { invalid: `The Authorization header is longer than ${MAX_AUTHORIZATION_BYTES} bytes.` };
  }
  const match = /^([A-Za-z]+)[ ]+([^ \t]+)[ \t]*$/.exec(authorization.replace(/^[ \t]+/, ""));
  if (match === null || match[1].toLowerCase() !== "bearer") {
    return { invalid: "The Authorization header is not Bearer <token>." };
  }
  const jwt = match[2];
  if (jwt.length > MAX_TOKEN_BYTES) return { invalid: `The token is longer than ${MAX_TOKEN_BYTES} bytes.` };
  const parts = jwt.split(".");
  if (parts.length !== 3 || parts.some((part) => part.length === 0)) {
    return { invalid: "The token is not a signed JWT (three non-empty base64url parts)." };
  }
  const header = jsonObject(parts[0]);
  if (header === null) return { invalid: "The token header is not base64url-encoded JSON object." };
  const payload = jsonObject(parts[1]);
  if (payload === null) return { invalid: "The token payload is not base64url-encoded JSON object." };
  const signature = base64url(parts[2]);
  if (signature === null) return { invalid: "The token signature is not base64url." };
  return { header, payload, signature, signingInput: ascii.encode(`${parts[0]}.${parts[1]}`) };
}

function jsonObject(part) {
  const bytes = base64url(part);
  if (bytes === null) return null;
  let value;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    return null;
  }
  return isPlainObject(value) ? own(value) : null;
}

const BASE64URL = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/** base64url without padding (RFC 7515 §2) → bytes; null for anything else (never throws). */
function base64url(text) {
  if (typeof text !== "string" || text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? BASE64URL[code] : -1;
    if (value < 0) return null;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >> bits) & 0xff;
    }
  }
  // The unused low bits of the last character must be zero: one encoding per byte string.
  if (bits > 0 && (buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

// ───────────────────────────── keys ─────────────────────────────

/**
 * The usable signing keys of a JWKS document: `{ byKid: Map<kid, entry[]>, usable: entry[] }`, where an
 * entry is `{ kid, alg, jwk, problem, key }` (`alg` RS256 or ES256 as the key's type allows, `problem`
 * why it is unusable, `key` the imported CryptoKey once imported). Throws on a malformed document.
 */
function keySet(document, where) {
  if (!isPlainObject(document)) throw jwksError(where, "not a JWKS ({ keys: [...] })");
  document = own(document);
  if (!Array.isArray(document.keys)) throw jwksError(where, "not a JWKS ({ keys: [...] })");
  if (document.keys.length > JWKS_MAX_KEYS) throw jwksError(where, `more than ${JWKS_MAX_KEYS} keys`);
  const byKid = new Map();
  const usable = [];
  document.keys.forEach((jwk, i) => {
    if (!isPlainObject(jwk)) throw jwksError(`${where}.keys[${i}]`, "not an object");
    const entry = keyEntry(own(jwk));
    if (entry.kid !== null) {
      const same = byKid.get(entry.kid);
      if (same) same.push(entry);
      else byKid.set(entry.kid, [entry]);
    }
    if (entry.problem === null) usable.push(entry);
  });
  return { byKid, usable };
}

/**
 * One JWK, judged: RS256 ↔ RSA (modulus ≥ 2048 bits, odd; public exponent odd, ≥ 3, at most 32 bits),
 * ES256 ↔ EC P-256; `alg` absent or matching; for signing. Sizes are counted in bits, from the decoded
 * `n` and `e`: WebCrypto does not check them everywhere (Node imports an RSA key with e = 1, for which any
 * "signature" equal to the padded hash verifies).
 */
function keyEntry(jwk) {
  const kid = typeof jwk.kid === "string" ? jwk.kid : null;
  const entry = { kid, alg: null, jwk: null, problem: null, key: null };
  const unusable = (problem) => ({ ...entry, problem });
  if (jwk.use !== undefined && jwk.use !== "sig") return unusable(`its use is ${JSON.stringify(jwk.use)}, not "sig"`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify"))) {
    return unusable("its key_ops do not include verify");
  }
  if (jwk.kty === "RSA") {
    if (jwk.alg !== undefined && jwk.alg !== "RS256") return unusable(`it is for ${JSON.stringify(jwk.alg)}, not RS256`);
    const n = base64url(jwk.n);
    const e = base64url(jwk.e);
    if (n === null || e === null || n.length === 0 || e.length === 0) return unusable("its n or e is not base64url");
    const bits = bitLength(n);
    if (bits < RSA_MIN_BITS) return unusable(`its RSA modulus has ${bits} bits, fewer than ${RSA_MIN_BITS}`);
    if ((n[n.length - 1] & 1) === 0) return unusable("its RSA modulus is even");
    if (bitLength(e) > RSA_MAX_EXPONENT_BITS) return unusable(`its RSA public exponent is longer than ${RSA_MAX_EXPONENT_BITS} bits`);
    const exponent = e.reduce((value, byte) => value * 256 + byte, 0);
    if (exponent < 3 || exponent % 2 === 0) return unusable(`its RSA public exponent is ${exponent}, not an odd number ≥ 3`);
    return { ...entry, alg: "RS256", jwk: { kty: "RSA", n: jwk.n, e: jwk.e } };
  }
  if (jwk.kty === "EC") {
    if (jwk.crv !== "P-256") return unusable(`its curve is ${JSON.stringify(jwk.crv)}, not P-256`);
    if (jwk.alg !== undefined && jwk.alg !== "ES256") return unusable(`it is for ${JSON.stringify(jwk.alg)}, not ES256`);
    const x = base64url(jwk.x);
    const y = base64url(jwk.y);
    if (x === null || y === null || x.length !== 32 || y.length !== 32) return unusable("its x or y is not a P-256 coordinate");
    return { ...entry, alg: "ES256", jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } };
  }
  return unusable(`its kty is ${JSON.stringify(jwk.kty)}, not RSA or EC`);
}

/** The number of significant bits of a big-endian unsigned integer. */
function bitLength(bytes) {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return i === bytes.length ? 0 : (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

/**
 * The key for a token's `kid` and `alg` in `set`: `{ entry }`, `{ invalid }` (401), or `{ unknown: true }`
 * when the kid is not in the set at all (a fetched JWKS is then refetched once).
 */
function pick(set, kid, alg) {
  let entry;
  if (kid === null) {
    if (set.usable.length !== 1) {
      return { invalid: `The token names no key (kid) and the issuer's JWKS has ${set.usable.length} usable keys, not exactly one.` };
    }
    entry = set.usable[0];
  } else {
    const candidates = set.byKid.get(kid);
    if (candidates === undefined) return { unknown: true };
    entry = candidates.find((c) => c.problem === null && c.alg === alg);
    if (entry === undefined) {
      const other = candidates[0];
      const why = other.problem !== null ? `is unusable: ${other.problem}` : `is an ${other.alg} key, and the token says ${alg}`;
      return { invalid: `Key ${JSON.stringify(clip(kid))} ${why}.` };
    }
  }
  if (entry.alg !== alg) {
    return { invalid: `The issuer's only key is an ${entry.alg} key, and the token says ${alg}.` };
  }
  return { entry };
}

/** The entry's CryptoKey, imported once (an import failure is the JWKS's fault: the gate is unavailable). */
async function cryptoKey(entry) {
  if (entry.key === null) {
    try {
      entry.key = await crypto.subtle.importKey("jwk", entry.jwk, ALGORITHMS[entry.alg].import, false, ["verify"]);
    } catch (error) {
      throw new Unavailable(`the JWKS key ${JSON.stringify(entry.kid)} cannot be imported: ${messageOf(error)}`);
    }
  }
  return entry.key;
}

function inlineKeys(jwks) {
  const set = keySet(jwks, "config.jwks");
  if (set.usable.length === 0) throw configError("config.jwks", "holds no usable RS256 or ES256 signing key");
  return {
    async find(kid, alg) {
      const found = pick(set, kid, alg);
      if (found.unknown) return { invalid: `No key ${JSON.stringify(clip(kid))} in the gate's JWKS.` };
      if (found.invalid) return found;
      return { key: await cryptoKey(found.entry) };
    },
  };
}

function jwksUrlOf(issuer) {
  let url;
  try {
    url = new URL(`${String(issuer).replace(/\/+$/, "")}/oauth/discovery/keys`);
  } catch {
    throw configError("config.issuer", "must be a URL when the keys are fetched from it (no `jwks` given)");
  }
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (!(url.protocol === "https:" || (url.protocol === "http:" && loopback))) {
    throw configError("config.issuer", "keys are fetched over https only (http only for localhost)");
  }
  return url.href;
}

/**
 * Keys fetched from the issuer's JWKS endpoint, cached for the response's `max-age` clamped to 30 s–10 min
 * (5 min without one, 30 s for `no-store` / `no-cache`). An unknown `kid` refetches once, at most every
 * 30 s. A redirect is not followed (the keys are then unavailable: 503).
 *
 * Single flight: at most one fetch is in flight, and every request that needs the keys meanwhile — on a
 * cold or expired cache, or for an unknown `kid` — waits for that one (so a burst of requests, or of
 * tokens with any signature while the endpoint hangs, makes one fetch). The fetch gives up after
 * JWKS_TIMEOUT_MS, and so does each waiter on its own clock: in workerd a request's I/O belongs to it, and
 * if the request that started the fetch were cancelled, nobody else must wait forever (the fetching
 * request also keeps the fetch alive with `ctx.waitUntil`). A flight older than its deadline is not
 * joined but replaced. After a failure, requests get 503 at once for JWKS_FAILURE_BACKOFF_MS.
 */
function remoteKeys(url) {
  let cached = null; // { set, expires, fetched }
  let refetchedAt = -Infinity;
  let failedAt = -Infinity;
  let failure = "";
  let flight = null; // { promise, deadline }

  /** The one fetch: resolves with the key set (and caches it), or rejects with Unavailable. */
  async function fetchOnce() {
    const abort = new AbortController();
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer within ${JWKS_TIMEOUT_MS} ms`));
        abort.abort();
      }, JWKS_TIMEOUT_MS);
    });
    try {
      const set = await Promise.race([timeout, (async () => {
        const response = await fetch(url, { headers: { accept: "application/json" }, redirect: "manual", signal: abort.signal });
        if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
          await response.body?.cancel();
          throw new Error(`it answers a redirect (${response.status}), which the gate does not follow`);
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw new Error(`${response.status} ${response.statusText}`.trim());
        }
        const text = await readLimited(response, JWKS_MAX_BYTES);
        let document;
        try {
          document = JSON.parse(text);
        } catch {
          throw new Error("not JSON");
        }
        const keys = keySet(document, "jwks");
        const fetched = Date.now();
        cached = { set: keys, fetched, expires: fetched + ttlOf(response.headers.get("cache-control")) * 1000 };
        return keys;
      })()]);
      return set;
    } catch (error) {
      failedAt = Date.now();
      failure = `the issuer's keys (${url}) are unavailable: ${messageOf(error)}`;
      throw new Unavailable(failure);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The key set from the fetch in flight, or from a new one; waits at most JWKS_TIMEOUT_MS. */
  async function load(ctx) {
    const now = Date.now();
    if (flight === null || now >= flight.deadline) {
      if (now - failedAt < JWKS_FAILURE_BACKOFF_MS) throw new Unavailable(failure);
      const mine = { promise: fetchOnce(), deadline: now + JWKS_TIMEOUT_MS };
      flight = mine;
      const landed = () => {
        if (flight === mine) flight = null;
      };
      mine.promise.then(landed, landed);
      if (typeof ctx?.waitUntil === "function") {
        try {
          ctx.waitUntil(mine.promise.catch(() => {}));
        } catch {
          // not a real ctx: the waiters' own timeouts still bound the wait
        }
      }
    }
    let timer;
    const gaveUp = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Unavailable(`the issuer's keys (${url}) are unavailable: no answer within ${JWKS_TIMEOUT_MS} ms`)),
        JWKS_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([flight.promise, gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async find(kid, alg, ctx) {
      const set = cached !== null && Date.now() < cached.expires ? cached.set : await load(ctx);
      let found = pick(set, kid, alg);
      const now = Date.now();
      if (found.unknown) {
        if (flight !== null && now < flight.deadline) {
          found = pick(await load(ctx), kid, alg); // a refetch is under way: its keys may have the kid
        } else if (now - cached.fetched >= JWKS_REFETCH_INTERVAL_MS && now - refetchedAt >= JWKS_REFETCH_INTERVAL_MS) {
          refetchedAt = now;
          found = pick(await load(ctx), kid, alg);
        }
      }
      if (found.unknown) return { invalid: `No key ${JSON.stringify(clip(kid))} in the issuer's JWKS.` };
      if (found.invalid) return found;
      return { key: await cryptoKey(found.entry) };
    },
  };
}

/** Seconds to keep a fetched JWKS: `max-age` (`no-store` / `no-cache`: as little as allowed), clamped. */
function ttlOf(cacheControl) {
  const directives = cacheControl ?? "";
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(directives);
  const seconds = /(?:^|,)\s*no-(?:store|cache)\b/i.test(directives) ? 0
    : match === null ? JWKS_TTL_DEFAULT_S : Number(match[1]);
  return Math.min(JWKS_TTL_MAX_S, Math.max(JWKS_TTL_MIN_S, seconds));
}

/** The body as text, or an error past `limit` bytes (read in chunks: a huge body is not buffered). */
async function readLimited(response, limit) {
  const declared = Number(response.headers.get("content-length"));
  if (declared > limit) {
    await response.body?.cancel();
    throw new Error(`larger than ${limit} bytes`);
  }
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return utf8.decode(bytes);
}

// ───────────────────────────── errors ─────────────────────────────

/** The keys cannot be had: a 503 whose message the client may read (nothing secret: the issuer is public). */
class Unavailable extends Error {
  constructor(message) {
    super(bounded(message, MAX_ERROR_TEXT));
  }
}

/**
 * `value`'s own enumerable properties, in an object with no prototype: a config, a JWKS, a key or a token
 * header is read through this, so nothing inherited counts as a setting (with `Object.prototype.jwks`
 * polluted elsewhere in the process, a gate given no `jwks` would otherwise trust the polluter's keys).
 * @param {object} value
 * @returns {Record<string, any>}
 */
function own(value) {
  return Object.assign(Object.create(null), value);
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * An error of the package's kind (index.d.ts `JobTokenScopeError`): `code` invalid_input, `message` says what and where; each
 * bounded as the engine bounds its own (src/error.rs), since both can quote input of up to 1 MiB.
 */
function configError(where, what) {
  return codedError("invalid_input", where, what);
}

/** A malformed JWKS: a config error when inline, an unavailable gate when fetched. */
function jwksError(where, what) {
  return where.startsWith("config.") ? configError(where, what) : new Error(errorText(where, what));
}


// `job-token-scope/fetch`: reads a GitLab instance's job token settings through its REST and GraphQL
// APIs into a scenario — `{ world, log, fetch }` — that the engine (`checkGitlabAccess`, …,
// `planGitlabEnforcement`) and the simulator take as they are (README "Read a real instance",
// docs/live-import.md). Plain ES module with no import: runs in Node.js 20.16+, browsers, Deno and
// workers, on the platform's `fetch`. Copied to pkg/gitlab-fetch.js by `make pkg`; typed by
// gitlab-fetch.d.ts; used by the CLI (cli.js).
//
// What it deliberately does not do: decide anything (the engine does), write anything to GitLab (every
// request is a GET, or a POST of a GraphQL *query*), keep the token anywhere but in the closure of one
// call (it is never logged, never put in an error, never in the result), follow redirects (the token
// would go with them), or follow a pagination link to another origin.
//
// Endpoints, each as GitLab's source and docs define it ("GitLab" = gitlab-org/gitlab, read through
// its mirror gitlabhq/gitlabhq):
//   GET /version                                   doc/api/version.md → { version: "17.6.0-ee", revision }
//   GET /application/settings (administrators)     lib/api/entities/application_setting.rb:
//                                                  enforce_ci_inbound_job_token_scope_enabled (17.6+)
//   GET /groups/:id?with_projects=false            doc/api/groups.md (full_path, visibility)
//   GET /groups/:id/descendant_groups              doc/api/groups.md (every subgroup, paginated)
//   GET /groups/:id/projects?include_subgroups=true&with_shared=false
//                                                  doc/api/groups.md; entity lib/api/entities/project.rb:
//                                                  path_with_namespace, visibility, *_access_level,
//                                                  package_registry_access_level, shared_with_groups
//   GET /projects/:id                              doc/api/projects.md (same entity; --project mode)
//   GET /projects?pagination=keyset&order_by=id    doc/api/rest/_index.md "Keyset-based pagination"
//   GET /groups?all_available=true                 doc/api/groups.md (instance mode)
//   GET /projects/:id/job_token_scope              lib/api/project_job_token_scope.rb, entity
//                                                  lib/api/entities/project_job_token_scope.rb:
//                                                  { inbound_enabled, outbound_enabled } —
//                                                  inbound_enabled is Project#ci_inbound_job_token_scope_enabled?,
//                                                  true whenever the instance enforces allowlists (17.6+)
//   GET /projects/:id/job_token_scope/allowlist    same file: Scope#inbound_projects (the project itself
//                                                  included) as lib/api/entities/basic_project_details.rb
//   GET /projects/:id/job_token_scope/groups_allowlist
//                                                  same file: Scope#groups as
//                                                  lib/api/entities/basic_group_details.rb: { id, web_url, name }
//                                                  — no full_path (taken from the group's id or web_url)
//   GET /groups/:id/members[/all], /projects/:id/members[/all]
//                                                  doc/api/members.md: { username, access_level, state }
//   POST /api/graphql
//     project.ciJobTokenScopeAllowlist { projectsAllowlist, groupsAllowlist }   (17.6+, read from 18.3)
//       app/graphql/types/ci/job_token_scope/allowlist_type.rb, allowlist_entry_type.rb (direction,
//       defaultPermissions, jobTokenPolicies as CiJobTokenScopePolicies: READ_PACKAGES, …), target_type.rb
//       (CiJobTokenAccessibleProject / CiJobTokenAccessibleGroup { fullPath });
//       resolver app/graphql/resolvers/ci/job_token_scope_allowlist_resolver.rb (admin_project)
//     project.ciJobTokenAuthLogs { nodes { originProject { fullPath } lastAuthorizedAt } }   (17.6+)
//       app/graphql/types/ci/job_token_auth_log_type.rb, resolver
//       app/graphql/resolvers/ci/job_token_auth_logs_resolver.rb (Ci::JobToken::Authorization.for_project)
//     project.ciJobTokenScope.outboundAllowlist { nodes { fullPath } }   (the deprecated outbound list)
//       app/graphql/types/ci/job_token_scope_type.rb (`projects` before 15.9)
// Pagination (doc/api/rest/_index.md "Pagination"): the `Link` header's rel="next" (offset and keyset
// alike), else `X-Next-Page`; GraphQL connections by `pageInfo { hasNextPage endCursor }`.
// Rate limits (doc/security/rate_limits.md, Rack::Attack): 429 with `Retry-After` (seconds or an HTTP
// date). Cross-origin, GitLab's CORS (config/application.rb, Rack::Cors on /api/*) exposes `Link` and the
// X-*-Page headers but not `Retry-After`: a browser then backs off exponentially.

/** The first release of each API this module reads, as the engine's release table has them
 *  (src/gitlab/version.rs; tests/js/cli.test.mjs checks them against `gitlabVersions()`). */
const RELEASES = {
  /** Group entries (`groups` in the table). */
  groups: "17.0",
  /** The authentication log (`authenticationLog`). */
  authLog: "17.6",
  /** The administrators' "Enable and enforce job token allowlist for all projects" (`instanceSetting`). */
  instanceSetting: "17.6",
  /** Fine-grained permissions enforced (`fineGrained`); GraphQL has them from 17.6 behind a flag. */
  fineGrained: "18.3",
  /** The outbound setting is gone (`outbound` false). */
  outboundRemoved: "18.0",
  /** `ciJobTokenScope.outboundAllowlist` replaced `projects`. */
  outboundAllowlistField: "15.9",
};

const FEATURES = {
  repository: "repository_access_level",
  builds: "builds_access_level",
  containerRegistry: "container_registry_access_level",
  releases: "releases_access_level",
  environments: "environments_access_level",
  packages: "package_registry_access_level",
};

/** doc/api/members.md "Roles": access_level → the engine's role (a level between two: the lower one). */
const ROLES = [[50, "owner"], [40, "maintainer"], [30, "developer"], [20, "reporter"], [15, "planner"], [10, "guest"]];

const PER_PAGE = 100;
const MAX_PAGES = 100_000;
const MESSAGE_CHARS = 300;

/** An error that ends a fetch: bad options, the token refused, the group or the version unreadable. */
export class GitlabFetchError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, status?: number | null, request?: string | null }} [details]
   */
  constructor(message, { code, status = null, request = null } = {}) {
    super(message);
    this.name = "GitlabFetchError";
    this.code = code;
    this.status = status;
    this.request = request;
  }
}

/** One request's failure (internal): kept per project, unless it is fatal. */
class HttpFailure extends Error {
  constructor(request, status, message, retryable = false) {
    super(`${request}: ${status === null ? "" : `${status} `}${message}`);
    this.request = request;
    this.status = status;
    this.detail = message;
    this.retryable = retryable;
  }
}

// ───────────────────────────── small helpers ─────────────────────────────

/** "17.6.0-ee" → "17.6". */
export function gitlabRelease(version) {
  const m = /^(\d+)\.(\d+)/.exec(String(version ?? ""));
  return m ? `${Number(m[1])}.${Number(m[2])}` : null;
}

function atLeast(release, since) {
  const [a, b] = release.split(".").map(Number);
  const [c, d] = since.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

/** GitLab's access_level (doc/api/members.md) as the engine's role, or null below Guest. */
export function gitlabRole(accessLevel) {
  for (const [level, role] of ROLES) if (accessLevel >= level) return role;
  return null;
}

function isLoopback(hostname) {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The instance's base URL (with a relative root, if any), refusing anything but https off loopback. */
export function gitlabBaseUrl(url) {
  let u;
  try {
    u = new URL(String(url));
  } catch {
    throw new GitlabFetchError(`url: not a URL: ${clip(String(url), 200)}`, { code: "invalid_options" });
  }
  if (u.username || u.password) {
    throw new GitlabFetchError("url: credentials in the URL are refused; give the token separately", { code: "invalid_options" });
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopback(u.hostname))) {
    throw new GitlabFetchError(
      `url: ${u.origin} is not https; plain http is accepted only for localhost, 127.0.0.1 and [::1] (the token would travel in clear)`,
      { code: "insecure_url" },
    );
  }
  return u.origin + u.pathname.replace(/\/+$/, "");
}

function clip(text, n = MESSAGE_CHARS) {
  // eslint-disable-next-line no-control-regex
  const flat = String(text).replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > n ? `${flat.slice(0, n)}…` : flat;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; null when absent or unreadable. */
function retryAfterMs(value, now = Date.now()) {
  if (value === null || value === undefined || value === "") return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The `Link` header's rel="next" URL (RFC 8288), or null. */
function nextLink(header) {
  if (!header) return null;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(m[2])) return m[1];
  }
  return null;
}

function anySignal(signals) {
  if (typeof AbortSignal.any === "function") return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

function timeoutSignal(ms) {
  if (typeof AbortSignal.timeout === "function") return AbortSignal.timeout(ms);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException("The operation timed out.", "TimeoutError")), ms);
  return controller.signal;
}

function sameKey(a, b) {
  return a.toLowerCase() === b.toLowerCase();
}

// ───────────────────────────── the HTTP client ─────────────────────────────

/**
 * GitLab's REST and GraphQL APIs for one fetch: authentication, retries of 429 / 502–504 / timeouts /
 * network errors (with a pause shared by every request after a 429), pagination, statistics.
 * Concurrency is bounded by the caller (one request at a time per worker).
 */
class Client {
  constructor(base, token, o, signal, stats) {
    this.base = base;
    this.origin = new URL(base).origin;
    this.api = `${base}/api/v4`;
    this.headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    // Called detached, never as a method: a browser's fetch throws "Illegal invocation" when its `this`
    // is not the global object.
    this.fetchFn = o.fetch;
    this.retries = o.retries;
    this.timeoutMs = o.timeoutMs;
    this.retryBaseMs = o.retryBaseMs;
    this.maxRetryAfterMs = o.maxRetryAfterMs;
    this.signal = signal;
    this.stats = stats;
    this.pausedUntil = 0;
  }

  /** One HTTP exchange with retries; resolves { status, headers, body } for any final status. */
  async exchange(method, url, label, body) {
    for (let attempt = 0; ; attempt++) {
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) await sleep(wait, this.signal);
      if (this.signal.aborted) throw this.signal.reason;
      let retryIn = null;
      let failure;
      this.stats.requests++;
      const timeout = timeoutSignal(this.timeoutMs);
      try {
        const fetchFn = this.fetchFn;
        const response = await fetchFn(url, {
          method,
          headers: body === undefined ? this.headers : { ...this.headers, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: "error",
          signal: anySignal([this.signal, timeout]),
        });
        const text = await response.text();
        const status = response.status;
        if (status === 429) {
          this.stats.throttled++;
          const after = retryAfterMs(response.headers.get("retry-after"));
          failure = new HttpFailure(label, 429, `Too Many Requests${after === null ? "" : ` (Retry-After ${Math.ceil(after / 1000)} s)`}`, true);
          if (after !== null && after > this.maxRetryAfterMs) {
            failure.retryable = false;
            failure.detail += `: longer than the ${Math.round(this.maxRetryAfterMs / 1000)} s this fetch waits`;
          } else {
            retryIn = after ?? this.backoff(attempt);
            // Every request waits: GitLab's limits count the user, not the URL.
            this.pausedUntil = Math.max(this.pausedUntil, Date.now() + retryIn);
          }
        } else if (status === 502 || status === 503 || status === 504) {
          failure = new HttpFailure(label, status, clip(text, 120) || "Bad gateway", true);
          retryIn = this.backoff(attempt);
        } else {
          return { status, headers: response.headers, text };
        }
      } catch (error) {
        if (this.signal.aborted) throw this.signal.reason;
        const timedOut = timeout.aborted;
        failure = new HttpFailure(
          label, null,
          timedOut ? `timed out after ${this.timeoutMs / 1000} s` : `network error: ${clip(error?.cause?.message ?? error?.message ?? error, 160)}${error?.cause?.code ? ` (${error.cause.code})` : ""}`,
          true,
        );
        retryIn = this.backoff(attempt);
      }
      if (!failure.retryable || attempt >= this.retries) throw failure;
      this.stats.retries++;
      await sleep(retryIn, this.signal);
    }
  }

  backoff(attempt) {
    const base = Math.min(this.retryBaseMs * 2 ** attempt, 30_000);
    return base / 2 + Math.random() * (base / 2);
  }

  /** A failed status as an HttpFailure (401 ends the whole fetch). */
  refuse(label, status, text) {
    let message = "";
    try {
      const json = JSON.parse(text);
      const m = json?.message ?? json?.error ?? json?.errors;
      message = typeof m === "string" ? m : JSON.stringify(m);
    } catch {
      message = text;
    }
    message = clip(message || `HTTP ${status}`);
    if (status === 401) {
      throw new GitlabFetchError(
        `${label}: 401 ${message} — GitLab refused the token (wrong, expired or revoked; it needs the read_api scope)`,
        { code: "unauthorized", status, request: label },
      );
    }
    return new HttpFailure(label, status, message);
  }

  url(path, query = {}) {
    const url = new URL(`${this.api}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.href;
  }

  /** GET one REST resource (JSON). */
  async get(path, query) {
    const label = `GET ${path}`;
    const r = await this.exchange("GET", this.url(path, query), label);
    if (r.status !== 200) throw this.refuse(label, r.status, r.text);
    return parseJson(label, r.text);
  }

  /** GET every page of a REST list (`Link: rel="next"`, else `X-Next-Page`). */
  async list(path, query = {}) {
    const label = `GET ${path}`;
    let url = this.url(path, { per_page: PER_PAGE, ...query });
    const items = [];
    const seen = new Set();
    for (let page = 0; url; page++) {
      if (page >= MAX_PAGES || seen.has(url)) throw new HttpFailure(label, 200, "pagination does not end (the same page again)");
      seen.add(url);
      const r = await this.exchange("GET", url, page === 0 ? label : `${label} (page ${page + 1})`);
      if (r.status !== 200) throw this.refuse(label, r.status, r.text);
      const json = parseJson(label, r.text);
      if (!Array.isArray(json)) throw new HttpFailure(label, 200, "expected a JSON array");
      for (const item of json) items.push(item);
      url = this.next(label, url, r.headers);
    }
    return items;
  }

  next(label, url, headers) {
    const link = nextLink(headers.get("link"));
    if (link) {
      let next = new URL(link, url);
      if (next.origin !== this.origin) {
        // GitLab writes the link with its configured host (lib/gitlab/pagination/keyset/header_builder.rb:
        // Gitlab.config.gitlab.host), which is not the address used here when that is an IP, a tunnel or
        // an internal name. The token never goes there: the same API path is asked of this instance;
        // a link out of its API is not followed at all.
        if (!next.pathname.startsWith(`${new URL(this.api).pathname}/`)) {
          throw new HttpFailure(label, 200, `the next page's link leads to ${next.origin}${next.pathname}, outside ${this.api}: not followed (the token would go with it)`);
        }
        next = new URL(next.pathname + next.search, this.origin);
      }
      return next.href;
    }
    const page = headers.get("x-next-page");
    if (page && /^\d+$/.test(page.trim())) {
      const next = new URL(url);
      next.searchParams.set("page", page.trim());
      return next.href;
    }
    return null;
  }

  /** One GraphQL query; resolves its `data`, or fails with GraphQL's first error. */
  async graphql(operationName, query, variables, label) {
    const r = await this.exchange("POST", `${this.base}/api/graphql`, label, { operationName, query, variables });
    if (r.status !== 200) throw this.refuse(label, r.status, r.text);
    const json = parseJson(label, r.text);
    if (Array.isArray(json?.errors) && json.errors.length > 0) {
      throw new HttpFailure(label, 200, `GraphQL: ${clip(json.errors.map((e) => e?.message).join("; "))}`);
    }
    if (!json || typeof json.data !== "object" || json.data === null) throw new HttpFailure(label, 200, "GraphQL: no data");
    return json.data;
  }

  /** Every page of one GraphQL connection: `pick(data)` returns { nodes, pageInfo } (null: not visible). */
  async connection(operationName, query, variables, label, pick) {
    const nodes = [];
    let after = null;
    for (let page = 0; ; page++) {
      if (page >= MAX_PAGES) throw new HttpFailure(label, 200, "GraphQL pagination does not end");
      const data = await this.graphql(operationName, query, { ...variables, after }, label);
      const conn = pick(data);
      if (!conn) throw new HttpFailure(label, 200, "GraphQL: not visible to this token (null)");
      for (const node of conn.nodes ?? []) nodes.push(node);
      const info = conn.pageInfo ?? {};
      if (!info.hasNextPage) return nodes;
      if (!info.endCursor || info.endCursor === after) throw new HttpFailure(label, 200, "GraphQL pagination does not end (the same cursor again)");
      after = info.endCursor;
    }
  }
}

function parseJson(label, text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpFailure(label, 200, `not JSON: ${clip(text, 80)}`);
  }
}

// ───────────────────────────── GraphQL documents ─────────────────────────────

const ALLOWLIST_QUERY = `query JobTokenAllowlist($fullPath: ID!, $projectsAfter: String, $groupsAfter: String, $withProjects: Boolean!, $withGroups: Boolean!) {
  project(fullPath: $fullPath) {
    ciJobTokenScopeAllowlist {
      projectsAllowlist(first: ${PER_PAGE}, after: $projectsAfter) @include(if: $withProjects) {
        nodes { direction defaultPermissions jobTokenPolicies target { ... on CiJobTokenAccessibleProject { fullPath } } }
        pageInfo { hasNextPage endCursor }
      }
      groupsAllowlist(first: ${PER_PAGE}, after: $groupsAfter) @include(if: $withGroups) {
        nodes { defaultPermissions jobTokenPolicies target { ... on CiJobTokenAccessibleGroup { fullPath } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`;

const AUTH_LOG_QUERY = `query JobTokenAuthLogs($fullPath: ID!, $after: String) {
  project(fullPath: $fullPath) {
    ciJobTokenAuthLogs(first: ${PER_PAGE}, after: $after) {
      nodes { lastAuthorizedAt originProject { fullPath } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const outboundQuery = (field) => `query JobTokenOutboundAllowlist($fullPath: ID!, $after: String) {
  project(fullPath: $fullPath) {
    ciJobTokenScope {
      ${field}(first: ${PER_PAGE}, after: $after) { nodes { fullPath } pageInfo { hasNextPage endCursor } }
    }
  }
}`;

// ───────────────────────────── translations (GitLab's shapes → the engine's) ─────────────────────────────

/** GitLab's timestamp ("2025-10-25T08:00:00Z") as SPEC §3 writes a log entry's time: its UTC date. */
function logDate(value) {
  if (typeof value !== "string" || /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const at = Date.parse(value);
  return Number.isNaN(at) ? value : new Date(at).toISOString().slice(0, 10);
}

/**
 * GraphQL `project.ciJobTokenAuthLogs.nodes` of `target` as the engine's log entries (SPEC §3
 * "Enforcement readiness": `{ source, target, lastAuthorizedAt: "2025-10-25" }`, the UTC date of GitLab's
 * timestamp; a value that is not a time is kept as it is).
 */
export function authLogFromGraphql(target, nodes) {
  const log = [];
  for (const node of nodes ?? []) {
    const source = node?.originProject?.fullPath;
    if (typeof source !== "string" || source === "" || sameKey(source, target)) continue;
    const entry = { source, target };
    if (typeof node.lastAuthorizedAt === "string" && node.lastAuthorizedAt !== "") entry.lastAuthorizedAt = logDate(node.lastAuthorizedAt);
    log.push(entry);
  }
  return log;
}

/**
 * GitLab's CSV export of a project's authentication log (Settings › CI/CD › Job token permissions ›
 * Download CSV; app/services/ci/job_token/export_authorizations_service.rb: columns "Origin Project Path",
 * "Last Authorized At (UTC)") as the engine's log entries for `target`.
 */
export function authLogFromCsv(target, text) {
  const rows = parseCsv(String(text));
  const header = rows.shift() ?? [];
  const pathAt = header.findIndex((h) => /^origin project path$/i.test(h.trim()));
  const atAt = header.findIndex((h) => /^last authorized at/i.test(h.trim()));
  if (pathAt < 0) throw new GitlabFetchError('authentication log CSV: no "Origin Project Path" column', { code: "invalid_options" });
  const nodes = rows
    .filter((row) => row.some((cell) => cell !== ""))
    .map((row) => ({ originProject: { fullPath: row[pathAt] }, lastAuthorizedAt: atAt >= 0 ? row[atAt] : undefined }));
  return authLogFromGraphql(target, nodes);
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A REST project (lib/api/entities/project.rb) → the world's visibility and non-default features. */
function projectShape(p) {
  const project = { path: p.path_with_namespace };
  if (p.visibility === "public" || p.visibility === "internal") project.visibility = p.visibility;
  const features = {};
  for (const [feature, field] of Object.entries(FEATURES)) {
    let level = p[field];
    if (feature === "packages") {
      // "public" opens the registry to everyone, even in a private project: at least "everyone with access".
      if (level === "public") level = "enabled";
      if (level === undefined && typeof p.packages_enabled === "boolean") level = p.packages_enabled ? "enabled" : "disabled";
    }
    if (level === "private" || level === "disabled") features[feature] = level;
  }
  if (Object.keys(features).length > 0) project.features = features;
  return project;
}

/** The path of a group from its web_url (…/groups/<full_path>), or null. */
function groupPathFromWebUrl(base, webUrl) {
  if (typeof webUrl !== "string") return null;
  let u;
  try {
    u = new URL(webUrl);
  } catch {
    return null;
  }
  const root = new URL(base).pathname.replace(/\/+$/, "");
  const prefix = `${root}/groups/`;
  if (!u.pathname.startsWith(prefix)) return null;
  try {
    return decodeURIComponent(u.pathname.slice(prefix.length).replace(/\/+$/, "")) || null;
  } catch {
    return null;
  }
}

function ancestorsOf(path) {
  const parts = path.split("/");
  const out = [];
  for (let i = parts.length - 1; i > 0; i--) out.push(parts.slice(0, i).join("/"));
  return out;
}

// ───────────────────────────── the fetch ─────────────────────────────

function readOptions(options) {
  if (options === null || typeof options !== "object") {
    throw new GitlabFetchError("options: expected an object", { code: "invalid_options" });
  }
  const known = ["url", "token", "group", "projects", "instance", "authLog", "members", "concurrency", "retries",
    "timeoutMs", "retryBaseMs", "maxRetryAfterMs", "signal", "onProgress", "fetch"];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new GitlabFetchError(`options.${key}: unknown option (expected one of ${known.join(", ")})`, { code: "invalid_options" });
  }
  const bad = (message) => new GitlabFetchError(message, { code: "invalid_options" });
  if (typeof options.token !== "string" || options.token.trim() === "") throw bad("token: expected a non-empty string (a personal, group or project access token with read_api)");
  if (/[\r\n]/.test(options.token)) throw bad("token: must not contain line breaks");
  const scopes = [options.group !== undefined, options.projects !== undefined, options.instance === true].filter(Boolean).length;
  if (scopes !== 1) throw bad("give exactly one of group (a group path), projects (a list of project paths) or instance: true");
  if (options.group !== undefined && (typeof options.group !== "string" || options.group.replace(/^\/+|\/+$/g, "") === "")) throw bad("group: expected a group path such as \"acme\" or \"acme/platform\"");
  if (options.projects !== undefined && (!Array.isArray(options.projects) || options.projects.length === 0 ||
    options.projects.some((p) => typeof p !== "string" || p.replace(/^\/+|\/+$/g, "") === ""))) throw bad("projects: expected a non-empty list of project paths");
  const int = (name, value, min, max, fallback) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) throw bad(`${name}: expected an integer from ${min} to ${max}`);
    return value;
  };
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") throw bad("fetch: no fetch function (globalThis.fetch is missing: Node.js 20.16+ or a browser)");
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") throw bad("onProgress: expected a function");
  if (options.signal !== undefined && !(options.signal && typeof options.signal.aborted === "boolean" && typeof options.signal.addEventListener === "function")) throw bad("signal: expected an AbortSignal");
  return {
    base: gitlabBaseUrl(options.url),
    token: options.token.trim(),
    group: options.group?.replace(/^\/+|\/+$/g, ""),
    projects: options.projects?.map((p) => p.replace(/^\/+|\/+$/g, "")),
    instance: options.instance === true,
    authLog: options.authLog === true,
    members: options.members === true,
    concurrency: int("concurrency", options.concurrency, 1, 64, 8),
    retries: int("retries", options.retries, 0, 20, 4),
    timeoutMs: int("timeoutMs", options.timeoutMs, 1, 600_000, 30_000),
    retryBaseMs: int("retryBaseMs", options.retryBaseMs, 0, 60_000, 1_000),
    maxRetryAfterMs: int("maxRetryAfterMs", options.maxRetryAfterMs, 0, 3_600_000, 120_000),
    signal: options.signal,
    onProgress: options.onProgress,
    fetch: fetchFn,
  };
}

/** Runs `tasks` (functions returning promises) with at most `n` at once; the first throw stops the rest. */
async function pool(tasks, n, signal) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      if (signal.aborted) throw signal.reason;
      const task = tasks[next++];
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
}

/**
 * Reads a group with its subgroups (`group`), a list of projects (`projects`) or every project the
 * token sees (`instance: true`) into a scenario. Resolves `{ world, log, fetch }`; `fetch.complete` is
 * false when some project could not be read (each is in `fetch.failures` with its request and HTTP
 * status). Rejects with a GitlabFetchError for what ends the fetch (bad options, an http URL, 401, the
 * version, the group or the project list unreadable), or with `signal.reason` when aborted.
 */
export async function fetchGitlabScenario(options) {
  const o = readOptions(options);
  const started = Date.now();
  const internal = new AbortController();
  const signal = o.signal ? anySignal([o.signal, internal.signal]) : internal.signal;
  if (signal.aborted) throw signal.reason;
  const stats = { requests: 0, retries: 0, throttled: 0 };
  const client = new Client(o.base, o.token, o, signal, stats);
  const failures = [];
  const notes = [];
  const progress = { phase: "version", projects: 0, projectsDone: 0, failures: 0, requests: 0, retries: 0, throttled: 0, elapsedMs: 0 };
  const report = (patch) => {
    Object.assign(progress, patch, { failures: failures.length, requests: stats.requests, retries: stats.retries, throttled: stats.throttled, elapsedMs: Date.now() - started });
    if (o.onProgress) {
      try {
        o.onProgress({ ...progress });
      } catch {
        // A failing progress callback must not break the fetch.
      }
    }
  };
  /** Records a failed read of `where` ({ project } or { group }); anything but an HttpFailure ends the fetch. */
  const fail = (what, failure, where) => {
    if (failure instanceof GitlabFetchError || signal.aborted || !(failure instanceof HttpFailure)) throw failure;
    failures.push({ ...where, what, request: failure.request, status: failure.status, message: failure.detail });
  };
  const fatal = (what, failure, code) => {
    if (failure instanceof GitlabFetchError || signal.aborted || !(failure instanceof HttpFailure)) throw failure;
    throw new GitlabFetchError(`${what}: ${failure.message}`, { code, status: failure.status, request: failure.request });
  };

  try {
    report({ phase: "version" });
    // ── the instance ──
    let gitlabVersion;
    try {
      gitlabVersion = (await client.get("/version"))?.version;
    } catch (e) {
      fatal("the GitLab version (GET /version)", e, "version_unreadable");
    }
    const release = gitlabRelease(gitlabVersion);
    if (!release) throw new GitlabFetchError(`GET /version: not a GitLab version: ${clip(JSON.stringify(gitlabVersion), 80)}`, { code: "version_unreadable" });
    const has = (what) => atLeast(release, RELEASES[what]);

    let enforce = null;
    if (has("instanceSetting")) {
      try {
        const settings = await client.get("/application/settings");
        if (typeof settings?.enforce_ci_inbound_job_token_scope_enabled === "boolean") enforce = settings.enforce_ci_inbound_job_token_scope_enabled;
      } catch (e) {
        if (!(e instanceof HttpFailure)) throw e;
        notes.push(`The instance setting "Enable and enforce job token allowlist for all projects" is readable by administrators only (GET /application/settings: ${e.status ?? "no answer"}); it is inferred from the projects' own settings.`);
      }
    }

    // ── groups and projects ──
    report({ phase: "list" });
    const groups = new Map(); // key → { path, visibility, id }
    const groupPathById = new Map();
    const addGroup = (g) => {
      if (!g?.full_path) return;
      groups.set(g.full_path.toLowerCase(), { path: g.full_path, visibility: g.visibility, id: g.id });
      if (g.id !== undefined) groupPathById.set(g.id, g.full_path);
    };
    let listed = [];
    let topGroup = null;
    if (o.group !== undefined) {
      try {
        topGroup = await client.get(`/groups/${encodeURIComponent(o.group)}`, { with_projects: false });
        addGroup(topGroup);
        for (const g of await client.list(`/groups/${topGroup.id}/descendant_groups`, { all_available: true })) addGroup(g);
        listed = await client.list(`/groups/${topGroup.id}/projects`, { include_subgroups: true, with_shared: false, order_by: "id", sort: "asc" });
      } catch (e) {
        fatal(`group ${o.group}`, e, e?.status === 404 ? "not_found" : "list_unreadable");
      }
    } else if (o.projects !== undefined) {
      for (const path of o.projects) {
        try {
          listed.push(await client.get(`/projects/${encodeURIComponent(path)}`));
        } catch (e) {
          fatal(`project ${path}`, e, e?.status === 404 ? "not_found" : "list_unreadable");
        }
      }
    } else {
      try {
        for (const g of await client.list("/groups", { all_available: true })) addGroup(g);
        listed = await client.list("/projects", { pagination: "keyset", order_by: "id", sort: "asc" });
      } catch (e) {
        fatal("the instance's projects", e, "list_unreadable");
      }
    }
    const seenIds = new Set();
    listed = listed.filter((p) => p && typeof p.path_with_namespace === "string" && !seenIds.has(p.id) && seenIds.add(p.id));
    const ours = new Map(listed.map((p) => [p.path_with_namespace.toLowerCase(), p]));
    report({ phase: "projects", projects: listed.length });

    // ── each project ──
    const results = new Map(); // path key → { shape, inbound, outbound }
    const log = [];
    const memberships = []; // [path, username, access_level]
    const external = new Map(); // key → path, projects referenced but not read
    const groupLookups = new Map(); // id → Promise<path|null>, for group entries outside the groups read
    const looked = new Map(); // their path key → visibility
    // A group entry outside the tree read: its path and visibility from GET /groups/:id (the groups
    // allowlist gives no full_path), else its path from web_url (a group the token cannot see: private).
    const groupPath = async (g, project) => {
      if (groupPathById.has(g.id)) return groupPathById.get(g.id);
      if (!groupLookups.has(g.id)) {
        groupLookups.set(g.id, (async () => {
          const fromUrl = groupPathFromWebUrl(o.base, g.web_url);
          try {
            const d = await client.get(`/groups/${g.id}`, { with_projects: false });
            if (typeof d?.full_path === "string") {
              looked.set(d.full_path.toLowerCase(), d.visibility);
              return d.full_path;
            }
          } catch (e) {
            if (!(e instanceof HttpFailure)) throw e;
            if (!fromUrl) fail("group entry", e, { project });
          }
          return fromUrl;
        })());
      }
      return groupLookups.get(g.id);
    };
    const sharedGroups = new Map(); // group id → [{ project, access }]

    const readProject = async (p) => {
      const path = p.path_with_namespace;
      const entry = { shape: projectShape(p), inbound: null, outbound: null };
      results.set(path.toLowerCase(), entry);
      const id = p.id;
      // Settings › CI/CD › Job token permissions: maintainers only; one refusal ends the project's settings.
      try {
        const scope = await client.get(`/projects/${id}/job_token_scope`);
        const inbound = { enabled: scope.inbound_enabled !== false };
        const projects = await client.list(`/projects/${id}/job_token_scope/allowlist`);
        inbound.projects = projects.map((q) => q?.path_with_namespace).filter((q) => typeof q === "string" && !sameKey(q, path));
        if (has("groups")) {
          const listedGroups = await client.list(`/projects/${id}/job_token_scope/groups_allowlist`);
          inbound.groups = [];
          for (const g of listedGroups) {
            const gp = await groupPath(g, path);
            if (gp) inbound.groups.push(gp);
          }
        }
        entry.inbound = inbound;
        if (!has("outboundRemoved") && scope.outbound_enabled === true) entry.outbound = { enabled: true, projects: [] };
      } catch (e) {
        fail("job token settings", e, { project: path });
        // Refused or gone: what follows needs the same rights (admin_project), so it is not asked.
        if (e.status === 403 || e.status === 404) return;
      }
      if (entry.inbound && has("fineGrained")) {
        try {
          const policies = await readPolicies(client, path);
          const apply = (list, map) => list.map((target) => {
            const p2 = map.get(target.toLowerCase());
            return p2 && p2.defaultPermissions === false
              ? { path: target, defaultPermissions: false, policies: p2.policies }
              : target;
          });
          entry.inbound.projects = apply(entry.inbound.projects, policies.projects);
          if (entry.inbound.groups) entry.inbound.groups = apply(entry.inbound.groups, policies.groups);
        } catch (e) {
          fail("fine-grained permissions", e, { project: path });
        }
      }
      if (entry.outbound) {
        try {
          const field = has("outboundAllowlistField") ? "outboundAllowlist" : "projects";
          const nodes = await client.connection("JobTokenOutboundAllowlist", outboundQuery(field), { fullPath: path },
            "POST /api/graphql project.ciJobTokenScope." + field, (d) => d?.project?.ciJobTokenScope?.[field]);
          entry.outbound.projects = nodes.map((n) => n?.fullPath).filter((q) => typeof q === "string" && !sameKey(q, path));
        } catch (e) {
          fail("outbound allowlist", e, { project: path });
        }
      }
      if (o.authLog && has("authLog")) {
        try {
          const nodes = await client.connection("JobTokenAuthLogs", AUTH_LOG_QUERY, { fullPath: path },
            "POST /api/graphql project.ciJobTokenAuthLogs", (d) => d?.project?.ciJobTokenAuthLogs);
          for (const e of authLogFromGraphql(path, nodes)) log.push(e);
        } catch (e) {
          fail("authentication log", e, { project: path });
        }
      }
      if (o.members) {
        try {
          const all = o.projects !== undefined ? "/all" : "";
          for (const m of await client.list(`/projects/${id}/members${all}`)) memberships.push([path, m?.username, m?.access_level, m?.state]);
          for (const share of p.shared_with_groups ?? []) {
            if (share?.group_id === undefined) continue;
            if (!sharedGroups.has(share.group_id)) sharedGroups.set(share.group_id, []);
            sharedGroups.get(share.group_id).push({ project: path, access: share.group_access_level });
          }
        } catch (e) {
          fail("members", e, { project: path });
        }
      }
    };

    await pool(listed.map((p) => async () => {
      await readProject(p);
      report({ projectsDone: progress.projectsDone + 1, project: p.path_with_namespace });
    }), o.concurrency, signal);

    // ── members of groups, and of the groups projects are shared with ──
    if (o.members) {
      report({ phase: "members" });
      const tasks = [];
      for (const g of groups.values()) {
        if (g.id === undefined) continue;
        const all = topGroup && g.id === topGroup.id ? "/all" : "";
        tasks.push(async () => {
          try {
            for (const m of await client.list(`/groups/${g.id}/members${all}`)) memberships.push([g.path, m?.username, m?.access_level, m?.state]);
          } catch (e) {
            fail("members", e, { group: g.path });
          }
        });
      }
      for (const [groupId, shares] of sharedGroups) {
        tasks.push(async () => {
          try {
            const members = await client.list(`/groups/${groupId}/members/all`);
            for (const { project, access } of shares) {
              for (const m of members) memberships.push([project, m?.username, Math.min(m?.access_level ?? 0, access ?? 0), m?.state]);
            }
          } catch (e) {
            fail("members of a group projects are shared with", e, { group: `id ${groupId}` });
          }
        });
      }
      await pool(tasks, o.concurrency, signal);
    }

    if (o.authLog && !has("authLog")) notes.push(`GitLab ${release} has no authentication log (it exists from ${RELEASES.authLog}); the log is empty.`);

    // ── the world ──
    report({ phase: "assemble" });
    const world = { version: release };
    const projectsOut = [];
    const externalProject = (path) => {
      if (!ours.has(path.toLowerCase()) && !external.has(path.toLowerCase())) external.set(path.toLowerCase(), path);
    };
    let anyOpen = false;
    for (const { shape, inbound, outbound } of results.values()) {
      const project = { ...shape };
      if (inbound) {
        project.inbound = { enabled: inbound.enabled };
        if (!inbound.enabled) anyOpen = true;
        const projects = dedupe(inbound.projects);
        const groupsList = inbound.groups ? dedupe(inbound.groups) : [];
        if (projects.length) project.inbound.projects = projects;
        if (groupsList.length) project.inbound.groups = groupsList;
        for (const e of projects) externalProject(typeof e === "string" ? e : e.path);
      }
      if (outbound) {
        project.outbound = { enabled: true };
        const out = dedupe(outbound.projects);
        if (out.length) project.outbound.projects = out;
        for (const e of out) externalProject(e);
      }
      projectsOut.push(project);
    }
    const logOut = dedupeLog(log);
    for (const e of logOut) externalProject(e.source);
    for (const path of external.values()) projectsOut.push({ path });
    projectsOut.sort((a, b) => compare(a.path, b.path));

    if (has("instanceSetting")) {
      if (enforce !== null) world.instance = { enforceInboundScope: enforce };
      else if (anyOpen) world.instance = { enforceInboundScope: false };
    }
    // Groups named by entries but not read with the tree: listed (so that the entries name a known group),
    // private unless their visibility was looked up.
    const externalGroups = new Map();
    for (const { inbound } of results.values()) {
      for (const e of inbound?.groups ?? []) {
        const path = typeof e === "string" ? e : e.path;
        if (!groups.has(path.toLowerCase()) && !externalGroups.has(path.toLowerCase())) externalGroups.set(path.toLowerCase(), path);
      }
    }
    const visible = (v) => v === "public" || v === "internal";
    const groupsOut = [
      ...[...groups.values()].map((g) => (visible(g.visibility) ? { path: g.path, visibility: g.visibility } : { path: g.path })),
      ...[...externalGroups].map(([key, path]) => (visible(looked.get(key)) ? { path, visibility: looked.get(key) } : { path })),
    ].sort((a, b) => compare(a.path, b.path));
    if (groupsOut.length) world.groups = groupsOut;
    world.projects = projectsOut;
    if (o.members) {
      const users = usersOf(memberships);
      if (Object.keys(users).length) world.users = users;
    }

    report({ phase: "done" });
    return {
      world,
      log: logOut,
      fetch: {
        url: o.base,
        ...(o.group !== undefined ? { group: o.group } : o.projects !== undefined ? { projects: o.projects } : { instance: true }),
        gitlabVersion: String(gitlabVersion),
        fetchedAt: new Date(started).toISOString(),
        authLog: o.authLog && has("authLog"),
        members: o.members,
        complete: failures.length === 0,
        failures,
        external: { projects: [...external.values()].sort(compare), groups: [...externalGroups.values()].sort(compare) },
        notes,
        requests: stats.requests,
        retries: stats.retries,
        throttled: stats.throttled,
        elapsedMs: Date.now() - started,
      },
    };
  } catch (error) {
    internal.abort(error);
    throw error;
  }
}

/** Fine-grained permissions of every inbound entry (GraphQL, 18.3+): path key → { defaultPermissions, policies }. */
async function readPolicies(client, path) {
  const projects = new Map();
  const groups = new Map();
  const label = "POST /api/graphql project.ciJobTokenScopeAllowlist";
  const cursors = { projectsAfter: null, groupsAfter: null, withProjects: true, withGroups: true };
  for (let page = 0; cursors.withProjects || cursors.withGroups; page++) {
    if (page >= MAX_PAGES) throw new HttpFailure(label, 200, "GraphQL pagination does not end");
    const data = await client.graphql("JobTokenAllowlist", ALLOWLIST_QUERY, { fullPath: path, ...cursors }, label);
    const allowlist = data?.project?.ciJobTokenScopeAllowlist;
    if (!allowlist) throw new HttpFailure(label, 200, "GraphQL: not visible to this token (null)");
    /** @type {Array<[string, Map<string, { defaultPermissions: boolean, policies: string[] }>, "projectsAfter" | "groupsAfter", "withProjects" | "withGroups"]>} */
    const lists = [["projectsAllowlist", projects, "projectsAfter", "withProjects"], ["groupsAllowlist", groups, "groupsAfter", "withGroups"]];
    for (const [key, map, after, flag] of lists) {
      if (!cursors[flag]) continue;
      const conn = allowlist[key];
      if (!conn) throw new HttpFailure(label, 200, `GraphQL: ${key} is null`);
      for (const node of conn.nodes ?? []) {
        const target = node?.target?.fullPath;
        if (typeof target !== "string") continue;
        if (key === "projectsAllowlist" && node.direction && String(node.direction).toLowerCase() !== "inbound") continue;
        map.set(target.toLowerCase(), {
          defaultPermissions: node.defaultPermissions !== false,
          policies: [...new Set((node.jobTokenPolicies ?? []).map((p) => String(p).toLowerCase()))].sort(),
        });
      }
      const info = conn.pageInfo ?? {};
      if (info.hasNextPage && info.endCursor && info.endCursor !== cursors[after]) cursors[after] = info.endCursor;
      else cursors[flag] = false;
    }
  }
  return { projects, groups };
}

function compare(a, b) {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Entries once each (by path, case-insensitively), in path order. */
function dedupe(entries) {
  const seen = new Map();
  for (const e of entries ?? []) {
    const key = (typeof e === "string" ? e : e.path).toLowerCase();
    if (!seen.has(key)) seen.set(key, e);
  }
  return [...seen.values()].sort((a, b) => compare(typeof a === "string" ? a : a.path, typeof b === "string" ? b : b.path));
}

/** One entry per (source, target), the latest date kept; sorted by target, then source. */
function dedupeLog(log) {
  const seen = new Map();
  for (const e of log) {
    const key = `${e.target.toLowerCase()}\n${e.source.toLowerCase()}`;
    const had = seen.get(key);
    if (!had || (e.lastAuthorizedAt ?? "") > (had.lastAuthorizedAt ?? "")) seen.set(key, e);
  }
  return [...seen.values()].sort((a, b) => compare(a.target, b.target) || compare(a.source, b.source));
}

/**
 * Memberships → `users` (user → path → role). Roles are inherited down the group tree (the engine
 * does it), so an entry no higher than one above it says nothing and is left out.
 */
function usersOf(memberships) {
  const levels = new Map(); // username → Map(path key → { path, level })
  for (const [path, username, level, state] of memberships) {
    if (typeof username !== "string" || username === "" || typeof level !== "number") continue;
    if (state !== undefined && state !== null && state !== "active") continue;
    if (gitlabRole(level) === null) continue;
    if (!levels.has(username)) levels.set(username, new Map());
    const mine = levels.get(username);
    const key = path.toLowerCase();
    const had = mine.get(key);
    if (!had || had.level < level) mine.set(key, { path, level });
  }
  const users = {};
  for (const username of [...levels.keys()].sort(compare)) {
    const mine = levels.get(username);
    const roles = {};
    for (const [key, { path, level }] of [...mine].sort((a, b) => compare(a[0], b[0]))) {
      const inherited = ancestorsOf(key).some((a) => (mine.get(a)?.level ?? -1) >= level);
      if (!inherited) roles[path] = gitlabRole(level);
    }
    users[username] = roles;
  }
  return users;
}

// A local stand-in for GitLab's API, written from GitLab's API docs and source, for the CLI and fetch
// tests and the fetch bench: it answers the requests src/wasm/gitlab-fetch.js sends, as GitLab does, from
// a world (GitlabWorld) and an authentication log — and it can misbehave on purpose (429, 403, 404, a
// slow endpoint, a failing log). Not a test file itself.
//
//   node tests/js/support/gitlab-server.mjs [--projects N] [--port P] [--version 18.3.1-ee] [--latency MS]
// serves a generated world and prints its URL, token and the commands to try (README "Read a real instance").
//
// What it follows ("GitLab" = gitlab-org/gitlab via its mirror gitlabhq/gitlabhq):
//   - authentication: `Authorization: Bearer` or `PRIVATE-TOKEN`; else 401 {"message":"401 Unauthorized"}
//     (doc/api/rest/authentication.md); 403 {"message":"403 Forbidden"}, 404 {"message":"404 Project Not Found"};
//   - offset pagination (doc/api/rest/_index.md): page, per_page (default 20, at most 100), headers
//     X-Page, X-Per-Page, X-Next-Page, X-Prev-Page, X-Total, X-Total-Pages and Link (prev, next, first,
//     last) — X-Total, X-Total-Pages and rel="last" left out past 10,000 items; keyset pagination on
//     GET /projects (order_by=id): Link rel="next" with id_after, no X-* headers;
//   - rate limits (Rack::Attack, doc/security/rate_limits.md): 429, `Retry-After` seconds, body "Retry later";
//   - CORS on /api/* for any origin, without credentials (config/application.rb, Rack::Cors, which wraps
//     Rack::Attack and Warden, so 401 and 429 carry it too): preflights answered, `Link` and the X-*-Page
//     headers exposed — `Retry-After` not, so a browser cannot read it;
//   - the entities: lib/api/entities/project.rb (path_with_namespace, visibility, *_access_level,
//     package_registry_access_level, shared_with_groups), basic_project_details.rb (the allowlist),
//     basic_group_details.rb ({ id, web_url, name }: the groups allowlist has no full_path),
//     project_job_token_scope.rb ({ inbound_enabled, outbound_enabled }; inbound_enabled true whenever
//     the instance enforces allowlists), members (doc/api/members.md: username, access_level, state);
//   - lib/api/project_job_token_scope.rb: the allowlist is Scope#inbound_projects, the project itself included;
//   - GraphQL (POST /api/graphql): the operations gitlab-fetch.js sends, answered with the schema's names
//     (Project.ciJobTokenScopeAllowlist, .ciJobTokenAuthLogs, .ciJobTokenScope.outboundAllowlist,
//     CiJobTokenScopePolicies in capitals, pageInfo { hasNextPage endCursor }, `first` at most 100);
//     a field the release lacks is GraphQL's "Field '…' doesn't exist on type 'Project'".

import { createServer } from "node:http";

const ACCESS = { guest: 10, planner: 15, reporter: 20, developer: 30, maintainer: 40, owner: 50 };
const FEATURE_FIELDS = {
  repository: "repository_access_level",
  builds: "builds_access_level",
  containerRegistry: "container_registry_access_level",
  releases: "releases_access_level",
  environments: "environments_access_level",
  packages: "package_registry_access_level",
};

function atLeast(version, since) {
  const [a, b] = version.split(".").map(Number);
  const [c, d] = since.split(".").map(Number);
  return a > c || (a === c && b >= d);
}

const entryPath = (e) => (typeof e === "string" ? e : e.path);
const key = (p) => p.toLowerCase();
const parents = (path) => {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
};

/**
 * A deterministic world of `projects` projects under `acme` (teams with a `libs` subgroup each), a few
 * projects of another group (`partner`) that acme's allowlists and logs name, fine-grained entries,
 * group entries, an authentication log with uses the allowlists miss, and users. Returns
 * { world, log }: the world in the form gitlab-fetch.js writes (sorted, defaults left out), the log as
 * GitLab serves it (timestamps; `normalize` gives it as the fetch writes it).
 */
export function makeWorld({ projects: n = 200, version = "18.3", seed = 7 } = {}) {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state / 2 ** 32;
  };
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const teams = Math.max(2, Math.round(Math.sqrt(n) / 2));
  const groups = [{ path: "acme", visibility: "internal" }];
  for (let t = 0; t < teams; t++) {
    const vis = t % 5 === 0 ? "public" : t % 5 === 1 ? "internal" : undefined;
    groups.push(vis ? { path: `acme/team-${t}`, visibility: vis } : { path: `acme/team-${t}` });
    groups.push({ path: `acme/team-${t}/libs` });
  }
  const paths = [];
  for (let j = 0; j < n; j++) {
    const t = j % teams;
    paths.push(j % 3 === 0 ? `acme/team-${t}/libs/lib-${j}` : `acme/team-${t}/app-${j}`);
  }
  const partner = ["partner/tools-0", "partner/tools-1", "partner/deploy"];
  const fineGrained = atLeast(version, "18.3");
  const withGroups = atLeast(version, "17.0");
  const list = [];
  const log = [];
  for (let j = 0; j < n; j++) {
    const path = paths[j];
    const p = { path };
    if (j % 10 === 0) p.visibility = "public";
    else if (j % 10 === 1) p.visibility = "internal";
    const features = {};
    if (j % 7 === 0) features.repository = "private";
    if (j % 11 === 0) Object.assign(features, { packages: "disabled", builds: "private" });
    if (j % 17 === 0) features.environments = "disabled";
    if (Object.keys(features).length) p.features = features;
    const entries = new Map();
    const count = Math.floor(rand() * 5);
    for (let k = 0; k < count; k++) {
      const other = j % 23 === 5 && k === 0 ? pick(partner) : pick(paths);
      if (key(other) !== key(path)) entries.set(key(other), other);
    }
    let projectEntries = [...entries.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    if (fineGrained && j % 6 === 0 && projectEntries.length) {
      projectEntries = projectEntries.map((e, i) => (i === 0 ? { path: e, defaultPermissions: false, policies: ["admin_jobs", "read_packages"] } : e));
    }
    const inbound = { enabled: j % 13 !== 0 };
    if (projectEntries.length) inbound.projects = projectEntries;
    if (withGroups && j % 4 === 0) {
      const t = Math.floor(rand() * teams);
      const g = j % 40 === 0 ? "partner" : j % 8 === 0 ? `acme/team-${t}` : `acme/team-${t}/libs`;
      inbound.groups = [fineGrained && j % 12 === 0 ? { path: g, defaultPermissions: false, policies: ["read_repositories"] } : g];
    }
    p.inbound = inbound;
    list.push(p);
    if (j % 3 === 1) {
      const sources = new Set();
      const uses = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < uses; k++) sources.add(j % 9 === 1 && k === 0 ? pick(partner) : pick(paths));
      for (const source of sources) {
        if (key(source) === key(path)) continue;
        const day = String(1 + Math.floor(rand() * 28)).padStart(2, "0");
        log.push({ source, target: path, lastAuthorizedAt: `2025-10-${day}T0${Math.floor(rand() * 10)}:15:00Z` });
      }
    }
  }
  const users = { "root-owner": { acme: "owner" } };
  const roles = ["guest", "reporter", "developer", "maintainer"];
  for (let u = 0; u < 24; u++) {
    const mine = { [`acme/team-${u % teams}`]: pick(roles) };
    if (u % 2 === 0) mine[pick(paths.filter((q) => q.startsWith(`acme/team-${(u + 1) % teams}/`)))] = pick(roles);
    users[`user-${String(u).padStart(2, "0")}`] = mine;
  }
  const world = { version, groups, projects: list, users };
  return { world: normalize(world, log).world, log };
}

/** The world and log as gitlab-fetch.js writes them: sorted, stub projects for every path named but not
 *  defined, log times as dates. */
export function normalize(world, log) {
  const cmp = (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  const defined = new Set(world.projects.map((p) => key(p.path)));
  const stubs = new Map();
  const name = (path) => {
    if (!defined.has(key(path))) stubs.set(key(path), path);
  };
  for (const p of world.projects) {
    for (const e of p.inbound?.projects ?? []) name(entryPath(e));
    for (const e of p.outbound?.projects ?? []) name(e);
  }
  for (const e of log) name(e.source);
  const projects = [...world.projects, ...[...stubs.values()].map((path) => ({ path }))].sort((a, b) => cmp(a.path, b.path));
  const groups = new Map((world.groups ?? []).map((g) => [key(g.path), g]));
  for (const p of world.projects) for (const e of p.inbound?.groups ?? []) if (!groups.has(key(entryPath(e)))) groups.set(key(entryPath(e)), { path: entryPath(e) });
  const out = { ...world, projects };
  if (groups.size) out.groups = [...groups.values()].sort((a, b) => cmp(a.path, b.path));
  if (world.version && atLeast(world.version, "17.6") && !world.instance && world.projects.some((p) => p.inbound && p.inbound.enabled === false)) {
    out.instance = { enforceInboundScope: false };
  }
  // The fetch writes a log entry's time as its UTC date (SPEC §3: "lastAuthorizedAt": "2025-10-25").
  const sortedLog = [...log]
    .map((e) => (e.lastAuthorizedAt ? { ...e, lastAuthorizedAt: new Date(e.lastAuthorizedAt).toISOString().slice(0, 10) } : e))
    .sort((a, b) => cmp(a.target, b.target) || cmp(a.source, b.source));
  return { world: out, log: sortedLog };
}

// ───────────────────────────── the server ─────────────────────────────

/**
 * Serves `world` and `log` as GitLab `gitlabVersion` would. Options:
 *   token            the token it accepts (default "glpat-test-token")
 *   admin            GET /application/settings answers (else 403, as for a non-administrator)
 *   shares           [{ project, group, access }]: a project shared with a group (members, shared_with_groups)
 *   forbidden        project paths whose job token API answers 403 (the token is not a Maintainer there)
 *   gone             project paths listed by the group but 404 since (deleted during the fetch)
 *   slow             { path: ms }: GET /projects/:id/job_token_scope of that project waits this long
 *   logsFail         project paths whose authentication log query answers 500
 *   logsGraphqlError project paths whose authentication log query answers a GraphQL error
 *   rateLimit        { after, seconds, retryAfter: "seconds" | "date" | "none" }: from request `after` on,
 *                    every request is answered 429 for `seconds`
 *   badGateway       project paths whose groups allowlist answers 502 once
 *   linkHeader       false: no Link header (pagination by X-Next-Page only)
 *   groupWebUrl      false: group allowlist entries without web_url (the client must look them up)
 *   nextLink         (href) => href: rewrites the allowlists' Link rel="next" (another host, another path)
 *   latency          ms every answer waits (a network's round trip: requests in flight then overlap)
 * Resolves { url, token, stats, close() }; stats counts requests, statuses, 429s and the most requests
 * in flight at once.
 */
export async function startGitlabServer(world, log = [], options = {}) {
  const token = options.token ?? "glpat-test-token";
  const gitlabVersion = options.gitlabVersion ?? `${world.version ?? "18.3"}.1-ee`;
  const release = gitlabVersion.split(".").slice(0, 2).join(".");
  const enforce = atLeast(release, "17.6") ? (world.instance?.enforceInboundScope ?? atLeast(release, "18.0")) : false;
  const stats = { requests: 0, inFlight: 0, maxInFlight: 0, statuses: {}, throttled: 0, paths: {} };

  // Groups: listed ones, and every group a project or group path implies; ids from 1.
  const groups = new Map();
  const addGroup = (path, visibility) => {
    for (const p of [...parents(path), path]) {
      if (!groups.has(key(p))) groups.set(key(p), { id: groups.size + 1, full_path: p, visibility: "private" });
    }
    if (visibility) groups.get(key(path)).visibility = visibility;
  };
  for (const g of world.groups ?? []) addGroup(g.path, g.visibility);
  for (const p of world.projects) for (const g of parents(p.path)) addGroup(g);
  const projects = new Map();
  for (const p of world.projects) projects.set(key(p.path), { id: 1000 + projects.size, world: p });
  const groupById = new Map([...groups.values()].map((g) => [g.id, g]));
  const projectById = new Map([...projects.values()].map((p) => [p.id, p]));
  const logByTarget = new Map();
  for (const e of log) {
    if (!logByTarget.has(key(e.target))) logByTarget.set(key(e.target), []);
    logByTarget.get(key(e.target)).push(e);
  }
  const set = (list) => new Set((list ?? []).map(key));
  const forbidden = set(options.forbidden);
  const gone = set(options.gone);
  const logsFail = set(options.logsFail);
  const logsGraphqlError = set(options.logsGraphqlError);
  const badGateway = set(options.badGateway);
  const slow = new Map(Object.entries(options.slow ?? {}).map(([p, ms]) => [key(p), ms]));
  const shares = options.shares ?? [];
  let limitedUntil = 0;

  const server = createServer((req, res) => {
    stats.requests++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on("close", () => stats.inFlight--);
    handle(req, res).catch((error) => send(res, 500, { message: `500 Internal Server Error (${error.message})` }));
  });
  server.keepAliveTimeout = 10_000;

  const base = () => `http://127.0.0.1:${server.address().port}`;
  // config/application.rb: `headers_to_expose` of the Rack::Cors rule for '/api/*', origins '*'.
  const EXPOSE = "Link, X-Total, X-Total-Pages, X-Per-Page, X-Page, X-Next-Page, X-Prev-Page, X-Gitlab-Blob-Id, X-Gitlab-Commit-Id, X-Gitlab-Content-Sha256, X-Gitlab-Encoding, X-Gitlab-File-Name, X-Gitlab-File-Path, X-Gitlab-Last-Commit-Id, X-Gitlab-Ref, X-Gitlab-Size, X-Request-Id, ETag";
  const cors = (req) => (req.headers.origin ? { "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSE, Vary: "Origin" } : {});
  const send = (res, status, body, headers = {}) => {
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json", "Content-Length": Buffer.byteLength(text), ...cors(res.req), ...headers });
    res.end(text);
  };

  /** Offset pagination as doc/api/rest/_index.md describes it. */
  const page = (req, res, url, items, map = (x) => x) => {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 20) || 20));
    const pageNo = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1);
    const total = items.length;
    const pages = Math.max(1, Math.ceil(total / perPage));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage).map(map);
    const at = (n) => {
      const u = new URL(url.pathname + url.search, base());
      u.searchParams.set("page", String(n));
      u.searchParams.set("per_page", String(perPage));
      return u.href;
    };
    const headers = { "X-Page": String(pageNo), "X-Per-Page": String(perPage), "X-Next-Page": pageNo < pages ? String(pageNo + 1) : "", "X-Prev-Page": pageNo > 1 ? String(pageNo - 1) : "" };
    const links = [];
    if (pageNo > 1) links.push(`<${at(pageNo - 1)}>; rel="prev"`);
    if (pageNo < pages) links.push(`<${options.nextLink && url.pathname.endsWith("/allowlist") ? options.nextLink(at(pageNo + 1)) : at(pageNo + 1)}>; rel="next"`);
    links.push(`<${at(1)}>; rel="first"`);
    if (total <= 10_000) {
      headers["X-Total"] = String(total);
      headers["X-Total-Pages"] = String(pages);
      links.push(`<${at(pages)}>; rel="last"`);
    }
    if (options.linkHeader !== false) headers.Link = links.join(", ");
    send(res, 200, slice, headers);
  };

  const groupEntity = (g) => ({
    id: g.id, web_url: `${base()}/groups/${g.full_path}`, name: g.full_path.split("/").pop(), path: g.full_path.split("/").pop(),
    description: "", visibility: g.visibility, full_name: g.full_path.split("/").join(" / "), full_path: g.full_path,
    parent_id: groups.get(key(parents(g.full_path).pop() ?? ""))?.id ?? null,
  });
  const basicProject = (p) => {
    const path = p.world.path;
    const ns = groups.get(key(parents(path).pop() ?? ""));
    return {
      id: p.id, description: null, name: path.split("/").pop(), name_with_namespace: path.split("/").join(" / "),
      path: path.split("/").pop(), path_with_namespace: path, created_at: "2024-01-02T03:04:05.000Z", default_branch: "main",
      tag_list: [], topics: [], ssh_url_to_repo: `git@127.0.0.1:${path}.git`, http_url_to_repo: `${base()}/${path}.git`,
      web_url: `${base()}/${path}`, avatar_url: null, star_count: 0, last_activity_at: "2025-10-01T00:00:00.000Z",
      namespace: ns ? { id: ns.id, name: ns.full_path.split("/").pop(), path: ns.full_path.split("/").pop(), kind: "group", full_path: ns.full_path, parent_id: null, avatar_url: null, web_url: `${base()}/groups/${ns.full_path}` } : null,
    };
  };
  const projectEntity = (p) => {
    const w = p.world;
    const out = { ...basicProject(p), visibility: w.visibility ?? "private", archived: false, packages_enabled: w.features?.packages !== "disabled" };
    for (const [feature, field] of Object.entries(FEATURE_FIELDS)) out[field] = w.features?.[feature] ?? "enabled";
    out.issues_access_level = "enabled";
    out.shared_with_groups = shares.filter((s) => key(s.project) === key(w.path)).map((s) => {
      const g = groups.get(key(s.group));
      return { group_id: g.id, group_name: g.full_path.split("/").pop(), group_full_path: g.full_path, group_access_level: ACCESS[s.access] ?? s.access, expires_at: null };
    });
    return out;
  };

  /** Direct members of a path (world.users). */
  const direct = (path) => {
    const out = [];
    for (const [username, roles] of Object.entries(world.users ?? {})) {
      for (const [p, role] of Object.entries(roles)) if (key(p) === key(path)) out.push({ username, level: ACCESS[role] });
    }
    return out;
  };
  const member = (m, i) => ({ id: 100 + i, username: m.username, name: m.username, state: "active", avatar_url: null, web_url: `${base()}/${m.username}`, access_level: m.level, created_at: "2024-01-01T00:00:00.000Z", expires_at: null });
  /** doc/api/members.md "/all": direct, inherited and through invited groups, the highest access of each. */
  const allMembers = (path, isProject) => {
    const best = new Map();
    const add = (m) => {
      if ((best.get(m.username)?.level ?? -1) < m.level) best.set(m.username, m);
    };
    for (const p of [...parents(path), path]) for (const m of direct(p)) add(m);
    if (isProject) {
      for (const s of shares.filter((x) => key(x.project) === key(path))) {
        for (const m of allMembers(s.group, false)) add({ username: m.username, level: Math.min(m.level, ACCESS[s.access] ?? s.access) });
      }
    }
    return [...best.values()].sort((a, b) => (a.username < b.username ? -1 : 1));
  };

  const findProject = (id) => {
    const decoded = decodeURIComponent(id);
    return /^\d+$/.test(decoded) ? projectById.get(Number(decoded)) : projects.get(key(decoded));
  };
  const findGroup = (id) => {
    const decoded = decodeURIComponent(id);
    return /^\d+$/.test(decoded) ? groupById.get(Number(decoded)) : groups.get(key(decoded));
  };
  const delay = (ms) => new Promise((r) => setTimeout(r, ms));

  async function handle(req, res) {
    const url = new URL(req.url, base());
    stats.paths[url.pathname] = (stats.paths[url.pathname] ?? 0) + 1;
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      // A CORS preflight (rack-cors: headers :any, methods :any, max_age 7200).
      stats.preflights = (stats.preflights ?? 0) + 1;
      res.writeHead(200, {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD",
        "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] ?? "",
        "Access-Control-Max-Age": "7200",
        "Content-Length": "0",
      });
      return res.end();
    }
    const auth = req.headers.authorization;
    const given = auth?.startsWith("Bearer ") ? auth.slice(7) : req.headers["private-token"];
    if (options.latency) await delay(options.latency);
    if (given !== token) return send(res, 401, { message: "401 Unauthorized" });
    if (options.rateLimit && stats.requests >= options.rateLimit.after && limitedUntil === 0) {
      limitedUntil = Date.now() + options.rateLimit.seconds * 1000;
    }
    if (Date.now() < limitedUntil) {
      stats.throttled++;
      const headers = { "RateLimit-Limit": "600", "RateLimit-Remaining": "0", "RateLimit-Reset": String(Math.ceil(limitedUntil / 1000)) };
      const mode = options.rateLimit.retryAfter ?? "seconds";
      if (mode === "seconds") headers["Retry-After"] = String(Math.max(1, Math.ceil((limitedUntil - Date.now()) / 1000)));
      if (mode === "date") headers["Retry-After"] = new Date(limitedUntil + 1000).toUTCString();
      return send(res, 429, "Retry later\n", headers);
    }
    if (req.method === "POST" && url.pathname === "/api/graphql") return graphql(req, res);
    if (req.method !== "GET") return send(res, 405, { message: "405 Method Not Allowed" });
    let m;
    const path = url.pathname.replace(/^\/api\/v4/, "");
    if (path === "/version") return send(res, 200, { version: gitlabVersion, revision: "0123abcd" });
    if (path === "/application/settings") {
      if (!options.admin) return send(res, 403, { message: "403 Forbidden" });
      return send(res, 200, { id: 1, enforce_ci_inbound_job_token_scope_enabled: enforce, default_projects_limit: 100000 });
    }
    if (path === "/groups") {
      return page(req, res, url, [...groups.values()].sort((a, b) => (a.full_path < b.full_path ? -1 : 1)), groupEntity);
    }
    if (path === "/projects") {
      // Keyset (doc/api/rest/_index.md): order_by=id, Link rel="next" with id_after.
      if (url.searchParams.get("pagination") !== "keyset") return page(req, res, url, [...projects.values()], projectEntity);
      const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 20));
      const after = Number(url.searchParams.get("id_after") ?? 0);
      const items = [...projects.values()].filter((p) => p.id > after).slice(0, perPage);
      const headers = {};
      if (items.length === perPage && [...projects.values()].some((p) => p.id > items[items.length - 1].id)) {
        const next = new URL(url.href);
        next.searchParams.set("id_after", String(items[items.length - 1].id));
        headers.Link = `<${next.href}>; rel="next"`;
      }
      return send(res, 200, items.map(projectEntity), headers);
    }
    if ((m = /^\/groups\/([^/]+)$/.exec(path))) {
      const g = findGroup(m[1]);
      if (!g) return send(res, 404, { message: "404 Group Not Found" });
      return send(res, 200, { ...groupEntity(g), shared_with_groups: [], ...(url.searchParams.get("with_projects") === "false" ? {} : { projects: [] }) });
    }
    if ((m = /^\/groups\/([^/]+)\/descendant_groups$/.exec(path))) {
      const g = findGroup(m[1]);
      if (!g) return send(res, 404, { message: "404 Group Not Found" });
      const under = [...groups.values()].filter((x) => key(x.full_path).startsWith(`${key(g.full_path)}/`));
      return page(req, res, url, under, groupEntity);
    }
    if ((m = /^\/groups\/([^/]+)\/projects$/.exec(path))) {
      const g = findGroup(m[1]);
      if (!g) return send(res, 404, { message: "404 Group Not Found" });
      const sub = url.searchParams.get("include_subgroups") === "true";
      const inGroup = [...projects.values()].filter((p) => {
        const ns = parents(p.world.path).pop() ?? "";
        return sub ? key(`${ns}/`).startsWith(`${key(g.full_path)}/`) : key(ns) === key(g.full_path);
      }).sort((a, b) => a.id - b.id);
      return page(req, res, url, inGroup, projectEntity);
    }
    if ((m = /^\/groups\/([^/]+)\/members(\/all)?$/.exec(path))) {
      const g = findGroup(m[1]);
      if (!g) return send(res, 404, { message: "404 Group Not Found" });
      return page(req, res, url, m[2] ? allMembers(g.full_path, false) : direct(g.full_path), member);
    }
    if ((m = /^\/projects\/([^/]+)(\/.*)?$/.exec(path))) {
      const p = findProject(m[1]);
      if (!p || gone.has(key(p.world.path))) return send(res, 404, { message: "404 Project Not Found" });
      const rest = m[2] ?? "";
      const w = p.world;
      if (rest === "") return send(res, 200, projectEntity(p));
      if (rest === "/members" || rest === "/members/all") {
        return page(req, res, url, rest === "/members" ? direct(w.path) : allMembers(w.path, true), member);
      }
      if (!rest.startsWith("/job_token_scope")) return send(res, 404, { error: "404 Not Found" });
      // authorize_admin_project (lib/api/project_job_token_scope.rb)
      if (forbidden.has(key(w.path))) return send(res, 403, { message: "403 Forbidden" });
      if (rest === "/job_token_scope") {
        if (slow.has(key(w.path))) await delay(slow.get(key(w.path)));
        return send(res, 200, {
          inbound_enabled: enforce || w.inbound?.enabled !== false,
          outbound_enabled: !atLeast(release, "18.0") && w.outbound?.enabled === true,
        });
      }
      if (rest === "/job_token_scope/allowlist") {
        // Scope#inbound_projects: the project itself, then its project links.
        const listed = [p, ...(w.inbound?.projects ?? []).map((e) => projects.get(key(entryPath(e))) ?? external(entryPath(e)))];
        return page(req, res, url, listed, basicProject);
      }
      if (rest === "/job_token_scope/groups_allowlist") {
        if (!atLeast(release, "17.0")) return send(res, 404, { error: "404 Not Found" });
        if (badGateway.has(key(w.path))) {
          badGateway.delete(key(w.path));
          return send(res, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
        }
        const listed = (w.inbound?.groups ?? []).map((e) => groups.get(key(entryPath(e))) ?? externalGroup(entryPath(e)));
        return page(req, res, url, listed, (g) => {
          const basic = { id: g.id, web_url: `${base()}/groups/${g.full_path}`, name: g.full_path.split("/").pop() };
          if (options.groupWebUrl === false) delete basic.web_url;
          return basic;
        });
      }
      return send(res, 404, { error: "404 Not Found" });
    }
    return send(res, 404, { error: "404 Not Found" });
  }

  /** A project outside the world (named by an allowlist): known to the server, not listed by any group. */
  function external(path) {
    if (!projects.has(key(path))) {
      const p = { id: 1000 + projects.size, world: { path } };
      projects.set(key(path), p);
      projectById.set(p.id, p);
      for (const g of parents(path)) addGroup(g);
      for (const g of groups.values()) groupById.set(g.id, g);
    }
    return projects.get(key(path));
  }
  function externalGroup(path) {
    addGroup(path);
    for (const g of groups.values()) groupById.set(g.id, g);
    return groups.get(key(path));
  }
  // Projects named by allowlists and logs exist on the instance (outside the groups read).
  for (const p of world.projects) for (const e of p.inbound?.projects ?? []) external(entryPath(e));
  for (const e of log) external(e.source);

  const cursor = (n) => Buffer.from(JSON.stringify({ offset: n })).toString("base64");
  const offsetOf = (c) => (c ? JSON.parse(Buffer.from(c, "base64").toString()).offset : 0);
  const connection = (items, after, first = 100) => {
    const from = offsetOf(after);
    const nodes = items.slice(from, from + first);
    return { nodes, pageInfo: { hasNextPage: from + first < items.length, endCursor: nodes.length ? cursor(from + nodes.length) : null } };
  };
  const gqlError = (res, message) => send(res, 200, { errors: [{ message, locations: [{ line: 1, column: 1 }] }] });

  async function graphql(req, res) {
    let body = "";
    for await (const chunk of req) body += chunk;
    let json;
    try {
      json = JSON.parse(body);
    } catch {
      return send(res, 400, { message: "400 Bad request" });
    }
    const { operationName, query = "", variables = {} } = json;
    const needs = (field, since) => (!atLeast(release, since) && query.includes(field) ? `Field '${field}' doesn't exist on type 'Project'` : null);
    const p = projects.get(key(String(variables.fullPath ?? "")));
    const visible = p && !gone.has(key(p.world.path)) ? p : null;
    const admin = visible && !forbidden.has(key(visible.world.path));
    const resolve = (message) => (message ? { data: { project: visible ? {} : null }, errors: [{ message, path: ["project"] }] } : null);
    if (operationName === "JobTokenAuthLogs") {
      const missing = needs("ciJobTokenAuthLogs", "17.6");
      if (missing) return gqlError(res, missing);
      if (!/ciJobTokenAuthLogs\(first: (\d+), after: \$after\)/.test(query) || !query.includes("originProject { fullPath }") || !query.includes("lastAuthorizedAt")) return gqlError(res, "unexpected query");
      if (visible && logsFail.has(key(visible.world.path))) return send(res, 500, { message: "500 Internal Server Error" });
      if (visible && logsGraphqlError.has(key(visible.world.path))) return gqlError(res, "Internal server error: the authentication log could not be read");
      if (!admin) return send(res, 200, resolve("The resource that you are attempting to access does not exist or you don't have permission to perform this action"));
      const nodes = (logByTarget.get(key(visible.world.path)) ?? []).map((e) => ({ lastAuthorizedAt: e.lastAuthorizedAt, originProject: { fullPath: e.source } }));
      return send(res, 200, { data: { project: { ciJobTokenAuthLogs: connection(nodes, variables.after) } } });
    }
    if (operationName === "JobTokenAllowlist") {
      const missing = needs("ciJobTokenScopeAllowlist", "17.6");
      if (missing) return gqlError(res, missing);
      for (const field of ["ciJobTokenScopeAllowlist", "projectsAllowlist", "groupsAllowlist", "defaultPermissions", "jobTokenPolicies", "CiJobTokenAccessibleProject", "CiJobTokenAccessibleGroup"]) {
        if (!query.includes(field)) return gqlError(res, `unexpected query: no ${field}`);
      }
      if (!admin) return send(res, 200, resolve("The resource that you are attempting to access does not exist or you don't have permission to perform this action"));
      const w = visible.world;
      const node = (e, direction) => ({
        ...(direction ? { direction } : {}),
        defaultPermissions: typeof e === "string" || e.defaultPermissions !== false,
        jobTokenPolicies: typeof e === "string" ? [] : (e.policies ?? []).map((x) => x.toUpperCase()),
        target: { fullPath: entryPath(e) },
      });
      const allowlist = {};
      if (variables.withProjects) {
        const links = [...(w.inbound?.projects ?? []).map((e) => node(e, "inbound")), ...(w.outbound?.projects ?? []).map((e) => node(e, "outbound"))];
        allowlist.projectsAllowlist = connection(links, variables.projectsAfter);
      }
      if (variables.withGroups) allowlist.groupsAllowlist = connection((w.inbound?.groups ?? []).map((e) => node(e, null)), variables.groupsAfter);
      return send(res, 200, { data: { project: { ciJobTokenScopeAllowlist: allowlist } } });
    }
    if (operationName === "JobTokenOutboundAllowlist") {
      const field = atLeast(release, "15.9") ? "outboundAllowlist" : "projects";
      if (!query.includes(`${field}(first:`)) return gqlError(res, `Field '${query.includes("outboundAllowlist") ? "outboundAllowlist" : "projects"}' doesn't exist on type 'CiJobTokenScopeType'`);
      if (!admin) return send(res, 200, resolve("The resource that you are attempting to access does not exist or you don't have permission to perform this action"));
      const w = visible.world;
      const nodes = [{ fullPath: w.path }, ...(w.outbound?.projects ?? []).map((path) => ({ fullPath: path }))];
      return send(res, 200, { data: { project: { ciJobTokenScope: { [field]: connection(nodes, variables.after) } } } });
    }
    return gqlError(res, `unknown operation ${operationName}`);
  }

  await new Promise((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  return {
    url: base(),
    token,
    stats,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

// ───────────────────────────── as a program ─────────────────────────────

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const n = Number(opt("projects", 50));
  const gitlabVersion = opt("version", "18.3.1-ee");
  const { world, log } = makeWorld({ projects: n, version: gitlabVersion.split(".").slice(0, 2).join(".") });
  const server = await startGitlabServer(world, log, { gitlabVersion, port: Number(opt("port", 0)), latency: Number(opt("latency", 0)) });
  process.stdout.write(`A GitLab ${gitlabVersion} stand-in with ${n} projects under acme (tests/js/support/gitlab-server.mjs) on ${server.url}

  export GITLAB_TOKEN=${server.token}
  npx job-token-scope fetch --url ${server.url} --group acme --auth-log --out scenario.json
  npx job-token-scope plan scenario.json

Ctrl-C stops it.
`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

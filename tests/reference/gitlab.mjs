// An independent reference of SPEC §3 (GitLab job token allowlists) in plain JS, written from
// /work/shared/SPEC.md §3 and the README's "Where the spec is silent: what we decided" (notes/decisions.md),
// NOT from the Rust engine. tests/js/differential.test.mjs compares it with the package on random worlds.
//
// It answers `checkGitlabAccess(world, request)` as `{ allowed, reason, message }` or throws an Error
// with `code` (invalid_input / unknown_project / unsupported_version). Deliberately simple: linear scans,
// no indexes, no caching — easy to read against the SPEC, not fast.

// ───────── versions (SPEC "Version profiles"; README "Versions") ─────────

const NEWEST = [18, 3]; // "latest" = the newest profile
const NEWEST_MAJOR = 18; // 19.0 and later: unsupported_version (decision 3)

function fail(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/** `"major.minor"` → [major, minor]; absent → latest. Decision 3: a number is invalid_input; a malformed
 *  string or 19.0+ is unsupported_version. */
export function parseVersion(version) {
  if (version === undefined || version === null) return NEWEST;
  if (typeof version !== "string") throw fail("invalid_input", "version: expected a string");
  if (version === "latest") return NEWEST;
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(version);
  if (!m) throw fail("unsupported_version", `version: "${version}" is not major.minor`);
  const v = [Number(m[1]), Number(m[2])];
  if (v[0] > NEWEST_MAJOR) throw fail("unsupported_version", `version: ${version} is newer than 18.x`);
  return v;
}

const atLeast = (v, major, minor) => v[0] > major || (v[0] === major && v[1] >= minor);

/** What a release has (SPEC table). */
export function features(v) {
  return {
    outbound: atLeast(v, 14, 1) && !atLeast(v, 18, 0), // 14.1–17.11
    inbound: atLeast(v, 15, 9),
    groups: atLeast(v, 17, 0),
    fineGrained: atLeast(v, 18, 3),
    instanceEnforcementByDefault: atLeast(v, 18, 0),
    limit: !atLeast(v, 15, 9) ? null : !atLeast(v, 16, 0) ? 100 : 200,
  };
}

// ───────── paths (SPEC: case-insensitive, trimmed of `/`; decision 1: and of spaces) ─────────

/** The comparison key: surrounding spaces and `/` removed, ASCII lower case (GitLab paths are ASCII). */
export function pathKey(path) {
  return path.replace(/^[ \t\n\f\r/]+/, "").replace(/[ \t\n\f\r/]+$/, "").replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The path as spelled, trimmed (answers spell paths as the world does). */
function trimmed(path) {
  return path.replace(/^[ \t\n\f\r/]+/, "").replace(/[ \t\n\f\r/]+$/, "");
}

function checkPath(path, where, minSegments) {
  if (typeof path !== "string") throw fail("invalid_input", `${where}: expected a string`);
  const t = trimmed(path);
  if (t === "") throw fail("invalid_input", `${where}: empty path`);
  const segments = t.split("/");
  if (segments.some((s) => s.trim() === "")) throw fail("invalid_input", `${where}: empty segment`);
  if (segments.length < minSegments) throw fail("invalid_input", `${where}: a project path needs a namespace`);
}

/** Ancestor groups of a key, nearest first: `a/b/c` → `a/b`, `a`. */
export function ancestors(key) {
  const out = [];
  let at = key;
  while (at.includes("/")) {
    at = at.slice(0, at.lastIndexOf("/"));
    out.push(at);
  }
  return out;
}

const isWithin = (key, group) => key === group || key.startsWith(group + "/");

// ───────── permissions and roles (SPEC rule 4 and 5) ─────────

const RESOURCES = ["deployments", "environments", "jobs", "packages", "pipelines", "releases", "secure_files", "terraform_state"];
export const PERMISSIONS = [
  ...RESOURCES.flatMap((r) => [`read_${r}`, `admin_${r}`]),
  "read_merge_requests", "read_repositories", "read_work_items",
];
export const ROLES = ["guest", "planner", "reporter", "developer", "maintainer", "owner"];
const ANONYMOUS = ["read_repositories", "read_jobs", "read_packages"];

/** The least role a permission needs (SPEC rule 5); no permission: guest (decision 7). */
export function minimumRole(permission) {
  if (permission === undefined) return "guest";
  if (permission === "read_jobs" || permission === "read_work_items") return "guest";
  if (permission.startsWith("read_")) return "reporter";
  if (permission === "admin_secure_files" || permission === "admin_terraform_state") return "maintainer";
  return "developer";
}

/** An entry without default permissions grants its policies; `admin_X` implies `read_X`. */
function grants(entry, permission) {
  if (entry.defaultPermissions) return true;
  return entry.policies.some((p) => p === permission || (p.startsWith("admin_") && `read_${p.slice(6)}` === permission));
}

// ───────── the world ─────────

function normalizeEntry(entry, where) {
  if (typeof entry === "string") {
    checkPath(entry, where, 1);
    return { key: pathKey(entry), defaultPermissions: true, policies: [] };
  }
  checkPath(entry.path, where, 1);
  return {
    key: pathKey(entry.path),
    defaultPermissions: entry.defaultPermissions ?? true, // SPEC: default true
    policies: entry.policies ?? [],
  };
}

/** The world as the rules read it. Only the checks the SPEC and decisions name. */
export function compile(world) {
  const version = parseVersion(world.version);
  const f = features(version);
  const enforceByInstance = world.instance?.enforceInboundScope ?? f.instanceEnforcementByDefault;
  const projects = world.projects.map((p, i) => {
    checkPath(p.path, `projects[${i}].path`, 2);
    return {
      path: trimmed(p.path),
      key: pathKey(p.path),
      visibility: p.visibility ?? "private",
      inboundEnabled: p.inbound?.enabled ?? true, // on for new projects since 15.9
      inboundProjects: (p.inbound?.projects ?? []).map((e, j) => normalizeEntry(e, `projects[${i}].inbound.projects[${j}]`)),
      inboundGroups: (p.inbound?.groups ?? []).map((e, j) => normalizeEntry(e, `projects[${i}].inbound.groups[${j}]`)),
      outboundEnabled: p.outbound?.enabled ?? false,
      outboundProjects: (p.outbound?.projects ?? []).map((path, j) => {
        checkPath(path, `projects[${i}].outbound.projects[${j}]`, 1);
        return pathKey(path);
      }),
    };
  });
  const memberships = new Map(); // user key → [{ key, role }]
  for (const [user, roles] of Object.entries(world.users ?? {})) {
    const userKey = user.trim().toLowerCase();
    if (!memberships.has(userKey)) memberships.set(userKey, []);
    for (const [place, role] of Object.entries(roles)) {
      if (!ROLES.includes(role)) throw fail("invalid_input", `users.${user}.${place}: unknown role`);
      checkPath(place, `users.${user}.${place}`, 1);
      memberships.get(userKey).push({ key: pathKey(place), role });
    }
  }
  return { version, features: f, enforceByInstance, projects, memberships };
}

function highestRole(w, user, targetKey) {
  let best = -1;
  for (const m of w.memberships.get(user.trim().toLowerCase()) ?? []) {
    if (isWithin(targetKey, m.key)) best = Math.max(best, ROLES.indexOf(m.role));
  }
  return best;
}

// ───────── the rules (SPEC §3 "Rule", in order; the first decisive rule wins) ─────────

/** `{ allowed, reason, message }` for a request, or throws a coded Error. */
export function check(world, request) {
  const w = compile(world);
  const find = (path, name) => {
    if (typeof path !== "string") throw fail("invalid_input", `${name}: expected a string`);
    const p = w.projects.find((q) => q.key === pathKey(path));
    if (!p) throw fail("unknown_project", `${name}: unknown project "${path}"`);
    return p;
  };
  const S = find(request.source, "source");
  const T = find(request.target, "target");
  const permission = request.permission ?? undefined;
  if (permission !== undefined && !PERMISSIONS.includes(permission)) {
    throw fail("invalid_input", `permission: unknown permission "${permission}"`);
  }
  const user = request.user ?? undefined;
  return decide(w, S, T, permission, user);
}

function decide(w, S, T, permission, user) {
  const f = w.features;
  const allow = (reason, message) => ({ allowed: true, reason, message });
  const deny = (reason, message) => ({ allowed: false, reason, message });

  // 1. same_project
  if (S.key === T.key) return allow("same_project");

  // 6. anonymous level, after a failure of step 2 or 3
  const anonymous = (denial) => {
    if (T.visibility !== "private" && permission !== undefined && ANONYMOUS.includes(permission)) {
      return allow("anonymous_level");
    }
    return denial;
  };

  // 2. outbound (14.1–17.11): the source limits its token to private targets on its list.
  if (f.outbound && S.outboundEnabled && T.visibility === "private" && !S.outboundProjects.includes(T.key)) {
    return anonymous(deny("outbound_not_allowlisted"));
  }

  // 3. inbound (15.9+)
  let entry = null;
  let admittedBy;
  if (!f.inbound) {
    admittedBy = "no_inbound_check";
  } else if (!(T.inboundEnabled || w.enforceByInstance)) {
    admittedBy = "inbound_disabled";
  } else {
    entry = T.inboundProjects.find((e) => e.key === S.key) ?? null;
    if (entry) {
      admittedBy = "allowlisted_project";
    } else if (f.groups) {
      for (const group of ancestors(S.key)) {
        entry = T.inboundGroups.find((e) => e.key === group) ?? null;
        if (entry) {
          admittedBy = "allowlisted_group";
          break;
        }
      }
    }
    if (!entry) {
      return anonymous(deny("not_in_inbound_allowlist", `Authentication by CI/CD job token not allowed from ${S.path} to ${T.path}.`));
    }
  }

  // 4. fine_grained (18.3+, a permission asked, an entry admitted the source: decision 6)
  if (entry && f.fineGrained && permission !== undefined && !grants(entry, permission)) {
    return deny("permission_not_granted");
  }

  // 5. role (a user given): public/internal targets need no role for anonymous-level permissions (decision 7)
  if (user !== undefined) {
    const open = T.visibility !== "private" && permission !== undefined && ANONYMOUS.includes(permission);
    if (!open && highestRole(w, user, T.key) < ROLES.indexOf(minimumRole(permission))) {
      return deny("insufficient_role");
    }
  }
  return allow(admittedBy);
}

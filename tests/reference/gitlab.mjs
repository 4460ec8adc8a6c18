// An independent reference of the GitLab job token rules in plain JS, written from docs/gitlab-rules.md
// ("Releases", "Access", "Permissions", "Input the rules depend on", "Where we deliberately differ") and the
// docs/gitlab-rules.md "In brief" / "Where the spec is silent: what we decided" — NOT from the Rust engine in
// src/gitlab/. tests/js/differential.test.mjs compares it with the package on random worlds.
//
// It answers `checkGitlabAccess(world, request)` as `{ allowed, reason, message }` or throws an Error
// with `code` (invalid_input / unknown_project / unsupported_version). Deliberately simple: linear scans,
// no indexes, no caching — easy to read against the doc, not fast. The trace is not modelled.

// ───────── versions (docs/gitlab-rules.md "Releases") ─────────

const LATEST = [19, 0]; // "latest" = the 19.0 row
const NEWEST_MAJOR = 19; // every 19.x answers as 19.0; 20.0 and later: unsupported_version

function fail(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/** `"major.minor"` → [major, minor]; absent → latest. A number is invalid_input; a malformed string or
 *  20.0+ is unsupported_version (docs/gitlab-rules.md decision 3). */
export function parseVersion(version) {
  if (version === undefined || version === null) return LATEST;
  if (typeof version !== "string") throw fail("invalid_input", "version: expected a string");
  if (version === "latest") return LATEST;
  const m = /^(\d{1,3})\.(\d{1,3})$/.exec(version);
  if (!m) throw fail("unsupported_version", `version: "${version}" is not major.minor`);
  const v = [Number(m[1]), Number(m[2])];
  if (v[0] > NEWEST_MAJOR) throw fail("unsupported_version", `version: ${version} is newer than 19.x`);
  return v;
}

export const atLeast = (v, major, minor) => v[0] > major || (v[0] === major && v[1] >= minor);

/** What a release has (the release table). */
export function features(v) {
  return {
    outbound: atLeast(v, 14, 1) && !atLeast(v, 18, 0), // 14.1–17.11
    inbound: atLeast(v, 15, 9),
    publicPerFeature: atLeast(v, 16, 6), // before: public/internal targets unrestricted
    groups: atLeast(v, 17, 0),
    publicRepository: atLeast(v, 17, 0), // read_repositories opened by the repository feature
    instanceSetting: atLeast(v, 17, 6), // instance.enforceInboundScope read from here, ignored before
    instanceEnforcementByDefault: atLeast(v, 18, 0),
    fineGrained: atLeast(v, 18, 3),
  };
}

// ───────── paths (case-insensitive, trimmed of `/` and spaces: docs/gitlab-rules.md decision 1) ─────────

/** The comparison key: surrounding spaces and `/` removed, ASCII lower case (GitLab paths are ASCII). */
export function pathKey(path) {
  return trimmed(path).replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** The path as spelled, trimmed (answers spell paths as the world does). */
function trimmed(path) {
  return path.replace(/^[ \t\n\f\r/]+/, "").replace(/[ \t\n\f\r/]+$/, "");
}

/** GitLab's `Project#path`: the last segment of the project's full path, as the world spells it. */
function projectPath(project) {
  return project.path.slice(project.path.lastIndexOf("/") + 1);
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

// ───────── permissions and roles (the "Permissions" table) ─────────

export const ROLES = ["guest", "planner", "reporter", "developer", "maintainer", "owner"];
export const VISIBILITIES = ["private", "internal", "public"];
export const FEATURES = ["repository", "packages", "containerRegistry", "builds", "releases", "environments"];
export const FEATURE_ACCESS = ["enabled", "private", "disabled"];

/** Every permission of the table, one row each: the least role, the release from which an entry may hold
 *  it as a policy (null: never, deprecated; or not a permission a request may name), the feature that
 *  opens it on a public or internal project and since when (16.6 rule), and the features a fine-grained
 *  route fallback (18.3+) needs enabled (null: no fallback; "uncontrolled": the registry, not the API). */
const TABLE = [
  // name,                 role,         policy,   public feature,     since,    18.3+ fallback
  ["read_deployments", "reporter", [18, 3], "environments", [16, 6], null],
  ["admin_deployments", "developer", [18, 3], null, null, null],
  ["read_environments", "reporter", [18, 3], "environments", [16, 6], ["repository", "builds", "environments"]],
  ["admin_environments", "developer", [18, 3], null, null, null],
  ["read_jobs", "guest", [18, 3], "builds", [16, 6], ["repository", "builds"]],
  ["admin_jobs", "developer", [18, 3], null, null, null],
  ["read_packages", "reporter", [18, 3], "packages", [16, 6], ["packages"]],
  ["admin_packages", "developer", [18, 3], null, null, null],
  ["read_pipelines", "reporter", [18, 3], null, null, null],
  ["admin_pipelines", "developer", [18, 3], null, null, null],
  ["read_releases", "reporter", [18, 3], "releases", [16, 6], null],
  ["admin_releases", "developer", [18, 3], null, null, null],
  ["read_secure_files", "reporter", [18, 3], null, null, null],
  ["admin_secure_files", "maintainer", [18, 3], null, null, null],
  ["read_terraform_state", "reporter", [18, 3], null, null, null],
  ["admin_terraform_state", "maintainer", [18, 3], null, null, null],
  ["read_merge_requests", "reporter", [18, 3], null, null, null],
  ["read_repositories", "reporter", [18, 3], "repository", [17, 0], ["repository"]],
  ["read_work_items", "guest", [18, 4], null, null, null],
  ["read_containers", "reporter", null, "containerRegistry", [16, 6], "uncontrolled"],
  ["admin_containers", "developer", null, null, null, "uncontrolled"],
].map(([name, role, policySince, feature, featureSince, fallback]) => ({ name, role, policySince, feature, featureSince, fallback }));

/** `admin_repositories` (19.0+) is a policy an entry may hold, not a permission a request may name. */
const POLICY_ONLY = [{ name: "admin_repositories", policySince: [19, 0] }];

/** The permissions a request may name. */
export const PERMISSIONS = TABLE.map((row) => row.name);
/** Every name an entry's policies may hold in some release. */
export const POLICY_NAMES = [...TABLE.filter((row) => row.policySince).map((row) => row.name), ...POLICY_ONLY.map((row) => row.name)];

const row = (permission) => TABLE.find((r) => r.name === permission);

/** The least role a permission needs; no permission: guest (docs/gitlab-rules.md decision 7). */
export function minimumRole(permission) {
  return permission === undefined ? "guest" : row(permission).role;
}

/** Is `policy` a policy name in release `v`? Unknown, deprecated and not-yet policies grant nothing. */
function isPolicy(policy, v) {
  const r = [...TABLE, ...POLICY_ONLY].find((x) => x.name === policy);
  return r !== undefined && r.policySince !== null && atLeast(v, ...r.policySince);
}

/** An entry's policies grant a permission: it is among them, or `admin_X` is and the permission is `read_X`. */
function policiesGrant(entry, permission, v) {
  return entry.policies.some(
    (p) => isPolicy(p, v) && (p === permission || (p.startsWith("admin_") && `read_${p.slice("admin_".length)}` === permission)),
  );
}

/** The feature whose visibility opens a permission to a non-member (the role rule): the table's
 *  public feature, and `read_pipelines` through builds (rule 5, `public_anonymous.yml`). */
function roleFeature(permission) {
  return permission === "read_pipelines" ? "builds" : row(permission).feature;
}

/** The permission's feature is visible to "Everyone with access" on T (any release: the user-level rule). */
function featureOpen(T, permission) {
  if (T.visibility === "private" || permission === undefined) return false;
  const feature = roleFeature(permission);
  return feature !== null && T.features[feature] === "enabled";
}

// ───────── the world ─────────

function normalizeEntry(entry, where) {
  if (typeof entry === "string") {
    checkPath(entry, where, 1);
    return { key: pathKey(entry), defaultPermissions: true, policies: [] };
  }
  if (entry === null || typeof entry !== "object") throw fail("invalid_input", `${where}: expected a path or an object`);
  checkPath(entry.path, `${where}.path`, 1);
  return {
    key: pathKey(entry.path),
    defaultPermissions: entry.defaultPermissions ?? true, // default true
    policies: entry.policies ?? [],
  };
}

function checkVisibility(value, where) {
  if (value !== undefined && !VISIBILITIES.includes(value)) throw fail("invalid_input", `${where}: unknown visibility`);
  return value ?? "private";
}

/** The world as the rules read it. Only the checks the doc and the decisions name. */
export function compile(world) {
  const version = parseVersion(world.version);
  const f = features(version);
  // instance.enforceInboundScope: read from 17.6 (ignored before); default off, on from 18.0.
  const enforceByInstance = f.instanceSetting ? world.instance?.enforceInboundScope ?? f.instanceEnforcementByDefault : false;
  const groups = (world.groups ?? []).map((g, i) => {
    checkPath(g.path, `groups[${i}].path`, 1);
    return { key: pathKey(g.path), visibility: checkVisibility(g.visibility, `groups[${i}].visibility`) };
  });
  const projects = world.projects.map((p, i) => {
    checkPath(p.path, `projects[${i}].path`, 2);
    const projectFeatures = {};
    for (const feature of FEATURES) {
      const access = p.features?.[feature] ?? "enabled";
      if (!FEATURE_ACCESS.includes(access)) throw fail("invalid_input", `projects[${i}].features.${feature}: unknown access`);
      projectFeatures[feature] = access;
    }
    return {
      path: trimmed(p.path),
      key: pathKey(p.path),
      visibility: checkVisibility(p.visibility, `projects[${i}].visibility`),
      features: projectFeatures,
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
  return { version, features: f, enforceByInstance, groups, projects, memberships };
}

/** The user's highest role on the target or a group above it (-1: not a member). */
function highestRole(w, user, targetKey) {
  let best = -1;
  for (const m of w.memberships.get(user.trim().toLowerCase()) ?? []) {
    if (isWithin(targetKey, m.key)) best = Math.max(best, ROLES.indexOf(m.role));
  }
  return best;
}

// ───────── the rules ("Access", in order; the first decisive rule wins) ─────────

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
    // includes admin_repositories: a policy only ("Where we deliberately differ")
    throw fail("invalid_input", `permission: unknown permission "${permission}"`);
  }
  const user = request.user ?? undefined;
  return decide(w, S, T, permission, user);
}

const NOT_ALLOWLISTED = (S, T) => `Authentication by CI/CD job token not allowed from ${projectPath(S)} to ${projectPath(T)}.`;
const NOT_GRANTED = (T, permission) =>
  `Insufficient permissions to access this resource in project ${projectPath(T)}. The following token permission is required: ${permission}.`;
const NO_PERMISSION = "This action is unauthorized for CI/CD job tokens.";

function decide(w, S, T, permission, user) {
  const f = w.features;
  const v = w.version;
  const allow = (reason, message) => ({ allowed: true, reason, message });
  const deny = (reason, message) => ({ allowed: false, reason, message });

  // 5. role (a user given): the highest role on T or a group above it reaches the permission's minimum;
  //    on a public or internal T a permission whose feature is visible to everyone needs no membership.
  //    A user with no role at all on a private T cannot read_project: GitLab answers with the allowlist
  //    text; otherwise the message names the role needed (free text, not modelled here).
  const role = (allowed) => {
    if (user === undefined) return allowed;
    if (featureOpen(T, permission)) return allowed;
    const best = highestRole(w, user, T.key);
    if (best >= ROLES.indexOf(minimumRole(permission))) return allowed;
    return deny("insufficient_role", best < 0 && T.visibility === "private" ? NOT_ALLOWLISTED(S, T) : undefined);
  };

  // 6. anonymous_level: what a public or internal T still opens to a token it turned away (or, 18.3+,
  //    whose entry does not grant the permission). Otherwise the denial stands.
  const anonymous = (denial) => {
    if (T.visibility === "private") return denial;
    if (!f.publicPerFeature) return role(allow("public_unrestricted")); // before 16.6: nothing restricted
    if (permission === undefined) return denial;
    const r = row(permission);
    if (f.fineGrained && r.fallback !== "uncontrolled") {
      // 18.3+: only routes declaring allow_public_access_for_enabled_project_features, all features visible
      if (r.fallback === null || !r.fallback.every((feature) => T.features[feature] === "enabled")) return denial;
      return role(allow("anonymous_level"));
    }
    // 16.6+: the permission's feature, visible to "Everyone with access" (repository from 17.0)
    if (r.feature === null || !atLeast(v, ...r.featureSince) || T.features[r.feature] !== "enabled") return denial;
    return role(allow("anonymous_level"));
  };

  // 1. same_project (no role rule: "Where we deliberately differ")
  if (S.key === T.key) return allow("same_project");

  // 2. outbound (14.1–17.11): the source limits its token; a private target must be on its list.
  if (f.outbound && S.outboundEnabled && T.visibility === "private" && !S.outboundProjects.includes(T.key)) {
    // the message is the inbound denial's: one text for a failed Scope#accessible?
    return anonymous(deny("outbound_not_allowlisted", NOT_ALLOWLISTED(S, T)));
  }

  // 3. inbound (15.9+): enforced when T's own setting is on or the instance enforces it (17.6+).
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
        // the nearest group entry decides
        entry = T.inboundGroups.find((e) => e.key === group) ?? null;
        if (entry) {
          admittedBy = "allowlisted_group";
          break;
        }
      }
    }
    if (!entry) return anonymous(deny("not_in_inbound_allowlist", NOT_ALLOWLISTED(S, T)));
  }

  // 4. fine_grained (18.3+, only for the entry that admitted S: docs/gitlab-rules.md decision 6)
  if (entry && f.fineGrained && !entry.defaultPermissions) {
    if (permission === undefined) return deny("no_job_token_permission", NO_PERMISSION);
    // the container registry authorises outside the API (the table: "not controlled", both rows)
    const uncontrolled = row(permission).fallback === "uncontrolled";
    if (!uncontrolled && !policiesGrant(entry, permission, v)) {
      return anonymous(deny("permission_not_granted", NOT_GRANTED(T, permission)));
    }
  }

  return role(allow(admittedBy));
}

/** The package's name for `check`. */
export const checkGitlabAccess = check;

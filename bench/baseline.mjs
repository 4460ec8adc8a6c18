// The baseline a user would hand-write in plain JavaScript for the same GitLab rules (docs/gitlab-rules.md,
// "Access"), 18.3 to 19.x, to measure the package against: a Map of projects, each with its allowlist as
// two Maps (project entries, group entries), group ancestry by cutting the source's path at each `/`. No
// trace, no validation beyond "unknown project" — just the decision.
//
// Semantics, as far as the benchmark's worlds and queries go (versions 18.3+ and 19.x, fine-grained
// permissions enforced; no users, no outbound):
//   1. same_project            — S == T → allowed.
//   3. inbound (17.0+ groups)  — enforced when T's `inbound.enabled` (default true) or the instance
//                                enforces (default on from 18.0); not enforced → allowed. Else S's
//                                project entry, else the entry of S's nearest ancestor group on T's list,
//                                admits S; no entry → rule 6.
//   4. fine_grained (18.3+)    — that entry's `defaultPermissions` (default true) grants everything.
//                                Otherwise a request without a permission is denied
//                                (no_job_token_permission, final), and a permission must be in its
//                                `policies` (`admin_X` ⇒ `read_X`), else permission_not_granted → rule 6.
//   6. anonymous_level         — T public or internal, and the permission's API routes fall back to
//                                public access because all the features they name are "enabled" (T's
//                                `features`, default all "enabled"): read_packages (packages), read_jobs
//                                (repository, builds), read_repositories (repository), read_environments
//                                (repository, builds, environments) → allowed. Nothing else falls back.
// Not modelled (the benchmark never asks): read_containers / admin_containers (not controlled by
// fine-grained permissions), users and their roles.
// Paths compare case-insensitively (lower-cased on the way in), as the package does.

/** The permissions whose routes fall back to public access, and the features they need "enabled". */
const FALLBACK = [
  ["read_packages", ["packages"]],
  ["read_jobs", ["repository", "builds"]],
  ["read_repositories", ["repository"]],
  ["read_environments", ["repository", "builds", "environments"]],
];
/** A public or internal project with every feature "enabled" (the default). */
const ALL_ENABLED = new Set(FALLBACK.map(([permission]) => permission));
const NONE = new Set();

/** What a project opens to job tokens its allowlist does not admit for the permission. */
function fallbackOf(project) {
  if ((project.visibility ?? "private") === "private") return NONE;
  const features = project.features;
  if (features === undefined) return ALL_ENABLED;
  const open = FALLBACK.filter(([, needs]) => needs.every((f) => (features[f] ?? "enabled") === "enabled"));
  return open.length === ALL_ENABLED.size ? ALL_ENABLED : new Set(open.map(([permission]) => permission));
}
/** An entry with default permissions: grants everything. */
const ALL = null;

function grantOf(entry) {
  if (typeof entry === "string" || entry.defaultPermissions !== false) return ALL;
  const granted = new Set();
  for (const policy of entry.policies ?? []) {
    granted.add(policy);
    if (policy.startsWith("admin_")) granted.add(`read_${policy.slice(6)}`);
  }
  return granted;
}

const pathOf = (entry) => (typeof entry === "string" ? entry : entry.path).toLowerCase();

export class BaselinePolicy {
  constructor(world) {
    const version = world.version ?? "latest";
    if (version !== "latest" && !/^(18\.([3-9]|\d\d+)|19\.\d+)$/.test(version)) {
      throw new Error(`baseline models 18.3 to 19.x only, not ${version}`);
    }
    const instanceEnforces = world.instance?.enforceInboundScope ?? true;
    this.projects = new Map();
    for (const project of world.projects) {
      const projects = new Map();
      const groups = new Map();
      for (const entry of project.inbound?.projects ?? []) {
        const key = pathOf(entry);
        if (!projects.has(key)) projects.set(key, grantOf(entry));
      }
      for (const entry of project.inbound?.groups ?? []) {
        const key = pathOf(entry);
        if (!groups.has(key)) groups.set(key, grantOf(entry));
      }
      this.projects.set(project.path.toLowerCase(), {
        path: project.path,
        fallback: fallbackOf(project),
        enforced: instanceEnforces || project.inbound?.enabled !== false,
        projects,
        groups,
      });
    }
  }

  /** Allowed or not (rules 1, 3, 4, 6 for 18.3+). Throws on an unknown project. */
  check(source, target, permission) {
    const s = source.toLowerCase();
    const t = target.toLowerCase();
    const to = this.projects.get(t);
    if (to === undefined || !this.projects.has(s)) throw new Error(`unknown project ${to ? source : target}`);
    if (s === t || !to.enforced) return true;
    const entry = nearestEntry(to, s);
    if (entry === ALL) return true;
    if (permission === undefined) return false;
    return (entry !== undefined && entry.has(permission)) || to.fallback.has(permission);
  }

  /**
   * `resolveGitlabScope`'s lists for one project: every other project it reaches / that reaches it —
   * where the allowlist is not enforced or an entry admits the source (also one granting only its
   * policies, although a request without a permission is refused).
   */
  scope(project) {
    const reachable = [];
    const reachableBy = [];
    const self = project.toLowerCase();
    const me = this.projects.get(self);
    if (me === undefined) throw new Error(`unknown project ${project}`);
    for (const [key, other] of this.projects) {
      if (key === self) continue;
      if (!other.enforced || nearestEntry(other, self) !== undefined) reachable.push(other.path);
      if (!me.enforced || nearestEntry(me, key) !== undefined) reachableBy.push(other.path);
    }
    return { project, reachable, reachableBy };
  }
}

/** The entry of `to`'s allowlist that decides for source path `s`: its project entry, else its nearest group's. */
function nearestEntry(to, s) {
  let entry = to.projects.get(s);
  // The nearest ancestor group on the list: "a/b/c/p" → "a/b/c", "a/b", "a".
  for (let cut = s.lastIndexOf("/"); cut > 0 && entry === undefined; cut = s.lastIndexOf("/", cut - 1)) {
    entry = to.groups.get(s.slice(0, cut));
  }
  return entry;
}

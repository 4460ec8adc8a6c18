// The baseline a user would hand-write in plain JavaScript for the same GitLab 18.x rules (SPEC §3), to
// measure the package against: a Map of projects, each with its allowlist as two Maps (project entries,
// group entries), group ancestry by cutting the source's path at each `/`. No trace, no validation
// beyond "unknown project" — just the decision.
//
// Semantics, as far as the benchmark's worlds and queries go (version 18.x, no users, no outbound):
//   1. same_project            — S == T → allowed.
//   3. inbound (17.0+ groups)  — enforced when T's `inbound.enabled` (default true) or the instance
//                                enforces (default on from 18.0); then S's project entry, else the entry
//                                of S's nearest ancestor group on T's list, must exist.
//   4. fine_grained (18.3+)    — with a permission: that entry's `defaultPermissions` (default true)
//                                grants everything, else the permission must be in its `policies`
//                                (`admin_X` ⇒ `read_X`). A denial here is final.
//   6. anonymous_level         — T public or internal, no entry admitted S, and the permission is
//                                read_repositories / read_jobs / read_packages → allowed.
// Paths compare case-insensitively (lower-cased on the way in), as the package does.

const ANONYMOUS = new Set(["read_repositories", "read_jobs", "read_packages"]);
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
    if (version !== "latest" && !/^18\.\d+$/.test(version)) throw new Error(`baseline models 18.x only, not ${version}`);
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
        open: (project.visibility ?? "private") !== "private",
        enforced: instanceEnforces || project.inbound?.enabled !== false,
        projects,
        groups,
      });
    }
  }

  /** Allowed or not (SPEC §3 rules 1, 3, 4, 6 for 18.x). Throws on an unknown project. */
  check(source, target, permission) {
    const s = source.toLowerCase();
    const t = target.toLowerCase();
    const to = this.projects.get(t);
    if (to === undefined || !this.projects.has(s)) throw new Error(`unknown project ${to ? source : target}`);
    if (s === t) return true;
    if (!to.enforced) return true;
    let entry = to.projects.get(s);
    if (entry === undefined) {
      // The nearest ancestor group on the list: "a/b/c/p" → "a/b/c", "a/b", "a".
      for (let cut = s.lastIndexOf("/"); cut > 0 && entry === undefined; cut = s.lastIndexOf("/", cut - 1)) {
        entry = to.groups.get(s.slice(0, cut));
      }
    }
    if (entry !== undefined) return permission === undefined || entry === ALL || entry.has(permission);
    return permission !== undefined && to.open && ANONYMOUS.has(permission);
  }

  /** `resolveGitlabScope`'s lists for one project: every other project it reaches / that reaches it. */
  scope(project) {
    const reachable = [];
    const reachableBy = [];
    const self = project.toLowerCase();
    for (const [key, other] of this.projects) {
      if (key === self) continue;
      if (this.check(project, other.path)) reachable.push(other.path);
      if (this.check(other.path, project)) reachableBy.push(other.path);
    }
    return { project, reachable, reachableBy };
  }
}

// The same GitLab decisions (docs/gitlab-rules.md, "Access"; 18.3 to 19.x, as bench/baseline.mjs) in
// Cedar (`@cedar-policy/cedar-wasm`, pinned in bench/package.json), written the way a Cedar user would
// model job token allowlists.
//
// Entities (the GitLab hierarchy as Cedar's `in`):
//   Group::"acme"                                   parents: []
//   Group::"acme/platform"                          parents: [Group::"acme"]
//   Project::"acme/platform/api"                    parents: [Group::"acme/platform"]
// Actions: Action::"use_job_token" (a request without a permission) and one action per fine-grained
// permission, Action::"read_packages", Action::"admin_jobs", …
//
// Policies:
//   same_project      permit (principal, action, resource) when { principal == resource };
//   target T not enforcing its allowlist (toggle off, instance enforcement off):
//                     permit (principal, action, resource == Project::"T");
//   enforced T, public or internal — anonymous_level, the public-access fallback of the permissions whose
//   API routes name only features T has "enabled" (its `features`, default all "enabled"): F ⊆
//   [read_packages (packages), read_jobs (repository, builds), read_repositories (repository),
//   read_environments (repository, builds, environments)]:
//                     permit (principal, action in [F…], resource == Project::"T");
//   each entry E (project or group) on enforced T's inbound allowlist — one policy per entry, the
//   "allowlist as policies" encoding:
//     default permissions:
//                     permit (principal in Group::"E", action, resource == Project::"T");
//     fine-grained (defaultPermissions: false, policies G, with admin_X ⇒ read_X):
//                     permit (principal in Group::"E", action in [G…], resource == Project::"T");
//                     forbid (principal in Group::"E", action, resource == Project::"T")
//                     unless { principal == resource || action in [G…, F…] || principal in [C…] };
//     where C are T's other entries inside E. The forbid is GitLab's "the nearest entry decides" rule: a
//     restricted entry denies what it does not grant (and a request without a permission,
//     `use_job_token`: no_job_token_permission) unless a nearer entry (the project's own entry, or a
//     deeper group) speaks for the source; F in its exceptions lets the public-access fallback still
//     answer after a permission_not_granted denial.
// Not modelled (the benchmark never asks): read_containers / admin_containers, users and their roles.
//
// Requests: principal Project::"S", action, resource Project::"T", context {}, and the entity slice a
// Cedar application passes for such a request — S with its ancestor groups (for `principal in …`) and T.
// Policies: Cedar evaluates every policy it is given, so an application with 100,000 allowlists passes
// the policies of the target only (policy slicing by resource): the global policy plus T's policies.
// `isAuthorized` takes them as policy text and parses them on every call; `statefulIsAuthorized` uses
// the same slice pre-parsed once (`preparsePolicySet`, the Cedar counterpart of compiling a GitlabPolicy).

import { createRequire } from "node:module";
import v8 from "node:v8";

const require = createRequire(import.meta.url);
/** The Node entry of cedar-wasm (CommonJS; instantiates its .wasm synchronously on load). */
export const cedar = require("@cedar-policy/cedar-wasm/nodejs");

// Node 20's V8 (11.3) crashes ("Fatal error … unreachable code" in Deoptimizer::DoComputeBuiltinContinuation)
// when TurboFan code that inlined a JS→Wasm call is lazily deoptimised while the wasm runs — which
// cedar-wasm's calls trigger: the wasm calls back into JS to build its answer, changing the object maps
// the caller's optimised code depends on. Keeping cedar's glue functions out of TurboFan (and so out of
// any caller's inlining) avoids it; their own cost is tens of ns against Cedar's µs per call.
v8.setFlagsFromString("--allow-natives-syntax");
const neverOptimize = new Function("f", "%NeverOptimizeFunction(f);");
for (const f of [cedar.isAuthorized, cedar.statefulIsAuthorized, cedar.preparsePolicySet]) neverOptimize(f);
v8.setFlagsFromString("--no-allow-natives-syntax");

/** The permissions whose routes fall back to public access, and the features they need "enabled". */
const FALLBACK = [
  ["read_packages", ["packages"]],
  ["read_jobs", ["repository", "builds"]],
  ["read_repositories", ["repository"]],
  ["read_environments", ["repository", "builds", "environments"]],
];
const USE = "use_job_token";

const quote = (s) => JSON.stringify(s);
const actionList = (names) => `[${names.map((n) => `Action::${quote(n)}`).join(", ")}]`;

const GLOBAL_POLICIES = "permit (principal, action, resource) when { principal == resource };";

/** The permissions public or internal `project` opens to job tokens its allowlist does not admit for them. */
function fallback(project) {
  if ((project.visibility ?? "private") === "private") return [];
  const features = project.features ?? {};
  return FALLBACK.filter(([, needs]) => needs.every((f) => (features[f] ?? "enabled") === "enabled")).map(([p]) => p);
}

function granted(entry) {
  if (typeof entry === "string" || entry.defaultPermissions !== false) return null;
  const set = new Set();
  for (const p of entry.policies ?? []) {
    set.add(p);
    if (p.startsWith("admin_")) set.add(`read_${p.slice(6)}`);
  }
  return [...set];
}

/** A world encoded for Cedar: entity slices per project and the policy text per target. */
export class CedarWorld {
  constructor(world) {
    this.instanceEnforces = world.instance?.enforceInboundScope ?? true;
    this.projects = new Map(world.projects.map((p) => [p.path, p]));
    this.groupEntities = new Map();
    this.slices = new Map();
    this.texts = new Map();
  }

  #group(path) {
    let entity = this.groupEntities.get(path);
    if (!entity) {
      const cut = path.lastIndexOf("/");
      entity = { uid: { type: "Group", id: path }, attrs: {}, parents: cut > 0 ? [{ type: "Group", id: path.slice(0, cut) }] : [] };
      this.groupEntities.set(path, entity);
    }
    return entity;
  }

  /** The project's entity followed by its ancestor groups' entities (built once per project). */
  slice(path) {
    let slice = this.slices.get(path);
    if (!slice) {
      const project = this.projects.get(path);
      if (!project) throw new Error(`unknown project ${path}`);
      const cut = path.lastIndexOf("/");
      slice = [{
        uid: { type: "Project", id: path },
        attrs: {},
        parents: [{ type: "Group", id: path.slice(0, cut) }],
      }];
      for (let c = cut; c > 0; c = path.lastIndexOf("/", c - 1)) slice.push(this.#group(path.slice(0, c)));
      this.slices.set(path, slice);
    }
    return slice;
  }

  /** The request's entities: S and its groups, and T (its groups play no part). */
  entities(source, target) {
    const s = this.slice(source);
    return source === target ? s : [...s, this.slice(target)[0]];
  }

  /** Cedar policy text for target T: the global policies and T's allowlist policies. */
  policies(target) {
    let text = this.texts.get(target);
    if (text === undefined) {
      text = `${GLOBAL_POLICIES}\n${this.targetPolicies(target)}`;
      this.texts.set(target, text);
    }
    return text;
  }

  targetPolicies(target) {
    const project = this.projects.get(target);
    const resource = `Project::${quote(target)}`;
    const enforced = this.instanceEnforces || project.inbound?.enabled !== false;
    if (!enforced) return `permit (principal, action, resource == ${resource});`;
    const entries = [
      ...(project.inbound?.projects ?? []).map((e) => ({ e, type: "Project" })),
      ...(project.inbound?.groups ?? []).map((e) => ({ e, type: "Group" })),
    ].map(({ e, type }) => ({ path: typeof e === "string" ? e : e.path, type, grants: granted(e) }));
    const lines = [];
    const open = fallback(project);
    if (open.length) lines.push(`permit (principal, action in ${actionList(open)}, resource == ${resource});`);
    for (const { path, type, grants } of entries) {
      const principal = `${type}::${quote(path)}`;
      if (!grants) {
        lines.push(`permit (principal in ${principal}, action, resource == ${resource});`);
        continue;
      }
      if (grants.length) lines.push(`permit (principal in ${principal}, action in ${actionList(grants)}, resource == ${resource});`);
      const closer = type === "Group"
        ? entries.filter((o) => o.path !== path && o.path.startsWith(`${path}/`)).map((o) => `${o.type}::${quote(o.path)}`)
        : [];
      const exempt = [...new Set([...grants, ...open])];
      const actions = exempt.length ? ` || action in ${actionList(exempt)}` : "";
      const shield = closer.length ? ` || principal in [${closer.join(", ")}]` : "";
      lines.push(`forbid (principal in ${principal}, action, resource == ${resource}) unless { principal == resource${actions}${shield} };`);
    }
    return lines.join("\n");
  }

  /** The whole world as one policy set and one entity list (the one-shot comparison). */
  wholeWorld() {
    const texts = [GLOBAL_POLICIES];
    const entities = [];
    for (const path of this.projects.keys()) {
      texts.push(this.targetPolicies(path));
      entities.push(this.slice(path)[0]);
    }
    for (const path of this.projects.keys()) this.slice(path);
    entities.push(...this.groupEntities.values());
    return { policies: texts.join("\n"), entities };
  }
}

const actionUid = (permission) => ({ type: "Action", id: permission ?? USE });

/** The `isAuthorized` call for one request (policies as text, parsed by Cedar on every call). */
export function authorizationCall(cw, source, target, permission) {
  return {
    principal: { type: "Project", id: source },
    action: actionUid(permission),
    resource: { type: "Project", id: target },
    context: {},
    policies: { staticPolicies: cw.policies(target) },
    entities: cw.entities(source, target),
  };
}

/** Cedar's answer as a boolean; throws on an error answer or on policy evaluation errors. */
export function allowed(answer) {
  if (answer.type !== "success") throw new Error(`cedar: ${JSON.stringify(answer.errors)}`);
  if (answer.response.diagnostics.errors.length) {
    throw new Error(`cedar: ${JSON.stringify(answer.response.diagnostics.errors)}`);
  }
  return answer.response.decision === "allow";
}

/** isAuthorized, one request. */
export function isAuthorized(cw, source, target, permission) {
  return allowed(cedar.isAuthorized(authorizationCall(cw, source, target, permission)));
}

/** Pre-parses T's policy slice once (id: the target's path). */
export function preparse(cw, target) {
  const id = `t:${target}`;
  if (!cw.preparsed) cw.preparsed = new Set();
  if (!cw.preparsed.has(id)) {
    const answer = cedar.preparsePolicySet(id, { staticPolicies: cw.policies(target) });
    if (answer.type !== "success") throw new Error(`cedar preparse: ${JSON.stringify(answer.errors)}`);
    cw.preparsed.add(id);
  }
  return id;
}

/** statefulIsAuthorized over the pre-parsed slice of T (call `preparse(cw, T)` first). */
export function isAuthorizedPreparsed(cw, source, target, permission) {
  return allowed(cedar.statefulIsAuthorized({
    principal: { type: "Project", id: source },
    action: actionUid(permission),
    resource: { type: "Project", id: target },
    context: {},
    preparsedPolicySetId: `t:${target}`,
    entities: cw.entities(source, target),
  }));
}

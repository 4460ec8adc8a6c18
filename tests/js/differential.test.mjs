// Differential test: the package against an independent JS reference of SPEC §3 (tests/reference/gitlab.mjs),
// on seeded random worlds and queries (deterministic: same seeds, same worlds, every run).
// Compares checkGitlabAccess's `allowed` and `reason` (and the message GitLab's denial text fixes), the
// thrown error codes, and GitlabPolicy.check. On a disagreement it shrinks the world and prints the
// smallest one that still disagrees, with its query.
//   DIFF_WORLDS=20000 node --test tests/js/differential.test.mjs   (more worlds; default 2000)

import { test } from "node:test";
import assert from "node:assert/strict";

import * as reference from "../reference/gitlab.mjs";

const api = await import(new URL("../../pkg/index.js", import.meta.url));

const WORLDS = Number(process.env.DIFF_WORLDS ?? 2000);
const QUERIES = 20;
const SEED = Number(process.env.DIFF_SEED ?? 0x5eed);

// ───────── a small deterministic PRNG (mulberry32) ─────────

function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (list) => list[int(list.length)],
    some: (list, max) => Array.from({ length: int(max + 1) }, () => list[int(list.length)]),
  };
}

// ───────── random worlds ─────────

// No project path lies inside another (a project cannot contain projects), and keys are distinct.
const PROJECT_POOL = [
  "acme/api", "acme/ci", "acme/platform/web", "acme/platform/db", "acme/platform/infra/deploy",
  "acme/platform/infra/tools", "acme/tools/lint", "other/lib", "other/team/app", "solo/x",
];
const GROUP_POOL = ["acme", "acme/platform", "acme/platform/infra", "acme/tools", "other", "other/team", "nowhere", "acme/plat"];
const GHOSTS = ["ghost/x", "acme/ghost", "acme/api/sub"];
const VERSIONS = [undefined, "latest", "13.12", "14.0", "14.1", "15.8", "15.9", "16.0", "16.5", "16.6", "16.11", "17.0", "17.5",
  "17.6", "17.11", "18.0", "18.1", "18.2", "18.3", "18.4", "18.10", "19.0", "19.4", "20.0"];
const POLICIES = [...reference.POLICY_NAMES, "read_containers", "admin_containers", "bogus_policy"];
const VISIBILITIES = [undefined, "private", "internal", "public"];
const FEATURE_ACCESS = [undefined, "enabled", "private", "disabled"];

/** A spelling of a path the engine must treat as the same: other case, surrounding `/` or spaces. */
function spell(r, path) {
  let out = path;
  if (r.chance(0.2)) out = out.replace(/[a-z]/g, (c) => (r.chance(0.5) ? c.toUpperCase() : c));
  if (r.chance(0.1)) out = `/${out}`;
  if (r.chance(0.1)) out = `${out}/`;
  if (r.chance(0.05)) out = ` ${out} `;
  return out;
}

function entry(r, path) {
  const spelled = spell(r, path);
  if (r.chance(0.5)) return spelled;
  const e = { path: spelled };
  if (r.chance(0.6)) e.defaultPermissions = r.chance(0.4);
  if (r.chance(0.6)) e.policies = r.some(POLICIES, 3);
  return e;
}

function randomWorld(r) {
  const paths = PROJECT_POOL.filter(() => r.chance(0.6));
  while (paths.length < 2) paths.push(PROJECT_POOL.find((p) => !paths.includes(p)));
  const world = {};
  const version = r.pick(VERSIONS);
  if (version !== undefined) world.version = version;
  if (r.chance(0.3)) world.instance = r.chance(0.3) ? {} : { enforceInboundScope: r.chance(0.5) };
  if (r.chance(0.4)) {
    world.groups = GROUP_POOL.filter(() => r.chance(0.4)).map((path) => {
      const g = { path: spell(r, path) };
      const visibility = r.pick(VISIBILITIES);
      if (visibility !== undefined) g.visibility = visibility;
      return g;
    });
  }
  world.projects = paths.map((path) => {
    const p = { path: spell(r, path) };
    const visibility = r.pick(VISIBILITIES);
    if (visibility !== undefined) p.visibility = visibility;
    if (r.chance(0.6)) {
      p.features = {};
      for (const feature of reference.FEATURES.filter(() => r.chance(0.5))) {
        const access = r.pick(FEATURE_ACCESS);
        if (access !== undefined) p.features[feature] = access;
      }
    }
    if (r.chance(0.8)) {
      p.inbound = {};
      if (r.chance(0.6)) p.inbound.enabled = r.chance(0.7);
      if (r.chance(0.8)) p.inbound.projects = r.some([...paths, ...GHOSTS], 3).map((q) => entry(r, q));
      if (r.chance(0.6)) p.inbound.groups = r.some(GROUP_POOL, 2).map((g) => entry(r, g));
    }
    if (r.chance(0.3)) {
      p.outbound = { projects: r.some([...paths, ...GHOSTS], 2).map((q) => spell(r, q)) };
      if (r.chance(0.8)) p.outbound.enabled = r.chance(0.6);
    }
    return p;
  });
  if (r.chance(0.6)) {
    world.users = {};
    for (const user of ["alice", "Bob"].filter(() => r.chance(0.7))) {
      world.users[user] = {};
      for (const place of r.some([...paths, ...GROUP_POOL], 3)) world.users[user][spell(r, place)] = r.pick(reference.ROLES);
    }
  }
  return world;
}

function randomQuery(r, world) {
  const paths = world.projects.map((p) => p.path);
  const q = { source: spell(r, r.pick(paths)), target: spell(r, r.pick(paths)) };
  if (r.chance(0.15)) q.target = q.source;
  const fault = r.next();
  if (fault < 0.03) q.source = r.pick(GHOSTS);
  else if (fault < 0.06) q.target = r.pick(GHOSTS);
  if (r.chance(0.7)) {
    q.permission = fault > 0.97 ? r.pick(["write_everything", "admin_repositories"]) : r.pick([...reference.PERMISSIONS, "read_containers"]);
  }
  if (r.chance(0.4)) q.user = r.pick(["alice", "BOB", " bob ", "carol"]);
  return q;
}

// ───────── the two sides ─────────

/** Denials whose message is GitLab's own text (docs/gitlab-rules.md), compared word for word;
 *  insufficient_role too where the reference fixes it (no role at all on a private target). */
const GITLAB_TEXTS = ["outbound_not_allowlisted", "not_in_inbound_allowlist", "permission_not_granted", "no_job_token_permission"];

function outcome(call, fixed) {
  try {
    const d = call();
    const compared = GITLAB_TEXTS.includes(d.reason) || (d.reason === "insufficient_role" && fixed?.message !== undefined);
    return { allowed: d.allowed, reason: d.reason, ...(compared ? { message: d.message } : {}) };
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError) throw error;
    return { error: error.code ?? String(error) };
  }
}

/** The reference's own answer, unreduced (to know which messages it fixes). */
function referenceAnswer(world, q) {
  try {
    return reference.check(world, q);
  } catch {
    return undefined;
  }
}

const engine = (world, q) => outcome(() => api.checkGitlabAccess(world, q), referenceAnswer(world, q));
const ref = (world, q) => outcome(() => reference.check(world, q), referenceAnswer(world, q));

/** GitlabPolicy.check against the reference (requests without a user: the policy takes none). */
function policyDisagrees(world, queries) {
  let policy;
  try {
    policy = new api.GitlabPolicy(world);
  } catch (error) {
    const expected = ref(world, queries[0]);
    return expected.error === error.code ? null : { query: queries[0], engine: { error: error.code }, reference: expected };
  }
  try {
    for (const q of queries.filter((q) => q.user === undefined)) {
      const expected = ref(world, q);
      let got;
      try {
        got = { allowed: policy.check(q.source, q.target, q.permission) };
      } catch (error) {
        got = { error: error.code };
      }
      const want = expected.error ? { error: expected.error } : { allowed: expected.allowed };
      if (JSON.stringify(got) !== JSON.stringify(want)) return { query: q, engine: got, reference: want, via: "GitlabPolicy.check" };
    }
    return null;
  } finally {
    policy.free();
  }
}

const disagrees = (world, q) => JSON.stringify(engine(world, q)) !== JSON.stringify(ref(world, q));

// ───────── shrinking: drop or reset parts of the world while the two still disagree ─────────

function* smaller(world) {
  const clone = () => structuredClone(world);
  for (const key of ["instance", "users", "version", "groups"]) {
    if (world[key] !== undefined) {
      const w = clone();
      delete w[key];
      yield w;
    }
  }
  for (let i = 0; i < world.projects.length; i++) {
    const w = clone();
    w.projects.splice(i, 1);
    yield w;
  }
  for (let i = 0; i < world.projects.length; i++) {
    const p = world.projects[i];
    for (const key of ["visibility", "features", "inbound", "outbound"]) {
      if (p[key] !== undefined) {
        const w = clone();
        delete w.projects[i][key];
        yield w;
      }
    }
    for (const feature of Object.keys(p.features ?? {})) {
      const w = clone();
      delete w.projects[i].features[feature];
      yield w;
    }
    for (const list of ["projects", "groups"]) {
      if (p.inbound?.[list] !== undefined) {
        const w = clone();
        delete w.projects[i].inbound[list];
        yield w;
      }
      for (let j = 0; j < (p.inbound?.[list]?.length ?? 0); j++) {
        const w = clone();
        w.projects[i].inbound[list].splice(j, 1);
        yield w;
        if (typeof p.inbound[list][j] === "object") {
          const v = clone();
          v.projects[i].inbound[list][j] = p.inbound[list][j].path;
          yield v;
        }
      }
    }
    for (let j = 0; j < (p.outbound?.projects?.length ?? 0); j++) {
      const w = clone();
      w.projects[i].outbound.projects.splice(j, 1);
      yield w;
    }
  }
  for (let i = 0; i < (world.groups?.length ?? 0); i++) {
    const w = clone();
    w.groups.splice(i, 1);
    yield w;
  }
  for (const [user, roles] of Object.entries(world.users ?? {})) {
    for (const place of Object.keys(roles)) {
      const w = clone();
      delete w.users[user][place];
      yield w;
    }
  }
}

function shrink(world, q, stillFails) {
  let current = world;
  for (let progress = true; progress; ) {
    progress = false;
    for (const candidate of smaller(current)) {
      if (stillFails(candidate, q)) {
        current = candidate;
        progress = true;
        break;
      }
    }
  }
  return current;
}

function report(world, q, via) {
  const minimal = shrink(world, q, via === "checkGitlabAccess" ? disagrees : (w, query) => policyDisagrees(w, [query]) !== null);
  return [
    `${via} disagrees with the reference (tests/reference/gitlab.mjs) on`,
    `world:   ${JSON.stringify(minimal)}`,
    `request: ${JSON.stringify(q)}`,
    `engine:    ${JSON.stringify(via === "checkGitlabAccess" ? engine(minimal, q) : policyDisagrees(minimal, [q])?.engine)}`,
    `reference: ${JSON.stringify(ref(minimal, q))}`,
  ].join("\n");
}

// ───────── the tests ─────────

test("the reference agrees with the README's examples", () => {
  const world = {
    version: "18.3",
    projects: [
      { path: "acme/ci" },
      { path: "acme/platform/api", inbound: { groups: [{ path: "acme/platform" }] } },
      { path: "acme/platform/deployer" },
    ],
  };
  assert.deepEqual(reference.check(world, { source: "acme/ci", target: "acme/platform/api" }), {
    allowed: false,
    reason: "not_in_inbound_allowlist",
    message: "Authentication by CI/CD job token not allowed from ci to api.",
  });
  assert.equal(reference.check(world, { source: "acme/platform/deployer", target: "acme/platform/api" }).reason, "allowlisted_group");
  const public16 = { version: "16.0", projects: [{ path: "acme/ci" }, { path: "acme/api", visibility: "public", inbound: { projects: [] } }] };
  // before 16.6 an allowlist restricts only private projects; from 16.6 the features open to everyone
  assert.equal(reference.check(public16, { source: "acme/ci", target: "acme/api", permission: "read_packages" }).reason, "public_unrestricted");
  const public166 = { ...public16, version: "16.6" };
  assert.equal(reference.check(public166, { source: "acme/ci", target: "acme/api", permission: "read_packages" }).reason, "anonymous_level");
  assert.equal(reference.check(public166, { source: "acme/ci", target: "acme/api", permission: "read_pipelines" }).reason, "not_in_inbound_allowlist");
});

test(`checkGitlabAccess and GitlabPolicy.check agree with the reference on ${WORLDS} worlds × ${QUERIES} queries`, () => {
  const r = prng(SEED);
  const reasons = new Map();
  let compared = 0;
  for (let n = 0; n < WORLDS; n++) {
    const world = randomWorld(r);
    const queries = Array.from({ length: QUERIES }, () => randomQuery(r, world));
    for (const q of queries) {
      const want = ref(world, q);
      const got = engine(world, q);
      if (JSON.stringify(got) !== JSON.stringify(want)) assert.fail(report(world, q, "checkGitlabAccess"));
      const key = want.error ? `error ${want.error}` : want.reason;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
      compared++;
    }
    const policy = policyDisagrees(world, queries);
    if (policy) assert.fail(report(world, policy.query, "GitlabPolicy.check"));
  }
  // The generator reaches every reason and error (else the comparison proves less than it claims).
  for (const reason of [
    "same_project", "inbound_disabled", "allowlisted_project", "allowlisted_group", "no_inbound_check", "anonymous_level",
    "public_unrestricted", "outbound_not_allowlisted", "not_in_inbound_allowlist", "permission_not_granted",
    "no_job_token_permission", "insufficient_role", "error unknown_project", "error invalid_input", "error unsupported_version",
  ]) {
    assert.ok((reasons.get(reason) ?? 0) > 0, `no generated query ended in ${reason}: ${JSON.stringify([...reasons])}`);
  }
  assert.equal(compared, WORLDS * QUERIES);
});

test("the shrinker finds a small world for a planted disagreement", () => {
  // A deliberately wrong "engine" (ignores group entries) must be caught and shrunk to the one entry.
  const world = randomWorld(prng(7));
  world.version = "17.0";
  world.projects = [
    { path: "acme/api", inbound: { groups: ["acme/platform"], projects: ["other/lib"] } },
    { path: "acme/platform/web" },
    { path: "other/lib", outbound: { enabled: false, projects: [] } },
  ];
  const q = { source: "acme/platform/web", target: "acme/api" };
  const wrong = (w, query) => {
    const stripped = structuredClone(w);
    for (const p of stripped.projects) if (p.inbound) delete p.inbound.groups;
    return JSON.stringify(ref(stripped, query)) !== JSON.stringify(ref(w, query));
  };
  assert.ok(wrong(world, q));
  const minimal = shrink(world, q, wrong);
  assert.deepEqual(minimal.projects.map((p) => p.path).sort(), ["acme/api", "acme/platform/web"]);
  assert.deepEqual(minimal.projects.find((p) => p.path === "acme/api").inbound, { groups: ["acme/platform"] });
});

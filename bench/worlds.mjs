// Deterministic GitLab worlds and query sets for the benchmark (bench/run.mjs).
//
// Everything comes from one small seeded PRNG (mulberry32), so every run on every machine builds the
// same worlds and asks the same questions. The shapes follow SPEC §3 (`GitlabWorld`, version "18.4", the first whose policy list holds every policy the worlds use):
//
//   - a forest of groups up to `maxDepth` (6) levels deep ("acme3/infra17/…"),
//   - projects spread uniformly over the groups ("…/api-svc-1234"),
//   - ~5% public and ~5% internal projects, the rest private,
//   - per target an inbound allowlist mixing project entries (~70%) and group entries (~30%); a share
//     `fullShare` of the targets have the full 200 entries, the others a few (exponential, mean
//     `meanEntries`), never the project itself, never twice the same path;
//   - ~10% of the entries fine-grained: `{ path, defaultPermissions: false, policies: [1–3 permissions] }`.
//
// The medium world turns the 18.0+ instance enforcement off (`instance.enforceInboundScope: false`) and
// disables "Limit access to this project" on ~10% of its projects, so the benchmark also covers targets
// that do not enforce their allowlist; small and large keep the 18.x default (enforced everywhere).

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SEED = 0x5eed2025;

/** SPEC §3: the fine-grained job token permissions. */
export const PERMISSIONS = [
  ...["deployments", "environments", "jobs", "packages", "pipelines", "releases", "secure_files", "terraform_state"]
    .flatMap((r) => [`read_${r}`, `admin_${r}`]),
  "read_merge_requests", "read_repositories", "read_work_items",
];
/** Open to anyone on a public (any signed-in user on an internal) project: SPEC §3 rule 6. */
export const ANONYMOUS_PERMISSIONS = ["read_repositories", "read_jobs", "read_packages"];

/** The three worlds of the benchmark. */
export const WORLD_PARAMS = {
  small: { projects: 10, groups: 4, roots: 1, maxDepth: 3, maxEntries: 5, fullShare: 0, meanEntries: 2 },
  medium: {
    projects: 1_000, groups: 150, roots: 3, maxDepth: 6, maxEntries: 200, fullShare: 0.05, meanEntries: 10,
    instanceEnforcement: false, disabledShare: 0.1,
  },
  large: { projects: 100_000, groups: 12_000, roots: 40, maxDepth: 6, maxEntries: 200, fullShare: 0.02, meanEntries: 8 },
  // Enforcement readiness (bench/plan.mjs): a 10,000-project instance and its authentication log.
  plan: { projects: 10_000, groups: 1_200, roots: 8, maxDepth: 6, maxEntries: 200, fullShare: 0, meanEntries: 4 },
};

/**
 * The large world's shape at `projects` projects (bench/edge.mjs): groups and top-level groups in the same
 * proportion, the same allowlists. `makeWorld("large", SEED, largeWorldParams(100_000))` is the large world.
 */
export function largeWorldParams(projects) {
  const large = WORLD_PARAMS.large;
  const scale = projects / large.projects;
  return {
    ...large, projects, groups: Math.max(1, Math.round(large.groups * scale)), roots: Math.max(1, Math.round(large.roots * scale)),
  };
}

const WORDS = [
  "acme", "platform", "infra", "data", "web", "mobile", "security", "tools", "payments", "search", "ml", "ops",
  "core", "shared", "api", "edge", "billing", "identity", "growth", "support",
];

/**
 * Builds a world (`params`: another shape under the same name and seed, e.g. `largeWorldParams(n)`). Returns `{ world, meta }`: `world` is the plain `GitlabWorld` object handed to every
 * implementation; `meta` holds what the query generator and the Cedar encoding need (group list,
 * projects per group, which targets have which kinds of entries).
 */
export function makeWorld(name, seed = SEED, params = WORLD_PARAMS[name]) {
  const p = params;
  if (!p) throw new Error(`unknown world ${name}`);
  const rand = mulberry32(seed ^ hash(name));
  const int = (n) => Math.floor(rand() * n);
  const word = () => WORDS[int(WORDS.length)];

  // Groups: `roots` top-level groups, then each new group under a random existing group that is not at
  // the maximum depth. Biased towards recent groups so that the trees reach their full depth.
  const groups = [];
  const depth = [];
  for (let i = 0; i < p.groups; i++) {
    if (i < p.roots) {
      groups.push(`${word()}${i}`);
      depth.push(1);
      continue;
    }
    let parent;
    do parent = Math.floor(Math.sqrt(rand()) * groups.length); while (depth[parent] >= p.maxDepth);
    groups.push(`${groups[parent]}/${word()}${i}`);
    depth.push(depth[parent] + 1);
  }

  // Projects, uniformly over the groups.
  const paths = new Array(p.projects);
  const projects = new Array(p.projects);
  for (let i = 0; i < p.projects; i++) {
    paths[i] = `${groups[int(groups.length)]}/${word()}-svc-${i}`;
    const project = { path: paths[i] };
    const v = rand();
    if (v < 0.05) project.visibility = "public";
    else if (v < 0.1) project.visibility = "internal";
    projects[i] = project;
  }

  // Projects under each group (any depth), for group-entry queries.
  const projectsUnder = new Map(groups.map((g) => [g, []]));
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    for (let j = path.lastIndexOf("/"); j > 0; j = path.lastIndexOf("/", j - 1)) projectsUnder.get(path.slice(0, j)).push(i);
  }

  const pathIndex = new Map(paths.map((path, i) => [path, i]));
  // Groups exist only through the projects below them (SPEC §3): entries name only those.
  const entryGroups = groups.filter((g) => projectsUnder.get(g).length);

  // Inbound allowlists.
  const withProjectEntries = [];
  const withGroupEntries = [];
  let entryCount = 0;
  let fineGrainedCount = 0;
  for (let i = 0; i < p.projects; i++) {
    const inbound = {};
    if (p.disabledShare && rand() < p.disabledShare) inbound.enabled = false;
    const n = rand() < p.fullShare
      ? p.maxEntries
      : Math.min(p.maxEntries - 1, Math.floor(-Math.log(1 - rand()) * p.meanEntries));
    const seen = new Set([paths[i]]);
    const projectEntries = [];
    const groupEntries = [];
    for (let k = 0, tries = 0; k < n && tries < n * 10; tries++) {
      const isGroup = rand() < 0.3;
      const path = isGroup ? entryGroups[int(entryGroups.length)] : paths[int(paths.length)];
      if (seen.has(path)) continue;
      seen.add(path);
      k++;
      let entry = path;
      if (rand() < 0.1) {
        const policies = new Set();
        for (let m = 1 + int(3); m > 0; m--) policies.add(PERMISSIONS[int(PERMISSIONS.length)]);
        entry = { path, defaultPermissions: false, policies: [...policies] };
        fineGrainedCount++;
      } else if (isGroup && rand() < 0.5) {
        entry = { path };
      }
      (isGroup ? groupEntries : projectEntries).push(entry);
    }
    entryCount += projectEntries.length + groupEntries.length;
    if (projectEntries.length) {
      inbound.projects = projectEntries;
      withProjectEntries.push(i);
    }
    if (groupEntries.length) {
      inbound.groups = groupEntries;
      withGroupEntries.push(i);
    }
    if (Object.keys(inbound).length) projects[i].inbound = inbound;
  }

  const generated = { version: "18.4", projects };
  if (p.instanceEnforcement === false) generated.instance = { enforceInboundScope: false };
  // The world as a program gets it from a file or an API: parsed from JSON, and so are the paths the
  // queries ask about. The generator's strings are concatenations (V8 ropes), which every
  // implementation would read more slowly than parsed ones.
  const world = JSON.parse(JSON.stringify(generated));
  return {
    world,
    meta: {
      name, params: p, groups, paths: world.projects.map((project) => project.path), pathIndex, projectsUnder,
      withProjectEntries, withGroupEntries, entryCount, fineGrainedCount, maxGroupDepth: Math.max(...depth),
    },
  };
}

/**
 * The benchmark's query set over a world: `count` requests `{ source, target, permission? }` as three
 * parallel arrays (no object per call in the timed loops). The mix: 5% same project, 25% random pairs
 * (mostly denied), 30% a source from the target's project entries, 25% a source under one of the
 * target's group entries, 15% a public/internal target; 40% of them ask for a permission (a third of
 * those an anonymous-level one).
 */
export function makeQueries({ world, meta }, count, seed = SEED) {
  const rand = mulberry32(seed ^ hash(meta.name) ^ 0x9e3779b9);
  const int = (n) => Math.floor(rand() * n);
  const { paths, projectsUnder, withProjectEntries, withGroupEntries } = meta;
  const open = [];
  for (let i = 0; i < paths.length; i++) if (world.projects[i].visibility) open.push(i);
  const entryPath = (e) => (typeof e === "string" ? e : e.path);
  const sources = new Array(count);
  const targets = new Array(count);
  const permissions = new Array(count);
  for (let q = 0; q < count; q++) {
    const r = rand();
    let s;
    let t;
    if (r < 0.05) {
      s = t = int(paths.length);
    } else if (r < 0.3 || (r < 0.6 && !withProjectEntries.length) || (r < 0.85 && !withGroupEntries.length)) {
      s = int(paths.length);
      t = int(paths.length);
    } else if (r < 0.6) {
      t = withProjectEntries[int(withProjectEntries.length)];
      const entries = world.projects[t].inbound.projects;
      s = meta.pathIndex.get(entryPath(entries[int(entries.length)]));
    } else if (r < 0.85) {
      t = withGroupEntries[int(withGroupEntries.length)];
      const entries = world.projects[t].inbound.groups;
      const under = projectsUnder.get(entryPath(entries[int(entries.length)]));
      s = under.length ? under[int(under.length)] : int(paths.length);
    } else {
      t = open.length ? open[int(open.length)] : int(paths.length);
      s = int(paths.length);
    }
    sources[q] = paths[s];
    targets[q] = paths[t];
    const w = rand();
    permissions[q] = w < 0.6
      ? undefined
      : w < 0.73 ? ANONYMOUS_PERMISSIONS[int(ANONYMOUS_PERMISSIONS.length)] : PERMISSIONS[int(PERMISSIONS.length)];
  }
  return { sources, targets, permissions, count };
}

/**
 * A job token authentication log over a world: `count` entries `{ source, target, lastAuthorizedAt }`, as
 * GitLab's `ciJobTokenAuthLogs` would list them. 30% of them go to 20 hub projects (shared libraries,
 * registries), the rest to targets skewed towards a few (the square of a uniform draw); 60% of the sources
 * come from the target's own top-level group. Sources are never the target.
 */
export function makeAuthLog({ meta }, count, seed = SEED) {
  const rand = mulberry32(seed ^ hash(meta.name) ^ 0x10c);
  const int = (n) => Math.floor(rand() * n);
  const { paths } = meta;
  const top = (path) => path.slice(0, path.indexOf("/"));
  const byTop = new Map();
  for (let i = 0; i < paths.length; i++) {
    const group = top(paths[i]);
    if (!byTop.has(group)) byTop.set(group, []);
    byTop.get(group).push(i);
  }
  const hubs = Array.from({ length: 20 }, () => int(paths.length));
  const log = new Array(count);
  for (let n = 0; n < count; n++) {
    const t = rand() < 0.3 ? hubs[int(hubs.length)] : Math.floor(rand() * rand() * paths.length);
    let s;
    do {
      const local = byTop.get(top(paths[t]));
      s = rand() < 0.6 ? local[int(local.length)] : int(paths.length);
    } while (s === t);
    const day = String(1 + int(30)).padStart(2, "0");
    log[n] = { source: paths[s], target: paths[t], lastAuthorizedAt: `2025-10-${day}T${String(int(24)).padStart(2, "0")}:00:00Z` };
  }
  return JSON.parse(JSON.stringify(log));
}

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

// azureMatrix and azureWhatIf (index.d.ts): pipelines of each kind in the config's project × resources
// across projects, every cell the engine's own checkAzureAccess (its trace is the cell's "Why?"), and the
// cells a settings change flips. Nothing here decides access: it asks the engine once per cell, as the
// GitLab matrix asks GitlabPolicy, so it is JavaScript (in the module the same code cost 4.6 KB of
// gzipped wasm). Copied to pkg/ by `make pkg`; api.js re-exports it. docs/azure-rules.md "Matrix and what-if".

import * as glue from "./job_token_scope.js";
import { VALUE_CALL, guarded } from "./door.js";
import { codedError } from "./coded.js";

const resolve = guarded(VALUE_CALL, glue.resolveAzureScope);
const check = guarded(VALUE_CALL, glue.checkAzureAccess);

const KINDS = ["yaml", "classic-build", "classic-release"];
/** Grant keys → resource kinds, in the order a column list takes them. */
const GRANT_KINDS = [
  ["repositories", "repository"], ["feeds", "feed"], ["artifacts", "artifact"], ["workItems", "workitem"], ["pipelines", "pipeline"],
];

/**
 * @param {string} path
 * @param {string} message
 */
function invalid(path, message) {
  return codedError("invalid_input", path, message);
}

/** The engine's error, located inside an argument or option: `draft: project.name: empty name`. */
function inside(where, error) {
  const code = error instanceof Error ? /** @type {Error & { code?: unknown }} */ (error).code : undefined;
  if (code !== "invalid_input" && code !== "unknown_project" && code !== "unsupported_version") return error;
  return codedError(code, where, /** @type {Error} */ (error).message);
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const own = (object, key) => (isObject(object) && Object.hasOwn(object, key) ? object[key] : undefined);
const list = (value) => (Array.isArray(value) ? value : []);

/** Names compare as the engine compares them: trimmed, ASCII letters folded. */
const fold = (name) => String(name).trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
const sameName = (a, b) => fold(a) === fold(b);

function kindOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The options, checked as the engine checks its inputs (unknown keys refused). */
function readOptions(options) {
  if (options === undefined || options === null) return {};
  if (!isObject(options)) throw invalid("options", `expected matrix options: { "resources"?, "kinds"? }, found ${kindOf(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== "resources" && key !== "kinds") {
      throw invalid(`options.${key}`, `unknown field \`${key}\`, expected one of \`resources\`, \`kinds\``);
    }
  }
  const out = {};
  for (const key of ["resources", "kinds"]) {
    const value = options[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) throw invalid(`options.${key}`, `expected an array, found ${kindOf(value)}`);
    out[key] = value;
  }
  out.kinds?.forEach((kind, i) => {
    if (!KINDS.includes(kind)) {
      const found = typeof kind === "string" ? `unknown variant \`${kind}\`, expected one of ${KINDS.map((k) => `\`${k}\``).join(", ")}` : `expected a string, found ${kindOf(kind)}`;
      throw invalid(`options.kinds[${i}]`, found);
    }
  });
  return out;
}

/** The config with a pipeline of `kind`: a classic build keeps the Options-tab scope, the others have none. */
function ofKind(config, kind) {
  const pipeline = { ...config.pipeline, kind };
  if (kind !== "classic-build") delete pipeline.buildJobAuthorizationScope;
  return { ...config, pipeline };
}

/**
 * The default columns of `configs` (both configs of a what-if): for the pipeline's project and every
 * project the config names (organization.projects, grants, references), the repository named like the
 * project (the pipeline's own: selfRepository), every resource a grant names and every referenced
 * repository, each read and written; project by project in the order first named.
 */
function derivedResources(configs) {
  const projects = [];
  const names = [];
  const note = (kind, project, name) => {
    if (typeof project !== "string" || typeof name !== "string") return;
    let known = projects.find((p) => sameName(p, project));
    if (known === undefined) {
      known = project.trim();
      projects.push(known);
    }
    if (name.trim() === "") return;
    if (!names.some((n) => n.kind === kind && sameName(n.project, known) && sameName(n.name, name))) {
      names.push({ kind, project: known, name: name.trim() });
    }
  };
  for (const config of configs) {
    const ownProject = own(own(config, "project"), "name");
    const pipeline = own(config, "pipeline");
    note("repository", ownProject, own(pipeline, "selfRepository") ?? ownProject);
    for (const other of list(own(own(config, "organization"), "projects"))) note("repository", own(other, "name"), own(other, "name"));
    for (const grant of list(own(config, "grants"))) {
      const project = own(grant, "project");
      note("repository", project, project);
      for (const [key, kind] of GRANT_KINDS) {
        const granted = own(grant, key);
        if (isObject(granted)) for (const name of Object.keys(granted)) note(kind, project, name);
      }
    }
    for (const reference of list(own(pipeline, "repositories"))) {
      if (typeof reference !== "string") continue;
      const slash = reference.indexOf("/");
      const [project, repo] = [reference.slice(0, slash), reference.slice(slash + 1)];
      if (slash > 0 && project.trim() !== "" && !repo.includes("/")) note("repository", project, repo);
    }
  }
  const columns = [];
  for (const project of projects) {
    for (const { kind, name } of names.filter((n) => n.project === project)) {
      for (const action of ["read", "write"]) columns.push({ kind, project, name, action });
    }
  }
  return columns;
}

/** Rows (one per kind) × columns, each cell the engine's decision; `given`: columns came from options. */
function matrixOf(config, kinds, columns, given) {
  const rows = [];
  const cells = [];
  for (const kind of kinds) {
    const pipeline = ofKind(config, kind);
    const token = resolve(pipeline);
    rows.push({ kind, scope: token.scope, identity: token.identity, identityExists: token.identityExists, repositories: token.repositories });
    cells.push(columns.map((resource, i) => {
      try {
        return check(pipeline, resource);
      } catch (error) {
        throw given ? inside(`options.resources[${i}]`, error) : error;
      }
    }));
  }
  return { rows, columns, cells };
}

/** index.d.ts `azureMatrix`. */
export function azureMatrix(config, options) {
  resolve(config); // a bad config throws the engine's own error, as checkAzureAccess would
  const { kinds = KINDS, resources } = readOptions(options);
  return matrixOf(config, kinds, resources ?? derivedResources([config]), resources !== undefined);
}

/** index.d.ts `azureWhatIf`. */
export function azureWhatIf(config, draft, options) {
  resolve(config);
  try {
    resolve(draft);
  } catch (error) {
    throw inside("draft", error);
  }
  const { kinds = KINDS, resources } = readOptions(options);
  const columns = resources ?? derivedResources([config, draft]);
  const given = resources !== undefined;
  const before = matrixOf(config, kinds, columns, given);
  const after = matrixOf(draft, kinds, columns, given);
  const flips = [];
  before.cells.forEach((row, r) => row.forEach((was, c) => {
    const now = after.cells[r][c];
    if (was.allowed === now.allowed) return;
    flips.push({
      row: r,
      column: c,
      kind: before.rows[r].kind,
      resource: columns[c],
      change: now.allowed ? "opens" : "breaks",
      before: { allowed: was.allowed, reason: was.reason },
      after: { allowed: now.allowed, reason: now.reason },
    });
  }));
  return { before, after, flips };
}

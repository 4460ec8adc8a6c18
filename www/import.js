// @ts-check
// Import: translates API JSON into the simulator's scenario (GitLab world / Azure config) — data
// translation only, no access rule. It never touches the DOM or the engine, so tests/e2e/import.test.mjs
// runs it directly in Node; the page then validates the result with the engine before using it.
//
// Every function works on a copy: the caller's world or config is never modified, and an error leaves
// nothing half-imported. Errors are `ImportError`s that say WHERE: a JSON position (line, column) or the
// field path inside the file (`allowlist[2].path_with_namespace`).
//
// Formats:
// - GitLab REST, one response per file for one project (the user names the project):
//   `GET /projects/:id/job_token_scope`            → `{ "inbound_enabled": bool, "outbound_enabled": bool }`
//   `GET /projects/:id/job_token_scope/allowlist`  → `[{ "path_with_namespace": "acme/ci", ... }]`
//   `GET /projects/:id/job_token_scope/groups_allowlist` → `[{ "full_path": "acme/tools", ... }]`
//   (a `visibility` in either list is kept: a project's on the project, a group's in the world's `groups`)
// - GitLab combined (this page's own): `{ "project", "job_token_scope"?, "allowlist"?, "groups_allowlist"? }`
//   or an array of those.
// - GitLab's job token authentication log: the GraphQL answer to
//   `project(fullPath:) { fullPath ciJobTokenAuthLogs { nodes { originProject { fullPath } lastAuthorizedAt } } }`
//   (several projects: aliases, `projects(fullPaths:) { nodes }`, an array of answers, or several files), or
//   `{ source, target, lastAuthorizedAt }` entries. Read by the engine (planGitlabEnforcement), kept in the
//   scenario's `gitlab.log`, each project's log replacing the one the scenario had.
// - The scenario file of `job-token-scope fetch`: `{ world, log, fetch }`.
// - Azure DevOps files, read by the package (`azureImportKind`, `importAzureSettings`): pipeline general
//   settings (`_apis/build/generalsettings`), the organization's and the project's Pipelines › Settings page
//   data, a build definition. Their patch is deep-merged into a copy of the config, which the engine then
//   validates. The package is passed in (`options.api`): this module still imports nothing.
// - A scenario exported by this page (`{ "format": "job-token-scope-scenario", ... }`).

/** The marker of a scenario file exported by the simulator. */
export const SCENARIO_FORMAT = "job-token-scope-scenario";

/** File kinds `importText` understands (`auto` detects one of the others). */
export const KINDS = {
  auto: "Detect from the content",
  "gitlab-scope": "GitLab: GET /projects/:id/job_token_scope",
  "gitlab-allowlist": "GitLab: GET /projects/:id/job_token_scope/allowlist",
  "gitlab-groups-allowlist": "GitLab: GET /projects/:id/job_token_scope/groups_allowlist",
  "gitlab-combined": "GitLab: combined file { project, job_token_scope, allowlist, groups_allowlist }",
  "gitlab-auth-log": "GitLab: authentication log (GraphQL ciJobTokenAuthLogs answer, or { source, target } entries)",
  "gitlab-fetch": "GitLab: a scenario file of job-token-scope fetch { world, log, fetch }",
  "azure-general-settings": "Azure DevOps: pipeline general settings (_apis/build/generalsettings)",
  "azure-organization-settings": "Azure DevOps: Organization settings › Pipelines › Settings (the page's data)",
  "azure-project-settings": "Azure DevOps: Project settings › Pipelines › Settings (the page's data)",
  "azure-build-definition": "Azure DevOps: build definition (_apis/build/definitions/{id})",
  scenario: "Scenario exported by this page",
};

/** This page's Azure file kinds → the package's AzureImportKind. */
export const AZURE_KINDS = {
  "azure-general-settings": "general-settings",
  "azure-organization-settings": "organization-settings",
  "azure-project-settings": "project-settings",
  "azure-build-definition": "build-definition",
};

const COMBINED_KEYS = ["project", "job_token_scope", "allowlist", "groups_allowlist"];
const SCOPE_FIELDS = { inbound_enabled: "enabled", outbound_enabled: "enabled" };

/** An import failure with its location: `where` is "line L, column C" or a field path (or ""). */
export class ImportError extends Error {
  constructor(where, message, extra = {}) {
    super(where ? `${where}: ${message}` : message);
    this.name = "ImportError";
    this.where = where;
    this.detail = message;
    Object.assign(this, extra);
  }
}

// ───────────────────────────── JSON with error positions ─────────────────────────────

/** 1-based line and column of offset `position` in `text`. */
export function lineColumn(text, position) {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return { line, column };
}

/**
 * Finds the first syntax error of `text` as JSON: `{ position, message }`, or null when it is valid.
 * (Browsers word JSON.parse errors differently and not all give a position; this scanner always does.)
 */
export function locateJsonError(text) {
  let i = 0;
  const fail = (message, at = i) => {
    throw { position: Math.min(at, text.length), message };
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const describe = () => {
    if (i >= text.length) return "the end of the input";
    const c = text[i];
    return c === "'" ? `"'"` : c < " " ? `character U+${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}` : `'${c}'`;
  };
  const literal = (word) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describe()}`);
  };
  const string = () => {
    i++; // opening quote
    while (true) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape in string");
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail("bad escape in string");
      } else if (c < " ") fail("control character in string (write it as an escape)");
      else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${describe()}`);
    i += m[0].length;
  };
  const value = (depth) => {
    if (depth > 512) fail("nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      while (true) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        string();
        ws();
        if (text[i] !== ":") fail(`expected ':' after the property name, found ${describe()}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected ',' or '}' after a property value, found ${describe()}`);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      while (true) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected ',' or ']' after an array element, found ${describe()}`);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    fail(`unexpected ${describe()}, expected a JSON value`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
    return null;
  } catch (err) {
    if (err && typeof err.position === "number") return err;
    throw err;
  }
}

/** The line `line` of `text` (at most 100 characters around `column`) and a caret under the column. */
function excerpt(text, line, column) {
  const full = text.split("\n")[line - 1].replace(/\r$/, "").replace(/\t/g, " ");
  const start = Math.max(0, column - 60);
  const shown = full.slice(start, start + 100);
  return `${shown}\n${" ".repeat(column - 1 - start)}^`;
}

/** JSON.parse with a located error: throws ImportError("line L, column C", message). */
export function parseJson(text) {
  if (typeof text !== "string" || text.trim() === "") throw new ImportError("", "the file is empty");
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 byte order mark
  try {
    return JSON.parse(clean);
  } catch (native) {
    const found = locateJsonError(clean) ?? { position: 0, message: native.message };
    const { line, column } = lineColumn(clean, found.position);
    throw new ImportError(`line ${line}, column ${column}`, `invalid JSON: ${found.message}`, {
      line, column, position: found.position, excerpt: excerpt(clean, line, column),
    });
  }
}

// ───────────────────────────── detection ─────────────────────────────

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The kind of an already parsed file, or null when it cannot tell (an empty array, say). An exported
 * scenario first; then the package's `azureImportKind` (when `api` is given), before any GitLab guess:
 * a build definition has a `project` too; then the GitLab responses.
 * @param {any} value @param {{ azureImportKind: (file: unknown) => string | null }} [api]
 */
export function detectKind(value, api) {
  if (isObject(value) && value.format === SCENARIO_FORMAT) return "scenario";
  if (isObject(value) && isObject(value.world) && Array.isArray(value.log) && isObject(value.fetch)) return "gitlab-fetch";
  const azure = api?.azureImportKind(value);
  if (azure) return `azure-${azure}`;
  if (isAuthLog(value)) return "gitlab-auth-log";
  if (isObject(value)) {
    if ("project" in value) return "gitlab-combined";
    if ("inbound_enabled" in value || "outbound_enabled" in value) return "gitlab-scope";
    return null;
  }
  if (Array.isArray(value) && value.length > 0) {
    const first = value[0];
    if (isObject(first)) {
      if ("project" in first) return "gitlab-combined";
      if ("path_with_namespace" in first) return "gitlab-allowlist";
      if ("full_path" in first) return "gitlab-groups-allowlist";
    }
  }
  return null;
}

/**
 * A GraphQL answer (the only one this page reads is the authentication log's), a project with its
 * ciJobTokenAuthLogs, a log entry, or an array of those. @param {any} value
 */
function isAuthLog(value) {
  const one = (/** @type {any} */ v) => isObject(v) && (
    ("ciJobTokenAuthLogs" in v) || ("source" in v && "target" in v) || ("data" in v && (v.data === null || isObject(v.data))));
  return Array.isArray(value) ? value.length > 0 && one(value[0]) : one(value);
}

// ───────────────────────────── GitLab ─────────────────────────────

const clone = (v) => (v === undefined ? undefined : structuredClone(v));
const samePath = (a, b) => a.trim().toLowerCase() === b.trim().toLowerCase();
const entryPath = (e) => (typeof e === "string" ? e : e?.path ?? "");

function expectString(value, where) {
  if (typeof value !== "string") throw new ImportError(where, `expected a string, found ${typeName(value)}`);
  if (value.trim() === "") throw new ImportError(where, "expected a path, found an empty string");
  return value.trim();
}

function typeName(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/** The world's project named `path`, created (private unless `visibility` says) when missing. */
function projectOf(world, path, visibility) {
  let project = world.projects.find((p) => samePath(p.path, path));
  if (!project) {
    project = { path };
    if (visibility) project.visibility = visibility;
    world.projects.push(project);
  }
  return project;
}

const VISIBILITIES = ["private", "internal", "public"];

/** Records a group's visibility in the world's top-level `groups` (who may add it depends on it). */
function groupVisibility(world, path, visibility) {
  const groups = world.groups ?? [];
  const known = groups.find((g) => samePath(g.path, path));
  if (known) known.visibility = visibility;
  else groups.push({ path, visibility });
  world.groups = groups;
}

function readScope(world, projectPath, value, where, notes) {
  if (!isObject(value)) throw new ImportError(where, `expected an object { "inbound_enabled", "outbound_enabled" }, found ${typeName(value)}`);
  const known = Object.keys(value).filter((k) => k in SCOPE_FIELDS);
  if (known.length === 0) throw new ImportError(where, 'neither "inbound_enabled" nor "outbound_enabled" is present');
  for (const key of known) {
    if (typeof value[key] !== "boolean") throw new ImportError(`${join(where, key)}`, `expected true or false, found ${typeName(value[key])}`);
  }
  const ignored = Object.keys(value).filter((k) => !(k in SCOPE_FIELDS));
  if (ignored.length) notes.push(`ignored fields in ${where || "the file"}: ${ignored.join(", ")}`);
  const project = projectOf(world, projectPath);
  if ("inbound_enabled" in value) project.inbound = { ...project.inbound, enabled: value.inbound_enabled };
  if ("outbound_enabled" in value) project.outbound = { ...project.outbound, enabled: value.outbound_enabled };
  notes.push(`${project.path}: job token scope settings`);
}

function readList(world, projectPath, value, where, notes, { field, listKey, noun }) {
  if (!Array.isArray(value)) throw new ImportError(where, `expected an array of ${noun} objects, found ${typeName(value)}`);
  const paths = value.map((item, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(item)) throw new ImportError(at, `expected a ${noun} object, found ${typeName(item)}`);
    if (!(field in item)) throw new ImportError(at, `missing "${field}"`);
    const path = expectString(item[field], join(at, field));
    let visibility;
    if (item.visibility !== undefined) {
      if (!VISIBILITIES.includes(item.visibility)) {
        throw new ImportError(join(at, "visibility"), `expected one of ${VISIBILITIES.join(", ")}, found ${typeName(item.visibility)}`);
      }
      visibility = item.visibility;
    }
    return { path, visibility };
  });
  const project = projectOf(world, projectPath);
  const before = project.inbound?.[listKey] ?? [];
  const entries = [];
  let self = false;
  for (const { path, visibility } of paths) {
    if (listKey === "projects" && samePath(path, project.path)) {
      self = true; // GitLab lists the project itself; the world keeps it implicit
      continue;
    }
    if (listKey === "projects") projectOf(world, path, visibility);
    else if (visibility) groupVisibility(world, path, visibility);
    // keep what the world already says about an entry (fine-grained permissions are not in this API)
    const kept = before.find((e) => samePath(entryPath(e), path));
    entries.push(kept !== undefined ? clone(kept) : listKey === "groups" ? { path } : path);
  }
  project.inbound = { ...project.inbound, [listKey]: entries };
  notes.push(`${project.path}: ${entries.length} ${noun} allowlist entr${entries.length === 1 ? "y" : "ies"}` +
    (self ? " (the project itself, which GitLab lists, stays implicit)" : ""));
}

const join = (where, key) => (where ? `${where}.${key}` : key);

function readCombined(world, value, where, notes) {
  if (!isObject(value)) throw new ImportError(where, `expected an object { "project", ... }, found ${typeName(value)}`);
  for (const key of Object.keys(value)) {
    if (!COMBINED_KEYS.includes(key)) {
      throw new ImportError(join(where, key), `unknown field; expected one of ${COMBINED_KEYS.join(", ")}`);
    }
  }
  if (!("project" in value)) throw new ImportError(where, 'missing "project" (the project path these settings belong to)');
  const project = expectString(value.project, join(where, "project"));
  if ("job_token_scope" in value) readScope(world, project, value.job_token_scope, join(where, "job_token_scope"), notes);
  if ("allowlist" in value) {
    readList(world, project, value.allowlist, join(where, "allowlist"), notes,
      { field: "path_with_namespace", listKey: "projects", noun: "project" });
  }
  if ("groups_allowlist" in value) {
    readList(world, project, value.groups_allowlist, join(where, "groups_allowlist"), notes,
      { field: "full_path", listKey: "groups", noun: "group" });
  }
  projectOf(world, project);
}

/**
 * Merges a parsed GitLab file into a copy of `world`. `options`: `kind` (a GitLab kind of KINDS),
 * `project` (the project path, for single-endpoint files), `replace` (start from no projects, keeping
 * version, instance and users). Returns `{ world, notes }`.
 * @param {any} world @param {any} value
 * @param {{ kind?: string, project?: string, replace?: boolean }} [options]
 */
export function importGitlab(world, value, { kind, project, replace = false } = {}) {
  const next = clone(world) ?? { projects: [] };
  if (replace) next.projects = [];
  next.projects ??= [];
  const notes = [];
  if (kind === "gitlab-combined") {
    if (Array.isArray(value)) value.forEach((item, i) => readCombined(next, item, `[${i}]`, notes));
    else readCombined(next, value, "", notes);
    return { world: next, notes };
  }
  if (typeof project !== "string" || project.trim() === "") {
    throw new ImportError("project path", "give the path of the project this file was read from (e.g. acme/api)");
  }
  const path = project.trim().replace(/^\/+|\/+$/g, "");
  if (kind === "gitlab-scope") readScope(next, path, value, "", notes);
  else if (kind === "gitlab-allowlist") {
    readList(next, path, value, "", notes, { field: "path_with_namespace", listKey: "projects", noun: "project" });
  } else if (kind === "gitlab-groups-allowlist") {
    readList(next, path, value, "", notes, { field: "full_path", listKey: "groups", noun: "group" });
  } else throw new ImportError("", `not a GitLab file kind: ${kind}`);
  return { world: next, notes };
}

// ───────────────────────────── GitLab's authentication log ─────────────────────────────

/**
 * The log items of a file, each with where it is in the file: GraphQL answers are opened (`data`, each
 * aliased project, `projects { nodes }`), everything else is an item for the engine to read.
 * @param {any} value @param {string} where @param {{ item: any, where: string }[]} out
 */
function authLogItems(value, where, out) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => authLogItems(v, `${where}[${i}]`, out));
    return out;
  }
  if (isObject(value) && Array.isArray(value.errors) && value.errors.length) {
    throw new ImportError(join(where, "errors[0].message"), `GitLab answered with an error: ${String(value.errors[0]?.message ?? JSON.stringify(value.errors[0]))}`);
  }
  if (isObject(value) && "data" in value && !("ciJobTokenAuthLogs" in value)) {
    const at = join(where, "data");
    if (!isObject(value.data)) throw new ImportError(at, `expected the GraphQL answer's data object, found ${typeName(value.data)}`);
    const keys = Object.keys(value.data);
    if (!keys.length) throw new ImportError(at, "no project in this answer");
    for (const key of keys) {
      const project = value.data[key];
      if (project === null) throw new ImportError(join(at, key), "null: GitLab found no such project, or the token cannot see its log (it needs the Maintainer role)");
      if (isObject(project) && Array.isArray(project.nodes) && !("ciJobTokenAuthLogs" in project)) {
        project.nodes.forEach((node, i) => authLogItems(node, `${join(at, key)}.nodes[${i}]`, out));
      } else authLogItems(project, join(at, key), out);
    }
    return out;
  }
  out.push({ item: value, where });
  return out;
}

/** The project an item logs uses of (a GraphQL project's fullPath, an entry's target). @param {any} item */
const logTarget = (item) => String(item?.fullPath ?? item?.target ?? "");

/**
 * A log item as the scenario keeps it: a GraphQL project reduced to what the engine reads (`fullPath`,
 * each node's `originProject.fullPath` and `lastAuthorizedAt`), an entry as it is.
 * @param {any} item
 */
function compactLogItem(item) {
  if (!("ciJobTokenAuthLogs" in item)) return clone(item);
  return {
    fullPath: item.fullPath,
    ciJobTokenAuthLogs: { nodes: item.ciJobTokenAuthLogs.nodes.map((/** @type {any} */ n) => {
      /** @type {any} */
      const node = { originProject: { fullPath: n.originProject.fullPath } };
      if (n.lastAuthorizedAt !== undefined && n.lastAuthorizedAt !== null) node.lastAuthorizedAt = n.lastAuthorizedAt;
      return node;
    }) },
  };
}

/**
 * Reads an authentication log file into a copy of `log`: the engine reads the items first
 * (planGitlabEnforcement, planning nothing: a malformed item is `invalid_input` at its place, which is
 * given as its place in the file); each logged project's items then replace the ones `log` had for it.
 * Returns `{ log, notes }`; throws ImportError.
 * @param {any} world @param {any[] | undefined} log @param {any} value @param {{ api: any }} options
 */
export function importAuthLog(world, log, value, { api }) {
  if (!api) throw new ImportError("", "reading an authentication log needs the package (planGitlabEnforcement)");
  const items = authLogItems(value, "", []);
  if (!items.length) throw new ImportError("", "no authentication log in this file");
  try {
    api.planGitlabEnforcement(world, items.map((x) => x.item), { projects: [] });
  } catch (err) {
    const m = /^log\[(\d+)\]([^\s:]*): ([\s\S]*)$/.exec(String(/** @type {any} */ (err)?.message));
    if (m) throw new ImportError(`${items[Number(m[1])].where}${m[2]}`.replace(/^\./, "") || "the file", m[3], { code: /** @type {any} */ (err).code });
    // not the log's fault (the world's release has no allowlist, say): the readiness view says it
  }
  const targets = new Map();
  for (const { item } of items) {
    const target = logTarget(item);
    const uses = "ciJobTokenAuthLogs" in item ? item.ciJobTokenAuthLogs.nodes.length : 1;
    targets.set(target.toLowerCase(), { target, uses: (targets.get(target.toLowerCase())?.uses ?? 0) + uses });
  }
  const kept = (log ?? []).filter((item) => !targets.has(logTarget(item).toLowerCase()));
  const replaced = (log ?? []).length - kept.length;
  const notes = [...targets.values()].map(({ target, uses }) => `${target}: ${uses} logged use${uses === 1 ? "" : "s"}`);
  if (replaced) notes.push(`replaced ${replaced} log item${replaced === 1 ? "" : "s"} of the same project${targets.size === 1 ? "" : "s"}`);
  return { log: [...kept.map(clone), ...items.map((x) => compactLogItem(x.item))], notes };
}

// ───────────────────────────── Azure ─────────────────────────────

/**
 * Deep-merges `patch` into `target` (changed in place, and returned): objects key by key, `null` deletes
 * the key, anything else replaces it. (The merge importAzureSettings' patch asks for, index.d.ts.)
 * @param {any} target @param {any} patch
 */
export function mergePatch(target, patch) {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key];
    else if (isObject(value)) target[key] = mergePatch(isObject(target[key]) ? target[key] : {}, value);
    else target[key] = clone(value);
  }
  return target;
}

/** The package's error (`path: message`, with a code) as an ImportError at that path. @param {any} err */
function located(err) {
  if (!err?.code) return err;
  const m = /^([^\s:]+): ([\s\S]*)$/.exec(String(err.message));
  return m ? new ImportError(m[1], m[2], { code: err.code }) : new ImportError("", String(err.message), { code: err.code });
}

/**
 * Reads an Azure DevOps file with the package (`importAzureSettings`: the file's kind, the level general
 * settings go to, the config's product) and merges its patch into a copy of `config`; the engine then
 * validates the copy (`validateAzureConfig`), whose problems join the package's notes. Returns
 * `{ config, kind, notes }`; throws ImportError.
 * @param {any} config @param {any} value
 * @param {{ api: any, kind?: string, level?: string }} options
 */
export function importAzure(config, value, { api, kind = "auto", level = "project" }) {
  if (!api) throw new ImportError("", "reading an Azure DevOps file needs the package (importAzureSettings)");
  if (level !== "organization" && level !== "project") throw new ImportError("level", `expected organization or project, found ${level}`);
  const next = clone(config);
  let imported;
  let problems;
  try {
    imported = api.importAzureSettings(value, { kind: AZURE_KINDS[kind] ?? kind, level, product: next.product ?? "services" });
    mergePatch(next, imported.patch);
    problems = api.validateAzureConfig(next);
  } catch (err) {
    throw located(err);
  }
  const notes = [...imported.notes, ...problems.map((p) => `problem ${p.code} at ${p.path}: ${p.message}`)];
  return { config: next, kind: `azure-${imported.kind}`, notes };
}

// ───────────────────────────── whole files ─────────────────────────────

/**
 * Reads one file's text into a copy of `scenario` (`{ gitlab: { world }, azure: { config }, ... }`).
 * `options`: `kind` (default "auto"), `project`, `level`, `replace`, `api` (the package, for Azure files).
 * Returns `{ scenario, kind, platform: "gitlab"|"azure"|"both", notes }`; throws ImportError.
 * @param {any} scenario @param {string} text
 * @param {{ kind?: string, project?: string, level?: string, replace?: boolean, api?: any }} [options]
 */
export function importText(scenario, text, options = {}) {
  const value = parseJson(text);
  let kind = options.kind ?? "auto";
  if (kind === "auto") {
    kind = detectKind(value, options.api);
    if (!kind) {
      throw new ImportError("", Array.isArray(value) && value.length === 0
        ? "an empty array: choose which GitLab allowlist it is (projects or groups) under \"File kind\""
        : "not a file this page knows: choose its kind under \"File kind\"");
    }
  }
  if (!(kind in KINDS) || kind === "auto") throw new ImportError("", `unknown file kind ${kind}`);
  const next = clone(scenario);
  if (kind === "scenario") {
    return { scenario: readScenario(value), kind, platform: "both", notes: ["the whole scenario was replaced"] };
  }
  if (kind === "gitlab-auth-log") {
    const { log, notes } = importAuthLog(next.gitlab.world, next.gitlab.log, value, { api: options.api });
    next.gitlab = { ...next.gitlab, log };
    return { scenario: next, kind, platform: "gitlab", notes };
  }
  if (kind === "gitlab-fetch") {
    if (!isObject(value.world)) throw new ImportError("world", `expected the world object, found ${typeName(value.world)}`);
    if (!Array.isArray(value.log)) throw new ImportError("log", `expected an array of log entries, found ${typeName(value.log)}`);
    const report = isObject(value.fetch) ? value.fetch : {};
    const first = value.world.projects?.[0]?.path;
    next.gitlab = { world: clone(value.world), log: clone(value.log), ui: first ? { project: first } : {} };
    const failures = Array.isArray(report.failures) ? report.failures.length : 0;
    return { scenario: next, kind, platform: "gitlab", notes: [
      `the GitLab part is what job-token-scope fetch read${report.url ? ` from ${report.url}` : ""}${report.gitlabVersion ? ` (GitLab ${report.gitlabVersion})` : ""}${report.fetchedAt ? ` on ${report.fetchedAt}` : ""}: ` +
      `${value.world.projects?.length ?? 0} projects, ${value.log.length} log entries${failures ? `; ${failures} reads had failed` : ""}`,
    ] };
  }
  if (kind in AZURE_KINDS) {
    const { config, notes } = importAzure(next.azure.config, value, { api: options.api, kind, level: options.level });
    next.azure = { ...next.azure, config };
    return { scenario: next, kind, platform: "azure", notes };
  }
  const { world, notes } = importGitlab(next.gitlab.world, value, { ...options, kind });
  next.gitlab = { ...next.gitlab, world };
  return { scenario: next, kind, platform: "gitlab", notes };
}

/** Checks the outer shape of an exported scenario (the engine checks the world and config). */
export function readScenario(value) {
  if (!isObject(value) || value.format !== SCENARIO_FORMAT) {
    throw new ImportError("format", `expected "${SCENARIO_FORMAT}"`);
  }
  if (!isObject(value.gitlab) || !isObject(value.gitlab.world)) throw new ImportError("gitlab.world", "expected an object");
  if (!isObject(value.azure) || !isObject(value.azure.config)) throw new ImportError("azure.config", "expected an object");
  for (const part of ["gitlab", "azure"]) {
    if (value[part].ui !== undefined && !isObject(value[part].ui)) throw new ImportError(`${part}.ui`, "expected an object");
  }
  if (value.view !== undefined && value.view !== "gitlab" && value.view !== "azure") {
    throw new ImportError("view", 'expected "gitlab" or "azure"');
  }
  if (value.gitlab.log !== undefined && !Array.isArray(value.gitlab.log)) throw new ImportError("gitlab.log", "expected an array of authentication log entries");
  /** @type {any} */
  const gitlab = { world: clone(value.gitlab.world), ui: clone(value.gitlab.ui) ?? {} };
  if (value.gitlab.log !== undefined) gitlab.log = clone(value.gitlab.log);
  return {
    format: SCENARIO_FORMAT,
    view: value.view ?? "gitlab",
    gitlab,
    azure: { config: clone(value.azure.config), ui: clone(value.azure.ui) ?? {} },
  };
}

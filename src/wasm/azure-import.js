// importAzureSettings and azureImportKind (index.d.ts): an Azure DevOps file, already parsed, read into a
// patch of an AzureConfig with notes that say what each field became and why the others were left out.
// Plain data translation, no access rule (the caller deep-merges the patch and validates the result with
// the engine), so it is JavaScript: in the module it cost 9 KB of gzipped wasm, mostly its texts. The one
// table it needs from the engine is the products' settings (azureProducts()). Copied to pkg/ by `make pkg`;
// api.js re-exports it. Sources per field: docs/azure-rules.md "Imports".
//
// Files:
// - general-settings: GET {org}/{project}/_apis/build/generalsettings (PipelineGeneralSettings, every
//   field of API 7.1 and 7.2), for the project or, if asked, the organization;
// - organization-settings: Organization settings > Pipelines > Settings as the web UI loads it
//   (_apis/Contribution/HierarchyQuery, dataProviders["ms.vss-build-web.pipelines-org-settings-data-provider"]);
// - project-settings: the project's page (ms.vss-build-web.pipelines-general-settings-data-provider),
//   whose values are { enabled, orgEnabled };
// - build-definition: GET {org}/{project}/_apis/build/definitions/{id}.
// Unknown fields are named in the notes and ignored (responses grow); a known field of the wrong type
// throws invalid_input at its path, as the engine's errors do (`path: message`).

import * as glue from "./job_token_scope.js";
import { STRING_CALL, guarded } from "./door.js";
import { codedError } from "./coded.js";

const products = guarded(STRING_CALL, glue.azureProducts);

export const ORGANIZATION_PROVIDER = "ms.vss-build-web.pipelines-org-settings-data-provider";
export const PROJECT_PROVIDER = "ms.vss-build-web.pipelines-general-settings-data-provider";

const KINDS = ["general-settings", "organization-settings", "project-settings", "build-definition"];

/** Which of the three settings a field sets ("forks" / "other": not imported, and why). */
const NON_RELEASE = "limitJobScopeNonRelease";
const RELEASE = "limitJobScopeRelease";
const PROTECT = "protectRepos";
const LABEL_OF = { [NON_RELEASE]: "nonReleaseSetting", [RELEASE]: "releaseSetting", [PROTECT]: "protectReposSetting" };

/**
 * PipelineGeneralSettings of REST API 7.1 (and disableImpliedYAMLCiTrigger of 7.2), in this order: the
 * field, the setting's text in Pipelines > Settings, and what it means here.
 */
const FIELDS = [
  ["enforceJobAuthScope", "Limit job authorization scope to current project for non-release pipelines", NON_RELEASE],
  ["enforceJobAuthScopeForReleases", "Limit job authorization scope to current project for release pipelines", RELEASE],
  ["enforceReferencedRepoScopedToken", "Protect access to repositories in YAML pipelines", PROTECT],
  ["enforceJobAuthScopeForForks", 'builds of forks get a restricted job access token (off: "Make fork builds have the same permissions as regular builds")', "forks"],
  ["enforceNoAccessToSecretsFromForks", "secrets are not made available to builds of forks", "forks"],
  ["forkProtectionEnabled", "Limit building pull requests from forked GitHub repositories", "forks"],
  ["buildsEnabledForForks", "build pull requests from forked repositories", "forks"],
  ["isCommentRequiredForPullRequest", "Require a team member's comment before building a pull request", "forks"],
  ["requireCommentsForNonTeamMembersOnly", "comments required only from non-team members", "forks"],
  ["requireCommentsForNonTeamMemberAndNonContributors", "comments required from non-team members and non-contributors", "forks"],
  ["enforceSettableVar", "Limit variables that can be set at queue time", "other"],
  ["auditEnforceSettableVar", "audit queue-time variables not marked settable", "other"],
  ["publishPipelineMetadata", "Publish metadata from pipelines", "other"],
  ["statusBadgesArePrivate", "Disable anonymous access to badges", "other"],
  ["disableClassicPipelineCreation", "Disable creation of classic build and classic release pipelines", "other"],
  ["disableClassicBuildPipelineCreation", "Disable creation of classic build pipelines", "other"],
  ["disableClassicReleasePipelineCreation", "Disable creation of classic release pipelines", "other"],
  ["enableShellTasksArgsSanitizing", "Enable shell tasks arguments validation", "other"],
  ["enableShellTasksArgsSanitizingAudit", "audit shell tasks arguments validation", "other"],
  ["disableImpliedYAMLCiTrigger", "Disable implied YAML CI trigger", "other"],
];
const FIELD_NAMES = new Set(FIELDS.map(([field]) => field));

const NOT_A_FILE = "not an Azure DevOps file this import reads: expected pipeline general settings (`_apis/build/generalsettings`: `enforceJobAuthScope`, ...), a build definition (`_apis/build/definitions/{id}`: `process`, `jobAuthorizationScope`, `repository`) or the Settings page's data (`dataProviders`)";

/**
 * @param {"invalid_input" | "unsupported_version"} code
 * @param {string} path
 * @param {string} message
 */
function fail(code, path, message) {
  return codedError(code, path, message);
}
const invalid = (path, message) => fail("invalid_input", path, message);

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const has = (object, key) => isObject(object) && Object.hasOwn(object, key);
/** The value at `key` of an object, `undefined` when absent (own keys only: `__proto__` is a key). */
const get = (object, key) => (has(object, key) ? object[key] : undefined);
const present = (v) => v !== undefined && v !== null;
/** `a.b` below `a`, `b` at the top (the engine's paths). */
const at = (path, key) => (path ? `${path}.${key}` : key);

/** What a value is, for messages (the engine's words). */
function kindOf(value) {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "boolean": return "a boolean";
    case "number": return "a number";
    case "string": return "a string";
    case "object": return "an object";
    default: return `a ${typeof value}`;
  }
}

/** A value in a message: strings and whole numbers as they are, others by kind. */
const describe = (value) =>
  typeof value === "string" ? JSON.stringify(value)
    : Number.isInteger(value) ? String(value)
      : kindOf(value);

function providerOf(file) {
  const found = (key) => has(get(file, "dataProviders"), key) || has(get(file, "dataProviderExceptions"), key);
  if (found(ORGANIZATION_PROVIDER)) return "organization-settings";
  if (found(PROJECT_PROVIDER)) return "project-settings";
  return null;
}

/** The kind `importAzureSettings` would detect, or null. */
export function azureImportKind(file) {
  if (!isObject(file)) return null;
  if (has(file, "dataProviders")) return providerOf(file);
  if (has(file, "process") || has(file, "jobAuthorizationScope") || (has(file, "repository") && has(file, "project"))) {
    return "build-definition";
  }
  if (Object.keys(file).some((key) => FIELD_NAMES.has(key))) return "general-settings";
  return null;
}

/** The options, checked as the engine checks its inputs (unknown keys refused). */
function readOptions(options) {
  if (!present(options)) return {};
  if (!isObject(options)) throw invalid("options", `expected import options: { "kind"?, "level"?, "product"? }, found ${kindOf(options)}`);
  const known = ["kind", "level", "product"];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw invalid(`options.${key}`, `unknown field \`${key}\`, expected one of ${known.map((k) => `\`${k}\``).join(", ")}`);
    }
  }
  const oneOf = (key, values) => {
    const value = options[key];
    if (!present(value)) return undefined;
    if (typeof value !== "string") throw invalid(`options.${key}`, `expected a string, found ${kindOf(value)}`);
    if (!values.includes(value)) {
      throw invalid(`options.${key}`, `unknown variant \`${value}\`, expected one of ${values.map((v) => `\`${v}\``).join(", ")}`);
    }
    return value;
  };
  const kind = oneOf("kind", ["auto", ...KINDS]);
  const level = oneOf("level", ["organization", "project"]);
  let product;
  if (present(options.product)) {
    if (typeof options.product !== "string") throw invalid("options.product", `expected a string, found ${kindOf(options.product)}`);
    const table = products();
    product = table.find((p) => p.id === options.product);
    if (!product) {
      throw fail("unsupported_version", "options.product",
        `unknown product "${options.product}"; expected one of ${table.map((p) => p.id).join(", ")}`);
    }
  }
  return { kind: kind === "auto" ? undefined : kind, level, product };
}

/**
 * Reads an Azure DevOps file into `{ kind, patch, notes }` (index.d.ts AzureImport); throws
 * invalid_input (or unsupported_version for an unknown options.product) naming the field.
 */
export function importAzureSettings(file, options) {
  const { kind: given, level, product } = readOptions(options);
  let kind = given;
  if (kind === undefined) {
    kind = azureImportKind(file);
    if (kind === null) {
      if (has(file, "value") && has(file, "count")) {
        throw invalid("", "a list (`count`, `value`): import one build definition at a time (`GET _apis/build/definitions/{id}`)");
      }
      if (has(file, "dataProviders")) {
        throw invalid("", `\`dataProviders\` holds neither \`${ORGANIZATION_PROVIDER}\` nor \`${PROJECT_PROVIDER}\``);
      }
      throw invalid("", NOT_A_FILE);
    }
  }
  if (!isObject(file)) throw invalid("", `expected an object, found ${kindOf(file)}`);
  const out = { kind, patch: {}, notes: [] };
  if (kind === "general-settings") {
    settings(file, "", level ?? "project", product, out);
  } else if (kind === "build-definition") {
    definition(file, out);
  } else {
    const [provider, own] = kind === "organization-settings"
      ? [ORGANIZATION_PROVIDER, "organization"]
      : [PROJECT_PROVIDER, "project"];
    const here = `dataProviders.${provider}`;
    const data = get(get(file, "dataProviders"), provider);
    if (!present(data)) {
      const message = get(get(get(file, "dataProviderExceptions"), provider), "message");
      throw invalid(here, typeof message === "string"
        ? `the data provider failed: ${message}`
        : "no settings in this answer (the Settings page's data is given only to those who may view the settings)");
    }
    if (!isObject(data)) throw invalid(here, `expected an object, found ${kindOf(data)}`);
    settings(data, here, own, product, out);
    if (level !== undefined && level !== own) {
      out.notes.push(`the data provider's settings are the ${own}'s: the level asked for was not used`);
    }
  }
  return out;
}

/** A setting's value: true/false, or the project page's { enabled, orgEnabled }: [on, organization on]. */
function settingValue(value, path) {
  const expected = 'expected true or false (or { "enabled": true or false })';
  if (typeof value === "boolean") return [value, undefined];
  if (!isObject(value)) throw invalid(path, `${expected}, found ${kindOf(value)}`);
  const enabled = get(value, "enabled");
  if (enabled === undefined) throw invalid(path, `${expected}, found an object without \`enabled\``);
  if (typeof enabled !== "boolean") throw invalid(`${path}.enabled`, `${expected}, found ${kindOf(enabled)}`);
  const organization = get(value, "orgEnabled");
  if (present(organization) && typeof organization !== "boolean") {
    throw invalid(`${path}.orgEnabled`, `expected true or false, found ${kindOf(organization)}`);
  }
  return [enabled, present(organization) ? organization : undefined];
}

function settings(object, path, level, product, out) {
  const patch = {};
  const organization = {};
  const forks = [];
  const other = [];
  // In the table's order, not the file's: the same notes whatever order the keys came in.
  for (const [field, text, meaning] of FIELDS) {
    const value = get(object, field);
    if (!present(value)) continue;
    const [on, organizationOn] = settingValue(value, at(path, field));
    if (meaning === "forks") {
      forks.push(`${field} = ${on} (${text})`);
      continue;
    }
    if (meaning === "other") {
      other.push(`${field} = ${on} (${text})`);
      continue;
    }
    const label = product ? product[LABEL_OF[meaning]] : undefined;
    if (product && label === null) {
      out.notes.push(`${field} = ${on} not imported: ${product.name} has no "${text}" setting`);
      continue;
    }
    patch[meaning] = on;
    out.notes.push(`${level}.${meaning} = ${on} (from ${field}: "${label ?? text}")`);
    if (organizationOn !== undefined) {
      organization[meaning] = organizationOn;
      out.notes.push(`organization.${meaning} = ${organizationOn} (from ${field}.orgEnabled)`);
    }
  }
  if (forks.length) {
    out.notes.push(`not imported, about builds of pull requests from forks (their job access token and secrets), which this model does not cover: ${forks.join("; ")}`);
  }
  if (other.length) out.notes.push(`not imported, not about job authorization scope: ${other.join("; ")}`);
  const unknown = Object.keys(object).filter((key) => !FIELD_NAMES.has(key)).sort();
  if (unknown.length) out.notes.push(`not imported, not a pipeline setting of REST API 7.1 or 7.2: ${unknown.join(", ")}`);
  const found = Object.keys(patch).length > 0;
  const foundOrganization = Object.keys(organization).length > 0;
  if (!found && !foundOrganization) {
    out.notes.push("none of enforceJobAuthScope, enforceJobAuthScopeForReleases, enforceReferencedRepoScopedToken was imported: the config is unchanged");
  }
  if (found) out.patch[level] = patch;
  if (foundOrganization) out.patch.organization = organization;
}

/** An optional string field of `object` (at `path`). */
function optionalString(object, key, path) {
  const value = get(object, key);
  if (!present(value)) return undefined;
  if (typeof value !== "string") throw invalid(at(path, key), `expected a string, found ${kindOf(value)}`);
  return value;
}

/** A build definition: `process.type` 1 is a classic (designer) process, 2 a YAML file. */
function definition(file, out) {
  if (!["process", "jobAuthorizationScope", "repository"].some((key) => has(file, key))) {
    throw invalid("", "no `process`, `jobAuthorizationScope` or `repository`: not a build definition");
  }
  const name = typeof get(file, "name") === "string" ? `build definition "${file.name}"` : "the build definition";
  const process = get(file, "process");
  let yaml;
  if (!present(process)) {
    out.notes.push(`${name} has no \`process\`: taken as a classic (designer) build pipeline`);
    yaml = false;
  } else if (!isObject(process)) {
    throw invalid("process", `expected an object, found ${kindOf(process)}`);
  } else {
    const type = get(process, "type");
    if (type === undefined || type === null) throw invalid("process", "missing field `type`");
    if (type !== 1 && type !== 2) {
      throw invalid("process.type", `expected 1 (a classic, designer process) or 2 (a YAML file), found ${describe(type)}`);
    }
    yaml = type === 2;
  }
  let scope;
  const rest = get(file, "jobAuthorizationScope");
  if (present(rest)) {
    if (typeof rest !== "string") throw invalid("jobAuthorizationScope", `expected a string, found ${kindOf(rest)}`);
    if (rest !== "projectCollection" && rest !== "project") {
      throw invalid("jobAuthorizationScope", `unknown variant \`${rest}\`, expected one of \`projectCollection\`, \`project\``);
    }
    scope = rest === "projectCollection" ? "collection" : "project";
  }
  const pipeline = {};
  if (yaml) {
    pipeline.kind = "yaml";
    pipeline.buildJobAuthorizationScope = null;
    out.notes.push(`${name} is a YAML pipeline: pipeline.kind = yaml`);
    if (scope !== undefined) {
      out.notes.push(`its jobAuthorizationScope (${rest}) is not used: a YAML pipeline's scope comes from the organization and project settings`);
    }
    out.notes.push("the repositories its jobs check out or use are in its YAML file, not in the definition: list them under pipeline.repositories");
  } else {
    pipeline.kind = "classic-build";
    out.notes.push(`${name} is a classic build pipeline: pipeline.kind = classic-build`);
    if (scope !== undefined) {
      pipeline.buildJobAuthorizationScope = scope;
      out.notes.push(`pipeline.buildJobAuthorizationScope = ${scope} (Options tab "Build job authorization scope": ${scope === "collection" ? "Project collection" : "Current project"})`);
    }
  }
  const repository = get(file, "repository");
  if (present(repository)) {
    if (!isObject(repository)) throw invalid("repository", `expected an object, found ${kindOf(repository)}`);
    const type = optionalString(repository, "type", "repository");
    const repo = optionalString(repository, "name", "repository");
    if (type !== undefined && type.toLowerCase() === "tfsgit") {
      if (repo !== undefined) {
        pipeline.selfRepository = repo;
        out.notes.push(`pipeline.selfRepository = ${repo} (its Azure Repos Git repository)`);
      }
    } else if (type !== undefined) {
      out.notes.push(`its repository is of type ${type}, not Azure Repos Git: the job access token's repository rules do not apply to it`);
    }
  }
  const project = get(file, "project");
  if (present(project)) {
    if (!isObject(project)) throw invalid("project", `expected an object, found ${kindOf(project)}`);
    const patch = {};
    const projectName = optionalString(project, "name", "project");
    if (projectName !== undefined) {
      patch.name = projectName;
      out.notes.push(`project.name = ${projectName} (build identities are named after it)`);
    }
    const visibility = get(project, "visibility");
    if (present(visibility)) {
      if (visibility === "private" || visibility === "public") {
        patch.visibility = visibility;
        out.notes.push(`project.visibility = ${visibility}`);
      } else {
        out.notes.push(`project.visibility ${describe(visibility)} not imported: expected private or public`);
      }
    }
    if (Object.keys(patch).length) out.patch.project = patch;
  }
  out.patch.pipeline = pipeline;
}

// Types of the `job-token-scope` package (reference: docs/api.md). Hand-written, checked by `tsc` in `make test`
// (tests/types/usage.ts) and kept next to the binding (src/wasm/mod.rs) it describes.

// ───────────────────────────── shared ─────────────────────────────

/** What a rule did: admitted, denied, or did not apply. */
export type Outcome = "pass" | "fail" | "skip";

/** One rule as it was evaluated. */
export interface TraceStep {
  /** Stable rule name, e.g. `"inbound"`, `"organization_setting"`. */
  step: string;
  outcome: Outcome;
  /** For people: why the rule came out this way. */
  detail: string;
}

/** An answer: allowed or not, a stable reason code, a message for people, every rule evaluated in order. */
export interface Decision<Reason extends string = string> {
  allowed: boolean;
  reason: Reason;
  message: string;
  trace: TraceStep[];
}

/** A setting the platform would refuse or flag. `path` locates it in the input, e.g. `projects[0].inbound.projects[1]`. */
export interface Problem<Code extends string = string> {
  code: Code;
  path: string;
  message: string;
}

/**
 * Thrown for bad input (and only for bad input). `message` says what and where, e.g.
 * `projects[0].inbound.enabeld: unknown field ...`.
 */
export interface JobTokenScopeError extends Error {
  code: "invalid_input" | "unknown_project" | "unsupported_version";
}

// ───────────────────────────── GitLab ─────────────────────────────

export type GitlabVisibility = "private" | "internal" | "public";
export type GitlabRole = "guest" | "planner" | "reporter" | "developer" | "maintainer" | "owner";
export type GitlabResource =
  | "deployments" | "environments" | "jobs" | "packages" | "pipelines" | "releases" | "secure_files" | "terraform_state";
/** A job token permission a request may name; fine-grained policies from 18.3 (`read_work_items` 18.4).
 *  `admin_X` implies `read_X`. `read_containers` / `admin_containers` are deprecated as policies. */
export type GitlabPermission =
  | `read_${GitlabResource}` | `admin_${GitlabResource}`
  | "read_merge_requests" | "read_repositories" | "read_work_items" | "read_containers" | "admin_containers";
/** A fine-grained policy an entry may hold: the permissions, and `admin_repositories` (19.0, Git push). */
export type GitlabPolicyName = GitlabPermission | "admin_repositories";
/** A project feature whose visibility decides what a public or internal project opens to other job tokens. */
export type GitlabFeature = "repository" | "packages" | "containerRegistry" | "builds" | "releases" | "environments";
/** "Everyone with access", "Only project members", or off. */
export type GitlabFeatureAccess = "enabled" | "private" | "disabled";

/** An allowlist entry: a path, or a path with fine-grained permissions (18.3+). */
export type GitlabEntry =
  | string
  | {
      path: string;
      /** Grant everything the user's role allows (default `true`). */
      defaultPermissions?: boolean;
      /** With `defaultPermissions: false`: the only permissions granted. */
      policies?: GitlabPolicyName[];
    };

export interface GitlabProject {
  /** Full path, e.g. `acme/platform/api`; its groups are implied (`acme/platform`, `acme`). Case-insensitive. */
  path: string;
  /** Default `"private"`. */
  visibility?: GitlabVisibility;
  /** Each feature's visibility, default `"enabled"` (Everyone with access). */
  features?: Partial<Record<GitlabFeature, GitlabFeatureAccess>>;
  /** "Limit access to this project" (15.9+) and its allowlist. */
  inbound?: {
    /** Default `true` (new projects since 15.9). */
    enabled?: boolean;
    projects?: GitlabEntry[];
    /** Group entries (17.0+). */
    groups?: GitlabEntry[];
  };
  /** The deprecated outbound "Limit CI_JOB_TOKEN access" (14.1–17.11). */
  outbound?: { enabled?: boolean; projects?: string[] };
}

/** A GitLab instance as far as job tokens care. Unknown keys are an error. */
export interface GitlabWorld {
  /** `"major.minor"` (e.g. `"17.10"`) or `"latest"` (default). Releases up to 19.x. */
  version?: string;
  /** Admin area: enforce inbound allowlists for every project (17.6+; default: on from 18.0). */
  instance?: { enforceInboundScope?: boolean };
  /** Groups with their visibility (who may add them); groups not listed are private. */
  groups?: { path: string; visibility?: GitlabVisibility }[];
  projects: GitlabProject[];
  /** user name → (project or group path → role). Roles are inherited down the group tree. */
  users?: Record<string, Record<string, GitlabRole>>;
}

export interface GitlabRequest {
  /** The project whose job holds the token. */
  source: string;
  /** The project the token is used on. */
  target: string;
  permission?: GitlabPermission;
  /** The user who triggered the job (the token acts as them). */
  user?: string;
}

export type GitlabReason =
  | "same_project" | "inbound_disabled" | "allowlisted_project" | "allowlisted_group" | "no_inbound_check"
  | "anonymous_level" | "public_unrestricted" | "outbound_not_allowlisted" | "not_in_inbound_allowlist"
  | "permission_not_granted" | "no_job_token_permission" | "insufficient_role";

export type GitlabProblemCode =
  | "allowlist_limit_exceeded" | "duplicate_entry" | "self_entry" | "unknown_entry" | "groups_unsupported"
  | "outbound_removed" | "policies_unsupported" | "unknown_policy" | "deprecated_policy"
  | "instance_setting_unsupported";

/** A change to a project's Token Access settings, made by `user`. */
export interface GitlabEdit {
  user: string;
  project: string;
  action: "add" | "remove" | "enable" | "disable" | "setPolicies";
  /** The entry's path (add, remove, setPolicies). */
  entry?: string;
  /** Default `"project"`. */
  kind?: "project" | "group";
  /** Default `"inbound"`; `"outbound"`: the deprecated outbound list (14.1–17.11, projects only). */
  direction?: "inbound" | "outbound";
  /** add / setPolicies: the entry's default-permissions switch. */
  defaultPermissions?: boolean;
  /** add / setPolicies: the entry's policies; names the release's schema refuses are `invalid_policies`. */
  policies?: string[];
}

export type GitlabEditReason =
  | "edit_allowed" | "insufficient_permissions" | "inbound_unsupported" | "outbound_unsupported"
  | "groups_unsupported" | "unknown_entry" | "no_access_to_entry" | "self_entry" | "duplicate_entry"
  | "allowlist_limit_reached" | "invalid_policies" | "policies_unsupported" | "cannot_remove_self"
  | "entry_not_listed" | "enforced_by_instance" | "outbound_additions_removed";

export interface GitlabReach {
  project: string;
  reason: GitlabReason;
}

export interface GitlabScope {
  project: string;
  /** Other projects this project's jobs may authenticate to. */
  reachable: GitlabReach[];
  /** Other projects whose jobs may authenticate to this project. */
  reachableBy: GitlabReach[];
  inboundEnforced: boolean;
  /** Project entries on its inbound allowlist, as counted against the project limit. */
  entries: number;
  /** The release's project limit; `null` before 15.9. */
  limit: number | null;
  /** Group entries, counted against their own limit. */
  groupEntries: number;
  /** The release's group limit; `null` before 17.0. */
  groupLimit: number | null;
}

export interface GitlabCompactEntry {
  path: string;
  defaultPermissions: boolean;
  policies: string[];
}

export interface Compaction {
  projects: GitlabCompactEntry[];
  groups: GitlabCompactEntry[];
  /**
   * Entry → projects it admits that the old allowlist did not, or lets do more than before (18.3+: a
   * policies-only entry merged into one with the default permissions). Every new group entry is a key.
   */
  admitsAlso: Record<string, string[]>;
}

/** One logged cross-project use of a job token: a job of `source` used its token on `target`. */
export interface AuthLogEntry {
  source: string;
  target: string;
  /** When, as GitLab gives it (ISO 8601); kept as text. */
  lastAuthorizedAt?: string | null;
}

/**
 * A project with its job token authentication log, as GitLab's GraphQL API answers
 * `project(fullPath: "acme/api") { fullPath ciJobTokenAuthLogs { nodes { originProject { fullPath } lastAuthorizedAt } } }`
 * (`data.project`): each node is a use of `fullPath` by `originProject`. Other keys than these are refused.
 */
export interface GitlabAuthLogProject {
  fullPath: string;
  ciJobTokenAuthLogs: {
    nodes: {
      originProject: {
        fullPath: string;
        id?: string; name?: string; path?: string; webUrl?: string | null; avatarUrl?: string | null; __typename?: string;
      };
      lastAuthorizedAt?: string | null;
      __typename?: string;
    }[];
    count?: number;
    pageInfo?: unknown;
    __typename?: string;
  };
  id?: string;
  name?: string;
  path?: string;
  __typename?: string;
}

export interface PlanOptions {
  /** The projects to plan (default: every target of the log). */
  projects?: string[];
  /**
   * `"least-privilege"` (default): the allowlists that admit the fewest other projects of the world.
   * `"gitlab"`: what GitLab's auto-populate writes (17.10+).
   */
  strategy?: "least-privilege" | "gitlab";
  /** Most entries a proposal holds, projects and groups together (default: the release's limits, each its own). */
  limit?: number;
}

/** An inbound allowlist: today's entries first, then the new ones in path order. */
export interface GitlabAllowlist {
  projects: GitlabCompactEntry[];
  groups: GitlabCompactEntry[];
}

/** The allowlist GitLab's auto-populate leaves, or today's with the error its compactor raises. */
export interface GitlabAutopopulate extends GitlabAllowlist {
  /** World projects its new entries admit that are neither logged sources nor admitted today. */
  admitsAlso: string[];
  /** GitLab's error; it then adds nothing. */
  error: "CompactionLimitCannotBeAchievedError" | null;
}

export interface GitlabProjectPlan {
  project: string;
  /** Its inbound allowlist is enforced today (its setting or the instance's). */
  enforcedToday: boolean;
  /** Logged uses today's entries do not admit: denied once the allowlist is enforced. */
  breaks: { source: string; lastAuthorizedAt: string | null }[];
  /** Today's entries and those the log needs, within the limits. */
  proposed: GitlabAllowlist;
  /** World projects `proposed` admits that are neither logged sources nor admitted today. */
  admitsAlso: string[];
  /** What GitLab's auto-populate would leave (`null` before 17.10). */
  gitlab: GitlabAutopopulate | null;
}

export interface EnforcementPlan {
  version: string;
  projects: GitlabProjectPlan[];
  /** Log entries naming projects outside the world: reported, never dropped. */
  unknown: { source: string; target: string; lastAuthorizedAt: string | null }[];
  summary: { projects: number; breaking: number; breaks: number };
}

/** May a job in `request.source` use its CI/CD job token against `request.target`? */
export function checkGitlabAccess(world: GitlabWorld, request: GitlabRequest): Decision<GitlabReason>;
/** Every project `project`'s jobs may reach, and every project whose jobs may reach it. */
export function resolveGitlabScope(world: GitlabWorld, project: string): GitlabScope;
/** Settings GitLab would refuse or flag; empty when valid. */
export function validateGitlabWorld(world: GitlabWorld): Problem<GitlabProblemCode>[];
/** `project`'s allowlist brought within `limit` (default: the release's limit) with group entries. */
export function compactGitlabAllowlist(world: GitlabWorld, project: string, limit?: number): Compaction;
/** May `edit.user` make this change? GitLab's own prerequisites and messages. */
export function checkGitlabEdit(world: GitlabWorld, edit: GitlabEdit): Decision<GitlabEditReason>;
/**
 * Before enforcing inbound allowlists: per target project, the logged uses that would break, the allowlist
 * that keeps them working within the limits while admitting the fewest other projects, and GitLab's
 * auto-populate for comparison (docs/enforcement.md).
 */
export function planGitlabEnforcement(
  world: GitlabWorld,
  log: (AuthLogEntry | GitlabAuthLogProject)[],
  options?: PlanOptions,
): EnforcementPlan;

/**
 * A world compiled once for many checks (edge gate, access matrices). Call `free()` when done.
 * Arguments follow the same rules as everywhere: a string with a lone UTF-16 surrogate is refused with
 * `invalid_input`, exactly as `checkGitlabAccess` refuses it (never read as U+FFFD).
 */
export class GitlabPolicy {
  constructor(world: GitlabWorld);
  /** Allowed or not; builds no trace. */
  check(source: string, target: string, permission?: GitlabPermission): boolean;
  /** The full decision with its trace. */
  explain(source: string, target: string, permission?: GitlabPermission): Decision<GitlabReason>;
  /**
   * Releases the compiled world. Afterwards every `check` / `explain` throws an `Error` with `code`
   * `invalid_input` ("this GitlabPolicy was freed"), and a second `free()` does nothing.
   */
  free(): void;
  /**
   * A world given as JSON text — a string, or UTF-8 bytes (a leading byte order mark skipped, as
   * `TextDecoder` does) — parsed inside the module. Decides as `new GitlabPolicy(JSON.parse(text))`,
   * with the same limits and errors. Throws `invalid_input` for text that is not JSON (the message says
   * the line, column and JSON path: `projects[3].inbound: invalid JSON at line 12, column 7: expected
   * ',' or '}', found '"'`), invalid UTF-8 (the byte offset), a text over 128 MiB, an argument that is
   * not a string or a `Uint8Array`; otherwise as the constructor (`invalid_input`, `unsupported_version`).
   */
  static fromJSON(text: string | Uint8Array): GitlabPolicy;
  /**
   * The compiled world as a snapshot: versioned, checksummed bytes that `GitlabPolicy.fromBytes` reads
   * back with no compiling (build it once, at deploy time; load it in every cold isolate). A snapshot
   * is read by the package build whose snapshot format made it (docs/api.md "Snapshots").
   * Throws `invalid_input` after `free()`, or when the module's memory cannot hold the copy.
   */
  toBytes(): Uint8Array;
  /**
   * A world read back from a snapshot of `toBytes` (a `Uint8Array`, or an `ArrayBuffer` holding one),
   * read a chunk at a time: it decides exactly as the world that wrote it.
   * Throws `invalid_input` (at `bytes`) for anything else: another snapshot format, a cut or changed
   * snapshot (a checksum covers every byte), not a Uint8Array; `unsupported_version` if its GitLab
   * release is not one this build models.
   */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): GitlabPolicy;
}

// ───────────────────────────── Azure Pipelines ─────────────────────────────

/** `server`: Azure DevOps Server, the on-premises release after 2022 (no year in its name). */
export type AzureProduct = "services" | "server" | "server-2022" | "server-2020" | "server-2019";
export type AzureVisibility = "private" | "public";
export type AzurePipelineKind = "yaml" | "classic-build" | "classic-release";
export type AzureAction = "read" | "write";
/** resource name → actions granted (`write` implies `read`). */
export type AzurePermissions = Record<string, AzureAction[]>;

export interface AzureConfig {
  /** Default `"services"`. */
  product?: AzureProduct;
  /** Organization settings > Pipelines > Settings. */
  organization: {
    name: string;
    /** "Limit job authorization scope to current project for non-release pipelines" (Server 2020: "… to current project"). */
    limitJobScopeNonRelease?: boolean;
    /** "Limit job authorization scope to current project for release pipelines". */
    limitJobScopeRelease?: boolean;
    /** "Protect access to repositories in YAML pipelines". */
    protectRepos?: boolean;
    /**
     * Other projects of the organization and their visibility (unlisted: private). With repository
     * protection on, reading a repository of a public project needs no reference.
     */
    projects?: Array<{ name: string; visibility?: AzureVisibility }>;
  };
  /** Project settings > Pipelines > Settings; an organization limit locks these on. */
  project: {
    name: string;
    /** Default `"private"`. */
    visibility?: AzureVisibility;
    limitJobScopeNonRelease?: boolean;
    limitJobScopeRelease?: boolean;
    protectRepos?: boolean;
  };
  pipeline: {
    kind: AzurePipelineKind;
    /**
     * Classic build Options tab (default `"project"`, as for new classic pipelines); the REST API's
     * `"projectCollection"` (BuildDefinition.jobAuthorizationScope) is `"collection"`.
     */
    buildJobAuthorizationScope?: "project" | "collection" | "projectCollection";
    /** Repositories referenced by checkout steps or `uses`: `"self"` or `"Project/Repo"`. */
    repositories?: string[];
    /** The pipeline has run once, so its project build identity exists (default `true`). */
    hasRun?: boolean;
    /** The pipeline's own repository, what `self` means (default: the repository named like the project). */
    selfRepository?: string;
  };
  /** Permissions given to a build identity on a project. */
  grants?: Array<{
    /** e.g. `"SpaceGameWeb Build Service (fabrikam-tailspin)"`. */
    identity: string;
    project: string;
    /** "View project-level information". */
    viewProjectInfo?: boolean;
    repositories?: AzurePermissions;
    feeds?: AzurePermissions;
    artifacts?: AzurePermissions;
    workItems?: AzurePermissions;
    pipelines?: AzurePermissions;
  }>;
}

export interface AzureResource {
  kind: "repository" | "feed" | "artifact" | "workitem" | "pipeline";
  project: string;
  name: string;
  action: AzureAction;
}

export interface AzureScope {
  scope: "project" | "collection";
  /** The build service account the job runs as. */
  identity: string;
  /** A project identity exists only after the pipeline's first run. */
  identityExists: boolean;
  repositories: { mode: "referenced" | "all-in-scope"; list: string[] };
  trace: TraceStep[];
}

export type AzureReason =
  | "same_project_default" | "collection_scope" | "granted" | "public_project_isolation" | "scope_is_project"
  | "missing_view_project_info" | "missing_resource_permission" | "repository_not_referenced"
  | "write_not_granted" | "identity_not_created";

export type AzureProblemCode =
  | "locked_by_organization" | "setting_unsupported" | "build_scope_not_applicable" | "identity_not_created"
  | "unknown_identity" | "invalid_repository_reference" | "duplicate_project";

/** Scope, identity and repositories of the pipeline's job access token, with the FAQ steps taken. */
export function resolveAzureScope(config: AzureConfig): AzureScope;
/** May the pipeline's job access token touch `resource`? */
export function checkAzureAccess(config: AzureConfig, resource: AzureResource): Decision<AzureReason>;
/** Settings the product lacks, the organization locks, or that cannot take effect. */
export function validateAzureConfig(config: AzureConfig): Problem<AzureProblemCode>[];

/** What the matrix holds; both optional. */
export interface AzureMatrixOptions {
  /**
   * The columns. Default: for the pipeline's project and every project the config names
   * (`organization.projects`, grants, referenced repositories), the repository named like the project
   * (the pipeline's own: `selfRepository`), every resource a grant names and every referenced
   * repository, each read and written.
   */
  resources?: AzureResource[];
  /** The rows. Default: `["yaml", "classic-build", "classic-release"]`. */
  kinds?: AzurePipelineKind[];
}

/** A row: a pipeline of one kind in the config's project (a classic build keeps the Options-tab scope). */
export interface AzureMatrixRow {
  kind: AzurePipelineKind;
  scope: "project" | "collection";
  identity: string;
  identityExists: boolean;
  repositories: { mode: "referenced" | "all-in-scope"; list: string[] };
}

/** `cells[row][column]` is `checkAzureAccess` of that row's pipeline on that column's resource (trace = Why?). */
export interface AzureMatrix {
  rows: AzureMatrixRow[];
  columns: AzureResource[];
  cells: Decision<AzureReason>[][];
}

/** A cell a settings change flips. */
export interface AzureFlip {
  row: number;
  column: number;
  kind: AzurePipelineKind;
  resource: AzureResource;
  /** `opens`: denied → allowed; `breaks`: allowed → denied. */
  change: "opens" | "breaks";
  before: { allowed: boolean; reason: AzureReason };
  after: { allowed: boolean; reason: AzureReason };
}

/** The applied config's matrix and the draft's, over the same rows and columns, and the flipped cells. */
export interface AzureWhatIf {
  before: AzureMatrix;
  after: AzureMatrix;
  flips: AzureFlip[];
}

/** Pipelines of each kind × resources across projects, every cell a decision with its trace. */
export function azureMatrix(config: AzureConfig, options?: AzureMatrixOptions): AzureMatrix;
/**
 * What a settings change breaks or opens: both configs' matrices (columns: the union of both configs'
 * derived resources, unless given) and every cell whose decision flips. An error in `draft` is the
 * engine's, prefixed `draft: ` (`draft: project.name: empty name`); in a given resource,
 * `options.resources[i]: `.
 */
export function azureWhatIf(config: AzureConfig, draft: AzureConfig, options?: AzureMatrixOptions): AzureWhatIf;

/** The files `importAzureSettings` reads. */
export type AzureImportKind =
  /** `GET {org}/{project}/_apis/build/generalsettings` (every field of API 7.1 and 7.2 recognised). */
  | "general-settings"
  /** Organization settings > Pipelines > Settings as the web UI reads it (`_apis/Contribution/HierarchyQuery`,
   * `dataProviders["ms.vss-build-web.pipelines-org-settings-data-provider"]`). */
  | "organization-settings"
  /** Project settings > Pipelines > Settings (`ms.vss-build-web.pipelines-general-settings-data-provider`). */
  | "project-settings"
  /** `GET {org}/{project}/_apis/build/definitions/{id}`. */
  | "build-definition";

export interface AzureImportOptions {
  /** Default (or `"auto"`): detected, see `azureImportKind`. */
  kind?: AzureImportKind | "auto";
  /** Where general settings go (default `"project"`); the data providers say their own level. */
  level?: "organization" | "project";
  /** The product the file comes from: a setting it does not have is left out (with a note). */
  product?: AzureProduct;
}

type AzureSettingsPatch = {
  limitJobScopeNonRelease?: boolean;
  limitJobScopeRelease?: boolean;
  protectRepos?: boolean;
};

/** What to deep-merge into the config (objects key by key; `null` clears a key), then validate. */
export interface AzureImport {
  kind: AzureImportKind;
  patch: {
    organization?: AzureSettingsPatch;
    project?: AzureSettingsPatch & { name?: string; visibility?: AzureVisibility };
    pipeline?: {
      kind?: "yaml" | "classic-build";
      /** `null`: a YAML pipeline has no Options-tab scope. */
      buildJobAuthorizationScope?: "project" | "collection" | null;
      selfRepository?: string;
    };
  };
  /** For people: what each field became, and what was left out and why. */
  notes: string[];
}

/**
 * Reads an Azure DevOps file (already parsed JSON) into a patch of an `AzureConfig`. A file it does not
 * know, or a known field of the wrong type, throws `invalid_input` naming the field
 * (`dataProviders.ms.vss-build-web.pipelines-org-settings-data-provider.enforceJobAuthScope: ...`).
 */
export function importAzureSettings(file: unknown, options?: AzureImportOptions): AzureImport;
/** The kind `importAzureSettings` would detect, or `null` for a file it does not read. */
export function azureImportKind(file: unknown): AzureImportKind | null;

// ───────────────────────────── reference tables (for UIs and docs) ─────────────────────────────

/** The settings' texts in one release's UI (Settings > CI/CD). */
export interface GitlabLabels {
  section: string;
  /** The inbound setting: a toggle until 17.2, a choice titled so from 17.3. */
  inbound: string;
  /** From 17.3: the choice's two options, unrestricted then allowlist only. */
  inboundChoices: [string, string] | null;
  /** The allowlist's heading. */
  allowlist: string;
  /** The button that adds an entry. */
  add: string;
  /** The outbound toggle (`""` where it does not exist). */
  outbound: string;
}

/** One GitLab release that changed job token scope (the engine's own version table). */
export interface GitlabVersionProfile {
  /** First release with this behaviour, `"major.minor"`. */
  since: string;
  /** What changed, for people. */
  change: string;
  /** The outbound "Limit CI_JOB_TOKEN access" setting exists. */
  outbound: boolean;
  /** Projects can still be added to the outbound list (until 16.0). */
  outboundAdditions: boolean;
  /** The inbound allowlist exists. */
  inbound: boolean;
  /** Most project entries per direction (`null`: no allowlist). */
  projectLimit: number | null;
  /** Most group entries, apart from projects (`null`: no groups). */
  groupLimit: number | null;
  /** Groups may be allowlist entries. */
  groups: boolean;
  /** Public and internal projects open to other job tokens only the features visible to everyone (16.6). */
  publicFeatures: boolean;
  /** The admin setting "Enable and enforce job token allowlist for all projects" exists (17.6). */
  instanceSetting: boolean;
  /** That setting is on by default (18.0). */
  instanceEnforcement: boolean;
  authenticationLog: boolean;
  autopopulate: boolean;
  /** Edit messages say "allowlist" rather than "scope" (17.8). */
  allowlistWording: boolean;
  /** A project may add itself to its allowlist (18.1). */
  selfEntries: boolean;
  /** Entries carry enforced fine-grained permissions (18.3). */
  fineGrained: boolean;
  labels: GitlabLabels;
}

export interface GitlabPermissionInfo {
  name: GitlabPolicyName;
  minimumRole: GitlabRole;
  /** The first release whose schema accepts it as an entry's policy; `null`: deprecated. */
  policySince: string | null;
  /** The feature that opens it to other job tokens on a public or internal project, if any ... */
  publicFeature: GitlabFeature | null;
  /** ... from this release. */
  publicSince: string | null;
}

export interface AzureProductProfile {
  id: AzureProduct;
  name: string;
  /** UI label of `limitJobScopeNonRelease` (`null`: the product has no such setting). */
  nonReleaseSetting: string | null;
  /** UI label of `limitJobScopeRelease`. */
  releaseSetting: string | null;
  /** Classic release pipelines always run with collection scope. */
  releaseAlwaysCollection: boolean;
  /** UI label of `protectRepos`. */
  protectReposSetting: string | null;
  /** The settings a new organization (collection) and its new projects start with. */
  newDefaults: { limitJobScopeNonRelease: boolean; limitJobScopeRelease: boolean; protectRepos: boolean };
}

/** GitLab releases and what each changed, oldest first. */
export function gitlabVersions(): GitlabVersionProfile[];
/** Every fine-grained job token permission with the role it needs. */
export function gitlabPermissions(): GitlabPermissionInfo[];
/** Azure DevOps products and their settings' labels, newest first. */
export function azureProducts(): AzureProductProfile[];

/** The crate's version. */
export function version(): string;

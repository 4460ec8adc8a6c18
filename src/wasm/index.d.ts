// Types of the `job-token-scope` package (SPEC §2). Hand-written, checked by `tsc` in `make test`
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
/** Fine-grained job token permission (GitLab 18.3). `admin_X` implies `read_X`. */
export type GitlabPermission =
  | `read_${GitlabResource}` | `admin_${GitlabResource}`
  | "read_merge_requests" | "read_repositories" | "read_work_items";

/** An allowlist entry: a path, or a path with fine-grained permissions (18.3+). */
export type GitlabEntry =
  | string
  | {
      path: string;
      /** Grant everything the user's role allows (default `true`). */
      defaultPermissions?: boolean;
      /** With `defaultPermissions: false`: the only permissions granted. */
      policies?: GitlabPermission[];
    };

export interface GitlabProject {
  /** Full path, e.g. `acme/platform/api`; its groups are implied (`acme/platform`, `acme`). Case-insensitive. */
  path: string;
  /** Default `"private"`. */
  visibility?: GitlabVisibility;
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
  /** `"major.minor"` (e.g. `"17.10"`) or `"latest"` (default). Releases up to 18.x. */
  version?: string;
  /** Admin area: enforce inbound allowlists for every project (default: on from 18.0). */
  instance?: { enforceInboundScope?: boolean };
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
  | "anonymous_level" | "outbound_not_allowlisted" | "not_in_inbound_allowlist" | "permission_not_granted"
  | "insufficient_role";

export type GitlabProblemCode =
  | "allowlist_limit_exceeded" | "duplicate_entry" | "self_entry" | "unknown_entry" | "groups_unsupported"
  | "outbound_removed" | "policies_unsupported" | "unknown_policy";

/** A change to a project's Token Access settings, made by `user`. */
export interface GitlabEdit {
  user: string;
  project: string;
  action: "add" | "remove" | "enable" | "disable" | "setPolicies";
  /** The entry's path (add, remove, setPolicies). */
  entry?: string;
  /** Default `"project"`. */
  kind?: "project" | "group";
  /** setPolicies: the entry's new default-permissions switch. */
  defaultPermissions?: boolean;
  /** setPolicies: the entry's new policies. */
  policies?: GitlabPermission[];
}

export type GitlabEditReason =
  | "edit_allowed" | "insufficient_permissions" | "inbound_unsupported" | "unknown_entry" | "self_entry"
  | "duplicate_entry" | "groups_unsupported" | "allowlist_limit_reached" | "no_access_to_entry"
  | "policies_unsupported" | "enforced_by_instance" | "entry_not_listed";

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
  /** Entries on its inbound allowlist, as counted against the limit. */
  entries: number;
  /** The release's allowlist limit; `null` before 15.9. */
  limit: number | null;
}

export interface GitlabCompactEntry {
  path: string;
  defaultPermissions: boolean;
  policies: string[];
}

export interface Compaction {
  projects: GitlabCompactEntry[];
  groups: GitlabCompactEntry[];
  /** New group entry → projects it admits that the old allowlist did not. */
  admitsAlso: Record<string, string[]>;
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

/** A world compiled once for many checks (edge gate, access matrices). Call `free()` when done. */
export class GitlabPolicy {
  constructor(world: GitlabWorld);
  /** Allowed or not; builds no trace. */
  check(source: string, target: string, permission?: GitlabPermission): boolean;
  /** The full decision with its trace. */
  explain(source: string, target: string, permission?: GitlabPermission): Decision<GitlabReason>;
  /** Releases the compiled world; the handle cannot be used afterwards. */
  free(): void;
}

// ───────────────────────────── Azure Pipelines ─────────────────────────────

export type AzureProduct = "services" | "server-2022" | "server-2020" | "server-2019";
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
  };
  /** Project settings > Pipelines > Settings; an organization limit locks these on. */
  project: {
    name: string;
    /** Default `"private"`. */
    visibility?: "private" | "public";
    limitJobScopeNonRelease?: boolean;
    limitJobScopeRelease?: boolean;
    protectRepos?: boolean;
  };
  pipeline: {
    kind: "yaml" | "classic-build" | "classic-release";
    /** Classic build Options tab (default `"project"`, as for new classic pipelines). */
    buildJobAuthorizationScope?: "project" | "collection";
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
  | "unknown_identity" | "invalid_repository_reference";

/** Scope, identity and repositories of the pipeline's job access token, with the FAQ steps taken. */
export function resolveAzureScope(config: AzureConfig): AzureScope;
/** May the pipeline's job access token touch `resource`? */
export function checkAzureAccess(config: AzureConfig, resource: AzureResource): Decision<AzureReason>;
/** Settings the product lacks, the organization locks, or that cannot take effect. */
export function validateAzureConfig(config: AzureConfig): Problem<AzureProblemCode>[];

// ───────────────────────────── reference tables (for UIs and docs) ─────────────────────────────

/** One GitLab release that changed job token scope (the engine's own version table). */
export interface GitlabVersionProfile {
  /** First release with this behaviour, `"major.minor"`. */
  since: string;
  /** What changed, for people. */
  change: string;
  /** The outbound "Limit CI_JOB_TOKEN access" setting exists. */
  outbound: boolean;
  /** The inbound allowlist exists. */
  inbound: boolean;
  /** Most allowlist entries (`null`: no allowlist). */
  allowlistLimit: number | null;
  /** Groups may be allowlist entries. */
  groups: boolean;
  /** Instance-wide enforcement is on by default and locks the project toggle. */
  instanceEnforcement: boolean;
  /** Entries carry fine-grained permissions. */
  fineGrained: boolean;
  authenticationLog: boolean;
  autopopulate: boolean;
}

export interface GitlabPermissionInfo {
  name: GitlabPermission;
  minimumRole: GitlabRole;
  /** Open to anyone on a public project (any signed-in user on an internal one). */
  anonymousLevel: boolean;
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
}

/** GitLab releases and what each changed, oldest first. */
export function gitlabVersions(): GitlabVersionProfile[];
/** Every fine-grained job token permission with the role it needs. */
export function gitlabPermissions(): GitlabPermissionInfo[];
/** Azure DevOps products and their settings' labels, newest first. */
export function azureProducts(): AzureProductProfile[];

/** The crate's version. */
export function version(): string;

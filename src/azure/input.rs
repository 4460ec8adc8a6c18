//! The Azure Pipelines input shapes as JSON gives them (README "The Azure Pipelines rules"). Unknown keys are refused.

use crate::value::{boolean, list, map, one_of, string, Fields, FromValue, Path, Reader, Value};
use crate::Error;

/// One pipeline in its organization and project, with the settings and grants that shape its token.
#[derive(Debug, Clone)]
pub struct AzureConfig {
    /// `services` (default), `server-2022`, `server-2020`, `server-2019`.
    pub product: Option<String>,
    pub organization: OrganizationInput,
    pub project: ProjectInput,
    pub pipeline: PipelineInput,
    pub grants: Vec<GrantInput>,
}

/// Organization settings > Pipelines > Settings.
#[derive(Debug, Clone)]
pub struct OrganizationInput {
    pub name: String,
    pub limit_job_scope_non_release: bool,
    pub limit_job_scope_release: bool,
    pub protect_repos: bool,
}

/// Project settings > Pipelines > Settings (unset = off; an organization limit locks it on).
#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub name: String,
    pub visibility: ProjectVisibility,
    pub limit_job_scope_non_release: Option<bool>,
    pub limit_job_scope_release: Option<bool>,
    pub protect_repos: Option<bool>,
}

/// Azure DevOps project visibility.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectVisibility {
    #[default]
    Private,
    Public,
}

/// The pipeline whose jobs get the token.
#[derive(Debug, Clone)]
pub struct PipelineInput {
    pub kind: PipelineKind,
    /// Classic build Options tab "Build job authorization scope"; new classic pipelines default to project.
    pub build_job_authorization_scope: Option<Scope>,
    /// Repositories referenced by checkout steps or `uses`: `self` or `Project/Repo`.
    pub repositories: Vec<String>,
    /// The pipeline has run once, so its project build identity exists.
    pub has_run: Option<bool>,
    /// The pipeline's own repository (what `self` means); default: the repository named like the project.
    pub self_repository: Option<String>,
}

/// YAML, classic build or classic release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineKind {
    Yaml,
    ClassicBuild,
    ClassicRelease,
}

impl PipelineKind {
    pub fn describe(self) -> &'static str {
        match self {
            PipelineKind::Yaml => "YAML pipeline",
            PipelineKind::ClassicBuild => "classic build pipeline",
            PipelineKind::ClassicRelease => "classic release pipeline",
        }
    }
}

/// Job authorization scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Project,
    Collection,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Project => "project",
            Scope::Collection => "collection",
        }
    }
}

/// Permissions given to a build identity in another (or its own) project.
#[derive(Debug, Clone)]
pub struct GrantInput {
    pub identity: String,
    pub project: String,
    /// "View project-level information" on that project.
    pub view_project_info: bool,
    pub repositories: Vec<(String, Vec<Action>)>,
    pub feeds: Vec<(String, Vec<Action>)>,
    pub artifacts: Vec<(String, Vec<Action>)>,
    pub work_items: Vec<(String, Vec<Action>)>,
    pub pipelines: Vec<(String, Vec<Action>)>,
}

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
        }
    }
}

/// A resource a job touches.
#[derive(Debug, Clone)]
pub struct AzureResource {
    pub kind: ResourceKind,
    pub project: String,
    pub name: String,
    pub action: Action,
}

/// What kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Repository,
    Feed,
    Artifact,
    Workitem,
    Pipeline,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Repository => "repository",
            ResourceKind::Feed => "feed",
            ResourceKind::Artifact => "artifact",
            ResourceKind::Workitem => "work item",
            ResourceKind::Pipeline => "pipeline",
        }
    }
}

// ───────── readers ─────────

const PIPELINE_KINDS: &[(&str, PipelineKind)] = &[
    ("yaml", PipelineKind::Yaml),
    ("classic-build", PipelineKind::ClassicBuild),
    ("classic-release", PipelineKind::ClassicRelease),
];
const SCOPES: &[(&str, Scope)] = &[
    ("project", Scope::Project),
    ("collection", Scope::Collection),
];
const ACTIONS: &[(&str, Action)] = &[("read", Action::Read), ("write", Action::Write)];
const RESOURCE_KINDS: &[(&str, ResourceKind)] = &[
    ("repository", ResourceKind::Repository),
    ("feed", ResourceKind::Feed),
    ("artifact", ResourceKind::Artifact),
    ("workitem", ResourceKind::Workitem),
    ("pipeline", ResourceKind::Pipeline),
];

impl FromValue for AzureConfig {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let f = Fields::of(
            value,
            at,
            &["product", "organization", "project", "pipeline", "grants"],
            "an Azure config: an object with \"organization\", \"project\", \"pipeline\" (and optionally \"product\", \"grants\")",
        )?;
        Ok(AzureConfig {
            product: f.optional("product", at, string)?,
            organization: f.required("organization", at, OrganizationInput::from_value)?,
            project: f.required("project", at, ProjectInput::from_value)?,
            pipeline: f.required("pipeline", at, PipelineInput::from_value)?,
            grants: f
                .optional("grants", at, |v, at| list(v, at, GrantInput::from_value))?
                .unwrap_or_default(),
        })
    }
}

impl FromValue for OrganizationInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let f = Fields::of(
            value,
            at,
            &[
                "name",
                "limitJobScopeNonRelease",
                "limitJobScopeRelease",
                "protectRepos",
            ],
            "an object",
        )?;
        Ok(OrganizationInput {
            name: f.required("name", at, string)?,
            limit_job_scope_non_release: f
                .optional("limitJobScopeNonRelease", at, boolean)?
                .unwrap_or(false),
            limit_job_scope_release: f
                .optional("limitJobScopeRelease", at, boolean)?
                .unwrap_or(false),
            protect_repos: f.optional("protectRepos", at, boolean)?.unwrap_or(false),
        })
    }
}

impl FromValue for ProjectInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let f = Fields::of(
            value,
            at,
            &[
                "name",
                "visibility",
                "limitJobScopeNonRelease",
                "limitJobScopeRelease",
                "protectRepos",
            ],
            "an object",
        )?;
        Ok(ProjectInput {
            name: f.required("name", at, string)?,
            visibility: f
                .optional("visibility", at, |v, at| {
                    one_of(
                        v,
                        at,
                        &[
                            ("private", ProjectVisibility::Private),
                            ("public", ProjectVisibility::Public),
                        ],
                    )
                })?
                .unwrap_or_default(),
            limit_job_scope_non_release: f.optional("limitJobScopeNonRelease", at, boolean)?,
            limit_job_scope_release: f.optional("limitJobScopeRelease", at, boolean)?,
            protect_repos: f.optional("protectRepos", at, boolean)?,
        })
    }
}

impl FromValue for PipelineInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let f = Fields::of(
            value,
            at,
            &[
                "kind",
                "buildJobAuthorizationScope",
                "repositories",
                "hasRun",
                "selfRepository",
            ],
            "an object",
        )?;
        Ok(PipelineInput {
            kind: f.required("kind", at, |v, at| one_of(v, at, PIPELINE_KINDS))?,
            build_job_authorization_scope: f.optional(
                "buildJobAuthorizationScope",
                at,
                |v, at| one_of(v, at, SCOPES),
            )?,
            repositories: f
                .optional("repositories", at, |v, at| list(v, at, string))?
                .unwrap_or_default(),
            has_run: f.optional("hasRun", at, boolean)?,
            self_repository: f.optional("selfRepository", at, string)?,
        })
    }
}

impl FromValue for GrantInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let f = Fields::of(
            value,
            at,
            &["identity", "project", "viewProjectInfo", "repositories", "feeds", "artifacts", "workItems", "pipelines"],
            "a grant: { \"identity\", \"project\", \"viewProjectInfo\"?, \"repositories\"?, \"feeds\"?, ... }",
        )?;
        let permissions = |key: &str| -> Result<Vec<(String, Vec<Action>)>, Error> {
            let permissions: Reader<Vec<(String, Vec<Action>)>> =
                |v, at| map(v, at, |v, at| list(v, at, |v, at| one_of(v, at, ACTIONS)));
            Ok(f.optional(key, at, permissions)?.unwrap_or_default())
        };
        Ok(GrantInput {
            identity: f.required("identity", at, string)?,
            project: f.required("project", at, string)?,
            view_project_info: f.optional("viewProjectInfo", at, boolean)?.unwrap_or(false),
            repositories: permissions("repositories")?,
            feeds: permissions("feeds")?,
            artifacts: permissions("artifacts")?,
            work_items: permissions("workItems")?,
            pipelines: permissions("pipelines")?,
        })
    }
}

impl FromValue for AzureResource {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let f = Fields::of(
            value,
            at,
            &["kind", "project", "name", "action"],
            "a resource: { \"kind\", \"project\", \"name\", \"action\" }",
        )?;
        Ok(AzureResource {
            kind: f.required("kind", at, |v, at| one_of(v, at, RESOURCE_KINDS))?,
            project: f.required("project", at, string)?,
            name: f.required("name", at, string)?,
            action: f.required("action", at, |v, at| one_of(v, at, ACTIONS))?,
        })
    }
}

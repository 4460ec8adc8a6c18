//! The Azure Pipelines input shapes as JSON gives them (docs/azure-rules.md). Unknown keys are refused.

use crate::value::{
    boolean, list, map, one_of, optional, required, string, Fields, FromValue, Path, Reader, Shape,
    Value,
};
use crate::Error;

/// One pipeline in its organization and project, with the settings and grants that shape its token.
#[derive(Debug, Clone)]
pub struct AzureConfig {
    /// `services` (default), `server`, `server-2022`, `server-2020`, `server-2019`.
    pub product: Option<String>,
    /// `organization` (required): the organization and its pipeline settings.
    pub organization: OrganizationInput,
    /// `project` (required): the pipeline's project and its pipeline settings.
    pub project: ProjectInput,
    /// `pipeline` (required): the pipeline whose jobs get the token.
    pub pipeline: PipelineInput,
    /// `grants`: permissions given to build identities; default none.
    pub grants: Vec<GrantInput>,
}

/// Organization settings > Pipelines > Settings.
#[derive(Debug, Clone)]
pub struct OrganizationInput {
    /// `name` (required): the organization, as build identities name it.
    pub name: String,
    /// `limitJobScopeNonRelease`: "Limit job authorization scope to current project for non-release
    /// pipelines" (Server 2020: "… to current project"); default off.
    pub limit_job_scope_non_release: bool,
    /// `limitJobScopeRelease`: "Limit job authorization scope to current project for release
    /// pipelines"; default off.
    pub limit_job_scope_release: bool,
    /// `protectRepos`: "Protect access to repositories in YAML pipelines" (Server 2022: "Limit job
    /// authorization scope to referenced Azure DevOps repositories"); default off.
    pub protect_repos: bool,
    /// `projects`: other projects of the organization and their visibility (which ones are public);
    /// default none. Unlisted projects are private.
    pub projects: Vec<OtherProject>,
}

/// Another project of the organization (not the pipeline's).
#[derive(Debug, Clone)]
pub struct OtherProject {
    /// `name` (required): the project, as resources name it.
    pub name: String,
    /// `visibility`: `private` (default) or `public`.
    pub visibility: ProjectVisibility,
}

/// Project settings > Pipelines > Settings (unset = off; an organization limit locks it on).
#[derive(Debug, Clone)]
pub struct ProjectInput {
    /// `name` (required): the project, as build identities and resources name it.
    pub name: String,
    /// `visibility`: `private` (default) or `public`.
    pub visibility: ProjectVisibility,
    /// `limitJobScopeNonRelease`: the project's "Limit job authorization scope to current project for
    /// non-release pipelines".
    pub limit_job_scope_non_release: Option<bool>,
    /// `limitJobScopeRelease`: the project's "Limit job authorization scope to current project for
    /// release pipelines".
    pub limit_job_scope_release: Option<bool>,
    /// `protectRepos`: the project's "Protect access to repositories in YAML pipelines".
    pub protect_repos: Option<bool>,
}

/// Azure DevOps project visibility.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProjectVisibility {
    /// `private` (the default).
    #[default]
    Private,
    /// `public`: its jobs always get project scope and never reach another project.
    Public,
}

/// The pipeline whose jobs get the token.
#[derive(Debug, Clone)]
pub struct PipelineInput {
    /// `kind` (required): `yaml`, `classic-build` or `classic-release`.
    pub kind: PipelineKind,
    /// Classic build Options tab "Build job authorization scope" (`project`, `collection`, or the REST
    /// API's `projectCollection`); new classic pipelines default to project.
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
    /// `yaml`.
    Yaml,
    /// `classic-build`.
    ClassicBuild,
    /// `classic-release`.
    ClassicRelease,
}

impl PipelineKind {
    /// The kind in words, as messages and the trace name it: `classic build pipeline`.
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
    /// `project`: the token runs as `{project} Build Service ({organization})` and reaches its own
    /// project, and others only through grants.
    Project,
    /// `collection`: the token runs as `Project Collection Build Service ({organization})` and reads
    /// the repositories of every project in the organization.
    Collection,
}

impl Scope {
    /// `project` or `collection`.
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
    /// `identity` (required): the build identity, such as `SpaceGameWeb Build Service (fabrikam-tailspin)`.
    pub identity: String,
    /// `project` (required): the project the permissions are granted in.
    pub project: String,
    /// "View project-level information" on that project.
    pub view_project_info: bool,
    /// `repositories`: repository name → actions granted; default none.
    pub repositories: Vec<(String, Vec<Action>)>,
    /// `feeds`: feed name → actions granted; default none.
    pub feeds: Vec<(String, Vec<Action>)>,
    /// `artifacts`: artifact name → actions granted; default none.
    pub artifacts: Vec<(String, Vec<Action>)>,
    /// `workItems`: work item name → actions granted; default none.
    pub work_items: Vec<(String, Vec<Action>)>,
    /// `pipelines`: pipeline name → actions granted; default none.
    pub pipelines: Vec<(String, Vec<Action>)>,
}

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `read`.
    Read,
    /// `write`: a grant of it also allows `read`.
    Write,
}

impl Action {
    /// `read` or `write`.
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
    /// `kind` (required): `repository`, `feed`, `artifact`, `workitem` or `pipeline`.
    pub kind: ResourceKind,
    /// `project` (required): the project it belongs to.
    pub project: String,
    /// `name` (required): its name in that project.
    pub name: String,
    /// `action` (required): `read` or `write`.
    pub action: Action,
}

/// What kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `repository`: a Git repository.
    Repository,
    /// `feed`: an Azure Artifacts feed.
    Feed,
    /// `artifact`.
    Artifact,
    /// `workitem`: a work item.
    Workitem,
    /// `pipeline`.
    Pipeline,
}

impl ResourceKind {
    /// The kind in words, as messages and the trace name it: `work item` for `workitem`.
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
    // The REST API's `BuildDefinition.jobAuthorizationScope` value (BuildAuthorizationScope).
    ("projectCollection", Scope::Collection),
];
const VISIBILITIES: &[(&str, ProjectVisibility)] = &[
    ("private", ProjectVisibility::Private),
    ("public", ProjectVisibility::Public),
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
        const SHAPE: Shape = Shape {
            noun: "an Azure config",
            keys: &[
                optional("product"),
                required("organization"),
                required("project"),
                required("pipeline"),
                optional("grants"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
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
        const SHAPE: Shape = Shape {
            noun: "the organization settings",
            keys: &[
                required("name"),
                optional("limitJobScopeNonRelease"),
                optional("limitJobScopeRelease"),
                optional("protectRepos"),
                optional("projects"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(OrganizationInput {
            name: f.required("name", at, string)?,
            limit_job_scope_non_release: f
                .optional("limitJobScopeNonRelease", at, boolean)?
                .unwrap_or(false),
            limit_job_scope_release: f
                .optional("limitJobScopeRelease", at, boolean)?
                .unwrap_or(false),
            protect_repos: f.optional("protectRepos", at, boolean)?.unwrap_or(false),
            projects: f
                .optional("projects", at, |v, at| {
                    list(v, at, OtherProject::from_value)
                })?
                .unwrap_or_default(),
        })
    }
}

impl FromValue for OtherProject {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a project",
            keys: &[required("name"), optional("visibility")],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(OtherProject {
            name: f.required("name", at, string)?,
            visibility: f
                .optional("visibility", at, |v, at| one_of(v, at, VISIBILITIES))?
                .unwrap_or_default(),
        })
    }
}

impl FromValue for ProjectInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "the project settings",
            keys: &[
                required("name"),
                optional("visibility"),
                optional("limitJobScopeNonRelease"),
                optional("limitJobScopeRelease"),
                optional("protectRepos"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(ProjectInput {
            name: f.required("name", at, string)?,
            visibility: f
                .optional("visibility", at, |v, at| one_of(v, at, VISIBILITIES))?
                .unwrap_or_default(),
            limit_job_scope_non_release: f.optional("limitJobScopeNonRelease", at, boolean)?,
            limit_job_scope_release: f.optional("limitJobScopeRelease", at, boolean)?,
            protect_repos: f.optional("protectRepos", at, boolean)?,
        })
    }
}

impl FromValue for PipelineInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a pipeline",
            keys: &[
                required("kind"),
                optional("buildJobAuthorizationScope"),
                optional("repositories"),
                optional("hasRun"),
                optional("selfRepository"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
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
        const SHAPE: Shape = Shape {
            noun: "a grant",
            keys: &[
                required("identity"),
                required("project"),
                optional("viewProjectInfo"),
                optional("repositories"),
                optional("feeds"),
                optional("artifacts"),
                optional("workItems"),
                optional("pipelines"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
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
        const SHAPE: Shape = Shape {
            noun: "a resource",
            keys: &[
                required("kind"),
                required("project"),
                required("name"),
                required("action"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(AzureResource {
            kind: f.required("kind", at, |v, at| one_of(v, at, RESOURCE_KINDS))?,
            project: f.required("project", at, string)?,
            name: f.required("name", at, string)?,
            action: f.required("action", at, |v, at| one_of(v, at, ACTIONS))?,
        })
    }
}

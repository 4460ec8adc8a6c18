//! The Azure Pipelines input shapes as JSON gives them (SPEC §4). Unknown keys are refused.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One pipeline in its organization and project, with the settings and grants that shape its token.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an Azure config: an object with \"organization\", \"project\", \"pipeline\" (and optionally \"product\", \"grants\")"
)]
pub struct AzureConfig {
    /// `services` (default), `server-2022`, `server-2020`, `server-2019`.
    #[serde(default)]
    pub product: Option<String>,
    pub organization: OrganizationInput,
    pub project: ProjectInput,
    pub pipeline: PipelineInput,
    #[serde(default)]
    pub grants: Vec<GrantInput>,
}

/// Organization settings > Pipelines > Settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OrganizationInput {
    pub name: String,
    #[serde(default)]
    pub limit_job_scope_non_release: bool,
    #[serde(default)]
    pub limit_job_scope_release: bool,
    #[serde(default)]
    pub protect_repos: bool,
}

/// Project settings > Pipelines > Settings (unset = off; an organization limit locks it on).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectInput {
    pub name: String,
    #[serde(default)]
    pub visibility: ProjectVisibility,
    #[serde(default)]
    pub limit_job_scope_non_release: Option<bool>,
    #[serde(default)]
    pub limit_job_scope_release: Option<bool>,
    #[serde(default)]
    pub protect_repos: Option<bool>,
}

/// Azure DevOps project visibility.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectVisibility {
    #[default]
    Private,
    Public,
}

/// The pipeline whose jobs get the token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PipelineInput {
    pub kind: PipelineKind,
    /// Classic build Options tab "Build job authorization scope"; new classic pipelines default to project.
    #[serde(default)]
    pub build_job_authorization_scope: Option<Scope>,
    /// Repositories referenced by checkout steps or `uses`: `self` or `Project/Repo`.
    #[serde(default)]
    pub repositories: Vec<String>,
    /// The pipeline has run once, so its project build identity exists.
    #[serde(default)]
    pub has_run: Option<bool>,
    /// The pipeline's own repository (what `self` means); default: the repository named like the project.
    #[serde(default)]
    pub self_repository: Option<String>,
}

/// YAML, classic build or classic release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrantInput {
    pub identity: String,
    pub project: String,
    /// "View project-level information" on that project.
    #[serde(default)]
    pub view_project_info: bool,
    #[serde(default)]
    pub repositories: BTreeMap<String, Vec<Action>>,
    #[serde(default)]
    pub feeds: BTreeMap<String, Vec<Action>>,
    #[serde(default)]
    pub artifacts: BTreeMap<String, Vec<Action>>,
    #[serde(default)]
    pub work_items: BTreeMap<String, Vec<Action>>,
    #[serde(default)]
    pub pipelines: BTreeMap<String, Vec<Action>>,
}

/// Read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
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
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a resource: { \"kind\", \"project\", \"name\", \"action\" }"
)]
pub struct AzureResource {
    pub kind: ResourceKind,
    pub project: String,
    pub name: String,
    pub action: Action,
}

/// What kind of resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
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

//! Scope resolution: the seed's FAQ trees ("How do I determine the job authorization scope of my YAML /
//! classic build / classic release pipeline?"), the effective build identity, and the repositories the
//! token reaches.

use serde::Serialize;

use super::input::{PipelineKind, ProjectVisibility, Scope};
use super::AzurePipeline;
use crate::decision::{Outcome, Trace, TraceStep};

/// The effective scope and identity of a pipeline's job access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureScope {
    /// The job authorization scope: `project` or `collection`.
    pub scope: Scope,
    /// The build service account the job runs as.
    pub identity: String,
    /// Whether that account exists yet (a project identity appears after the first run).
    pub identity_exists: bool,
    /// The repositories the token reaches.
    pub repositories: RepositoryAccess,
    /// The FAQ steps taken, in order.
    pub trace: Vec<TraceStep>,
}

/// Which repositories the token may reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepositoryAccess {
    /// `referenced`: only `list`; `all-in-scope`: every repository the scope reaches.
    pub mode: &'static str,
    /// In `referenced` mode, the repositories reached: `self` or `Project/Repo`, as the pipeline
    /// references them; empty otherwise.
    pub list: Vec<String>,
}

/// What resolution found, for the access rules.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub scope: Scope,
    pub identity: String,
    pub identity_exists: bool,
    pub repositories: RepositoryAccess,
}

impl AzurePipeline {
    /// Scope, identity and repositories, with the trace of the FAQ steps taken.
    pub fn resolve_scope(&self) -> AzureScope {
        let mut trace = Vec::new();
        let resolved = self.resolve(&mut trace);
        AzureScope {
            scope: resolved.scope,
            identity: resolved.identity,
            identity_exists: resolved.identity_exists,
            repositories: resolved.repositories,
            trace,
        }
    }

    pub(crate) fn resolve<T: Trace>(&self, trace: &mut T) -> Resolved {
        let scope = self.scope(trace);
        let (identity, identity_exists) = self.identity(scope, trace);
        Resolved {
            scope,
            identity,
            identity_exists,
            repositories: self.repositories(trace),
        }
    }

    /// The FAQ tree for this pipeline kind on this product.
    fn scope<T: Trace>(&self, trace: &mut T) -> Scope {
        let (c, p) = (&self.config, self.profile);
        let kind = c.pipeline.kind;
        let project = &c.project.name;
        if c.project.visibility == ProjectVisibility::Public {
            trace.record("public_project", Outcome::Pass, || {
                format!("{project} is a public project: the job authorization scope is always project, regardless of any other settings")
            });
            return Scope::Project;
        }
        trace.record("public_project", Outcome::Skip, || {
            format!("{project} is a private project → check the Pipeline settings")
        });
        if kind == PipelineKind::ClassicRelease && p.release_always_collection {
            trace.record("release_pipeline", Outcome::Pass, || {
                format!(
                    "classic release pipelines in {} run with collection scope",
                    p.name
                )
            });
            return Scope::Collection;
        }
        let (label, organization_on, project_on) = match kind {
            PipelineKind::ClassicRelease => (
                p.release_setting,
                c.organization.limit_job_scope_release,
                c.project.limit_job_scope_release.unwrap_or(false),
            ),
            _ => (
                p.non_release_setting,
                c.organization.limit_job_scope_non_release,
                c.project.limit_job_scope_non_release.unwrap_or(false),
            ),
        };
        if let Some(label) = label {
            if organization_on {
                trace.record("organization_setting", Outcome::Pass, || {
                    format!("Organization settings > Pipelines > Settings: \"{label}\" is enabled → the scope is project")
                });
                return Scope::Project;
            }
            trace.record("organization_setting", Outcome::Skip, || {
                format!("Organization settings > Pipelines > Settings: \"{label}\" is not enabled → check the Project settings")
            });
            if project_on {
                trace.record("project_setting", Outcome::Pass, || {
                    format!("Project settings > Pipelines > Settings: \"{label}\" is enabled → the scope is project")
                });
                return Scope::Project;
            }
            trace.record("project_setting", Outcome::Skip, || {
                let next = if kind == PipelineKind::ClassicBuild {
                    "open the pipeline's Options tab"
                } else {
                    "nothing limits the scope"
                };
                format!(
                    "Project settings > Pipelines > Settings: \"{label}\" is not enabled → {next}"
                )
            });
        }
        if kind == PipelineKind::ClassicBuild {
            let scope = c
                .pipeline
                .build_job_authorization_scope
                .unwrap_or(Scope::Project);
            trace.record("options_tab", Outcome::Pass, || {
                let shown = match scope {
                    Scope::Project => "Current project",
                    Scope::Collection => "Project collection",
                };
                format!(
                    "Options tab: \"Build job authorization scope\" is {shown} → the scope is {}",
                    scope.as_str()
                )
            });
            return scope;
        }
        trace.record("default", Outcome::Pass, || {
            let why = if label.is_some() {
                "the scope is not restricted at the organization or project level"
            } else {
                "this product has no job authorization scope setting"
            };
            format!(
                "{why} → the {} gets a collection scoped token: it can reach any repository in any project of {}",
                kind.describe(),
                c.organization.name
            )
        });
        Scope::Collection
    }

    fn identity<T: Trace>(&self, scope: Scope, trace: &mut T) -> (String, bool) {
        let c = &self.config;
        let (identity, exists) = match scope {
            Scope::Collection => (
                format!("Project Collection Build Service ({})", c.organization.name),
                true,
            ),
            Scope::Project => (
                format!("{} Build Service ({})", c.project.name, c.organization.name),
                c.pipeline.has_run.unwrap_or(true),
            ),
        };
        trace.record("identity", Outcome::Pass, || {
            if exists {
                format!("the job runs as \"{identity}\"")
            } else {
                format!("the job runs as \"{identity}\", which is created only when the pipeline first runs: it does not exist yet")
            }
        });
        (identity, exists)
    }

    fn repositories<T: Trace>(&self, trace: &mut T) -> RepositoryAccess {
        let (c, p) = (&self.config, self.profile);
        let all = RepositoryAccess {
            mode: "all-in-scope",
            list: Vec::new(),
        };
        let Some(label) = p.protect_repos_setting else {
            trace.record("repositories", Outcome::Skip, || {
                format!("{} has no repository protection setting: the token reaches every repository in its scope", p.name)
            });
            return all;
        };
        let protect = c.organization.protect_repos || c.project.protect_repos.unwrap_or(false);
        if !protect {
            trace.record("repositories", Outcome::Skip, || {
                format!("\"{label}\" is off: the token reaches every repository in its scope")
            });
            return all;
        }
        let list = match c.pipeline.kind {
            PipelineKind::Yaml if !c.pipeline.repositories.is_empty() => {
                c.pipeline.repositories.clone()
            }
            PipelineKind::Yaml | PipelineKind::ClassicBuild => vec!["self".to_owned()],
            PipelineKind::ClassicRelease => {
                trace.record("repositories", Outcome::Skip, || {
                    format!("\"{label}\" does not apply to classic release pipelines")
                });
                return all;
            }
        };
        trace.record("repositories", Outcome::Pass, || {
            let which = if c.pipeline.kind == PipelineKind::ClassicBuild {
                "its own repository".to_owned()
            } else {
                format!(
                    "the repositories its jobs reference ({}); submodules need their own reference",
                    list.join(", ")
                )
            };
            format!("\"{label}\" is on: the token reaches only {which}")
        });
        RepositoryAccess {
            mode: "referenced",
            list,
        }
    }
}

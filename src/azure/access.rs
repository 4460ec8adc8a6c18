//! Access checks: may this pipeline's job token touch this resource? The scope steps first, then the
//! resource rules, all in one trace.

use super::input::{Action, AzureResource, GrantInput, ProjectVisibility, ResourceKind, Scope};
use super::scope::Resolved;
use super::{same_name, AzurePipeline};
use crate::decision::{Outcome, Trace, TraceStep};
use crate::Decision;

/// Why a resource access was allowed or denied: the stable codes (docs/azure-rules.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzureReason {
    /// `same_project_default` (allowed): the build identity's default permissions in its own project
    /// cover it: reading repositories and feeds, reading and writing artifacts, work items, pipelines.
    SameProjectDefault,
    /// `collection_scope` (allowed): a collection scoped token reads every project's repositories.
    CollectionScope,
    /// `granted` (allowed): a grant to the job's identity covers it (`write` implies `read`).
    Granted,
    /// `public_project_isolation` (denied): a public project's jobs never reach another project,
    /// grants or not.
    PublicProjectIsolation,
    /// `scope_is_project` (denied): the scope is project and the identity has no permissions in the
    /// resource's project.
    ScopeIsProject,
    /// `missing_view_project_info` (denied): the grant on the other project lacks "View project-level
    /// information".
    MissingViewProjectInfo,
    /// `missing_resource_permission` (denied): no grant to the identity gives this action on the resource.
    MissingResourcePermission,
    /// `repository_not_referenced` (denied): repository protection is on and the pipeline does not
    /// reference the repository.
    RepositoryNotReferenced,
    /// `write_not_granted` (denied): writing a repository or feed of its own project (push, publish)
    /// needs a grant.
    WriteNotGranted,
    /// `identity_not_created` (denied): the decision needs a grant to the project build identity,
    /// which does not exist until the pipeline first runs.
    IdentityNotCreated,
}

impl AzureReason {
    /// Every reason, allowing ones first.
    pub const ALL: [AzureReason; 10] = [
        AzureReason::SameProjectDefault,
        AzureReason::CollectionScope,
        AzureReason::Granted,
        AzureReason::PublicProjectIsolation,
        AzureReason::ScopeIsProject,
        AzureReason::MissingViewProjectInfo,
        AzureReason::MissingResourcePermission,
        AzureReason::RepositoryNotReferenced,
        AzureReason::WriteNotGranted,
        AzureReason::IdentityNotCreated,
    ];

    /// The reason code, such as `same_project_default`.
    pub fn as_str(self) -> &'static str {
        match self {
            AzureReason::SameProjectDefault => "same_project_default",
            AzureReason::CollectionScope => "collection_scope",
            AzureReason::Granted => "granted",
            AzureReason::PublicProjectIsolation => "public_project_isolation",
            AzureReason::ScopeIsProject => "scope_is_project",
            AzureReason::MissingViewProjectInfo => "missing_view_project_info",
            AzureReason::MissingResourcePermission => "missing_resource_permission",
            AzureReason::RepositoryNotReferenced => "repository_not_referenced",
            AzureReason::WriteNotGranted => "write_not_granted",
            AzureReason::IdentityNotCreated => "identity_not_created",
        }
    }

    fn allowed(self) -> bool {
        matches!(
            self,
            AzureReason::SameProjectDefault | AzureReason::CollectionScope | AzureReason::Granted
        )
    }
}

/// What the grants to one identity on one project give, merged.
struct GrantView {
    found: bool,
    view_project_info: bool,
    permits: bool,
}

impl AzurePipeline {
    /// The decision on `resource`, with the scope steps and the access steps in its trace.
    pub fn check_access(&self, resource: &AzureResource) -> Decision {
        let mut trace: Vec<TraceStep> = Vec::new();
        let resolved = self.resolve(&mut trace);
        let reason = self.access(&resolved, resource, &mut trace);
        Decision {
            allowed: reason.allowed(),
            reason: reason.as_str(),
            message: self.access_message(&resolved, resource, reason),
            trace,
        }
    }

    fn access<T: Trace>(
        &self,
        resolved: &Resolved,
        resource: &AzureResource,
        trace: &mut T,
    ) -> AzureReason {
        let c = &self.config;
        let same = same_name(&resource.project, &c.project.name);
        let what = || describe(resource);

        if c.project.visibility == ProjectVisibility::Public {
            if !same {
                trace.record("public_project_isolation", Outcome::Fail, || {
                    format!("jobs in public project {} can access resources only within the project, never {}", c.project.name, what())
                });
                return AzureReason::PublicProjectIsolation;
            }
            trace.record("public_project_isolation", Outcome::Skip, || {
                format!("{} is in the pipeline's own project", what())
            });
        }

        if resource.kind == ResourceKind::Repository && resolved.repositories.mode == "referenced" {
            if self.referenced(resolved, resource) {
                trace.record("repository_reference", Outcome::Pass, || {
                    format!("{} is referenced", what())
                });
            } else if resource.action == Action::Read && self.is_public(&resource.project) {
                // docs/pipelines/repos/azure-repos-git.md: "If you are using a script to perform
                // read-only operations on a repository in a public project, you don't need to
                // reference the public project repository".
                trace.record("repository_reference", Outcome::Pass, || {
                    format!("{} is not referenced, but it is in public project {}: reading it needs no reference", what(), resource.project)
                });
            } else {
                trace.record("repository_reference", Outcome::Fail, || {
                    format!(
                        "{} is not referenced by a checkout step or uses statement",
                        what()
                    )
                });
                return AzureReason::RepositoryNotReferenced;
            }
        }

        if same {
            let by_default = match resource.kind {
                ResourceKind::Repository | ResourceKind::Feed => resource.action == Action::Read,
                ResourceKind::Artifact | ResourceKind::Workitem | ResourceKind::Pipeline => true,
            };
            if by_default {
                trace.record("same_project", Outcome::Pass, || {
                    format!(
                        "the build identity's default permissions in its own project cover {}",
                        what()
                    )
                });
                return AzureReason::SameProjectDefault;
            }
            trace.record("same_project", Outcome::Skip, || {
                format!(
                    "the build identity's default permissions do not include {}: it needs a grant",
                    what()
                )
            });
            return self.grant_rule(resolved, resource, AzureReason::WriteNotGranted, trace);
        }

        if resolved.scope == Scope::Collection {
            if resource.kind == ResourceKind::Repository && resource.action == Action::Read {
                trace.record("collection_scope", Outcome::Pass, || {
                    format!("a collection scoped token reads repositories in every project, {} included", resource.project)
                });
                return AzureReason::CollectionScope;
            }
            trace.record("collection_scope", Outcome::Skip, || {
                format!("collection scope reads other projects' repositories by default, but {} needs a grant", what())
            });
            return self.grant_rule(
                resolved,
                resource,
                AzureReason::MissingResourcePermission,
                trace,
            );
        }
        self.grant_rule(resolved, resource, AzureReason::ScopeIsProject, trace)
    }

    /// A grant to the effective identity on the resource's project decides; `missing` is the denial
    /// when no grant exists for it at all.
    fn grant_rule<T: Trace>(
        &self,
        resolved: &Resolved,
        resource: &AzureResource,
        missing: AzureReason,
        trace: &mut T,
    ) -> AzureReason {
        let identity = &resolved.identity;
        let cross_project = !same_name(&resource.project, &self.config.project.name);
        if resolved.scope == Scope::Project {
            if !resolved.identity_exists {
                trace.record("identity_exists", Outcome::Fail, || {
                    format!("\"{identity}\" is created when the pipeline first runs; until then no permission can be granted to it")
                });
                return AzureReason::IdentityNotCreated;
            }
            trace.record("identity_exists", Outcome::Pass, || {
                format!("\"{identity}\" exists")
            });
        }
        let grant = self.grants_to(identity, resource);
        let project = &resource.project;
        if !grant.found {
            trace.record("grant", Outcome::Fail, || {
                if missing == AzureReason::ScopeIsProject {
                    format!(
                        "the scope is project and \"{identity}\" has no permissions in {project}"
                    )
                } else {
                    format!("\"{identity}\" has no permissions granted in {project}")
                }
            });
            return missing;
        }
        // A project-scoped identity needs to see the other project before anything in it.
        if cross_project && resolved.scope == Scope::Project && !grant.view_project_info {
            trace.record("grant", Outcome::Fail, || {
                format!("\"{identity}\" lacks \"View project-level information\" on {project}")
            });
            return AzureReason::MissingViewProjectInfo;
        }
        if !grant.permits {
            trace.record("grant", Outcome::Fail, || {
                format!(
                    "\"{identity}\" has no {} permission on {}",
                    resource.action.as_str(),
                    describe(resource)
                )
            });
            return if missing == AzureReason::WriteNotGranted {
                missing
            } else {
                AzureReason::MissingResourcePermission
            };
        }
        trace.record("grant", Outcome::Pass, || {
            format!(
                "\"{identity}\" is granted {} on {}",
                resource.action.as_str(),
                describe(resource)
            )
        });
        AzureReason::Granted
    }

    fn grants_to(&self, identity: &str, resource: &AzureResource) -> GrantView {
        let mut view = GrantView {
            found: false,
            view_project_info: false,
            permits: false,
        };
        let matching = self.config.grants.iter().filter(|g| {
            same_name(&g.identity, identity) && same_name(&g.project, &resource.project)
        });
        for grant in matching {
            view.found = true;
            view.view_project_info |= grant.view_project_info;
            view.permits |= permits(grant, resource);
        }
        view
    }

    fn referenced(&self, resolved: &Resolved, resource: &AzureResource) -> bool {
        let c = &self.config;
        let own_repository = c
            .pipeline
            .self_repository
            .as_deref()
            .unwrap_or(&c.project.name);
        resolved.repositories.list.iter().any(|item| {
            if item.trim() == "self" {
                same_name(&resource.project, &c.project.name)
                    && same_name(&resource.name, own_repository)
            } else {
                item.split_once('/').is_some_and(|(project, repo)| {
                    same_name(project, &resource.project) && same_name(repo, &resource.name)
                })
            }
        })
    }

    fn access_message(
        &self,
        resolved: &Resolved,
        resource: &AzureResource,
        reason: AzureReason,
    ) -> String {
        let identity = &resolved.identity;
        let what = describe(resource);
        let project = &self.config.project.name;
        match reason {
            AzureReason::SameProjectDefault => format!("{identity} may {} {what}: default permissions in its own project.", resource.action.as_str()),
            AzureReason::CollectionScope => format!("{identity} may read {what}: the token has collection scope."),
            AzureReason::Granted => format!("{identity} may {} {what}: it is granted.", resource.action.as_str()),
            AzureReason::PublicProjectIsolation => format!("Jobs in public project {project} cannot access {what}."),
            AzureReason::ScopeIsProject => format!("The job authorization scope is project: {identity} cannot reach {what} without permissions granted in {}.", resource.project),
            AzureReason::MissingViewProjectInfo => format!("{identity} needs \"View project-level information\" on {} to reach {what}.", resource.project),
            AzureReason::MissingResourcePermission => format!("{identity} has no {} permission on {what}.", resource.action.as_str()),
            AzureReason::RepositoryNotReferenced => format!("{what} is not referenced by the pipeline, and repository access is protected."),
            AzureReason::WriteNotGranted => format!("{identity} may read but not write {what} unless write is granted."),
            AzureReason::IdentityNotCreated => format!("{identity} does not exist until the pipeline runs once, so it has no permissions yet."),
        }
    }
}

/// `write` implies `read`.
fn permits(grant: &GrantInput, resource: &AzureResource) -> bool {
    let map = match resource.kind {
        ResourceKind::Repository => &grant.repositories,
        ResourceKind::Feed => &grant.feeds,
        ResourceKind::Artifact => &grant.artifacts,
        ResourceKind::Workitem => &grant.work_items,
        ResourceKind::Pipeline => &grant.pipelines,
    };
    map.iter()
        .filter(|(name, _)| same_name(name, &resource.name))
        .flat_map(|(_, actions)| actions)
        .any(|&granted| granted == resource.action || granted == Action::Write)
}

fn describe(resource: &AzureResource) -> String {
    format!(
        "{} {}/{}",
        resource.kind.as_str(),
        resource.project,
        resource.name
    )
}

//! `validateAzureConfig`: settings that the product does not have, that the organization locks, or
//! that cannot take effect, and projects listed twice, as [`Problem`]s.

use super::input::PipelineKind;
use super::{same_name, AzurePipeline};
use crate::Problem;

impl AzurePipeline {
    /// Every problem, in input order.
    pub fn validate(&self) -> Vec<Problem> {
        let (c, p) = (&self.config, self.profile);
        let mut problems = Vec::new();
        let mut add = |code: &'static str, path: String, message: String| {
            problems.push(Problem {
                code,
                path,
                message,
            })
        };

        let settings = [
            (
                "limitJobScopeNonRelease",
                c.organization.limit_job_scope_non_release,
                c.project.limit_job_scope_non_release,
                p.non_release_setting,
            ),
            (
                "limitJobScopeRelease",
                c.organization.limit_job_scope_release,
                c.project.limit_job_scope_release,
                p.release_setting,
            ),
            (
                "protectRepos",
                c.organization.protect_repos,
                c.project.protect_repos,
                p.protect_repos_setting,
            ),
        ];
        for (key, organization, project, label) in settings {
            if label.is_none() {
                for (level, on) in [
                    ("organization", organization),
                    ("project", project.unwrap_or(false)),
                ] {
                    if on {
                        add(
                            "setting_unsupported",
                            format!("{level}.{key}"),
                            format!("{} has no such setting; it is ignored", p.name),
                        );
                    }
                }
            } else if organization && project == Some(false) {
                add(
                    "locked_by_organization",
                    format!("project.{key}"),
                    format!("\"{}\" is enabled for the organization, which locks it on in every project", label.unwrap_or(key)),
                );
            }
        }

        if c.pipeline.kind != PipelineKind::ClassicBuild
            && c.pipeline.build_job_authorization_scope.is_some()
        {
            add(
                "build_scope_not_applicable",
                "pipeline.buildJobAuthorizationScope".to_owned(),
                format!("only classic build pipelines have the Options tab's build job authorization scope, not a {}", c.pipeline.kind.describe()),
            );
        }

        let collection = format!("Project Collection Build Service ({})", c.organization.name);
        let project_identity =
            format!("{} Build Service ({})", c.project.name, c.organization.name);
        for (i, grant) in c.grants.iter().enumerate() {
            if same_name(&grant.identity, &project_identity) {
                if !c.pipeline.has_run.unwrap_or(true) {
                    add(
                        "identity_not_created",
                        format!("grants[{i}].identity"),
                        format!("\"{project_identity}\" is created when the pipeline first runs; this grant cannot exist yet"),
                    );
                }
            } else if !same_name(&grant.identity, &collection) {
                add(
                    "unknown_identity",
                    format!("grants[{i}].identity"),
                    format!(
                        "\"{}\" is neither \"{project_identity}\" nor \"{collection}\"",
                        grant.identity
                    ),
                );
            }
        }

        for (i, other) in c.organization.projects.iter().enumerate() {
            let own = same_name(&other.name, &c.project.name);
            let again =
                (c.organization.projects[..i].iter()).any(|p| same_name(&p.name, &other.name));
            if own || again {
                add(
                    "duplicate_project",
                    format!("organization.projects[{i}]"),
                    if own {
                        format!("\"{}\" is the pipeline's own project: its visibility is project.visibility", other.name)
                    } else {
                        format!("\"{}\" is listed twice", other.name)
                    },
                );
            }
        }

        for (i, reference) in c.pipeline.repositories.iter().enumerate() {
            let valid = reference.trim() == "self"
                || reference.split_once('/').is_some_and(|(project, repo)| {
                    !project.trim().is_empty() && !repo.trim().is_empty() && !repo.contains('/')
                });
            if !valid {
                add(
                    "invalid_repository_reference",
                    format!("pipeline.repositories[{i}]"),
                    format!("\"{reference}\" is neither \"self\" nor \"Project/Repository\""),
                );
            }
        }
        problems
    }
}

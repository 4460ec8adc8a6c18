//! `checkGitlabEdit`: may this user make this change to a project's Token Access settings?
//!
//! The seed's prerequisites, checked in order: Maintainer on the project; for an added entry, that it
//! exists, is not the project itself, is not listed yet, is supported by the release, fits the limit, and
//! that the user can see it (Guest). Only the decision is computed; the world is not changed.

use super::input::{EditAction, EditInput, EntryKind};
use super::permission::Role;
use super::rules::permission;
use super::validate::DUPLICATE_MESSAGE;
use super::world::{path_key, World};
use crate::decision::{Outcome, Trace, TraceStep};
use crate::{Decision, Error};

/// GitLab's message when the user is not a Maintainer.
pub const INSUFFICIENT_PERMISSIONS_MESSAGE: &str =
    "Insufficient permissions to modify the job token scope";

/// One check of an edit: its trace step, and the denial it gives.
struct Denial {
    reason: &'static str,
    message: String,
}

fn deny(reason: &'static str, message: impl Into<String>) -> Result<(), Denial> {
    Err(Denial {
        reason,
        message: message.into(),
    })
}

impl World {
    /// The decision on `edit`, with a trace of every check made.
    pub fn check_edit(&self, edit: &EditInput) -> Result<Decision, Error> {
        let project = self.require_project(&edit.project, "project")?;
        let needs_entry = matches!(
            edit.action,
            EditAction::Add | EditAction::Remove | EditAction::SetPolicies
        );
        let entry = match (&edit.entry, needs_entry) {
            (Some(entry), true) => Some(entry.as_str()),
            (None, true) => {
                return Err(Error::invalid(
                    "entry",
                    format!("required when action is \"{}\"", edit.action.as_str()),
                ))
            }
            (_, false) => None,
        };
        if let Some(policies) = &edit.policies {
            for (k, name) in policies.iter().enumerate() {
                permission(&format!("policies[{k}]"), name)?;
            }
        }
        let mut trace: Vec<TraceStep> = Vec::new();
        let decision = match self.edit_checks(project, edit, entry, &mut trace) {
            Ok(()) => Decision {
                allowed: true,
                reason: "edit_allowed",
                message: format!(
                    "{} may {} on {}'s job token settings.",
                    edit.user,
                    describe(edit),
                    self.projects[project].path
                ),
                trace,
            },
            Err(denial) => Decision {
                allowed: false,
                reason: denial.reason,
                message: denial.message,
                trace,
            },
        };
        Ok(decision)
    }

    fn edit_checks<T: Trace>(
        &self,
        project: usize,
        edit: &EditInput,
        entry: Option<&str>,
        trace: &mut T,
    ) -> Result<(), Denial> {
        let p = &self.projects[project];
        let user = edit.user.as_str();

        // 1. Maintainer (direct or inherited) on the project.
        let role = self.role_on(user, &p.key);
        if role < Some(Role::Maintainer) {
            trace.record("maintainer", Outcome::Fail, || {
                let has = role.map_or("has no role".to_owned(), |r| format!("is only {r}"));
                format!(
                    "{user} {has} on {}; changing Token Access needs Maintainer",
                    p.path
                )
            });
            return deny("insufficient_permissions", INSUFFICIENT_PERMISSIONS_MESSAGE);
        }
        trace.record("maintainer", Outcome::Pass, || {
            format!(
                "{user} is {} on {}",
                role.unwrap_or(Role::Maintainer),
                p.path
            )
        });

        if !self.profile.inbound {
            trace.record("inbound_supported", Outcome::Fail, || {
                format!(
                    "the inbound allowlist arrives in GitLab 15.9 (this is {})",
                    self.version
                )
            });
            return deny(
                "inbound_unsupported",
                format!(
                    "GitLab {} has no inbound job token allowlist to change.",
                    self.version
                ),
            );
        }

        let kind = edit.kind;
        let kind_name = match kind {
            EntryKind::Project => "project",
            EntryKind::Group => "group",
        };
        let list = match kind {
            EntryKind::Project => &p.inbound_projects,
            EntryKind::Group => &p.inbound_groups,
        };
        let entry_path = entry.unwrap_or("");
        let entry_key = path_key(entry_path);
        let listed = list.iter().any(|e| e.key() == entry_key);

        match edit.action {
            EditAction::Enable => {
                trace.record("toggle", Outcome::Pass, || {
                    format!("{user} may turn on \"Limit access to this project\"")
                });
            }
            EditAction::Disable => {
                if self.profile.instance_enforcement && self.instance_enforces {
                    trace.record("instance_enforcement", Outcome::Fail, || {
                        "the instance enforces inbound allowlists for every project".to_owned()
                    });
                    return deny(
                        "enforced_by_instance",
                        format!(
                            "The instance enforces the job token allowlist; {} cannot turn it off.",
                            p.path
                        ),
                    );
                }
                trace.record("instance_enforcement", Outcome::Pass, || {
                    "the instance does not enforce inbound allowlists".to_owned()
                });
            }
            EditAction::Remove => self.require_listed(listed, kind_name, entry_path, p, trace)?,
            EditAction::SetPolicies => {
                if !self.profile.fine_grained {
                    trace.record("policies_supported", Outcome::Fail, || {
                        format!(
                            "fine-grained permissions arrive in GitLab 18.3 (this is {})",
                            self.version
                        )
                    });
                    return deny(
                        "policies_unsupported",
                        format!(
                            "GitLab {} has no fine-grained job token permissions.",
                            self.version
                        ),
                    );
                }
                trace.record("policies_supported", Outcome::Pass, || {
                    "fine-grained permissions exist".to_owned()
                });
                self.require_listed(listed, kind_name, entry_path, p, trace)?;
            }
            EditAction::Add => {
                let exists = match kind {
                    EntryKind::Project => self.project_id(entry_path).is_some(),
                    EntryKind::Group => self.group_id(entry_path).is_some(),
                };
                if !exists {
                    trace.record("entry_exists", Outcome::Fail, || {
                        format!("no {kind_name} {entry_path} in this world")
                    });
                    return deny("unknown_entry", format!("The {kind_name} {entry_path} does not exist or you do not have access to it."));
                }
                trace.record("entry_exists", Outcome::Pass, || {
                    format!("{kind_name} {entry_path} exists")
                });
                if kind == EntryKind::Project && entry_key == p.key {
                    trace.record("not_self", Outcome::Fail, || {
                        format!("{} is the project itself", p.path)
                    });
                    return deny(
                        "self_entry",
                        format!("{} is always allowed to use its own job token.", p.path),
                    );
                }
                trace.record("not_self", Outcome::Pass, || {
                    format!("{entry_path} is not {}", p.path)
                });
                if listed {
                    trace.record("not_listed_yet", Outcome::Fail, || {
                        format!("{entry_path} is already on {}'s allowlist", p.path)
                    });
                    return deny("duplicate_entry", DUPLICATE_MESSAGE);
                }
                trace.record("not_listed_yet", Outcome::Pass, || {
                    format!("{entry_path} is not on the allowlist yet")
                });
                if kind == EntryKind::Group && !self.profile.groups {
                    trace.record("groups_supported", Outcome::Fail, || {
                        format!(
                            "groups can be added from GitLab 17.0 (this is {})",
                            self.version
                        )
                    });
                    return deny(
                        "groups_unsupported",
                        format!(
                            "GitLab {} cannot add groups to the job token allowlist.",
                            self.version
                        ),
                    );
                }
                let count = self.entry_count(project);
                let limit = self.profile.allowlist_limit.unwrap_or(0);
                if count >= limit {
                    trace.record("limit", Outcome::Fail, || {
                        format!("{} has {count} entries; the limit is {limit}", p.path)
                    });
                    return deny(
                        "allowlist_limit_reached",
                        format!("The job token allowlist of {} already has {count} entries, the most GitLab {} allows.", p.path, self.version),
                    );
                }
                trace.record("limit", Outcome::Pass, || {
                    format!("{count} of {limit} entries used")
                });
                let access = self.role_on(user, &entry_key);
                if access.is_none() {
                    trace.record("entry_access", Outcome::Fail, || {
                        format!(
                            "{user} has no role on {entry_path}; adding it needs at least Guest"
                        )
                    });
                    return deny(
                        "no_access_to_entry",
                        format!("{user} needs at least the Guest role in {entry_path} to add it."),
                    );
                }
                trace.record("entry_access", Outcome::Pass, || {
                    format!(
                        "{user} is {} on {entry_path}",
                        access.unwrap_or(Role::Guest)
                    )
                });
            }
        }
        Ok(())
    }

    fn require_listed<T: Trace>(
        &self,
        listed: bool,
        kind: &str,
        entry: &str,
        p: &super::world::Project,
        trace: &mut T,
    ) -> Result<(), Denial> {
        if listed {
            trace.record("listed", Outcome::Pass, || {
                format!("{kind} {entry} is on {}'s allowlist", p.path)
            });
            Ok(())
        } else {
            trace.record("listed", Outcome::Fail, || {
                format!("{kind} {entry} is not on {}'s allowlist", p.path)
            });
            deny(
                "entry_not_listed",
                format!("{entry} is not in the job token allowlist of {}.", p.path),
            )
        }
    }
}

fn describe(edit: &EditInput) -> String {
    let entry = edit.entry.as_deref().unwrap_or("");
    match edit.action {
        EditAction::Add => format!("add {entry} to the allowlist"),
        EditAction::Remove => format!("remove {entry} from the allowlist"),
        EditAction::Enable => "turn on \"Limit access to this project\"".to_owned(),
        EditAction::Disable => "turn off \"Limit access to this project\"".to_owned(),
        EditAction::SetPolicies => format!("set the permissions of {entry}"),
    }
}

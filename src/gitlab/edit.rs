//! `checkGitlabEdit`: may this user make this change to a project's job token settings, and what
//! does GitLab answer?
//!
//! The checks and their order are GitLab's services' (`app/services/ci/job_token_scope/*`, with
//! `EditScopeValidations`), and every denial carries GitLab's own message. An add runs the link
//! model's validations together, as `create!` does ("Validation failed: …", joined), and only then
//! meets the unique index (the duplicate message). Only the decision is computed; the world is not
//! changed. `docs/gitlab-rules.md` cites the file behind each check.

use super::input::{Direction, EditAction, EditInput, EntryKind, Visibility};
use super::path::path_key;
use super::permission::Role;
use super::validate::{duplicate_message, limit_message, policy_problem, SELF_LINK_MESSAGE};
use super::world::{Entries, List, ProjectIndex, ProjectRef, World};
use crate::decision::{Outcome, Trace, TraceStep};
use crate::{Decision, Error};

/// GitLab's message when the user may not administer the project (`admin_project`: Maintainer).
pub const INSUFFICIENT_PERMISSIONS_MESSAGE: &str =
    "Insufficient permissions to modify the job token scope";

/// `EditScopeValidations::TARGET_PROJECT_UNAUTHORIZED_OR_UNFOUND` / `TARGET_GROUP_…`: the same text
/// whether the entry does not exist or the user cannot read it.
fn unauthorized_or_unfound(kind: &str) -> String {
    format!("The target_{kind} that you are attempting to access does not exist or you don't have permission to perform this action")
}

/// `UpdatePoliciesService`'s messages.
const POLICIES_INSUFFICIENT: &str =
    "You have insufficient permission to update this job token scope";
const POLICIES_TARGET_MISSING: &str = "The target does not exist";
const POLICIES_NO_SCOPE: &str = "Unable to find a job token scope for the given project & target";
/// `JsonSchemaValidator` on `job_token_policies`.
const POLICIES_INVALID: &str = "Job token policies must be a valid json schema";

/// A denied check: its reason code and GitLab's message.
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

/// What an edit is about, resolved once.
struct Subject<'a> {
    id: ProjectIndex,
    project: ProjectRef<'a>,
    world: &'a World,
    user: &'a str,
    kind: EntryKind,
    direction: Direction,
    /// The entry's path as given, and its key.
    entry: &'a str,
    entry_key: String,
}

impl Subject<'_> {
    fn kind_name(&self) -> &'static str {
        match self.kind {
            EntryKind::Project => "project",
            EntryKind::Group => "group",
        }
    }

    fn is_self(&self) -> bool {
        self.kind == EntryKind::Project && self.entry_key == self.project.key
    }

    /// The list the edit changes.
    fn list(&self) -> Entries<'_> {
        let list = match (self.direction, self.kind) {
            (Direction::Outbound, _) => List::OutboundProjects,
            (Direction::Inbound, EntryKind::Project) => List::InboundProjects,
            (Direction::Inbound, EntryKind::Group) => List::InboundGroups,
        };
        self.world.list(self.id, list)
    }

    fn listed(&self) -> bool {
        self.list().any(|e| e.key() == self.entry_key)
    }
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
            (Some(entry), true) => entry.as_str(),
            (None, true) => {
                return Err(Error::invalid(
                    "entry",
                    format!("required when action is \"{}\"", edit.action.as_str()),
                ))
            }
            (_, false) => "",
        };
        if edit.direction == Direction::Outbound {
            if edit.kind == EntryKind::Group {
                return Err(Error::invalid(
                    "kind",
                    "the outbound list holds projects only",
                ));
            }
            if edit.action == EditAction::SetPolicies {
                return Err(Error::invalid(
                    "action",
                    "setPolicies changes an inbound allowlist entry; the outbound list has no permissions",
                ));
            }
        }
        let subject = Subject {
            id: project,
            project: self.project(project),
            world: self,
            user: edit.user.as_str(),
            kind: edit.kind,
            direction: edit.direction,
            entry,
            entry_key: path_key(entry).into_owned(),
        };
        let mut trace: Vec<TraceStep> = Vec::new();
        let decision = match self.edit_checks(&subject, edit, &mut trace) {
            Ok(()) => Decision {
                allowed: true,
                reason: "edit_allowed",
                message: format!(
                    "{} may {} on {}'s job token settings.",
                    edit.user,
                    describe(edit),
                    subject.project.path
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
        s: &Subject,
        edit: &EditInput,
        trace: &mut T,
    ) -> Result<(), Denial> {
        if edit.action == EditAction::SetPolicies {
            return self.set_policies_checks(s, edit, trace);
        }
        if (edit.action, s.direction) == (EditAction::Enable, Direction::Outbound) {
            // GraphQL refuses the value itself, before it authorizes the user.
            self.list_exists(s, trace)?;
            self.outbound_additions(s, "job_token_scope_enabled can only be set to false", trace)?;
        }
        self.maintainer(s, trace).map_err(|()| Denial {
            reason: "insufficient_permissions",
            message: INSUFFICIENT_PERMISSIONS_MESSAGE.to_owned(),
        })?;
        self.list_exists(s, trace)?;
        match (edit.action, s.direction) {
            (EditAction::Enable, Direction::Inbound) => {
                trace.record("toggle", Outcome::Pass, || {
                    format!("{} may turn on \"{}\"", s.user, self.inbound_label())
                });
                Ok(())
            }
            (EditAction::Disable, Direction::Inbound) => self.not_enforced(s, trace),
            (EditAction::Enable, Direction::Outbound) => Ok(()),
            (EditAction::Disable, Direction::Outbound) => {
                trace.record("toggle", Outcome::Pass, || {
                    format!("{} may turn off \"{}\"", s.user, self.outbound_label())
                });
                Ok(())
            }
            (EditAction::Remove, _) => self.removable(s, trace),
            (EditAction::Add, _) => self.addable(s, edit, trace),
            (EditAction::SetPolicies, _) => Ok(()),
        }
    }

    /// `admin_project` on the project: Maintainer or Owner, direct or inherited.
    fn maintainer<T: Trace>(&self, s: &Subject, trace: &mut T) -> Result<(), ()> {
        let role = self.role_on(s.user, s.project.key);
        if role < Some(Role::Maintainer) {
            trace.record("maintainer", Outcome::Fail, || {
                let has = role.map_or("has no role".to_owned(), |r| format!("is only {r}"));
                format!(
                    "{} {has} on {}; changing its job token settings needs Maintainer",
                    s.user, s.project.path
                )
            });
            return Err(());
        }
        trace.record("maintainer", Outcome::Pass, || {
            format!(
                "{} is {} on {}",
                s.user,
                role.unwrap_or(Role::Maintainer),
                s.project.path
            )
        });
        Ok(())
    }

    /// The list the edit names exists in this release.
    fn list_exists<T: Trace>(&self, s: &Subject, trace: &mut T) -> Result<(), Denial> {
        let version = self.version;
        match s.direction {
            Direction::Inbound if !self.profile.inbound => {
                trace.record("inbound_supported", Outcome::Fail, || {
                    format!("the inbound allowlist arrives in GitLab 15.9 (this is {version})")
                });
                deny(
                    "inbound_unsupported",
                    format!("GitLab {version} has no inbound job token allowlist to change."),
                )
            }
            Direction::Outbound if !self.profile.outbound => {
                trace.record("outbound_supported", Outcome::Fail, || {
                    format!(
                        "the outbound list exists from GitLab 14.1 to 17.11 (this is {version})"
                    )
                });
                deny(
                    "outbound_unsupported",
                    format!("GitLab {version} has no outbound job token list to change."),
                )
            }
            Direction::Inbound if s.kind == EntryKind::Group && !self.profile.groups => {
                trace.record("groups_supported", Outcome::Fail, || {
                    format!("groups can be added from GitLab 17.0 (this is {version})")
                });
                deny(
                    "groups_unsupported",
                    format!("GitLab {version} cannot add groups to the job token allowlist."),
                )
            }
            _ => Ok(()),
        }
    }

    /// From 16.0 the outbound list and toggle can only be narrowed (GraphQL's messages).
    fn outbound_additions<T: Trace>(
        &self,
        s: &Subject,
        message: &str,
        trace: &mut T,
    ) -> Result<(), Denial> {
        if !self.profile.outbound_additions {
            trace.record("outbound_additions", Outcome::Fail, || {
                format!(
                    "from GitLab 16.0 (this is {}) the outbound setting can only be narrowed",
                    self.version
                )
            });
            return deny("outbound_additions_removed", message);
        }
        trace.record("outbound_additions", Outcome::Pass, || {
            format!(
                "{} may still widen {}'s outbound list",
                s.user, s.project.path
            )
        });
        Ok(())
    }

    /// Under the admin setting (17.6+) the project's own toggle no longer turns the allowlist off.
    fn not_enforced<T: Trace>(&self, s: &Subject, trace: &mut T) -> Result<(), Denial> {
        if self.profile.instance_setting && self.instance_enforces {
            trace.record("instance_enforcement", Outcome::Fail, || {
                "the instance enforces inbound allowlists for every project".to_owned()
            });
            return deny(
                "enforced_by_instance",
                format!(
                    "The instance setting \"Enable and enforce job token allowlist for all projects\" is on: GitLab hides this choice, and {} stays restricted to its allowlist whatever its own setting says.",
                    s.project.path
                ),
            );
        }
        trace.record("instance_enforcement", Outcome::Pass, || {
            "the instance does not enforce inbound allowlists".to_owned()
        });
        Ok(())
    }

    /// Whether the user may read the entry (`read_project` / `read_group`): public and internal
    /// ones any signed-in user may; a private project its members; a private group its members
    /// and the members of anything inside it.
    fn readable(&self, s: &Subject) -> Option<bool> {
        let visibility = match s.kind {
            EntryKind::Project => self.project(self.find_project(s.entry)?).visibility,
            EntryKind::Group => self.group(self.group_id(s.entry)?).visibility,
        };
        Some(
            visibility != Visibility::Private
                || self.role_on(s.user, &s.entry_key).is_some()
                || (s.kind == EntryKind::Group && self.member_inside(s.user, &s.entry_key)),
        )
    }

    /// The add services' read check, one message whether missing or unreadable.
    fn entry_access<T: Trace>(&self, s: &Subject, trace: &mut T) -> Result<(), Denial> {
        let kind = s.kind_name();
        let (entry, user) = (s.entry, s.user);
        match self.readable(s) {
            Some(true) => {
                trace.record("entry_access", Outcome::Pass, || {
                    format!("{user} may read {kind} {entry}")
                });
                Ok(())
            }
            Some(false) => {
                trace.record("entry_access", Outcome::Fail, || {
                    format!("{kind} {entry} is private and {user} is not a member")
                });
                deny("no_access_to_entry", unauthorized_or_unfound(kind))
            }
            None => {
                trace.record("entry_access", Outcome::Fail, || {
                    format!("no {kind} {entry} in this world")
                });
                deny("unknown_entry", unauthorized_or_unfound(kind))
            }
        }
    }

    /// Add: read access, then the link model's validations together, then the unique index.
    fn addable<T: Trace>(
        &self,
        s: &Subject,
        edit: &EditInput,
        trace: &mut T,
    ) -> Result<(), Denial> {
        if s.direction == Direction::Outbound {
            self.outbound_additions(
                s,
                "direction: OUTBOUND scope entries can only be removed. Only INBOUND scope can be expanded.",
                trace,
            )?;
        }
        self.entry_access(s, trace)?;
        let restricted = edit.default_permissions == Some(false) || edit.policies.is_some();
        if restricted && !self.profile.fine_grained {
            // 17.5–18.2 (`add_policies_to_ci_job_token` off) store the entry with the default
            // permissions, silently; the engine says so in the trace.
            trace.record("policies_supported", Outcome::Skip, || {
                format!(
                    "GitLab {} keeps the default permissions: the policies are not stored",
                    self.version
                )
            });
        }

        // `create!`: every failing validation, in the model's order, in one message.
        let mut failed: Vec<(&'static str, String)> = Vec::new();
        if self.profile.fine_grained && !self.policies_valid(edit) {
            failed.push(("invalid_policies", POLICIES_INVALID.to_owned()));
        }
        if s.is_self() && !self.profile.self_entries {
            failed.push(("self_entry", SELF_LINK_MESSAGE.to_owned()));
        }
        let kind = s.kind_name();
        let (count, limit) = match (s.direction, s.kind) {
            (Direction::Inbound, EntryKind::Group) => {
                (self.group_entry_count(s.id), self.profile.group_limit)
            }
            (Direction::Inbound, EntryKind::Project) => {
                (self.project_entry_count(s.id), self.profile.project_limit)
            }
            (Direction::Outbound, _) => (s.list().len(), self.profile.project_limit),
        };
        // No limit before 15.9 (the outbound list had none).
        if limit.is_some_and(|limit| count >= limit) {
            failed.push(("allowlist_limit_reached", limit_message(kind).to_owned()));
        }
        if let Some(&(reason, _)) = failed.first() {
            trace.record("validations", Outcome::Fail, || {
                let what: Vec<&str> = failed.iter().map(|(reason, _)| *reason).collect();
                format!(
                    "the {kind} link fails {} ({})",
                    what.join(", "),
                    used(count, limit)
                )
            });
            let messages: Vec<&str> = failed.iter().map(|(_, m)| m.as_str()).collect();
            return deny(
                reason,
                format!("Validation failed: {}", messages.join(", ")),
            );
        }
        trace.record("validations", Outcome::Pass, || {
            format!("the {kind} link is valid ({})", used(count, limit))
        });

        if s.listed() {
            trace.record("not_listed_yet", Outcome::Fail, || {
                format!("{} is already on {}'s list", s.entry, s.project.path)
            });
            return deny(
                "duplicate_entry",
                duplicate_message(kind, self.profile.allowlist_wording),
            );
        }
        trace.record("not_listed_yet", Outcome::Pass, || {
            format!("{} is not on the list yet", s.entry)
        });
        Ok(())
    }

    /// Remove: never the project itself, and only what is listed (no read check on the entry).
    fn removable<T: Trace>(&self, s: &Subject, trace: &mut T) -> Result<(), Denial> {
        if s.is_self() {
            trace.record("not_self", Outcome::Fail, || {
                format!("{} is the project itself", s.project.path)
            });
            return deny(
                "cannot_remove_self",
                "Source project cannot be removed from the job token scope",
            );
        }
        trace.record("not_self", Outcome::Pass, || {
            format!("{} is not {}", s.entry, s.project.path)
        });
        self.require_listed(s, trace).map_err(|()| Denial {
            reason: "entry_not_listed",
            message: format!("Target {} is not in the job token scope", s.kind_name()),
        })
    }

    fn require_listed<T: Trace>(&self, s: &Subject, trace: &mut T) -> Result<(), ()> {
        let (kind, entry, path) = (s.kind_name(), s.entry, &s.project.path);
        if s.listed() {
            trace.record("listed", Outcome::Pass, || {
                format!("{kind} {entry} is on {path}'s list")
            });
            Ok(())
        } else {
            trace.record("listed", Outcome::Fail, || {
                format!("{kind} {entry} is not on {path}'s list")
            });
            Err(())
        }
    }

    fn no_policies<T: Trace>(&self, trace: &mut T) -> Result<(), Denial> {
        trace.record("policies_supported", Outcome::Fail, || {
            format!(
                "fine-grained permissions arrive in GitLab 18.3 (this is {})",
                self.version
            )
        });
        deny(
            "policies_unsupported",
            format!(
                "GitLab {} has no fine-grained job token permissions.",
                self.version
            ),
        )
    }

    /// Every policy exists in this release, once each (the schema's `uniqueItems`).
    fn policies_valid(&self, edit: &EditInput) -> bool {
        let policies = edit.policies.as_deref().unwrap_or_default();
        policies
            .iter()
            .enumerate()
            .all(|(k, p)| policy_problem(p, self.version).is_none() && !policies[..k].contains(p))
    }

    /// `UpdatePoliciesService`: the target exists, the user administers the project and reads the
    /// target (one message for both), the entry is listed (the project itself always is), the
    /// policies are valid.
    fn set_policies_checks<T: Trace>(
        &self,
        s: &Subject,
        edit: &EditInput,
        trace: &mut T,
    ) -> Result<(), Denial> {
        self.list_exists(s, trace)?;
        if !self.profile.fine_grained {
            return self.no_policies(trace);
        }
        trace.record("policies_supported", Outcome::Pass, || {
            "fine-grained permissions exist".to_owned()
        });
        let Some(readable) = self.readable(s) else {
            trace.record("entry_exists", Outcome::Fail, || {
                format!("no {} {} in this world", s.kind_name(), s.entry)
            });
            return deny("unknown_entry", POLICIES_TARGET_MISSING);
        };
        trace.record("entry_exists", Outcome::Pass, || {
            format!("{} {} exists", s.kind_name(), s.entry)
        });
        if self.maintainer(s, trace).is_err() {
            return deny("insufficient_permissions", POLICIES_INSUFFICIENT);
        }
        if !readable {
            trace.record("entry_access", Outcome::Fail, || {
                format!(
                    "{} {} is private and {} is not a member",
                    s.kind_name(),
                    s.entry,
                    s.user
                )
            });
            return deny("no_access_to_entry", POLICIES_INSUFFICIENT);
        }
        trace.record("entry_access", Outcome::Pass, || {
            format!("{} may read {} {}", s.user, s.kind_name(), s.entry)
        });
        if s.is_self() {
            trace.record("listed", Outcome::Pass, || {
                format!("{} is always on its own allowlist", s.project.path)
            });
        } else if self.require_listed(s, trace).is_err() {
            return deny("entry_not_listed", POLICIES_NO_SCOPE);
        }
        if !self.policies_valid(edit) {
            trace.record("policies_valid", Outcome::Fail, || {
                format!(
                    "not every policy is one GitLab {} accepts, once",
                    self.version
                )
            });
            return deny("invalid_policies", POLICIES_INVALID);
        }
        trace.record("policies_valid", Outcome::Pass, || {
            "every policy is valid".to_owned()
        });
        Ok(())
    }

    fn inbound_label(&self) -> &'static str {
        self.profile.labels.inbound
    }

    fn outbound_label(&self) -> &'static str {
        self.profile.labels.outbound
    }
}

/// "3 of 200 entries used", or "3 entries, no limit".
fn used(count: usize, limit: Option<usize>) -> String {
    match limit {
        Some(limit) => format!("{count} of {limit} entries used"),
        None => format!("{count} entries, no limit"),
    }
}

fn describe(edit: &EditInput) -> String {
    let entry = edit.entry.as_deref().unwrap_or("");
    let list = match edit.direction {
        Direction::Inbound => "the allowlist",
        Direction::Outbound => "the outbound list",
    };
    match edit.action {
        EditAction::Add => format!("add {entry} to {list}"),
        EditAction::Remove => format!("remove {entry} from {list}"),
        EditAction::Enable => format!("turn on the limit of {list}"),
        EditAction::Disable => format!("turn off the limit of {list}"),
        EditAction::SetPolicies => format!("set the permissions of {entry}"),
    }
}

//! The job token rules of docs/gitlab-rules.md ("Access"), in order; the first decisive rule wins.
//!
//! [`World::decide`] is the only place that decides. It writes its trace through [`Trace`], so
//! `check` (no trace) and `explain` (full trace) can never disagree.

use super::input::{Feature, FeatureAccess, RequestInput, Visibility};
use super::permission::{Permission, Role};
use super::world::{Entry, GroupIndex, List, Name, Project, ProjectId, ProjectIndex, World};
use crate::decision::{Outcome, Trace, TraceStep};
use crate::{Decision, Error};

/// Why a request was allowed or denied: the stable `reason` codes (docs/gitlab-rules.md "Reason codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// `same_project`: the source is the target.
    SameProject,
    /// `inbound_disabled`: the target does not limit access and the instance does not enforce it.
    InboundDisabled,
    /// `allowlisted_project`: the source is on the target's allowlist.
    AllowlistedProject,
    /// `allowlisted_group`: the source's group or a group above it is on the target's allowlist (17.0+).
    AllowlistedGroup,
    /// `no_inbound_check`: the release has no inbound allowlist (before 15.9).
    NoInboundCheck,
    /// `anonymous_level`: the public or internal target opens this permission's feature to everyone with
    /// access (16.6+).
    AnonymousLevel,
    /// `public_unrestricted`: before 16.6 an allowlist restricts only private projects, and the target is
    /// public or internal.
    PublicUnrestricted,
    /// `outbound_not_allowlisted`: the source's outbound limit excludes the private target.
    OutboundNotAllowlisted,
    /// `not_in_inbound_allowlist`: the target limits access and the source is not on its allowlist.
    NotInInboundAllowlist,
    /// `permission_not_granted`: the entry admitting the source does not grant the permission asked.
    PermissionNotGranted,
    /// `no_job_token_permission`: no permission asked, and the entry grants only its policies.
    NoJobTokenPermission,
    /// `insufficient_role`: the triggering user's role on the target is below the permission's minimum.
    InsufficientRole,
}

impl Reason {
    /// Every reason, allowing ones first.
    pub const ALL: [Reason; 12] = [
        Reason::SameProject,
        Reason::InboundDisabled,
        Reason::AllowlistedProject,
        Reason::AllowlistedGroup,
        Reason::NoInboundCheck,
        Reason::AnonymousLevel,
        Reason::PublicUnrestricted,
        Reason::OutboundNotAllowlisted,
        Reason::NotInInboundAllowlist,
        Reason::PermissionNotGranted,
        Reason::NoJobTokenPermission,
        Reason::InsufficientRole,
    ];

    /// The code as answers carry it (`reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::SameProject => "same_project",
            Reason::InboundDisabled => "inbound_disabled",
            Reason::AllowlistedProject => "allowlisted_project",
            Reason::AllowlistedGroup => "allowlisted_group",
            Reason::NoInboundCheck => "no_inbound_check",
            Reason::AnonymousLevel => "anonymous_level",
            Reason::PublicUnrestricted => "public_unrestricted",
            Reason::OutboundNotAllowlisted => "outbound_not_allowlisted",
            Reason::NotInInboundAllowlist => "not_in_inbound_allowlist",
            Reason::PermissionNotGranted => "permission_not_granted",
            Reason::NoJobTokenPermission => "no_job_token_permission",
            Reason::InsufficientRole => "insufficient_role",
        }
    }
}

/// A request resolved against one [`World`]: may `source`'s job token be used on `target`? Made only
/// by [`World::query`] or [`World::query_by_index`], so it names projects its world has; it borrows
/// that world, and asks it.
#[derive(Clone)]
pub struct Query<'w> {
    world: &'w World,
    pub(crate) source: ProjectIndex,
    pub(crate) target: ProjectIndex,
    pub(crate) permission: Option<Permission>,
    /// The triggering user, as given.
    pub(crate) user: Option<String>,
}

impl std::fmt::Debug for Query<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = |p: ProjectIndex| self.world.project(p).path;
        f.debug_struct("Query")
            .field("source", &path(self.source))
            .field("target", &path(self.target))
            .field("permission", &self.permission.map(Permission::name))
            .field("user", &self.user)
            .finish()
    }
}

impl<'w> Query<'w> {
    /// A query of `world`; the indices are its projects'.
    pub(crate) fn new(
        world: &'w World,
        source: ProjectIndex,
        target: ProjectIndex,
        permission: Option<Permission>,
    ) -> Self {
        Query {
            world,
            source,
            target,
            permission,
            user: None,
        }
    }

    /// The same request made by `user` (the triggering user: roles and private-project reads).
    pub fn with_user(self, user: impl Into<String>) -> Self {
        Query {
            user: Some(user.into()),
            ..self
        }
    }

    /// The project whose job holds the token.
    pub fn source(&self) -> ProjectId {
        ProjectId::of(self.source)
    }

    /// The project the token is used on.
    pub fn target(&self) -> ProjectId {
        ProjectId::of(self.target)
    }

    /// The fine-grained permission the request needs, if any.
    pub fn permission(&self) -> Option<Permission> {
        self.permission
    }

    /// The triggering user, if given.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The decision with its message and full trace.
    pub fn explain(&self) -> Decision {
        let mut trace: Vec<TraceStep> = Vec::new();
        let finding = self.world.decide(self, &mut trace);
        Decision {
            allowed: finding.allowed,
            reason: finding.reason.as_str(),
            message: self.world.message(self, &finding),
            trace,
        }
    }

    /// Allowed or not, the reason and the message, without the trace (the edge gate's answer).
    pub fn verdict(&self) -> Verdict {
        let finding = self.world.decide(self, &mut ());
        Verdict {
            allowed: finding.allowed,
            reason: finding.reason,
            message: self.world.message(self, &finding),
        }
    }

    /// Allowed or not, and nothing else: no trace text is built.
    pub fn check(&self) -> bool {
        self.world.decide(self, &mut ()).allowed
    }
}

/// A decision without its trace: [`Query::verdict`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// Whether the token may be used.
    pub allowed: bool,
    /// Why.
    pub reason: Reason,
    /// GitLab's text for the answer.
    pub message: String,
}

/// What [`World::decide`] found; enough to write the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Finding {
    pub allowed: bool,
    pub reason: Reason,
    /// The group entry that admitted the source (also for `no_job_token_permission`).
    pub group: Option<GroupIndex>,
    /// For `insufficient_role`: the user's role and the role needed.
    pub role: Option<(Option<Role>, Role)>,
}

impl Finding {
    fn allow(reason: Reason) -> Finding {
        Finding {
            allowed: true,
            reason,
            group: None,
            role: None,
        }
    }

    fn deny(reason: Reason) -> Finding {
        Finding {
            allowed: false,
            ..Finding::allow(reason)
        }
    }
}

/// How the inbound rule admitted the source.
enum Admission<'w> {
    /// A project or group entry admitted it (the fine-grained rule reads this entry).
    Entry(Entry<'w>, Option<GroupIndex>),
    /// No allowlist applied (not enforced, or no inbound allowlist in this release).
    Open(Reason),
}

const SAME_PROJECT: &str = "same_project";
const OUTBOUND: &str = "outbound";
const INBOUND: &str = "inbound";
const FINE_GRAINED: &str = "fine_grained";
const ROLE: &str = "role";
const ANONYMOUS_LEVEL: &str = "anonymous_level";

impl World {
    /// Resolves a request against this world: unknown projects and permissions are errors.
    pub fn query(&self, request: &RequestInput) -> Result<Query<'_>, Error> {
        let query = Query::new(
            self,
            self.require_project(&request.source, "source")?,
            self.require_project(&request.target, "target")?,
            request
                .permission
                .as_deref()
                .map(|name| permission("permission", name))
                .transpose()?,
        );
        Ok(Query {
            user: request.user.clone(),
            ..query
        })
    }

    /// A query by project positions (as [`ProjectId::index`] gives them) and permission, or `None`
    /// for a position this world does not have or a permission a request may not name.
    pub fn query_by_index(
        &self,
        source: usize,
        target: usize,
        permission: Option<Permission>,
    ) -> Option<Query<'_>> {
        let valid = source < self.projects.len()
            && target < self.projects.len()
            && !matches!(permission, Some(p) if p.not_requestable().is_some());
        valid.then(|| Query::new(self, source, target, permission))
    }

    /// [`Query::check`] by paths, for compiled policies: no allocation when the paths are lower case.
    pub fn check_paths(
        &self,
        source: &str,
        target: &str,
        permission_name: Option<&str>,
    ) -> Result<bool, Error> {
        let query = Query::new(
            self,
            self.require_project(source, "source")?,
            self.require_project(target, "target")?,
            permission_name
                .map(|name| permission("permission", name))
                .transpose()?,
        );
        Ok(query.check())
    }

    /// [`Query::check`] by positions (from [`ProjectId::index`]) and [`Permission::index`], for
    /// callers that resolve names once and check many times. `None` for a position out of range or
    /// a permission a request may not name.
    pub fn check_indices(
        &self,
        source: usize,
        target: usize,
        permission: Option<usize>,
    ) -> Option<bool> {
        let permission = match permission {
            Some(index) => Some(Permission::from_index(index)?),
            None => None,
        };
        Some(self.query_by_index(source, target, permission)?.check())
    }

    /// Evaluates the rules in order; `trace` receives every rule evaluated.
    pub(crate) fn decide<T: Trace>(&self, query: &Query, trace: &mut T) -> Finding {
        // 1. A project can always use its own token on itself.
        if query.source == query.target {
            trace.record(SAME_PROJECT, Outcome::Pass, || {
                format!("{} is the target itself", self.project_path(query.source))
            });
            return Finding::allow(Reason::SameProject);
        }
        trace.record(SAME_PROJECT, Outcome::Skip, || {
            format!(
                "{} is not {}",
                self.project_path(query.source),
                self.project_path(query.target)
            )
        });

        let admission = match self
            .outbound_rule(query, trace)
            .and_then(|()| self.inbound_rule(query, trace))
        {
            Ok(admission) => admission,
            Err(denial) => return self.public_access_rule(query, denial, false, trace),
        };

        // 4. Fine-grained permissions restrict what an allowlist entry grants.
        let (admitted_by, group) = match admission {
            Admission::Entry(entry, group) => {
                if let Some(denied) = self.fine_grained_rule(query, &entry, trace) {
                    if denied.reason == Reason::NoJobTokenPermission {
                        // The entry admitted S for its policies: the scope says which entry.
                        return Finding { group, ..denied };
                    }
                    // GitLab's public-access fallback: routes that name their features in
                    // `allow_public_access_for_enabled_project_features` still answer.
                    return self.public_access_rule(query, denied.reason, true, trace);
                }
                let reason = if group.is_some() {
                    Reason::AllowlistedGroup
                } else {
                    Reason::AllowlistedProject
                };
                (reason, group)
            }
            Admission::Open(reason) => {
                trace.record(FINE_GRAINED, Outcome::Skip, || {
                    if !self.profile.fine_grained {
                        format!(
                            "fine-grained permissions arrive in GitLab 18.3 (this is {})",
                            self.version
                        )
                    } else {
                        format!(
                            "no allowlist entry admitted {}, so none restricts it",
                            self.project_path(query.source)
                        )
                    }
                });
                (reason, None)
            }
        };

        // 5. The token acts as the triggering user.
        if let Some(denied) = self.role_rule(query, trace) {
            return denied;
        }
        Finding {
            group,
            ..Finding::allow(admitted_by)
        }
    }

    /// 2. The deprecated outbound limit (14.1–17.11) restricts the source's token to private projects it lists.
    fn outbound_rule<T: Trace>(&self, query: &Query, trace: &mut T) -> Result<(), Reason> {
        let (s, t) = (&self.projects[query.source], &self.projects[query.target]);
        if !self.profile.outbound {
            trace.record(OUTBOUND, Outcome::Skip, || {
                if self.profile.inbound {
                    format!(
                        "the outbound setting was removed in GitLab 18.0 (this is {}); ignored",
                        self.version
                    )
                } else {
                    format!(
                        "the outbound setting arrives in GitLab 14.1 (this is {})",
                        self.version
                    )
                }
            });
            return Ok(());
        }
        if !s.outbound_enabled {
            trace.record(OUTBOUND, Outcome::Skip, || {
                format!(
                    "{} does not limit its job token's access (outbound setting off)",
                    self.project_path(query.source)
                )
            });
            return Ok(());
        }
        if t.visibility != Visibility::Private {
            trace.record(OUTBOUND, Outcome::Pass, || {
                format!(
                    "{} limits its job token, but {} is {}: the outbound limit applies only to private projects",
                    self.project_path(query.source),
                    self.project_path(query.target),
                    t.visibility.as_str()
                )
            });
            return Ok(());
        }
        if self
            .entry_for(
                query.source,
                List::OutboundProjects,
                Name::Project(query.target),
            )
            .is_some()
        {
            trace.record(OUTBOUND, Outcome::Pass, || {
                format!(
                    "{} is on {}'s outbound allowlist",
                    self.project_path(query.target),
                    self.project_path(query.source)
                )
            });
            return Ok(());
        }
        trace.record(OUTBOUND, Outcome::Fail, || {
            format!(
                "{} limits its job token and {} (private) is not on its outbound allowlist",
                self.project_path(query.source),
                self.project_path(query.target)
            )
        });
        Err(Reason::OutboundNotAllowlisted)
    }

    /// 3. The target's inbound allowlist (15.9+), with group entries from 17.0.
    fn inbound_rule<T: Trace>(
        &self,
        query: &Query,
        trace: &mut T,
    ) -> Result<Admission<'_>, Reason> {
        let t = &self.projects[query.target];
        if !self.profile.inbound {
            trace.record(INBOUND, Outcome::Skip, || {
                format!(
                    "the inbound allowlist arrives in GitLab 15.9 (this is {})",
                    self.version
                )
            });
            return Ok(Admission::Open(Reason::NoInboundCheck));
        }
        if !self.inbound_enforced(query.target) {
            trace.record(INBOUND, Outcome::Pass, || {
                format!("{} does not limit access with a CI_JOB_TOKEN and the instance does not enforce it", self.project_path(query.target))
            });
            return Ok(Admission::Open(Reason::InboundDisabled));
        }
        match self.inbound_entry(query.source, query.target) {
            Some((entry, None)) => {
                trace.record(INBOUND, Outcome::Pass, || {
                    format!(
                        "{} is on {}'s allowlist (entry {})",
                        self.project_path(query.source),
                        self.project_path(query.target),
                        entry.path
                    )
                });
                return Ok(Admission::Entry(entry, None));
            }
            Some((entry, group)) => {
                trace.record(INBOUND, Outcome::Pass, || {
                    format!(
                        "{} is in group {}, which is on {}'s allowlist",
                        self.project_path(query.source),
                        entry.path,
                        self.project_path(query.target)
                    )
                });
                return Ok(Admission::Entry(entry, group));
            }
            None => {}
        }
        trace.record(INBOUND, Outcome::Fail, || {
            let enforced_by = if t.inbound_enabled {
                "limits access"
            } else {
                "limits access (enforced by the instance)"
            };
            let groups: Vec<&str> = (self.groups_of(query.source))
                .map(|g| self.group(g).path)
                .collect();
            let ignored = if !self.profile.groups
                && !self.list(query.target, List::InboundGroups).is_empty()
            {
                format!(
                    "; its group entries are ignored before GitLab 17.0 (this is {})",
                    self.version
                )
            } else {
                String::new()
            };
            if self.profile.groups && !groups.is_empty() {
                format!(
                    "{} {enforced_by}; {} and its groups {} are not on its allowlist",
                    self.project_path(query.target),
                    self.project_path(query.source),
                    groups.join(", ")
                )
            } else {
                format!(
                    "{} {enforced_by}; {} is not on its allowlist{ignored}",
                    self.project_path(query.target),
                    self.project_path(query.source)
                )
            }
        });
        Err(Reason::NotInInboundAllowlist)
    }

    /// The entry of `target`'s inbound allowlist that admits `source`, whether or not the allowlist
    /// is enforced: its project entry, else (17.0+) the nearest group's, with that group. The nearest
    /// entry is also the one whose permissions apply.
    pub(crate) fn inbound_entry(
        &self,
        source: ProjectIndex,
        target: ProjectIndex,
    ) -> Option<(Entry<'_>, Option<GroupIndex>)> {
        if let Some(entry) = self.entry_for(target, List::InboundProjects, Name::Project(source)) {
            return Some((entry, None));
        }
        if self.profile.groups && !self.list(target, List::InboundGroups).is_empty() {
            for group in self.groups_of(source) {
                if let Some(entry) = self.entry_for(target, List::InboundGroups, Name::Group(group))
                {
                    return Some((entry, Some(group)));
                }
            }
        }
        None
    }

    /// Rule 4: from 18.3 an entry without default permissions grants only its policies
    /// (`Ci::JobToken::Scope#policies_allowed?`: the nearest entry, never merged with another).
    fn fine_grained_rule<T: Trace>(
        &self,
        query: &Query,
        entry: &Entry<'_>,
        trace: &mut T,
    ) -> Option<Finding> {
        if !self.profile.fine_grained {
            trace.record(FINE_GRAINED, Outcome::Skip, || {
                format!(
                    "fine-grained permissions are enforced from GitLab 18.3 (this is {})",
                    self.version
                )
            });
            return None;
        }
        if entry.default_permissions {
            trace.record(FINE_GRAINED, Outcome::Pass, || {
                format!(
                    "entry {} keeps the default permissions (all the user's role allows)",
                    entry.path
                )
            });
            return None;
        }
        let Some(permission) = query.permission else {
            trace.record(FINE_GRAINED, Outcome::Fail, || {
                format!(
                    "entry {} grants only its policies, and no job token permission was asked: an endpoint that declares none is closed to it",
                    entry.path
                )
            });
            return Some(Finding::deny(Reason::NoJobTokenPermission));
        };
        if !permission.fine_grained() {
            trace.record(FINE_GRAINED, Outcome::Skip, || {
                format!("fine-grained permissions do not control {permission} (the container registry authorises outside the API)")
            });
            return None;
        }
        if entry.granted.contains(permission) {
            trace.record(FINE_GRAINED, Outcome::Pass, || {
                let direct = entry.policies.iter().any(|p| p == permission.name());
                if direct {
                    format!("entry {}'s policies grant {permission}", entry.path)
                } else {
                    format!(
                        "entry {}'s policies grant {permission} (implied by its admin_ policy)",
                        entry.path
                    )
                }
            });
            return None;
        }
        trace.record(FINE_GRAINED, Outcome::Fail, || {
            let policies = if entry.policies.is_empty() {
                "none".to_owned()
            } else {
                entry.policies.join(", ")
            };
            format!(
                "entry {} grants only its policies ({policies}), not {permission}",
                entry.path
            )
        });
        Some(Finding::deny(Reason::PermissionNotGranted))
    }

    /// 5. The user's highest role on the target must reach the permission's minimum.
    fn role_rule<T: Trace>(&self, query: &Query, trace: &mut T) -> Option<Finding> {
        let t = &self.projects[query.target];
        let Some(user) = query.user.as_deref() else {
            trace.record(ROLE, Outcome::Skip, || "no user given".to_owned());
            return None;
        };
        if let Some(feature) = query.permission.and_then(|p| self.open_feature(t, p)) {
            trace.record(ROLE, Outcome::Pass, || {
                format!(
                    "{} on a {} project with its {} visible to everyone with access needs no membership",
                    query.permission.map_or("", Permission::name),
                    t.visibility.as_str(),
                    feature.name()
                )
            });
            return None;
        }
        let needed = query
            .permission
            .map_or(Role::Guest, Permission::minimum_role);
        let role = self.role_on(user, self.project_key(query.target));
        let what = || {
            query
                .permission
                .map_or("any access".to_owned(), |p| p.to_string())
        };
        if role >= Some(needed) {
            trace.record(ROLE, Outcome::Pass, || {
                format!(
                    "{user} is {} on {}; {} needs {needed}",
                    role.unwrap_or(needed),
                    self.project_path(query.target),
                    what()
                )
            });
            return None;
        }
        trace.record(ROLE, Outcome::Fail, || {
            let has = role.map_or("has no role".to_owned(), |r| format!("is only {r}"));
            format!(
                "{user} {has} on {}; {} needs at least {needed}",
                self.project_path(query.target),
                what()
            )
        });
        Some(Finding {
            role: Some((role, needed)),
            ..Finding::deny(Reason::InsufficientRole)
        })
    }

    /// The feature through which a public or internal `t` opens `permission` to users who are not
    /// its members, if it does: its visibility is "Everyone with access".
    fn open_feature(&self, t: &Project, permission: Permission) -> Option<Feature> {
        let feature = permission.everyone_feature()?;
        (t.visibility != Visibility::Private && t.features.get(feature) == FeatureAccess::Enabled)
            .then_some(feature)
    }

    /// Rule 6: what a public or internal target still opens to a job token its allowlist turned
    /// away (`ProjectPolicy`: `public_or_internal & ~project_allowed_for_job_token_by_scope`), or
    /// whose entry's policies do not grant the permission (`after_fine_grained`: the API's
    /// `allow_public_access_for_enabled_project_features` fallback).
    fn public_access_rule<T: Trace>(
        &self,
        query: &Query,
        denial: Reason,
        after_fine_grained: bool,
        trace: &mut T,
    ) -> Finding {
        let t = &self.projects[query.target];
        if t.visibility == Visibility::Private {
            trace.record(ANONYMOUS_LEVEL, Outcome::Skip, || {
                format!(
                    "{} is private: nothing is open to other job tokens",
                    self.project_path(query.target)
                )
            });
            return Finding::deny(denial);
        }
        if !self.profile.public_features {
            // Before 16.6 `project_allowed_for_job_token` held for every public or internal
            // project: the allowlist restricted private projects only.
            trace.record(ANONYMOUS_LEVEL, Outcome::Pass, || {
                format!(
                    "{} is {}: before GitLab 16.6 (this is {}) an allowlist restricts only private projects",
                    self.project_path(query.target),
                    t.visibility.as_str(),
                    self.version
                )
            });
            return match self.role_rule(query, trace) {
                Some(denied) => denied,
                None => Finding::allow(Reason::PublicUnrestricted),
            };
        }
        let Some(permission) = query.permission else {
            trace.record(ANONYMOUS_LEVEL, Outcome::Fail, || {
                format!(
                    "{} is {}, but without a permission nothing names a feature visible to everyone",
                    self.project_path(query.target),
                    t.visibility.as_str()
                )
            });
            return Finding::deny(denial);
        };
        let closed = |feature: Feature| t.features.get(feature) != FeatureAccess::Enabled;
        // Under enforced fine-grained permissions the API also asks its route's features
        // (`allow_public_access_for_enabled_project_features`): all must be visible to everyone.
        let route_fallback = || {
            let features = permission.route_features();
            match features.iter().find(|&&f| closed(f)) {
                _ if features.is_empty() => Err(format!(
                    "no {permission} endpoint falls back to public access under fine-grained permissions"
                )),
                Some(&feature) => Err(format!(
                    "the {permission} endpoints' public-access fallback needs its {} visible to everyone, and it is {}",
                    feature.name(),
                    t.features.get(feature).as_str()
                )),
                None => Ok(()),
            }
        };
        let outcome = if after_fine_grained {
            route_fallback()
        } else {
            match permission.public_feature(self.version) {
                None => Err(format!(
                    "{permission} is not opened to job tokens outside the allowlist in GitLab {}",
                    self.version
                )),
                Some(feature) if closed(feature) => Err(format!(
                    "its {} is {}",
                    feature.name(),
                    t.features.get(feature).as_str()
                )),
                Some(_) if self.profile.fine_grained && permission.fine_grained() => {
                    route_fallback()
                }
                Some(_) => Ok(()),
            }
        };
        match outcome {
            Ok(()) => {
                trace.record(ANONYMOUS_LEVEL, Outcome::Pass, || {
                    format!(
                        "{} is {}: {permission} is open to everyone with access",
                        self.project_path(query.target),
                        t.visibility.as_str()
                    )
                });
                match self.role_rule(query, trace) {
                    Some(denied) => denied,
                    None => Finding::allow(Reason::AnonymousLevel),
                }
            }
            Err(why) => {
                trace.record(ANONYMOUS_LEVEL, Outcome::Fail, || {
                    format!(
                        "{} is {}, but {why}",
                        self.project_path(query.target),
                        t.visibility.as_str()
                    )
                });
                Finding::deny(denial)
            }
        }
    }

    /// The sentence for people; for the inbound denial it is GitLab's own.
    fn message(&self, query: &Query, verdict: &Finding) -> String {
        let (s, t) = (
            self.project(query.source).path,
            self.project(query.target).path,
        );
        let asked = query
            .permission
            .map_or(String::new(), |p| format!(" for {p}"));
        // GitLab's own text when `Scope#accessible?` fails (whichever direction refused) or the user
        // cannot `read_project` (lib/api/helpers.rb `handle_job_token_failure!`), by `Project#path`.
        let not_allowed = || {
            format!(
                "Authentication by CI/CD job token not allowed from {} to {}.",
                last_segment(s),
                last_segment(t)
            )
        };
        match verdict.reason {
            Reason::SameProject => format!("{s} may always use its own CI/CD job token on itself."),
            Reason::InboundDisabled => format!(
                "{t} does not limit CI/CD job token access: {s} may authenticate to it{asked}."
            ),
            Reason::AllowlistedProject => format!("{s} is on {t}'s CI/CD job token allowlist."),
            Reason::AllowlistedGroup => {
                let group = verdict.group.map_or("", |g| self.group(g).path);
                format!("{s} is in group {group}, which is on {t}'s CI/CD job token allowlist.")
            }
            Reason::NoInboundCheck => format!(
                "GitLab {} has no inbound job token allowlist: {s} may authenticate to {t}{asked}.",
                self.version
            ),
            Reason::AnonymousLevel => format!(
                "{s}'s CI/CD job token is not admitted for {} by {t}'s allowlist, but {t} is {} and opens it to everyone with access.",
                query.permission.map_or("", Permission::name),
                self.projects[query.target].visibility.as_str(),
            ),
            Reason::PublicUnrestricted => format!(
                "{t} is {}: before GitLab 16.6 a CI/CD job token allowlist restricts only private projects, so {s} may authenticate to it{asked}.",
                self.projects[query.target].visibility.as_str(),
            ),
            Reason::OutboundNotAllowlisted | Reason::NotInInboundAllowlist => not_allowed(),
            Reason::PermissionNotGranted => format!(
                "Insufficient permissions to access this resource in project {}. The following token permission is required: {}.",
                last_segment(t),
                query.permission.map_or("", Permission::name)
            ),
            Reason::NoJobTokenPermission => {
                "This action is unauthorized for CI/CD job tokens.".to_owned()
            }
            // No role at all on a private project: `read_project` fails.
            Reason::InsufficientRole
                if verdict.role.is_some_and(|(role, _)| role.is_none())
                    && self.projects[query.target].visibility == Visibility::Private =>
            {
                not_allowed()
            }
            Reason::InsufficientRole => {
                let user = query.user.as_deref().unwrap_or("");
                let (role, needed) = verdict.role.unwrap_or((None, Role::Guest));
                let has = role.map_or("has no role".to_owned(), |r| format!("is only {r}"));
                let what = query.permission.map_or("access".to_owned(), |p| p.to_string());
                format!("{user} {has} on {t}; {what} needs at least {needed}.")
            }
        }
    }
}

/// `Project#path`: the last segment of a full path, as GitLab's messages name projects.
pub(crate) fn last_segment(path: &str) -> &str {
    // By bytes: `/` is ASCII, and a char searcher costs the wasm ~0.5 KB.
    let start = path.bytes().rposition(|b| b == b'/').map_or(0, |i| i + 1);
    path.get(start..).unwrap_or(path)
}

/// A permission a request may name, or an `invalid_input` error at `at`.
pub(crate) fn permission(at: &str, name: &str) -> Result<Permission, Error> {
    let found = Permission::from_name(name).ok_or_else(|| {
        Error::invalid(
            at,
            format!(
                "unknown permission \"{name}\"; expected one of {}",
                Permission::names()
            ),
        )
    })?;
    match found.not_requestable() {
        Some(why) => Err(Error::invalid(at, format!("{name}: {why}"))),
        None => Ok(found),
    }
}

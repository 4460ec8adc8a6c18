//! The GitLab input shapes as JSON gives them (docs/gitlab-rules.md, "Input the rules depend on"), before any checking beyond shapes.
//!
//! Unknown keys are refused everywhere so that a typo never silently changes a decision.

use super::permission::Role;
use crate::value::{
    boolean, list, map, one_of, optional, required, string, Fields, FromValue, Path, Shape, Value,
};
use crate::Error;

/// A whole GitLab instance as far as job tokens care: version, instance setting, projects, users.
#[derive(Debug, Clone)]
pub struct WorldInput {
    /// `version`: the GitLab release, `"major.minor"` such as `"17.10"`, or `"latest"` (the default).
    pub version: Option<VersionText>,
    /// `instance`: the instance-wide settings.
    pub instance: Option<InstanceInput>,
    /// Groups whose visibility matters (adding a group needs `read_group`); the others are private.
    pub groups: Vec<GroupInput>,
    /// `projects` (required): the instance's projects and their settings.
    pub projects: Vec<ProjectInput>,
    /// user name → (project or group path → role), in input order.
    pub users: Vec<(String, Vec<(String, Role)>)>,
}

impl FromValue for WorldInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a GitLab world",
            keys: &[
                optional("version"),
                optional("instance"),
                optional("groups"),
                required("projects"),
                optional("users"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(WorldInput {
            version: f.optional("version", at, VersionText::from_value)?,
            instance: f.optional("instance", at, InstanceInput::from_value)?,
            groups: f
                .optional("groups", at, |v, at| list(v, at, GroupInput::from_value))?
                .unwrap_or_default(),
            projects: f.required("projects", at, |v, at| {
                list(v, at, ProjectInput::from_value)
            })?,
            users: f
                .optional("users", at, |v, at| {
                    map(v, at, |v, at| {
                        map(v, at, |v, at| one_of(v, at, Role::NAMES))
                    })
                })?
                .unwrap_or_default(),
        })
    }
}

/// Instance-wide settings (Admin area).
#[derive(Debug, Clone, Default)]
pub struct InstanceInput {
    /// "Enable and enforce job token allowlist for all projects"; default: on from 18.0.
    pub enforce_inbound_scope: Option<bool>,
}

impl FromValue for InstanceInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "the instance settings",
            keys: &[optional("enforceInboundScope")],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(InstanceInput {
            enforce_inbound_scope: f.optional("enforceInboundScope", at, boolean)?,
        })
    }
}

/// A group named for its visibility: `{ "path", "visibility" }`.
#[derive(Debug, Clone)]
pub struct GroupInput {
    /// `path` (required): the group's full path, such as `acme/platform`.
    pub path: String,
    /// `visibility`: `private` (default), `internal` or `public`.
    pub visibility: Visibility,
}

impl FromValue for GroupInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a group",
            keys: &[required("path"), optional("visibility")],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(GroupInput {
            path: f.required("path", at, string)?,
            visibility: f
                .optional("visibility", at, |v, at| one_of(v, at, Visibility::NAMES))?
                .unwrap_or_default(),
        })
    }
}

/// One project and its Token Access settings.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    /// `path` (required): the project's full path, such as `acme/platform/api`.
    pub path: String,
    /// `visibility`: `private` (default), `internal` or `public`.
    pub visibility: Visibility,
    /// `features`: each feature's visibility; every one `enabled` by default.
    pub features: Features,
    /// `inbound`: who may use their job token on this project; default on, with an empty allowlist.
    pub inbound: InboundInput,
    /// `outbound`: where this project's job token may go (deprecated); default off.
    pub outbound: OutboundInput,
}

/// A project feature whose visibility decides what a job token outside a public or internal
/// project's allowlist reaches (`ProjectFeature`: `*_access_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// `repository`: "Repository".
    Repository,
    /// `packages`: "Package registry".
    Packages,
    /// `containerRegistry`: "Container registry".
    ContainerRegistry,
    /// `builds`: "CI/CD" (jobs and their artifacts).
    Builds,
    /// `releases`: "Releases".
    Releases,
    /// `environments`: "Environments".
    Environments,
}

impl Feature {
    /// Every feature by its input name, in order.
    pub const NAMES: [(&'static str, Feature); 6] = [
        ("repository", Feature::Repository),
        ("packages", Feature::Packages),
        ("containerRegistry", Feature::ContainerRegistry),
        ("builds", Feature::Builds),
        ("releases", Feature::Releases),
        ("environments", Feature::Environments),
    ];

    /// Its input name, such as `containerRegistry`.
    pub fn name(self) -> &'static str {
        Feature::NAMES[self as usize].0
    }
}

/// A feature's visibility: "Everyone with access", "Only project members", or off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FeatureAccess {
    /// `enabled`: "Everyone with access" (the default).
    #[default]
    Enabled,
    /// `private`: "Only project members".
    Private,
    /// `disabled`: the feature is off.
    Disabled,
}

impl FeatureAccess {
    pub(crate) const NAMES: &'static [(&'static str, FeatureAccess)] = &[
        ("enabled", FeatureAccess::Enabled),
        ("private", FeatureAccess::Private),
        ("disabled", FeatureAccess::Disabled),
    ];

    /// Its input name: `enabled`, `private` or `disabled`.
    pub fn as_str(self) -> &'static str {
        FeatureAccess::NAMES[self as usize].0
    }
}

/// Every feature's visibility, by [`Feature`] order; each defaults to `enabled`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features(pub [FeatureAccess; 6]);

impl Features {
    /// The visibility of `feature`.
    pub fn get(&self, feature: Feature) -> FeatureAccess {
        self.0[feature as usize]
    }
}

impl FromValue for Features {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let keys = Feature::NAMES.map(|(name, _)| optional(name));
        let shape = Shape {
            noun: "the features' visibility",
            keys: &keys,
            note: ", each \"enabled\", \"private\" or \"disabled\"",
        };
        let f = Fields::of(value, at, &shape)?;
        let mut features = Features::default();
        for (name, feature) in Feature::NAMES {
            if let Some(access) =
                f.optional(name, at, |v, at| one_of(v, at, FeatureAccess::NAMES))?
            {
                features.0[feature as usize] = access;
            }
        }
        Ok(features)
    }
}

impl FromValue for ProjectInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a project",
            keys: &[
                required("path"),
                optional("visibility"),
                optional("features"),
                optional("inbound"),
                optional("outbound"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(ProjectInput {
            path: f.required("path", at, string)?,
            visibility: f
                .optional("visibility", at, |v, at| one_of(v, at, Visibility::NAMES))?
                .unwrap_or_default(),
            features: f
                .optional("features", at, Features::from_value)?
                .unwrap_or_default(),
            inbound: f
                .optional("inbound", at, InboundInput::from_value)?
                .unwrap_or_default(),
            outbound: f
                .optional("outbound", at, OutboundInput::from_value)?
                .unwrap_or_default(),
        })
    }
}

/// Project visibility level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Visibility {
    /// `private` (the default): members only.
    #[default]
    Private,
    /// `internal`: every signed-in user.
    Internal,
    /// `public`: everyone.
    Public,
}

impl Visibility {
    pub(crate) const NAMES: &'static [(&'static str, Visibility)] = &[
        ("private", Visibility::Private),
        ("internal", Visibility::Internal),
        ("public", Visibility::Public),
    ];

    /// Its input name: `private`, `internal` or `public`.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }
}

/// "Allow access to this project with a CI_JOB_TOKEN" and its allowlist (15.9+).
#[derive(Debug, Clone)]
pub struct InboundInput {
    /// On by default: new projects since 15.9 have it enabled.
    pub enabled: bool,
    /// `projects`: the allowlist's project entries; default none.
    pub projects: Vec<EntryInput>,
    /// `groups`: the allowlist's group entries (17.0+); default none.
    pub groups: Vec<EntryInput>,
}

impl Default for InboundInput {
    fn default() -> Self {
        InboundInput {
            enabled: true,
            projects: Vec::new(),
            groups: Vec::new(),
        }
    }
}

impl FromValue for InboundInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "an inbound allowlist",
            keys: &[
                optional("enabled"),
                optional("projects"),
                optional("groups"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(InboundInput {
            enabled: f.optional("enabled", at, boolean)?.unwrap_or(true),
            projects: f
                .optional("projects", at, |v, at| list(v, at, EntryInput::from_value))?
                .unwrap_or_default(),
            groups: f
                .optional("groups", at, |v, at| list(v, at, EntryInput::from_value))?
                .unwrap_or_default(),
        })
    }
}

/// The deprecated outbound "Limit CI_JOB_TOKEN access" (14.1–17.11).
#[derive(Debug, Clone, Default)]
pub struct OutboundInput {
    /// `enabled`: the limit is on (16.3: "Limit access from this project"); default off.
    pub enabled: bool,
    /// `projects`: the projects this project's job token may still reach while the limit is on;
    /// default none.
    pub projects: Vec<String>,
}

impl FromValue for OutboundInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "an outbound allowlist",
            keys: &[optional("enabled"), optional("projects")],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(OutboundInput {
            enabled: f.optional("enabled", at, boolean)?.unwrap_or(false),
            projects: f
                .optional("projects", at, |v, at| list(v, at, string))?
                .unwrap_or_default(),
        })
    }
}

/// An allowlist entry: a path, or `{ "path", "defaultPermissions", "policies" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInput {
    /// `path` (required): the project's or group's full path, such as `acme/platform`.
    pub path: String,
    /// `defaultPermissions`: the entry grants all that the user's role allows; default true. False:
    /// only its `policies` (18.3+).
    pub default_permissions: bool,
    /// `policies`: the fine-grained permissions it grants, such as `read_packages`; default none.
    pub policies: Vec<String>,
}

impl FromValue for EntryInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        if let Value::String(path) = value {
            return Ok(EntryInput {
                path: path.to_string(),
                default_permissions: true,
                policies: Vec::new(),
            });
        }
        const SHAPE: Shape = Shape {
            noun: "a path string or an entry",
            keys: &[
                required("path"),
                optional("defaultPermissions"),
                optional("policies"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(EntryInput {
            path: f.required("path", at, string)?,
            default_permissions: f
                .optional("defaultPermissions", at, boolean)?
                .unwrap_or(true),
            policies: f
                .optional("policies", at, |v, at| list(v, at, string))?
                .unwrap_or_default(),
        })
    }
}

/// The `version` value: a string. Numbers are refused because 17.1 and 17.10 are the same number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionText(pub String);

impl FromValue for VersionText {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        match value {
            Value::String(text) => Ok(VersionText(text.to_string())),
            other => Err(at.error(format!(
                "expected a version string such as \"17.10\" or \"latest\", found {} (a number cannot tell 17.1 from 17.10)",
                other.kind()
            ))),
        }
    }
}

/// May a job in `source` use its token against `target` (for `permission`, as `user`)?
#[derive(Debug, Clone)]
pub struct RequestInput {
    /// `source` (required): the project whose job holds the token.
    pub source: String,
    /// `target` (required): the project the token is used on.
    pub target: String,
    /// `permission`: the job token permission the endpoint needs, such as `read_packages`; absent: an
    /// endpoint that declares none.
    pub permission: Option<String>,
    /// `user`: who triggered the job, for the role check; absent: no role check.
    pub user: Option<String>,
}

impl FromValue for RequestInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a request",
            keys: &[
                required("source"),
                required("target"),
                optional("permission"),
                optional("user"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(RequestInput {
            source: f.required("source", at, string)?,
            target: f.required("target", at, string)?,
            permission: f.optional("permission", at, string)?,
            user: f.optional("user", at, string)?,
        })
    }
}

/// A change to a project's Token Access settings, made by `user`.
#[derive(Debug, Clone)]
pub struct EditInput {
    /// `user` (required): who makes the change.
    pub user: String,
    /// `project` (required): the project whose settings change.
    pub project: String,
    /// `action` (required): `add`, `remove`, `enable`, `disable` or `setPolicies`.
    pub action: EditAction,
    /// `entry`: the project or group path to add, remove or set policies on; required for those.
    pub entry: Option<String>,
    /// `kind`: whether `entry` is a `project` (default) or a `group`.
    pub kind: EntryKind,
    /// Which list: the inbound allowlist (default) or the deprecated outbound one.
    pub direction: Direction,
    /// For `add` / `setPolicies`: the entry's new "default permissions" switch.
    pub default_permissions: Option<bool>,
    /// For `add` / `setPolicies`: the entry's fine-grained policies.
    pub policies: Option<Vec<String>>,
}

impl FromValue for EditInput {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "an edit",
            keys: &[
                required("user"),
                required("project"),
                required("action"),
                optional("entry"),
                optional("kind"),
                optional("direction"),
                optional("defaultPermissions"),
                optional("policies"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(EditInput {
            user: f.required("user", at, string)?,
            project: f.required("project", at, string)?,
            action: f.required("action", at, |v, at| one_of(v, at, EditAction::NAMES))?,
            entry: f.optional("entry", at, string)?,
            kind: f
                .optional("kind", at, |v, at| {
                    one_of(
                        v,
                        at,
                        &[("project", EntryKind::Project), ("group", EntryKind::Group)],
                    )
                })?
                .unwrap_or_default(),
            direction: f
                .optional("direction", at, |v, at| {
                    one_of(
                        v,
                        at,
                        &[
                            ("inbound", Direction::Inbound),
                            ("outbound", Direction::Outbound),
                        ],
                    )
                })?
                .unwrap_or_default(),
            default_permissions: f.optional("defaultPermissions", at, boolean)?,
            policies: f.optional("policies", at, |v, at| list(v, at, string))?,
        })
    }
}

/// What the edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditAction {
    /// `add`: add `entry` to the list.
    Add,
    /// `remove`: remove `entry` from the list.
    Remove,
    /// `enable`: turn the list's limit on.
    Enable,
    /// `disable`: turn the list's limit off.
    Disable,
    /// `setPolicies`: change `entry`'s default permissions and policies (18.3+).
    SetPolicies,
}

impl EditAction {
    const NAMES: &'static [(&'static str, EditAction)] = &[
        ("add", EditAction::Add),
        ("remove", EditAction::Remove),
        ("enable", EditAction::Enable),
        ("disable", EditAction::Disable),
        ("setPolicies", EditAction::SetPolicies),
    ];

    /// Its input name, such as `setPolicies`.
    pub fn as_str(self) -> &'static str {
        EditAction::NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(name, _)| name)
    }
}

/// Which of a project's lists an edit changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    /// Who may use their job token on this project (15.9+).
    #[default]
    Inbound,
    /// Where this project's job token may go (the deprecated outbound list, 14.1 to 17.11).
    Outbound,
}

/// Whether an allowlist entry is a project or a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntryKind {
    /// `project` (the default).
    #[default]
    Project,
    /// `group` (17.0+).
    Group,
}

// ───────── enforcement readiness (`planGitlabEnforcement`, docs/enforcement.md) ─────────

/// One logged cross-project use of a job token (GitLab's `ci_job_token_authorizations` row): a job of
/// `source` used its token on `target`, last at `lastAuthorizedAt`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthLogEntry {
    /// `source` (required): the project whose job held the token (GitLab's `origin_project`).
    pub source: String,
    /// `target` (required): the project the token was used on (GitLab's `accessed_project`).
    pub target: String,
    /// `lastAuthorizedAt`: when, as GitLab gives it (an ISO 8601 time); kept as text.
    pub last_authorized_at: Option<String>,
}

impl FromValue for AuthLogEntry {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a log entry",
            keys: &[
                required("source"),
                required("target"),
                optional("lastAuthorizedAt"),
            ],
            note: ", or a GitLab project: { \"fullPath\", \"ciJobTokenAuthLogs\": { \"nodes\" } }",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(AuthLogEntry {
            source: f.required("source", at, log_path)?,
            target: f.required("target", at, log_path)?,
            last_authorized_at: f.optional("lastAuthorizedAt", at, string)?,
        })
    }
}

/// A job token authentication log, read into entries. Each item is an [`AuthLogEntry`] or a project
/// as GitLab's GraphQL API answers `project(fullPath) { fullPath ciJobTokenAuthLogs { nodes {
/// originProject { fullPath } lastAuthorizedAt } } }` (`Types::Ci::JobTokenAuthLogType`), whose
/// nodes become entries with that project as their target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthLog(pub Vec<AuthLogEntry>);

impl FromValue for AuthLog {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        let Value::Array(items) = value else {
            return Err(at.error(format!(
                "expected an array of log entries, found {}",
                value.kind()
            )));
        };
        let mut entries = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let at = at.index(i);
            let gitlab = matches!(item, Value::Object(fields)
                if fields.iter().any(|(k, _)| k == "fullPath" || k == "ciJobTokenAuthLogs"));
            if gitlab {
                gitlab_project_log(item, &at, &mut entries)?;
            } else {
                entries.push(AuthLogEntry::from_value(item, &at)?);
            }
        }
        Ok(AuthLog(entries))
    }
}

/// Reads a GraphQL `Project` with its `ciJobTokenAuthLogs` connection into `entries`. The other fields
/// GitLab's types have (`CiJobTokenAccessibleProject`, the connection's `count` and `pageInfo`) are
/// accepted and not read; any other key is refused, as everywhere.
fn gitlab_project_log(
    value: &Value,
    at: &Path,
    entries: &mut Vec<AuthLogEntry>,
) -> Result<(), Error> {
    const PROJECT: Shape = Shape {
        noun: "a GitLab project",
        keys: &[
            required("fullPath"),
            required("ciJobTokenAuthLogs"),
            optional("id"),
            optional("name"),
            optional("path"),
            optional("__typename"),
        ],
        note: "",
    };
    let f = Fields::of(value, at, &PROJECT)?;
    let target = f.required("fullPath", at, log_path)?;
    let logs_at = at.key("ciJobTokenAuthLogs");
    let Some(logs) = f.get("ciJobTokenAuthLogs") else {
        return Err(at.error("missing field `ciJobTokenAuthLogs`"));
    };
    const CONNECTION: Shape = Shape {
        noun: "a CiJobTokenAuthLogConnection",
        keys: &[
            required("nodes"),
            optional("count"),
            optional("pageInfo"),
            optional("__typename"),
        ],
        note: "",
    };
    let logs = Fields::of(logs, &logs_at, &CONNECTION)?;
    let nodes_at = logs_at.key("nodes");
    let Some(Value::Array(nodes)) = logs.get("nodes") else {
        return Err(match logs.get("nodes") {
            Some(other) => nodes_at.error(format!("expected an array, found {}", other.kind())),
            None => logs_at.error("missing field `nodes`"),
        });
    };
    for (i, node) in nodes.iter().enumerate() {
        let at = nodes_at.index(i);
        const NODE: Shape = Shape {
            noun: "a CiJobTokenAuthLog",
            keys: &[
                required("originProject"),
                optional("lastAuthorizedAt"),
                optional("__typename"),
            ],
            note: "",
        };
        let node = Fields::of(node, &at, &NODE)?;
        let origin_at = at.key("originProject");
        let Some(origin) = node.get("originProject") else {
            return Err(at.error("missing field `originProject`"));
        };
        const ORIGIN: Shape = Shape {
            noun: "a CiJobTokenAccessibleProject",
            keys: &[
                required("fullPath"),
                optional("id"),
                optional("name"),
                optional("path"),
                optional("webUrl"),
                optional("avatarUrl"),
                optional("__typename"),
            ],
            note: "",
        };
        let origin = Fields::of(origin, &origin_at, &ORIGIN)?;
        entries.push(AuthLogEntry {
            source: origin.required("fullPath", &origin_at, log_path)?,
            target: target.clone(),
            last_authorized_at: node.optional("lastAuthorizedAt", &at, string)?,
        });
    }
    Ok(())
}

/// A path in a log, as given: well formed (non-empty segments), but not necessarily a project of the
/// world (those are reported, not refused).
fn log_path(value: &Value, at: &Path) -> Result<String, Error> {
    let path = string(value, at)?;
    super::path::checked_path(&path, &|| at.to_string(), 1)?;
    Ok(path)
}

/// `planGitlabEnforcement`'s options: `{ "projects"?, "strategy"?, "limit"? }`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `projects`: the projects to plan; default: every target of the log.
    pub projects: Option<Vec<String>>,
    /// `strategy`: `least-privilege` (default) or `gitlab`.
    pub strategy: PlanStrategy,
    /// `limit`: most entries a proposal holds, projects and groups together; default: the release's
    /// limits, each list its own.
    pub limit: Option<usize>,
}

impl FromValue for PlanOptions {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "options",
            keys: &[
                optional("projects"),
                optional("strategy"),
                optional("limit"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(PlanOptions {
            projects: f.optional("projects", at, |v, at| list(v, at, string))?,
            strategy: f
                .optional("strategy", at, |v, at| one_of(v, at, PlanStrategy::NAMES))?
                .unwrap_or_default(),
            limit: f.optional("limit", at, entry_count)?,
        })
    }
}

/// A number of allowlist entries: a whole number, 0 or more.
fn entry_count(value: &Value, at: &Path) -> Result<usize, Error> {
    match value {
        Value::Number(n) if *n >= 0.0 && n.fract() == 0.0 && *n <= 1e9 => Ok(*n as usize),
        other => Err(at.error(format!(
            "expected a whole number of entries, 0 or more, found {}",
            other.kind()
        ))),
    }
}

/// How a plan proposes allowlists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlanStrategy {
    /// `least-privilege`: the allowlist that admits the fewest other projects (docs/enforcement.md).
    #[default]
    LeastPrivilege,
    /// `gitlab`: what GitLab's auto-populate writes (`Ci::JobToken::AuthorizationsCompactor`).
    Gitlab,
}

impl PlanStrategy {
    const NAMES: &'static [(&'static str, PlanStrategy)] = &[
        ("least-privilege", PlanStrategy::LeastPrivilege),
        ("gitlab", PlanStrategy::Gitlab),
    ];
}

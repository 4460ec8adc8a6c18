//! The GitLab input shapes as JSON gives them (SPEC §3), before any checking beyond types.
//!
//! Unknown keys are refused everywhere so that a typo never silently changes a decision.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::permission::Role;

/// A whole GitLab instance as far as job tokens care: version, instance setting, projects, users.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a GitLab world: an object with \"projects\" (and optionally \"version\", \"instance\", \"users\")"
)]
pub struct WorldInput {
    #[serde(default)]
    pub version: Option<VersionText>,
    #[serde(default)]
    pub instance: Option<InstanceInput>,
    pub projects: Vec<ProjectInput>,
    /// user name → (project or group path → role)
    #[serde(default)]
    pub users: BTreeMap<String, BTreeMap<String, Role>>,
}

/// Instance-wide settings (Admin area).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InstanceInput {
    /// "Enable and enforce job token allowlist for all projects"; default: on from 18.0.
    #[serde(default)]
    pub enforce_inbound_scope: Option<bool>,
}

/// One project and its Token Access settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProjectInput {
    pub path: String,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default)]
    pub inbound: InboundInput,
    #[serde(default)]
    pub outbound: OutboundInput,
}

/// Project visibility level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Private,
    Internal,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }
}

/// "Allow access to this project with a CI_JOB_TOKEN" and its allowlist (15.9+).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InboundInput {
    /// On by default: new projects since 15.9 have it enabled.
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub projects: Vec<EntryInput>,
    #[serde(default)]
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

/// The deprecated outbound "Limit CI_JOB_TOKEN access" (14.1–17.11).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OutboundInput {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub projects: Vec<String>,
}

fn yes() -> bool {
    true
}

/// An allowlist entry: a path, or `{ "path", "defaultPermissions", "policies" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInput {
    pub path: String,
    pub default_permissions: bool,
    pub policies: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EntryObject {
    path: String,
    #[serde(default = "yes")]
    default_permissions: bool,
    #[serde(default)]
    policies: Vec<String>,
}

impl<'de> Deserialize<'de> for EntryInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = EntryInput;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path string or { \"path\", \"defaultPermissions\", \"policies\" }")
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<EntryInput, E> {
                Ok(EntryInput {
                    path: path.to_owned(),
                    default_permissions: true,
                    policies: Vec::new(),
                })
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<EntryInput, M::Error> {
                let entry = EntryObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(EntryInput {
                    path: entry.path,
                    default_permissions: entry.default_permissions,
                    policies: entry.policies,
                })
            }
        }
        deserializer.deserialize_any(EntryVisitor)
    }
}

/// The `version` value: a string. Numbers are refused because 17.1 and 17.10 are the same number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionText(pub String);

impl<'de> Deserialize<'de> for VersionText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VersionVisitor;
        impl Visitor<'_> for VersionVisitor {
            type Value = VersionText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a version string such as \"17.10\" or \"latest\" (a number cannot tell 17.1 from 17.10)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<VersionText, E> {
                Ok(VersionText(text.to_owned()))
            }
        }
        deserializer.deserialize_any(VersionVisitor)
    }
}

/// May a job in `source` use its token against `target` (for `permission`, as `user`)?
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "a request: { \"source\", \"target\", \"permission\"?, \"user\"? }"
)]
pub struct RequestInput {
    pub source: String,
    pub target: String,
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
}

/// A change to a project's Token Access settings, made by `user`.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an edit: { \"user\", \"project\", \"action\", \"entry\"?, \"kind\"? }"
)]
pub struct EditInput {
    pub user: String,
    pub project: String,
    pub action: EditAction,
    #[serde(default)]
    pub entry: Option<String>,
    #[serde(default)]
    pub kind: EntryKind,
    /// For `setPolicies`: the entry's new "default permissions" switch (default true when `policies` is absent).
    #[serde(default)]
    pub default_permissions: Option<bool>,
    /// For `setPolicies`: the entry's new fine-grained policies.
    #[serde(default)]
    pub policies: Option<Vec<String>>,
}

/// What the edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EditAction {
    Add,
    Remove,
    Enable,
    Disable,
    SetPolicies,
}

impl EditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            EditAction::Add => "add",
            EditAction::Remove => "remove",
            EditAction::Enable => "enable",
            EditAction::Disable => "disable",
            EditAction::SetPolicies => "setPolicies",
        }
    }
}

/// Whether an allowlist entry is a project or a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    #[default]
    Project,
    Group,
}

//! Job token permissions (fine-grained policies) and project roles, with the role each permission needs.

use std::fmt;

use super::input::Feature;
use super::version::Version;

/// A project role, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `guest`: Guest (access level 10).
    Guest,
    /// `planner`: Planner (access level 15).
    Planner,
    /// `reporter`: Reporter (access level 20).
    Reporter,
    /// `developer`: Developer (access level 30).
    Developer,
    /// `maintainer`: Maintainer (access level 40).
    Maintainer,
    /// `owner`: Owner (access level 50).
    Owner,
}

impl Role {
    /// Every role by its input name, weakest first.
    pub const NAMES: &'static [(&'static str, Role)] = &[
        ("guest", Role::Guest),
        ("planner", Role::Planner),
        ("reporter", Role::Reporter),
        ("developer", Role::Developer),
        ("maintainer", Role::Maintainer),
        ("owner", Role::Owner),
    ];

    /// Its input name, such as `maintainer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Guest => "guest",
            Role::Planner => "planner",
            Role::Reporter => "reporter",
            Role::Developer => "developer",
            Role::Maintainer => "maintainer",
            Role::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the permission table.
struct PermissionRow {
    name: &'static str,
    /// Least role of the triggering user that allows it.
    minimum_role: Role,
    /// First release whose `ci_job_token_policies.json` schema accepts it as an entry's policy
    /// (`None`: never in a generally available release — the deprecated container policies).
    policy_since: Option<Version>,
    /// The project feature whose "Everyone with access" visibility opens it to a job token outside
    /// a public or internal project's allowlist (`ProjectPolicy`), and the release that opened it.
    public_feature: Option<(Feature, Version)>,
    /// The feature whose "Everyone with access" visibility opens it to users who are not members of
    /// a public or internal project (`public_anonymous`), where it is not `public_feature`'s.
    everyone: Option<Feature>,
    /// With fine-grained permissions: the features its API routes name in
    /// `allow_public_access_for_enabled_project_features`; all "Everyone with access" lets a token
    /// its entry does not grant, or that no entry admits, through. Empty: no such route.
    route_features: &'static [Feature],
    /// Fine-grained permissions control it (false: the container registry, authorised outside the API).
    fine_grained: bool,
}

const V16_6: Version = Version::new(16, 6);
const V17_0: Version = Version::new(17, 0);
const V18_3: Version = Version::new(18, 3);

/// A permission of the GA policy list (18.3): fine-grained, no public opening.
const fn policy(name: &'static str, minimum_role: Role) -> PermissionRow {
    PermissionRow {
        name,
        minimum_role,
        policy_since: Some(V18_3),
        public_feature: None,
        everyone: None,
        route_features: &[],
        fine_grained: true,
    }
}

/// A read permission that a public or internal project opens with `feature`, from `since`.
const fn public(
    name: &'static str,
    minimum_role: Role,
    feature: Feature,
    since: Version,
    route_features: &'static [Feature],
) -> PermissionRow {
    PermissionRow {
        public_feature: Some((feature, since)),
        route_features,
        ..policy(name, minimum_role)
    }
}

use Feature::{Builds, ContainerRegistry, Environments, Packages, Releases, Repository};

/// Every job token permission: the fine-grained policies (`lib/ci/job_token/policies.rb`) and the
/// deprecated container registry pair. `admin_X` implies `read_X` (see [`PermissionSet`]).
const PERMISSIONS: &[PermissionRow] = &[
    public("read_deployments", Role::Reporter, Environments, V16_6, &[]),
    policy("admin_deployments", Role::Developer),
    public(
        "read_environments",
        Role::Reporter,
        Environments,
        V16_6,
        &[Repository, Builds, Environments],
    ),
    policy("admin_environments", Role::Developer),
    public(
        "read_jobs",
        Role::Guest,
        Builds,
        V16_6,
        &[Repository, Builds],
    ),
    policy("admin_jobs", Role::Developer),
    public(
        "read_packages",
        Role::Reporter,
        Packages,
        V16_6,
        &[Packages],
    ),
    policy("admin_packages", Role::Developer),
    PermissionRow {
        everyone: Some(Builds),
        ..policy("read_pipelines", Role::Reporter)
    },
    policy("admin_pipelines", Role::Developer),
    public("read_releases", Role::Reporter, Releases, V16_6, &[]),
    policy("admin_releases", Role::Developer),
    policy("read_secure_files", Role::Reporter),
    policy("admin_secure_files", Role::Maintainer),
    policy("read_terraform_state", Role::Reporter),
    policy("admin_terraform_state", Role::Maintainer),
    policy("read_merge_requests", Role::Reporter),
    public(
        "read_repositories",
        Role::Reporter,
        Repository,
        V17_0,
        &[Repository],
    ),
    PermissionRow {
        policy_since: Some(Version::new(18, 4)),
        ..policy("read_work_items", Role::Guest)
    },
    PermissionRow {
        policy_since: Some(Version::new(19, 0)),
        ..policy("admin_repositories", Role::Developer)
    },
    PermissionRow {
        policy_since: None,
        public_feature: Some((ContainerRegistry, V16_6)),
        fine_grained: false,
        ..policy("read_containers", Role::Reporter)
    },
    PermissionRow {
        policy_since: None,
        fine_grained: false,
        ..policy("admin_containers", Role::Developer)
    },
];

/// The permissions a request may not name: what they guard needs settings this model does not hold.
const NOT_REQUESTABLE: &[(&str, &str)] = &[(
    "admin_repositories",
    "a Git push with a job token also needs the target's \"Allow Git push requests\" settings (and, across projects, a feature flag that is off by default), which are not modelled; admin_repositories is accepted as an entry's policy",
)];

/// A fine-grained job token permission such as `read_packages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission(u8);

impl Permission {
    /// Looks a permission up by its GitLab name (exact, lower case).
    pub fn from_name(name: &str) -> Option<Permission> {
        PERMISSIONS
            .iter()
            .position(|row| row.name == name)
            .map(|i| Permission(i as u8))
    }

    /// The permission at `index` in table order.
    pub fn from_index(index: usize) -> Option<Permission> {
        (index < PERMISSIONS.len()).then_some(Permission(index as u8))
    }

    /// Its place in table order.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Every permission, in table order.
    pub fn all() -> impl Iterator<Item = Permission> {
        (0..PERMISSIONS.len()).map(|i| Permission(i as u8))
    }

    /// Every permission a request may name, in table order.
    pub fn requestable() -> impl Iterator<Item = Permission> {
        Permission::all().filter(|p| p.not_requestable().is_none())
    }

    /// Its GitLab name, such as `read_packages`.
    pub fn name(self) -> &'static str {
        self.row().name
    }

    /// The least role of the triggering user that allows it.
    pub fn minimum_role(self) -> Role {
        self.row().minimum_role
    }

    fn row(self) -> &'static PermissionRow {
        &PERMISSIONS[self.0 as usize]
    }

    /// The release from which an entry may list it as a policy (`None`: never, or deprecated).
    pub fn policy_since(self) -> Option<Version> {
        self.row().policy_since
    }

    /// Deprecated policy names GitLab's schema no longer accepts.
    pub fn deprecated(self) -> bool {
        self.row().policy_since.is_none()
    }

    /// The feature that opens it on a public or internal project in `version`, if any.
    pub fn public_feature(self, version: Version) -> Option<Feature> {
        self.row()
            .public_feature
            .filter(|&(_, since)| since <= version)
            .map(|(feature, _)| feature)
    }

    /// The feature that opens it to non-members of a public or internal project, in any release.
    pub fn everyone_feature(self) -> Option<Feature> {
        let row = self.row();
        row.public_feature
            .map(|(feature, _)| feature)
            .or(row.everyone)
    }

    /// The features of its routes' public-access fallback under fine-grained permissions.
    pub fn route_features(self) -> &'static [Feature] {
        self.row().route_features
    }

    /// Whether fine-grained permissions control it.
    pub fn fine_grained(self) -> bool {
        self.row().fine_grained
    }

    /// Why a request may not name it, if it may not.
    pub fn not_requestable(self) -> Option<&'static str> {
        NOT_REQUESTABLE
            .iter()
            .find(|(name, _)| *name == self.name())
            .map(|(_, why)| *why)
    }

    /// `admin_X` grants `read_X` too.
    fn implied_read(self) -> Option<Permission> {
        self.name()
            .strip_prefix("admin_")
            .and_then(|resource| Permission::from_name(&format!("read_{resource}")))
    }

    /// Every name, for error messages.
    pub fn names() -> String {
        PERMISSIONS
            .iter()
            .map(|row| row.name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One permission as the simulator and docs show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionInfo {
    /// Its GitLab name, such as `read_packages`.
    pub name: &'static str,
    /// The least role of the triggering user that allows it, such as `reporter`.
    pub minimum_role: &'static str,
    /// First release that accepts it as an entry's policy (`None`: deprecated, never accepted).
    pub policy_since: Option<Version>,
    /// The feature that opens it to other job tokens on a public or internal project ...
    pub public_feature: Option<&'static str>,
    /// ... from this release.
    pub public_since: Option<Version>,
}

impl Permission {
    /// Every permission with the role it needs, its policy release and the feature that opens it.
    pub fn table() -> Vec<PermissionInfo> {
        Permission::all()
            .map(|p| PermissionInfo {
                name: p.name(),
                minimum_role: p.minimum_role().as_str(),
                policy_since: p.policy_since(),
                public_feature: p.row().public_feature.map(|(f, _)| f.name()),
                public_since: p.row().public_feature.map(|(_, since)| since),
            })
            .collect()
    }
}

/// The permissions one allowlist entry grants, with `admin_X ⇒ read_X` already applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u32);

impl PermissionSet {
    /// The set a list of policy names grants in `version`: names that are not policies of that
    /// release (unknown, deprecated, or from a later one) grant nothing.
    pub fn from_policies<'a>(
        policies: impl IntoIterator<Item = &'a str>,
        version: Version,
    ) -> PermissionSet {
        let mut set = PermissionSet::default();
        let valid = |p: &Permission| p.policy_since().is_some_and(|since| since <= version);
        for permission in policies
            .into_iter()
            .filter_map(Permission::from_name)
            .filter(valid)
        {
            set.insert(permission);
            if let Some(read) = permission.implied_read() {
                set.insert(read);
            }
        }
        set
    }

    fn insert(&mut self, permission: Permission) {
        self.0 |= 1 << permission.0;
    }

    /// Everything either set grants.
    pub fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

    /// Whether the set grants `permission`.
    pub fn contains(self, permission: Permission) -> bool {
        self.0 & (1 << permission.0) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_implies_read_but_not_the_reverse() {
        let p = |n| Permission::from_name(n).unwrap();
        let v = Version::new(19, 0);
        let set = PermissionSet::from_policies(["admin_packages"], v);
        assert!(set.contains(p("admin_packages")));
        assert!(set.contains(p("read_packages")));
        let set = PermissionSet::from_policies(["read_packages", "nonsense"], v);
        assert!(!set.contains(p("admin_packages")));
        // A policy from a later release, or a deprecated one, grants nothing.
        let set = PermissionSet::from_policies(
            ["read_work_items", "read_containers"],
            Version::new(18, 3),
        );
        assert!(!set.contains(p("read_work_items")));
        assert!(!set.contains(p("read_containers")));
    }

    #[test]
    fn the_table_fits_the_bit_set() {
        assert!(PERMISSIONS.len() <= 32);
        assert_eq!(Permission::all().count(), 22);
    }
}

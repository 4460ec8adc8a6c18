//! Job token permissions (fine-grained policies) and project roles, with the role each permission needs.

use std::fmt;

/// A project role, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Guest,
    Planner,
    Reporter,
    Developer,
    Maintainer,
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
    /// Anyone may use it on a public project (any signed-in user on an internal one).
    anonymous_level: bool,
}

const fn row(name: &'static str, minimum_role: Role, anonymous_level: bool) -> PermissionRow {
    PermissionRow {
        name,
        minimum_role,
        anonymous_level,
    }
}

/// Every fine-grained job token permission (GitLab 18.3). `admin_X` implies `read_X` (see [`PermissionSet`]).
const PERMISSIONS: &[PermissionRow] = &[
    row("read_deployments", Role::Reporter, false),
    row("admin_deployments", Role::Developer, false),
    row("read_environments", Role::Reporter, false),
    row("admin_environments", Role::Developer, false),
    row("read_jobs", Role::Guest, true),
    row("admin_jobs", Role::Developer, false),
    row("read_packages", Role::Reporter, true),
    row("admin_packages", Role::Developer, false),
    row("read_pipelines", Role::Reporter, false),
    row("admin_pipelines", Role::Developer, false),
    row("read_releases", Role::Reporter, false),
    row("admin_releases", Role::Developer, false),
    row("read_secure_files", Role::Reporter, false),
    row("admin_secure_files", Role::Maintainer, false),
    row("read_terraform_state", Role::Reporter, false),
    row("admin_terraform_state", Role::Maintainer, false),
    row("read_merge_requests", Role::Reporter, false),
    row("read_repositories", Role::Reporter, true),
    row("read_work_items", Role::Guest, false),
];

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

    pub fn name(self) -> &'static str {
        PERMISSIONS[self.0 as usize].name
    }

    pub fn minimum_role(self) -> Role {
        PERMISSIONS[self.0 as usize].minimum_role
    }

    pub fn anonymous_level(self) -> bool {
        PERMISSIONS[self.0 as usize].anonymous_level
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
    pub name: &'static str,
    pub minimum_role: &'static str,
    pub anonymous_level: bool,
}

impl Permission {
    /// Every permission with the role it needs and whether it is open at anonymous level.
    pub fn table() -> Vec<PermissionInfo> {
        Permission::all()
            .map(|p| PermissionInfo {
                name: p.name(),
                minimum_role: p.minimum_role().as_str(),
                anonymous_level: p.anonymous_level(),
            })
            .collect()
    }
}

/// The permissions one allowlist entry grants, with `admin_X ⇒ read_X` already applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionSet(u32);

impl PermissionSet {
    /// The set a list of policy names grants; names that are not permissions grant nothing.
    pub fn from_policies<'a>(policies: impl IntoIterator<Item = &'a str>) -> PermissionSet {
        let mut set = PermissionSet::default();
        for permission in policies.into_iter().filter_map(Permission::from_name) {
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

    pub fn union(self, other: PermissionSet) -> PermissionSet {
        PermissionSet(self.0 | other.0)
    }

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
        let set = PermissionSet::from_policies(["admin_packages"]);
        assert!(set.contains(p("admin_packages")));
        assert!(set.contains(p("read_packages")));
        let set = PermissionSet::from_policies(["read_packages", "nonsense"]);
        assert!(!set.contains(p("admin_packages")));
    }

    #[test]
    fn the_table_fits_the_bit_set() {
        assert!(PERMISSIONS.len() <= 32);
        assert_eq!(Permission::all().count(), 19);
    }
}

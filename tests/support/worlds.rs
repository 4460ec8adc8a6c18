//! Generators of GitLab worlds and queries shared by the property tests (`tests/properties*.rs`):
//! projects at several depths sharing groups, entries in mixed case, every release row, users with roles.

use job_token_scope::gitlab::input::{
    EntryInput, FeatureAccess, Features, InboundInput, InstanceInput, OutboundInput, ProjectInput,
    VersionText, Visibility,
};
use job_token_scope::gitlab::{Permission, Query, Role, World, WorldInput};
use proptest::prelude::*;

pub const PROJECTS: &[&str] = &[
    "acme/api",
    "acme/ci",
    "acme/platform/web",
    "acme/platform/db",
    "acme/platform/infra/deploy",
    "Acme/Platform/Infra/Tools",
    "other/lib",
    "other/team/app",
];
pub const GROUPS: &[&str] = &[
    "acme",
    "acme/platform",
    "ACME/platform/infra",
    "other",
    "other/team",
    "nowhere",
];
pub const VERSIONS: &[&str] = &[
    "13.12", "14.1", "15.8", "15.9", "16.0", "16.5", "16.6", "16.11", "17.0", "17.6", "17.11",
    "18.0", "18.2", "18.3", "18.11", "19.0", "19.4", "latest",
];
pub const GROUP_VERSIONS: &[&str] = &[
    "17.0", "17.5", "17.11", "18.0", "18.2", "18.3", "19.0", "latest",
];
pub const POLICIES: &[&str] = &[
    "read_packages",
    "admin_packages",
    "read_jobs",
    "admin_deployments",
    "read_repositories",
    "read_work_items",
    "bogus",
];
pub const ROLES: &[Role] = &[
    Role::Guest,
    Role::Planner,
    Role::Reporter,
    Role::Developer,
    Role::Maintainer,
    Role::Owner,
];

pub fn entry(paths: &'static [&'static str]) -> impl Strategy<Value = EntryInput> {
    (
        prop::sample::select(paths),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(POLICIES), 0..3),
        any::<bool>(),
    )
        .prop_map(|(path, default_permissions, policies, upper)| EntryInput {
            // Paths compare case-insensitively: some entries are written in capitals.
            path: if upper {
                path.to_uppercase()
            } else {
                path.to_owned()
            },
            default_permissions,
            policies: policies.into_iter().map(str::to_owned).collect(),
        })
}

pub fn project(path: &'static str) -> impl Strategy<Value = ProjectInput> {
    (
        prop::sample::select(
            &[
                Visibility::Private,
                Visibility::Internal,
                Visibility::Public,
            ][..],
        ),
        any::<bool>(),
        prop::collection::vec(entry(PROJECTS), 0..4),
        prop::collection::vec(entry(GROUPS), 0..3),
        any::<bool>(),
        prop::collection::vec(prop::sample::select(PROJECTS), 0..3),
        prop::array::uniform6(prop::sample::select(
            &[
                FeatureAccess::Enabled,
                FeatureAccess::Private,
                FeatureAccess::Disabled,
            ][..],
        )),
    )
        .prop_map(
            move |(
                visibility,
                enabled,
                projects,
                groups,
                outbound,
                outbound_projects,
                features,
            )| {
                ProjectInput {
                    path: path.to_owned(),
                    visibility,
                    features: Features(features),
                    inbound: InboundInput {
                        enabled,
                        projects,
                        groups,
                    },
                    outbound: OutboundInput {
                        enabled: outbound,
                        projects: outbound_projects.into_iter().map(str::to_owned).collect(),
                    },
                }
            },
        )
}

pub fn users() -> impl Strategy<Value = Vec<(String, Vec<(String, Role)>)>> {
    let place = prop::sample::select([PROJECTS, GROUPS].concat());
    let roles = prop::collection::vec(
        (place.prop_map(str::to_owned), prop::sample::select(ROLES)),
        0..4,
    );
    prop::collection::vec(
        (
            prop::sample::select(&["alice", "bob"][..]).prop_map(str::to_owned),
            roles,
        ),
        0..3,
    )
}

pub fn world_at(versions: &'static [&'static str]) -> impl Strategy<Value = WorldInput> {
    let projects: Vec<_> = PROJECTS.iter().map(|p| project(p)).collect();
    (
        prop::sample::select(versions),
        prop::option::of(any::<bool>()),
        projects,
        users(),
    )
        .prop_map(|(version, enforce, projects, users)| WorldInput {
            version: Some(VersionText(version.to_owned())),
            instance: Some(InstanceInput {
                enforce_inbound_scope: enforce,
            }),
            groups: Vec::new(),
            projects,
            users,
        })
}

pub fn world() -> impl Strategy<Value = WorldInput> {
    world_at(VERSIONS)
}

/// A request by project positions, asked of any world with the generated project list.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub source: usize,
    pub target: usize,
    pub permission: Option<Permission>,
    pub user: Option<String>,
}

impl Ask {
    /// The request as a query of `world`.
    pub fn on<'w>(&self, world: &'w World) -> Query<'w> {
        let query = world
            .query_by_index(self.source, self.target, self.permission)
            .expect("generated requests name generated projects and requestable permissions");
        match &self.user {
            Some(user) => query.with_user(user.as_str()),
            None => query,
        }
    }
}

pub fn query() -> impl Strategy<Value = Ask> {
    let permission = prop::option::of(prop::sample::select(
        Permission::requestable().collect::<Vec<_>>(),
    ));
    let user = prop::option::of(
        prop::sample::select(&["alice", "BOB", "carol"][..]).prop_map(str::to_owned),
    );
    (0..PROJECTS.len(), 0..PROJECTS.len(), permission, user).prop_map(
        |(source, target, permission, user)| Ask {
            source,
            target,
            permission,
            user,
        },
    )
}

pub fn compile(input: WorldInput) -> World {
    World::from_input(input).expect("generated worlds are well-formed")
}

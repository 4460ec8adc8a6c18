//! Azure DevOps products and which job-scope settings each one has, with their UI labels: ONE table,
//! read by every rule.

use crate::Error;

/// An Azure DevOps product (the cloud service or an on-premises Server release).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// `services`: Azure DevOps Services.
    Services,
    /// `server`: Azure DevOps Server, the on-premises release after 2022 (no year in its name).
    Server,
    /// `server-2022`: Azure DevOps Server 2022.
    Server2022,
    /// `server-2020`: Azure DevOps Server 2020.
    Server2020,
    /// `server-2019`: Azure DevOps Server 2019.
    Server2019,
}

/// What one product offers for job access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductProfile {
    /// The product this row describes.
    #[serde(skip)]
    pub product: Product,
    /// The `product` value in a config.
    pub id: &'static str,
    /// The product's name, such as "Azure DevOps Server 2022".
    pub name: &'static str,
    /// Label of the scope limit for YAML and classic build pipelines (`limitJobScopeNonRelease`).
    pub non_release_setting: Option<&'static str>,
    /// Label of the scope limit for classic release pipelines (`limitJobScopeRelease`).
    pub release_setting: Option<&'static str>,
    /// Classic release pipelines always run with collection scope (Server 2020 and below).
    pub release_always_collection: bool,
    /// Label of the repository protection setting (`protectRepos`).
    pub protect_repos_setting: Option<&'static str>,
    /// What a new organization (collection) and its new projects start with (docs/azure-rules.md
    /// "Defaults for new organizations and projects").
    pub new_defaults: NewDefaults,
}

/// The settings a new organization (or collection) and its new projects start with: on for the
/// products whose docs or release notes say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewDefaults {
    /// `limitJobScopeNonRelease` starts on (release notes, sprint 160).
    pub limit_job_scope_non_release: bool,
    /// `limitJobScopeRelease` starts on (release notes, sprint 174).
    pub limit_job_scope_release: bool,
    /// `protectRepos` starts on (release notes, sprint 168; access-tokens.md: "after May 2020").
    pub protect_repos: bool,
}

const ALL_ON: NewDefaults = NewDefaults {
    limit_job_scope_non_release: true,
    limit_job_scope_release: true,
    protect_repos: true,
};
const ALL_OFF: NewDefaults = NewDefaults {
    limit_job_scope_non_release: false,
    limit_job_scope_release: false,
    protect_repos: false,
};

const NON_RELEASE: &str =
    "Limit job authorization scope to current project for non-release pipelines";
const RELEASE: &str = "Limit job authorization scope to current project for release pipelines";
const PROTECT: &str = "Protect access to repositories in YAML pipelines";

/// Every product, newest first.
pub const PRODUCTS: &[ProductProfile] = &[
    ProductProfile {
        product: Product::Services,
        id: "services",
        name: "Azure DevOps Services",
        non_release_setting: Some(NON_RELEASE),
        release_setting: Some(RELEASE),
        release_always_collection: false,
        protect_repos_setting: Some(PROTECT),
        new_defaults: ALL_ON,
    },
    ProductProfile {
        product: Product::Server,
        id: "server",
        name: "Azure DevOps Server",
        non_release_setting: Some(NON_RELEASE),
        release_setting: Some(RELEASE),
        release_always_collection: false,
        protect_repos_setting: Some(PROTECT),
        new_defaults: ALL_ON,
    },
    ProductProfile {
        product: Product::Server2022,
        id: "server-2022",
        name: "Azure DevOps Server 2022",
        non_release_setting: Some(NON_RELEASE),
        release_setting: Some(RELEASE),
        release_always_collection: false,
        protect_repos_setting: Some(
            "Limit job authorization scope to referenced Azure DevOps repositories",
        ),
        new_defaults: ALL_ON,
    },
    ProductProfile {
        product: Product::Server2020,
        id: "server-2020",
        name: "Azure DevOps Server 2020",
        non_release_setting: Some("Limit job authorization scope to current project"),
        release_setting: None,
        release_always_collection: true,
        protect_repos_setting: None,
        new_defaults: ALL_OFF,
    },
    ProductProfile {
        product: Product::Server2019,
        id: "server-2019",
        name: "Azure DevOps Server 2019",
        non_release_setting: None,
        release_setting: None,
        release_always_collection: true,
        protect_repos_setting: None,
        new_defaults: ALL_OFF,
    },
];

impl ProductProfile {
    /// The profile for a config's `product` value.
    pub fn parse(id: &str, path: &str) -> Result<&'static ProductProfile, Error> {
        PRODUCTS.iter().find(|p| p.id == id).ok_or_else(|| {
            let known: Vec<&str> = PRODUCTS.iter().map(|p| p.id).collect();
            Error::unsupported_version(
                path,
                format!(
                    "unknown product \"{id}\"; expected one of {}",
                    known.join(", ")
                ),
            )
        })
    }
}

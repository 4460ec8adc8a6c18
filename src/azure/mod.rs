//! Azure Pipelines job access tokens (docs/azure-rules.md): which scope and identity a job's token runs with, which
//! repositories it reaches, and whether it may touch a resource — following the seed's FAQ decision
//! trees step by step, each step in the trace.
//!
//! Product differences (Services, Server, Server 2022/2020/2019) live in [`product::PRODUCTS`];
//! nothing here knows JS. Every rule, with its Microsoft source per product: docs/azure-rules.md.

mod access;
pub mod input;
pub mod product;
mod scope;
mod validate;

pub use input::{AzureConfig, AzureResource};
pub use product::{NewDefaults, Product, ProductProfile, PRODUCTS};
pub use scope::{AzureScope, RepositoryAccess};

use crate::Error;
use input::ProjectVisibility;

/// A pipeline's config, checked once: ask it for its scope, its access, its problems.
#[derive(Debug, Clone)]
pub struct AzurePipeline {
    config: AzureConfig,
    profile: &'static ProductProfile,
}

impl AzurePipeline {
    /// Checks what types cannot: the product is known, names are not empty.
    pub fn from_config(config: AzureConfig) -> Result<AzurePipeline, Error> {
        let profile =
            ProductProfile::parse(config.product.as_deref().unwrap_or("services"), "product")?;
        for (path, name) in [
            ("organization.name", &config.organization.name),
            ("project.name", &config.project.name),
        ] {
            if name.trim().is_empty() {
                return Err(Error::invalid(path, "empty name"));
            }
        }
        for (i, other) in config.organization.projects.iter().enumerate() {
            if other.name.trim().is_empty() {
                let path = format!("organization.projects[{i}].name");
                return Err(Error::invalid(path, "empty name"));
            }
        }
        Ok(AzurePipeline { config, profile })
    }

    /// The product's profile (settings and labels).
    pub fn profile(&self) -> &'static ProductProfile {
        self.profile
    }

    /// Whether `project` is public: the pipeline's own project by its `visibility`, another by the
    /// organization's `projects` list (unlisted projects are private).
    pub(crate) fn is_public(&self, project: &str) -> bool {
        let c = &self.config;
        if same_name(project, &c.project.name) {
            return c.project.visibility == ProjectVisibility::Public;
        }
        c.organization
            .projects
            .iter()
            .any(|p| same_name(&p.name, project) && p.visibility == ProjectVisibility::Public)
    }
}

/// Azure DevOps names compare case-insensitively. ASCII letters fold; other characters must match
/// exactly (Unicode case tables would double the wasm for names that are ASCII in practice).
fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

pub use access::AzureReason;

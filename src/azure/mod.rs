//! Azure Pipelines job access tokens (docs/azure-rules.md): which scope and identity a job's token runs with, which
//! repositories it reaches, and whether it may touch a resource — following the seed's FAQ decision
//! trees step by step, each step in the trace.
//!
//! Product differences (Services, Server 2022/2020/2019) live in [`product::PRODUCTS`]; nothing here
//! knows JS.

mod access;
pub mod input;
pub mod product;
mod scope;
mod validate;

pub use input::{AzureConfig, AzureResource};
pub use product::{Product, ProductProfile, PRODUCTS};
pub use scope::{AzureScope, RepositoryAccess};

use crate::Error;

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
        Ok(AzurePipeline { config, profile })
    }

    /// The product's profile (settings and labels).
    pub fn profile(&self) -> &'static ProductProfile {
        self.profile
    }
}

/// Azure DevOps names compare case-insensitively. ASCII letters fold; other characters must match
/// exactly (Unicode case tables would double the wasm for names that are ASCII in practice).
fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

pub use access::AzureReason;

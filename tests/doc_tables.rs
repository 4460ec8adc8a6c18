//! The rule pages' tables are copies of the engine's: this keeps them from drifting.
//! docs/gitlab-rules.md holds the release table and the GitLab reason codes, docs/azure-rules.md the
//! Azure reason codes and the products' settings.

use job_token_scope::gitlab::PROFILES;

fn doc(name: &str) -> String {
    let path = format!("{}/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn gitlab_rules_release_table_is_the_engine_table() {
    let rules = doc("gitlab-rules.md");
    for profile in PROFILES {
        let row = format!("| {} | {} |", profile.since, profile.change);
        assert!(
            rules.contains(&row),
            "docs/gitlab-rules.md lacks the release row: {row}"
        );
    }
}

#[test]
fn gitlab_rules_list_every_reason_code() {
    let rules = doc("gitlab-rules.md");
    for reason in job_token_scope::gitlab::Reason::ALL {
        assert!(
            rules.contains(&format!("| `{}` |", reason.as_str())),
            "docs/gitlab-rules.md's reason table lacks {}",
            reason.as_str()
        );
    }
}

#[test]
fn azure_rules_list_every_reason_code_and_product() {
    let rules = doc("azure-rules.md");
    for reason in job_token_scope::azure::AzureReason::ALL {
        assert!(
            rules.contains(&format!("| `{}` |", reason.as_str())),
            "docs/azure-rules.md lacks {}",
            reason.as_str()
        );
    }
    for product in job_token_scope::azure::PRODUCTS {
        let setting = |label: Option<&str>| label.unwrap_or("—").to_owned();
        let row = format!(
            "| `{}` | {} |",
            product.id,
            setting(product.non_release_setting)
        );
        assert!(
            rules.contains(&row),
            "docs/azure-rules.md lacks the product row: {row}"
        );
        if let Some(label) = product.protect_repos_setting {
            assert!(
                rules.contains(&format!("| {label} |")),
                "docs/azure-rules.md lacks {label}"
            );
        }
    }
}

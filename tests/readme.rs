//! The README's tables are copies of the engine's: this keeps them from drifting.

use job_token_scope::gitlab::PROFILES;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn readme_version_table_is_the_engine_table() {
    let readme = readme();
    for profile in PROFILES {
        let row = format!("| {} | {} |", profile.since, profile.change);
        assert!(readme.contains(&row), "README lacks the version row: {row}");
    }
}

#[test]
fn readme_lists_every_reason_code() {
    let readme = readme();
    for reason in job_token_scope::gitlab::Reason::ALL {
        assert!(
            readme.contains(&format!("`{}`", reason.as_str())),
            "README lacks {}",
            reason.as_str()
        );
    }
}

#[test]
fn readme_lists_every_azure_reason_code_and_product() {
    let readme = readme();
    for reason in job_token_scope::azure::AzureReason::ALL {
        assert!(
            readme.contains(&format!("| `{}` |", reason.as_str())),
            "README lacks {}",
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
        assert!(readme.contains(&row), "README lacks the product row: {row}");
        if let Some(label) = product.protect_repos_setting {
            assert!(
                readme.contains(&format!("| {label} |")),
                "README lacks {label}"
            );
        }
    }
}

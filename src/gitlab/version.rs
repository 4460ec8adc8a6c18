//! GitLab releases and what each one changed about job token scope: ONE table, read by every rule.
//!
//! A new GitLab release that changes behaviour is one new row in [`PROFILES`].

use std::fmt;

use crate::Error;

/// A GitLab `major.minor` release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The major release, such as 17 in 17.10.
    pub major: u16,
    /// The minor release, such as 10 in 17.10.
    pub minor: u16,
}

impl Version {
    /// The release `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }

    /// Parses `"17.10"` or `"latest"`. `path` locates the value for the error.
    pub fn parse(text: &str, path: &str) -> Result<Version, Error> {
        if text == "latest" {
            return Ok(latest().since);
        }
        let parsed = text.split_once('.').and_then(|(major, minor)| {
            let number = |s: &str| {
                (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<u16>().ok())
                    .flatten()
            };
            Some(Version::new(number(major)?, number(minor)?))
        });
        let version = parsed.ok_or_else(|| {
            Error::unsupported_version(
                path,
                format!("\"{text}\" is not a GitLab version: expected \"major.minor\" such as \"17.10\", or \"latest\""),
            )
        })?;
        if version.major > NEWEST_MAJOR {
            return Err(Error::unsupported_version(
                path,
                format!(
                    "GitLab {version} is newer than the newest release modelled ({NEWEST_MAJOR}.x); its job token rules are unknown"
                ),
            ));
        }
        Ok(version)
    }
}

/// As JSON a version is its `"major.minor"` text.
impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Releases after the newest row but within this major keep its behaviour; later majors are refused.
/// GitLab 19.4 (September 2026) is the newest release whose notes were read; 19.x keeps the 19.0 row.
pub const NEWEST_MAJOR: u16 = 19;

/// The settings' own texts in GitLab's UI (Settings > CI/CD), as that release spells them
/// (`app/assets/javascripts/token_access/components/*.vue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Labels {
    /// The settings section.
    pub section: &'static str,
    /// The inbound setting: a toggle until 17.2, a choice titled so from 17.3.
    pub inbound: &'static str,
    /// From 17.3 the inbound setting's two choices: unrestricted, allowlist only.
    pub inbound_choices: Option<[&'static str; 2]>,
    /// The allowlist's card heading.
    pub allowlist: &'static str,
    /// The button that adds an entry.
    pub add: &'static str,
    /// The outbound toggle.
    pub outbound: &'static str,
}

/// What job token scope looks like from one release on (until the next row). Each row names only
/// what its release changed (`..` the row before); `docs/gitlab-rules.md` cites the source of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// First release with this behaviour.
    pub since: Version,
    /// What changed, for people (docs/gitlab-rules.md, simulator).
    pub change: &'static str,
    /// The project's outbound "Limit CI_JOB_TOKEN access" setting exists (14.1 to 17.11).
    pub outbound: bool,
    /// Projects can still be added to the outbound list (until 16.0, which only lets them be removed).
    pub outbound_additions: bool,
    /// The inbound allowlist ("Allow access to this project with a CI_JOB_TOKEN") exists.
    pub inbound: bool,
    /// Most project entries per direction (`PROJECT_LINK_DIRECTIONAL_LIMIT`); `None`: no allowlist.
    pub project_limit: Option<usize>,
    /// Most group entries (`GROUP_LINK_LIMIT`), counted apart from projects; `None`: no groups.
    pub group_limit: Option<usize>,
    /// Groups may be inbound allowlist entries.
    pub groups: bool,
    /// Public and internal projects restrict a job token outside their allowlist to the features
    /// visible to "Everyone with access" (16.6); before, such projects were not restricted at all.
    pub public_features: bool,
    /// The admin setting "Enable and enforce job token allowlist for all projects" exists (17.6).
    pub instance_setting: bool,
    /// That setting is on by default (18.0: on for new instances, switched on by the upgrade).
    pub instance_enforcement: bool,
    /// Cross-project job token authentications are logged.
    pub authentication_log: bool,
    /// The allowlist can be auto-populated from the authentication log.
    pub autopopulate: bool,
    /// Edit messages say "allowlist" ("This project is already in the job token allowlist."),
    /// not "scope" ("Target project is already in the job token scope").
    pub allowlist_wording: bool,
    /// A project may add itself to its own allowlist (18.1 dropped `not_self_referential_link`).
    pub self_entries: bool,
    /// Allowlist entries carry fine-grained permissions (`defaultPermissions` / `policies`), enforced.
    pub fine_grained: bool,
    /// The settings' texts in this release's UI.
    pub labels: Labels,
}

const NONE: Profile = Profile {
    since: Version::new(0, 0),
    change: "no job token scope: a job token reaches every project its user can",
    outbound: false,
    outbound_additions: false,
    inbound: false,
    project_limit: None,
    group_limit: None,
    groups: false,
    public_features: false,
    instance_setting: false,
    instance_enforcement: false,
    authentication_log: false,
    autopopulate: false,
    allowlist_wording: false,
    self_entries: false,
    fine_grained: false,
    labels: Labels {
        section: "Token Access",
        inbound: "",
        inbound_choices: None,
        allowlist: "",
        add: "Add project",
        outbound: "",
    },
};

const R14_1: Profile = Profile {
    since: Version::new(14, 1),
    change: "outbound \"Limit CI_JOB_TOKEN access\" (off by default)",
    outbound: true,
    outbound_additions: true,
    labels: Labels {
        outbound: "Limit CI_JOB_TOKEN access",
        ..NONE.labels
    },
    ..NONE
};

const R15_9: Profile = Profile {
    since: Version::new(15, 9),
    change: "inbound \"Allow access to this project with a CI_JOB_TOKEN\": on for new projects, at most 100 projects; outbound deprecated",
    inbound: true,
    project_limit: Some(100),
    labels: Labels {
        inbound: "Allow access to this project with a CI_JOB_TOKEN",
        allowlist: "Allow CI job tokens from the following projects to access this project",
        ..R14_1.labels
    },
    ..R14_1
};

const R16_0: Profile = Profile {
    since: Version::new(16, 0),
    change: "at most 200 projects per direction; outbound entries can only be removed",
    outbound_additions: false,
    project_limit: Some(200),
    ..R15_9
};

const R16_3: Profile = Profile {
    since: Version::new(16, 3),
    change:
        "settings renamed \"Limit access to this project\" and \"Limit access from this project\"",
    labels: Labels {
        inbound: "Limit access to this project",
        outbound: "Limit access from this project",
        ..R16_0.labels
    },
    ..R16_0
};

const R16_6: Profile = Profile {
    since: Version::new(16, 6),
    change: "public and internal projects open to other job tokens only the features visible to everyone with access",
    public_features: true,
    ..R16_3
};

const R17_0: Profile = Profile {
    since: Version::new(17, 0),
    change: "groups on the inbound allowlist (at most 200, apart from the 200 projects); public repositories open to other job tokens",
    groups: true,
    group_limit: Some(200),
    labels: Labels {
        allowlist: "Groups and projects with access",
        add: "Add group or project",
        ..R16_3.labels
    },
    ..R16_6
};

const R17_2: Profile = Profile {
    since: Version::new(17, 2),
    change:
        "section renamed \"Job token permissions\", allowlist \"Authorized groups and projects\"",
    labels: Labels {
        section: "Job token permissions",
        allowlist: "Authorized groups and projects",
        ..R17_0.labels
    },
    ..R17_0
};

const R17_3: Profile = Profile {
    since: Version::new(17, 3),
    change: "\"Authorized groups and projects\" becomes a choice; the list is the \"CI/CD job token allowlist\"",
    labels: Labels {
        inbound: "Authorized groups and projects",
        inbound_choices: Some([
            "All groups and projects",
            "Only this project and any groups and projects in the allowlist",
        ]),
        allowlist: "CI/CD job token allowlist",
        ..R17_2.labels
    },
    ..R17_2
};

const R17_6: Profile = Profile {
    since: Version::new(17, 6),
    change: "admin setting \"Enable and enforce job token allowlist for all projects\" (off by default); authentication log",
    instance_setting: true,
    authentication_log: true,
    labels: Labels {
        add: "Add",
        ..R17_3.labels
    },
    ..R17_3
};

const R17_8: Profile = Profile {
    since: Version::new(17, 8),
    change: "edit messages speak of the \"job token allowlist\"",
    allowlist_wording: true,
    ..R17_6
};

const R17_10: Profile = Profile {
    since: Version::new(17, 10),
    change: "allowlist can be auto-populated from the authentication log",
    autopopulate: true,
    ..R17_8
};

const R18_0: Profile = Profile {
    since: Version::new(18, 0),
    change: "outbound setting removed; instance enforcement of inbound allowlists on by default",
    outbound: false,
    instance_enforcement: true,
    labels: Labels {
        outbound: "",
        ..R17_10.labels
    },
    ..R17_10
};

const R18_1: Profile = Profile {
    since: Version::new(18, 1),
    change: "a project may add itself to its allowlist",
    self_entries: true,
    ..R18_0
};

const R18_3: Profile = Profile {
    since: Version::new(18, 3),
    change: "fine-grained job token permissions per allowlist entry (generally available)",
    fine_grained: true,
    ..R18_1
};

const R18_4: Profile = Profile {
    since: Version::new(18, 4),
    change: "fine-grained policy read_work_items",
    ..R18_3
};

const R19_0: Profile = Profile {
    since: Version::new(19, 0),
    change: "fine-grained policy admin_repositories (cross-project Git push, behind a flag that is off by default)",
    ..R18_4
};

/// Every release that changed job token scope, oldest first.
pub const PROFILES: &[Profile] = &[
    NONE, R14_1, R15_9, R16_0, R16_3, R16_6, R17_0, R17_2, R17_3, R17_6, R17_8, R17_10, R18_0,
    R18_1, R18_3, R18_4, R19_0,
];

/// The behaviour of `version`: the last row at or before it.
pub fn profile(version: Version) -> &'static Profile {
    PROFILES
        .iter()
        .rev()
        .find(|p| p.since <= version)
        .unwrap_or(&PROFILES[0])
}

/// The newest profile (what `"latest"` means).
pub fn latest() -> &'static Profile {
    &PROFILES[PROFILES.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_release_order() {
        assert!(PROFILES.windows(2).all(|w| w[0].since < w[1].since));
    }

    #[test]
    fn versions_pick_the_last_row_at_or_before_them() {
        let since = |text| profile(Version::parse(text, "version").unwrap()).since;
        assert_eq!(since("14.0"), Version::new(0, 0));
        assert_eq!(since("14.1"), Version::new(14, 1));
        assert_eq!(since("15.8"), Version::new(14, 1));
        assert_eq!(since("16.2"), Version::new(16, 0));
        assert_eq!(since("16.11"), Version::new(16, 6));
        assert_eq!(since("17.9"), Version::new(17, 8));
        assert_eq!(since("18.11"), Version::new(18, 4));
        assert_eq!(since("19.4"), Version::new(19, 0));
        assert_eq!(since("latest"), Version::new(19, 0));
    }

    #[test]
    fn malformed_and_future_versions_are_refused() {
        for text in [
            "18", "v18.3", "18.3.1", "", ".3", "18.", "20.0", "18.x", "1234.1",
        ] {
            let err = Version::parse(text, "version").unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::UnsupportedVersion, "{text}");
        }
    }
}

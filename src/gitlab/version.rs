//! GitLab releases and what each one changed about job token scope: ONE table, read by every rule.
//!
//! A new GitLab release that changes behaviour is one new row in [`PROFILES`].

use std::fmt;

use crate::Error;

/// A GitLab `major.minor` release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
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
pub const NEWEST_MAJOR: u16 = 18;

/// What job token scope looks like from one release on (until the next row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// First release with this behaviour.
    pub since: Version,
    /// What changed, for people (README, simulator).
    pub change: &'static str,
    /// The project's outbound "Limit CI_JOB_TOKEN access" setting exists.
    pub outbound: bool,
    /// The inbound allowlist ("Allow access to this project with a CI_JOB_TOKEN") exists.
    pub inbound: bool,
    /// Most allowlist entries a project may have (`None`: no allowlist).
    pub allowlist_limit: Option<usize>,
    /// Groups may be inbound allowlist entries (and count toward the limit).
    pub groups: bool,
    /// Instance-wide enforcement of inbound allowlists is on by default and locks the project toggle.
    pub instance_enforcement: bool,
    /// Allowlist entries carry fine-grained permissions (`defaultPermissions` / `policies`).
    pub fine_grained: bool,
    /// Cross-project job token authentications are logged (and, later, can fill the allowlist).
    pub authentication_log: bool,
    /// The allowlist can be auto-populated from the authentication log.
    pub autopopulate: bool,
}

const NONE: Profile = Profile {
    since: Version::new(0, 0),
    change: "no job token scope: a job token reaches every project its user can",
    outbound: false,
    inbound: false,
    allowlist_limit: None,
    groups: false,
    instance_enforcement: false,
    fine_grained: false,
    authentication_log: false,
    autopopulate: false,
};

/// Every release that changed job token scope, oldest first.
pub const PROFILES: &[Profile] = &[
    NONE,
    Profile {
        since: Version::new(14, 1),
        change: "outbound \"Limit CI_JOB_TOKEN access\" (off by default)",
        outbound: true,
        ..NONE
    },
    Profile {
        since: Version::new(15, 9),
        change: "inbound \"Allow access to this project with a CI_JOB_TOKEN\": on for new projects, at most 100 projects; outbound deprecated",
        outbound: true,
        inbound: true,
        allowlist_limit: Some(100),
        ..NONE
    },
    Profile {
        since: Version::new(16, 0),
        change: "allowlist holds at most 200 projects",
        outbound: true,
        inbound: true,
        allowlist_limit: Some(200),
        ..NONE
    },
    Profile {
        since: Version::new(17, 0),
        change: "groups on the inbound allowlist; 200 entries counting projects and groups",
        outbound: true,
        inbound: true,
        allowlist_limit: Some(200),
        groups: true,
        ..NONE
    },
    Profile {
        since: Version::new(17, 6),
        change: "authentication log of cross-project job token uses",
        outbound: true,
        inbound: true,
        allowlist_limit: Some(200),
        groups: true,
        authentication_log: true,
        ..NONE
    },
    Profile {
        since: Version::new(17, 10),
        change: "allowlist can be auto-populated from the authentication log",
        outbound: true,
        inbound: true,
        allowlist_limit: Some(200),
        groups: true,
        authentication_log: true,
        autopopulate: true,
        ..NONE
    },
    Profile {
        since: Version::new(18, 0),
        change: "outbound setting removed; instance enforcement of inbound allowlists on by default",
        outbound: false,
        inbound: true,
        allowlist_limit: Some(200),
        groups: true,
        instance_enforcement: true,
        authentication_log: true,
        autopopulate: true,
        ..NONE
    },
    Profile {
        since: Version::new(18, 3),
        change: "fine-grained job token permissions per allowlist entry",
        outbound: false,
        inbound: true,
        allowlist_limit: Some(200),
        groups: true,
        instance_enforcement: true,
        fine_grained: true,
        authentication_log: true,
        autopopulate: true,
    },
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
        assert_eq!(since("16.11"), Version::new(16, 0));
        assert_eq!(since("17.9"), Version::new(17, 6));
        assert_eq!(since("18.11"), Version::new(18, 3));
        assert_eq!(since("latest"), Version::new(18, 3));
    }

    #[test]
    fn malformed_and_future_versions_are_refused() {
        for text in [
            "18", "v18.3", "18.3.1", "", ".3", "18.", "19.0", "18.x", "1234.1",
        ] {
            let err = Version::parse(text, "version").unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::UnsupportedVersion, "{text}");
        }
    }
}

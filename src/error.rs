//! Errors for input the engine cannot decide on: what was wrong, where, and a stable code.
//!
//! Only bad input is an error. A denial is a [`crate::Decision`], and a setting GitLab would refuse is a
//! [`crate::Problem`] from validation; neither is raised as an error.

use std::fmt;

/// The stable machine code of an [`Error`], the `code` property of the JS `Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// Wrong type, unknown key, malformed value.
    InvalidInput,
    /// A project named in a request is not part of the world.
    UnknownProject,
    /// A product version the engine has no profile for.
    UnsupportedVersion,
}

impl ErrorCode {
    /// The code as JS sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::UnknownProject => "unknown_project",
            ErrorCode::UnsupportedVersion => "unsupported_version",
        }
    }
}

/// Bad input: `path` says where (`projects[3].inbound.groups[0]`, empty for the whole value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub path: String,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            code,
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidInput, path, message)
    }

    pub fn unknown_project(path: impl Into<String>, project: &str) -> Self {
        Error::new(
            ErrorCode::UnknownProject,
            path,
            format!("unknown project \"{project}\": it is not in the world's projects"),
        )
    }

    pub fn unsupported_version(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::UnsupportedVersion, path, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for Error {}

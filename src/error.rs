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
///
/// The details are boxed: every reader and rule returns `Result<_, Error>`, and a one-pointer error
/// keeps each `?` small in the wasm. Read them as fields (`error.code`) through [`ErrorDetail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorDetail>);

/// What an [`Error`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub path: String,
    pub message: String,
}

impl std::ops::Deref for Error {
    type Target = ErrorDetail;

    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl Error {
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_parts(code, path.into(), message.into())
    }

    // Not generic: one copy of the boxing however many argument types `new` is called with.
    fn from_parts(code: ErrorCode, path: String, message: String) -> Self {
        Error(Box::new(ErrorDetail {
            code,
            path: bounded(path),
            message: bounded(message),
        }))
    }

    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_parts(ErrorCode::InvalidInput, path.into(), message.into())
    }

    pub fn unknown_project(path: impl Into<String>, project: &str) -> Self {
        Error::from_parts(
            ErrorCode::UnknownProject,
            path.into(),
            format!("unknown project \"{project}\": it is not in the world's projects"),
        )
    }

    /// The details, owned.
    pub fn into_detail(self) -> ErrorDetail {
        *self.0
    }

    pub fn unsupported_version(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_parts(ErrorCode::UnsupportedVersion, path.into(), message.into())
    }
}

/// Longest path or message an error keeps, in bytes. Both can quote input (an unknown project's path,
/// a user name in `users.<name>.<path>`), which may be up to 1 MiB: past this, the middle is cut, so an
/// error stays readable in a log and says how much it left out.
pub const MAX_ERROR_TEXT: usize = 1024;

fn bounded(text: String) -> String {
    if text.len() <= MAX_ERROR_TEXT {
        return text;
    }
    // Cut at char boundaries (a boundary is at most 3 bytes further): the start and the end stay.
    let mut head = 640;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - 256;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    let (Some(start), Some(end)) = (text.get(..head), text.get(tail..)) else {
        return text;
    };
    format!("{start}… [{} bytes cut] …{end}", tail - head)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_input_is_cut_in_the_middle_past_the_limit() {
        // "é" is two bytes: the cut points must move to char boundaries.
        let project = format!("acme/{}", "é".repeat(300_000));
        let error = Error::unknown_project(format!("users.{project}"), &project);
        for text in [&error.path, &error.message] {
            assert!(text.len() <= MAX_ERROR_TEXT + 40, "{} bytes", text.len());
            assert!(text.contains(" bytes cut] "), "{text}");
        }
        assert!(error.message.starts_with("unknown project \"acme/éé"));
        assert!(error
            .message
            .ends_with("éé\": it is not in the world's projects"));
        assert!(error.path.starts_with("users.acme/"));
        // Short texts are kept whole.
        let short = Error::invalid("projects[0].path", "empty path");
        assert_eq!(short.to_string(), "projects[0].path: empty path");
    }
}

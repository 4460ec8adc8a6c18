//! Errors for input the engine cannot decide on: what was wrong, where, and a stable code.
//!
//! Only bad input is an error. A denial is a [`crate::Decision`], and a setting GitLab would refuse is a
//! [`crate::Problem`] from validation; neither is raised as an error.

use std::fmt;

/// The stable machine code of an [`Error`], the `code` property of the JS `Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_input`: wrong type, unknown key, malformed value, a value past a limit.
    InvalidInput,
    /// `unknown_project`: a project named in a request is not part of the world.
    UnknownProject,
    /// `unsupported_version`: a product version the engine has no profile for.
    UnsupportedVersion,
}

impl ErrorCode {
    /// Every code, as `index.d.ts` lists them.
    pub const ALL: [ErrorCode; 3] = [
        ErrorCode::InvalidInput,
        ErrorCode::UnknownProject,
        ErrorCode::UnsupportedVersion,
    ];

    /// The code as JS sees it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::UnknownProject => "unknown_project",
            ErrorCode::UnsupportedVersion => "unsupported_version",
        }
    }
}

/// Bad input: what was wrong ([`Error::message`]), where ([`Error::path`], as
/// `projects[3].inbound.groups[0]`; empty for the whole value) and a stable [`Error::code`].
///
/// The details are boxed: every reader and rule returns `Result<_, Error>`, and a one-pointer error
/// keeps each `?` small in the wasm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Detail>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Detail {
    code: ErrorCode,
    path: String,
    message: String,
}

impl Error {
    /// An error with this code, location and message (each text cut in the middle past 1 KiB).
    pub fn new(code: ErrorCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_parts(code, path.into(), message.into())
    }

    // Not generic: one copy of the boxing however many argument types `new` is called with.
    fn from_parts(code: ErrorCode, path: String, message: String) -> Self {
        Error(Box::new(Detail {
            code,
            path: bounded(path, MAX_ERROR_PATH),
            message: bounded(message, MAX_ERROR_TEXT - MAX_ERROR_PATH - 2),
        }))
    }

    /// An `invalid_input` error.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_parts(ErrorCode::InvalidInput, path.into(), message.into())
    }

    /// An `unknown_project` error for `project`, named at `path`.
    pub fn unknown_project(path: impl Into<String>, project: &str) -> Self {
        Error::from_parts(
            ErrorCode::UnknownProject,
            path.into(),
            format!("unknown project \"{project}\": it is not in the world's projects"),
        )
    }

    /// An `unsupported_version` error.
    pub fn unsupported_version(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_parts(ErrorCode::UnsupportedVersion, path.into(), message.into())
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// Where in the input: `projects[3].inbound.groups[0]`, or empty for the whole value.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// What was wrong, for people.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// Longest text an error shows (`path: message`, as JS's `error.message`), in bytes. The path and the
/// message can quote input (an unknown project's path, a user name in `users.<name>.<path>`), which may
/// be up to 1 MiB: past their share, the middle is cut, so an error stays readable in a log and says
/// how much it left out.
pub const MAX_ERROR_TEXT: usize = 1024;
/// The path's share of [`MAX_ERROR_TEXT`]; the message has the rest (less the `": "` between them).
pub const MAX_ERROR_PATH: usize = 256;

/// `text` within `max` bytes: its first half and last quarter, cut at char boundaries, and a note of
/// how many bytes were left out between them (at most 32 bytes: the rest of the room).
fn bounded(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    // A char boundary is at most 3 bytes further.
    let mut head = max / 2;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - max / 4;
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
        if self.path().is_empty() {
            f.write_str(self.message())
        } else {
            write!(f, "{}: {}", self.path(), self.message())
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
        for text in [error.path(), error.message()] {
            assert!(text.contains(" bytes cut] "), "{text}");
        }
        assert!(error.path().len() <= MAX_ERROR_PATH);
        assert!(error.to_string().len() <= MAX_ERROR_TEXT, "{error}");
        assert!(error.message().starts_with("unknown project \"acme/éé"));
        assert!(error
            .message()
            .ends_with("éé\": it is not in the world's projects"));
        assert!(error.path().starts_with("users.acme/"));
        // Short texts are kept whole.
        let short = Error::invalid("projects[0].path", "empty path");
        assert_eq!(short.to_string(), "projects[0].path: empty path");
    }
}

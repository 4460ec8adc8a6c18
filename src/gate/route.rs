//! Routes: method + path pattern → target project + permission.
//!
//! Patterns are literal segments, `:target` (one URL-encoded segment holding a project path, as
//! GitLab's API writes `acme%2Fapi`) and a final `*` (the rest, possibly nothing).

use crate::gitlab::Permission;
use crate::value::{optional, required, string, Fields, FromValue, Path, Shape, Value};
use crate::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Target,
    Rest,
}

/// One route of a gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    method: String,
    segments: Vec<Segment>,
    /// The target when the pattern has no `:target`.
    target: Option<String>,
    permission: Option<Permission>,
}

impl FromValue for Route {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "a route",
            keys: &[
                required("method"),
                required("path"),
                optional("target"),
                optional("permission"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        let method = f.required("method", at, string)?.to_ascii_uppercase();
        let pattern = f.required("path", at, string)?;
        let target = f.optional("target", at, string)?;
        let permission = match f.optional("permission", at, string)? {
            Some(name) => Some(Permission::from_name(&name).ok_or_else(|| {
                at.key("permission")
                    .error(format!("unknown permission \"{name}\""))
            })?),
            None => None,
        };
        let at_path = at.key("path");
        let Some(rest) = pattern.strip_prefix('/') else {
            return Err(at_path.error("a route path starts with /"));
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            segments.push(match *part {
                ":target" => Segment::Target,
                "*" if i + 1 == parts.len() => Segment::Rest,
                "*" => return Err(at_path.error("`*` may only end a route path")),
                literal if literal.starts_with(':') => {
                    return Err(
                        at_path.error(format!("unknown parameter `{literal}` (only :target)"))
                    )
                }
                literal => Segment::Literal(literal.to_owned()),
            });
        }
        let captures = segments.iter().filter(|s| **s == Segment::Target).count();
        match (captures, &target) {
            (0, None) => {
                return Err(at.error("a route needs `:target` in its path or a fixed `target`"))
            }
            (1, Some(_)) => {
                return Err(
                    at.error("a route takes its target from `:target` or `target`, not both")
                )
            }
            (n, _) if n > 1 => return Err(at_path.error("`:target` may appear once")),
            _ => {}
        }
        Ok(Route {
            method,
            segments,
            target,
            permission,
        })
    }
}

/// What a matching route found in a request's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The target project, decoded (or the route's fixed `target`).
    pub target: String,
    /// Which `/`-separated segment of the path (after the leading `/`) held it: the edge gate lets
    /// `%2F` stand there only. `None` for a fixed `target`.
    pub segment: Option<usize>,
}

impl Route {
    /// The target project when `method` and `path` match, and the path segment it came from.
    pub fn matches(&self, method: &str, path: &str) -> Option<Matched> {
        if !self.method.eq_ignore_ascii_case(method) {
            return None;
        }
        let mut parts = path.strip_prefix('/')?.split('/').enumerate();
        let (mut target, mut segment) = (self.target.clone(), None);
        let mut rest = false;
        for pattern in &self.segments {
            match pattern {
                Segment::Rest => {
                    rest = true;
                    break;
                }
                Segment::Literal(literal) => {
                    if parts.next()?.1 != literal {
                        return None;
                    }
                }
                Segment::Target => {
                    let (index, part) = parts.next()?;
                    let decoded = percent_decode(part)?;
                    if decoded.is_empty() {
                        return None;
                    }
                    (target, segment) = (Some(decoded), Some(index));
                }
            }
        }
        // Every segment used, and nothing left over (unless the pattern ends in `*`).
        if !rest && parts.next().is_some() {
            return None;
        }
        Some(Matched {
            target: target?,
            segment,
        })
    }

    /// The permission the route asks for.
    pub fn permission(&self) -> Option<Permission> {
        self.permission
    }
}

/// `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            let high = hex(*bytes.get(i + 1)?)?;
            let low = hex(*bytes.get(i + 2)?)?;
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

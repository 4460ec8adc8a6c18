//! JWT header and claims of GitLab `id_tokens`, checked after the signature: issuer, audience, times
//! (with a bounded clock skew), the project, and the operator's requirements on ref and pipeline.

use super::{AcceptedHeader, Answer};
use crate::value::{list, one_of, optional, string, Fields, FromValue, Path, Shape, Value};
use crate::Error;

/// Only asymmetric algorithms a JWKS can hold: `none` and HMAC are never accepted.
const ALGORITHMS: &[&str] = &["RS256", "ES256"];

pub(super) fn check_header(header: &Value) -> Result<AcceptedHeader, Answer> {
    let Value::Object(fields) = header else {
        return Err(Answer::invalid_token(
            "The token header is not a JSON object.",
        ));
    };
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let alg = match get("alg") {
        Some(Value::String(alg)) => alg.as_ref(),
        _ => {
            return Err(Answer::invalid_token(
                "The token header names no signing algorithm.",
            ))
        }
    };
    let Some(&alg) = ALGORITHMS.iter().find(|a| **a == alg) else {
        return Err(Answer::invalid_token(format!(
            "Tokens signed with {alg} are not accepted: only RS256 and ES256."
        )));
    };
    let kid = match get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(kid)) => Some(kid.to_string()),
        Some(_) => {
            return Err(Answer::invalid_token(
                "The token header's kid is not a string.",
            ))
        }
    };
    Ok(AcceptedHeader { alg, kid })
}

/// The claims a gate needs; returns the token's project path.
pub(super) fn check(
    claims: &Value,
    issuer: &str,
    audience: &str,
    now: f64,
    skew: f64,
) -> Result<String, Answer> {
    let Value::Object(fields) = claims else {
        return Err(Answer::invalid_token(
            "The token payload is not a JSON object.",
        ));
    };
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| **v != Value::Null)
    };
    let text = |key: &str| match get(key) {
        Some(Value::String(s)) => Some(s.as_ref()),
        _ => None,
    };
    let time = |key: &str| -> Result<Option<f64>, Answer> {
        match get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(*n)),
            Some(_) => Err(Answer::invalid_token(format!(
                "The token's {key} is not a number."
            ))),
        }
    };

    if text("iss") != Some(issuer) {
        return Err(Answer::invalid_token(format!(
            "The token was not issued by {issuer}."
        )));
    }
    let audience_ok = match get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(auds)) => auds
            .iter()
            .any(|a| matches!(a, Value::String(s) if s == audience)),
        _ => false,
    };
    if !audience_ok {
        return Err(Answer::invalid_token(format!(
            "The token is not meant for {audience}."
        )));
    }
    let Some(exp) = time("exp")? else {
        return Err(Answer::invalid_token("The token has no expiry (exp)."));
    };
    if now > exp + skew {
        return Err(Answer::invalid_token("The token has expired."));
    }
    if let Some(nbf) = time("nbf")? {
        if now + skew < nbf {
            return Err(Answer::invalid_token("The token is not valid yet (nbf)."));
        }
    }
    if let Some(iat) = time("iat")? {
        if iat > now + skew {
            return Err(Answer::invalid_token(
                "The token claims to be issued in the future (iat).",
            ));
        }
    }
    match text("project_path") {
        Some(project) if !project.trim().is_empty() => Ok(project.to_owned()),
        _ => Err(Answer::invalid_token(
            "The token names no project (project_path): not a GitLab CI job token.",
        )),
    }
}

/// What the operator requires of the job beyond the allowlist (`require` in the config).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    ref_protected: Option<bool>,
    ref_type: Option<String>,
    refs: Option<Vec<String>>,
    environments: Option<Vec<String>>,
    pipeline_sources: Option<Vec<String>>,
}

impl FromValue for Requirements {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        const SHAPE: Shape = Shape {
            noun: "requirements",
            keys: &[
                optional("refProtected"),
                optional("refType"),
                optional("refs"),
                optional("environments"),
                optional("pipelineSources"),
            ],
            note: "",
        };
        let f = Fields::of(value, at, &SHAPE)?;
        Ok(Requirements {
            ref_protected: f.optional("refProtected", at, crate::value::boolean)?,
            ref_type: f
                .optional("refType", at, |v, at| {
                    one_of(v, at, &[("branch", "branch"), ("tag", "tag")])
                })?
                .map(str::to_owned),
            refs: f.optional("refs", at, |v, at| list(v, at, string))?,
            environments: f.optional("environments", at, |v, at| list(v, at, string))?,
            pipeline_sources: f.optional("pipelineSources", at, |v, at| list(v, at, string))?,
        })
    }
}

impl Requirements {
    /// `Err` says which requirement the token's claims miss.
    pub(super) fn check(&self, claims: &Value) -> Result<(), String> {
        let Value::Object(fields) = claims else {
            return Err("the token has no claims".to_owned());
        };
        let claim = |key: &str| match fields.iter().find(|(k, _)| k == key).map(|(_, v)| v) {
            Some(Value::String(s)) => Some(s.as_ref()),
            _ => None,
        };
        if let Some(protected) = self.ref_protected {
            // GitLab writes ref_protected as the strings "true" / "false".
            let wanted = if protected { "true" } else { "false" };
            if claim("ref_protected") != Some(wanted) {
                return Err(format!(
                    "The job must run on a {}protected ref.",
                    if protected { "" } else { "un" }
                ));
            }
        }
        if let Some(kind) = &self.ref_type {
            if claim("ref_type") != Some(kind) {
                return Err(format!("The job must run on a {kind}."));
            }
        }
        let one_of = |key: &str, allowed: &Option<Vec<String>>, what: &str| -> Result<(), String> {
            match allowed {
                Some(allowed)
                    if !claim(key).is_some_and(|value| allowed.iter().any(|a| a == value)) =>
                {
                    Err(format!(
                        "The job's {what} must be one of: {}.",
                        allowed.join(", ")
                    ))
                }
                _ => Ok(()),
            }
        };
        one_of("ref", &self.refs, "ref")?;
        one_of("environment", &self.environments, "environment")?;
        one_of("pipeline_source", &self.pipeline_sources, "pipeline source")
    }
}

//! The edge gate's decisions (docs/gate.md: its use and threat model): which route a request takes, whether a verified GitLab
//! `id_tokens` JWT's claims hold, and whether its project may reach the route's target — decided by the
//! same GitLab engine as everything else.
//!
//! Signatures are not checked here: the JS side verifies them with WebCrypto (no hand-written crypto)
//! and hands over the header before and the claims after. Everything else a gate decides is here, in
//! plain Rust, tested natively.

mod claims;
mod route;

use serde::Serialize;

use crate::gitlab::snapshot::Source;
use crate::gitlab::{Query, World, WorldInput};
use crate::value::{
    list, number, optional, required, string, Fields, FromValue, Path, Shape, Value,
};
use crate::Error;

pub use claims::Requirements;
pub use route::{Matched, Route};

/// What the gate answers: an HTTP status and a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// 200 allowed, 401 invalid token, 403 denied, 404 no route.
    pub status: u16,
    /// Whether the request may pass to the upstream.
    pub allowed: bool,
    /// The reason code: a GitLab one, or `invalid_token`, `no_route`, `requirement_not_met`,
    /// `unknown_project`.
    pub reason: &'static str,
    /// Why, for people.
    pub message: String,
    /// The token's project (`project_path`); set once the token and the requirements are accepted.
    pub source: Option<String>,
    /// The project the route names; set with `source`.
    pub target: Option<String>,
    /// The permission the route requires, if it names one; set with `source`.
    pub permission: Option<String>,
}

impl Answer {
    pub(crate) fn invalid_token(message: impl Into<String>) -> Answer {
        Answer::denied(401, "invalid_token", message)
    }

    pub(crate) fn denied(status: u16, reason: &'static str, message: impl Into<String>) -> Answer {
        Answer {
            status,
            allowed: false,
            reason,
            message: message.into(),
            source: None,
            target: None,
            permission: None,
        }
    }
}

/// The signing algorithms a gate accepts: never `none`, never HMAC (a public key is no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedHeader {
    /// The signing algorithm: `RS256` or `ES256`.
    pub alg: &'static str,
    /// The key id that picks the signing key, if the header names one.
    pub kid: Option<String>,
}

/// The gate's configuration, compiled: issuer, audience, routes, requirements and the world.
#[derive(Debug)]
pub struct Gate {
    issuer: String,
    audience: String,
    routes: Vec<Route>,
    require: Requirements,
    clock_skew: f64,
    world: World,
}

/// Most clock skew a config may allow: more would make `exp` meaningless.
const MAX_SKEW_SECONDS: f64 = 300.0;

/// A config with its world given as `world` (the allowlists, compiled here). A config whose world is a
/// snapshot is read by [`Gate::from_config`].
impl FromValue for Gate {
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error> {
        Gate::from_config(value, at, None)
    }
}

impl Gate {
    /// The gate for `config`, with its world either in the config (`world`, compiled here) or as a
    /// snapshot of [`World::to_bytes`] (`policy`: bytes, which a config value cannot carry, so they
    /// come beside it) — exactly one of the two. A snapshot's errors are located at `policy`.
    pub fn from_config(
        config: &Value,
        at: &Path,
        policy: Option<&mut dyn Source>,
    ) -> Result<Gate, Error> {
        const SHAPE: Shape = Shape {
            noun: "a gate config",
            keys: &[
                required("issuer"),
                required("audience"),
                optional("world"),
                required("routes"),
                optional("require"),
                optional("clockSkewSeconds"),
            ],
            note: "",
        };
        let f = Fields::of(config, at, &SHAPE)?;
        let world = match policy {
            Some(_) if f.get("world").is_some() => {
                return Err(at.error(
                    "a gate config takes `world` or `policy` (a snapshot of a world), not both",
                ))
            }
            Some(source) => World::from_source(source).map_err(|e| {
                // The snapshot reader names its argument `bytes`: here it is the config's `policy`.
                let path = e.path().strip_prefix("bytes").unwrap_or(e.path());
                Error::new(e.code(), prefixed("policy", path), e.message())
            })?,
            None => match f.optional("world", at, WorldInput::from_value)? {
                Some(input) => World::from_input(input)
                    .map_err(|e| Error::new(e.code(), prefixed("world", e.path()), e.message()))?,
                None => return Err(at.error(
                    "a gate config needs `world` (the allowlists) or `policy` (a snapshot of them, made by toBytes)",
                )),
            },
        };
        let clock_skew = match f.optional("clockSkewSeconds", at, number)? {
            Some(skew) if !(0.0..=MAX_SKEW_SECONDS).contains(&skew) => {
                return Err(at
                    .key("clockSkewSeconds")
                    .error("must be between 0 and 300 seconds"))
            }
            Some(skew) => skew,
            None => 60.0,
        };
        let routes = f.required("routes", at, |v, at| list(v, at, Route::from_value))?;
        if routes.is_empty() {
            return Err(at.key("routes").error("a gate needs at least one route"));
        }
        let issuer = f.required("issuer", at, string)?;
        let audience = f.required("audience", at, string)?;
        for (key, text) in [("issuer", &issuer), ("audience", &audience)] {
            if text.trim().is_empty() {
                return Err(at.key(key).error("must not be empty"));
            }
        }
        Ok(Gate {
            issuer,
            audience,
            routes,
            require: f
                .optional("require", at, Requirements::from_value)?
                .unwrap_or_default(),
            clock_skew,
            world,
        })
    }
}

fn prefixed(prefix: &str, path: &str) -> String {
    if path.is_empty() {
        prefix.to_owned()
    } else if path.starts_with('[') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}.{path}")
    }
}

impl Gate {
    /// The first route matching `method` and `path`, with the target it names.
    pub fn route(&self, method: &str, path: &str) -> Option<(&Route, Matched)> {
        self.routes
            .iter()
            .find_map(|route| route.matches(method, path).map(|matched| (route, matched)))
    }

    /// How the world spells the project `target` names (any case, surrounding slashes), if it has it.
    pub fn spelling(&self, target: &str) -> Option<&str> {
        let id = self.world.project_id(target)?;
        Some(self.world.path_of(id))
    }

    /// Accepts the JWT header's `alg` (RS256, ES256) and reads its `kid`.
    pub fn check_header(&self, header: &Value) -> Result<AcceptedHeader, Answer> {
        claims::check_header(header)
    }

    /// The answer for a request whose token signature the caller verified; `now` in seconds.
    pub fn authorize(&self, method: &str, path: &str, claims: &Value, now: f64) -> Answer {
        let Some((route, Matched { target, .. })) = self.route(method, path) else {
            return Answer::denied(404, "no_route", format!("No route for {method} {path}."));
        };
        let source = match claims::check(claims, &self.issuer, &self.audience, now, self.clock_skew)
        {
            Ok(source) => source,
            Err(answer) => return answer,
        };
        if let Err(unmet) = self.require.check(claims) {
            return Answer::denied(403, "requirement_not_met", unmet);
        }
        let permission = route.permission();
        let answer = |status, allowed, reason, message| Answer {
            status,
            allowed,
            reason,
            message,
            source: Some(source.clone()),
            target: Some(target.clone()),
            permission: permission.map(|p| p.name().to_owned()),
        };
        let (Some(s), Some(t)) = (
            self.world.project_id(&source),
            self.world.project_id(&target),
        ) else {
            let unknown = if self.world.project_id(&source).is_none() {
                &source
            } else {
                &target
            };
            return answer(
                403,
                false,
                "unknown_project",
                format!("{unknown} is not a project this gate knows; nothing is allowed for it."),
            );
        };
        let verdict = Query::new(&self.world, s.index(), t.index(), permission).verdict();
        let status = if verdict.allowed { 200 } else { 403 };
        answer(
            status,
            verdict.allowed,
            verdict.reason.as_str(),
            verdict.message,
        )
    }
}

#[cfg(test)]
mod tests;

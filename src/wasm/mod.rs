//! The JS binding: one function per export of index.d.ts, each a few lines — read JS values, run the
//! engine, return JS values. This is the only module that knows about JS.
//!
//! Bad input becomes a thrown `Error` with a `code` property; nothing here can panic on input.

mod alloc;
mod js_value;
mod ser;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::azure::{AzureConfig, AzurePipeline, AzureResource};
use crate::gitlab::{AuthLog, EditInput, PlanOptions, RequestInput, World, WorldInput};
use crate::value::{FromValue, Path};
use crate::Error;

/// A JS `Error` whose `message` says what and where, with `code` set.
fn js_error(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(
        &js,
        &JsValue::from_str("code"),
        &JsValue::from_str(error.code().as_str()),
    );
    js.into()
}

fn from_js<T: FromValue>(value: JsValue) -> Result<T, JsValue> {
    T::from_value(&js_value::from_js(&value)?.value(), &Path::ROOT).map_err(js_error)
}

/// [`from_js`] for an argument whose errors are located under its name (`log[3].source`).
fn from_js_named<T: FromValue>(value: JsValue, name: &str) -> Result<T, JsValue> {
    T::from_value(&js_value::from_js(&value)?.value(), &Path::named(name)).map_err(js_error)
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let mut json = String::new();
    match value.serialize(ser::Serializer(&mut json)) {
        Ok(()) => parse_json(&json),
        Err(e) => Err(js_error(Error::invalid("", e.to_string()))),
    }
}

/// The answer's JSON text as JS values.
fn parse_json(json: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(json)
}

fn world(value: JsValue) -> Result<World, JsValue> {
    World::from_input(from_js::<WorldInput>(value)?).map_err(js_error)
}

fn string_arg(value: &JsValue, name: &str) -> Result<String, JsValue> {
    let Some(text) = value.dyn_ref::<js_sys::JsString>() else {
        return Err(js_error(Error::invalid(name, "expected a string")));
    };
    // Measured before it is copied into the module, like every string inside an input.
    if text.length() as usize > crate::value::MAX_STRING {
        return Err(js_error(Error::invalid(name, crate::value::TOO_LONG)));
    }
    value
        .as_string()
        .ok_or_else(|| js_error(Error::invalid(name, "expected a string")))
}

fn optional_string_arg(value: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        string_arg(value, name).map(Some)
    }
}

/// May a job in `request.source` use its token against `request.target`? With the full trace.
#[wasm_bindgen(js_name = checkGitlabAccess)]
pub fn check_gitlab_access(world_value: JsValue, request: JsValue) -> Result<JsValue, JsValue> {
    let world = world(world_value)?;
    let request: RequestInput = from_js(request)?;
    let query = world.query(&request).map_err(js_error)?;
    to_js(&query.explain())
}

/// Every project `project`'s jobs may reach, and every project whose jobs may reach it.
#[wasm_bindgen(js_name = resolveGitlabScope)]
pub fn resolve_gitlab_scope(world_value: JsValue, project: JsValue) -> Result<JsValue, JsValue> {
    let world = world(world_value)?;
    let project = string_arg(&project, "project")?;
    to_js(&world.resolve_scope(&project).map_err(js_error)?)
}

/// The settings GitLab would refuse or flag, as problems (empty when valid).
#[wasm_bindgen(js_name = validateGitlabWorld)]
pub fn validate_gitlab_world(world_value: JsValue) -> Result<JsValue, JsValue> {
    to_js(&world(world_value)?.validate())
}

/// `project`'s allowlist brought within `limit` (default: the release's) by group entries.
#[wasm_bindgen(js_name = compactGitlabAllowlist)]
pub fn compact_gitlab_allowlist(
    world_value: JsValue,
    project: JsValue,
    limit: JsValue,
) -> Result<JsValue, JsValue> {
    let world = world(world_value)?;
    let project = string_arg(&project, "project")?;
    let limit = if limit.is_undefined() || limit.is_null() {
        None
    } else {
        match limit.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 1e9 => Some(n as usize),
            _ => {
                return Err(js_error(Error::invalid(
                    "limit",
                    "expected a whole number of entries, 0 or more",
                )))
            }
        }
    };
    to_js(&world.compact(&project, limit).map_err(js_error)?)
}

/// May `edit.user` make this change to `edit.project`'s Token Access settings?
#[wasm_bindgen(js_name = checkGitlabEdit)]
pub fn check_gitlab_edit(world_value: JsValue, edit: JsValue) -> Result<JsValue, JsValue> {
    let world = world(world_value)?;
    let edit: EditInput = from_js(edit)?;
    to_js(&world.check_edit(&edit).map_err(js_error)?)
}

/// What enforcing inbound allowlists breaks, and the allowlists that would not (docs/enforcement.md).
#[wasm_bindgen(js_name = planGitlabEnforcement)]
pub fn plan_gitlab_enforcement(
    world_value: JsValue,
    log: JsValue,
    options: JsValue,
) -> Result<JsValue, JsValue> {
    let world = world(world_value)?;
    let log: AuthLog = from_js_named(log, "log")?;
    let options: PlanOptions = if options.is_undefined() || options.is_null() {
        PlanOptions::default()
    } else {
        from_js_named(options, "options")?
    };
    to_js(&world.plan_enforcement(&log, &options).map_err(js_error)?)
}

/// A world compiled once, for many checks (edge gate, access matrices).
#[wasm_bindgen]
pub struct GitlabPolicy {
    world: World,
}

#[wasm_bindgen]
impl GitlabPolicy {
    #[wasm_bindgen(constructor)]
    pub fn new(world_value: JsValue) -> Result<GitlabPolicy, JsValue> {
        Ok(GitlabPolicy {
            world: world(world_value)?,
        })
    }

    /// Allowed or not; no trace is built.
    pub fn check(
        &self,
        source: JsValue,
        target: JsValue,
        permission: JsValue,
    ) -> Result<bool, JsValue> {
        alloc::reserve(0).map_err(js_error)?;
        let (source, target) = (
            string_arg(&source, "source")?,
            string_arg(&target, "target")?,
        );
        let permission = optional_string_arg(&permission, "permission")?;
        self.world
            .check_paths(&source, &target, permission.as_deref())
            .map_err(js_error)
    }

    /// The index of the project at `path` (any case), or -1: lets the JS wrapper resolve each
    /// path string once and then check by numbers, with no string crossing into wasm per check.
    #[wasm_bindgen(js_name = projectIndex)]
    pub fn project_index(&self, path: &str) -> i32 {
        self.world
            .project_id(path)
            .map_or(-1, |id| id.index() as i32)
    }

    /// The index of a permission a request may name, or -1 (the engine then words the error).
    #[wasm_bindgen(js_name = permissionIndex)]
    pub fn permission_index(name: &str) -> i32 {
        crate::gitlab::Permission::from_name(name)
            .filter(|p| p.not_requestable().is_none())
            .map_or(-1, |p| p.index() as i32)
    }

    /// `check` by indices (`permission` -1 for none): 1 allowed, 0 denied, -1 an index out of range.
    #[wasm_bindgen(js_name = checkIndices)]
    pub fn check_indices(&self, source: u32, target: u32, permission: i32) -> i32 {
        let permission = usize::try_from(permission).ok();
        match self
            .world
            .check_indices(source as usize, target as usize, permission)
        {
            Some(allowed) => allowed as i32,
            None => -1,
        }
    }

    /// The full decision with its trace.
    pub fn explain(
        &self,
        source: JsValue,
        target: JsValue,
        permission: JsValue,
    ) -> Result<JsValue, JsValue> {
        alloc::reserve(0).map_err(js_error)?;
        let request = RequestInput {
            source: string_arg(&source, "source")?,
            target: string_arg(&target, "target")?,
            permission: optional_string_arg(&permission, "permission")?,
            user: None,
        };
        let query = self.world.query(&request).map_err(js_error)?;
        to_js(&query.explain())
    }

    /// The compiled world as a snapshot (docs/api.md "Snapshots").
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Result<js_sys::Uint8Array, JsValue> {
        alloc::reserve(self.world.to_bytes_len()).map_err(js_error)?;
        Ok(js_sys::Uint8Array::from(&self.world.to_bytes()[..]))
    }

    /// A world read back from a snapshot of `toBytes`, a chunk at a time: the snapshot is never
    /// copied whole into the module.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: JsValue) -> Result<GitlabPolicy, JsValue> {
        let array = snapshot_array(&bytes, "bytes")?;
        let mut source = JsBytes::new(&array).map_err(js_error)?;
        Ok(GitlabPolicy {
            world: World::from_source(&mut source).map_err(js_error)?,
        })
    }
}

/// A snapshot argument (`bytes`, or the gate's `policy`): a `Uint8Array`, or an `ArrayBuffer` seen
/// whole; anything else is an error at `name`.
fn snapshot_array(value: &JsValue, name: &str) -> Result<js_sys::Uint8Array, JsValue> {
    if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(array.clone());
    }
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(js_sys::Uint8Array::new(buffer));
    }
    Err(js_error(Error::invalid(
        name,
        "expected a Uint8Array or an ArrayBuffer (a snapshot made by toBytes)",
    )))
}

/// A snapshot's bytes in JS memory, read a chunk at a time.
struct JsBytes<'a> {
    array: &'a js_sys::Uint8Array,
    len: usize,
}

impl<'a> JsBytes<'a> {
    /// The snapshot in `array`, with room reserved for the world it holds: a sixteenth more than its
    /// bytes (measured: 100,000 projects take 34.4 MiB for a 31.2 MiB snapshot).
    fn new(array: &'a js_sys::Uint8Array) -> Result<JsBytes<'a>, Error> {
        let len = array.length() as usize;
        alloc::reserve(len.saturating_add(len / 16))?;
        Ok(JsBytes { array, len })
    }
}

impl crate::gitlab::snapshot::Source for JsBytes<'_> {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&mut self, offset: usize, into: &mut [u8]) {
        let end = offset + into.len();
        if end <= self.len {
            self.array.subarray(offset as u32, end as u32).copy_to(into);
        }
    }

    fn read_words(&mut self, offset: usize, into: &mut [u32]) {
        // Word by word as 32-bit numbers where the bytes lie on a word boundary of their buffer (a
        // typed array's elements are in the platform's order, little-endian wherever wasm runs).
        let start = self.array.byte_offset() as usize + offset;
        if start % 4 != 0 || offset + 4 * into.len() > self.len {
            return crate::gitlab::snapshot::read_words_by_bytes(self, offset, into);
        }
        js_sys::Uint32Array::new_with_byte_offset_and_length(
            &self.array.buffer(),
            start as u32,
            into.len() as u32,
        )
        .copy_to(into);
    }
}

// ───────── GitlabPolicy.fromJSON: a world as JSON text, read in the module (src/json.rs) ─────────

#[wasm_bindgen]
impl GitlabPolicy {
    /// A world given as JSON text (a string, or UTF-8 bytes), parsed here: the same errors as the
    /// constructor for the same world, and located syntax errors.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(text: JsValue) -> Result<GitlabPolicy, JsValue> {
        let text = json_text(&text).map_err(js_error)?;
        // As `js_value::reserve_for` reserves for the record of a JS value: about two words a value.
        let words = 2 * crate::json::count_values(&text);
        let record = text.len() + 4 * words;
        alloc::reserve(record.saturating_mul(3).max(words.saturating_mul(72))).map_err(js_error)?;
        Ok(GitlabPolicy {
            // JS's own number parse: Rust's correctly rounded one costs 20 KB gzip (src/json.rs).
            world: World::from_json_with(&text, js_sys::parse_float).map_err(js_error)?,
        })
    }
}

/// `fromJSON`'s text, copied into the module once it is known to fit: a string of at most 128 Mi
/// UTF-16 code units, or a `Uint8Array` of at most 128 MiB of UTF-8 (without a leading byte order
/// mark, as `TextDecoder` reads it).
fn json_text(value: &JsValue) -> Result<String, Error> {
    const MAX_TEXT: usize = crate::json::MAX_INPUT;
    let too_long = || Error::invalid("", "JSON text longer than 128 MiB (the input's size limit)");
    if let Some(text) = value.dyn_ref::<js_sys::JsString>() {
        let units = text.length() as usize;
        if units > MAX_TEXT {
            return Err(too_long());
        }
        alloc::reserve(units.saturating_mul(3))?;
        // UTF-8 from `encodeInto`: `None` cannot happen, short of a bug in `encode.js`.
        return js_value::string(text)
            .ok_or_else(|| Error::invalid("", "the text did not arrive as UTF-8"));
    }
    let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() else {
        return Err(Error::invalid("", "expected a string or a Uint8Array"));
    };
    let len = bytes.length();
    if len as usize > MAX_TEXT {
        return Err(too_long());
    }
    alloc::reserve(len as usize)?;
    let bom = len >= 3 && (0..3).all(|i| bytes.get_index(i) == [0xef, 0xbb, 0xbf][i as usize]);
    let start = if bom { 3 } else { 0 };
    String::from_utf8(bytes.subarray(start, len).to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to() + start as usize;
        Error::invalid("", format!("invalid UTF-8 at byte {at} of the JSON text"))
    })
}

fn pipeline(value: JsValue) -> Result<AzurePipeline, JsValue> {
    AzurePipeline::from_config(from_js::<AzureConfig>(value)?).map_err(js_error)
}

/// The job authorization scope, identity and repositories of an Azure pipeline's job access token.
#[wasm_bindgen(js_name = resolveAzureScope)]
pub fn resolve_azure_scope(config: JsValue) -> Result<JsValue, JsValue> {
    to_js(&pipeline(config)?.resolve_scope())
}

/// May the pipeline's job access token touch `resource`?
#[wasm_bindgen(js_name = checkAzureAccess)]
pub fn check_azure_access(config: JsValue, resource: JsValue) -> Result<JsValue, JsValue> {
    let pipeline = pipeline(config)?;
    let resource: AzureResource = from_js(resource)?;
    to_js(&pipeline.check_access(&resource))
}

/// Settings the product lacks, the organization locks, or that cannot take effect.
#[wasm_bindgen(js_name = validateAzureConfig)]
pub fn validate_azure_config(config: JsValue) -> Result<JsValue, JsValue> {
    to_js(&pipeline(config)?.validate())
}

/// The edge gate's engine (docs/gate.md): routes, JWT header and claims, decision. `job-token-scope/gate`
/// wraps it with WebCrypto signature checks; see notes/gate-contract.md.
#[wasm_bindgen]
pub struct GateEngine {
    gate: crate::gate::Gate,
}

#[wasm_bindgen]
impl GateEngine {
    /// The gate for `config` (`issuer`, `audience`, `world`, `routes`, `require`, `clockSkewSeconds`),
    /// its world in the config or, as `policy`, a snapshot of `GitlabPolicy.toBytes` (a `Uint8Array`
    /// or an `ArrayBuffer`, read a chunk at a time; `undefined` or `null` when there is none).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, policy: JsValue) -> Result<GateEngine, JsValue> {
        let mut config = js_value::from_js(&config)?;
        let gate = if policy.is_undefined() || policy.is_null() {
            crate::gate::Gate::from_config(&config.value(), &Path::ROOT, None)
        } else {
            let array = snapshot_array(&policy, "policy")?;
            let mut source = JsBytes::new(&array).map_err(js_error)?;
            crate::gate::Gate::from_config(&config.value(), &Path::ROOT, Some(&mut source))
        };
        Ok(GateEngine {
            gate: gate.map_err(js_error)?,
        })
    }

    /// `{ target, permission, targetSegment, spelling }` of the first matching route, or null.
    pub fn route(&self, method: &str, path: &str) -> Result<JsValue, JsValue> {
        match self.gate.route(method, path) {
            Some((route, matched)) => to_js(&RouteMatch {
                spelling: self.gate.spelling(&matched.target),
                target_segment: matched.segment,
                target: matched.target,
                permission: route.permission().map(|p| p.name()),
            }),
            None => Ok(JsValue::NULL),
        }
    }

    /// `{ alg, kid }` for an acceptable JWT header, else a 401 answer.
    #[wasm_bindgen(js_name = checkHeader)]
    pub fn check_header(&self, header: JsValue) -> Result<JsValue, JsValue> {
        match self.gate.check_header(&js_value::from_js(&header)?.value()) {
            Ok(accepted) => to_js(&accepted),
            Err(answer) => to_js(&answer),
        }
    }

    /// The answer for a request whose token signature was verified; `now` in seconds.
    pub fn authorize(
        &self,
        method: &str,
        path: &str,
        claims: JsValue,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        to_js(
            &self
                .gate
                .authorize(method, path, &js_value::from_js(&claims)?.value(), now),
        )
    }
}

/// A route's match, for gate.js: the target and permission, which path segment held the target
/// (the only one where `%2F` may stand), and how the world spells the target (its canonical spelling).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteMatch<'g> {
    target: String,
    permission: Option<&'static str>,
    target_segment: Option<usize>,
    spelling: Option<&'g str>,
}

/// GitLab's releases and what each changed (the engine's version table), oldest first.
#[wasm_bindgen(js_name = gitlabVersions)]
pub fn gitlab_versions() -> Result<JsValue, JsValue> {
    to_js(&crate::gitlab::PROFILES)
}

/// Every fine-grained job token permission with its minimum role.
#[wasm_bindgen(js_name = gitlabPermissions)]
pub fn gitlab_permissions() -> Result<JsValue, JsValue> {
    to_js(&crate::gitlab::Permission::table())
}

/// Azure DevOps products with their settings' UI labels.
#[wasm_bindgen(js_name = azureProducts)]
pub fn azure_products() -> Result<JsValue, JsValue> {
    to_js(&crate::azure::PRODUCTS)
}

/// The crate's version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}

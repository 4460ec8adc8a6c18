//! Input as a plain JSON-like tree, and the readers every input shape is built with.
//!
//! Both doors lead here: natively any serde format becomes a [`Value`] (`serde_json::Value`, a string
//! via `serde_json::from_str`), and in wasm the binding converts a JS value. The readers then build the
//! typed inputs with the same rules on both sides: unknown keys are refused, and every error names
//! where it happened (`projects[3].inbound.groups[0]: ...`). Hand-written readers rather than serde
//! derive keep the wasm small: one non-generic reader per shape instead of a visitor per shape and
//! deserializer.

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::Error;

// ───────── input limits: the same on both doors (docs/guarantees.md "Limits") ─────────
//
// A value past a limit becomes [`Value::Unsupported`] naming the limit, which every reader refuses with
// its path (`projects: expected an array, found an array of more than 200000 items (the limit)`).

/// Deepest nesting of arrays and objects: deeper than any input shape of the API.
pub const MAX_DEPTH: usize = 32;
/// Longest string: bytes (UTF-8) natively, UTF-16 code units (JS `length`) in wasm.
pub const MAX_STRING: usize = 1 << 20;
/// Most items in one array, or keys in one object (so at most this many projects, entries per list, users).
pub const MAX_ITEMS: usize = 200_000;

pub(crate) const TOO_DEEP: &str = "a value nested deeper than 32 levels (the limit)";
pub(crate) const TOO_LONG: &str = "a string longer than 1 MiB (the limit)";
pub(crate) const TOO_MANY_ITEMS: &str = "an array of more than 200000 items (the limit)";
pub(crate) const TOO_MANY_KEYS: &str = "an object with more than 200000 keys (the limit)";
pub(crate) const BAD_KEY: &str =
    "an object with a key longer than 1 MiB (the limit) or with a lone UTF-16 surrogate";
pub(crate) const NOT_FINITE: &str = "NaN or an infinite number";
pub(crate) const LONE_SURROGATE: &str = "a string with a lone UTF-16 surrogate";
pub(crate) const TOO_BIG: &str = "a value past the input's size limit of 128 MiB";

/// A string of a [`Value`]: the wasm door's values borrow their strings from the one copy of the
/// input's text (so the readers' own copies are the only others: a large world has a million strings);
/// the serde door's own them.
pub type Text<'t> = Cow<'t, str>;

/// A JSON-like value, its strings borrowed from `'t` or owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'t> {
    /// `null`, or `undefined` in JS.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A finite number.
    Number(f64),
    /// A string, at most [`MAX_STRING`] long.
    String(Text<'t>),
    /// Items in input order, at most [`MAX_ITEMS`].
    Array(Vec<Value<'t>>),
    /// Keys in input order.
    Object(Vec<(Text<'t>, Value<'t>)>),
    /// Something JSON cannot hold (a function, a symbol, NaN, a value nested too deep): what it is.
    Unsupported(&'static str),
}

impl Value<'_> {
    /// The same value owning its strings.
    pub fn to_owned_value(&self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Number(n) => Value::Number(*n),
            Value::String(s) => Value::String(Cow::Owned(s.to_string())),
            Value::Array(items) => Value::Array(items.iter().map(Value::to_owned_value).collect()),
            Value::Object(fields) => Value::Object(
                (fields.iter())
                    .map(|(k, v)| (Cow::Owned(k.to_string()), v.to_owned_value()))
                    .collect(),
            ),
            Value::Unsupported(kind) => Value::Unsupported(kind),
        }
    }

    /// What the value is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
            Value::Unsupported(kind) => kind,
        }
    }
}

/// Where a value sits in the input; printed only when an error needs it.
#[derive(Clone, Copy)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    step: Step<'a>,
}

#[derive(Clone, Copy)]
enum Step<'a> {
    Root(&'a str),
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The top of an input (printed as nothing).
    pub const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Root(""),
    };

    /// The top of a named argument (`request`, `limit`): printed as that name.
    pub fn named(name: &'a str) -> Path<'a> {
        Path {
            parent: None,
            step: Step::Root(name),
        }
    }

    /// The value at `key` of the object here: printed `.key` (or `key` at the top).
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    /// Item `index` of the array here: printed `[index]`.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// An `invalid_input` error here.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::invalid(self.to_string(), message)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        let at_top = self.parent.map_or(true, |p| {
            matches!(p.step, Step::Root("")) && p.parent.is_none()
        });
        match self.step {
            Step::Root(name) => f.write_str(name),
            Step::Key(key) if at_top => f.write_str(key),
            Step::Key(key) => write!(f, ".{key}"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Reads one value. A plain function pointer, not a generic closure: one copy of each reader per
/// result type in the wasm, instead of one per call site.
pub type Reader<T> = fn(&Value, &Path) -> Result<T, Error>;

/// A shape that can be read from a [`Value`].
pub trait FromValue: Sized {
    /// Reads `value`; an error names `at`, or the place inside it where reading failed.
    fn from_value(value: &Value, at: &Path) -> Result<Self, Error>;
}

/// A value read as it is (claims, JWT headers: shapes the gate inspects itself), owning its strings.
impl FromValue for Value<'static> {
    fn from_value(value: &Value, _: &Path) -> Result<Self, Error> {
        Ok(value.to_owned_value())
    }
}

/// An input object's keys, declared once per shape: [`Fields::of`] refuses any other key and words
/// its "expected ..." from them, and each read names a key declared here (checked in debug builds,
/// which is what the tests run).
#[derive(Debug, Clone, Copy)]
pub struct Shape<'k> {
    /// What the value is, for people: `a group`.
    pub noun: &'k str,
    /// Every key the shape knows, in the order its description lists them.
    pub keys: &'k [Key<'k>],
    /// Words after the key list (`, each "enabled", "private" or "disabled"`); usually empty.
    pub note: &'k str,
}

/// One key of a [`Shape`].
#[derive(Debug, Clone, Copy)]
pub struct Key<'k> {
    /// The key as the input spells it.
    pub name: &'k str,
    /// Whether the shape needs it.
    pub required: bool,
}

/// A key the shape needs.
pub const fn required(name: &str) -> Key<'_> {
    Key {
        name,
        required: true,
    }
}

/// A key the shape may have.
pub const fn optional(name: &str) -> Key<'_> {
    Key {
        name,
        required: false,
    }
}

impl Shape<'_> {
    /// `a group: { "path", "visibility"? }`.
    fn describe(&self) -> String {
        let keys: Vec<String> = (self.keys.iter())
            .map(|k| format!("\"{}\"{}", k.name, if k.required { "" } else { "?" }))
            .collect();
        format!("{}: {{ {} }}{}", self.noun, keys.join(", "), self.note)
    }
}

/// An object's fields, checked against the keys its [`Shape`] declares.
pub struct Fields<'v, 's> {
    fields: &'v [(Text<'v>, Value<'v>)],
    shape: &'s Shape<'s>,
}

impl<'v, 's> Fields<'v, 's> {
    /// Reads `value` as an object whose keys are all in `shape`.
    pub fn of(value: &'v Value, at: &Path, shape: &'s Shape<'s>) -> Result<Fields<'v, 's>, Error> {
        let Value::Object(fields) = value else {
            return Err(at.error(format!(
                "expected {}, found {}",
                shape.describe(),
                value.kind()
            )));
        };
        for (key, _) in fields {
            if !shape.keys.iter().any(|k| k.name == key.as_ref()) {
                let expected: Vec<String> =
                    shape.keys.iter().map(|k| format!("`{}`", k.name)).collect();
                return Err(at.key(key).error(format!(
                    "unknown field `{key}`, expected one of {}",
                    expected.join(", ")
                )));
            }
        }
        Ok(Fields { fields, shape })
    }

    /// A read must name a key its shape declares, as required or optional as it is read.
    fn declared(&self, key: &str, required: bool) {
        debug_assert!(
            self.shape
                .keys
                .iter()
                .any(|k| k.name == key && k.required == required),
            "{}: `{key}` is read as {} but not declared so",
            self.shape.noun,
            if required { "required" } else { "optional" }
        );
    }

    /// The value at `key`; absent and `null` are the same (`undefined` in JS).
    pub fn get(&self, key: &str) -> Option<&'v Value<'v>> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Value::Null))
    }

    /// A field that must be there.
    pub fn required<T>(&self, key: &str, at: &Path, read: Reader<T>) -> Result<T, Error> {
        self.declared(key, true);
        match self.get(key) {
            Some(value) => read(value, &at.key(key)),
            None => Err(at.error(format!("missing field `{key}`"))),
        }
    }

    /// A field that may be absent.
    pub fn optional<T>(&self, key: &str, at: &Path, read: Reader<T>) -> Result<Option<T>, Error> {
        self.declared(key, false);
        self.get(key)
            .map(|value| read(value, &at.key(key)))
            .transpose()
    }
}

/// A string.
pub fn string(value: &Value, at: &Path) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.to_string()),
        other => Err(at.error(format!("expected a string, found {}", other.kind()))),
    }
}

/// A finite number.
pub fn number(value: &Value, at: &Path) -> Result<f64, Error> {
    match value {
        Value::Number(n) => Ok(*n),
        other => Err(at.error(format!("expected a number, found {}", other.kind()))),
    }
}

/// A boolean.
pub fn boolean(value: &Value, at: &Path) -> Result<bool, Error> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => Err(at.error(format!("expected a boolean, found {}", other.kind()))),
    }
}

/// An array, each item read by `read`.
pub fn list<T>(value: &Value, at: &Path, read: Reader<T>) -> Result<Vec<T>, Error> {
    let Value::Array(items) = value else {
        return Err(at.error(format!("expected an array, found {}", value.kind())));
    };
    // A plain loop: `collect::<Result<Vec<_>, _>>()` costs the wasm an adapter per item type.
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(read(item, &at.index(i))?);
    }
    Ok(out)
}

/// An object used as a map (any keys), each value read by `read`.
pub fn map<T>(value: &Value, at: &Path, read: Reader<T>) -> Result<Vec<(String, T)>, Error> {
    let Value::Object(fields) = value else {
        return Err(at.error(format!("expected an object, found {}", value.kind())));
    };
    let mut out = Vec::with_capacity(fields.len());
    for (key, item) in fields {
        out.push((key.to_string(), read(item, &at.key(key))?));
    }
    Ok(out)
}

/// One of a fixed set of strings.
pub fn one_of<T: Copy>(value: &Value, at: &Path, options: &[(&str, T)]) -> Result<T, Error> {
    let found = match value {
        Value::String(s) => s,
        other => return Err(at.error(format!("expected a string, found {}", other.kind()))),
    };
    options
        .iter()
        .find(|(name, _)| name == found)
        .map(|&(_, v)| v)
        .ok_or_else(|| {
            let expected: Vec<String> = options
                .iter()
                .map(|(name, _)| format!("`{name}`"))
                .collect();
            at.error(format!(
                "unknown variant `{found}`, expected one of {}",
                expected.join(", ")
            ))
        })
}

// ───────── serde: any self-describing format becomes a Value (native callers, tests) ─────────

impl<'de> Deserialize<'de> for Value<'static> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value<'static>, D::Error> {
        Nested(0).deserialize(deserializer)
    }
}

/// A value at nesting `depth`: the limits of this module applied while reading, as the JS conversion
/// does (native only: nothing in the wasm deserializes).
#[derive(Clone, Copy)]
struct Nested(usize);

impl<'de> DeserializeSeed<'de> for Nested {
    type Value = Value<'static>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value<'static>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nested {
    type Value = Value<'static>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value<'static>, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value<'static>, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value<'static>, D::Error> {
        self.deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value<'static>, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value<'static>, E> {
        Ok(Value::Number(n as f64))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value<'static>, E> {
        Ok(Value::Number(n as f64))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value<'static>, E> {
        Ok(if n.is_finite() {
            Value::Number(n)
        } else {
            Value::Unsupported(NOT_FINITE)
        })
    }
    fn visit_str<E>(self, s: &str) -> Result<Value<'static>, E> {
        Ok(if s.len() > MAX_STRING {
            Value::Unsupported(TOO_LONG)
        } else {
            Value::String(Cow::Owned(s.to_owned()))
        })
    }
    fn visit_string<E>(self, s: String) -> Result<Value<'static>, E> {
        Ok(if s.len() > MAX_STRING {
            Value::Unsupported(TOO_LONG)
        } else {
            Value::String(Cow::Owned(s))
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'static>, A::Error> {
        if self.0 >= MAX_DEPTH {
            // Read past it without building anything (serde_json's own recursion limit bounds this).
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Value::Unsupported(TOO_DEEP));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Nested(self.0 + 1))? {
            if items.len() == MAX_ITEMS {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(Value::Unsupported(TOO_MANY_ITEMS));
            }
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'static>, A::Error> {
        if self.0 >= MAX_DEPTH {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(Value::Unsupported(TOO_DEEP));
        }
        let mut fields: Vec<(Text<'static>, Value<'static>)> = Vec::new();
        // Where each key is, so a repeated key costs no scan of the object.
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        while let Some(key) = map.next_key::<String>()? {
            if key.len() > MAX_STRING {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Value::Unsupported(BAD_KEY));
            }
            let value = map.next_value_seed(Nested(self.0 + 1))?;
            if let Some(&at) = seen.get(&key) {
                // A repeated key: the last value wins at the first key's place, as JSON.parse does.
                fields[at].1 = value;
                continue;
            }
            if fields.len() == MAX_ITEMS {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Value::Unsupported(TOO_MANY_KEYS));
            }
            seen.insert(key.clone(), fields.len());
            fields.push((Cow::Owned(key), value));
        }
        Ok(Value::Object(fields))
    }
}

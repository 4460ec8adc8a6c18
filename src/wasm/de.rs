//! Reads plain JS values (objects, arrays, strings, finite numbers, booleans, null/undefined) as serde
//! input, the way `JSON.parse` output would read.
//!
//! serde-wasm-bindgen reads only a struct's declared fields from an object, so `deny_unknown_fields` never
//! sees a misspelled key; here every object is offered as a map with ALL its own keys, so a typo is an
//! error. It also refuses what JSON cannot hold (NaN, Infinity, functions, symbols, bigints) and bounds
//! nesting, so a hostile value cannot exhaust the wasm stack.
//!
//! Errors carry the path of the value they are about (`projects[3].inbound.groups[0]`), recorded on
//! the way out — the same text `serde_path_to_error` gives natively, without doubling every visitor
//! in the wasm.

use std::fmt;

use serde::de::value::StringDeserializer;
use serde::de::{
    self, DeserializeSeed, Error as _, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use wasm_bindgen::{JsCast, JsValue};

/// Deeper than any input shape of the API; past it the value is refused, not walked.
const MAX_DEPTH: usize = 32;

/// One step into a value: an object key or an array index.
#[derive(Debug)]
enum Segment {
    Key(String),
    Index(u32),
}

/// A deserialization error and where it happened.
#[derive(Debug)]
pub struct Error {
    path: Vec<Segment>,
    message: String,
}

impl Error {
    /// The same error, one level further out.
    fn at(mut self, segment: Segment) -> Self {
        self.path.insert(0, segment);
        self
    }

    /// `projects[3].inbound.groups[0]`; empty for the whole value.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Key(key) if out.is_empty() => out.push_str(key),
                Segment::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error {
            path: Vec::new(),
            message: message.to_string(),
        }
    }

    // serde's own text formats `Unexpected` with its `Display`, which links float formatting into
    // the wasm; inputs never hold fractions, so describe values without it.
    fn invalid_type(unexpected: de::Unexpected, expected: &dyn de::Expected) -> Self {
        Error::custom(format_args!(
            "invalid type: {}, expected {expected}",
            describe(unexpected)
        ))
    }

    fn invalid_value(unexpected: de::Unexpected, expected: &dyn de::Expected) -> Self {
        Error::custom(format_args!(
            "invalid value: {}, expected {expected}",
            describe(unexpected)
        ))
    }
}

/// What serde's `Unexpected` says, without formatting floats.
fn describe(unexpected: de::Unexpected) -> String {
    use de::Unexpected as U;
    match unexpected {
        U::Bool(b) => format!("boolean `{b}`"),
        U::Unsigned(n) => format!("integer `{n}`"),
        U::Signed(n) => format!("integer `{n}`"),
        U::Float(_) => "a number".to_owned(),
        U::Char(c) => format!("character `{c}`"),
        U::Str(s) => format!("string \"{s}\""),
        U::Bytes(_) => "bytes".to_owned(),
        U::Unit => "null".to_owned(),
        U::Option => "an optional value".to_owned(),
        U::NewtypeStruct => "a newtype struct".to_owned(),
        U::Seq => "an array".to_owned(),
        U::Map => "an object".to_owned(),
        U::Enum => "an enum".to_owned(),
        U::UnitVariant | U::NewtypeVariant | U::TupleVariant | U::StructVariant => {
            "an enum variant".to_owned()
        }
        U::Other(other) => other.to_owned(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// A serde `Deserializer` over one JS value.
pub struct JsDeserializer {
    value: JsValue,
    depth: usize,
}

impl JsDeserializer {
    pub fn new(value: JsValue) -> Self {
        JsDeserializer { value, depth: 0 }
    }

    fn child(&self, value: JsValue) -> Result<JsDeserializer, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::custom(format!(
                "nested deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(JsDeserializer {
            value,
            depth: self.depth + 1,
        })
    }
}

impl<'de> de::Deserializer<'de> for JsDeserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = &self.value;
        if value.is_null() || value.is_undefined() {
            return visitor.visit_unit();
        }
        if let Some(b) = value.as_bool() {
            return visitor.visit_bool(b);
        }
        if let Some(n) = value.as_f64() {
            // No input of the API holds a fraction; refusing them here also keeps float
            // formatting (and its code) out of the wasm.
            return if n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&n) {
                visitor.visit_u64(n as u64)
            } else if n.fract() == 0.0 && (-9_007_199_254_740_991.0..0.0).contains(&n) {
                visitor.visit_i64(n as i64)
            } else {
                let what = if n.is_finite() {
                    "a fractional number"
                } else {
                    "NaN or an infinite number"
                };
                Err(Error::invalid_type(de::Unexpected::Other(what), &visitor))
            };
        }
        if let Some(s) = value.as_string() {
            return visitor.visit_string(s);
        }
        if js_sys::Array::is_array(value) {
            let array: js_sys::Array = value.clone().unchecked_into();
            return visitor.visit_seq(Elements {
                parent: &self,
                array,
                next: 0,
            });
        }
        if value.is_object() {
            let entries = js_sys::Object::entries(value.unchecked_ref());
            return visitor.visit_map(Entries {
                parent: &self,
                entries,
                next: 0,
                current: None,
            });
        }
        let kind = value.js_typeof().as_string().unwrap_or_default();
        Err(Error::custom(format!("a {kind} is not a JSON value")))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.value.is_null() || self.value.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// Structs are objects only (serde would also take an array of field values: a silent misreading).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if js_sys::Array::is_array(&self.value) {
            return Err(Error::invalid_type(de::Unexpected::Seq, &visitor));
        }
        self.deserialize_any(visitor)
    }

    /// Enums of the API are unit variants spelled as strings.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value.as_string() {
            Some(s) => visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            None => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Elements<'a> {
    parent: &'a JsDeserializer,
    array: js_sys::Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Elements<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let index = self.next;
        let item = self.array.get(index);
        self.next += 1;
        seed.deserialize(self.parent.child(item)?)
            .map(Some)
            .map_err(|e| e.at(Segment::Index(index)))
    }
}

struct Entries<'a> {
    parent: &'a JsDeserializer,
    entries: js_sys::Array,
    next: u32,
    /// The key just read and its value, for `next_value_seed`.
    current: Option<(String, JsValue)>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.next >= self.entries.length() {
            return Ok(None);
        }
        let entry: js_sys::Array = self.entries.get(self.next).unchecked_into();
        self.next += 1;
        let key = entry.get(0).as_string().unwrap_or_default();
        let reader: StringDeserializer<Error> = key.clone().into_deserializer();
        let read = seed.deserialize(reader).map(Some);
        // An unknown field is reported at the field itself: `pipeline.hasrun: unknown field ...`.
        let read = read.map_err(|e| e.at(Segment::Key(key.clone())));
        self.current = Some((key, entry.get(1)));
        read
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (key, value) = self.current.take().unwrap_or_default();
        seed.deserialize(self.parent.child(value)?)
            .map_err(|e| e.at(Segment::Key(key)))
    }
}

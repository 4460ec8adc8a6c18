//! Reads plain JS values (objects, arrays, strings, finite numbers, booleans, null/undefined) as serde
//! input, the way `JSON.parse` output would read.
//!
//! serde-wasm-bindgen reads only a struct's declared fields from an object, so `deny_unknown_fields` never
//! sees a misspelled key; here every object is offered as a map with ALL its own keys, so a typo is an
//! error. It also refuses what JSON cannot hold (NaN, Infinity, functions, symbols, bigints) and bounds
//! nesting, so a hostile value cannot exhaust the wasm stack.

use serde::de::value::{Error, StringDeserializer};
use serde::de::{
    self, DeserializeSeed, Error as _, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use wasm_bindgen::{JsCast, JsValue};

/// Deeper than any input shape of the API; past it the value is refused, not walked.
const MAX_DEPTH: usize = 32;

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
            return if !n.is_finite() {
                Err(Error::custom(format!("{n} is not a number JSON can hold")))
            } else if n.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&n) {
                visitor.visit_u64(n as u64)
            } else if n.fract() == 0.0 && (-9_007_199_254_740_991.0..0.0).contains(&n) {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_f64(n)
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
                value: None,
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
        let item = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(self.parent.child(item)?).map(Some)
    }
}

struct Entries<'a> {
    parent: &'a JsDeserializer,
    entries: js_sys::Array,
    next: u32,
    value: Option<JsValue>,
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
        self.value = Some(entry.get(1));
        let key = entry.get(0).as_string().unwrap_or_default();
        let key: StringDeserializer<Error> = key.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(self.parent.child(value)?)
    }
}

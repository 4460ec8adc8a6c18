//! Plain JS values (what `JSON.parse` gives, or an object literal) as the engine's [`Value`] tree.
//!
//! Every own enumerable key of an object is kept, so a misspelled key reaches the readers and is
//! refused. What JSON cannot hold (NaN, Infinity, functions, symbols, bigints) and nesting deeper than
//! any input shape become [`Value::Unsupported`], which every reader refuses with its path — the
//! conversion itself never fails and never recurses without bound.

use wasm_bindgen::{JsCast, JsValue};

use crate::value::Value;

/// Deeper than any input shape of the API.
const MAX_DEPTH: usize = 32;

/// Converts a JS value.
pub fn from_js(value: &JsValue) -> Value {
    convert(value, 0)
}

fn convert(value: &JsValue, depth: usize) -> Value {
    if value.is_null() || value.is_undefined() {
        return Value::Null;
    }
    if let Some(b) = value.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = value.as_f64() {
        return if n.is_finite() {
            Value::Number(n)
        } else {
            Value::Unsupported("NaN or an infinite number")
        };
    }
    if let Some(s) = value.as_string() {
        return Value::String(s);
    }
    if depth >= MAX_DEPTH {
        return Value::Unsupported("a value nested deeper than 32 levels");
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        return Value::Array(array.iter().map(|item| convert(&item, depth + 1)).collect());
    }
    if value.is_object() {
        let entries = js_sys::Object::entries(value.unchecked_ref());
        let fields = entries
            .iter()
            .map(|entry| {
                let entry: js_sys::Array = entry.unchecked_into();
                let key = entry.get(0).as_string().unwrap_or_default();
                (key, convert(&entry.get(1), depth + 1))
            })
            .collect();
        return Value::Object(fields);
    }
    Value::Unsupported(if value.is_function() {
        "a function"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.is_bigint() {
        "a bigint"
    } else {
        "a value JSON cannot hold"
    })
}

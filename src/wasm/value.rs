//! Plain JS values (what `JSON.parse` gives, or an object literal) as the engine's [`Value`] tree.
//!
//! Every own enumerable key of an object is kept, so a misspelled key reaches the readers and is
//! refused. What JSON cannot hold (NaN, Infinity, functions, symbols, bigints, strings with lone
//! surrogates) and anything past the input limits of [`crate::value`] (nesting, string length, items,
//! and here also the whole input's size) become [`Value::Unsupported`], which every reader refuses with
//! its path — the conversion itself never fails, never recurses without bound, and measures a string or
//! an array before copying it.

use wasm_bindgen::{JsCast, JsValue};

use crate::value::{self, Value, MAX_DEPTH, MAX_ITEMS, MAX_STRING};

/// The whole input's size, counted as UTF-16 code units of its strings and keys plus 16 per value:
/// bounds what one call copies into the module's memory (a 100,000-project world is about 20 Mi).
const MAX_INPUT: usize = 128 << 20;
const TOO_BIG: &str = "a value past the input's size limit of 128 MiB";

/// Converts a JS value.
pub fn from_js(value: &JsValue) -> Value {
    convert(value, 0, &mut 0)
}

fn convert(value: &JsValue, depth: usize, size: &mut usize) -> Value {
    *size += 16;
    if *size > MAX_INPUT {
        return Value::Unsupported(TOO_BIG);
    }
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
            Value::Unsupported(value::NOT_FINITE)
        };
    }
    if let Some(text) = value.dyn_ref::<js_sys::JsString>() {
        return match string(text, size) {
            Ok(s) => Value::String(s),
            Err(kind) => Value::Unsupported(kind),
        };
    }
    if depth >= MAX_DEPTH {
        return Value::Unsupported(value::TOO_DEEP);
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        if array.length() as usize > MAX_ITEMS {
            return Value::Unsupported(value::TOO_MANY_ITEMS);
        }
        return Value::Array(
            array
                .iter()
                .map(|item| convert(&item, depth + 1, size))
                .collect(),
        );
    }
    if value.is_object() {
        let entries = js_sys::Object::entries(value.unchecked_ref());
        if entries.length() as usize > MAX_ITEMS {
            return Value::Unsupported(value::TOO_MANY_KEYS);
        }
        let mut fields = Vec::with_capacity(entries.length() as usize);
        for entry in entries.iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            // Keys of Object.entries are strings.
            let key = match string(entry.get(0).unchecked_ref(), size) {
                Ok(key) => key,
                Err(TOO_BIG) => return Value::Unsupported(TOO_BIG),
                Err(_) => return Value::Unsupported(value::BAD_KEY),
            };
            fields.push((key, convert(&entry.get(1), depth + 1, size)));
        }
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

/// A JS string, measured before it is copied; lone surrogates (which the copy would silently turn into
/// U+FFFD, so that different strings compared equal) are refused.
fn string(text: &js_sys::JsString, size: &mut usize) -> Result<String, &'static str> {
    let length = text.length() as usize;
    *size += length;
    if length > MAX_STRING {
        return Err(value::TOO_LONG);
    }
    if *size > MAX_INPUT {
        return Err(TOO_BIG);
    }
    let s = String::from(text);
    // The copy turns each lone surrogate into U+FFFD: more of them here than in the JS string means
    // some (counted by bytes and `split`: `is_valid_utf16` and `str::contains` cost the wasm 5 KB).
    let replaced = s
        .as_bytes()
        .windows(3)
        .filter(|w| *w == "\u{FFFD}".as_bytes())
        .count();
    if replaced > 0 && replaced + 1 != text.split("\u{FFFD}").length() as usize {
        return Err("a string with a lone UTF-16 surrogate");
    }
    Ok(s)
}

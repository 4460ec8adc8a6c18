//! Plain JS values (what `JSON.parse` gives, or an object literal) as the engine's [`Value`] tree.
//!
//! `encode.js` walks the value in JS and hands over one flat record — a tape of tags and lengths, the
//! numbers, and every string's text joined — which crosses into the module in three bulk copies (the
//! text by `TextEncoder.encodeInto`, straight into the module's memory), and the decoded [`Value`]
//! borrows its strings from that text; a call into JS per value and string made compiling a
//! 100,000-project world take seconds. The rules stay here: the limits of [`crate::value`] are passed
//! to the walk, and what a value past a limit or outside JSON is comes back as a numbered kind that
//! becomes [`Value::Unsupported`] with its message, refused by every reader with its path.
//!
//! Every own enumerable key of an object is kept, so a misspelled key reaches the readers and is
//! refused. Decoding never fails and never panics: a record that does not add up (it cannot, short of
//! a bug in `encode.js`) decodes to `Unsupported` too.

use std::borrow::Cow;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsValue;

use crate::value::{self, Value, MAX_DEPTH, MAX_ITEMS, MAX_STRING};

/// The whole input's size, counted as UTF-16 code units of its strings and keys plus 16 per value:
/// bounds what one call copies into the module's memory (a 100,000-project world is about 90 Mi).
const MAX_INPUT: usize = 128 << 20;

/// What an `Unsupported` kind number of `encode.js` is (the numbering is documented there).
const UNSUPPORTED: [&str; 12] = [
    value::NOT_FINITE,
    value::TOO_LONG,
    value::LONE_SURROGATE,
    value::TOO_DEEP,
    value::TOO_MANY_ITEMS,
    value::TOO_MANY_KEYS,
    value::BAD_KEY,
    value::TOO_BIG,
    "a function",
    "a symbol",
    "a bigint",
    "a value JSON cannot hold",
];
const MALFORMED: &str = "a value JSON cannot hold";

#[wasm_bindgen(module = "/src/wasm/encode.js")]
extern "C" {
    type Encoded;

    #[wasm_bindgen(js_name = encode)]
    fn encode_js(
        value: &JsValue,
        max_depth: usize,
        max_string: usize,
        max_items: usize,
        max_input: usize,
    ) -> Encoded;

    #[wasm_bindgen(method, getter)]
    fn failed(this: &Encoded) -> bool;
    #[wasm_bindgen(method, getter)]
    fn thrown(this: &Encoded) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn tape(this: &Encoded) -> Vec<u32>;
    #[wasm_bindgen(method, getter)]
    fn numbers(this: &Encoded) -> Vec<f64>;
    /// Words on the tape.
    #[wasm_bindgen(method, getter, js_name = tapeLength)]
    fn tape_len(this: &Encoded) -> usize;
    #[wasm_bindgen(method, getter, js_name = textLeft)]
    fn text_left(this: &Encoded) -> usize;
    #[wasm_bindgen(method, js_name = copyText)]
    fn copy_text(this: &Encoded, memory: &JsValue, ptr: *mut u8, cap: usize) -> usize;

    /// A string alone, with `Encoded`'s `textLeft` and `copyText`.
    #[wasm_bindgen(js_name = encodeText)]
    fn encode_text_js(text: &js_sys::JsString) -> Encoded;
}

/// A JS string as UTF-8 in the module (lone surrogates as U+FFFD), copied as a value's text is: by
/// `TextEncoder.encodeInto`, where wasm-bindgen's own conversion copies ASCII a character at a time in
/// JS (a tenth of `GitlabPolicy.fromJSON`'s time on a 90 MB text).
pub fn string(text: &js_sys::JsString) -> Option<String> {
    self::text(&encode_text_js(text))
}

/// The record's text, copied straight into the module's memory: one byte per UTF-16 code unit when it is
/// ASCII (nearly every path), and more room for the rest when it is not.
fn text(encoded: &Encoded) -> Option<String> {
    let memory = wasm_bindgen::memory();
    let mut bytes: Vec<u8> = Vec::with_capacity(encoded.text_left());
    loop {
        let spare = bytes.spare_capacity_mut();
        let room = spare.len();
        let written = encoded.copy_text(&memory, spare.as_mut_ptr().cast(), room);
        // SAFETY: encodeInto wrote `written` bytes (at most `room`) at the start of the spare capacity.
        unsafe { bytes.set_len(bytes.len() + written.min(room)) };
        match encoded.text_left() {
            0 => break,
            // At most three bytes per code unit.
            left => bytes.reserve(left * 3),
        }
    }
    String::from_utf8(bytes).ok()
}

/// A JS value copied into the module: [`Copied::value`] reads it, its strings borrowed from the copy.
pub struct Copied {
    tape: Vec<u32>,
    numbers: Vec<f64>,
    /// `None`: the text did not arrive as UTF-8 (it cannot, short of a bug in `encode.js`).
    text: Option<String>,
}

/// Grows the module's memory once, before copying, by about what copying, decoding and reading the value
/// will take at their peak, and refuses the call now, before anything is copied, where memory cannot
/// grow that far ([`super::alloc::reserve`]). A large value otherwise grows it a quarter at a time, and
/// V8 answered several of those steps with a full garbage collection of the JS heap (the wasm memory
/// counts against it): 0.2 s of the first compile of the 100,000-project world. The block is freed at
/// once and the allocator carves what follows from it; where a free block that large exists, nothing
/// grows.
///
/// The peak, measured (docs/guarantees.md): about three times the record where long strings dominate
/// (the bench's large world), and up to 68 bytes per word of the tape (about two words a value) where
/// small values do (a world of 200,000 bare projects: its decoded tree and compiled world cost more
/// than its text).
fn reserve_for(encoded: &Encoded) -> Result<(), crate::Error> {
    const PER_WORD: usize = 72;
    let words = encoded.tape_len();
    let record = encoded.text_left() + 4 * words;
    super::alloc::reserve(record.saturating_mul(3).max(words.saturating_mul(PER_WORD)))
}

/// Copies a JS value in; `Err` is what the value itself threw while being read (a getter, a Proxy
/// trap), to be thrown to the caller unchanged, or the coded error for a value there is no memory for.
pub fn from_js(value: &JsValue) -> Result<Copied, JsValue> {
    let encoded = encode_js(value, MAX_DEPTH, MAX_STRING, MAX_ITEMS, MAX_INPUT);
    if encoded.failed() {
        return Err(encoded.thrown());
    }
    reserve_for(&encoded).map_err(super::js_error)?;
    Ok(Copied {
        tape: encoded.tape(),
        numbers: encoded.numbers(),
        text: text(&encoded),
    })
}

impl Copied {
    /// The value, decoded. The tape and numbers are freed once read, so what the readers build from a
    /// large value reuses their memory; the text stays, borrowed.
    pub fn value(&mut self) -> Value<'_> {
        let (tape, numbers) = (
            std::mem::take(&mut self.tape),
            std::mem::take(&mut self.numbers),
        );
        let Some(text) = &self.text else {
            return Value::Unsupported(MALFORMED);
        };
        let mut record = Record {
            tape: tape.iter(),
            numbers: numbers.iter(),
            text,
        };
        record.value(0)
    }
}

/// The part of the record not decoded yet.
struct Record<'r, 't> {
    tape: std::slice::Iter<'r, u32>,
    numbers: std::slice::Iter<'r, f64>,
    text: &'t str,
}

impl<'t> Record<'_, 't> {
    fn value(&mut self, depth: usize) -> Value<'t> {
        let Some(&tag) = self.tape.next() else {
            return Value::Unsupported(MALFORMED);
        };
        match tag {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => match self.numbers.next() {
                Some(&n) => Value::Number(n),
                None => Value::Unsupported(MALFORMED),
            },
            4 => match self.string() {
                Some(s) => Value::String(Cow::Borrowed(s)),
                None => Value::Unsupported(MALFORMED),
            },
            5 | 6 if depth >= MAX_DEPTH => Value::Unsupported(MALFORMED),
            5 => {
                let count = self.count();
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(self.value(depth + 1));
                }
                Value::Array(items)
            }
            6 => {
                let count = self.count();
                let mut fields = Vec::with_capacity(count);
                for _ in 0..count {
                    let Some(key) = self.string() else {
                        return Value::Unsupported(MALFORMED);
                    };
                    fields.push((Cow::Borrowed(key), self.value(depth + 1)));
                }
                Value::Object(fields)
            }
            7 => {
                let kind = self.tape.next().and_then(|&k| UNSUPPORTED.get(k as usize));
                Value::Unsupported(kind.copied().unwrap_or(MALFORMED))
            }
            _ => Value::Unsupported(MALFORMED),
        }
    }

    /// An item or key count, at most what is left of the tape (every item takes a word at least).
    fn count(&mut self) -> usize {
        let count = self.tape.next().map_or(0, |&n| n as usize);
        count.min(self.tape.len())
    }

    /// The next string: its length in UTF-16 code units on the tape, its text next in `text`.
    fn string(&mut self) -> Option<&'t str> {
        let units = *self.tape.next()? as usize;
        let bytes = self.text.as_bytes();
        // ASCII (nearly every path) has one byte per unit; otherwise count the units char by char.
        let end = if bytes.get(..units).is_some_and(|b| b.is_ascii()) {
            units
        } else {
            let mut counted = 0;
            let mut end = 0;
            for c in self.text.chars() {
                if counted >= units {
                    break;
                }
                counted += c.len_utf16();
                end += c.len_utf8();
            }
            if counted != units {
                return None;
            }
            end
        };
        let (s, rest) = self.text.split_at_checked(end)?;
        self.text = rest;
        Some(s)
    }
}

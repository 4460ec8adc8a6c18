//! JSON text into the engine's [`Value`] tree, without serde: the text door (`GitlabPolicy.fromJSON`,
//! [`World::from_json`]).
//!
//! It reads exactly what JS's `JSON.parse` accepts (RFC 8259: whitespace is space, tab, LF and CR; no
//! comments, trailing commas, leading zeros or byte order mark) and gives the tree the object door
//! (`src/wasm/js_value.rs`) gives for `JSON.parse(text)`, so that a world decides the same either way:
//!
//! - a repeated key keeps its first place and takes its last value, as `JSON.parse` does;
//! - the limits of [`crate::value`] become the same [`Value::Unsupported`] markers, refused by the
//!   readers with their path: nesting past [`MAX_DEPTH`], a string longer than [`MAX_STRING`] UTF-16
//!   code units, more than [`MAX_ITEMS`] items or distinct keys, a key past the limit or with a lone
//!   surrogate, a number too large for `f64` (`1e400`, which `JSON.parse` reads as `Infinity`), a string
//!   with a lone surrogate (`"\ud800"`: the engine's strings are UTF-8 and cannot hold it), and an input
//!   whose size as the object door measures it (each string's length plus 16 per value) passes
//!   [`MAX_INPUT`];
//! - strings without escapes are borrowed from the text, the others owned.
//!
//! Bad syntax is an `invalid_input` [`Error`] at the path of the value being read, saying where and what
//! was expected: `projects[3].inbound: invalid JSON at line 12, column 7: expected ',' or '}', found
//! '"'` (lines end at LF; columns count characters from 1). Reading never panics and recurses at most
//! [`MAX_DEPTH`] levels: anything deeper, or refused as a whole by a limit, is checked by an iterative
//! scan that builds nothing.

use std::borrow::Cow;

use crate::gitlab::{World, WorldInput};
use crate::sort::heapsort_by;
use crate::value::{
    FromValue, Path, Text, Value, BAD_KEY, LONE_SURROGATE, MAX_DEPTH, MAX_ITEMS, MAX_STRING,
    NOT_FINITE, TOO_BIG, TOO_DEEP, TOO_LONG, TOO_MANY_ITEMS, TOO_MANY_KEYS,
};
use crate::Error;

/// The object door's limit on an input's size, measured as it measures it: the UTF-16 length of every
/// string and key plus 16 per value. An input past it is [`Value::Unsupported`] as a whole.
pub const MAX_INPUT: usize = 128 << 20;

/// Reads JSON text into a [`Value`]; see the module's documentation for the rules.
///
/// ```
/// use job_token_scope::json;
/// use job_token_scope::value::Value;
///
/// let value = json::parse(r#"{ "a": 1, "b": [true, null], "a": "x\u00e9" }"#).unwrap();
/// let Value::Object(fields) = &value else { panic!() };
/// assert_eq!(fields[0], ("a".into(), Value::String("xé".into())));
/// let error = json::parse("{\n  \"a\": [1,]\n}").unwrap_err();
/// assert_eq!(error.to_string(), "a[1]: invalid JSON at line 2, column 11: expected a value, found ']'");
/// ```
pub fn parse(text: &str) -> Result<Value<'_>, Error> {
    parse_with(text, |digits| digits.parse().unwrap_or(f64::NAN))
}

/// [`parse`], with `number` reading each number's text (already checked against JSON's grammar) as
/// the nearest `f64`, as `JSON.parse` rounds it (`1e400` is infinite). [`parse`] passes Rust's
/// `str::parse`; the wasm passes JS's own `parseFloat`, as its correctly rounded parse costs the module
/// 20 KB gzip (its tables of powers of five).
pub fn parse_with(text: &str, number: fn(&str) -> f64) -> Result<Value<'_>, Error> {
    let mut parser = Parser {
        text,
        pos: 0,
        size: 0,
        over: false,
        number,
    };
    let value = match parser.value(0, &Path::ROOT) {
        Ok(value) => value,
        Err(_) if parser.over => {
            // Past the size limit: nothing is built, but the text must still be JSON.
            parser.pos = 0;
            parser.skip(&Path::ROOT)?;
            Value::Unsupported(TOO_BIG)
        }
        Err(error) => return Err(error),
    };
    parser.space();
    if parser.pos < text.len() {
        return Err(parser.error("the end of the text", &Path::ROOT));
    }
    Ok(value)
}

/// About how many values and keys `text` holds (its brackets, commas and colons outside strings): what
/// the binding reserves memory by before reading it.
pub fn count_values(text: &str) -> usize {
    let (mut count, mut in_string, mut escaped) = (1, false, false);
    for &b in text.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' | b',' | b':' => count += 1,
                _ => {}
            }
        }
    }
    count
}

impl World {
    /// A world given as JSON text: [`parse`], then [`WorldInput::from_value`] and
    /// [`World::from_input`], with the same errors as the object door (`new GitlabPolicy(world)`) for
    /// the same world, and located syntax errors.
    ///
    /// ```
    /// use job_token_scope::gitlab::World;
    ///
    /// let world = World::from_json(r#"{ "version": "18.3", "projects": [{ "path": "acme/ci" }] }"#).unwrap();
    /// assert_eq!(world.projects().len(), 1);
    /// let error = World::from_json(r#"{ "projects": [{ "path": "acme/ci", }] }"#).unwrap_err();
    /// assert_eq!(error.code().as_str(), "invalid_input");
    /// assert_eq!(error.path(), "projects[0]");
    /// ```
    pub fn from_json(text: &str) -> Result<World, Error> {
        World::from_json_with(text, |digits| digits.parse().unwrap_or(f64::NAN))
    }

    /// [`World::from_json`] with [`parse_with`]'s `number`.
    pub fn from_json_with(text: &str, number: fn(&str) -> f64) -> Result<World, Error> {
        // The tree is dropped before compiling.
        let input = WorldInput::from_value(&parse_with(text, number)?, &Path::ROOT)?;
        World::from_input(input)
    }
}

/// The value of a field whose key the object door refuses (too long, a lone surrogate): it makes the
/// object [`BAD_KEY`], and tells such a key from a kept key of the same text when repeats are merged.
const REFUSED_KEY: &str = "a field whose key is refused";

/// A decoded string: its text (a lone surrogate, if any, as U+FFFD), its length in UTF-16 code units,
/// and, where it has a lone surrogate, its exact identity: its WTF-8 bytes, each as one Latin-1
/// character (a refused key's text, see [`latin1`]).
struct Str<'t> {
    text: Cow<'t, str>,
    units: usize,
    lone: Option<String>,
}

/// `text`'s UTF-8 bytes, each as one character (U+0000–U+00FF): how a refused key is kept, so that two
/// refused keys are equal exactly when `JSON.parse` finds them equal, lone surrogates included (their
/// WTF-8 bytes are not UTF-8).
fn latin1(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

struct Parser<'t> {
    text: &'t str,
    pos: usize,
    /// The input's size as the object door measures it, so far.
    size: usize,
    /// Set when `size` passed [`MAX_INPUT`]: the error returned then only unwinds to [`parse`].
    over: bool,
    number: fn(&str) -> f64,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.pos += found as usize;
        found
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Adds to the input's size; past the limit, stops building.
    fn measure(&mut self, units: usize) -> Result<(), Error> {
        self.size = self.size.saturating_add(units);
        if self.size > MAX_INPUT {
            self.over = true;
            return Err(Error::invalid("", TOO_BIG));
        }
        Ok(())
    }

    /// A syntax error here: `expected ..., found ...`, with the line and column.
    fn error(&self, expected: &str, at: &Path) -> Error {
        let before = self.text.as_bytes().get(..self.pos).unwrap_or_default();
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let chars = |bytes: &[u8]| bytes.iter().filter(|&&b| b & 0xc0 != 0x80).count();
        let column = 1 + chars(before.get(start..).unwrap_or_default());
        let found = match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => "the end of the text".to_owned(),
            Some('\u{feff}') => "U+FEFF (a byte order mark)".to_owned(),
            Some(c) if c.is_ascii_graphic() => format!("'{c}'"),
            Some(c) if c.is_ascii() => format!("U+{:04X}", c as u32),
            Some(c) => format!("'{c}' (U+{:04X})", c as u32),
        };
        at.error(format!(
            "invalid JSON at line {line}, column {column}: expected {expected}, found {found}"
        ))
    }

    fn value(&mut self, depth: usize, at: &Path) -> Result<Value<'t>, Error> {
        self.space();
        self.measure(16)?;
        match self.peek() {
            Some(b'[' | b'{') if depth >= MAX_DEPTH => {
                self.skip(at)?;
                Ok(Value::Unsupported(TOO_DEEP))
            }
            Some(b'[') => self.array(depth, at),
            Some(b'{') => self.object(depth, at),
            Some(b'"') => {
                let s = self.string(at)?;
                self.measure(s.units)?;
                Ok(if s.units > MAX_STRING {
                    Value::Unsupported(TOO_LONG)
                } else if s.lone.is_some() {
                    Value::Unsupported(LONE_SURROGATE)
                } else {
                    Value::String(s.text)
                })
            }
            _ => self.scalar(at, true),
        }
    }

    /// A number or a literal (the value when `build`), or the error for what is not a value.
    fn scalar(&mut self, at: &Path, build: bool) -> Result<Value<'t>, Error> {
        let start = self.pos;
        let (word, value) = match self.peek() {
            Some(b't') => ("true", Value::Bool(true)),
            Some(b'f') => ("false", Value::Bool(false)),
            Some(b'n') => ("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                self.number(at)?;
                if !build {
                    return Ok(Value::Null);
                }
                let n = (self.number)(self.text.get(start..self.pos).unwrap_or_default());
                return Ok(if n.is_finite() {
                    Value::Number(n)
                } else {
                    Value::Unsupported(NOT_FINITE)
                });
            }
            _ => return Err(self.error("a value", at)),
        };
        for &expected in word.as_bytes() {
            if !self.eat(expected) {
                return Err(self.error(&format!("'{word}'"), at));
            }
        }
        Ok(value)
    }

    /// Moves past a number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self, at: &Path) -> Result<(), Error> {
        self.eat(b'-');
        if self.eat(b'0') {
            if let Some(b'0'..=b'9') = self.peek() {
                return Err(self.error("no digit after a leading 0", at));
            }
        } else if !self.digits() {
            return Err(self.error("a digit", at));
        }
        if self.eat(b'.') && !self.digits() {
            return Err(self.error("a digit after '.'", at));
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !self.digits() {
                return Err(self.error("a digit in the exponent", at));
            }
        }
        Ok(())
    }

    fn digits(&mut self) -> bool {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos > start
    }

    /// The string starting here (at its `"`).
    fn string(&mut self, at: &Path) -> Result<Str<'t>, Error> {
        self.pos += 1;
        let bytes = self.text.as_bytes();
        let (mut run, mut units) = (self.pos, 0);
        let mut owned: Option<String> = None;
        let mut lone: Option<String> = None;
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return Err(self.error("'\"' closing the string", at));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    let copied = self.text.get(run..self.pos).unwrap_or_default();
                    let out = owned.get_or_insert_with(String::new);
                    out.push_str(copied);
                    self.pos += 1;
                    let (c, surrogate) = self.escape(at)?;
                    units += 1 + (c as u32 > 0xffff) as usize;
                    match (&mut lone, surrogate) {
                        (Some(exact), None) => {
                            exact.push_str(&latin1(copied));
                            exact.push_str(&latin1(c.encode_utf8(&mut [0; 4])));
                        }
                        (exact, Some(unit)) => {
                            let exact = match exact {
                                Some(exact) => {
                                    exact.push_str(&latin1(copied));
                                    exact
                                }
                                None => exact.insert(latin1(out)),
                            };
                            // The lone surrogate's WTF-8 bytes.
                            let wtf8 = [
                                0xed,
                                0xa0 | (unit >> 6 & 0x1f) as u8,
                                0x80 | (unit & 0x3f) as u8,
                            ];
                            exact.extend(wtf8.map(char::from));
                        }
                        (None, None) => {}
                    }
                    out.push(c);
                    run = self.pos;
                }
                0..=0x1f => {
                    let expected = "'\"' or a character other than a control character (escape it)";
                    return Err(self.error(expected, at));
                }
                _ => {
                    // A UTF-16 code unit per character, two for one past U+FFFF (four UTF-8 bytes).
                    units += (b & 0xc0 != 0x80) as usize + (b >= 0xf0) as usize;
                    self.pos += 1;
                }
            }
        }
        let rest = self.text.get(run..self.pos).unwrap_or_default();
        self.pos += 1;
        let text = match owned {
            None => Cow::Borrowed(rest),
            Some(mut out) => {
                out.push_str(rest);
                Cow::Owned(out)
            }
        };
        if let Some(exact) = &mut lone {
            exact.push_str(&latin1(rest));
        }
        Ok(Str { text, units, lone })
    }

    /// The escape after a `\`: the character, and the surrogate when it is a lone one (read as U+FFFD).
    fn escape(&mut self, at: &Path) -> Result<(char, Option<u32>), Error> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex(at)?;
                let next = self.text.as_bytes().get(self.pos..).unwrap_or_default();
                if (0xd800..0xdc00).contains(&unit) && next.starts_with(b"\\u") {
                    let high_end = self.pos;
                    self.pos += 2;
                    let low = self.hex(at)?;
                    if (0xdc00..0xe000).contains(&low) {
                        let c = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
                        return Ok((char::from_u32(c).unwrap_or('\u{fffd}'), None));
                    }
                    // Not a pair: the next escape is read on its own.
                    self.pos = high_end;
                }
                return Ok(match char::from_u32(unit) {
                    Some(c) => (c, None),
                    None => ('\u{fffd}', Some(unit)),
                });
            }
            _ => {
                return Err(self.error(
                    "an escape: one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u",
                    at,
                ))
            }
        };
        self.pos += 1;
        Ok((c, None))
    }

    /// Four hex digits.
    fn hex(&mut self, at: &Path) -> Result<u32, Error> {
        let mut unit = 0;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| (b as char).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error("4 hex digits after \\u", at));
            };
            unit = unit * 16 + digit;
            self.pos += 1;
        }
        Ok(unit)
    }

    fn array(&mut self, depth: usize, at: &Path) -> Result<Value<'t>, Error> {
        let (start, size) = (self.pos, self.size);
        self.pos += 1;
        let mut items = Vec::new();
        self.space();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            if items.len() == MAX_ITEMS {
                // Refused as a whole, as the object door refuses it: nothing in it counts.
                drop(items);
                self.pos = start;
                self.skip(at)?;
                self.size = size;
                return Ok(Value::Unsupported(TOO_MANY_ITEMS));
            }
            items.push(self.value(depth + 1, &at.index(items.len()))?);
            self.space();
            if !self.eat(b',') {
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                return Err(self.error("',' or ']'", at));
            }
        }
    }

    /// The key starting here (after any space) and the `:` after it.
    fn key(&mut self, at: &Path) -> Result<Str<'t>, Error> {
        self.space();
        if self.peek() != Some(b'"') {
            return Err(self.error("a key in double quotes", at));
        }
        let key = self.string(at)?;
        self.space();
        if !self.eat(b':') {
            return Err(self.error("':'", at));
        }
        Ok(key)
    }

    fn object(&mut self, depth: usize, at: &Path) -> Result<Value<'t>, Error> {
        let (start, size) = (self.pos, self.size);
        self.pos += 1;
        let mut fields: Vec<(Text<'t>, Value<'t>)> = Vec::new();
        // The length of the first key the object door refuses: nothing after it is measured.
        let mut refused: Option<usize> = None;
        let mut next_merge = 32;
        self.space();
        if !self.eat(b'}') {
            loop {
                let key = self.key(at)?;
                let bad = key.units > MAX_STRING || key.lone.is_some();
                let field = if bad || refused.is_some() {
                    refused.get_or_insert(key.units);
                    self.skip(at)?;
                    if bad {
                        let exact = key.lone.unwrap_or_else(|| latin1(&key.text));
                        (Cow::Owned(exact), Value::Unsupported(REFUSED_KEY))
                    } else {
                        (key.text, Value::Null)
                    }
                } else {
                    self.measure(key.units)?;
                    let value = self.value(depth + 1, &at.key(&key.text))?;
                    (key.text, value)
                };
                fields.push(field);
                if fields.len() >= next_merge {
                    merge_repeats(&mut fields);
                    if fields.len() > MAX_ITEMS {
                        break;
                    }
                    next_merge = 2 * fields.len().max(16);
                }
                self.space();
                if !self.eat(b',') {
                    if self.eat(b'}') {
                        break;
                    }
                    return Err(self.error("',' or '}'", at));
                }
            }
        }
        merge_repeats(&mut fields);
        if fields.len() > MAX_ITEMS {
            drop(fields);
            self.pos = start;
            self.skip(at)?;
            self.size = size;
            return Ok(Value::Unsupported(TOO_MANY_KEYS));
        }
        if let Some(units) = refused {
            // The object door measures the keys up to the first refused one, and no value.
            let keys: usize = (fields.iter())
                .take_while(|(_, v)| *v != Value::Unsupported(REFUSED_KEY))
                .map(|(k, _)| k.encode_utf16().count())
                .sum();
            self.size = size + keys + units;
            return Ok(Value::Unsupported(BAD_KEY));
        }
        Ok(Value::Object(fields))
    }

    /// Moves past the value here, checking its syntax and building nothing: no recursion, any depth.
    fn skip(&mut self, at: &Path) -> Result<(), Error> {
        // The closing bracket of each open array or object.
        let mut open: Vec<u8> = Vec::new();
        loop {
            self.space();
            match self.peek() {
                Some(b'"') => drop(self.string(at)?),
                Some(b @ (b'[' | b'{')) => {
                    self.pos += 1;
                    self.space();
                    let close = b + 2;
                    if !self.eat(close) {
                        if b == b'{' {
                            self.key(at)?;
                        }
                        open.push(close);
                        continue;
                    }
                }
                _ => drop(self.scalar(at, false)?),
            }
            // After a value: a comma or the closing bracket of what holds it.
            loop {
                let Some(&close) = open.last() else {
                    return Ok(());
                };
                self.space();
                if self.eat(b',') {
                    if close == b'}' {
                        self.key(at)?;
                    }
                    break;
                }
                if !self.eat(close) {
                    let expected = if close == b'}' {
                        "',' or '}'"
                    } else {
                        "',' or ']'"
                    };
                    return Err(self.error(expected, at));
                }
                open.pop();
            }
        }
    }
}

/// Merges repeated keys as `JSON.parse` does: the first keeps its place and takes the last value. In
/// O(n log n) by a sort of the positions (not a hash map: the keys are anyone's input).
fn merge_repeats(fields: &mut Vec<(Text<'_>, Value<'_>)>) {
    let refused = |v: &Value| *v == Value::Unsupported(REFUSED_KEY);
    let same = |a: &(Text, Value), b: &(Text, Value)| a.0 == b.0 && refused(&a.1) == refused(&b.1);
    let n = fields.len();
    if n <= 16 {
        let mut i = 1;
        while i < fields.len() {
            match fields[..i].iter().position(|f| same(f, &fields[i])) {
                Some(first) => fields[first].1 = fields.remove(i).1,
                None => i += 1,
            }
        }
        return;
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    heapsort_by(&mut order, |&a, &b| {
        let (x, y) = (&fields[a as usize], &fields[b as usize]);
        (x.0.as_ref(), refused(&x.1), a) < (y.0.as_ref(), refused(&y.1), b)
    });
    let mut keep = vec![true; n];
    let mut i = 0;
    while i < n {
        let first = order[i] as usize;
        let mut j = i + 1;
        while j < n && same(&fields[order[j] as usize], &fields[first]) {
            keep[order[j] as usize] = false;
            j += 1;
        }
        if j > i + 1 {
            let last = order[j - 1] as usize;
            fields[first].1 = std::mem::replace(&mut fields[last].1, Value::Null);
        }
        i = j;
    }
    let mut index = 0;
    fields.retain(|_| {
        index += 1;
        keep[index - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Value<'static> {
        let value = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        value.to_owned_value()
    }

    fn err(text: &str) -> String {
        match parse(text) {
            Ok(v) => panic!("{text:?} parsed as {v:?}"),
            Err(e) => {
                assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
                e.to_string()
            }
        }
    }

    fn s(text: &str) -> Value<'static> {
        Value::String(text.to_owned().into())
    }

    #[test]
    fn reads_every_kind_of_value() {
        assert_eq!(ok(" null "), Value::Null);
        assert_eq!(ok("true"), Value::Bool(true));
        assert_eq!(ok("\t\r\nfalse"), Value::Bool(false));
        assert_eq!(ok("[]"), Value::Array(vec![]));
        assert_eq!(ok("{}"), Value::Object(vec![]));
        assert_eq!(
            ok(r#"{"a": [1, "x", {"b": null}], "c": -2.5e1}"#),
            Value::Object(vec![
                (
                    "a".into(),
                    Value::Array(vec![
                        Value::Number(1.0),
                        s("x"),
                        Value::Object(vec![("b".into(), Value::Null)])
                    ])
                ),
                ("c".into(), Value::Number(-25.0)),
            ])
        );
    }

    #[test]
    fn numbers_round_as_json_parse_does() {
        let n = |t: &str| match ok(t) {
            Value::Number(n) => n,
            other => panic!("{t}: {other:?}"),
        };
        assert!(n("-0").is_sign_negative() && n("-0") == 0.0);
        assert_eq!(n("0.1"), 0.1);
        assert_eq!(n("1E2"), 100.0);
        assert_eq!(n("1e-2"), 0.01);
        assert_eq!(n("1e+2"), 100.0);
        assert_eq!(n("12345678901234567890"), 12345678901234567890.0);
        assert_eq!(n("9007199254740993"), 9007199254740992.0);
        assert_eq!(
            n("2.2250738585072011e-308"),
            f64::from_bits(0x000f_ffff_ffff_ffff)
        );
        assert_eq!(n("1e-400"), 0.0);
        assert_eq!(ok("1e400"), Value::Unsupported(NOT_FINITE));
        assert_eq!(ok("-1e400"), Value::Unsupported(NOT_FINITE));
        for bad in [
            "01", "-", "1.", ".1", "1e", "1e+", "+1", "0x1", "-01", "1.e1", "NaN", "Infinity",
        ] {
            assert!(err(bad).contains("invalid JSON at line 1"), "{bad}");
        }
        assert_eq!(
            err("[01]"),
            "[0]: invalid JSON at line 1, column 3: expected no digit after a leading 0, found '1'"
        );
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let Ok(Value::String(plain)) = parse(r#""acme/ci é""#) else {
            panic!()
        };
        assert!(matches!(plain, Cow::Borrowed("acme/ci é")));
        let Ok(Value::String(escaped)) = parse(r#""a\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00z""#)
        else {
            panic!()
        };
        assert!(matches!(escaped, Cow::Owned(_)));
        assert_eq!(escaped, "a\"\\/\u{8}\u{c}\n\r\tAé😀z");
        for bad in [
            r#""\x""#,
            r#""\u12""#,
            r#""\u12g4""#,
            "\"a\nb\"",
            "\"a\u{1}\"",
            "\"abc",
            "\"\\",
        ] {
            assert!(err(bad).contains("invalid JSON"), "{bad:?}");
        }
        assert_eq!(
            err("\"ab\tc\""),
            "invalid JSON at line 1, column 4: expected '\"' or a character other than a control \
             character (escape it), found U+0009"
        );
    }

    #[test]
    fn lone_surrogates_are_refused_as_the_object_door_refuses_them() {
        for lone in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""a\ud800b""#,
            r#""\ud800\u0041""#,
            r#""\udc00\ud800""#,
            r#""\ud800\ud800""#,
        ] {
            assert_eq!(ok(lone), Value::Unsupported(LONE_SURROGATE), "{lone}");
        }
        assert_eq!(ok(r#""\uD83D\uDE00""#), s("😀"));
        // In a key: the whole object, as encode.js refuses it.
        assert_eq!(ok(r#"{"a": 1, "\ud800": 2}"#), Value::Unsupported(BAD_KEY));
        // A high surrogate followed by a bad escape is bad syntax.
        assert!(err(r#""\ud800\u12""#).contains("4 hex digits"));
    }

    #[test]
    fn repeated_keys_keep_the_first_place_and_the_last_value() {
        assert_eq!(
            ok(r#"{"a": 1, "b": 2, "a": 3, "c": 4, "b": 5, "a": 6}"#),
            Value::Object(vec![
                ("a".into(), Value::Number(6.0)),
                ("b".into(), Value::Number(5.0)),
                ("c".into(), Value::Number(4.0)),
            ])
        );
        // Escaped and plain spellings of one key are one key.
        assert_eq!(
            ok(r#"{"a": 1, "\u0061": 2}"#),
            Value::Object(vec![("a".into(), Value::Number(2.0))])
        );
        // Many keys, many repeats: the sorted merge.
        let mut text = String::from("{");
        for i in 0..1000 {
            text.push_str(&format!("\"k{}\": {i},", i % 300));
        }
        text.push_str("\"k0\": -1}");
        let Value::Object(fields) = ok(&text) else {
            panic!()
        };
        assert_eq!(fields.len(), 300);
        for (i, (k, v)) in fields.iter().enumerate() {
            assert_eq!(k, &format!("k{i}"));
            let last = if i == 0 {
                -1.0
            } else {
                (900 + i - if i < 100 { 0 } else { 300 }) as f64
            };
            assert_eq!(v, &Value::Number(last), "k{i}");
        }
    }

    #[test]
    fn two_hundred_thousand_keys_are_not_quadratic() {
        let mut text = String::from("{");
        for i in 0..MAX_ITEMS {
            text.push_str(&format!("\"user{i}\":{{}},"));
        }
        text.push_str("\"user0\":{}}");
        let started = std::time::Instant::now();
        let Value::Object(fields) = ok(&text) else {
            panic!()
        };
        assert_eq!(fields.len(), MAX_ITEMS);
        // One more distinct key is past the limit.
        let more = text.replacen("{", "{\"one more\":1,", 1);
        assert_eq!(ok(&more), Value::Unsupported(TOO_MANY_KEYS));
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }

    #[test]
    fn limits_as_the_object_door_has_them() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        // 32 levels of arrays are fine; the 33rd is past the limit.
        let mut v = ok(&nested(32));
        for _ in 0..31 {
            let Value::Array(mut items) = v else { panic!() };
            v = items.pop().unwrap();
        }
        assert_eq!(v, Value::Array(vec![]));
        let Value::Array(items) = ok(&nested(33)) else {
            panic!()
        };
        assert_eq!(items.len(), 1);
        // Very deep text is checked without recursion.
        let deep = ok(&format!("[{}]", nested(1_000_000)));
        assert!(matches!(deep, Value::Array(_)));
        assert!(err(&format!("[{}", nested(100_000))).contains("expected ',' or ']'"));
        assert!(err(&format!("{}1,]", "[".repeat(50))).contains("expected a value, found ']'"));
        // Strings: UTF-16 code units.
        let long = |units: usize, c: &str| format!("\"{}\"", c.repeat(units));
        assert!(matches!(ok(&long(MAX_STRING, "a")), Value::String(_)));
        assert_eq!(ok(&long(MAX_STRING + 1, "a")), Value::Unsupported(TOO_LONG));
        assert!(matches!(ok(&long(MAX_STRING, "é")), Value::String(_)));
        assert!(matches!(ok(&long(MAX_STRING / 2, "😀")), Value::String(_)));
        assert_eq!(
            ok(&long(MAX_STRING / 2 + 1, "😀")),
            Value::Unsupported(TOO_LONG)
        );
        assert_eq!(
            ok(&long(MAX_STRING + 1, "\\n")),
            Value::Unsupported(TOO_LONG)
        );
        assert_eq!(
            ok(&format!("{{{}: 1}}", long(MAX_STRING + 1, "a"))),
            Value::Unsupported(BAD_KEY)
        );
        // Items.
        let items = |n: usize| format!("[{}0]", "0,".repeat(n - 1));
        assert!(matches!(ok(&items(MAX_ITEMS)), Value::Array(_)));
        assert_eq!(
            ok(&items(MAX_ITEMS + 1)),
            Value::Unsupported(TOO_MANY_ITEMS)
        );
        assert!(err(&format!("[{}x]", "0,".repeat(MAX_ITEMS + 5)))
            .contains("expected a value, found 'x'"));
        // The input's size, as the object door measures it: 16 per value and every string's length.
        let big = format!("[{}]", vec![long(MAX_STRING, "a"); 127].join(","));
        assert!(matches!(ok(&big), Value::Array(_)));
        let bigger = format!("[{}]", vec![long(MAX_STRING, "a"); 128].join(","));
        assert_eq!(ok(&bigger), Value::Unsupported(TOO_BIG));
        assert!(err(&format!("{},]", &bigger[..bigger.len() - 1])).contains("expected a value"));
    }

    #[test]
    fn syntax_errors_say_what_and_where() {
        let cases = [
            ("", "invalid JSON at line 1, column 1: expected a value, found the end of the text"),
            ("  \n ", "invalid JSON at line 2, column 2: expected a value, found the end of the text"),
            ("{} x", "invalid JSON at line 1, column 4: expected the end of the text, found 'x'"),
            ("\u{feff}{}", "invalid JSON at line 1, column 1: expected a value, found U+FEFF (a byte order mark)"),
            ("[1,]", "[1]: invalid JSON at line 1, column 4: expected a value, found ']'"),
            ("{\"a\":1,}", "invalid JSON at line 1, column 8: expected a key in double quotes, found '}'"),
            ("{'a':1}", "invalid JSON at line 1, column 2: expected a key in double quotes, found '''"),
            ("{\"a\" 1}", "invalid JSON at line 1, column 6: expected ':', found '1'"),
            ("[tru]", "[0]: invalid JSON at line 1, column 5: expected 'true', found ']'"),
            ("/* c */ 1", "invalid JSON at line 1, column 1: expected a value, found '/'"),
            ("[1 2]", "invalid JSON at line 1, column 4: expected ',' or ']', found '2'"),
            ("\u{a0}1", "invalid JSON at line 1, column 1: expected a value, found '\u{a0}' (U+00A0)"),
            (
                "{\"projects\": [{}, {}, {},\n  {\"inbound\": {\"x\": 1\n  \"y\": 2}}]}",
                "projects[3].inbound: invalid JSON at line 3, column 3: expected ',' or '}', found '\"'",
            ),
            ("[\"é😀\", x]", "[1]: invalid JSON at line 1, column 8: expected a value, found 'x'"),
        ];
        for (text, expected) in cases {
            assert_eq!(err(text), expected, "{text:?}");
        }
        // A long key in the path is cut, as every error's path is.
        let key = "k".repeat(100_000);
        let e = parse(&format!("{{\"{key}\": [1,]}}")).unwrap_err();
        assert!(
            e.path().len() <= crate::error::MAX_ERROR_PATH,
            "{}",
            e.path()
        );
        assert!(e.to_string().len() <= crate::error::MAX_ERROR_TEXT);
    }

    #[test]
    fn a_world_from_json_decides_as_from_the_serde_door() {
        let text = r#"{ "version": "18.3", "projects": [
            { "path": "acme/ci" },
            { "path": "acme/api", "inbound": { "projects": ["acme/ci"] } } ] }"#;
        let world = World::from_json(text).unwrap();
        assert!(world.check_paths("acme/ci", "acme/api", None).unwrap());
        let error =
            World::from_json(r#"{ "projects": [{ "path": "a/b", "color": 1 }] }"#).unwrap_err();
        assert_eq!(error.path(), "projects[0].color");
        let serde: Result<WorldInput, _> =
            crate::parse(serde_json::json!({ "projects": [{ "path": "a/b", "color": 1 }] }));
        assert_eq!(Some(error), serde.err());
    }
}

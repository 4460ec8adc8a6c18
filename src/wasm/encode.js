// @ts-check
// A JS value as one flat record the module copies in three bulk moves, instead of one call into JS per
// value and string (a 100,000-project world has six million of them). Imported by src/wasm/js_value.rs,
// which decodes it and owns the rules: the limits arrive as arguments, and what a value past a limit or
// outside JSON is becomes a numbered kind whose message lives in Rust.
//
// The record: `tape` (Uint32Array) holds one tag per value, then its payload —
//   0 null/undefined · 1 false · 2 true · 3 number (next of `numbers`) · 4 string, its length in UTF-16
//   code units (its text is next in `text`) · 5 array, its length, its items · 6 object, its key count,
//   then per key: the key's length (text next in `text`) and its value · 7 unsupported, its kind.
// Kinds (js_value.rs `UNSUPPORTED`): 0 NaN/infinite · 1 string too long · 2 lone surrogate · 3 too deep ·
//   4 too many items · 5 too many keys · 6 bad key · 7 input too big · 8 function · 9 symbol ·
//   10 bigint · 11 anything else.
// Limits are checked before anything is copied, and nothing past one is walked: cycles stop at the depth
// limit, a huge array or string at its length. An input past the size limit as a whole comes back as that
// one refusal, with no text: what was walked up to the limit (up to 128 Mi code units) is never copied,
// so a refused input does not grow the module's memory.

const NULL = 0, FALSE = 1, TRUE = 2, NUMBER = 3, STRING = 4, ARRAY = 5, OBJECT = 6, UNSUPPORTED = 7;
const NOT_FINITE = 0, TOO_LONG = 1, LONE_SURROGATE = 2, TOO_DEEP = 3, TOO_MANY_ITEMS = 4,
  TOO_MANY_KEYS = 5, BAD_KEY = 6, TOO_BIG = 7, FUNCTION = 8, SYMBOL = 9, BIGINT = 10, OTHER = 11;

const utf8 = new TextEncoder();

// A lone surrogate would reach the module as U+FFFD, so two different strings would compare equal.
const wellFormed = typeof String.prototype.isWellFormed === "function"
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/**
 * @param {unknown} value
 * @param {number} maxDepth deepest nesting of arrays and objects
 * @param {number} maxString longest string, in UTF-16 code units
 * @param {number} maxItems most items of an array or keys of an object
 * @param {number} maxInput most UTF-16 code units of strings and keys plus 16 per value, in all
 * @returns {{ failed: false, tape: Uint32Array, numbers: Float64Array, tapeLength: number, textLeft: number,
 *     copyText(memory: WebAssembly.Memory, ptr: number, cap: number): number }
 *   | { failed: true, thrown: unknown }}
 */
export function encode(value, maxDepth, maxString, maxItems, maxInput) {
  let tape = new Uint32Array(64);
  let length = 0;
  const numbers = [];
  const texts = [];
  let size = 0;

  const push = (word) => {
    if (length === tape.length) {
      const grown = new Uint32Array(length * 2);
      grown.set(tape);
      tape = grown;
    }
    tape[length++] = word;
  };
  const unsupported = (kind) => {
    push(UNSUPPORTED);
    push(kind);
  };
  // A string's (or key's) kind when it cannot be copied, or -1 after counting it.
  const measure = (s) => {
    size += s.length;
    if (s.length > maxString) return TOO_LONG;
    if (size > maxInput) return TOO_BIG;
    return wellFormed(s) ? -1 : LONE_SURROGATE;
  };

  const walk = (v, depth) => {
    size += 16;
    if (size > maxInput) return unsupported(TOO_BIG);
    switch (typeof v) {
      case "undefined":
        return push(NULL);
      case "boolean":
        return push(v ? TRUE : FALSE);
      case "number":
        if (!Number.isFinite(v)) return unsupported(NOT_FINITE);
        push(NUMBER);
        numbers.push(v);
        return;
      case "string": {
        const kind = measure(v);
        if (kind >= 0) return unsupported(kind);
        push(STRING);
        push(v.length);
        texts.push(v);
        return;
      }
      case "function":
        return unsupported(FUNCTION);
      case "symbol":
        return unsupported(SYMBOL);
      case "bigint":
        return unsupported(BIGINT);
      case "object":
        break;
      default:
        return unsupported(OTHER);
    }
    if (v === null) return push(NULL);
    if (depth >= maxDepth) return unsupported(TOO_DEEP);
    if (Array.isArray(v)) {
      if (v.length > maxItems) return unsupported(TOO_MANY_ITEMS);
      push(ARRAY);
      push(v.length);
      for (let i = 0; i < v.length; i++) walk(v[i], depth + 1);
      return;
    }
    const keys = Object.keys(v);
    if (keys.length > maxItems) return unsupported(TOO_MANY_KEYS);
    for (const key of keys) {
      const kind = measure(key);
      if (kind === TOO_BIG) return unsupported(TOO_BIG);
      if (kind >= 0) return unsupported(BAD_KEY);
    }
    push(OBJECT);
    push(keys.length);
    for (const key of keys) {
      push(key.length);
      texts.push(key);
      walk(v[key], depth + 1);
    }
  };

  // An exception the value itself throws (a getter, a Proxy trap) is handed back rather than thrown
  // through the module's frames: the module returns it as its own error, and cleans up on the way.
  try {
    walk(value, 0);
  } catch (error) {
    return { failed: true, thrown: error };
  }
  if (size > maxInput) {
    length = 0;
    unsupported(TOO_BIG);
    texts.length = 0;
    numbers.length = 0;
  }
  const text = encodeText(texts.join(""));
  return {
    failed: false,
    tape: tape.subarray(0, length),
    numbers: new Float64Array(numbers),
    /** Words on the tape, before it is copied. */
    get tapeLength() {
      return length;
    },
    get textLeft() {
      return text.textLeft;
    },
    copyText: text.copyText,
  };
}

/**
 * A string to be copied into the module as UTF-8, a part at a time (`encode`'s text, and
 * `GitlabPolicy.fromJSON`'s).
 * @param {string} text
 */
export function encodeText(text) {
  let rest = text;
  return {
    /** UTF-16 code units of the text not copied yet. */
    get textLeft() {
      return rest.length;
    },
    /**
     * Copies as much of the rest of the text as fits into `memory` at `ptr` (`cap` bytes), as UTF-8;
     * returns the bytes written. TextEncoder.encodeInto is native: wasm-bindgen's string glue copies
     * ASCII one character at a time in JS, a tenth of a second for a large world's 90 MB.
     * @param {WebAssembly.Memory} memory
     * @param {number} ptr
     * @param {number} cap
     */
    copyText(memory, ptr, cap) {
      const { read, written } = utf8.encodeInto(rest, new Uint8Array(memory.buffer, ptr, cap));
      rest = rest.slice(read);
      return written;
    },
  };
}

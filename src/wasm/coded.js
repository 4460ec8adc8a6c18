// @ts-check
// The package's errors raised in JS (gate.js, azure-import.js, azure-matrix.js), worded and bounded as
// the engine words and bounds its own (src/error.rs): `location: message`, at most 1 KiB of UTF-8 in all
// (256 bytes of location, the rest message), an input quoted past that cut in the middle. Copied to pkg/
// by `make pkg`; not part of the documented API.

/** Longest error text, `location: message`, in UTF-8 bytes. */
export const MAX_ERROR_TEXT = 1024;
/** The location's share of it. */
const MAX_ERROR_PATH = 256;
const utf8 = new TextEncoder();

/**
 * `text` within `max` bytes of UTF-8: past that, its first half and last quarter (moved to character
 * boundaries) and how many bytes were cut between them.
 * @param {string} text
 * @param {number} max
 * @returns {string}
 */
export function bounded(text, max) {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most texts are decided without encoding them.
  if (text.length * 3 <= max) return text;
  const bytes = utf8.encode(text);
  if (bytes.length <= max) return text;
  /** @param {number} i */
  const boundary = (i) => (bytes[i] & 0xc0) !== 0x80; // not a UTF-8 continuation byte
  let head = Math.floor(max / 2);
  while (!boundary(head)) head--;
  let tail = bytes.length - Math.floor(max / 4);
  while (!boundary(tail)) tail++;
  const decoder = new TextDecoder();
  return `${decoder.decode(bytes.subarray(0, head))}… [${tail - head} bytes cut] …${decoder.decode(bytes.subarray(tail))}`;
}

/**
 * `where: what` (just `what` where there is no location) within MAX_ERROR_TEXT bytes.
 * @param {string} where
 * @param {string} what
 */
export function errorText(where, what) {
  if (!where) return bounded(what, MAX_ERROR_TEXT);
  return `${bounded(where, MAX_ERROR_PATH)}: ${bounded(what, MAX_ERROR_TEXT - MAX_ERROR_PATH - 2)}`;
}

/**
 * An `Error` with a `code`, as the engine throws them.
 * @param {"invalid_input" | "unknown_project" | "unsupported_version"} code
 * @param {string} where
 * @param {string} what
 * @returns {Error & { code: string }}
 */
export function codedError(code, where, what) {
  const error = /** @type {Error & { code: string }} */ (new Error(errorText(where, what)));
  error.code = code;
  return error;
}

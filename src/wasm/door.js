// @ts-check
// Every call into the module goes through here (api.js, gate.js). Copied to pkg/ by `make pkg`; not
// part of the documented API.
//
// One instance serves every caller of an isolate or a tab, so a call must never leave it half-updated.
// The danger is the JS stack: V8 (as every engine) checks it as each wasm function starts, and a call
// made with too little left is stopped by a RangeError between two of the module's functions — in the
// middle of the allocator, or after the glue moved the module's own stack pointer — and every later call
// then trapped. So:
// - before a call, `enter` spends as much of the JS stack as the call can need and gives it back: with
//   too little left the RangeError is thrown here, before anything in the module has changed;
// - the hot path of `GitlabPolicy.check` (checkIndices: no allocation, no string, no borrow held across
//   a call that can fail) is not probed, as its cost would be ten times the check's; if anything stops it
//   anyway, the module's stack pointer is put back before the next call (`repair`), which is the only
//   state it touches.
// Frames were measured with bench-free runs of every export at decreasing stack depths (docs/guarantees.md):
// the deepest call (a world nested to the depth limit) needs about 130 frames of a small recursive JS
// function; a call with strings only, about 40.

/** Frames of `spend` before a call that copies a JS value (a world, a request) into the module. */
export const VALUE_CALL = 384;
/** Frames of `spend` before a call that takes only strings and numbers. */
export const STRING_CALL = 96;

/** @type {{ __wbindgen_add_to_stack_pointer(delta: number): number } | null} */
let wasm = null;
/** The module's stack pointer when no call is in progress. */
let idleStackPointer = 0;
/** Calls in progress: a value's getter may call the package again while the module reads the value. */
let depth = 0;
/**
 * `stopped`: a call ended by an exception, so the stack pointer is checked before the next one. An object,
 * so that the unprobed hot path sets it with a store: a function call in its `catch` could itself be
 * refused for lack of stack.
 */
export const calls = { stopped: false };

/**
 * Called by each entry (node.js, web.js, workerd.js) once the instance exists.
 * @param {{ __wbindgen_add_to_stack_pointer(delta: number): number }} exports
 */
export function attach(exports) {
  wasm = exports;
  idleStackPointer = exports.__wbindgen_add_to_stack_pointer(0);
}

/**
 * Uses `frames` frames of the JS stack, and returns them: throws the engine's RangeError where that
 * much stack is not left.
 * @param {number} frames
 * @returns {number}
 */
function spend(frames) {
  return frames === 0 ? 0 : 1 + spend(frames - 1);
}

/** Puts the module's stack pointer back where a call that was stopped half-way left it. */
function repair() {
  calls.stopped = false;
  if (wasm === null || depth !== 0) return;
  const now = wasm.__wbindgen_add_to_stack_pointer(0);
  if (now !== idleStackPointer) wasm.__wbindgen_add_to_stack_pointer(idleStackPointer - now);
}

/**
 * Runs `call` (one call into the module) once `frames` frames of stack are known to be free.
 * @template T
 * @param {number} frames
 * @param {() => T} call
 * @returns {T}
 */
export function enter(frames, call) {
  spend(frames);
  if (calls.stopped) repair();
  depth++;
  try {
    return call();
  } catch (error) {
    calls.stopped = true;
    throw error;
  } finally {
    depth--;
  }
}

/**
 * `fn` with every call made through `enter`.
 * @template {(...args: any[]) => any} F
 * @param {number} frames
 * @param {F} fn
 * @returns {F}
 */
export function guarded(frames, fn) {
  return /** @type {F} */ ((...args) => enter(frames, () => fn(...args)));
}

// @ts-check
// The package's API: exactly what index.d.ts declares, from the wasm-bindgen glue — and nothing else of
// it (not its `initSync` or default `init`: every entry initialises on import). Every call goes through
// door.js, which makes sure the JS stack can carry it.
// Copied to pkg/api.js by `make pkg`; node.js, web.js and workerd.js re-export it after their init.
// tests/js/package.test.mjs checks this list against index.d.ts and the glue.

import * as glue from "./job_token_scope.js";
import { VALUE_CALL, STRING_CALL, calls, enter, guarded } from "./door.js";

const CompiledWorld = glue.GitlabPolicy;

export const checkGitlabAccess = guarded(VALUE_CALL, glue.checkGitlabAccess);
export const resolveGitlabScope = guarded(VALUE_CALL, glue.resolveGitlabScope);
export const validateGitlabWorld = guarded(VALUE_CALL, glue.validateGitlabWorld);
export const compactGitlabAllowlist = guarded(VALUE_CALL, glue.compactGitlabAllowlist);
export const checkGitlabEdit = guarded(VALUE_CALL, glue.checkGitlabEdit);
export const planGitlabEnforcement = guarded(VALUE_CALL, glue.planGitlabEnforcement);
export const resolveAzureScope = guarded(VALUE_CALL, glue.resolveAzureScope);
export const checkAzureAccess = guarded(VALUE_CALL, glue.checkAzureAccess);
export const validateAzureConfig = guarded(VALUE_CALL, glue.validateAzureConfig);
// Plain JavaScript over the engine's own answers (no rule of their own): azure-matrix.js, azure-import.js.
export { azureMatrix, azureWhatIf } from "./azure-matrix.js";
export { importAzureSettings, azureImportKind } from "./azure-import.js";
export const gitlabVersions = guarded(STRING_CALL, glue.gitlabVersions);
export const gitlabPermissions = guarded(STRING_CALL, glue.gitlabPermissions);
export const azureProducts = guarded(STRING_CALL, glue.azureProducts);
export const version = guarded(STRING_CALL, glue.version);

/**
 * Bytes of strings a policy's memos keep (2 per UTF-16 code unit, plus an entry's own overhead) before
 * they start over: bounds memory on hostile input by size, not by count — a count let 2,000 distinct
 * 1 MiB paths fill the heap. Only names that resolve are kept: an unknown path or permission is never
 * remembered (it goes to the engine, which throws), so distinct junk costs nothing after the call.
 */
const MEMO_BYTES = 4 << 20;
const ENTRY_BYTES = 64;
/**
 * Longer than any string a world can hold (the engine's 1 MiB input limit): no project or permission
 * has such a name, so it is neither copied into the module nor remembered; the engine's own `check`
 * then refuses it with the limit's message.
 */
const LONGEST_NAME = 1 << 20;

// One rule for strings (as encode.js does for every input): a lone surrogate would reach the module as
// U+FFFD, so two different strings would compare equal; it is refused with checkGitlabAccess's error.
const wellFormed = typeof String.prototype.isWellFormed === "function"
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** @param {string} message */
function invalidInput(message) {
  /** @type {Error & { code?: string }} */
  const error = new Error(message);
  error.code = "invalid_input";
  return error;
}

/**
 * What the engine's `check`/`explain` would refuse first among the arguments, in their order: thrown
 * here for a lone surrogate (which wasm-bindgen's string copy would otherwise turn into U+FFFD); for a
 * wrong type or a string past the limit the engine words the error, so nothing is thrown here.
 */
function refuseLoneSurrogates(source, target, permission) {
  const names = ["source", "target", "permission"];
  const values = [source, target, permission];
  for (let i = 0; i < 3; i++) {
    const value = values[i];
    if (typeof value !== "string" || value.length > LONGEST_NAME) return;
    if (!wellFormed(value)) {
      throw invalidInput(`${names[i]}: expected a string, found a string with a lone UTF-16 surrogate`);
    }
  }
}

/** Strings resolved to indices, kept while their total size stays within MEMO_BYTES. */
class Memo {
  #map = new Map();
  #bytes = 0;

  get(key) {
    return this.#map.get(key);
  }

  set(key, value) {
    const bytes = ENTRY_BYTES + 2 * key.length;
    if (bytes > MEMO_BYTES) return;
    if (this.#bytes + bytes > MEMO_BYTES) this.clear();
    this.#map.set(key, value);
    this.#bytes += bytes;
  }

  clear() {
    this.#map.clear();
    this.#bytes = 0;
  }
}

function freed() {
  return invalidInput("this GitlabPolicy was freed: it cannot be used after free()");
}

/** The private second argument of GitlabPolicy's constructor: its first is then a compiled world. */
const ADOPT = Symbol("adopt");

/**
 * A GitlabPolicy around `compiled`, a world the module compiled (`GitlabPolicy.fromJSON`, and any
 * other static constructor).
 * @param {InstanceType<typeof CompiledWorld>} compiled
 * @returns {GitlabPolicy}
 */
function adopt(compiled) {
  return new GitlabPolicy(compiled, ADOPT);
}

/** The text door's limit (src/json.rs MAX_INPUT): a longer text is refused by the module uncopied. */
const MAX_JSON_TEXT = 128 << 20;

/**
 * `GitlabPolicy.fromJSON`'s compiled world. A string holding a lone UTF-16 surrogate cannot reach the
 * module as it is (its copy would hold U+FFFD instead): `JSON.parse` reads it and the object door
 * decides, exactly as for `new GitlabPolicy(JSON.parse(text))`; where it is not JSON, the module reads
 * the copy, whose syntax error is the same, to say where it is.
 * @param {unknown} text
 */
function compileJSON(text) {
  if (typeof text === "string" && text.length <= MAX_JSON_TEXT && !wellFormed(text)) {
    let world;
    try {
      world = JSON.parse(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return CompiledWorld.fromJSON(text);
    }
    return new CompiledWorld(world);
  }
  return CompiledWorld.fromJSON(text);
}

/**
 * A world compiled once for many checks. `check` resolves each path and permission string to an
 * index once (the engine does the resolving: case, surrounding slashes) and then asks the engine by
 * numbers, so a hot loop passes no strings into wasm. Anything the index path cannot answer (an
 * unknown project, a bad argument) goes to the engine's own `check`, which throws the coded error.
 *
 * After `free()` the compiled world is gone: every `check`/`explain` throws the coded "freed" error
 * here, before anything enters the module (the glue would pass it a null pointer), and a second
 * `free()` does nothing.
 */
export class GitlabPolicy {
  /** The compiled world, or null once freed. */
  #world;
  #projects = new Memo();
  #permissions = new Memo();

  constructor(world, compiled) {
    // `compiled`: only `adopt` (below) passes it, with an already compiled world.
    this.#world = compiled === ADOPT ? world : enter(VALUE_CALL, () => new CompiledWorld(world));
  }

  static fromJSON(text) {
    return adopt(enter(VALUE_CALL, () => compileJSON(text)));
  }

  /** A world read back from a snapshot of `toBytes` (a Uint8Array, or an ArrayBuffer holding one). */
  static fromBytes(bytes) {
    const array = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
    return adopt(enter(STRING_CALL, () => CompiledWorld.fromBytes(array)));
  }

  /** The compiled world as a snapshot, for `GitlabPolicy.fromBytes`. */
  toBytes() {
    const world = this.#world;
    if (world === null) throw freed();
    return enter(STRING_CALL, () => world.toBytes());
  }

  check(source, target, permission) {
    const world = this.#world;
    if (world === null) throw freed();
    const s = this.#project(world, source);
    const t = this.#project(world, target);
    const p = permission === undefined || permission === null ? -1 : this.#permission(permission);
    if (s >= 0 && t >= 0 && p !== -2) {
      let allowed;
      try {
        allowed = world.checkIndices(s, t, p);
      } catch (error) {
        calls.stopped = true;
        throw error;
      }
      if (allowed >= 0) return allowed === 1;
    }
    refuseLoneSurrogates(source, target, permission);
    return enter(STRING_CALL, () => world.check(source, target, permission));
  }

  explain(source, target, permission) {
    const world = this.#world;
    if (world === null) throw freed();
    refuseLoneSurrogates(source, target, permission);
    return enter(STRING_CALL, () => world.explain(source, target, permission));
  }

  free() {
    const world = this.#world;
    if (world === null) return;
    // Probed before anything changes here, so that a call stopped for lack of stack can be made again.
    enter(STRING_CALL, () => world.free());
    this.#world = null;
    this.#projects.clear();
    this.#permissions.clear();
  }

  /** The project's index, or -1 (unknown, or not a well-formed string: the engine's `check` decides). */
  #project(world, path) {
    if (typeof path !== "string" || path.length > LONGEST_NAME) return -1;
    let index = this.#projects.get(path);
    if (index === undefined) {
      if (!wellFormed(path)) return -1;
      index = enter(STRING_CALL, () => world.projectIndex(path));
      if (index >= 0) this.#projects.set(path, index);
    }
    return index;
  }

  /** The permission's index, or -2 when it is not one (so the engine reports the error). */
  #permission(name) {
    if (typeof name !== "string" || name.length > LONGEST_NAME) return -2;
    let index = this.#permissions.get(name);
    if (index === undefined) {
      if (!wellFormed(name)) return -2;
      index = enter(STRING_CALL, () => CompiledWorld.permissionIndex(name));
      if (index < 0) return -2;
      this.#permissions.set(name, index);
    }
    return index;
  }
}

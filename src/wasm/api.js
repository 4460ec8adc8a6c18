// The package's API: exactly what index.d.ts declares, re-exported from the wasm-bindgen glue — and
// nothing else of it (not its `initSync` or default `init`: every entry initialises on import).
// Copied to pkg/api.js by `make pkg`; node.js, web.js and workerd.js re-export it after their init.
// tests/js/package.test.mjs checks this list against index.d.ts and the glue.

import { GitlabPolicy as CompiledWorld } from "./job_token_scope.js";

export {
  checkGitlabAccess, resolveGitlabScope, validateGitlabWorld, compactGitlabAllowlist, checkGitlabEdit,
  resolveAzureScope, checkAzureAccess, validateAzureConfig,
  gitlabVersions, gitlabPermissions, azureProducts,
  version,
} from "./job_token_scope.js";

/** Distinct strings remembered per policy before the memo starts over (bounds memory on hostile input). */
const MEMO_LIMIT = 65536;
/**
 * Longer than any string a world can hold (the engine's 1 MiB input limit): no project or permission
 * has such a name, so it is neither copied into the module nor remembered; the engine's own `check`
 * then refuses it with the limit's message.
 */
const LONGEST_NAME = 1 << 20;

/**
 * A world compiled once for many checks. `check` resolves each path and permission string to an
 * index once (the engine does the resolving: case, surrounding slashes) and then asks the engine by
 * numbers, so a hot loop passes no strings into wasm. Anything the index path cannot answer (an
 * unknown project, a bad argument) goes to the engine's own `check`, which throws the coded error.
 */
export class GitlabPolicy {
  #world;
  #projects = new Map();
  #permissions = new Map();

  constructor(world) {
    this.#world = new CompiledWorld(world);
  }

  check(source, target, permission) {
    const s = this.#project(source);
    const t = this.#project(target);
    const p = permission === undefined || permission === null ? -1 : this.#permission(permission);
    if (s >= 0 && t >= 0 && p !== -2) {
      const allowed = this.#world.checkIndices(s, t, p);
      if (allowed >= 0) return allowed === 1;
    }
    return this.#world.check(source, target, permission);
  }

  explain(source, target, permission) {
    return this.#world.explain(source, target, permission);
  }

  free() {
    this.#projects.clear();
    this.#world.free();
  }

  #project(path) {
    if (typeof path !== "string" || path.length > LONGEST_NAME) return -1;
    let index = this.#projects.get(path);
    if (index === undefined) {
      index = this.#world.projectIndex(path);
      if (this.#projects.size >= MEMO_LIMIT) this.#projects.clear();
      this.#projects.set(path, index);
    }
    return index;
  }

  /** The permission's index, or -2 when it is not one (so the engine reports the error). */
  #permission(name) {
    if (typeof name !== "string" || name.length > LONGEST_NAME) return -2;
    let index = this.#permissions.get(name);
    if (index === undefined) {
      index = CompiledWorld.permissionIndex(name);
      if (index < 0) index = -2;
      if (this.#permissions.size >= MEMO_LIMIT) this.#permissions.clear();
      this.#permissions.set(name, index);
    }
    return index;
  }
}

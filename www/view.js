// @ts-check
// A view owns one part of the page (its mount elements) and its own state. `update()` re-renders it only
// when what it depends on (`deps()`: revision numbers and ui values, compared with ===) or its own state
// changed, and morphs the result into the live page (dom.js `morph`). docs/contributing.md, "The simulator".

import { morph } from "./dom.js";

/** A small id per world object, for caches and workers (worlds are never changed in place). */
const ids = new WeakMap();
let nextId = 1;
/** @param {object} object */
export function revOf(object) {
  let id = ids.get(object);
  if (!id) ids.set(object, (id = nextId++));
  return id;
}

/**
 * @template {object} S
 */
export class View {
  /**
   * @param {import("./app.js").App} app
   * @param {HTMLElement[]} mounts where the view draws: render() returns one child list per mount
   * @param {S} state the view's own state (typed by each view)
   */
  constructor(app, mounts, state) {
    this.app = app;
    this.mounts = mounts;
    this.state = state;
    /** @type {unknown[] | null} */
    this.key = null;
    /** Milliseconds the last render took (the benchmark reads them). */
    this.lastRenderMs = 0;
  }

  /** What the view shows depends on; it re-renders when one of these changes. @returns {unknown[]} */
  deps() {
    return [];
  }

  /** The view's content, one array of nodes per mount. @returns {any[][]} */
  render() {
    return [];
  }

  /** Re-renders when deps() changed (or always, with `force`). */
  update(force = false) {
    const key = this.deps();
    if (!force && this.key && key.length === this.key.length && key.every((v, i) => v === this.key?.[i])) return;
    this.key = key;
    const start = performance.now();
    const parts = this.render();
    this.mounts.forEach((mount, i) => morph(mount, ...(parts[i] ?? [])));
    this.lastRenderMs = performance.now() - start;
  }

  /** Changes the view's own state and re-renders it. @param {Partial<S>} patch */
  setState(patch) {
    Object.assign(this.state, patch);
    this.update(true);
  }
}

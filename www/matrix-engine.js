// @ts-check
// The matrix's decisions, off the main thread: a pool of decision workers (matrix-worker.js), each holding
// the applied world and the draft compiled once. Answers are cached per (world revision, permission,
// user) and cell, so a page of the matrix, a mode switch or a redraw asks only for what is missing.
// Without module workers the same code runs here, in chunks between frames.

import { computeCells } from "./decisions.js";

/** @typedef {import("./decisions.js").Cell} Cell */

export class MatrixEngine {
  /** @param {any} api the package (for the fallback) */
  constructor(api) {
    this.api = api;
    /** @type {Worker[]} */
    this.workers = [];
    /** @type {Map<number, (msg: any) => void>} */
    this.pending = new Map();
    this.nextId = 1;
    this.gen = 0;
    /** @type {Record<string, { rev: number, world: any, policy: any }>} */
    this.local = {};
    /** @type {Record<string, number>} the revision each slot's world has in the workers */
    this.revs = {};
    /** @type {Map<string, Map<string, Cell>>} */
    this.cache = new Map();
    const size = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2)));
    try {
      for (let i = 0; i < size; i++) {
        const worker = new Worker(new URL("./matrix-worker.js", import.meta.url), { type: "module" });
        worker.onmessage = (event) => {
          const msg = event.data;
          if (msg.type !== "cells") return;
          this.pending.get(msg.id)?.(msg);
          this.pending.delete(msg.id);
        };
        worker.onerror = () => {
          // a worker that cannot start (no module workers): answer here instead
          this.workers = [];
          for (const [, resolve] of this.pending) resolve({ fallback: true });
          this.pending.clear();
        };
        this.workers.push(worker);
      }
    } catch {
      this.workers = [];
    }
  }

  /**
   * The world of `slot` ("applied" or "draft") is now `world`, at revision `rev`.
   * @param {string} slot @param {number} rev @param {any} world
   */
  setWorld(slot, rev, world) {
    if (this.revs[slot] === rev) return;
    this.revs[slot] = rev;
    for (const worker of this.workers) worker.postMessage({ type: "world", slot, rev, world });
    this.local[slot]?.policy?.free();
    this.local[slot] = { rev, world, policy: null };
  }

  /** @param {string} slot @param {string} permission @param {string} user */
  cacheFor(slot, permission, user) {
    const key = `${slot}\0${this.revs[slot]}\0${permission}\0${user}`;
    let map = this.cache.get(key);
    if (!map) {
      map = new Map();
      this.cache.set(key, map);
      // keep the few most recent tables only
      while (this.cache.size > 8) this.cache.delete(/** @type {string} */ (this.cache.keys().next().value));
    }
    return map;
  }

  /**
   * The known cell, or undefined.
   * @param {string} slot @param {string} permission @param {string} user @param {string} source @param {string} target
   */
  known(slot, permission, user, source, target) {
    return this.cacheFor(slot, permission, user).get(`${source}\0${target}`);
  }

  /** Starts a new round of requests: unfinished requests of earlier rounds stop and resolve with null. */
  begin() {
    const gen = ++this.gen;
    for (const worker of this.workers) worker.postMessage({ type: "gen", gen });
    return gen;
  }

  /**
   * Every cell of `pairs`, computed where missing, for the round `gen` (begin()).
   * @param {number} gen @param {string} slot @param {[string, string][]} pairs @param {string} permission @param {string} user
   * @param {string[]} requestable
   * @returns {Promise<Map<string, Cell> | null>}
   */
  async cells(gen, slot, pairs, permission, user, requestable) {
    const cache = this.cacheFor(slot, permission, user);
    const missing = pairs.filter(([s, t]) => !cache.has(`${s}\0${t}`));
    if (missing.length) {
      const results = await this.compute(slot, missing, permission, user, requestable, gen);
      if (!results) return null;
      missing.forEach(([s, t], i) => cache.set(`${s}\0${t}`, results[i]));
    }
    return gen === this.gen || !missing.length ? cache : null;
  }

  /**
   * @param {string} slot @param {[string, string][]} pairs @param {string} permission @param {string} user
   * @param {string[]} requestable @param {number} gen
   * @returns {Promise<Cell[] | null>}
   */
  async compute(slot, pairs, permission, user, requestable, gen) {
    const rev = this.revs[slot];
    if (this.workers.length) {
      const share = Math.ceil(pairs.length / this.workers.length);
      const parts = await Promise.all(this.workers.map((worker, i) => {
        const part = pairs.slice(i * share, (i + 1) * share);
        if (!part.length) return Promise.resolve({ results: [] });
        const id = this.nextId++;
        return new Promise((resolve) => {
          this.pending.set(id, resolve);
          worker.postMessage({ type: "cells", id, gen, slot, rev, pairs: part, permission, user, requestable });
        });
      }));
      if (parts.some((p) => p.cancelled)) return null;
      const failed = parts.find((p) => p.error);
      if (failed) throw Object.assign(new Error(failed.error.message), { code: failed.error.code });
      if (!parts.some((p) => p.fallback)) return parts.flatMap((p) => p.results);
    }
    // on this thread, a chunk per task
    const local = this.local[slot];
    local.policy ??= new this.api.GitlabPolicy(local.world);
    /** @type {Cell[]} */
    const out = [];
    for (let i = 0; i < pairs.length; i += 64) {
      if (gen !== this.gen) return null;
      out.push(...computeCells(this.api, local, pairs.slice(i, i + 64), permission, user, requestable));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return out;
  }
}

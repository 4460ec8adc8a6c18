// @ts-check
// Whole-scenario computations off the main thread: the Azure matrix and the enforcement plan, asked of a
// module worker (task-worker.js); without module workers, here. For each task only the latest request
// counts, and one answer is kept per task, under a key the caller builds from the revisions of the objects
// it sends (view.js revOf: worlds and configs are never changed in place).

import { TASKS } from "./task-worker.js";

/** @typedef {{ result?: any, error?: any }} Answer */

export class Tasks {
  /** @param {any} api the package (for the fallback) */
  constructor(api) {
    this.api = api;
    /** @type {Worker | null} */
    this.worker = null;
    this.nextId = 1;
    /** @type {Map<number, (msg: any) => void>} */
    this.pending = new Map();
    /** The latest answer per slot. @type {Map<string, Answer & { key: string }>} */
    this.last = new Map();
    /** The key being computed per slot. @type {Map<string, string>} */
    this.computing = new Map();
    try {
      this.worker = new Worker(new URL("./task-worker.js", import.meta.url), { type: "module" });
      this.worker.onmessage = (event) => {
        this.pending.get(event.data.id)?.(event.data);
        this.pending.delete(event.data.id);
      };
      this.worker.onerror = () => {
        this.worker = null;
        for (const [, resolve] of this.pending) resolve({ fallback: true });
        this.pending.clear();
      };
    } catch {
      this.worker = null;
    }
  }

  /**
   * The answer of `task` for `key` when known; else undefined, and `onDone` is called once it is (unless
   * a newer request in the same `slot` came meanwhile). A slot (default: the task's name) keeps one
   * answer: two slots keep two answers of one task (the applied world's plan and the draft's).
   * @param {keyof typeof TASKS} task @param {string} key @param {any} args @param {() => void} onDone @param {string} [slot]
   * @returns {Answer | undefined}
   */
  get(task, key, args, onDone, slot = task) {
    const last = this.last.get(slot);
    if (last?.key === key) return last;
    if (this.computing.get(slot) === key) return undefined;
    this.computing.set(slot, key);
    this.compute(task, args).then((answer) => {
      if (this.computing.get(slot) !== key) return;
      this.computing.delete(slot);
      this.last.set(slot, { key, ...answer });
      onDone();
    });
    return undefined;
  }

  /** @param {keyof typeof TASKS} task @param {any} args @returns {Promise<Answer>} */
  async compute(task, args) {
    if (this.worker) {
      const id = this.nextId++;
      const msg = await new Promise((resolve) => {
        this.pending.set(id, resolve);
        /** @type {Worker} */ (this.worker).postMessage({ id, task, args });
      });
      if (!msg.fallback) return msg.error ? { error: Object.assign(new Error(msg.error.message), { code: msg.error.code }) } : { result: msg.result };
      this.worker?.terminate();
      this.worker = null;
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      return { result: TASKS[task](this.api, args) };
    } catch (error) {
      return { error };
    }
  }
}

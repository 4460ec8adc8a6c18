// @ts-check
// The Azure matrix's decisions: the package's azureMatrix (no draft) or azureWhatIf (applied × draft),
// asked of a module worker (azure-worker.js) so that a large organization never blocks the page; without
// module workers, on this thread. One answer is kept per (applied, draft) pair of config objects (configs
// are never changed in place, so their identity is their revision: view.js revOf).

import { revOf } from "./view.js";

/**
 * The matrix as the view draws it: `after` is the config's matrix (the draft's, when there is one),
 * `before` the applied config's over the same rows and columns (null without a draft), `flips` the cells
 * whose decision the draft flips.
 * @typedef {{ after: import("job-token-scope").AzureMatrix, before: import("job-token-scope").AzureMatrix | null, flips: import("job-token-scope").AzureFlip[] }} AzureResult
 */

export class AzureEngine {
  /** @param {any} api the package (for the fallback) */
  constructor(api) {
    this.api = api;
    /** @type {Worker | null} */
    this.worker = null;
    this.nextId = 1;
    /** @type {Map<number, (msg: any) => void>} */
    this.pending = new Map();
    /** @type {{ key: string, result?: AzureResult, error?: any } | null} */
    this.last = null;
    /** @type {string | null} the key being computed */
    this.computing = null;
    try {
      this.worker = new Worker(new URL("./azure-worker.js", import.meta.url), { type: "module" });
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

  /** @param {any} applied @param {any} draft */
  static key(applied, draft) {
    return `${revOf(applied)}:${draft ? revOf(draft) : 0}`;
  }

  /**
   * The answer for (applied, draft) when known; else undefined, and `onDone` is called once it is.
   * @param {any} applied @param {any} draft @param {() => void} onDone
   * @returns {{ result?: AzureResult, error?: any } | undefined}
   */
  get(applied, draft, onDone) {
    const key = AzureEngine.key(applied, draft);
    if (this.last?.key === key) return this.last;
    if (this.computing === key) return undefined;
    this.computing = key;
    this.compute(applied, draft).then((answer) => {
      if (this.computing !== key) return; // a newer request came meanwhile
      this.computing = null;
      this.last = { key, ...answer };
      onDone();
    });
    return undefined;
  }

  /** @param {any} applied @param {any} draft @returns {Promise<{ result?: AzureResult, error?: any }>} */
  async compute(applied, draft) {
    if (this.worker) {
      const id = this.nextId++;
      const msg = await new Promise((resolve) => {
        this.pending.set(id, resolve);
        /** @type {Worker} */ (this.worker).postMessage({ id, applied, draft });
      });
      if (!msg.fallback) return msg.error ? { error: Object.assign(new Error(msg.error.message), { code: msg.error.code }) } : { result: msg.result };
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      return { result: draft ? this.api.azureWhatIf(applied, draft) : { after: this.api.azureMatrix(applied), before: null, flips: [] } };
    } catch (error) {
      return { error };
    }
  }
}

// @ts-check
// A decision worker: holds the applied world and the draft, each compiled once into a GitlabPolicy, and
// answers the matrix's cells off the main thread (matrix-engine.js runs two of these). Work is done in
// chunks so that a newer request (a later `gen`) stops an older one.

import { computeCells } from "./decisions.js";

// The package is imported after the message handler is set: messages that arrive while its module
// loads (it instantiates the wasm with a top-level await) are handled once it is there, in order.
const loading = import("/pkg/web.js");

/** @typedef {{ rev: number, world: any, policy: any, busy: number, retired: boolean }} Slot */
/** @type {Record<string, Slot>} */
const slots = {};
/** @type {any} */
let api = null;
let latestGen = 0;
const CHUNK = 64;

/** @param {string} name @returns {Slot} */
function slot(name) {
  const s = slots[name];
  if (!s) throw new Error(`no world ${name}`);
  if (!s.policy) s.policy = new api.GitlabPolicy(s.world);
  return s;
}

/** @param {Slot | undefined} s */
function release(s) {
  if (s && s.policy && s.busy === 0 && s.retired) {
    s.policy.free();
    s.policy = null;
  }
}

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const msg = event.data;
  try {
    api ??= await loading;
  } catch {
    // the package could not be loaded here (offline before it arrived, say): the page computes the cells
    if (msg.type === "cells") self.postMessage({ type: "cells", id: msg.id, fallback: true });
    return;
  }
  if (msg.type === "world") {
    const old = slots[msg.slot];
    slots[msg.slot] = { rev: msg.rev, world: msg.world, policy: null, busy: 0, retired: false };
    if (old) {
      old.retired = true;
      release(old);
    }
    return;
  }
  if (msg.type === "gen") {
    latestGen = Math.max(latestGen, msg.gen);
    return;
  }
  if (msg.type === "cells") {
    latestGen = Math.max(latestGen, msg.gen);
    /** @type {Slot | undefined} */
    let s;
    try {
      s = slot(msg.slot);
      s.busy++;
      if (s.rev !== msg.rev) {
        self.postMessage({ type: "cells", id: msg.id, cancelled: true });
        return;
      }
      const results = [];
      for (let i = 0; i < msg.pairs.length; i += CHUNK) {
        if (msg.gen < latestGen || s.retired) {
          self.postMessage({ type: "cells", id: msg.id, cancelled: true });
          return;
        }
        results.push(...computeCells(api, s, msg.pairs.slice(i, i + CHUNK), msg.permission, msg.user, msg.requestable));
        // let a newer request (or a cancel) in
        if (i + CHUNK < msg.pairs.length) await new Promise((resolve) => setTimeout(resolve, 0));
      }
      self.postMessage({ type: "cells", id: msg.id, results });
    } catch (err) {
      self.postMessage({ type: "cells", id: msg.id, error: { message: String(/** @type {any} */ (err)?.message ?? err), code: /** @type {any} */ (err)?.code } });
    } finally {
      if (s) {
        s.busy--;
        release(s);
      }
    }
  }
};

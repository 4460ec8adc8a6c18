// @ts-check
// A decision worker: holds the applied world and the draft, each compiled once into a GitlabPolicy, and
// answers the matrix's cells off the main thread (matrix-engine.js runs two of these). Work is done in
// chunks so that a newer request (a later `gen`) stops an older one.

import * as api from "/pkg/web.js";
import { computeCells } from "./decisions.js";

/** @type {Record<string, { rev: number, world: any, policy: any }>} */
const slots = {};
let latestGen = 0;
const CHUNK = 64;

/** @param {string} name */
function slot(name) {
  const s = slots[name];
  if (!s) throw new Error(`no world ${name}`);
  if (!s.policy) s.policy = new api.GitlabPolicy(s.world);
  return s;
}

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const msg = event.data;
  if (msg.type === "world") {
    slots[msg.slot]?.policy?.free();
    slots[msg.slot] = { rev: msg.rev, world: msg.world, policy: null };
    return;
  }
  if (msg.type === "gen") {
    latestGen = Math.max(latestGen, msg.gen);
    return;
  }
  if (msg.type === "cells") {
    latestGen = Math.max(latestGen, msg.gen);
    try {
      const s = slot(msg.slot);
      if (s.rev !== msg.rev) throw new Error("stale world");
      const results = [];
      for (let i = 0; i < msg.pairs.length; i += CHUNK) {
        if (msg.gen < latestGen) {
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
    }
  }
};
self.postMessage({ type: "ready" });

// The example gate with its allowlists as a snapshot: `node snapshot.mjs` turns world.json into
// world.snapshot at deploy time (`GitlabPolicy.toBytes()`), and a cold worker reads it with no compiling
// (`createGate({ policy })`); it answers every request as worker.js does with world.json.
//
// world.snapshot is bundled as a Data module (an ArrayBuffer): wrangler.toml's `[[rules]]` for
// `**/*.snapshot`, or a `data` module in config.capnp. Or keep it in KV (bound as GATE_KV), so that new
// allowlists need no new deploy of the worker:
//   npx wrangler kv key put --binding GATE_KV world.snapshot --path world.snapshot
// A snapshot is read by the package build whose snapshot format made it: make it with the job-token-scope
// this worker bundles.
import { gateWorker } from "./gate-worker.js";
import snapshot from "./world.snapshot";

export default gateWorker(async (env) => {
  if (env.GATE_KV !== undefined) {
    const policy = await env.GATE_KV.get("world.snapshot", "arrayBuffer");
    if (policy === null) throw Object.assign(new Error("no world.snapshot in GATE_KV"), { code: "invalid_input" });
    return { policy };
  }
  return { policy: snapshot };
});

# workerd config for the gate reading its snapshot from KV (worker-snapshot.js with GATE_KV bound), as it
# does on Cloudflare when the snapshot is uploaded with `wrangler kv key put`: workerd's own KV binding,
# backed by a local namespace (kv-store.js) that holds dist/kv.snapshot as its `world.snapshot`.
#   node examples/worker/run.mjs --snapshot --kv
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gate", worker = .gate),
    (name = "kv", worker = .kv),
    # As in config.capnp: the gate's outbound fetch (the issuer's JWKS, the upstream), private addresses too.
    (name = "internet", network = (allow = ["public", "private"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "gate") ],
);

const gate :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "job_token_scope_bg.wasm", wasm = embed "dist/job_token_scope_bg.wasm"),
    # Still bundled (worker-snapshot.js imports it), but not read while GATE_KV is bound.
    (name = "world.snapshot", data = embed "dist/world.snapshot"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
    (name = "GATE_ISSUER", fromEnvironment = "GATE_ISSUER"),
    (name = "GATE_AUDIENCE", fromEnvironment = "GATE_AUDIENCE"),
    (name = "GATE_UPSTREAM", fromEnvironment = "GATE_UPSTREAM"),
    (name = "GATE_JWKS", fromEnvironment = "GATE_JWKS"),
    (name = "GATE_KV", kvNamespace = "kv"),
  ],
);

const kv :Workerd.Worker = (
  modules = [
    (name = "kv-store.js", esModule = embed "kv-store.js"),
    (name = "kv.snapshot", data = embed "dist/kv.snapshot"),
  ],
  compatibilityDate = "2025-01-01",
);

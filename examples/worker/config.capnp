# workerd config for the gate (no wrangler): `node examples/worker/run.mjs` builds dist/ and starts it;
# by hand:
#   node examples/worker/run.mjs --build-only      # bundles worker.js into dist/ with the .wasm and
#                                                  # world.snapshot next to it (--snapshot: worker-snapshot.js)
#   GATE_ISSUER=https://gitlab.example.com GATE_AUDIENCE=https://artifacts.example.com \
#   GATE_UPSTREAM=https://artifacts.internal npx workerd serve examples/worker/config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gate", worker = .gate),
    # The gate's outbound fetch (the issuer's JWKS, the upstream). workerd allows only public addresses by
    # default; the gate fetches nothing but its configured URLs, so private ones (127.0.0.1 for a local
    # upstream) are allowed too.
    (name = "internet", network = (allow = ["public", "private"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "gate") ],
);

const gate :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "job_token_scope_bg.wasm", wasm = embed "dist/job_token_scope_bg.wasm"),
    # The allowlists as a snapshot (snapshot.mjs, made by buildGate next to the bundle): an ArrayBuffer
    # to `import snapshot from "./world.snapshot"` (worker-snapshot.js; worker.js does not import it).
    (name = "world.snapshot", data = embed "dist/world.snapshot"),
  ],
  compatibilityDate = "2025-01-01",
  bindings = [
    (name = "GATE_ISSUER", fromEnvironment = "GATE_ISSUER"),
    (name = "GATE_AUDIENCE", fromEnvironment = "GATE_AUDIENCE"),
    (name = "GATE_UPSTREAM", fromEnvironment = "GATE_UPSTREAM"),
    (name = "GATE_JWKS", fromEnvironment = "GATE_JWKS"),
  ],
);

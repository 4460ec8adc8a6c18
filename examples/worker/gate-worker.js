// The example gate's settings and its module handler, shared by its two entries: worker.js (the allowlists
// as world.json, compiled when the first request comes) and worker-snapshot.js (a snapshot of them made at
// deploy time by snapshot.mjs, read with no compiling). Settings, from wrangler.toml [vars] or the bindings
// in config.capnp:
//   GATE_ISSUER    the GitLab instance, e.g. https://gitlab.example.com (the tokens' `iss`)
//   GATE_AUDIENCE  the tokens' `aud`, e.g. https://artifacts.example.com
//   GATE_UPSTREAM  where allowed requests go, e.g. https://artifacts.internal
//   GATE_JWKS      optional: the issuer's JWKS (JSON text or object); without it the keys are fetched
//                  from ${GATE_ISSUER}/oauth/discovery/keys and cached
import { createGate } from "job-token-scope/gate";

/** Which requests need which permission on which project (the first match wins; no match → 404). */
export const routes = [
  // GitLab-style package API: the target project is the URL-encoded path segment.
  { method: "GET", path: "/projects/:target/packages/*", permission: "read_packages" },
  { method: "PUT", path: "/projects/:target/packages/*", permission: "admin_packages" },
  // A fixed target.
  { method: "POST", path: "/deploy", target: "acme/platform/api", permission: "admin_deployments" },
];

/** Only jobs on protected branches and tags get through. */
export const require = { refProtected: true };

/**
 * A module handler whose gate is made on the first request: `allowlists(env)` gives `{ world }` or
 * `{ policy }` (a snapshot), or a promise of one (read from KV, say). The requests that come while it is
 * made wait for that one gate (it caches the issuer's keys: one gate, one fetch of them). A bad
 * configuration fails closed (503), and is tried again on the next request.
 */
export function gateWorker(allowlists) {
  let gate = null; // the gate, or the promise of it while it is made
  return {
    async fetch(request, env, ctx) {
      if (gate === null) {
        const made = (async () => createGate({
          issuer: env.GATE_ISSUER,
          audience: env.GATE_AUDIENCE,
          ...(env.GATE_JWKS ? { jwks: typeof env.GATE_JWKS === "string" ? JSON.parse(env.GATE_JWKS) : env.GATE_JWKS } : {}),
          ...(await allowlists(env)),
          routes,
          require,
          upstream: env.GATE_UPSTREAM,
        }))();
        gate = made;
        made.then((ready) => {
          gate = ready;
        }, (error) => {
          gate = null;
          // The details are for the operator (the log), not for clients.
          console.error(`job-token gate: bad configuration (${error.code}): ${error.message}`);
        });
      }
      let ready;
      try {
        ready = await gate;
      } catch {
        return Response.json(
          { allowed: false, reason: "gate_unavailable", message: "The gate is misconfigured; see its log." },
          { status: 503, headers: { "cache-control": "no-store" } },
        );
      }
      return ready.fetch(request, env, ctx);
    },
  };
}

// A job-token gate in front of an internal service, as a Cloudflare Worker / workerd module.
//
// GitLab CI jobs call it with an ID token (`id_tokens:` in .gitlab-ci.yml, `aud` = GATE_AUDIENCE):
//   curl -H "Authorization: Bearer $GATE_ID_TOKEN" https://gate.example/projects/acme%2Fplatform%2Fapi/packages/...
// The gate verifies the token against the issuer's keys, maps its `project_path` to the source project,
// the route to the target project and permission, decides with the allowlists of world.json, and forwards
// allowed requests to GATE_UPSTREAM (without the token), or answers 401 / 403 / 404 JSON itself.
//
// Settings (wrangler.toml [vars], or bindings in config.capnp):
//   GATE_ISSUER    the GitLab instance, e.g. https://gitlab.example.com (the tokens' `iss`)
//   GATE_AUDIENCE  the tokens' `aud`, e.g. https://artifacts.example.com
//   GATE_UPSTREAM  where allowed requests go, e.g. https://artifacts.internal
//   GATE_JWKS      optional: the issuer's JWKS (JSON text or object); without it the keys are fetched
//                  from ${GATE_ISSUER}/oauth/discovery/keys and cached
import { createGate } from "job-token-scope/gate";
import world from "./world.json" with { type: "json" };

/** Which requests need which permission on which project (the first match wins; no match → 404). */
const routes = [
  // GitLab-style package API: the target project is the URL-encoded path segment.
  { method: "GET", path: "/projects/:target/packages/*", permission: "read_packages" },
  { method: "PUT", path: "/projects/:target/packages/*", permission: "admin_packages" },
  // A fixed target.
  { method: "POST", path: "/deploy", target: "acme/platform/api", permission: "admin_deployments" },
];

/** Only jobs on protected branches and tags get through. */
const require = { refProtected: true };

let gate = null;

export default {
  async fetch(request, env, ctx) {
    if (gate === null) {
      try {
        gate = createGate({
          issuer: env.GATE_ISSUER,
          audience: env.GATE_AUDIENCE,
          ...(env.GATE_JWKS ? { jwks: typeof env.GATE_JWKS === "string" ? JSON.parse(env.GATE_JWKS) : env.GATE_JWKS } : {}),
          world,
          routes,
          require,
          upstream: env.GATE_UPSTREAM,
        });
      } catch (error) {
        // A bad configuration fails closed: nothing gets through until it is fixed. The details are for
        // the operator (the log), not for clients.
        console.error(`job-token gate: bad configuration (${error.code}): ${error.message}`);
        return Response.json(
          { allowed: false, reason: "gate_unavailable", message: "The gate is misconfigured; see its log." },
          { status: 503, headers: { "cache-control": "no-store" } },
        );
      }
    }
    return gate.fetch(request, env, ctx);
  },
};

// A job-token gate in front of an internal service, as a Cloudflare Worker / workerd module: the allowlists
// are world.json, compiled when the first request comes. worker-snapshot.js is the same gate with them as a
// snapshot made at deploy time (snapshot.mjs), which a cold worker reads with no compiling.
//
// GitLab CI jobs call it with an ID token (`id_tokens:` in .gitlab-ci.yml, `aud` = GATE_AUDIENCE):
//   curl -H "Authorization: Bearer $GATE_ID_TOKEN" https://gate.example/projects/acme%2Fplatform%2Fapi/packages/...
// The gate verifies the token against the issuer's keys, maps its `project_path` to the source project,
// the route to the target project and permission, decides with the allowlists of world.json, and forwards
// allowed requests to GATE_UPSTREAM (without the token), or answers 401 / 403 / 404 JSON itself. Its
// routes, requirements and settings (GATE_ISSUER, GATE_AUDIENCE, GATE_UPSTREAM, GATE_JWKS) are in
// gate-worker.js.
import { gateWorker } from "./gate-worker.js";
import world from "./world.json" with { type: "json" };

export default gateWorker(() => ({ world }));

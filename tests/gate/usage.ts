// Type-checked (never run) by tests/js/gate.test.mjs with tsc against the installed package: the types of
// `job-token-scope/gate` (gate.d.ts) fit real use, and mistakes are caught.
import { createGate, type Gate, type GateConfig, type GateDecision, type GateDenial } from "job-token-scope/gate";
import { GitlabPolicy, type GitlabWorld } from "job-token-scope";

const world: GitlabWorld = { version: "18.3", projects: [{ path: "acme/ci" }, { path: "acme/api", inbound: { projects: ["acme/ci"] } }] };

const config: GateConfig = {
  issuer: "https://gitlab.example.com",
  audience: "https://artifacts.example.com",
  world,
  routes: [
    { method: "GET", path: "/projects/:target/packages/*", permission: "read_packages" },
    { method: "POST", path: "/deploy", target: "acme/api", permission: "admin_deployments" },
  ],
  require: { refProtected: true, refType: "branch", refs: ["main"], pipelineSources: ["push"] },
  clockSkewSeconds: 30,
  handler: async (request: Request, decision: GateDecision) =>
    Response.json({ url: request.url, source: decision.source, job: decision.claims.job_id }),
};
const gate: Gate = createGate(config);
export default gate;

const forwarding = createGate({
  issuer: "https://gitlab.example.com",
  audience: "https://artifacts.example.com",
  jwks: { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] },
  world,
  routes: [{ method: "GET", path: "/x/*", target: "acme/api" }],
  upstream: "https://internal.example",
});
export async function handle(request: Request): Promise<Response> {
  const response = await forwarding.fetch(request, {}, {});
  if (response.status !== 200) {
    const denial: GateDenial = await response.json();
    console.log(denial.reason, denial.message);
  }
  return response;
}

// The allowlists as a snapshot made at deploy time: a Uint8Array (toBytes) or an ArrayBuffer (a Data
// module, KV's get(key, "arrayBuffer")).
const snapshot: Uint8Array = new GitlabPolicy(world).toBytes();
const { world: _world, ...withoutWorld } = config;
createGate({ ...withoutWorld, policy: snapshot });
createGate({ ...withoutWorld, policy: snapshot.buffer as ArrayBuffer });
export async function fromKv(kv: { get(key: string, type: "arrayBuffer"): Promise<ArrayBuffer | null> }): Promise<Gate> {
  const policy = await kv.get("world.snapshot", "arrayBuffer");
  if (policy === null) throw new Error("no snapshot");
  return createGate({ ...withoutWorld, policy });
}
// @ts-expect-error: world and policy together
createGate({ ...config, policy: snapshot });
// @ts-expect-error: neither world nor policy
createGate({ ...withoutWorld });
// @ts-expect-error: a policy is a snapshot's bytes, not a world
createGate({ ...withoutWorld, policy: world });

// @ts-expect-error: handler and upstream together
createGate({ ...config, upstream: "https://internal.example" });
// @ts-expect-error: neither handler nor upstream
createGate({ issuer: "i", audience: "a", world, routes: [] });
// @ts-expect-error: not a permission
createGate({ ...config, routes: [{ method: "GET", path: "/", permission: "read_everything" }] });
// @ts-expect-error: refType is branch or tag
createGate({ ...config, require: { refType: "commit" } });

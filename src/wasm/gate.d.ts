// Types of `job-token-scope/gate` (docs/gate.md; reference in docs/api.md): the edge gate. Hand-written next to gate.js.

import type { GitlabPermission, GitlabWorld } from "./index.js";

/**
 * A route: the first one matching a request's method and path decides its target and permission.
 * Path segments are literal, `:target` (one URL-encoded segment holding a project path, e.g.
 * `acme%2Fapi`, as GitLab's API writes it) or a final `*` (the rest of the path). Only canonical request
 * paths are let through (docs/gate.md "Paths"): the `:target` segment spelled exactly as the world spells
 * the project, with `/` as `%2F`; elsewhere no `%2F`, `%5C`, `;`, `%25`, control or non-ASCII characters,
 * escaped letters or digits, lower-case escapes, dots-only or empty segments — else 400 `non_canonical_path`.
 */
export interface GateRoute {
  method: string;
  path: string;
  /** The target project when the path has no `:target`. */
  target?: string;
  permission?: GitlabPermission;
}

/** What the job must be, beyond the allowlist: checked against the token's claims. */
export interface GateRequirements {
  /** `ref_protected` ("true" / "false" in GitLab tokens). */
  refProtected?: boolean;
  /** `ref_type`. */
  refType?: "branch" | "tag";
  /** `ref` must be one of these. */
  refs?: string[];
  /** `environment` must be one of these. */
  environments?: string[];
  /** `pipeline_source` must be one of these, e.g. `"push"`. */
  pipelineSources?: string[];
}

/** A public JWK as an issuer publishes it (GitLab: `/oauth/discovery/keys`). */
export type GateJwk = JsonWebKey & {
  /** Picked by the token header's `kid`. */
  kid?: string;
  /** Absent or `"sig"`. */
  use?: string;
};

/**
 * A JSON Web Key Set. Used: RSA keys for RS256 (modulus of at least 2048 bits, counted in bits; public
 * exponent odd, ≥ 3, at most 32 bits) and EC P-256 keys for ES256, whose `alg` is absent or matches;
 * others are ignored (a token naming one gets 401).
 */
export interface GateJwks {
  keys: GateJwk[];
}

/** The decision handed to `handler` for an allowed request. */
export interface GateDecision {
  allowed: true;
  /** The GitLab reason that admitted the request, e.g. `allowlisted_project`. */
  reason: string;
  message: string;
  /** The token's project (`project_path`), as the token spells it. */
  source: string;
  /** The route's target project: its `:target` segment decoded (spelled as the world spells it), or its `target`. */
  target: string;
  permission: GitlabPermission | null;
  /** The verified token's claims. */
  claims: Record<string, unknown>;
}

/** The JSON body of every answer the gate makes itself (400, 401, 403, 404, 502, 503). */
export interface GateDenial {
  allowed: false;
  /**
   * `non_canonical_path` (400: a path an upstream might read differently; refused before the token),
   * `invalid_token` (401), a GitLab reason code, `requirement_not_met` or `unknown_project` (403),
   * `no_route` (404), `upstream_unavailable` (502), `gate_unavailable` (503).
   */
  reason: string;
  message: string;
}

interface GateConfigBase {
  /** The token's `iss` must equal it; without `jwks`, the keys come from `${issuer}/oauth/discovery/keys`. */
  issuer: string;
  /** The token's `aud` must equal it, or contain it. */
  audience: string;
  /**
   * The issuer's keys, inline. Without it they are fetched (one fetch in flight, shared by every waiting
   * request; redirects not followed; 5 s timeout) and cached (at most 10 minutes).
   */
  jwks?: GateJwks;
  routes: GateRoute[];
  require?: GateRequirements;
  /** Allowed clock skew for `exp`, `nbf`, `iat` (0–300, default 60). */
  clockSkewSeconds?: number;
}

/** Where the allowlists come from: a world... */
interface GateWorldSource {
  /** The allowlists, compiled once, when the gate is created. */
  world: GitlabWorld;
  policy?: never;
}

/** ...or a snapshot of one, read with no compiling (docs/gate.md "Deploy with a snapshot"). */
interface GatePolicySource {
  /**
   * A snapshot of `new GitlabPolicy(world).toBytes()`, made at deploy time and bundled as a data module or
   * kept in KV: the gate decides exactly as one given that world. A snapshot this build cannot read (cut,
   * changed, another snapshot format) throws `invalid_input` located at `policy`.
   */
  policy: Uint8Array | ArrayBuffer;
  world?: never;
}

/** Allowed requests are answered by `handler`... */
export interface GateHandlerConfig extends GateConfigBase {
  handler: (request: Request, decision: GateDecision) => Response | Promise<Response>;
  upstream?: never;
}

/**
 * ...or forwarded to `upstream` (same method, canonical path, query and body; without `Authorization`,
 * `Cookie`, hop-by-hop headers, method / URL override headers and `Expect`, in any `_` spelling; with
 * `X-Job-Token-Scope`). See docs/gate.md.
 */
export interface GateUpstreamConfig extends GateConfigBase {
  /** An http(s) origin, optionally with a base path. */
  upstream: string;
  handler?: never;
}

/** A gate's config: `handler` or `upstream`, and `world` or `policy` (exactly one of each pair). */
export type GateConfig = (GateHandlerConfig | GateUpstreamConfig) & (GateWorldSource | GatePolicySource);

/**
 * A Workers / workerd module handler (`export default createGate(...)`), also usable in Deno and Node.
 * Pass workerd's `ctx`: the request that fetches the issuer's keys hands the fetch to `ctx.waitUntil`.
 */
export interface Gate {
  fetch(request: Request, env?: unknown, ctx?: unknown): Promise<Response>;
}

/**
 * The gate for `config`. Throws a `JobTokenScopeError` (`code` `invalid_input`, `unknown_project` or
 * `unsupported_version`) for a bad config; afterwards every request gets an answer: allowed ones the
 * handler's or upstream's response with `X-Job-Token-Scope: allowed; reason=<code>; source=<path>`,
 * others a JSON `GateDenial`. Anything unexpected fails closed (503).
 */
export function createGate(config: GateConfig): Gate;

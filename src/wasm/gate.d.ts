// Types of `job-token-scope/gate` (SPEC §5): the edge gate. Hand-written next to gate.js.

import type { GitlabPermission, GitlabWorld } from "./index.js";

/**
 * A route: the first one matching a request's method and path decides its target and permission.
 * Path segments are literal, `:target` (one URL-encoded segment holding a project path, e.g.
 * `acme%2Fapi`, as GitLab's API writes it) or a final `*` (the rest of the path).
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
 * A JSON Web Key Set. Used: RSA keys of at least 2048 bits for RS256 and EC P-256 keys for ES256, whose
 * `alg` is absent or matches; others are ignored.
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
  /** The token's project (`project_path`), as the world spells it. */
  source: string;
  target: string;
  permission: GitlabPermission | null;
  /** The verified token's claims. */
  claims: Record<string, unknown>;
}

/** The JSON body of every answer the gate makes itself (401, 403, 404, 502, 503). */
export interface GateDenial {
  allowed: false;
  /**
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
  /** The issuer's keys, inline. Without it they are fetched and cached (at most 10 minutes). */
  jwks?: GateJwks;
  /** The allowlists, compiled once. */
  world: GitlabWorld;
  routes: GateRoute[];
  require?: GateRequirements;
  /** Allowed clock skew for `exp`, `nbf`, `iat` (0–300, default 60). */
  clockSkewSeconds?: number;
}

/** Allowed requests are answered by `handler`... */
export interface GateHandlerConfig extends GateConfigBase {
  handler: (request: Request, decision: GateDecision) => Response | Promise<Response>;
  upstream?: never;
}

/**
 * ...or forwarded to `upstream` (same method, path, query and body; without `Authorization`, `Cookie`
 * and hop-by-hop headers; with `X-Job-Token-Scope`).
 */
export interface GateUpstreamConfig extends GateConfigBase {
  /** An http(s) origin, optionally with a base path. */
  upstream: string;
  handler?: never;
}

export type GateConfig = GateHandlerConfig | GateUpstreamConfig;

/** A Workers / workerd module handler (`export default createGate(...)`), also usable in Deno and Node. */
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

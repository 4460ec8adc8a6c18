// @ts-check
// Matrix cells from the engine's answers, shared by the page and the decision workers (matrix-worker.js).
// This module only classifies what the package decides (no access rule lives here):
// not allowed → denied ✗; allowed with reason anonymous_level → anonymous ◐; allowed for "any access" while
// some permission is refused with permission_not_granted (a fine-grained allowlist entry), or refused for
// "any access" while the entry grants some permissions → limited ◑; other allowed → allowed ✓.

/** @typedef {import("job-token-scope").GitlabWorld} GitlabWorld */
/** @typedef {import("job-token-scope").Decision} Decision */
/** @typedef {"allowed" | "limited" | "denied" | "anonymous"} Category */
/**
 * One cell as the matrix shows it.
 * @typedef {object} Cell
 * @property {Category} category
 * @property {string} reason the engine's reason code
 * @property {string[]} [granted] for a limited cell: the permissions that are allowed
 */

export const SYMBOLS = { allowed: "✓", limited: "◑", denied: "✗", anonymous: "◐" };
export const LABELS = { allowed: "allowed", limited: "limited (fine-grained: some permissions only)", denied: "denied", anonymous: "anonymous-level only" };

/** @param {{ allowed: boolean, reason: string }} decision @returns {Category} */
export function category(decision) {
  if (!decision.allowed) return "denied";
  return decision.reason === "anonymous_level" ? "anonymous" : "allowed";
}

/**
 * The cells of `pairs` ([source, target] paths) for one permission ("" for any access) and one
 * triggering user ("" for none). Without a user a compiled GitlabPolicy answers (compiled once per world);
 * with one, checkGitlabAccess does, as the policy handle takes no user.
 * @param {any} api the package
 * @param {{ world: GitlabWorld, policy: any }} slot the world and its compiled policy
 * @param {[string, string][]} pairs
 * @param {string} permission
 * @param {string} user
 * @param {string[]} requestable permissions a request may name (for "limited")
 * @returns {Cell[]}
 */
export function computeCells(api, slot, pairs, permission, user, requestable) {
  /** @type {Cell[]} */
  const out = [];
  for (const [source, target] of pairs) {
    let decision;
    if (user) {
      /** @type {any} */
      const request = { source, target, user };
      if (permission) request.permission = permission;
      decision = api.checkGitlabAccess(slot.world, request);
    } else {
      decision = permission ? slot.policy.explain(source, target, permission) : slot.policy.explain(source, target);
    }
    /** @type {Cell} */
    const cell = { category: category(decision), reason: decision.reason };
    if (!permission && cell.category !== "anonymous") limit(slot.policy, source, target, requestable, cell);
    out.push(cell);
  }
  return out;
}

/**
 * Marks an "any access" cell limited when the engine's answer per permission differs from its answer
 * for any access because of fine-grained permissions: allowed, but a permission is refused with
 * permission_not_granted; or refused, but some permissions are granted.
 * @param {any} policy @param {string} source @param {string} target @param {string[]} requestable @param {Cell} cell
 */
function limit(policy, source, target, requestable, cell) {
  const granted = [];
  let notGranted = false;
  for (const name of requestable) {
    if (policy.check(source, target, name)) granted.push(name);
    else if (cell.category === "allowed" && !notGranted && policy.explain(source, target, name).reason === "permission_not_granted") notGranted = true;
  }
  if (cell.category === "allowed" ? notGranted : granted.length > 0) {
    cell.category = "limited";
    cell.granted = granted;
  }
}

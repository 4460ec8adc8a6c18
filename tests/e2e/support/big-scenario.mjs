// A large GitLab scenario for the scale tests and `make bench`: `n` projects in 10 groups, each with an
// inbound allowlist (a project entry, and every fifth a fine-grained group entry), some public ones with
// a feature closed, and three users with roles. Plain data in the package's input shapes.

import { SCENARIO_FORMAT } from "../../../www/import.js";
import { azureExample } from "../../../www/examples.js";
import { azureProducts } from "../../../pkg/node.js";

/** @param {number} n */
export function bigWorld(n) {
  const projects = [];
  for (let i = 0; i < n; i++) {
    const group = `acme/team${i % 10}`;
    const next = (i + 1) % n;
    projects.push({
      path: `${group}/svc${i}`,
      visibility: i % 7 === 0 ? "public" : "private",
      ...(i % 14 === 0 ? { features: { packages: "private" } } : {}),
      inbound: {
        enabled: true,
        projects: [`acme/team${next % 10}/svc${next}`],
        groups: i % 5 === 0 ? [{ path: `acme/team${(i + 3) % 10}`, defaultPermissions: false, policies: ["read_packages", "read_jobs"] }] : [],
      },
    });
  }
  return {
    version: "18.4",
    groups: [{ path: "acme", visibility: "internal" }],
    projects,
    users: { alice: { acme: "developer" }, bob: { "acme/team1": "maintainer" }, carol: { "acme/team2": "guest" } },
  };
}

/** @param {number} n */
export function bigScenario(n) {
  return {
    format: SCENARIO_FORMAT,
    view: "gitlab",
    gitlab: { world: bigWorld(n), ui: { project: "acme/team0/svc0", actingUser: "", matrixPermission: "", matrixUser: "" } },
    azure: azureExample(azureProducts()),
  };
}

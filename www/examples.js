// @ts-check
// The built-in scenarios loaded on a first visit (and by "Load the example"). Plain data in the
// package's input shapes (index.d.ts); no rule lives here.

import { SCENARIO_FORMAT } from "./import.js";

/**
 * GitLab 18.3: groups acme (internal), acme/platform, acme/tools; a public and an internal project. The
 * public one keeps its container registry to project members, so other job tokens cannot read it.
 */
export function gitlabExample() {
  return {
    world: {
      version: "18.3",
      // The release default is on from 18.0; this instance has not switched enforcement on yet, so the
      // per-project "Limit access to this project" toggle decides.
      instance: { enforceInboundScope: false },
      // a group's visibility decides who may add it to an allowlist; unlisted groups are private
      groups: [{ path: "acme", visibility: "internal" }],
      projects: [
        { path: "acme/ci", visibility: "private" },
        {
          path: "acme/platform/api",
          visibility: "private",
          inbound: {
            enabled: true,
            projects: ["acme/ci"],
            // a group entry with fine-grained permissions: its projects may only read packages and jobs
            groups: [{ path: "acme/tools", defaultPermissions: false, policies: ["read_packages", "read_jobs"] }],
          },
        },
        {
          path: "acme/platform/web",
          visibility: "internal",
          inbound: { enabled: true, groups: [{ path: "acme/platform", defaultPermissions: true, policies: [] }] },
        },
        { path: "acme/tools/deployer", visibility: "private", inbound: { enabled: false } },
        { path: "acme/docs", visibility: "public", features: { containerRegistry: "private" }, inbound: { enabled: true } },
      ],
      users: {
        alice: { acme: "developer", "acme/platform/api": "maintainer" },
        bob: { "acme/ci": "developer", "acme/platform": "developer" },
        carol: { "acme/tools": "guest" },
        dana: { acme: "owner" },
      },
    },
    ui: { project: "acme/platform/api", actingUser: "alice", matrixPermission: "", matrixUser: "" },
  };
}

/**
 * A new organization's settings on `product` (azureProducts()' newDefaults), for the settings the product
 * has (a label); the ones it lacks are left out.
 * @param {import("job-token-scope").AzureProductProfile} product
 */
export function newSettings(product) {
  /** @type {Record<string, boolean>} */
  const out = {};
  const labels = { limitJobScopeNonRelease: product.nonReleaseSetting, limitJobScopeRelease: product.releaseSetting, protectRepos: product.protectReposSetting };
  for (const [key, label] of Object.entries(labels)) {
    if (label) out[key] = product.newDefaults[/** @type {keyof typeof product.newDefaults} */ (key)];
  }
  return out;
}

/**
 * A new Azure DevOps configuration on `product`: the organization and its project start with the
 * product's defaults for new organizations; a YAML pipeline that has run once (its build identity exists).
 * @param {import("job-token-scope").AzureProductProfile} product @param {string} [organization] @param {string} [project]
 */
export function newAzureConfig(product, organization = "fabrikam-tailspin", project = "SpaceGameWeb") {
  return {
    product: product.id,
    organization: { name: organization, ...newSettings(product) },
    project: { name: project, visibility: "private", ...newSettings(product) },
    pipeline: { kind: "yaml", hasRun: true },
  };
}

/**
 * The seed's example in an organization created today on Azure DevOps Services (its newDefaults):
 * SpaceGameWeb's project build identity granted access to FabrikamFiber; PartsUnlimited has no grant.
 * @param {import("job-token-scope").AzureProductProfile[]} products azureProducts()
 */
export function azureExample(products) {
  const services = products.find((p) => p.id === "services") ?? products[0];
  const config = newAzureConfig(services);
  return {
    config: {
      ...config,
      organization: { ...config.organization, projects: [{ name: "FabrikamFiber", visibility: "private" }, { name: "PartsUnlimited", visibility: "private" }] },
      pipeline: { kind: "yaml", repositories: ["self", "FabrikamFiber/FabrikamFiber"], hasRun: true },
      grants: [
        {
          identity: "SpaceGameWeb Build Service (fabrikam-tailspin)",
          project: "FabrikamFiber",
          viewProjectInfo: true,
          repositories: { FabrikamFiber: ["read"] },
          feeds: { shared: ["read"] },
        },
      ],
    },
    ui: { resource: { kind: "repository", project: "FabrikamFiber", name: "FabrikamFiber", action: "read" } },
  };
}

/** @param {import("job-token-scope").AzureProductProfile[]} products azureProducts() */
export function exampleScenario(products) {
  return { format: SCENARIO_FORMAT, view: "gitlab", gitlab: gitlabExample(), azure: azureExample(products) };
}

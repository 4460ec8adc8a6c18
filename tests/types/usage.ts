// Type-checked (never run) by `tsc --noEmit` in `make test`: the package's types fit real use, and
// mistakes are caught.
import {
  checkGitlabAccess, checkAzureAccess, compactGitlabAllowlist, GitlabPolicy, resolveAzureScope,
  resolveGitlabScope, validateGitlabWorld, checkGitlabEdit, planGitlabEnforcement, version, azureMatrix, azureWhatIf,
  importAzureSettings, azureImportKind, azureProducts,
  type Decision, type GitlabReason, type GitlabWorld, type AzureConfig, type JobTokenScopeError, type AzureReason,
  type AzureImportKind,
} from "job-token-scope";
// The raw module (Workers import it as a compiled module): typed, not TS2307.
import compiledModule from "job-token-scope/job_token_scope_bg.wasm";
import manifest from "job-token-scope/package.json" with { type: "json" };
const asModule: WebAssembly.Module = compiledModule;
const packageVersion: string = manifest.version;

const world: GitlabWorld = {
  version: "18.3",
  instance: { enforceInboundScope: true },
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", visibility: "internal", inbound: { projects: ["acme/ci", { path: "acme/x", defaultPermissions: false, policies: ["read_packages"] }], groups: [{ path: "acme" }] } },
  ],
  users: { alice: { acme: "maintainer" } },
};
const decision: Decision<GitlabReason> = checkGitlabAccess(world, { source: "acme/ci", target: "acme/api", permission: "admin_packages", user: "alice" });
const why: string[] = decision.trace.map((step) => `${step.step}: ${step.outcome} ${step.detail}`);
const reachable: string[] = resolveGitlabScope(world, "acme/ci").reachable.map((r) => r.project);
const codes: string[] = validateGitlabWorld(world).map((p) => p.code);
const groups = compactGitlabAllowlist(world, "acme/api", 1).groups.map((g) => g.path);
const edit = checkGitlabEdit(world, { user: "alice", project: "acme/api", action: "add", entry: "acme", kind: "group" });
const plan = planGitlabEnforcement(world, [
  { source: "acme/ci", target: "acme/api", lastAuthorizedAt: "2025-10-25T08:00:00Z" },
  { fullPath: "acme/api", ciJobTokenAuthLogs: { nodes: [{ originProject: { fullPath: "acme/x" }, lastAuthorizedAt: null }] } },
], { strategy: "least-privilege", limit: 200 });
const breaking: string[] = plan.projects.flatMap((p) => p.breaks.map((b) => `${b.source} -> ${p.project}`));
const overAdmission: number = plan.projects.reduce((n, p) => n + p.admitsAlso.length - (p.gitlab?.admitsAlso.length ?? 0), 0);
const policy = new GitlabPolicy(world);
const fast: boolean = policy.check("acme/ci", "acme/api", "read_jobs");
policy.free();

const config: AzureConfig = {
  product: "server-2022",
  organization: { name: "fabrikam-tailspin", limitJobScopeNonRelease: true },
  project: { name: "SpaceGameWeb", protectRepos: true },
  pipeline: { kind: "classic-build", buildJobAuthorizationScope: "collection", hasRun: false },
  grants: [{ identity: "SpaceGameWeb Build Service (fabrikam-tailspin)", project: "FabrikamFiber", viewProjectInfo: true, feeds: { shared: ["read"] } }],
};
const scope: "project" | "collection" = resolveAzureScope(config).scope;
const azure = checkAzureAccess(config, { kind: "feed", project: "FabrikamFiber", name: "shared", action: "read" });

// Azure DevOps Server (no year), other projects' visibility, the REST value of the Options tab.
const server: AzureConfig = {
  product: "server",
  organization: { name: "fabrikam-tailspin", projects: [{ name: "FabrikamFiber", visibility: "public" }] },
  project: { name: "SpaceGameWeb" },
  pipeline: { kind: "classic-build", buildJobAuthorizationScope: "projectCollection" },
};
const matrix = azureMatrix(server, { kinds: ["yaml", "classic-build"] });
const cell: AzureReason = matrix.cells[0][0].reason;
const whatIf = azureWhatIf(server, { ...server, organization: { ...server.organization, protectRepos: true } });
const broken: string[] = whatIf.flips.filter((f) => f.change === "breaks").map((f) => `${f.kind} ${f.resource.project}/${f.resource.name}`);
const kind: AzureImportKind | null = azureImportKind({ enforceJobAuthScope: true });
const imported = importAzureSettings({ enforceJobAuthScope: true }, { level: "organization", product: "server" });
const limit: boolean | undefined = imported.patch.organization?.limitJobScopeNonRelease;
const starts: boolean = azureProducts()[0].newDefaults.protectRepos;
// @ts-expect-error: matrix rows are pipeline kinds
azureMatrix(server, { kinds: ["release"] });
// @ts-expect-error: the import's levels are organization and project
importAzureSettings({}, { level: "collection" });

try {
  checkGitlabAccess(world, { source: "acme/ci", target: "nowhere/x" });
} catch (error) {
  const code: JobTokenScopeError["code"] = (error as JobTokenScopeError).code;
  console.log(code);
}

// @ts-expect-error: misspelled permissions are caught at compile time
checkGitlabAccess(world, { source: "acme/ci", target: "acme/api", permission: "read_pakages" });
// @ts-expect-error: unknown keys are caught at compile time too
checkGitlabAccess({ projects: [], verison: "18.3" }, { source: "a/b", target: "a/b" });
// @ts-expect-error: Azure resource kinds are a closed set
checkAzureAccess(config, { kind: "wiki", project: "P", name: "n", action: "read" });

console.log(why, reachable, codes, groups, edit.reason, fast, scope, azure.allowed, version(), breaking, overAdmission);
console.log(cell, broken, kind, limit, starts, imported.notes);
// @ts-expect-error: the strategies are a closed set
planGitlabEnforcement(world, [], { strategy: "greedy" });

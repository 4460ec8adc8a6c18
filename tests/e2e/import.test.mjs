// Unit tests of www/import.js (data translation from API JSON to the simulator's scenario), run
// directly in Node: `node --test tests/e2e/` (after `make pkg`: Azure files are read by the package).

import { test } from "node:test";
import assert from "node:assert/strict";

import {
  ImportError, SCENARIO_FORMAT, detectKind, importAuthLog, importAzure, importGitlab, importText, lineColumn,
  locateJsonError, mergePatch, parseJson, readScenario,
} from "../../www/import.js";
import { exampleScenario as example, newAzureConfig } from "../../www/examples.js";
import * as api from "../../pkg/node.js";

const exampleScenario = () => example(api.azureProducts());
import { decodeFragment, encodeFragment } from "../../www/share.js";

const world = () => ({
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", inbound: { enabled: true, projects: [{ path: "acme/ci", defaultPermissions: false, policies: ["read_jobs"] }] } },
  ],
  users: { alice: { acme: "maintainer" } },
});
const scenario = () => ({ format: SCENARIO_FORMAT, view: "gitlab", gitlab: { world: world(), ui: {} }, azure: exampleScenario().azure });

/** Runs `fn`, which must throw an ImportError; returns it. */
function importError(fn) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ImportError, `not an ImportError: ${err?.stack ?? err}`);
    return err;
  }
  assert.fail("no error thrown");
}

test("parseJson: valid JSON, with or without a byte order mark", () => {
  assert.deepEqual(parseJson('{"a": [1, true, null, "x"]}'), { a: [1, true, null, "x"] });
  assert.deepEqual(parseJson("\ufeff[]"), []);
});

test("parseJson: a syntax error says its line and column", () => {
  const text = '{\n  "inbound_enabled": true\n  "outbound_enabled": false\n}';
  const err = importError(() => parseJson(text));
  assert.equal(err.where, "line 3, column 3");
  assert.equal(err.line, 3);
  assert.equal(err.column, 3);
  assert.match(err.message, /^line 3, column 3: invalid JSON: expected ',' or '}'/);
});

test("parseJson: other syntax errors are located too", () => {
  const cases = [
    ['[1, 2,]', 1, 7],
    ['{"a": tru}', 1, 7],
    ['{"a": 1} x', 1, 10],
    ['[\n  "unterminated', 2, 16],
    ["{'a': 1}", 1, 2],
    ['{"a": 01}', 1, 8],
    ['[1,\n\n', 3, 1],
  ];
  for (const [text, line, column] of cases) {
    const err = importError(() => parseJson(text));
    assert.deepEqual([err.line, err.column], [line, column], `${JSON.stringify(text)}: ${err.message}`);
  }
  assert.equal(importError(() => parseJson("   ")).message, "the file is empty");
});

test("locateJsonError agrees with JSON.parse on what is valid", () => {
  const valid = ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', '{"a":{"b":[{"c":null}]}}', ' [ true , false ] '];
  for (const text of valid) assert.equal(locateJsonError(text), null, text);
  const invalid = ['', '{', '[1 2]', '"\\x"', '{"a" 1}', 'nul', '1.', '"a\tb"'];
  for (const text of invalid) {
    assert.throws(() => JSON.parse(text));
    assert.notEqual(locateJsonError(text), null, text);
  }
  assert.deepEqual(lineColumn("ab\ncd", 4), { line: 2, column: 2 });
});

test("detectKind tells the REST responses, combined files, Azure settings and scenarios apart", () => {
  assert.equal(detectKind({ inbound_enabled: true, outbound_enabled: false }), "gitlab-scope");
  assert.equal(detectKind([{ id: 1, path_with_namespace: "acme/ci" }]), "gitlab-allowlist");
  assert.equal(detectKind([{ id: 2, full_path: "acme/tools" }]), "gitlab-groups-allowlist");
  assert.equal(detectKind({ project: "acme/api", allowlist: [] }), "gitlab-combined");
  assert.equal(detectKind([{ project: "acme/api" }]), "gitlab-combined");
  assert.equal(detectKind({ enforceJobAuthScope: true, statusBadgesArePrivate: true }, api), "azure-general-settings");
  assert.equal(detectKind({ enforceJobAuthScope: true }), null, "Azure files are told by the package");
  // a build definition has a `project` (an object): the package is asked before the GitLab guess
  const definition = { id: 7, name: "web", process: { type: 2, yamlFilename: "azure-pipelines.yml" }, project: { name: "SpaceGameWeb" } };
  assert.equal(detectKind(definition, api), "azure-build-definition");
  assert.equal(detectKind(definition), "gitlab-combined");
  assert.equal(detectKind({ dataProviders: { "ms.vss-build-web.pipelines-org-settings-data-provider": { enforceJobAuthScope: true } } }, api), "azure-organization-settings");
  assert.equal(detectKind({ project: "acme/api", allowlist: [] }, api), "gitlab-combined");
  assert.equal(detectKind({ format: SCENARIO_FORMAT }, api), "scenario");
  assert.equal(detectKind([]), null);
  assert.equal(detectKind({ hello: 1 }), null);
  assert.equal(detectKind("text"), null);
});

test("GitLab job_token_scope response sets the project's inbound and outbound switches", () => {
  const before = world();
  const { world: after, notes } = importGitlab(before, { inbound_enabled: false, outbound_enabled: true, extra: 1 },
    { kind: "gitlab-scope", project: "acme/api" });
  assert.equal(after.projects[1].inbound.enabled, false);
  assert.deepEqual(after.projects[1].inbound.projects, before.projects[1].inbound.projects, "the allowlist is kept");
  assert.equal(after.projects[1].outbound.enabled, true);
  assert.deepEqual(before, world(), "the input world is not modified");
  assert.ok(notes.some((n) => n.includes("extra")), notes.join("\n"));
});

test("GitLab allowlist response: entries in order, the project itself implicit, new projects created, fine-grained entries kept", () => {
  const response = [
    { id: 7, path_with_namespace: "acme/api", visibility: "private" },
    { id: 1, path_with_namespace: "ACME/CI", visibility: "private" },
    { id: 9, path_with_namespace: "acme/docs", visibility: "public" },
  ];
  const { world: after, notes } = importGitlab(world(), response, { kind: "gitlab-allowlist", project: "acme/api" });
  const api = after.projects.find((p) => p.path === "acme/api");
  assert.deepEqual(api.inbound.projects, [{ path: "acme/ci", defaultPermissions: false, policies: ["read_jobs"] }, "acme/docs"]);
  assert.deepEqual(after.projects.find((p) => p.path === "acme/docs"), { path: "acme/docs", visibility: "public" });
  assert.equal(after.projects.length, 3, "acme/ci matched case-insensitively, not duplicated");
  assert.ok(notes.some((n) => n.includes("stays implicit")), notes.join("\n"));
});

test("GitLab groups_allowlist response becomes group entries", () => {
  const { world: after } = importGitlab(world(), [{ id: 3, full_path: "acme/tools", name: "tools" }],
    { kind: "gitlab-groups-allowlist", project: "acme/api" });
  assert.deepEqual(after.projects[1].inbound.groups, [{ path: "acme/tools" }]);
});

test("a group's visibility in the groups_allowlist response goes to the world's groups (who may add it)", () => {
  const before = { ...world(), groups: [{ path: "ACME/tools", visibility: "private" }] };
  const { world: after } = importGitlab(before, [{ id: 3, full_path: "acme/tools", visibility: "internal" },
    { id: 4, full_path: "partner", visibility: "public" }, { id: 5, full_path: "other" }], { kind: "gitlab-groups-allowlist", project: "acme/api" });
  assert.deepEqual(after.groups, [{ path: "ACME/tools", visibility: "internal" }, { path: "partner", visibility: "public" }]);
  assert.deepEqual(after.projects[1].inbound.groups, [{ path: "acme/tools" }, { path: "partner" }, { path: "other" }]);
  assert.deepEqual(before.groups, [{ path: "ACME/tools", visibility: "private" }], "the input world is not modified");
  const err = importError(() => importGitlab(world(), [{ full_path: "x", visibility: "secret" }], { kind: "gitlab-groups-allowlist", project: "acme/api" }));
  assert.equal(err.where, "[0].visibility");
});

test("a one-endpoint GitLab file for a project not in the world creates it", () => {
  const { world: after } = importGitlab(world(), { inbound_enabled: true, outbound_enabled: false },
    { kind: "gitlab-scope", project: " /acme/new/ " });
  assert.deepEqual(after.projects[2], { path: "acme/new", inbound: { enabled: true }, outbound: { enabled: false } });
});

test("a one-endpoint GitLab file needs the project path", () => {
  const err = importError(() => importGitlab(world(), [], { kind: "gitlab-allowlist", project: "  " }));
  assert.equal(err.where, "project path");
});

test("GitLab combined file (and arrays of them)", () => {
  const file = [
    {
      project: "acme/web",
      job_token_scope: { inbound_enabled: true, outbound_enabled: false },
      allowlist: [{ path_with_namespace: "acme/ci" }],
      groups_allowlist: [{ full_path: "acme" }],
    },
    { project: "acme/ci", job_token_scope: { inbound_enabled: false } },
  ];
  const { world: after } = importGitlab(world(), file, { kind: "gitlab-combined" });
  const web = after.projects.find((p) => p.path === "acme/web");
  assert.deepEqual(web, { path: "acme/web", inbound: { enabled: true, projects: ["acme/ci"], groups: [{ path: "acme" }] }, outbound: { enabled: false } });
  assert.equal(after.projects[0].inbound.enabled, false);
});

test("replace: the GitLab projects start empty, version, instance and users stay", () => {
  const { world: after } = importGitlab(world(), { project: "x/y" }, { kind: "gitlab-combined", replace: true });
  assert.deepEqual(after.projects, [{ path: "x/y" }]);
  assert.equal(after.version, "18.3");
  assert.deepEqual(after.users, world().users);
});

test("field errors name the field path", () => {
  const cases = [
    [[{ path_with_namespace: 42 }], "gitlab-allowlist", "[0].path_with_namespace", /expected a string, found number 42/],
    [[{ id: 1 }], "gitlab-allowlist", "[0]", /missing "path_with_namespace"/],
    [[{ path_with_namespace: "a/b", visibility: "secret" }], "gitlab-allowlist", "[0].visibility", /expected one of private, internal, public/],
    [{ inbound_enabled: "yes" }, "gitlab-scope", "inbound_enabled", /expected true or false/],
    [{ nothing: 1 }, "gitlab-scope", "", /neither "inbound_enabled" nor "outbound_enabled"/],
    [[{ full_path: "" }], "gitlab-groups-allowlist", "[0].full_path", /empty string/],
    [{ project: "a/b", allowlist: {} }, "gitlab-combined", "allowlist", /expected an array/],
    [[{ project: "a/b" }, { project: "c/d", allowlists: [] }], "gitlab-combined", "[1].allowlists", /unknown field/],
    [[{ project: "a/b" }, { project: "c/d", allowlist: [{ path_with_namespace: null }] }], "gitlab-combined", "[1].allowlist[0].path_with_namespace", /found null/],
    [{ allowlist: [] }, "gitlab-combined", "", /missing "project"/],
  ];
  for (const [value, kind, where, message] of cases) {
    const err = importError(() => importGitlab(world(), value, { kind, project: "acme/api" }));
    assert.equal(err.where, where, `${JSON.stringify(value)}: ${err.message}`);
    assert.match(err.message, message);
  }
});

test("mergePatch: objects key by key, null deletes the key, the rest replaces", () => {
  const target = { a: { b: 1, c: 2 }, d: [1], e: "x" };
  assert.deepEqual(mergePatch(target, { a: { b: null, f: { g: null, h: 1 } }, d: [2], e: null }), { a: { c: 2, f: { h: 1 } }, d: [2] });
});

test("Azure files: the package reads them, the patch is merged into a copy, the engine's problems join its notes", () => {
  const config = exampleScenario().azure.config;
  const settings = {
    enforceJobAuthScope: true, enforceJobAuthScopeForReleases: false, enforceReferencedRepoScopedToken: true,
    enforceSettableVar: true, publishPipelineMetadata: false,
  };
  const { config: org, notes, kind } = importAzure(config, settings, { api, level: "organization" });
  assert.equal(kind, "azure-general-settings");
  assert.equal(org.organization.limitJobScopeNonRelease, true);
  assert.equal(org.organization.limitJobScopeRelease, false);
  assert.equal(org.organization.protectRepos, true);
  assert.deepEqual(org.project, config.project, "project untouched");
  assert.ok(notes.some((n) => n.includes("enforceSettableVar")), notes.join("\n"));
  assert.ok(!notes.some((n) => n.includes("not about job access tokens")), "the package's notes, not www's");
  assert.equal(config.organization.limitJobScopeRelease, true, "the config given is not modified");

  // the project's page: enabled / orgEnabled; under an organization limit, an explicit off is a problem
  const page = { dataProviders: { "ms.vss-build-web.pipelines-general-settings-data-provider": {
    enforceJobAuthScope: { enabled: false, orgEnabled: true } } } };
  const { config: project, notes: pageNotes } = importAzure(config, page, { api });
  assert.equal(project.project.limitJobScopeNonRelease, false);
  assert.equal(project.organization.limitJobScopeNonRelease, true);
  assert.ok(pageNotes.some((n) => /^problem locked_by_organization at project\.limitJobScopeNonRelease/.test(n)), pageNotes.join("\n"));

  // a YAML build definition clears the Options-tab scope (null deletes the key)
  const classic = { ...config, pipeline: { ...config.pipeline, kind: "classic-build", buildJobAuthorizationScope: "collection" } };
  const yaml = { id: 7, name: "web", process: { type: 2 }, jobAuthorizationScope: "projectCollection", project: { name: "SpaceGameWeb", visibility: "private" } };
  const { config: fromYaml } = importAzure(classic, yaml, { api, kind: "azure-build-definition" });
  assert.equal(fromYaml.pipeline.kind, "yaml");
  assert.equal("buildJobAuthorizationScope" in fromYaml.pipeline, false);
  assert.deepEqual(fromYaml.pipeline.repositories, config.pipeline.repositories, "what the file does not say is kept");

  // the product of the config decides which settings a file may set
  const server2020 = newAzureConfig(api.azureProducts().find((p) => p.id === "server-2020"));
  const { config: old, notes: oldNotes } = importAzure(server2020, { enforceJobAuthScope: true, enforceReferencedRepoScopedToken: true }, { api });
  assert.equal(old.project.limitJobScopeNonRelease, true);
  assert.equal("protectRepos" in old.project, false);
  assert.ok(oldNotes.some((n) => n.includes("enforceReferencedRepoScopedToken")), oldNotes.join("\n"));
});

test("Azure file errors say where, from the package", () => {
  const config = exampleScenario().azure.config;
  const err = importError(() => importAzure(config, { enforceJobAuthScope: "true" }, { api }));
  assert.equal(err.where, "enforceJobAuthScope");
  assert.match(err.detail, /expected true or false/);
  assert.equal(err.code, "invalid_input");
  const provider = importError(() => importAzure(config, { dataProviders: { "ms.vss-build-web.pipelines-org-settings-data-provider": { enforceJobAuthScope: 1 } } }, { api }));
  assert.equal(provider.where, "dataProviders.ms.vss-build-web.pipelines-org-settings-data-provider.enforceJobAuthScope");
  const array = importError(() => importAzure(config, [], { api, kind: "azure-general-settings" }));
  assert.equal(array.code, "invalid_input");
  assert.match(array.message, /found an array/);
  const unknown = importError(() => importAzure(config, { other: 1 }, { api }));
  assert.equal(unknown.where, "");
  assert.match(unknown.message, /^not an Azure DevOps file this import reads/);
  assert.match(importError(() => importAzure(config, {}, {})).message, /needs the package/);
  assert.match(importError(() => importText(scenario(), '{"enforceJobAuthScope": true}', {})).message, /not a file this page knows/);
});

test("GitLab's authentication log: GraphQL answers opened, the engine reads the items, a project's log replaces its old one", () => {
  const node = (source, at) => ({ __typename: "CiJobTokenAuthLog", originProject: { __typename: "CiJobTokenAccessibleProject", fullPath: source, id: "gid://gitlab/Project/1" }, lastAuthorizedAt: at });
  const project = (path, nodes) => ({ __typename: "Project", fullPath: path, ciJobTokenAuthLogs: { count: nodes.length, nodes } });
  const w = world();
  const api1 = { data: { project: project("acme/api", [node("acme/ci", "2025-10-01T00:00:00Z"), node("acme/web", null)]) } };
  assert.equal(detectKind(api1), "gitlab-auth-log");
  assert.equal(detectKind([api1]), "gitlab-auth-log");
  assert.equal(detectKind([{ source: "acme/ci", target: "acme/api" }]), "gitlab-auth-log");
  assert.equal(detectKind({ world: {}, log: [], fetch: {} }), "gitlab-fetch");
  const { log, notes } = importAuthLog(w, undefined, api1, { api });
  assert.deepEqual(log, [{ fullPath: "acme/api", ciJobTokenAuthLogs: { nodes: [
    { originProject: { fullPath: "acme/ci" }, lastAuthorizedAt: "2025-10-01T00:00:00Z" }, { originProject: { fullPath: "acme/web" } }] } }]);
  assert.deepEqual(notes, ["acme/api: 2 logged uses"]);
  // several projects: aliases and projects { nodes }; acme/api's replaces the one before, case aside
  const many = { data: { a: project("ACME/api", [node("acme/ci", null)]), list: { nodes: [project("acme/ci", [])] } } };
  const next = importAuthLog(w, [...log, { source: "x/y", target: "acme/other" }], many, { api });
  assert.deepEqual(next.log.map((item) => item.fullPath ?? item.target), ["acme/other", "ACME/api", "acme/ci"]);
  assert.match(next.notes.at(-1), /replaced 1 log item/);
  // errors at their place in the file
  const bad = [api1, { data: { project: project("acme/ci", [{ originProject: { fullPath: "a/b", extra: 1 } }]) } }];
  const err = importError(() => importAuthLog(w, [], bad, { api }));
  assert.equal(err.where, "[1].data.project.ciJobTokenAuthLogs.nodes[0].originProject.extra");
  assert.equal(importError(() => importAuthLog(w, [], { data: { project: null } }, { api })).where, "data.project");
  assert.equal(importError(() => importAuthLog(w, [], { errors: [{ message: "boom" }], data: null }, { api })).where, "errors[0].message");
  assert.match(importError(() => importAuthLog(w, [], { data: {} }, { api })).message, /no project/);
  // through importText, into the scenario's gitlab.log; readScenario keeps it
  const result = importText(scenario(), JSON.stringify(api1), { api });
  assert.equal(result.kind, "gitlab-auth-log");
  assert.equal(result.scenario.gitlab.log.length, 1);
  assert.deepEqual(readScenario(result.scenario).gitlab.log, result.scenario.gitlab.log);
  assert.equal(importError(() => readScenario({ ...scenario(), gitlab: { world: world(), log: {} } })).where, "gitlab.log");
});

test("importText: detects the kind, imports into a copy, says which platform changed", () => {
  const before = scenario();
  const result = importText(before, '[{"path_with_namespace": "acme/new"}]', { project: "acme/api" });
  assert.equal(result.kind, "gitlab-allowlist");
  assert.equal(result.platform, "gitlab");
  assert.deepEqual(result.scenario.gitlab.world.projects[1].inbound.projects, ["acme/new"]);
  assert.deepEqual(before, scenario(), "the scenario given is not modified");

  const azure = importText(before, '{"enforceJobAuthScope": false}', { level: "organization", api });
  assert.equal(azure.platform, "azure");
  assert.equal(azure.kind, "azure-general-settings");
  assert.equal(azure.scenario.azure.config.organization.limitJobScopeNonRelease, false);

  const err = importError(() => importText(before, "[]", {}));
  assert.match(err.message, /empty array/);
  assert.deepEqual(importText(before, "[]", { kind: "gitlab-groups-allowlist", project: "acme/api" }).scenario.gitlab.world.projects[1].inbound.groups, []);
});

test("importText: an exported scenario replaces everything; its outer shape is checked", () => {
  const exported = { ...scenario(), view: "azure" };
  const result = importText(scenario(), JSON.stringify(exported));
  assert.equal(result.kind, "scenario");
  assert.equal(result.scenario.view, "azure");
  assert.deepEqual(result.scenario.gitlab.world, world());
  assert.equal(importError(() => readScenario({ format: SCENARIO_FORMAT, gitlab: {}, azure: { config: {} } })).where, "gitlab.world");
  assert.equal(importError(() => readScenario({ ...scenario(), view: "jenkins" })).where, "view");
});

test("share link codec: a scenario survives encode → decode, and the fragment is URL-safe", async () => {
  const value = exampleScenario();
  const fragment = await encodeFragment(value);
  assert.match(fragment, /^s=[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeFragment(`#${fragment}`), value);
  assert.equal(await decodeFragment("#other"), null);
  await assert.rejects(decodeFragment("#s=AAAA"), /cannot be decompressed/);
});

// @ts-check
// The Azure Pipelines view: Organization and Project settings › Pipelines › Settings with each product's
// own labels (azureProducts()), the pipeline (kind, Options tab, referenced repositories), grants to build
// identities; then the effective job access token (resolveAzureScope) and a resource access checker
// (checkAzureAccess). A setting whose label is null does not exist in that product and is not shown.

import { el, datalist, live, select, field, checkbox, announce, traceTable, errorBox, attachProblems, problemItem } from "./dom.js";
import { View } from "./view.js";

/** @typedef {import("./app.js").App} App */

/** The Azure view: its own state is the last refused change's error, per part of the page. */
export class AzureView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, /** @type {{ errors: Record<string, any> }} */ ({ errors: {} }));
  }

  deps() {
    return [this.app.scenario.azure.config, this.app.scenario.azure.ui];
  }

  render() {
    return [[renderAzure(this.app)]];
  }
}

/** AzureConfig keys and the AzureProductProfile field holding each one's UI label (index.d.ts). */
const SETTINGS = [
  ["limitJobScopeNonRelease", "nonReleaseSetting", "nonrelease"],
  ["limitJobScopeRelease", "releaseSetting", "release"],
  ["protectRepos", "protectReposSetting", "protect"],
];
/** Input vocabulary of AzureConfig / AzureResource (index.d.ts). */
const KINDS = [["yaml", "YAML"], ["classic-build", "Classic build"], ["classic-release", "Classic release"]];
const BUILD_SCOPES = [["project", "Current project"], ["collection", "Project collection"]];
const RESOURCE_KINDS = [["repository", "Repository"], ["feed", "Feed (Artifacts)"], ["artifact", "Pipeline artifact"], ["workitem", "Work item"], ["pipeline", "Pipeline"]];
const GRANT_KEYS = [["repositories", "Repository"], ["feeds", "Feed"], ["artifacts", "Artifact"], ["workItems", "Work item"], ["pipelines", "Pipeline"]];
const ACTIONS = [["read", "Read"], ["write", "Write"]];
const ACTION_SETS = [["read", "Read"], ["read,write", "Read and write"]];

/** @param {App} app */
function renderAzure(app) {
  const { api } = app;
  const config = app.scenario.azure.config;
  const products = app.products;
  const product = products.find((p) => p.id === (config.product ?? "services")) ?? products[0];
  let problems = [];
  const view = el("div", { class: "azure" });
  try {
    problems = api.validateAzureConfig(config);
  } catch (err) {
    view.append(errorBox(err, "The scenario is not a valid Azure Pipelines configuration"));
  }

  const productSelect = select({ id: "az-product", on: { change: (e) => app.editAzure((c) => (c.product = e.target.value), "product") } },
    products.map((p) => [p.id, p.name]), product.id);
  view.append(el("section", { class: "panel", "aria-labelledby": "az-product-heading", dataset: { path: "product" } },
    el("h2", { id: "az-product-heading", text: "Azure DevOps product" }),
    field("Product", productSelect, product.releaseAlwaysCollection ? "Classic release pipelines always run with collection scope in this product." : null),
    slotError(app, "product")));

  const settings = el("div", { class: "columns az" },
    el("div", { class: "stack" }, organizationPanel(app, config, product), projectPanel(app, config, product), pipelinePanel(app, config)),
    el("div", { class: "stack" }, scopePanel(app, config), accessPanel(app, config)));
  view.append(settings);
  view.append(grantsPanel(app, config));
  const left = attachProblems(view, problems);
  if (left.length) {
    view.append(el("section", { class: "panel", "aria-labelledby": "az-problems-heading" },
      el("h2", { id: "az-problems-heading", text: "Other problems" }), el("ul", { class: "problems" }, left.map(problemItem))));
  }
  return view;
}

function slotError(app, slot) {
  const err = app.views.azure.state.errors?.[slot];
  return err ? errorBox(err, "Not changed") : document.createDocumentFragment();
}

function nameInput(app, id, value, apply, slot) {
  return el("input", { id, type: "text", value, autocomplete: "off",
    on: { change: (e) => app.editAzure((c) => apply(c, e.target.value.trim()), slot) } });
}

function organizationPanel(app, config, product) {
  const org = config.organization;
  const panel = el("section", { class: "panel", "aria-labelledby": "az-org-heading", dataset: { path: "organization" } },
    el("h2", { id: "az-org-heading", text: "Organization settings › Pipelines › Settings" }));
  panel.append(el("div", { dataset: { path: "organization.name" } },
    field("Organization name", nameInput(app, "az-org-name", org.name, (c, v) => (c.organization.name = v), "organization"))));
  panel.append(el("h3", { text: "General" }));
  let any = false;
  for (const [key, labelKey, id] of SETTINGS) {
    if (!product[labelKey]) continue;
    any = true;
    const box = checkbox(`az-org-${id}`, product[labelKey], org[key] === true,
      (checked) => app.editAzure((c) => (c.organization[key] = checked), "organization"));
    box.dataset.path = `organization.${key}`;
    panel.append(box);
  }
  if (!any) panel.append(el("p", { class: "note", text: `${product.name} has no job authorization scope settings.` }));
  panel.append(slotError(app, "organization"));
  return panel;
}

function projectPanel(app, config, product) {
  const project = config.project;
  const org = config.organization;
  const panel = el("section", { class: "panel", "aria-labelledby": "az-project-heading", dataset: { path: "project" } },
    el("h2", { id: "az-project-heading", text: "Project settings › Pipelines › Settings" }));
  panel.append(el("div", { class: "row" },
    el("div", { dataset: { path: "project.name" } },
      field("Project name", nameInput(app, "az-project-name", project.name, (c, v) => (c.project.name = v), "project"))),
    el("div", { dataset: { path: "project.visibility" } },
      field("Visibility (Project settings › Overview)", select({ id: "az-project-visibility",
        on: { change: (e) => app.editAzure((c) => (c.project.visibility = e.target.value), "project") } },
      [["private", "Private"], ["public", "Public"]], project.visibility ?? "private")))));
  panel.append(el("h3", { text: "General" }));
  let any = false;
  for (const [key, labelKey, id] of SETTINGS) {
    if (!product[labelKey]) continue;
    any = true;
    const locked = org[key] === true;
    const box = checkbox(`az-project-${id}`, product[labelKey], locked || project[key] === true,
      (checked) => app.editAzure((c) => (c.project[key] = checked), "project"),
      locked ? { disabled: true, badge: "locked by organization", hint: "On in the organization settings: the project cannot turn it off." } : {});
    box.dataset.path = `project.${key}`;
    panel.append(box);
  }
  if (!any) panel.append(el("p", { class: "note", text: `${product.name} has no job authorization scope settings.` }));
  panel.append(slotError(app, "project"));
  return panel;
}

function pipelinePanel(app, config) {
  const pipeline = config.pipeline;
  const panel = el("section", { class: "panel", "aria-labelledby": "az-pipeline-heading", dataset: { path: "pipeline" } },
    el("h2", { id: "az-pipeline-heading", text: "Pipeline" }));
  panel.append(el("div", { class: "row" },
    el("div", { dataset: { path: "pipeline.kind" } },
      field("Kind of pipeline", select({ id: "az-kind", on: { change: (e) => app.editAzure((c) => {
        c.pipeline.kind = e.target.value;
      }, "pipeline") } }, KINDS, pipeline.kind))),
    el("div", { dataset: { path: "pipeline.hasRun" } },
      checkbox("az-has-run", "The pipeline has run at least once", pipeline.hasRun ?? true,
        (checked) => app.editAzure((c) => (c.pipeline.hasRun = checked), "pipeline"),
        { hint: "Its project build identity is created by the first run." }))));
  if (pipeline.kind === "classic-build" || pipeline.buildJobAuthorizationScope !== undefined) {
    const scope = select({ id: "az-build-scope", on: { change: (e) => app.editAzure((c) => (c.pipeline.buildJobAuthorizationScope = e.target.value), "pipeline") } },
      BUILD_SCOPES, pipeline.buildJobAuthorizationScope ?? "project");
    const box = el("div", { class: "subpanel", dataset: { path: "pipeline.buildJobAuthorizationScope" } },
      el("h3", { text: "Options tab (classic build)" }),
      field("Build job authorization scope", scope, "New classic pipelines start with Current project."));
    if (pipeline.kind !== "classic-build") {
      box.append(el("button", { type: "button", id: "az-build-scope-clear", class: "secondary small", text: "Remove this setting",
        on: { click: () => app.editAzure((c) => delete c.pipeline.buildJobAuthorizationScope, "pipeline") } }));
    }
    panel.append(box);
  }
  panel.append(el("div", { dataset: { path: "pipeline.selfRepository" } },
    field("Its own repository (what “self” means)",
      el("input", { id: "az-self-repo", type: "text", autocomplete: "off", value: pipeline.selfRepository ?? "", placeholder: `${config.project.name} (default)`,
        on: { change: (e) => app.editAzure((c) => {
          const v = e.target.value.trim();
          if (v) c.pipeline.selfRepository = v;
          else delete c.pipeline.selfRepository;
        }, "pipeline") } }))));

  const repos = pipeline.repositories ?? [];
  const list = el("ul", { class: "repo-list", "aria-labelledby": "az-repos-heading" });
  repos.forEach((repo, j) => list.append(el("li", { dataset: { path: `pipeline.repositories[${j}]` } }, el("code", { text: repo }), " ",
    el("button", { type: "button", class: "secondary small danger", id: `az-repo-${j}-remove`, "aria-label": `Remove the reference to ${repo}`, text: "Remove",
      on: { click: () => app.editAzure((c) => c.pipeline.repositories.splice(j, 1), "pipeline", `remove the reference to ${repo}`) } }))));
  if (!repos.length) list.append(el("li", { class: "muted", text: "None (a YAML pipeline then references only self)." }));
  const input = el("input", { id: "az-repo-add-name", type: "text", autocomplete: "off", placeholder: "self or Project/Repository" });
  panel.append(el("h3", { id: "az-repos-heading", text: "Referenced repositories (checkout steps, uses:)" }), list,
    el("form", { class: "row", "aria-label": "Reference a repository", on: { submit: (e) => {
      e.preventDefault();
      const v = live(input).value.trim();
      if (v) app.editAzure((c) => (c.pipeline.repositories = [...(c.pipeline.repositories ?? []), v]), "pipeline");
    } } }, field("Repository", input), el("button", { type: "submit", id: "az-repo-add", text: "Add reference" })));
  panel.append(slotError(app, "pipeline"));
  return panel;
}

/** Build identity names as the engine spells them: from this config, and with the project public (project scope). */
function identities(app, config) {
  const names = new Set();
  for (const variant of [config, { ...config, project: { ...config.project, visibility: "public" } }]) {
    try {
      names.add(app.api.resolveAzureScope(variant).identity);
    } catch {
      // an invalid config: no suggestion
    }
  }
  for (const grant of config.grants ?? []) names.add(grant.identity);
  return [...names];
}

function grantsPanel(app, config) {
  const grants = config.grants ?? [];
  const panel = el("section", { class: "panel", "aria-labelledby": "az-grants-heading", dataset: { path: "grants" } },
    el("h2", { id: "az-grants-heading", text: "Permissions granted to build identities" }),
    el("p", { class: "hint", text: "In the other project: Project settings › Permissions (View project-level information), then the resource's own security settings." }),
    datalist("az-identities", identities(app, config).map((n) => n)));
  grants.forEach((grant, g) => panel.append(grantBox(app, grant, g)));
  if (!grants.length) panel.append(el("p", { class: "muted", text: "No grants." }));
  panel.append(el("button", { type: "button", id: "az-grant-add", text: "Add a grant", on: { click: () => app.editAzure((c) => {
    const scope = (() => {
      try {
        return app.api.resolveAzureScope(c).identity;
      } catch {
        return "";
      }
    })();
    c.grants = [...(c.grants ?? []), { identity: scope, project: c.project.name, viewProjectInfo: true }];
  }, "grants") } }));
  panel.append(slotError(app, "grants"));
  return panel;
}

function grantBox(app, grant, g) {
  const base = `grants[${g}]`;
  const box = el("fieldset", { class: "grant", dataset: { path: base } },
    el("legend", { text: `Grant ${g + 1}` }));
  box.append(el("div", { class: "row" },
    el("div", { dataset: { path: `${base}.identity` } },
      field("Identity", el("input", { id: `az-grant-${g}-identity`, type: "text", list: "az-identities", value: grant.identity, autocomplete: "off",
        on: { change: (e) => app.editAzure((c) => (c.grants[g].identity = e.target.value.trim()), "grants") } }))),
    el("div", { dataset: { path: `${base}.project` } },
      field("In project", el("input", { id: `az-grant-${g}-project`, type: "text", value: grant.project, autocomplete: "off",
        on: { change: (e) => app.editAzure((c) => (c.grants[g].project = e.target.value.trim()), "grants") } }))),
    el("div", { dataset: { path: `${base}.viewProjectInfo` } },
      checkbox(`az-grant-${g}-view`, "View project-level information", grant.viewProjectInfo === true,
        (checked) => app.editAzure((c) => (c.grants[g].viewProjectInfo = checked), "grants")))));
  const rows = [];
  for (const [key, label] of GRANT_KEYS) {
    for (const [name, actions] of Object.entries(grant[key] ?? {})) rows.push({ key, label, name, actions });
  }
  const table = el("table", {},
    el("caption", { text: "Resource permissions" }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Resource" }), el("th", { scope: "col", text: "Name" }),
      el("th", { scope: "col", text: "Allowed" }), el("th", { scope: "col", text: "Actions" }))));
  const body = el("tbody");
  rows.forEach(({ key, label, name, actions }, r) => body.append(el("tr", { dataset: { path: `${base}.${key}.${name}` } },
    el("td", { text: label }), el("th", { scope: "row" }, el("code", { text: name })), el("td", { text: actions.join(", ") }),
    el("td", {}, el("button", { type: "button", class: "secondary small danger", id: `az-grant-${g}-perm-${r}-remove`, "aria-label": `Remove ${label} ${name} from grant ${g + 1}`, text: "Remove",
      on: { click: () => app.editAzure((c) => {
        delete c.grants[g][key][name];
        if (!Object.keys(c.grants[g][key]).length) delete c.grants[g][key];
      }, "grants", `remove ${label} ${name} from grant ${g + 1}`) } })))));
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted", text: "No resource permissions." })));
  table.append(body);
  box.append(table);
  const kind = select({ id: `az-grant-${g}-new-kind` }, GRANT_KEYS, "repositories");
  const name = el("input", { id: `az-grant-${g}-new-name`, type: "text", autocomplete: "off", placeholder: "resource name" });
  const actions = select({ id: `az-grant-${g}-new-actions` }, ACTION_SETS, "read");
  box.append(el("form", { class: "row", "aria-label": `Add a resource permission to grant ${g + 1}`, on: { submit: (e) => {
    e.preventDefault();
    const n = live(name).value.trim();
    if (n) app.editAzure((c) => (c.grants[g][live(kind).value] = { ...c.grants[g][live(kind).value], [n]: live(actions).value.split(",") }), "grants");
  } } }, field("Resource", kind), field("Name", name), field("Allow", actions),
  el("button", { type: "submit", id: `az-grant-${g}-new-add`, text: "Add permission" }),
  el("button", { type: "button", class: "secondary danger", id: `az-grant-${g}-remove`, text: `Remove grant ${g + 1}`,
    on: { click: () => {
      app.focusNext = "az-grant-add";
      app.editAzure((c) => c.grants.splice(g, 1), "grants", `remove grant ${g + 1}`);
    } } })));
  return box;
}

function scopePanel(app, config) {
  const panel = el("section", { class: "panel result-panel", "aria-labelledby": "az-scope-heading" },
    el("h2", { id: "az-scope-heading", text: "Effective job access token" }));
  const out = el("div", { id: "az-scope", "aria-live": "polite" });
  try {
    const scope = app.api.resolveAzureScope(config);
    out.append(el("dl", { class: "facts" },
      el("dt", { text: "Job authorization scope" }), el("dd", {}, el("strong", { id: "az-scope-value", text: scope.scope })),
      el("dt", { text: "Identity" }), el("dd", { id: "az-identity", text: scope.identity }),
      el("dt", { text: "Identity exists" }), el("dd", { id: "az-identity-exists", class: scope.identityExists ? "yes" : "no",
        text: scope.identityExists ? "yes" : "no — it is created by the pipeline's first run" }),
      el("dt", { text: "Repositories reached" }), el("dd", { id: "az-repositories" },
        scope.repositories.mode === "referenced" ? "only the referenced ones: " : "all in scope",
        scope.repositories.mode === "referenced" ? scope.repositories.list.map((r, i) => [i ? ", " : "", el("code", { text: r })]) : null)),
    el("details", { open: true }, el("summary", { text: "How the scope was determined (the FAQ, step by step)" }),
      traceTable(scope.trace, "resolveAzureScope trace")));
  } catch (err) {
    out.append(errorBox(err));
  }
  panel.append(out);
  return panel;
}

function accessPanel(app, config) {
  const ui = app.scenario.azure.ui;
  const resource = { kind: "repository", project: config.project.name, name: config.project.name, action: "read", ...ui.resource };
  const set = (key) => (e) => {
    app.setAzureUi({ resource: { ...resource, [key]: e.target.value } });
    const text = document.getElementById("az-access-verdict")?.textContent;
    if (text) announce(`Access: ${text}`);
  };
  const projects = new Set([config.project.name, ...(config.grants ?? []).map((g) => g.project)]);
  const panel = el("section", { class: "panel result-panel", "aria-labelledby": "az-access-heading" },
    el("h2", { id: "az-access-heading", text: "May the job's token reach…" }),
    el("form", { class: "row", "aria-label": "Resource to check", on: { submit: (e) => e.preventDefault() } },
      field("Resource", select({ id: "az-res-kind", on: { change: set("kind") } }, RESOURCE_KINDS, resource.kind)),
      field("In project", el("input", { id: "az-res-project", type: "text", list: "az-projects", value: resource.project, autocomplete: "off", on: { change: set("project") } })),
      field("Name", el("input", { id: "az-res-name", type: "text", value: resource.name, autocomplete: "off", on: { change: set("name") } })),
      field("Action", select({ id: "az-res-action", on: { change: set("action") } }, ACTIONS, resource.action)),
      datalist("az-projects", [...projects].map((p) => p))));
  const out = el("div", { id: "az-access", "aria-live": "polite" });
  try {
    const decision = app.api.checkAzureAccess(config, resource);
    out.append(
      el("div", { id: "az-access-verdict", class: `verdict ${decision.allowed ? "allowed" : "denied"}` },
        el("span", { "aria-hidden": "true", text: decision.allowed ? "✓ " : "✗ " }), decision.allowed ? "Allowed" : "Denied"),
      el("p", {}, el("strong", { text: "Reason: " }), el("code", { id: "az-access-reason", text: decision.reason })),
      el("p", {}, el("strong", { text: "Message: " }), decision.message),
      el("details", {}, el("summary", { text: "Every rule evaluated" }), traceTable(decision.trace, "checkAzureAccess trace")));
  } catch (err) {
    out.append(errorBox(err));
  }
  panel.append(out);
  return panel;
}

// @ts-check
// The Azure Pipelines view: Organization and Project settings › Pipelines › Settings with each product's
// own labels (azureProducts()), the organization's other projects and their visibility, the pipeline
// (kind, Options tab, referenced repositories), grants to build identities; the effective job access
// token (resolveAzureScope) and a resource access checker (checkAzureAccess); a what-if draft of the
// settings; and the access matrix (azureMatrix, or azureWhatIf with a draft: the cells it flips) with
// "Why?" (each cell's trace). A setting whose label is null does not exist in that product and is not
// shown. Every decision comes from the package; this module only draws it.

import { el, datalist, live, select, field, checkbox, announce, traceTable, errorBox, attachProblems, problemItem, srOnly } from "./dom.js";
import { View, revOf } from "./view.js";
import { newAzureConfig } from "./examples.js";

/** @typedef {import("./app.js").App} App */
/** @typedef {import("job-token-scope").AzureConfig} AzureConfig */
/** @typedef {import("job-token-scope").AzureResource} AzureResource */
/** @typedef {import("job-token-scope").Decision} Decision */

/** The Azure view: its own state is the last refused change's error, per part of the page. */
export class AzureView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, /** @type {{ errors: Record<string, any> }} */ ({ errors: {} }));
  }

  deps() {
    return [this.app.azureConfig(), this.app.azureDraft !== null, this.app.scenario.azure.ui];
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
/** The Options tab's choices; the REST API's `projectCollection` is shown as "Project collection". */
const BUILD_SCOPES = [["project", "Current project"], ["collection", "Project collection"]];
const VISIBILITY = [["private", "Private"], ["public", "Public"]];
const RESOURCE_KINDS = [["repository", "Repository"], ["feed", "Feed (Artifacts)"], ["artifact", "Pipeline artifact"], ["workitem", "Work item"], ["pipeline", "Pipeline"]];
const GRANT_KEYS = [["repositories", "Repository"], ["feeds", "Feed"], ["artifacts", "Artifact"], ["workItems", "Work item"], ["pipelines", "Pipeline"]];
const ACTIONS = [["read", "Read"], ["write", "Write"]];
const ACTION_SETS = [["read", "Read"], ["read,write", "Read and write"]];

/** @param {App} app */
function renderAzure(app) {
  const { api } = app;
  const config = app.azureConfig();
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
    el("div", { class: "row" },
      field("Product", productSelect, product.releaseAlwaysCollection ? "Classic release pipelines always run with collection scope in this product." : null),
      el("button", { type: "button", id: "az-new", class: "secondary", "aria-describedby": "az-new-hint", text: "New configuration",
        on: { click: () => {
          if (app.editAzure((c) => {
            const fresh = newAzureConfig(product, c.organization.name, c.project.name);
            for (const key of Object.keys(c)) delete c[key];
            Object.assign(c, fresh);
          }, "product", "start a new Azure configuration")) announce(`New configuration: ${product.name}'s settings for a new organization.`);
        } } })),
    el("p", { class: "hint", id: "az-new-hint", text: `A new organization and project on ${product.name} start with ${describeDefaults(product)}; “New configuration” keeps the names and drops the rest.` }),
    slotError(app, "product")));
  view.append(draftBar(app));

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

/** The product's settings for a new organization, in words. @param {any} product */
function describeDefaults(product) {
  const on = SETTINGS.filter(([key, labelKey]) => product[labelKey] && product.newDefaults[key]).map(([, labelKey]) => `“${product[labelKey]}”`);
  const any = SETTINGS.some(([, labelKey]) => product[labelKey]);
  if (!any) return "no job authorization scope setting (the product has none)";
  return on.length ? `${on.join(", ")} on` : "every job authorization scope setting off";
}

/** The Azure what-if bar: start a draft, or apply / discard it. @param {App} app */
function draftBar(app) {
  const bar = el("section", { class: `panel draft-bar${app.azureDraft ? " active" : ""}`, "aria-labelledby": "az-draft-heading" },
    el("h2", { id: "az-draft-heading", tabindex: "-1", text: app.azureDraft ? "Azure what-if draft" : "What-if" }));
  if (!app.azureDraft) {
    bar.append(el("p", { text: "Stage settings changes in a draft to see which access-matrix cells they open or break before applying them." }),
      el("button", { type: "button", id: "az-draft-start", text: "Start a what-if draft", on: { click: () => app.startAzureDraft() } }));
  } else {
    bar.append(
      el("p", {}, el("strong", { text: "Draft: " }),
        "settings you change now go into a draft (kept across a reload). The access matrix marks each cell the draft opens (✗→✓) or breaks (✓→✗); nothing is applied until you choose Apply."),
      el("p", {}, el("a", { href: "#az-diff", text: "What the draft flips" })),
      el("div", { class: "buttons" },
        el("button", { type: "button", id: "az-draft-apply", text: "Apply the draft", on: { click: () => app.applyAzureDraft() } }),
        el("button", { type: "button", id: "az-draft-discard", class: "secondary", text: "Discard the draft", on: { click: () => app.discardAzureDraft() } })));
  }
  return bar;
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
  panel.append(projectsList(app, config));
  return panel;
}

/** The organization's other projects and their visibility (`organization.projects`). @param {App} app @param {AzureConfig} config */
function projectsList(app, config) {
  const projects = config.organization.projects ?? [];
  const box = el("div", { class: "subpanel", dataset: { path: "organization.projects" } },
    el("h3", { id: "az-org-projects-heading", text: "Other projects in the organization" }),
    el("p", { class: "hint", id: "az-org-projects-hint", text: "Their visibility (Project settings › Overview). With repository protection on, reading a public project's repository needs no reference. Unlisted projects are private." }));
  const list = el("ul", { class: "org-projects", "aria-labelledby": "az-org-projects-heading" });
  projects.forEach((project, i) => list.append(el("li", { dataset: { path: `organization.projects[${i}]` } },
    el("code", { text: project.name }), " ",
    select({ id: `az-org-project-${i}-visibility`, "aria-label": `Visibility of ${project.name}`,
      on: { change: (/** @type {any} */ e) => app.editAzure((c) => (c.organization.projects[i].visibility = e.target.value), "projects") } },
    VISIBILITY, project.visibility ?? "private"), " ",
    el("button", { type: "button", class: "secondary small danger", id: `az-org-project-${i}-remove`, "aria-label": `Remove the project ${project.name}`, text: "Remove",
      on: { click: () => {
        app.focusNext = "az-org-project-name";
        app.editAzure((c) => {
          c.organization.projects.splice(i, 1);
          if (!c.organization.projects.length) delete c.organization.projects;
        }, "projects", `remove the project ${project.name}`);
      } } }))));
  if (!projects.length) list.append(el("li", { class: "muted", text: "None listed." }));
  const name = el("input", { id: "az-org-project-name", type: "text", autocomplete: "off", placeholder: "e.g. FabrikamFiber" });
  const visibility = select({ id: "az-org-project-visibility" }, VISIBILITY, "private");
  box.append(list, el("form", { class: "row", "aria-label": "Add a project to the organization", on: { submit: (/** @type {Event} */ e) => {
    e.preventDefault();
    const v = live(name).value.trim();
    if (!v) return;
    app.focusNext = "az-org-project-name";
    if (app.editAzure((c) => (c.organization.projects = [...(c.organization.projects ?? []), { name: v, visibility: live(visibility).value }]), "projects", `add the project ${v}`)) {
      live(name).value = "";
    }
  } } }, field("Project name", name), field("Visibility", visibility), el("button", { type: "submit", id: "az-org-project-add", text: "Add project" })));
  box.append(slotError(app, "projects"));
  return box;
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
    const value = pipeline.buildJobAuthorizationScope === "projectCollection" ? "collection" : pipeline.buildJobAuthorizationScope ?? "project";
    const scope = select({ id: "az-build-scope", on: { change: (e) => app.editAzure((c) => (c.pipeline.buildJobAuthorizationScope = e.target.value), "pipeline") } },
      BUILD_SCOPES, value);
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
  const projects = new Set([config.project.name, ...(config.organization.projects ?? []).map((p) => p.name), ...(config.grants ?? []).map((g) => g.project)]);
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

// ───────────────────────────── the access matrix ─────────────────────────────

/** Resource columns per page. */
export const AZURE_PAGE_COLS = 24;
const KIND_NAMES = Object.fromEntries(KINDS);
const RESOURCE_NAMES = Object.fromEntries(RESOURCE_KINDS);

/**
 * @typedef {object} AzureMatrixState
 * @property {string} filter text a column's project, name or kind must contain
 * @property {number} page page of columns
 * @property {{ r: number, c: number } | null} active the cell holding the grid's Tab stop
 * @property {number} done increments when an answer arrives (redraw)
 */

/** "repository FabrikamFiber/FabrikamFiber, read". @param {AzureResource} resource */
export function resourceText(resource) {
  return `${RESOURCE_NAMES[resource.kind]?.toLowerCase() ?? resource.kind} ${resource.project}/${resource.name}, ${resource.action}`;
}

/** Pipelines of each kind × resources across projects (azureMatrix), or the draft's with its flips (azureWhatIf). */
export class AzureMatrixView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, /** @type {AzureMatrixState} */ ({ filter: "", page: 0, active: null, done: 0 }));
  }

  deps() {
    return [this.app.scenario.azure.config, this.app.azureDraft, this.state.done];
  }

  render() {
    const app = this.app;
    const applied = app.scenario.azure.config;
    const draft = app.azureDraft;
    const key = `${revOf(applied)}:${draft ? revOf(draft) : 0}`;
    const answer = app.tasks.get("azure", key, { applied, draft }, () => {
      this.state.done++;
      this.update();
      const result = app.tasks.last.get("azure")?.result;
      if (app.azureDraft && result) announce(`Azure draft: ${result.flips.length} matrix cell${result.flips.length === 1 ? "" : "s"} flip.`);
    });
    this.mounts[0].dataset.state = answer ? "ready" : "computing";
    return [renderAzureMatrix(app, this, answer)];
  }
}

/**
 * The matrix as drawn: `after` is the config's matrix (the draft's, when there is one), `before` the
 * applied config's over the same rows and columns (null without a draft), `flips` what the draft flips.
 * @typedef {{ after: import("job-token-scope").AzureMatrix, before: import("job-token-scope").AzureMatrix | null, flips: import("job-token-scope").AzureFlip[] }} AzureResult
 */

/** @param {App} app @param {AzureMatrixView} view @param {{ result?: AzureResult, error?: any } | undefined} answer */
function renderAzureMatrix(app, view, answer) {
  const state = view.state;
  const draft = app.azureDraft !== null;
  const out = [el("h2", { id: "az-matrix-heading", text: draft ? "Access matrix (with the draft)" : "Access matrix" }),
    el("p", { class: "hint", text: "Rows: a pipeline of each kind in the project. Columns: resources across the organization's projects, each read and written. Select a cell for “Why?”: the rules evaluated." })];
  if (!answer) {
    out.push(el("p", { class: "muted", role: "status", id: "az-matrix-progress", text: "Computing the matrix…" }));
    return out;
  }
  if (answer.error || !answer.result) {
    out.push(errorBox(answer.error, "The matrix cannot be computed"));
    return out;
  }
  const { after, before, flips } = answer.result;
  const flipAt = new Map(flips.map((f) => [`${f.row},${f.column}`, f]));
  const filter = el("input", { id: "az-matrix-filter", type: "search", autocomplete: "off", value: state.filter, placeholder: "project, name or kind",
    on: { input: (/** @type {any} */ e) => {
      state.filter = e.target.value;
      state.page = 0;
      state.active = null;
      view.update(true);
    } } });
  const legend = el("ul", { class: "legend", "aria-label": "Legend" },
    el("li", {}, el("span", { class: "cell-sample allowed", "aria-hidden": "true", text: "✓" }), " allowed"),
    el("li", {}, el("span", { class: "cell-sample denied", "aria-hidden": "true", text: "✗" }), " denied"),
    draft ? el("li", {}, el("span", { class: "cell-sample flipped", "aria-hidden": "true", text: "✗→✓" }), " opened by the draft") : null,
    draft ? el("li", {}, el("span", { class: "cell-sample flipped breaks", "aria-hidden": "true", text: "✓→✗" }), " broken by the draft") : null);
  out.push(el("div", { class: "row" }, field("Filter resources", filter)), legend);

  const needle = state.filter.trim().toLowerCase();
  const all = after.columns.map((column, index) => ({ column, index }));
  const shown = needle ? all.filter(({ column }) => `${RESOURCE_NAMES[column.kind]} ${column.kind} ${column.project}/${column.name} ${column.action}`.toLowerCase().includes(needle)) : all;
  const pages = Math.max(1, Math.ceil(shown.length / AZURE_PAGE_COLS));
  state.page = Math.min(state.page, pages - 1);
  const cols = shown.slice(state.page * AZURE_PAGE_COLS, (state.page + 1) * AZURE_PAGE_COLS);
  const active = state.active ?? { r: 0, c: 0 };

  /** @param {number} r @param {number} c @param {{ column: AzureResource, index: number }} col */
  const cellNode = (r, c, { column, index }) => {
    const row = after.rows[r];
    const decision = after.cells[r][index];
    const flip = flipAt.get(`${r},${index}`);
    const kind = KIND_NAMES[row.kind];
    let label = `${kind} pipeline → ${resourceText(column)}: ${decision.allowed ? "allowed" : "denied"} (${decision.reason})`;
    if (flip) label += `; the draft ${flip.change === "opens" ? "opens" : "breaks"} it (was ${flip.before.allowed ? "allowed" : "denied"}, ${flip.before.reason})`;
    const symbol = decision.allowed ? "✓" : "✗";
    const isActive = r === Math.min(active.r, after.rows.length - 1) && c === Math.min(active.c, cols.length - 1);
    return el("td", { class: `cell ${decision.allowed ? "allowed" : "denied"}${flip ? ` flipped ${flip.change}` : ""}` },
      el("button", { type: "button", id: `az-cell-${r}-${c}`, class: "cell-button", tabindex: isActive ? "0" : "-1",
        dataset: { r: String(r), c: String(c), kind: row.kind, resource: `${column.kind}:${column.project}/${column.name}:${column.action}`,
          category: decision.allowed ? "allowed" : "denied", reason: decision.reason, ...(flip ? { flip: flip.change } : {}) },
        title: `${label}. Why?`, "aria-label": `${label}. Why?`,
        on: { click: () => {
          state.active = { r, c };
          openAzureWhy(app, { kind: row.kind, row, resource: column, after: decision, before: before ? before.cells[r][index] : null, flip: flip?.change ?? null });
        } } },
      el("span", { class: "symbol", text: flip ? `${flip.before.allowed ? "✓" : "✗"}→${symbol}` : symbol })));
  };

  if (!cols.length) {
    out.push(el("p", { class: "muted", text: needle ? `No resource matches “${state.filter}”.` : "No resources." }));
  } else {
    const table = el("table", { class: "matrix azure-matrix", id: "az-matrix", role: "grid", "aria-rowcount": String(after.rows.length + 1),
      "aria-colcount": String(shown.length + 1), "aria-describedby": "az-matrix-keys", on: { keydown: (/** @type {KeyboardEvent} */ e) => azureGridKey(e, view) } },
    el("caption", {}, `Project ${app.azureConfig().project.name}: what its pipelines' job access tokens reach${draft ? ", with the draft" : ""}. `,
      el("span", { class: "muted", text: `Resources ${state.page * AZURE_PAGE_COLS + 1}–${state.page * AZURE_PAGE_COLS + cols.length} of ${shown.length}.` })),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", class: "corner", text: "pipeline ↓ resource →" }),
      cols.map(({ column }) => el("th", { scope: "col" },
        el("span", { class: "res-kind", text: RESOURCE_NAMES[column.kind] ?? column.kind }), " ",
        el("code", { text: `${column.project}/${column.name}`.replace(/\//g, "/\u200b") }), " ",
        el("span", { class: `res-action ${column.action}`, text: column.action }))))),
    el("tbody", {}, after.rows.map((row, r) => el("tr", {},
      el("th", { scope: "row" }, KIND_NAMES[row.kind],
        el("span", { class: "row-scope", text: `${row.scope} scope` }),
        srOnly(`, as ${row.identity}${row.identityExists ? "" : " (not created yet)"}`)),
      cols.map((col, c) => cellNode(r, c, col))))));
    out.push(el("p", { class: "hint", id: "az-matrix-keys", text: "One Tab stop: the arrow keys move between cells, Home / End to the row's ends, Enter opens “Why?”." }),
      el("div", { class: "scroll matrix-scroll", role: "region", "aria-label": "Azure access matrix table" }, table));
  }
  if (shown.length > AZURE_PAGE_COLS) {
    const pager = (/** @type {string} */ id, /** @type {string} */ text, /** @type {boolean} */ disabled, /** @type {number} */ step) =>
      el("button", { type: "button", class: "secondary small", id, text, disabled, on: { click: () => {
        state.page += step;
        state.active = null;
        view.update(true);
      } } });
    out.push(el("div", { class: "row pager", role: "group", "aria-label": "Pages of the Azure matrix" },
      el("span", { id: "az-matrix-page", "aria-live": "polite", text: `Resources ${state.page * AZURE_PAGE_COLS + 1}–${state.page * AZURE_PAGE_COLS + cols.length} of ${shown.length}.` }),
      pager("az-cols-prev", "Previous resources", state.page === 0, -1),
      pager("az-cols-next", "Next resources", state.page >= pages - 1, 1)));
  }
  if (draft) out.push(azureDiff(flips));
  return out;
}

/** The cells the draft flips, each with both reasons. @param {import("job-token-scope").AzureFlip[]} flips */
function azureDiff(flips) {
  const wrap = el("div", { class: "diff", id: "az-diff", role: "region", "aria-labelledby": "az-diff-heading" },
    el("h3", { id: "az-diff-heading", tabindex: "-1", text: `What the draft flips: ${flips.length} cell${flips.length === 1 ? "" : "s"}` }));
  if (!flips.length) {
    wrap.append(el("p", { class: "muted", text: "No decision changes: the draft opens and breaks nothing in this matrix." }));
    return wrap;
  }
  const opens = flips.filter((f) => f.change === "opens").length;
  wrap.append(el("p", { text: `${opens} opened, ${flips.length - opens} broken.` }),
    el("div", { class: "scroll", role: "region", tabindex: "0", "aria-label": "Cells the draft flips" }, el("table", {},
      el("caption", { text: "Before (applied) → after (draft)" }),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "Pipeline" }), el("th", { scope: "col", text: "Resource" }), el("th", { scope: "col", text: "Change" }),
        el("th", { scope: "col", text: "Before" }), el("th", { scope: "col", text: "After" }))),
      el("tbody", {}, flips.map((f) => el("tr", { class: `flip ${f.change}` },
        el("th", { scope: "row", text: KIND_NAMES[f.kind] }),
        el("td", {}, el("code", { text: resourceText(f.resource) })),
        el("td", {}, el("strong", { text: f.change === "opens" ? "opens (✗→✓)" : "breaks (✓→✗)" })),
        el("td", {}, pill(f.before)), el("td", {}, pill(f.after))))))));
  return wrap;
}

/** @param {{ allowed: boolean, reason: string }} d */
function pill(d) {
  return el("span", { class: `pill ${d.allowed ? "allowed" : "denied"}` }, el("span", { "aria-hidden": "true", text: d.allowed ? "✓ " : "✗ " }),
    d.allowed ? "allowed" : "denied", " ", el("code", { text: d.reason }));
}

/** The grid's one Tab stop: the arrow keys, Home / End. @param {KeyboardEvent} e @param {AzureMatrixView} view */
function azureGridKey(e, view) {
  const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest?.(".cell-button"));
  if (!button) return;
  const table = /** @type {HTMLElement} */ (button.closest("table"));
  let r = Number(button.dataset.r);
  let c = Number(button.dataset.c);
  const rows = table.querySelectorAll("tbody tr").length;
  const cols = table.querySelector("tbody tr")?.querySelectorAll(".cell-button").length ?? 0;
  switch (e.key) {
    case "ArrowRight": c++; break;
    case "ArrowLeft": c--; break;
    case "ArrowDown": r++; break;
    case "ArrowUp": r--; break;
    case "Home": c = 0; if (e.ctrlKey) r = 0; break;
    case "End": c = cols - 1; if (e.ctrlKey) r = rows - 1; break;
    default: return;
  }
  e.preventDefault();
  r = Math.max(0, Math.min(rows - 1, r));
  c = Math.max(0, Math.min(cols - 1, c));
  const next = /** @type {HTMLElement | null} */ (table.querySelector(`#az-cell-${r}-${c}`));
  if (!next || next === button) return;
  button.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
  view.state.active = { r, c };
}

// ───────────────────────────── Why? ─────────────────────────────

/**
 * @typedef {object} AzureWhyRequest
 * @property {string} kind
 * @property {import("job-token-scope").AzureMatrixRow} row
 * @property {AzureResource} resource
 * @property {Decision} after the decision shown (the draft's, when there is one)
 * @property {Decision | null} before the applied config's, with a draft
 * @property {"opens" | "breaks" | null} flip
 */

/** The Azure "Why?" dialog's content: the cell's decision and every rule evaluated (its trace). */
export class AzureWhyView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, /** @type {{ request: AzureWhyRequest | null }} */ ({ request: null }));
  }

  deps() {
    return [this.state.request];
  }

  render() {
    const req = this.state.request;
    if (!req) return [[]];
    const { row, after, before, flip } = req;
    return [[
      el("dl", { class: "facts" },
        el("dt", { text: "Pipeline" }), el("dd", { text: `${KIND_NAMES[row.kind]} in project ${this.app.azureConfig().project.name}` }),
        el("dt", { text: "Job authorization scope" }), el("dd", { id: "az-why-scope", text: row.scope }),
        el("dt", { text: "Identity" }), el("dd", { text: `${row.identity}${row.identityExists ? "" : " (not created yet: the pipeline has not run)"}` }),
        el("dt", { text: "Resource" }), el("dd", {}, el("code", { text: resourceText(req.resource) }))),
      flip ? el("p", { class: "note", id: "az-why-flip", text: `The draft ${flip} this cell: ${before?.allowed ? "allowed" : "denied"} (${before?.reason}) → ${after.allowed ? "allowed" : "denied"} (${after.reason}).` }) : null,
      azureDecision(after, before ? "With the draft" : null, "az-why-verdict"),
      before ? azureDecision(before, "Applied (before the draft)", "az-why-before") : null,
    ]];
  }
}

/** @param {Decision} decision @param {string | null} heading @param {string} id */
function azureDecision(decision, heading, id) {
  return el("div", { class: "decision", id },
    heading ? el("h3", { text: heading }) : null,
    el("div", { class: `verdict ${decision.allowed ? "allowed" : "denied"}` },
      el("span", { "aria-hidden": "true", text: decision.allowed ? "✓ " : "✗ " }), decision.allowed ? "Allowed" : "Denied"),
    el("p", {}, el("strong", { text: "Reason: " }), el("code", { class: "why-reason", text: decision.reason })),
    el("p", {}, el("strong", { text: "Message: " }), decision.message),
    traceTable(decision.trace, "The rules evaluated, in order"));
}

/** Opens "Why?" for one Azure cell. @param {App} app @param {AzureWhyRequest} request */
export function openAzureWhy(app, request) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById("az-why-dialog"));
  /** @type {HTMLElement} */ (document.getElementById("az-why-title")).textContent = `Why? ${KIND_NAMES[request.kind]} pipeline → ${resourceText(request.resource)}`;
  app.views.azureWhy.setState({ request });
  if (!dialog.open) dialog.showModal();
  announce(`${request.after.allowed ? "Allowed" : "Denied"}: ${request.after.reason}`);
}

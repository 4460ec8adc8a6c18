// @ts-check
// The GitLab view: the instance (version, enforcement), a project tree, the selected project's job
// token settings as GitLab shows them, users and roles, the access matrix and the request checker.
// Which settings a release shows comes from gitlabVersions(); every decision, edit check, scope,
// validation and compaction from the package. This module only shapes data into DOM.

import { el, datalist, live, select, field, checkbox, announce, traceTable, errorBox, attachProblems, problemItem, srOnly } from "./dom.js";
import { View } from "./view.js";

/** @typedef {import("./app.js").App} App */
/** @typedef {import("job-token-scope").GitlabWorld} GitlabWorld */
/** @typedef {import("job-token-scope").GitlabVersionProfile} GitlabVersionProfile */
/**
 * The GitLab settings view's own state: what is being typed or edited, and the last results.
 * @typedef {object} GitlabState
 * @property {Record<string, any>} errors an engine error per part of the page ("instance", "inbound", ...)
 * @property {any} editResult the last edit's decision, shown next to the part it changed
 * @property {{ kind: string, j: number, project: string } | null} editing the entry whose permissions are edited
 * @property {string} addPath
 * @property {string} addKind
 * @property {string} newProject
 * @property {any} compaction
 * @property {boolean | undefined} featuresOpen
 */

/** GitlabRole and GitlabVisibility of index.d.ts: the input vocabulary (the engine refuses anything else). */
export const ROLES = ["guest", "planner", "reporter", "developer", "maintainer", "owner"];
const VISIBILITIES = ["private", "internal", "public"];
/** The "acting as" value for edits made as the scenario's author, without GitLab's permission check. */
const AUTHOR = "";

const numbers = (v) => v.split(".").map(Number);

/** `version` ("major.minor") is `since` or later. */
export function atLeast(version, since) {
  const [a, b] = numbers(version);
  const [c, d] = numbers(since);
  return a > c || (a === c && b >= d);
}

/** The release the world runs, as "major.minor" ("latest" is the version table's last row). */
export function releaseOf(versions, world) {
  return !world.version || world.version === "latest" ? versions[versions.length - 1].since : world.version;
}

/**
 * The permissions an entry's fine-grained policies may name in the world's release, from
 * gitlabPermissions(): policySince at or before the release (a deprecated one, policySince null, never).
 */
export function policiesFor(app, world) {
  const release = releaseOf(app.versions, world);
  return app.permissions.filter((p) => p.policySince !== null && atLeast(release, p.policySince));
}

/** GitlabFeature of index.d.ts, with the names GitLab's Settings › General shows, and their access levels. */
export const FEATURES = [
  ["repository", "Repository"],
  ["packages", "Package registry"],
  ["containerRegistry", "Container registry"],
  ["builds", "CI/CD"],
  ["releases", "Releases"],
  ["environments", "Environments"],
];
const FEATURE_ACCESS = [["enabled", "Everyone with access"], ["private", "Only project members"], ["disabled", "Disabled"]];

const entryPath = (e) => (typeof e === "string" ? e : e.path);
const sameName = (a, b) => a.toLowerCase() === b.toLowerCase();

/** The visibility the world gives group `path` (groups not listed are private, index.d.ts). */
function groupVisibility(world, path) {
  return (world.groups ?? []).find((g) => sameName(g.path, path))?.visibility ?? "private";
}

/** Group paths implied by the projects' paths (`acme/platform/api` → `acme`, `acme/platform`) and listed in `groups`, sorted. */
export function groupsOf(world) {
  const seen = new Map();
  for (const project of world.projects) {
    const parts = project.path.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const group = parts.slice(0, i).join("/");
      if (!seen.has(group.toLowerCase())) seen.set(group.toLowerCase(), group);
    }
  }
  for (const group of world.groups ?? []) if (!seen.has(group.path.toLowerCase())) seen.set(group.path.toLowerCase(), group.path);
  return [...seen.values()].sort();
}

/** The nested group → project tree of the world's projects, for the sidebar. */
function tree(world) {
  const root = { name: "", path: "", groups: new Map(), projects: [] };
  world.projects.forEach((project, index) => {
    const parts = project.path.split("/").filter(Boolean);
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i].toLowerCase();
      if (!node.groups.has(key)) {
        node.groups.set(key, { name: parts[i], path: parts.slice(0, i + 1).join("/"), groups: new Map(), projects: [] });
      }
      node = node.groups.get(key);
    }
    node.projects.push({ name: parts[parts.length - 1], index, project });
  });
  return root;
}

/** The index in `world.projects` of the project at `path` (exact spelling), else 0. */
function selectedIndex(world, path) {
  const i = world.projects.findIndex((p) => p.path === path);
  return i >= 0 ? i : 0;
}

// ───────────────────────────── view ─────────────────────────────

/** The instance, the what-if bar, the project tree and settings (top); users and problems (bottom). */
export class GitlabView extends View {
  /** @returns {GitlabState} */
  static initialState() {
    return { errors: {}, editResult: null, editing: null, addPath: "", addKind: "project", newProject: "", compaction: null, featuresOpen: undefined };
  }

  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, GitlabView.initialState());
  }

  deps() {
    const ui = this.app.scenario.gitlab.ui;
    return [this.app.gitlabWorld(), this.app.draft !== null, ui.project, ui.actingUser];
  }

  render() {
    return renderGitlab(this.app);
  }
}

/** @param {App} app @returns {any[][]} */
function renderGitlab(app) {
  const { api } = app;
  const world = app.gitlabWorld();
  const ui = app.scenario.gitlab.ui;
  const profile = app.profile(world.version);
  let problems = [];
  let problemsError = null;
  try {
    problems = api.validateGitlabWorld(world);
  } catch (err) {
    problemsError = err;
  }

  const view = document.createDocumentFragment();
  view.append(instancePanel(app, world, profile));
  view.append(draftBar(app));
  if (problemsError) view.append(errorBox(problemsError, "The scenario is not a valid GitLab world"));

  const columns = el("div", { class: "columns" });
  const groups = groupsPanel(app, world);
  columns.append(el("div", { class: "sidebar" }, projectTree(app, world, problems), groups));
  const index = selectedIndex(world, ui.project);
  const settings = world.projects.length
    ? projectSettings(app, world, index, profile)
    : el("section", { class: "panel" }, el("p", { text: "No projects yet: add one on the left, or import a file." }));
  columns.append(settings);
  view.append(columns);

  // problems go next to the setting they point at (data-path); the others are listed here
  const here = (p) => p.path.startsWith(`projects[${index}]`) || p.path.startsWith("groups");
  const left = [
    ...attachProblems(settings, problems.filter((p) => p.path.startsWith(`projects[${index}]`))),
    ...attachProblems(groups, problems.filter((p) => p.path.startsWith("groups"))),
  ];
  const elsewhere = problems.filter((p) => !here(p)).concat(left);
  return [[...view.childNodes], [usersPanel(app, world), problemsPanel(app, world, problems, elsewhere)]];
}

// ───────────────────────────── instance and version ─────────────────────────────

function instancePanel(app, world, profile) {
  const versions = app.versions;
  // the first row is "everything before the next one" (since 0.0)
  const options = versions.map((row, i) => [row.since, i === 0 && versions[1] ? `before GitLab ${versions[1].since}` : `GitLab ${row.since}`]);
  options.push(["latest", `latest (GitLab ${versions[versions.length - 1].since})`]);
  const current = world.version ?? "latest";
  if (!options.some(([v]) => v === current)) options.push([current, `GitLab ${current}`]);
  const versionSelect = select({
    id: "gl-version",
    on: { change: (e) => app.editGitlab((w) => (w.version = e.target.value), "instance") },
  }, options, current);

  const panel = el("section", { class: "panel instance", "aria-labelledby": "gl-instance-heading" },
    el("h2", { id: "gl-instance-heading", text: "GitLab instance" }),
    el("div", { class: "row" },
      field("GitLab version", versionSelect, `What this release changed: ${profile.change}`),
      el("dl", { class: "flags", "aria-label": "What this release has" },
        flag("Outbound setting", profile.outbound ? `yes, “${profile.labels.outbound}”` : false),
        flag("Inbound allowlist", profile.inbound ? `yes, up to ${profile.projectLimit} projects` : false),
        flag("Groups on the allowlist", profile.groups ? `yes, up to ${profile.groupLimit} groups (counted apart)` : false),
        flag("Public projects open only features visible to everyone", profile.publicFeatures),
        flag("Admin setting to enforce allowlists", profile.instanceSetting ? `yes, ${profile.instanceEnforcement ? "on" : "off"} by default` : false),
        flag("Edit messages say “allowlist”", profile.allowlistWording),
        flag("A project may list itself", profile.selfEntries),
        flag("Fine-grained permissions", profile.fineGrained),
        flag("Authentication log", profile.authenticationLog),
        flag("Auto-populate allowlist", profile.autopopulate))));
  const own = world.instance?.enforceInboundScope;
  if (profile.instanceSetting) {
    const box = checkbox("gl-instance-enforce", "Enable and enforce job token allowlist for all projects", own ?? profile.instanceEnforcement,
      (checked) => app.editGitlab((w) => (w.instance = { ...w.instance, enforceInboundScope: checked }), "instance"),
      { hint: `Admin area › Settings › CI/CD › Job token permissions. This release's default: ${profile.instanceEnforcement ? "on" : "off"}${own === undefined ? " (in use)" : ""}.` });
    box.dataset.path = "instance";
    panel.append(box);
  } else if (own !== undefined) {
    // the release has no such admin setting: the scenario's value is ignored (validation says so)
    const first = versions.find((row) => row.instanceSetting);
    panel.append(el("p", { class: "note", id: "gl-instance-absent", dataset: { path: "instance" },
      text: `The scenario sets the admin setting “Enable and enforce job token allowlist for all projects” (${own ? "on" : "off"}), which GitLab ${world.version ?? "latest"} does not have${first ? ` (it came in ${first.since})` : ""}: it is ignored.` }));
  }
  if (own !== undefined) {
    panel.append(el("button", {
      type: "button", id: "gl-instance-default", class: "secondary",
      text: profile.instanceSetting ? "Use the release's default" : "Remove the admin setting from the scenario",
      on: { click: () => app.editGitlab((w) => delete w.instance, "instance") },
    }));
  }
  panel.append(slotError(app, "instance"));
  return panel;
}

function flag(label, value) {
  return [el("dt", { text: label }), el("dd", { class: value ? "yes" : "no", text: value === true ? "yes" : value || "no" })];
}

function slotError(app, slot) {
  const err = app.views.gitlab.state.errors?.[slot];
  return err ? errorBox(err, "Not changed") : document.createDocumentFragment();
}

/** @param {App} app */
function draftBar(app) {
  const bar = el("section", { class: `panel draft-bar${app.draft ? " active" : ""}`, "aria-labelledby": "gl-draft-heading" },
    el("h2", { id: "gl-draft-heading", tabindex: "-1", text: app.draft ? "What-if draft" : "What-if" }));
  if (!app.draft) {
    bar.append(el("p", { text: "Stage changes in a draft to see which access-matrix cells they flip before applying them." }),
      el("button", { type: "button", id: "gl-draft-start", text: "Start a what-if draft", on: { click: () => app.startDraft() } }));
  } else {
    bar.append(
      el("p", {}, el("strong", { text: "Draft: " }),
        "settings you change now go into a draft (kept across a reload). The matrix below marks the cells the draft flips; nothing is applied until you choose Apply."),
      el("p", { class: "draft-summary" }, el("a", { href: "#gl-diff", text: "What the draft flips" }), " (for the matrix's permission and user)."),
      el("div", { class: "buttons" },
        el("button", { type: "button", id: "gl-draft-apply", text: "Apply the draft", on: { click: () => app.applyDraft() } }),
        el("button", { type: "button", id: "gl-draft-discard", class: "secondary", text: "Discard the draft", on: { click: () => app.discardDraft() } })));
  }
  return bar;
}

// ───────────────────────────── project tree ─────────────────────────────

function projectTree(app, world, problems) {
  const ui = app.scenario.gitlab.ui;
  const selected = world.projects[selectedIndex(world, ui.project)]?.path;
  const counts = new Map();
  for (const p of problems) {
    const m = /^projects\[(\d+)\]/.exec(p.path);
    if (m) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  }
  const render = (node) => {
    const list = el("ul", {});
    for (const group of [...node.groups.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const visibility = groupVisibility(world, group.path);
      list.append(el("li", { class: "group" },
        el("span", { class: "group-name" }, el("span", { "aria-hidden": "true", text: "▾ " }), group.name,
          el("span", { class: `vis ${visibility}`, "aria-hidden": "true", text: visibility }),
          el("span", { class: "sr-only", text: ` (group ${group.path}, ${visibility})` })),
        render(group)));
    }
    for (const { name, index, project } of node.projects) {
      const problemsHere = counts.get(index) ?? 0;
      list.append(el("li", {},
        // the name read is the visible text with the group path before it (label-content-name-mismatch)
        el("button", {
          type: "button", class: "project", id: `gl-tree-${index}`, "aria-current": project.path === selected ? "true" : null,
          on: { click: () => {
            Object.assign(app.views.gitlab.state, { editResult: null, editing: null, addPath: "" });
            app.setGitlabUi({ project: project.path });
          } },
        }, srOnly(project.path.slice(0, project.path.length - name.length)), name,
        el("span", { class: `vis ${project.visibility ?? "private"}`, text: project.visibility ?? "private" }),
        problemsHere ? el("span", { class: "count" }, `⚠ ${problemsHere}`, srOnly(` problem${problemsHere > 1 ? "s" : ""}`)) : null)));
    }
    return list;
  };

  const newPath = el("input", { id: "gl-new-project", type: "text", placeholder: "group/project", autocomplete: "off",
    value: app.views.gitlab.state.newProject ?? "", on: { input: (e) => (app.views.gitlab.state.newProject = e.target.value) } });
  const newVisibility = select({ id: "gl-new-visibility" }, VISIBILITIES, "private");
  const form = el("form", { class: "stack", "aria-label": "Add a project", on: { submit: (e) => {
    e.preventDefault();
    const path = live(newPath).value.trim();
    if (!path) return;
    app.editGitlab((w) => w.projects.push({ path, visibility: live(newVisibility).value }), "new-project", () => {
      app.views.gitlab.state.newProject = "";
      app.scenario.gitlab.ui.project = path;
    });
  } } },
  field("New project path", newPath),
  field("Visibility", newVisibility),
  el("button", { type: "submit", id: "gl-new-project-add", text: "Add project" }),
  slotError(app, "new-project"));

  return el("nav", { class: "panel tree", "aria-labelledby": "gl-tree-heading" },
    el("h2", { id: "gl-tree-heading", text: "Projects" }),
    el("div", { class: "tree-list" }, render(tree(world))),
    el("details", { id: "gl-add-project", open: !!app.views.gitlab.state.newProject || !!app.views.gitlab.state.errors?.["new-project"] }, el("summary", { text: "Add a project" }), form));
}

/**
 * Top-level `groups`: each group's visibility (Settings › General), which decides who may add it to an
 * allowlist. Groups implied by the projects' paths and not listed are private; setting one back to
 * private drops it from the list.
 */
function groupsPanel(app, world) {
  const paths = groupsOf(world);
  const panel = el("section", { class: "panel groups", "aria-labelledby": "gl-groups-heading", dataset: { path: "groups" } },
    el("h2", { id: "gl-groups-heading", text: "Groups" }));
  if (!paths.length) {
    panel.append(el("p", { class: "muted", text: "No groups: project paths name them (group/project)." }));
    return panel;
  }
  const set = (path, visibility) => app.editGitlab((w) => {
    const others = (w.groups ?? []).filter((g) => !sameName(g.path, path));
    const listed = (w.groups ?? []).find((g) => sameName(g.path, path));
    w.groups = visibility === "private" ? others : [...others, { ...listed, path: listed?.path ?? path, visibility }];
    if (!w.groups.length) delete w.groups;
  }, "groups");
  const body = el("tbody");
  paths.forEach((path, k) => {
    const at = (world.groups ?? []).findIndex((g) => sameName(g.path, path));
    body.append(el("tr", { dataset: at >= 0 ? { path: `groups[${at}]` } : {} },
      el("th", { scope: "row" }, el("code", { text: path })),
      el("td", {}, select({ id: `gl-group-${k}-visibility`, "aria-label": `Visibility of group ${path}`,
        on: { change: (e) => set(path, e.target.value) } }, VISIBILITIES, groupVisibility(world, path)))));
  });
  panel.append(el("table", { class: "group-visibility" },
    el("caption", { class: "hint", text: "A group's visibility decides who may add it to an allowlist." }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Group" }), el("th", { scope: "col", text: "Visibility" }))),
    body));
  panel.append(slotError(app, "groups"));
  return panel;
}

// ───────────────────────────── the selected project ─────────────────────────────

function projectSettings(app, world, index, profile) {
  const { api } = app;
  const project = world.projects[index];
  const base = `projects[${index}]`;
  const section = el("section", { class: "panel settings", "aria-labelledby": "gl-settings-heading", dataset: { path: base } },
    el("h2", { id: "gl-settings-heading" }, el("span", { class: "muted", text: "Settings of " }), el("code", { text: project.path })));

  const visibility = select({
    id: "gl-visibility",
    on: { change: (e) => app.editGitlab((w) => (w.projects[index].visibility = e.target.value), "project") },
  }, VISIBILITIES, project.visibility ?? "private");
  section.append(el("div", { class: "row", dataset: { path: `${base}.visibility` } },
    field("Project visibility (Settings › General)", visibility),
    el("button", { type: "button", id: "gl-remove-project", class: "secondary danger",
      text: "Remove project from scenario",
      on: { click: (/** @type {MouseEvent} */ e) => {
        if (e.detail > 1) return; // a double click removes one project, not two
        app.focusNext = "undo";
        if (app.editGitlab((w) => w.projects.splice(index, 1), "project", undefined, `remove project ${project.path}`)) {
          announce(`Removed ${project.path}. Undo (Control+Z) brings it back.`);
        } else app.focusNext = null;
      } } })));
  section.append(featuresEditor(app, world, index, profile));
  section.append(slotError(app, "project"));

  let scope = null;
  try {
    scope = api.resolveGitlabScope(world, project.path);
  } catch (err) {
    section.append(errorBox(err));
  }

  section.append(tokenAccessPanel(app, world, index, profile, scope));
  if (scope) section.append(scopePanel(scope));
  return section;
}

/**
 * The project's features (Settings › General › Visibility, project features, permissions): each
 * "Everyone with access", "Only project members" or disabled. The permissions each one opens to other
 * job tokens on a public or internal project come from gitlabPermissions() (publicFeature, publicSince).
 */
function featuresEditor(app, world, index, profile) {
  const project = world.projects[index];
  const base = `projects[${index}].features`;
  const release = releaseOf(app.versions, world);
  const set = (feature, access) => app.editGitlab((w) => {
    const p = w.projects[index];
    const features = { ...p.features };
    if (access === "enabled") delete features[feature]; // the default
    else features[feature] = access;
    if (Object.keys(features).length) p.features = features;
    else delete p.features;
  }, "project");
  const changed = Object.keys(project.features ?? {}).length;
  const details = el("details", { class: "features", id: "gl-features", dataset: { path: base },
    open: app.views.gitlab.state.featuresOpen ?? changed > 0, on: { toggle: (e) => (app.views.gitlab.state.featuresOpen = e.target.open) } },
  el("summary", {}, "Project features (Settings › General › Visibility, project features, permissions)",
    changed ? el("span", { class: "badge", text: `${changed} changed` }) : null));
  details.append(el("p", { class: "hint", id: "gl-features-hint", text: profile.publicFeatures
    ? "On a public or internal project, a feature visible to “Everyone with access” stays open to job tokens of projects outside the allowlist; “Only project members” or disabled closes it."
    : `GitLab ${world.version ?? "latest"} does not restrict other job tokens by feature${firstWith(app, "publicFeatures")}: these settings take effect in later releases.` }));
  const grid = el("div", { class: "feature-grid" });
  for (const [feature, label] of FEATURES) {
    const opens = app.permissions.filter((p) => p.publicFeature === feature).map((p) =>
      p.publicSince && !atLeast(release, p.publicSince) ? `${p.name} (from ${p.publicSince})` : p.name);
    const control = select({ id: `gl-feature-${feature}`, on: { change: (e) => set(feature, e.target.value) } },
      FEATURE_ACCESS, project.features?.[feature] ?? "enabled");
    const box = field(label, control, opens.length ? `Opens to other job tokens: ${opens.join(", ")}` : "No job token permission of its own");
    box.dataset.path = `${base}.${feature}`;
    grid.append(box);
  }
  details.append(grid);
  return details;
}

/** " (it came in 16.6)": the first release whose profile has `key`, or "". */
function firstWith(app, key) {
  const first = app.versions.find((row) => row[key]);
  return first ? ` (it came in ${first.since})` : "";
}

function actingUser(app, world) {
  const ui = app.scenario.gitlab.ui;
  const users = Object.keys(world.users ?? {});
  if (ui.actingUser === AUTHOR || users.includes(ui.actingUser)) return ui.actingUser;
  return users[0] ?? AUTHOR;
}

/** Settings › CI/CD › the job token section, with the release's own texts (profile.labels). */
function tokenAccessPanel(app, world, index, profile, scope) {
  const users = Object.keys(world.users ?? {});
  const acting = actingUser(app, world);
  const panel = el("section", { class: "subpanel", "aria-labelledby": "gl-token-heading" },
    el("h3", { id: "gl-token-heading", text: `Settings › CI/CD › ${profile.labels.section}` }));
  const actingSelect = select({ id: "gl-acting-user", on: { change: (e) => app.setGitlabUi({ actingUser: e.target.value }) } },
    [...users.map((u) => [u, memberships(world, u)]), [AUTHOR, "Scenario author (no GitLab permission check)"]], acting);
  panel.append(field("Acting as (who makes the changes below)", actingSelect, acting === AUTHOR
    ? "Changes are made without GitLab's permission checks; add a user with a role to act as them."
    : "Changes are checked with GitLab's own rules for this user (checkGitlabEdit)."));
  if (profile.inbound) panel.append(inboundPanel(app, world, index, profile, scope));
  else {
    panel.append(el("p", { class: "note", text: `GitLab ${world.version ?? "latest"} has no inbound job token allowlist${firstWith(app, "inbound")}.` }));
  }
  if (profile.outbound) panel.append(outboundPanel(app, world, index, profile));
  else if (!profile.inbound) panel.append(el("p", { class: "note", text: `Nor does it limit a job token's own reach: a job token reaches what its user can.` }));
  return panel;
}

/**
 * The inbound setting as the release shows it: a toggle labelled `labels.inbound` until 17.2, from 17.3
 * a choice titled so between `labels.inboundChoices` (unrestricted, allowlist only). `own`: the
 * project's value; `instanceOn`: the admin setting enforces every allowlist (GitLab then hides it).
 */
function inboundSetting(app, index, profile, own, instanceOn) {
  const { labels } = profile;
  const path = `projects[${index}].inbound.enabled`;
  const change = (enabled) => checkedEdit(app, { action: enabled ? "enable" : "disable" }, (w) => {
    const p = w.projects[index];
    p.inbound = { ...p.inbound, enabled };
  });
  const entries = profile.groups ? "groups and projects" : "projects";
  const hint = instanceOn
    ? "The instance enforces job token allowlists for every project (Admin area), so GitLab hides this setting: the allowlist applies whatever it says. Shown here so the project's own value can be seen and changed."
    : labels.inboundChoices ? null : `On: only this project and the ${entries} on the allowlist can use a CI/CD job token to access this project.`;
  if (!labels.inboundChoices) {
    const toggle = checkbox("gl-inbound-enabled", labels.inbound, own, change, { hint });
    toggle.dataset.path = path;
    return toggle;
  }
  const [unrestricted, allowlistOnly] = labels.inboundChoices;
  const radio = (id, value, label) => el("div", { class: "check" },
    el("input", { type: "radio", name: "gl-inbound-choice", id, value: String(value), checked: own === value,
      on: { change: () => change(value) } }),
    el("label", { for: id, text: label }));
  return el("fieldset", { class: `inbound-choice${instanceOn ? " hidden-in-gitlab" : ""}`, id: "gl-inbound-choice", dataset: { path },
    "aria-describedby": hint ? "gl-inbound-choice-hint" : null },
  el("legend", { text: labels.inbound }),
  radio("gl-inbound-all", false, unrestricted),
  radio("gl-inbound-allowlist", true, allowlistOnly),
  hint ? el("p", { class: "hint", id: "gl-inbound-choice-hint", text: hint }) : null);
}

function inboundPanel(app, world, index, profile, scope) {
  const { api } = app;
  const project = world.projects[index];
  const base = `projects[${index}].inbound`;
  const acting = actingUser(app, world);
  const panel = el("div", { class: "inbound", dataset: { path: base } });

  // the project's own value, as the engine reads it (instance enforcement set aside)
  const own = (() => {
    const copy = structuredClone(world);
    if (profile.instanceSetting) copy.instance = { enforceInboundScope: false };
    else delete copy.instance;
    try {
      return api.resolveGitlabScope(copy, project.path).inboundEnforced;
    } catch {
      return project.inbound?.enabled ?? true;
    }
  })();
  const instanceOn = profile.instanceSetting && (world.instance?.enforceInboundScope ?? profile.instanceEnforcement);
  panel.append(inboundSetting(app, index, profile, own, instanceOn));

  // the allowlist, its entries counted as GitLab counts them: projects and groups apart
  const { labels } = profile;
  const entries = [
    ...(project.inbound?.projects ?? []).map((entry, j) => ({ entry, j, kind: "project", path: `${base}.projects[${j}]` })),
    ...(project.inbound?.groups ?? []).map((entry, j) => ({ entry, j, kind: "group", path: `${base}.groups[${j}]` })),
  ];
  const count = (id, noun, used, limit) => el("span", { id, class: `count-of${used > limit ? " over" : ""}` },
    el("span", { class: "count-noun", text: `${noun}: ` }), `${used} of ${limit}`, used > limit ? " (over the limit)" : "");
  panel.append(el("div", { class: "allowlist-head" },
    el("h4", { id: "gl-allowlist-heading", text: labels.allowlist }),
    scope ? el("p", { class: "counts", id: "gl-allowlist-counts" },
      scope.limit !== null ? count("gl-count-projects", "Projects", scope.entries, scope.limit) : null,
      scope.groupLimit !== null ? count("gl-count-groups", "Groups", scope.groupEntries, scope.groupLimit) : null) : null));
  const table = el("table", { class: "allowlist", "aria-labelledby": "gl-allowlist-heading" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: profile.groups ? "Group or project" : "Project" }),
      el("th", { scope: "col", text: "Type" }),
      profile.fineGrained ? el("th", { scope: "col", text: "Job token permissions" }) : null,
      el("th", { scope: "col", text: "Actions" }))));
  const body = el("tbody");
  if (entries.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: profile.fineGrained ? 4 : 3, class: "muted", text: "No entries: only this project itself." })));
  }
  for (const item of entries) body.append(...entryRows(app, world, index, profile, acting, item));
  table.append(body);
  panel.append(table);
  panel.append(addEntryForm(app, world, index, profile, acting));
  panel.append(editResult(app, "inbound"));
  panel.append(slotError(app, "inbound"));
  if (profile.groups) panel.append(compactionTool(app, world, index));
  return panel;
}

/** "alice — acme: developer, acme/platform/api: maintainer" (the user's roles as the world lists them). */
function memberships(world, user) {
  const roles = Object.entries(world.users?.[user] ?? {}).map(([path, role]) => `${path}: ${role}`);
  return `${user} — ${roles.length ? roles.join(", ") : "no roles"}`;
}

function entryRows(app, world, index, profile, acting, { entry, j, kind, path }) {
  const entryName = entryPath(entry);
  const object = typeof entry === "object" ? entry : { path: entry };
  const fineGrained = object.defaultPermissions === false;
  const listKey = kind === "project" ? "projects" : "groups";
  const editing = app.views.gitlab.state.editing;
  const isEditing = editing && editing.kind === kind && editing.j === j && editing.project === world.projects[index].path;
  const row = el("tr", { dataset: { path } },
    el("th", { scope: "row" }, el("code", { text: entryName })),
    el("td", { text: kind === "project" ? "Project" : "Group" }),
    profile.fineGrained
      ? el("td", { text: fineGrained ? `Fine-grained: ${(object.policies ?? []).join(", ") || "none"}` : "Default permissions" })
      : null,
    el("td", { class: "actions" },
      profile.fineGrained ? el("button", {
        type: "button", class: "secondary", id: `gl-entry-${kind}-${j}-edit`, "aria-expanded": isEditing ? "true" : "false",
        "aria-label": `Edit permissions of ${entryName}`, text: "Edit permissions",
        on: { click: () => app.views.gitlab.setState({ editing: isEditing ? null : { kind, j, project: world.projects[index].path } }) },
      }) : null,
      el("button", {
        type: "button", class: "secondary danger", id: `gl-entry-${kind}-${j}-remove`,
        "aria-label": `Remove ${entryName} from the allowlist`, text: "Remove",
        on: { click: (/** @type {MouseEvent} */ e) => {
          if (e.detail > 1) return;
          app.focusNext = "gl-add-path";
          checkedEdit(app, { action: "remove", entry: entryName, kind }, (w) => w.projects[index].inbound[listKey].splice(j, 1),
            () => announce(`Removed ${entryName} from the allowlist. Undo (Control+Z) brings it back.`), `remove ${entryName} from the allowlist`);
        } },
      })));
  const rows = [row];
  if (isEditing) {
    rows.push(el("tr", { class: "editor-row" }, el("td", { colspan: 4 }, policyEditor(app, world, index, kind, j, entryName, object))));
  }
  return rows;
}

function policyEditor(app, world, index, kind, j, entryName, object) {
  const listKey = kind === "project" ? "projects" : "groups";
  const id = `gl-policies-${kind}-${j}`;
  let fine = object.defaultPermissions === false;
  const chosen = new Set(object.policies ?? []);
  // the release's policies; a name the entry holds that the release refuses is shown too, to be unchecked
  const offered = policiesFor(app, world);
  const refused = [...chosen].filter((name) => !offered.some((p) => p.name === name));
  const shown = [...offered.map((p) => p.name), ...refused];
  const role = (name) => app.permissions.find((p) => p.name === name)?.minimumRole;
  const boxes = el("fieldset", { class: "policies", disabled: !fine },
    el("legend", { text: "Permissions granted to this entry's job tokens" }),
    shown.map((name) => el("div", { class: "check" },
      el("input", { type: "checkbox", id: `${id}-${name}`, value: name, checked: chosen.has(name),
        on: { change: (e) => (e.target.checked ? chosen.add(name) : chosen.delete(name)) } }),
      el("label", { for: `${id}-${name}` }, el("code", { text: name }),
        refused.includes(name)
          ? el("span", { class: "problem", text: ` (not accepted by GitLab ${world.version ?? "latest"})` })
          : el("span", { class: "muted", text: ` (role: ${role(name)})` })))));
  const radio = (value, label) => el("div", { class: "check" },
    el("input", { type: "radio", name: `${id}-mode`, id: `${id}-${value}`, checked: value === "fine" ? fine : !fine,
      on: { change: () => {
        fine = value === "fine";
        live(boxes).disabled = !fine;
      } } }),
    el("label", { for: `${id}-${value}`, text: label }));
  return el("form", { class: "policy-editor", "aria-label": `Permissions of ${entryName}`, on: { submit: (e) => {
    e.preventDefault();
    const policies = fine ? shown.filter((n) => chosen.has(n)) : [];
    checkedEdit(app, { action: "setPolicies", entry: entryName, kind, defaultPermissions: !fine, policies }, (w) => {
      w.projects[index].inbound[listKey][j] = { path: entryName, defaultPermissions: !fine, policies };
    }, () => {
      app.views.gitlab.state.editing = null;
      app.focusNext = `gl-entry-${kind}-${j}-edit`;
    }, `set the permissions of ${entryName}`);
  } } },
  el("fieldset", {}, el("legend", { text: `Job token permissions of ${entryName}` }),
    radio("default", "Default permissions (everything the user's role allows)"),
    radio("fine", "Fine-grained permissions (only those selected below)")),
  boxes,
  el("div", { class: "buttons" },
    el("button", { type: "submit", id: `${id}-save`, text: "Save permissions" }),
    el("button", { type: "button", class: "secondary", id: `${id}-cancel`, text: "Cancel", on: { click: () => {
      app.focusNext = `gl-entry-${kind}-${j}-edit`;
      app.views.gitlab.setState({ editing: null });
      app.refresh();
    } } })));
}

function addEntryForm(app, world, index, profile, acting) {
  const kinds = profile.groups ? [["project", "Project"], ["group", "Group"]] : [["project", "Project"]];
  const kind = profile.groups ? app.views.gitlab.state.addKind ?? "project" : "project";
  const kindSelect = select({ id: "gl-add-kind", on: { change: (e) => app.views.gitlab.setState({ addKind: e.target.value }) } }, kinds, kind);
  // project suggestions: the others, and (from 18.1, profile.selfEntries) the project itself
  const options = kind === "group" ? groupsOf(world)
    : world.projects.map((p) => p.path).filter((p) => profile.selfEntries || p !== world.projects[index].path);
  const input = el("input", { id: "gl-add-path", type: "text", list: "gl-add-options", autocomplete: "off", placeholder: kind === "group" ? "group path" : "group/project",
    value: app.views.gitlab.state.addPath ?? "", on: { input: (e) => (app.views.gitlab.state.addPath = e.target.value) } });
  const listKey = kind === "project" ? "projects" : "groups";
  return el("form", { class: "row add-entry", "aria-label": `${profile.groups ? "Add a group or project" : "Add a project"} to the allowlist`, on: { submit: (e) => {
    e.preventDefault();
    const path = live(input).value.trim();
    if (!path) return;
    checkedEdit(app, { action: "add", entry: path, kind }, (w) => {
      const p = w.projects[index];
      p.inbound = { ...p.inbound, [listKey]: [...(p.inbound?.[listKey] ?? []), kind === "group" ? { path } : path] };
    }, () => (app.views.gitlab.state.addPath = ""));
  } } },
  field("Add to the allowlist", kindSelect),
  field(kind === "group" ? "Group path" : "Project path", input),
  datalist("gl-add-options", options.map((o) => o)),
  el("button", { type: "submit", id: "gl-add-button", text: profile.labels.add }));
}

/**
 * Makes `edit` (user and project filled in here) when GitLab would let the acting user: the decision
 * comes from checkGitlabEdit and is shown either way; `mutate` changes a copy of the world.
 */
function checkedEdit(app, edit, mutate, onDone, label = `${edit.action}${edit.entry ? ` ${edit.entry}` : ""}${edit.direction === "outbound" ? " (outbound)" : ""}`) {
  const world = app.gitlabWorld();
  const index = selectedIndex(world, app.scenario.gitlab.ui.project);
  const user = actingUser(app, world);
  const full = { user, project: world.projects[index].path, ...edit };
  const where = edit.direction === "outbound" ? "outbound" : "inbound";
  if (user === AUTHOR) {
    app.views.gitlab.state.editResult = { author: true, edit: full, where };
    app.editGitlab(mutate, where, onDone, label);
    return;
  }
  let decision;
  try {
    decision = app.api.checkGitlabEdit(world, full);
  } catch (err) {
    app.views.gitlab.state.editResult = { error: err, where };
    app.views.gitlab.update(true);
    return;
  }
  app.views.gitlab.state.editResult = { decision, edit: full, where };
  announce(`${decision.allowed ? "Change allowed" : "Change denied"}: ${decision.message}`);
  if (decision.allowed) app.editGitlab(mutate, where, onDone, label);
  else app.views.gitlab.update(true);
}

/** The last edit's decision, shown next to the part it changed (`where`: "inbound" or "outbound"). */
function editResult(app, where) {
  const result = app.views.gitlab.state.editResult;
  if ((result?.where ?? "inbound") !== where) return document.createDocumentFragment();
  const box = el("div", { id: "gl-edit-result", class: "edit-result" });
  if (!result) return box;
  if (result.error) box.append(errorBox(result.error));
  else if (result.author) {
    box.append(el("p", { class: "note", role: "status", text: `Changed as the scenario's author (${result.edit.action}${result.edit.entry ? ` ${result.edit.entry}` : ""}): no GitLab permission check.` }));
  } else {
    const { decision, edit } = result;
    box.classList.add(decision.allowed ? "allowed" : "denied");
    box.setAttribute("role", decision.allowed ? "status" : "alert");
    box.append(
      el("p", { class: "verdict-line" },
        el("span", { class: "symbol", "aria-hidden": "true", text: decision.allowed ? "✓ " : "✗ " }),
        el("strong", { text: decision.allowed ? "Done. " : "GitLab refuses this change: " }),
        el("span", { class: "edit-message", text: decision.message })),
      el("p", {}, "Reason: ", el("code", { class: "edit-reason", text: decision.reason }),
        ` — change: ${edit.action}${edit.entry ? ` ${edit.entry}` : ""} (on ${edit.project}), as ${edit.user}.`),
      el("details", { open: !decision.allowed }, el("summary", { text: "The checks GitLab made" }),
        traceTable(decision.trace, "checkGitlabEdit, in order")));
  }
  return box;
}

function compactionTool(app, world, index) {
  const project = world.projects[index].path;
  const state = app.views.gitlab.state.compaction?.project === project ? app.views.gitlab.state.compaction : null;
  const limit = el("input", { id: "gl-compact-limit", type: "number", min: "1", step: "1", value: state?.limit ?? "", placeholder: "release's limit" });
  const details = el("details", { class: "compaction", id: "gl-compaction", open: !!state },
    el("summary", { text: "Compact this allowlist with group entries" }));
  details.append(el("form", { class: "row", "aria-label": "Compact the allowlist", on: { submit: (e) => {
    e.preventDefault();
    const n = live(limit).value === "" ? undefined : Number(live(limit).value);
    let result = null;
    let error = null;
    try {
      result = n === undefined ? app.api.compactGitlabAllowlist(world, project) : app.api.compactGitlabAllowlist(world, project, n);
    } catch (err) {
      error = err;
    }
    app.views.gitlab.setState({ compaction: { project, limit: live(limit).value, result, error } });
  } } },
  field("Project entries at most", limit, "Empty: the release's project limit."),
  el("button", { type: "submit", id: "gl-compact-preview", text: "Preview compaction" })));
  if (state?.error) details.append(errorBox(state.error, "Cannot compact"));
  if (state?.result) {
    const r = state.result;
    const describe = (e) => `${e.path}${e.defaultPermissions ? "" : ` (fine-grained: ${e.policies.join(", ") || "none"})`}`;
    details.append(el("div", { class: "compaction-result", role: "status" },
      el("p", { text: `Projects (${r.projects.length}): ${r.projects.map(describe).join(", ") || "none"}` }),
      el("p", { text: `Groups (${r.groups.length}): ${r.groups.map(describe).join(", ") || "none"}` }),
      Object.keys(r.admitsAlso).length
        ? el("ul", { "aria-label": "Projects the new group entries admit too" },
          Object.entries(r.admitsAlso).map(([group, projects]) => el("li", {}, el("code", { text: group }), ` also admits: ${projects.join(", ") || "nothing new"}`)))
        : el("p", { text: "The new group entries admit no other project." }),
      el("button", { type: "button", id: "gl-compact-stage", text: "Try it as a what-if draft", on: { click: () => {
        app.startDraft();
        app.editGitlab((w) => {
          const p = w.projects.find((q) => q.path === project);
          p.inbound = { ...p.inbound, projects: r.projects, groups: r.groups };
        }, "inbound");
      } } })));
  }
  return details;
}

/** The deprecated outbound setting (14.1–17.11), labelled `labels.outbound`; its edits are checked too. */
function outboundPanel(app, world, index, profile) {
  const project = world.projects[index];
  const base = `projects[${index}].outbound`;
  const listed = project.outbound?.projects ?? [];
  const label = profile.labels.outbound;
  // the release that drops it, from the version table
  const introduced = app.versions.findIndex((row) => row.outbound);
  const removed = app.versions.slice(introduced).find((row) => !row.outbound);
  const panel = el("div", { class: "outbound", "aria-labelledby": "gl-outbound-heading", role: "group", dataset: { path: base } },
    el("h4", { id: "gl-outbound-heading" }, label, removed ? el("span", { class: "badge", text: `removed in ${removed.since}` }) : null));
  const toggle = checkbox("gl-outbound-enabled", label, project.outbound?.enabled === true,
    (checked) => checkedEdit(app, { action: checked ? "enable" : "disable", direction: "outbound" },
      (w) => (w.projects[index].outbound = { ...w.projects[index].outbound, enabled: checked })),
    { hint: "Select the projects that can be accessed by API requests authenticated with this project's CI_JOB_TOKEN CI/CD variable." });
  toggle.dataset.path = `${base}.enabled`;
  panel.append(toggle);
  const list = el("ul", { class: "outbound-list", "aria-label": "Projects this project's job token may access" });
  listed.forEach((path, j) => list.append(el("li", { dataset: { path: `${base}.projects[${j}]` } }, el("code", { text: path }), " ",
    el("button", { type: "button", class: "secondary danger small", id: `gl-outbound-${j}-remove`, "aria-label": `Remove ${path} from the outbound list`, text: "Remove",
      on: { click: () => checkedEdit(app, { action: "remove", entry: path, direction: "outbound" },
        (w) => w.projects[index].outbound.projects.splice(j, 1)) } }))));
  if (!listed.length) list.append(el("li", { class: "muted", text: "No projects listed." }));
  panel.append(list);
  const choices = world.projects.map((p) => p.path).filter((p) => p !== project.path);
  if (choices.length) {
    const pick = select({ id: "gl-outbound-add-path" }, choices, choices[0]);
    panel.append(el("form", { class: "row", "aria-label": "Add a project to the outbound list", on: { submit: (e) => {
      e.preventDefault();
      const path = live(pick).value;
      checkedEdit(app, { action: "add", entry: path, direction: "outbound" }, (w) => {
        const p = w.projects[index];
        p.outbound = { ...p.outbound, projects: [...(p.outbound?.projects ?? []), path] };
      });
    } } }, field("Project", pick), el("button", { type: "submit", id: "gl-outbound-add", text: "Add project" })));
  }
  panel.append(editResult(app, "outbound"));
  panel.append(slotError(app, "outbound"));
  return panel;
}

function scopePanel(scope) {
  const list = (items, label, id) => el("div", {},
    el("h4", { id, text: label }),
    items.length
      ? el("ul", { "aria-labelledby": id }, items.map((r) => el("li", {}, el("code", { text: r.project }), " ", el("span", { class: "muted" }, "(", el("code", { text: r.reason }), ")"))))
      : el("p", { class: "muted", text: "none" }));
  return el("section", { class: "subpanel scope", "aria-labelledby": "gl-scope-heading" },
    el("h3", { id: "gl-scope-heading", text: "Reach of job tokens (resolveGitlabScope)" }),
    el("p", { text: `Inbound allowlist enforced: ${scope.inboundEnforced ? "yes" : "no"}.` }),
    el("div", { class: "two" },
      list(scope.reachable, "This project's jobs can reach", "gl-scope-reachable"),
      list(scope.reachableBy, "Jobs that can reach this project", "gl-scope-reachable-by")));
}

// ───────────────────────────── users and roles ─────────────────────────────

function usersPanel(app, world) {
  const users = world.users ?? {};
  const names = Object.keys(users);
  const paths = [...groupsOf(world), ...world.projects.map((p) => p.path)].sort();
  const panel = el("section", { class: "panel users", "aria-labelledby": "gl-users-heading", dataset: { path: "users" } },
    el("h2", { id: "gl-users-heading", text: "Users and roles" }));
  const table = el("table", {},
    el("caption", { text: "Direct memberships (roles are inherited by subgroups and projects)" }),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "User" }), el("th", { scope: "col", text: "Roles" }), el("th", { scope: "col", text: "Actions" }))));
  const body = el("tbody");
  names.forEach((name, u) => {
    body.append(el("tr", { dataset: { path: `users.${name}` } },
      el("th", { scope: "row", text: name }),
      el("td", {}, el("ul", { class: "roles" }, Object.entries(users[name]).map(([path, role], r) => el("li", {},
        el("code", { text: path }), `: ${role} `,
        el("button", { type: "button", class: "secondary small", id: `gl-user-${u}-role-${r}-remove`, "aria-label": `Remove ${name}'s role on ${path}`, text: "×",
          on: { click: () => app.editGitlab((w) => delete w.users[name][path], "users", undefined, `remove ${name}'s role on ${path}`) } }))))),
      el("td", {}, el("button", { type: "button", class: "secondary danger small", id: `gl-user-${u}-remove`, "aria-label": `Remove user ${name}`, text: "Remove user",
        on: { click: (/** @type {MouseEvent} */ e) => {
          if (e.detail > 1) return;
          app.focusNext = "gl-new-user";
          app.editGitlab((w) => delete w.users[name], "users", undefined, `remove user ${name}`);
        } } }))));
  });
  if (!names.length) body.append(el("tr", {}, el("td", { colspan: 3, class: "muted", text: "No users. Add one to act as them." })));
  table.append(body);
  panel.append(table);

  const newUser = el("input", { id: "gl-new-user", type: "text", autocomplete: "off", placeholder: "name" });
  panel.append(el("form", { class: "row", "aria-label": "Add a user", on: { submit: (e) => {
    e.preventDefault();
    const name = live(newUser).value.trim();
    if (name) app.editGitlab((w) => (w.users = { ...w.users, [name]: w.users?.[name] ?? {} }), "users");
  } } }, field("New user", newUser), el("button", { type: "submit", id: "gl-new-user-add", text: "Add user" })));

  if (names.length && paths.length) {
    const who = select({ id: "gl-role-user" }, names, names[0]);
    const where = select({ id: "gl-role-path" }, paths, paths[0]);
    const role = select({ id: "gl-role-role" }, ROLES, "developer");
    panel.append(el("form", { class: "row", "aria-label": "Give a user a role", on: { submit: (e) => {
      e.preventDefault();
      app.editGitlab((w) => (w.users[live(who).value] = { ...w.users[live(who).value], [live(where).value]: live(role).value }), "users");
    } } }, field("User", who), field("Group or project", where), field("Role", role),
    el("button", { type: "submit", id: "gl-role-set", text: "Set role" })));
  }
  panel.append(slotError(app, "users"));
  return panel;
}

// ───────────────────────────── problems ─────────────────────────────

function problemsPanel(app, world, problems, elsewhere) {
  const panel = el("section", { class: "panel", "aria-labelledby": "gl-problems-heading" },
    el("h2", { id: "gl-problems-heading", text: `Problems (${problems.length})` }));
  if (!problems.length) {
    panel.append(el("p", { class: "muted", text: "validateGitlabWorld finds nothing GitLab would refuse or flag." }));
    return panel;
  }
  panel.append(el("p", { class: "hint", text: "Problems of the selected project are also shown next to the setting they point at." }));
  const list = el("ul", { class: "problems" });
  for (const problem of problems) {
    const item = problemItem(problem);
    const m = /^projects\[(\d+)\]/.exec(problem.path);
    if (m && world.projects[Number(m[1])]) {
      const path = world.projects[Number(m[1])].path;
      item.append(" ", el("button", { type: "button", class: "secondary small", "aria-label": `Show ${path}`, text: `Show ${path}`,
        on: { click: () => app.setGitlabUi({ project: path }) } }));
    }
    if (elsewhere.includes(problem)) item.classList.add("elsewhere");
    list.append(item);
  }
  panel.append(list);
  return panel;
}

// @ts-check
// The scenario panel: import a file (paste or load), export the scenario as JSON, copy the share link,
// load the built-in examples. Imports go into a copy (import.js) that the engine validates; the
// scenario is replaced only when both succeed, so a bad file loses nothing. An import that would add
// projects the scenario does not have (a typo in the project path, say) asks first, and suggests the
// closest existing path. Every replacement can be undone.

import { el, datalist, select, field, announce, errorBox } from "./dom.js";
import { KINDS, ImportError, importText } from "./import.js";
import { gitlabExample, azureExample } from "./examples.js";
import { View } from "./view.js";

/** @typedef {import("./app.js").App} App */
/**
 * @typedef {object} ScenarioState
 * @property {boolean} open the panel is open
 * @property {string} text the pasted JSON
 * @property {string} kind
 * @property {string | null} project the GitLab project path typed (null: the selected project)
 * @property {string} level
 * @property {boolean} replace
 * @property {any} importResult the last import's outcome
 * @property {string} shareNote
 * @property {{ files: { name: string, text: string }[], created: string[], suggestions: Record<string, string> } | null} confirm
 *   an import waiting for the person to accept the projects it would create
 */

export class ScenarioView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    /** @type {ScenarioState} */
    const state = { open: false, text: "", kind: "auto", project: null, level: "project", replace: false, importResult: null, shareNote: "", confirm: null };
    super(app, mounts, state);
  }

  deps() {
    const app = this.app;
    return [app.scenario.gitlab.world, app.scenario.gitlab.ui.project];
  }

  render() {
    return [[renderScenarioPanel(this.app, this)]];
  }
}

/** @param {App} app @param {ScenarioView} view */
function renderScenarioPanel(app, view) {
  const state = view.state;
  const world = app.scenario.gitlab.world;
  const panel = el("details", { class: "panel scenario", id: "scenario-panel", open: state.open,
    on: { toggle: (/** @type {any} */ e) => (state.open = e.target.open) } },
  el("summary", {}, el("span", { class: "summary-title", text: "Scenario: import, export, share" })));

  const text = el("textarea", { id: "import-text", rows: "8", spellcheck: "false", value: state.text,
    placeholder: "Paste JSON here: a GitLab REST API response, a combined file, GitLab's authentication log (GraphQL), an Azure DevOps settings file or build definition, or an exported scenario",
    on: { input: (e) => (state.text = e.target.value) } });
  const kind = select({ id: "import-kind", on: { change: (e) => (state.kind = e.target.value) } }, Object.entries(KINDS), state.kind);
  // prefilled with the selected project; the scenario's projects are suggested
  const project = el("input", { id: "import-project", type: "text", autocomplete: "off", placeholder: "e.g. acme/api",
    list: "import-project-options", value: state.project ?? app.scenario.gitlab.ui.project ?? "",
    on: { input: (/** @type {any} */ e) => (state.project = e.target.value) } });
  const level = select({ id: "import-level", on: { change: (e) => (state.level = e.target.value) } },
    [["organization", "Organization settings"], ["project", "Project settings"]], state.level);
  const replace = el("input", { type: "checkbox", id: "import-replace", checked: state.replace, on: { change: (e) => (state.replace = e.target.checked) } });
  const file = el("input", { type: "file", id: "import-file", accept: ".json,application/json", multiple: true,
    on: { change: async (e) => {
      const files = [...e.target.files];
      e.target.value = "";
      if (files.length) await importFiles(app, view, files);
    } } });

  panel.append(el("section", { class: "import", "aria-labelledby": "import-heading" },
    el("h2", { id: "import-heading", text: "Import" }),
    el("form", { id: "import-form", "aria-label": "Import a file", on: { submit: (e) => {
      e.preventDefault();
      runImport(app, view, [{ name: "pasted text", text: state.text }]);
    } } },
    field("JSON", text),
    el("div", { class: "row" },
      field("File kind", kind),
      field("GitLab project path (for one-endpoint GitLab files)", project, "The selected project, unless you type another: a path not in the scenario is created only after you confirm."),
      datalist("import-project-options", world.projects.map((p) => p.path)),
      field("Azure general settings go to", level, "For _apis/build/generalsettings only: the Settings pages' data say their own level.")),
    el("div", { class: "check" }, replace, el("label", { for: "import-replace", text: "Replace the GitLab projects (otherwise merge into them)" })),
    el("div", { class: "row" },
      el("button", { type: "submit", id: "import-button", text: "Import pasted JSON" }),
      field("…or load files", file))),
    confirmBox(app, view),
    importResult(view)));

  panel.append(el("section", { class: "export", "aria-labelledby": "export-heading" },
    el("h2", { id: "export-heading", text: "Export and share" }),
    el("div", { class: "row" },
      el("button", { type: "button", id: "export-button", text: "Download scenario JSON", on: { click: () => download(app) } }),
      el("button", { type: "button", id: "share-button", class: "secondary", text: "Copy share link", on: { click: () => copyLink(app, view) } }),
      el("button", { type: "button", id: "example-gitlab", class: "secondary", text: "Load the GitLab example",
        on: { click: () => app.replaceScenario({ ...app.scenario, view: "gitlab", gitlab: gitlabExample() }, "GitLab example loaded. Undo brings your scenario back.", "load the GitLab example") } }),
      el("button", { type: "button", id: "example-azure", class: "secondary", text: "Load the Azure example",
        on: { click: () => app.replaceScenario({ ...app.scenario, view: "azure", azure: azureExample(app.products) }, "Azure example loaded. Undo brings your scenario back.", "load the Azure example") } })),
    el("p", { class: "hint", text: "The link holds the whole scenario (compressed, in the part after #, which is never sent to a server). The scenario is also kept in this browser's local storage." }),
    state.shareNote ? el("p", { role: "status", class: "note", text: state.shareNote }) : null));
  return panel;
}

/** The projects an import would add, each with the closest existing path: import anyway, or not. @param {App} app @param {ScenarioView} view */
function confirmBox(app, view) {
  const pending = view.state.confirm;
  if (!pending) return null;
  return el("div", { class: "warning", role: "alertdialog", id: "import-confirm", "aria-labelledby": "import-confirm-heading", "aria-describedby": "import-confirm-list" },
    el("h3", { id: "import-confirm-heading", tabindex: "-1", text: `This import would add ${pending.created.length} project${pending.created.length === 1 ? "" : "s"} the scenario does not have` }),
    el("ul", { id: "import-confirm-list" }, pending.created.map((path) => el("li", {}, el("code", { text: path }),
      pending.suggestions[path] ? [" — did you mean ", el("code", { text: pending.suggestions[path] }), "?"] : null))),
    el("div", { class: "buttons" },
      el("button", { type: "button", id: "import-confirm-create", text: "Import and add them", on: { click: () => {
        view.state.confirm = null;
        runImport(app, view, pending.files, true);
      } } }),
      el("button", { type: "button", id: "import-confirm-cancel", class: "secondary", text: "Cancel: change nothing", on: { click: () => {
        app.focusNext = "import-project";
        view.setState({ confirm: null });
        app.refresh();
        announce("Import cancelled. Nothing was changed.");
      } } })));
}

/** @param {ScenarioView} view */
function importResult(view) {
  const result = view.state.importResult;
  const box = el("div", { id: "import-result", tabindex: "-1" });
  if (!result) return box;
  if (result.error) {
    const err = result.error;
    box.append(el("div", { class: "error", role: "alert" },
      el("p", {}, el("strong", { text: `Import failed (${result.name})` }), ". Nothing was changed."),
      err.where ? el("p", {}, "Where: ", el("code", { class: "import-where", text: err.where })) : null,
      err.excerpt ? el("pre", { class: "excerpt", "aria-label": "The line with the error; the caret marks the column", text: err.excerpt }) : null,
      el("p", { class: "import-message", text: err.detail ?? err.message })));
  } else {
    box.append(el("div", { class: "note", role: "status" },
      el("p", {}, el("strong", { text: "Imported: " }), result.names.join(", ")),
      el("ul", {}, result.notes.map((n) => el("li", { text: n })))));
  }
  return box;
}

/** @param {App} app @param {ScenarioView} view @param {File[]} files */
async function importFiles(app, view, files) {
  const loaded = [];
  for (const f of files) loaded.push({ name: f.name, text: await f.text() });
  if (loaded.length === 1) view.state.text = loaded[0].text;
  runImport(app, view, loaded);
}

/**
 * Imports every file into one copy; the scenario changes only if all of them (and the engine) accept,
 * and, when the import would add projects, once the person has confirmed (`confirmed`).
 * @param {App} app @param {ScenarioView} view @param {{ name: string, text: string }[]} files @param {boolean} [confirmed]
 */
export function runImport(app, view, files, confirmed = false) {
  const state = view.state;
  let next = app.scenario;
  const notes = [];
  let platform = null;
  let wholeScenario = false;
  for (const { name, text } of files) {
    try {
      const project = state.project ?? app.scenario.gitlab.ui.project ?? "";
      const options = { kind: state.kind, project, level: state.level, replace: state.replace, api: app.api };
      const result = importText(next, text, options);
      app.checkScenario(result.scenario); // the engine's verdict on the result (throws with a path)
      next = result.scenario;
      if (result.kind === "scenario" || result.kind === "gitlab-fetch") wholeScenario = true;
      notes.push(...result.notes.map((n) => `${name}: ${n}`));
      platform = result.platform === "both" ? result.scenario.view : result.platform;
    } catch (err) {
      const error = err instanceof ImportError ? err
        : new ImportError(err.code ? `the imported scenario (${err.code})` : "", err.message);
      state.importResult = { error, name };
      state.confirm = null;
      announce(`Import failed: ${error.message}. Nothing was changed.`);
      app.focusNext = "import-result";
      view.update(true);
      app.refresh();
      return false;
    }
  }
  // projects the import would create: asked first (a typo in a path must not silently add a project)
  const had = new Set(app.scenario.gitlab.world.projects.map((p) => p.path.toLowerCase()));
  const created = wholeScenario ? [] : next.gitlab.world.projects.map((p) => p.path).filter((p) => !had.has(p.toLowerCase()));
  if (created.length && !confirmed) {
    /** @type {Record<string, string>} */
    const suggestions = {};
    for (const path of created) {
      const near = closest(path, app.scenario.gitlab.world.projects.map((p) => p.path));
      if (near) suggestions[path] = near;
    }
    state.confirm = { files, created, suggestions };
    state.importResult = null;
    app.focusNext = "import-confirm-heading";
    view.update(true);
    app.refresh();
    announce(`This import would add ${created.length} project${created.length === 1 ? "" : "s"}: confirm or cancel.`);
    return false;
  }
  state.importResult = { names: files.map((f) => f.name), notes };
  next = { ...next, view: platform ?? next.view };
  app.focusNext = "import-result";
  app.replaceScenario(next, `Imported ${files.map((f) => f.name).join(", ")}. Undo brings the previous scenario back.`, `import ${files.map((f) => f.name).join(", ")}`);
  return true;
}

/**
 * The existing path nearest to `path` (edit distance at most a third of its length), or "".
 * @param {string} path @param {string[]} paths
 */
export function closest(path, paths) {
  let best = "";
  let bestDistance = Math.max(2, Math.floor(path.length / 3)) + 1;
  for (const candidate of paths) {
    const d = distance(path.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance. @param {string} a @param {string} b */
function distance(a, b) {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** @param {App} app */
function download(app) {
  const blob = new Blob([JSON.stringify(app.exportScenario(), null, 2) + "\n"], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: "job-token-scope-scenario.json" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** @param {App} app @param {ScenarioView} view */
async function copyLink(app, view) {
  const url = await app.shareUrl();
  let note;
  try {
    await navigator.clipboard.writeText(url);
    note = "Link copied to the clipboard.";
  } catch {
    note = "The address bar holds the share link: copy it from there.";
  }
  view.setState({ shareNote: note });
  announce(note);
}

// The scenario panel: import a file (paste or load), export the scenario as JSON, copy the share link,
// load the built-in examples. Imports go into a copy (import.js) that the engine validates; the
// scenario is replaced only when both succeed, so a bad file loses nothing.

import { el, select, field, announce, errorBox } from "./dom.js";
import { KINDS, ImportError, importText } from "./import.js";
import { gitlabExample, azureExample } from "./examples.js";

export function renderScenarioPanel(app) {
  const state = app.importState;
  const panel = el("details", { class: "panel scenario", id: "scenario-panel", open: state.open,
    on: { toggle: (e) => (state.open = e.target.open) } },
  el("summary", {}, el("span", { class: "summary-title", text: "Scenario: import, export, share" })));

  const text = el("textarea", { id: "import-text", rows: "8", spellcheck: "false", value: state.text,
    placeholder: "Paste JSON here: a GitLab REST API response, a combined file, Azure pipeline general settings, or an exported scenario",
    on: { input: (e) => (state.text = e.target.value) } });
  const kind = select({ id: "import-kind", on: { change: (e) => (state.kind = e.target.value) } }, Object.entries(KINDS), state.kind);
  const project = el("input", { id: "import-project", type: "text", autocomplete: "off", placeholder: "e.g. acme/api", value: state.project,
    on: { input: (e) => (state.project = e.target.value) } });
  const level = select({ id: "import-level", on: { change: (e) => (state.level = e.target.value) } },
    [["organization", "Organization settings"], ["project", "Project settings"]], state.level);
  const replace = el("input", { type: "checkbox", id: "import-replace", checked: state.replace, on: { change: (e) => (state.replace = e.target.checked) } });
  const file = el("input", { type: "file", id: "import-file", accept: ".json,application/json", multiple: true,
    on: { change: async (e) => {
      const files = [...e.target.files];
      e.target.value = "";
      if (files.length) await importFiles(app, files);
    } } });

  panel.append(el("section", { class: "import", "aria-labelledby": "import-heading" },
    el("h2", { id: "import-heading", text: "Import" }),
    el("form", { id: "import-form", "aria-label": "Import a file", on: { submit: (e) => {
      e.preventDefault();
      runImport(app, [{ name: "pasted text", text: state.text }]);
    } } },
    field("JSON", text),
    el("div", { class: "row" },
      field("File kind", kind),
      field("GitLab project path (for one-endpoint GitLab files)", project),
      field("Azure settings level", level)),
    el("div", { class: "check" }, replace, el("label", { for: "import-replace", text: "Replace the GitLab projects (otherwise merge into them)" })),
    el("div", { class: "row" },
      el("button", { type: "submit", id: "import-button", text: "Import pasted JSON" }),
      field("…or load files", file))),
    importResult(app)));

  panel.append(el("section", { class: "export", "aria-labelledby": "export-heading" },
    el("h2", { id: "export-heading", text: "Export and share" }),
    el("div", { class: "row" },
      el("button", { type: "button", id: "export-button", text: "Download scenario JSON", on: { click: () => download(app) } }),
      el("button", { type: "button", id: "share-button", class: "secondary", text: "Copy share link", on: { click: () => copyLink(app) } }),
      el("button", { type: "button", id: "example-gitlab", class: "secondary", text: "Load the GitLab example",
        on: { click: () => app.replaceScenario({ ...app.scenario, view: "gitlab", gitlab: gitlabExample() }, "GitLab example loaded") } }),
      el("button", { type: "button", id: "example-azure", class: "secondary", text: "Load the Azure example",
        on: { click: () => app.replaceScenario({ ...app.scenario, view: "azure", azure: azureExample() }, "Azure example loaded") } })),
    el("p", { class: "hint", text: "The link holds the whole scenario (compressed, in the part after #, which is never sent to a server). The scenario is also kept in this browser's local storage." }),
    app.transient.shareNote ? el("p", { role: "status", class: "note", text: app.transient.shareNote }) : null));
  return panel;
}

function importResult(app) {
  const result = app.transient.importResult;
  const box = el("div", { id: "import-result" });
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

async function importFiles(app, files) {
  const loaded = [];
  for (const f of files) loaded.push({ name: f.name, text: await f.text() });
  if (loaded.length === 1) app.importState.text = loaded[0].text;
  runImport(app, loaded);
}

/** Imports every file into one copy; the scenario changes only if all of them (and the engine) accept. */
export function runImport(app, files) {
  let next = app.scenario;
  const notes = [];
  let platform = null;
  for (const { name, text } of files) {
    try {
      const options = { kind: app.importState.kind, project: app.importState.project, level: app.importState.level, replace: app.importState.replace };
      const result = importText(next, text, options);
      app.checkScenario(result.scenario); // the engine's verdict on the result (throws with a path)
      next = result.scenario;
      notes.push(...result.notes.map((n) => `${name}: ${n}`));
      platform = result.platform === "both" ? result.scenario.view : result.platform;
    } catch (err) {
      const error = err instanceof ImportError ? err
        : new ImportError(err.code ? `the imported scenario (${err.code})` : "", err.message);
      app.transient.importResult = { error, name };
      announce(`Import failed: ${error.message}. Nothing was changed.`);
      app.render();
      return false;
    }
  }
  app.transient.importResult = { names: files.map((f) => f.name), notes };
  next = { ...next, view: platform ?? next.view };
  app.replaceScenario(next, `Imported ${files.map((f) => f.name).join(", ")}`);
  return true;
}

function download(app) {
  const blob = new Blob([JSON.stringify(app.exportScenario(), null, 2) + "\n"], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: "job-token-scope-scenario.json" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

async function copyLink(app) {
  const url = await app.shareUrl();
  let note;
  try {
    await navigator.clipboard.writeText(url);
    note = "Link copied to the clipboard.";
  } catch {
    note = "The address bar holds the share link: copy it from there.";
  }
  app.setTransient({ shareNote: note });
  announce(note);
}

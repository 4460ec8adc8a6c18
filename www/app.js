// @ts-check
// The settings simulator: loads the package (/pkg/web.js), the scenario (link > local storage > the
// built-in examples), and the views. The App holds the scenario, the what-if draft, the undo history and
// the matrix's decision workers; each view (view.js) owns its part of the page and its own state and is
// redrawn in place when what it shows changed (docs/contributing.md, "The simulator").
// Every change goes through editGitlab / editAzure, which let the engine validate a copy first; worlds
// and configs are never changed in place, so a view compares them by identity and the history keeps them.
// No access rule lives in www/: decisions, scopes, checks and validation all come from the package.

import { el, announce, errorBox } from "./dom.js";
import { exampleScenario } from "./examples.js";
import { SCENARIO_FORMAT, readScenario } from "./import.js";
import { decodeFragment, encodeFragment, loadStored, store, loadDraft, storeDraft, AZURE_DRAFT_KEY } from "./share.js";
import { GitlabView } from "./gitlab.js";
import { AzureView, AzureMatrixView, AzureWhyView } from "./azure.js";
import { ScenarioView } from "./io.js";
import { ConnectView } from "./connect.js";
import { EnforcementView } from "./enforcement.js";
import { MatrixView, CheckView, WhyView } from "./matrix.js";
import { MatrixEngine } from "./matrix-engine.js";
import { Tasks } from "./tasks.js";
import { View } from "./view.js";

/** @typedef {import("job-token-scope").GitlabWorld} GitlabWorld */
/** @typedef {import("job-token-scope").AzureConfig} AzureConfig */
/** @typedef {import("job-token-scope").GitlabVersionProfile} GitlabVersionProfile */
/** @typedef {import("/pkg/gitlab-fetch.js").AuthLogEntry} AuthLogEntry */
/**
 * The scenario: what the link, local storage and an exported file hold.
 * @typedef {object} Scenario
 * @property {string} [format]
 * @property {"gitlab" | "azure"} view
 * @property {{ world: GitlabWorld, ui: GitlabUi, log?: AuthLogEntry[] }} gitlab the world, and the authentication log read with it (live import)
 * @property {{ config: AzureConfig, ui: { resource?: any } }} azure
 */
/**
 * @typedef {object} GitlabUi
 * @property {string} [project] the selected project
 * @property {string} [actingUser]
 * @property {string} [matrixPermission]
 * @property {string} [matrixUser]
 * @property {boolean} [showReasons]
 * @property {"focus" | "all"} [matrixMode]
 * @property {{ source?: string, target?: string, permission?: string, user?: string }} [check]
 */
/** One step of the undo history: the state before a change. @typedef {{ label: string, scenario: Scenario, draft: GitlabWorld | null, azureDraft: AzureConfig | null }} Snapshot */

const main = /** @type {HTMLElement} */ (document.getElementById("app"));

/** @param {string} message @param {unknown} [err] */
function fatal(message, err) {
  main.replaceChildren(errorBox(err ?? new Error(message), message));
  main.setAttribute("aria-busy", "false");
}


export class App {
  /** @param {any} api the package @param {Scenario} scenario */
  constructor(api, scenario) {
    this.api = api;
    /** @type {GitlabVersionProfile[]} */
    this.versions = api.gitlabVersions();
    /** The package's version profiles by release, for an exact lookup. */
    this.profiles = new Map(this.versions.map((row) => [row.since, row]));
    /** @type {import("job-token-scope").GitlabPermissionInfo[]} */
    this.permissions = api.gitlabPermissions();
    this.products = api.azureProducts();
    this.scenario = scenario;
    /** @type {GitlabWorld | null} */
    this.draft = null;
    /** The Azure what-if draft: a changed copy of the Azure config. @type {AzureConfig | null} */
    this.azureDraft = null;
    /** @type {Snapshot[]} */
    this.history = [];
    /** @type {Snapshot[]} */
    this.future = [];
    /** Viewing a link's scenario beside the saved one: nothing is stored until the person chooses. @type {Scenario | null} */
    this.sharedBeside = null;
    /** @type {string[]} notes from loading (a damaged link, a stored scenario that could not be used) */
    this.notes = [];
    /** @type {string | null} */
    this.lastFragment = null;
    /** @type {string | null} an element to focus after the next refresh */
    this.focusNext = null;
    this.engine = new MatrixEngine(api);
    /** The Azure matrix and the enforcement plan, in a worker. */
    this.tasks = new Tasks(api);
    /** @type {string[] | null} */
    this.requestable = null;

    main.replaceChildren();
    const mount = (/** @type {string} */ id, /** @type {string} */ tag = "div") => el(tag, { id });
    const banner = mount("banner");
    const scenarioMount = mount("scenario-mount");
    const connectMount = mount("connect-mount");
    const tabs = el("div", { role: "tablist", class: "tabs", "aria-label": "Platform" });
    const glTop = mount("gl-top");
    const glReadiness = el("section", { id: "gl-readiness", class: "panel readiness", "aria-labelledby": "gl-readiness-heading" });
    const glMatrix = el("section", { id: "gl-matrix-mount", class: "panel matrix-panel", "aria-labelledby": "gl-matrix-heading" });
    const glCheck = mount("gl-check-mount");
    const glBottom = mount("gl-bottom");
    const glPage = el("div", { class: "gitlab", id: "gl-page" }, glTop, glReadiness, glMatrix, glCheck, glBottom);
    const azTop = mount("az-top");
    const azMatrix = el("section", { id: "az-matrix-mount", class: "panel matrix-panel", "aria-labelledby": "az-matrix-heading" });
    const azMount = el("div", { id: "az-mount" }, azTop, azMatrix);
    this.panel = el("div", { role: "tabpanel", id: "view" }, glPage, azMount);
    main.append(banner, scenarioMount, connectMount, tabs, this.panel);
    this.glPage = glPage;
    this.azMount = azMount;
    this.views = {
      banner: new BannerView(this, [banner]),
      scenario: new ScenarioView(this, [scenarioMount]),
      connect: new ConnectView(this, [connectMount]),
      tabs: new TabsView(this, [tabs]),
      gitlab: new GitlabView(this, [glTop, glBottom]),
      readiness: new EnforcementView(this, [glReadiness]),
      matrix: new MatrixView(this, [glMatrix]),
      check: new CheckView(this, [glCheck]),
      azure: new AzureView(this, [azTop]),
      azureMatrix: new AzureMatrixView(this, [azMatrix]),
      azureWhy: new AzureWhyView(this, [/** @type {HTMLElement} */ (document.getElementById("az-why-body"))]),
      why: new WhyView(this, [/** @type {HTMLElement} */ (document.getElementById("why-body"))]),
    };
    document.addEventListener("keydown", (e) => {
      const target = /** @type {HTMLElement} */ (e.target);
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.key.toLowerCase() !== "z") return;
      if (target.closest("input[type=text], input[type=number], textarea, input:not([type])")) return;
      e.preventDefault();
      if (e.shiftKey) this.redo();
      else this.undo();
    });
  }

  /** The GitLab world being edited: the draft when there is one. */
  gitlabWorld() {
    return this.draft ?? this.scenario.gitlab.world;
  }

  /**
   * The package's version profile of a release ("major.minor" or "latest"): the row gitlabVersions()
   * lists for it. A release between two rows (an imported scenario may name one) takes the row before it.
   * @param {string | undefined} version
   * @returns {GitlabVersionProfile}
   */
  profile(version) {
    const last = this.versions[this.versions.length - 1];
    if (!version || version === "latest") return last;
    const row = this.profiles.get(version);
    if (row) return row;
    const [major, minor] = version.split(".").map(Number);
    return [...this.versions].reverse().find((r) => {
      const [a, b] = r.since.split(".").map(Number);
      return a < major || (a === major && b <= minor);
    }) ?? this.versions[0];
  }

  /** The Azure config being edited: the draft when there is one. @returns {AzureConfig} */
  azureConfig() {
    return this.azureDraft ?? this.scenario.azure.config;
  }

  /** Throws (with the engine's path) when the scenario's world or config is not valid input. @param {Scenario} scenario */
  checkScenario(scenario) {
    this.api.validateGitlabWorld(scenario.gitlab.world);
    this.api.validateAzureConfig(scenario.azure.config);
  }

  /** Remembers the state before a change, for Undo. @param {string} label */
  record(label) {
    this.history.push({ label, scenario: this.snapshotScenario(), draft: this.draft, azureDraft: this.azureDraft });
    if (this.history.length > 100) this.history.shift();
    this.future = [];
  }

  /** @returns {Scenario} */
  snapshotScenario() {
    const s = this.scenario;
    return { ...s, gitlab: { ...s.gitlab, ui: { ...s.gitlab.ui } }, azure: { config: s.azure.config, ui: { ...s.azure.ui } } };
  }

  undo() {
    const step = this.history.pop();
    if (!step) return;
    this.future.push({ label: step.label, scenario: this.snapshotScenario(), draft: this.draft, azureDraft: this.azureDraft });
    this.scenario = step.scenario;
    this.draft = step.draft;
    this.azureDraft = step.azureDraft;
    announce(`Undone: ${step.label}.`);
    this.changed();
  }

  redo() {
    const step = this.future.pop();
    if (!step) return;
    this.history.push({ label: step.label, scenario: this.snapshotScenario(), draft: this.draft, azureDraft: this.azureDraft });
    this.scenario = step.scenario;
    this.draft = step.draft;
    this.azureDraft = step.azureDraft;
    announce(`Redone: ${step.label}.`);
    this.changed();
  }

  /**
   * Applies `mutate` to a copy of the GitLab world being edited; the engine must accept the copy
   * (else the error is shown at `slot` and nothing changes). Returns whether it changed.
   * @param {(world: any) => void} mutate
   * @param {string} slot where an error is shown
   * @param {() => void} [onSuccess]
   * @param {string} [label] for the undo history
   */
  editGitlab(mutate, slot, onSuccess, label = "a change") {
    const view = this.views.gitlab;
    const next = structuredClone(this.gitlabWorld());
    mutate(next);
    try {
      this.api.validateGitlabWorld(next);
    } catch (err) {
      view.state.errors = { [slot]: err };
      view.update(true);
      return false;
    }
    view.state.errors = {};
    this.record(label);
    if (this.draft) this.draft = next;
    else this.scenario.gitlab.world = next;
    onSuccess?.();
    this.changed();
    return true;
  }

  /**
   * Applies `mutate` to a copy of the Azure config being edited (the draft, when there is one); the engine
   * must accept the copy, else the error is shown at `slot` and nothing changes.
   * @param {(config: any) => void} mutate @param {string} slot @param {string} [label]
   */
  editAzure(mutate, slot, label = "an Azure change") {
    const view = this.views.azure;
    const next = structuredClone(this.azureConfig());
    mutate(next);
    try {
      this.api.validateAzureConfig(next);
    } catch (err) {
      view.state.errors = { [slot]: err };
      view.update(true);
      return false;
    }
    view.state.errors = {};
    this.record(label);
    if (this.azureDraft) this.azureDraft = next;
    else this.scenario.azure.config = next;
    this.changed();
    try {
      const scope = this.api.resolveAzureScope(next);
      announce(`Scope ${scope.scope}, identity ${scope.identity}.`);
    } catch {
      // shown on the page
    }
    return true;
  }

  /** @param {Partial<GitlabUi>} patch */
  setGitlabUi(patch) {
    this.scenario.gitlab.ui = { ...this.scenario.gitlab.ui, ...patch };
    this.changed();
  }

  /** @param {object} patch */
  setAzureUi(patch) {
    this.scenario.azure.ui = { ...this.scenario.azure.ui, ...patch };
    this.changed();
  }

  /** @param {"gitlab" | "azure"} view */
  setView(view) {
    this.scenario.view = view;
    this.changed();
  }

  /** Starts a what-if draft (a copy of the applied world); `world` is its content, when given. @param {GitlabWorld} [world] */
  startDraft(world) {
    if (!this.draft) {
      this.record("start a what-if draft");
      this.draft = world ?? this.scenario.gitlab.world;
    } else if (world) {
      this.record("stage a fix in the draft");
      this.draft = world;
    }
    this.focusNext = "gl-draft-heading";
    announce("What-if draft started: changes now go into the draft.");
    this.changed();
  }

  applyDraft() {
    if (!this.draft) return;
    this.record("apply the what-if draft");
    this.scenario.gitlab.world = this.draft;
    this.draft = null;
    this.focusNext = "gl-draft-start";
    announce("Draft applied.");
    this.changed();
  }

  discardDraft() {
    if (!this.draft) return;
    this.record("discard the what-if draft");
    this.draft = null;
    this.views.gitlab.state.errors = {};
    this.focusNext = "gl-draft-start";
    announce("Draft discarded. Undo brings it back.");
    this.changed();
  }

  /** Starts an Azure what-if draft: a copy of the applied config that edits then change. */
  startAzureDraft() {
    if (this.azureDraft) return;
    this.record("start an Azure what-if draft");
    this.azureDraft = this.scenario.azure.config;
    this.focusNext = "az-draft-heading";
    announce("Azure what-if draft started: changes now go into the draft.");
    this.changed();
  }

  applyAzureDraft() {
    if (!this.azureDraft) return;
    this.record("apply the Azure what-if draft");
    this.scenario.azure.config = this.azureDraft;
    this.azureDraft = null;
    this.focusNext = "az-draft-start";
    announce("Azure draft applied.");
    this.changed();
  }

  discardAzureDraft() {
    if (!this.azureDraft) return;
    this.record("discard the Azure what-if draft");
    this.azureDraft = null;
    this.views.azure.state.errors = {};
    this.focusNext = "az-draft-start";
    announce("Azure draft discarded. Undo brings it back.");
    this.changed();
  }

  /**
   * Replaces the whole scenario (import, examples, a new link); the previous one stays in the history.
   * @param {any} scenario @param {string} [message] @param {string} [label]
   */
  replaceScenario(scenario, message, label = "replace the scenario") {
    this.record(label);
    this.scenario = normalize(scenario);
    this.draft = null;
    this.azureDraft = null;
    this.views.gitlab.state = GitlabView.initialState();
    if (message) announce(message);
    this.changed();
  }

  exportScenario() {
    return { format: SCENARIO_FORMAT, view: this.scenario.view, gitlab: this.scenario.gitlab, azure: this.scenario.azure };
  }

  async shareUrl() {
    const fragment = await encodeFragment(this.exportScenario());
    return `${location.origin}${location.pathname}#${fragment}`;
  }

  /** Keeps the link's scenario: it replaces the saved one. */
  keepShared() {
    this.sharedBeside = null;
    announce("The shared scenario is now your saved scenario.");
    this.focusNext = "gl-version";
    this.changed();
  }

  /** Leaves the link's scenario for the saved one (the link's stays in the history). */
  backToSaved() {
    const saved = this.sharedBeside;
    if (!saved) return;
    this.sharedBeside = null;
    this.replaceScenario(saved, "Back to your saved scenario.", "leave the shared scenario");
  }

  /** The scenario or the draft changed: keep them in local storage and in the link, and redraw. */
  changed() {
    this.refresh();
    const scenario = this.exportScenario();
    if (!this.sharedBeside) {
      store(scenario);
      storeDraft(this.draft);
      storeDraft(this.azureDraft, undefined, AZURE_DRAFT_KEY);
    }
    encodeFragment(scenario).then((fragment) => {
      this.lastFragment = fragment;
      if (location.hash.slice(1) !== fragment) history.replaceState(null, "", `#${fragment}`);
      document.body.dataset.saved = String(Date.now());
    }).catch(() => {});
  }

  /** Redraws the views whose inputs changed; focus stays where it was, or goes where the action said. */
  refresh() {
    const focused = document.activeElement?.id;
    const gitlab = this.scenario.view !== "azure";
    this.glPage.hidden = !gitlab;
    this.azMount.hidden = gitlab;
    this.panel.setAttribute("aria-labelledby", `tab-${this.scenario.view}`);
    this.panel.dataset.view = this.scenario.view;
    const views = this.views;
    for (const view of [views.banner, views.scenario, views.connect, views.tabs]) safeUpdate(view);
    if (gitlab) for (const view of [views.gitlab, views.readiness, views.matrix, views.check]) safeUpdate(view);
    else for (const view of [views.azure, views.azureMatrix]) safeUpdate(view);
    main.setAttribute("aria-busy", "false");
    document.body.dataset.ready = "true";
    document.body.dataset.readyAt ??= String(Math.round(performance.now()));
    const want = this.focusNext;
    this.focusNext = null;
    if (want && document.getElementById(want)) document.getElementById(want)?.focus();
    else if (focused && document.activeElement === document.body) document.getElementById(focused)?.focus({ preventScroll: true });
  }
}

/** @param {View<any>} view */
function safeUpdate(view) {
  try {
    view.update();
  } catch (err) {
    console.error(err);
    view.mounts[0].replaceChildren(errorBox(err, "This view failed"));
    view.key = null;
  }
}

/** Notes from loading, the shared-link choice, and Undo / Redo. */
class BannerView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, {});
  }

  deps() {
    const app = this.app;
    return [app.notes, app.sharedBeside, app.history.length, app.history.at(-1), app.future.at(-1)];
  }

  render() {
    const app = this.app;
    const undo = app.history.at(-1);
    const redo = app.future.at(-1);
    return [[
      app.notes.length ? el("div", { class: "error", role: "alert", id: "notes" }, app.notes.map((n) => el("p", { text: n })),
        el("button", { type: "button", id: "notes-dismiss", class: "secondary small", text: "Dismiss",
          on: { click: () => { app.notes = []; app.focusNext = "app"; app.refresh(); } } })) : null,
      app.sharedBeside ? el("div", { class: "note shared", role: "region", "aria-labelledby": "shared-heading", id: "shared-banner" },
        el("h2", { id: "shared-heading", tabindex: "-1", text: "You are looking at a shared scenario" }),
        el("p", { text: "The link opened its own scenario beside the one saved in this browser, which is kept as it was. Nothing is saved until you choose." }),
        el("div", { class: "buttons" },
          el("button", { type: "button", id: "shared-keep", text: "Keep the shared scenario (replaces your saved one)", on: { click: () => app.keepShared() } }),
          el("button", { type: "button", id: "shared-back", class: "secondary", text: "Back to my saved scenario", on: { click: () => app.backToSaved() } }))) : null,
      el("div", { class: "history", role: "toolbar", "aria-label": "Undo and redo", id: "history" },
        el("button", { type: "button", id: "undo", class: "secondary small", disabled: !undo, "aria-keyshortcuts": "Control+Z",
          text: undo ? `Undo: ${undo.label}` : "Undo", on: { click: () => app.undo() } }),
        el("button", { type: "button", id: "redo", class: "secondary small", disabled: !redo, "aria-keyshortcuts": "Control+Shift+Z",
          text: redo ? `Redo: ${redo.label}` : "Redo", on: { click: () => app.redo() } })),
    ]];
  }
}

/** The platform tabs (arrow keys move between them). */
class TabsView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, {});
  }

  deps() {
    return [this.app.scenario.view];
  }

  render() {
    return [[tab(this.app, "gitlab", "GitLab CI/CD job tokens"), tab(this.app, "azure", "Azure Pipelines job access tokens")]];
  }
}

/** @param {App} app @param {"gitlab" | "azure"} view @param {string} label */
function tab(app, view, label) {
  const selected = app.scenario.view === view;
  return el("button", {
    type: "button", role: "tab", id: `tab-${view}`, "aria-selected": selected ? "true" : "false", "aria-controls": "view",
    tabindex: selected ? "0" : "-1", text: label,
    on: {
      click: () => app.setView(view),
      keydown: (/** @type {KeyboardEvent} */ e) => {
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          e.preventDefault();
          const next = view === "gitlab" ? "azure" : "gitlab";
          app.focusNext = `tab-${next}`;
          app.setView(next);
        }
      },
    },
  });
}

/** Fills what an older or hand-made scenario may lack (ui objects), and checks its outer shape. @param {any} value @returns {Scenario} */
function normalize(value) {
  const s = readScenario({ format: SCENARIO_FORMAT, ...value });
  s.gitlab.ui ??= {};
  s.azure.ui ??= {};
  return s;
}

/** @param {any} api */
async function initialScenario(api) {
  /** @type {string[]} */
  const notes = [];
  /** @param {any} value @param {string} from */
  const tryUse = (value, from) => {
    if (!value) return null;
    try {
      const s = normalize(value);
      api.validateGitlabWorld(s.gitlab.world);
      api.validateAzureConfig(s.azure.config);
      return s;
    } catch (err) {
      notes.push(`The scenario ${from} could not be used: ${/** @type {Error} */ (err).message}`);
      return null;
    }
  };
  let fromLink = null;
  try {
    fromLink = await decodeFragment(location.hash);
  } catch (err) {
    notes.push(/** @type {Error} */ (err).message);
  }
  const linked = tryUse(fromLink, "in the link");
  const stored = tryUse(loadStored(), "in local storage");
  const scenario = linked ?? stored ?? normalize(exampleScenario(api.azureProducts()));
  // a link whose scenario differs from the saved one opens beside it
  const beside = linked && stored && JSON.stringify(linked) !== JSON.stringify(stored) ? stored : null;
  return { scenario, notes, beside, fromStorage: !linked && !!stored };
}

async function start() {
  let api;
  try {
    api = await import("/pkg/web.js");
  } catch (err) {
    fatal("The engine could not be loaded from /pkg/web.js. Build it with “make pkg” (or run “make start”), then reload.", err);
    return;
  }
  for (const name of ["gitlabVersions", "gitlabPermissions", "azureProducts", "GitlabPolicy", "checkGitlabEdit"]) {
    if (typeof api[name] !== "function") {
      fatal(`The package at /pkg/web.js has no ${name}(): rebuild it with “make pkg”.`);
      return;
    }
  }
  /** @type {HTMLElement} */ (document.getElementById("engine-version")).textContent = api.version();
  const { scenario, notes, beside, fromStorage } = await initialScenario(api);
  const app = new App(api, scenario);
  /** @type {any} */ (globalThis).simulator = app; // for the browser console (and the end-to-end tests)
  app.notes = notes;
  app.sharedBeside = beside;
  // the what-if draft survives a reload (kept beside the scenario it was started from)
  const keepDrafts = fromStorage || (!beside && loadStored());
  const draft = keepDrafts ? loadDraft() : null;
  if (draft) {
    try {
      api.validateGitlabWorld(draft);
      app.draft = draft;
    } catch {
      storeDraft(null);
    }
  }
  const azureDraft = keepDrafts ? loadDraft(undefined, AZURE_DRAFT_KEY) : null;
  if (azureDraft) {
    try {
      api.validateAzureConfig(azureDraft);
      app.azureDraft = azureDraft;
    } catch {
      storeDraft(null, undefined, AZURE_DRAFT_KEY);
    }
  }
  app.changed();
  if (beside) /** @type {HTMLElement | null} */ (document.getElementById("shared-heading"))?.focus();
  window.addEventListener("hashchange", async () => {
    const fragment = location.hash.slice(1);
    if (fragment === app.lastFragment) return;
    try {
      const value = await decodeFragment(location.hash);
      if (value) {
        const s = normalize(value);
        app.checkScenario(s);
        // the scenario open now is kept beside the link's, until the person chooses
        app.sharedBeside ??= app.snapshotScenario();
        app.focusNext = "shared-heading";
        app.replaceScenario(s, "Scenario loaded from the link; your saved scenario is kept until you choose.", "open a shared link");
      }
    } catch (err) {
      app.notes = [`The link's scenario could not be used: ${/** @type {Error} */ (err).message}`];
      app.refresh();
    }
  });
  for (const name of ["why", "az-why"]) {
    /** @type {HTMLElement} */ (document.getElementById(`${name}-close`)).addEventListener("click", () => /** @type {HTMLDialogElement} */ (document.getElementById(`${name}-dialog`)).close());
  }
}

start().catch((err) => fatal("The simulator failed to start", err));

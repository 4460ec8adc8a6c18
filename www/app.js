// The settings simulator: loads the package (/pkg/web.js), the scenario (link > local storage > the
// built-in examples), and renders the GitLab or Azure view. Holds the scenario and the what-if draft;
// every change goes through editGitlab / editAzure, which let the engine validate a copy first.
// No access rule lives in www/: decisions, scopes, checks and validation all come from the package.

import { el, announce, errorBox } from "./dom.js";
import { exampleScenario } from "./examples.js";
import { SCENARIO_FORMAT, readScenario } from "./import.js";
import { decodeFragment, encodeFragment, loadStored, store } from "./share.js";
import { renderGitlab } from "./gitlab.js";
import { renderAzure } from "./azure.js";
import { renderScenarioPanel } from "./io.js";
import { flips } from "./matrix.js";

const main = document.getElementById("app");

function fatal(message, err) {
  main.replaceChildren(errorBox(err ?? new Error(message), message));
  main.setAttribute("aria-busy", "false");
}

class App {
  constructor(api, scenario) {
    this.api = api;
    this.versions = api.gitlabVersions();
    this.permissions = api.gitlabPermissions();
    this.products = api.azureProducts();
    this.scenario = scenario;
    this.draft = null;
    this.transient = { errors: {} };
    this.importState = { open: false, text: "", kind: "auto", project: "", level: "project", replace: false };
    this.policies = {};
    this.lastFragment = null;
  }

  /** The GitLab world being edited: the draft when there is one. */
  gitlabWorld() {
    return this.draft ?? this.scenario.gitlab.world;
  }

  /** A compiled GitlabPolicy for `world`, cached per slot ("applied" / "draft"); the old one is freed. */
  policy(slot, world) {
    const key = JSON.stringify(world);
    const cached = this.policies[slot];
    if (cached?.key === key) return cached.policy;
    this.freePolicy(slot);
    const policy = new this.api.GitlabPolicy(world);
    this.policies[slot] = { key, policy };
    return policy;
  }

  freePolicy(slot) {
    this.policies[slot]?.policy.free();
    delete this.policies[slot];
  }

  /** Throws (with the engine's path) when the scenario's world or config is not valid input. */
  checkScenario(scenario) {
    this.api.validateGitlabWorld(scenario.gitlab.world);
    this.api.validateAzureConfig(scenario.azure.config);
  }

  /**
   * Applies `mutate` to a copy of the GitLab world being edited; the engine must accept the copy
   * (else the error is shown at `slot` and nothing changes). Returns whether it changed.
   */
  editGitlab(mutate, slot, onSuccess) {
    const next = structuredClone(this.gitlabWorld());
    mutate(next);
    try {
      this.api.validateGitlabWorld(next);
    } catch (err) {
      this.transient.errors = { [slot]: err };
      this.render();
      return false;
    }
    this.transient.errors = {};
    if (this.draft) this.draft = next;
    else this.scenario.gitlab.world = next;
    onSuccess?.();
    this.changed();
    if (this.draft) {
      const n = flips(this).length;
      announce(`Draft updated: ${n} matrix cell${n === 1 ? "" : "s"} flip.`);
    }
    return true;
  }

  editAzure(mutate, slot) {
    const next = structuredClone(this.scenario.azure.config);
    mutate(next);
    try {
      this.api.validateAzureConfig(next);
    } catch (err) {
      this.transient.errors = { [slot]: err };
      this.render();
      return false;
    }
    this.transient.errors = {};
    this.scenario.azure.config = next;
    this.changed();
    try {
      const scope = this.api.resolveAzureScope(next);
      announce(`Scope ${scope.scope}, identity ${scope.identity}.`);
    } catch {
      // shown on the page
    }
    return true;
  }

  setGitlabUi(patch) {
    Object.assign(this.scenario.gitlab.ui, patch);
    this.changed();
  }

  setAzureUi(patch) {
    Object.assign(this.scenario.azure.ui, patch);
    this.changed();
  }

  setTransient(patch) {
    Object.assign(this.transient, patch);
    this.render();
  }

  setView(view) {
    this.scenario.view = view;
    this.transient.errors = {};
    this.changed();
  }

  startDraft() {
    if (!this.draft) this.draft = structuredClone(this.scenario.gitlab.world);
    this.render();
  }

  applyDraft() {
    if (!this.draft) return;
    this.scenario.gitlab.world = this.draft;
    this.draft = null;
    this.freePolicy("draft");
    announce("Draft applied.");
    this.changed();
  }

  discardDraft() {
    this.draft = null;
    this.freePolicy("draft");
    this.transient.errors = {};
    announce("Draft discarded.");
    this.render();
  }

  /** Replaces the whole scenario (import, examples, a new link); drops any draft. */
  replaceScenario(scenario, message) {
    this.scenario = normalize(scenario);
    this.draft = null;
    this.freePolicy("draft");
    this.transient = { errors: {}, importResult: this.transient.importResult, notes: [] };
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

  /** The applied scenario changed: keep it in local storage and in the link, and redraw. */
  changed() {
    this.render();
    const scenario = this.exportScenario();
    store(scenario);
    encodeFragment(scenario).then((fragment) => {
      this.lastFragment = fragment;
      if (location.hash.slice(1) !== fragment) history.replaceState(null, "", `#${fragment}`);
      document.body.dataset.saved = String(Date.now());
    }).catch(() => {});
  }

  render() {
    const focused = document.activeElement?.id;
    const tabs = el("div", { role: "tablist", class: "tabs", "aria-label": "Platform" },
      tab(this, "gitlab", "GitLab CI/CD job tokens"), tab(this, "azure", "Azure Pipelines job access tokens"));
    let view;
    try {
      view = this.scenario.view === "azure" ? renderAzure(this) : renderGitlab(this);
    } catch (err) {
      view = errorBox(err, "This view failed");
      console.error(err);
    }
    const panel = el("div", { role: "tabpanel", id: "view", "aria-labelledby": `tab-${this.scenario.view}`, dataset: { view: this.scenario.view } }, view);
    const notes = this.transient.notes?.length
      ? el("div", { class: "error", role: "alert" }, this.transient.notes.map((n) => el("p", { text: n })),
        el("button", { type: "button", id: "notes-dismiss", class: "secondary small", text: "Dismiss", on: { click: () => this.setTransient({ notes: [] }) } }))
      : null;
    main.replaceChildren(...[notes, renderScenarioPanel(this), tabs, panel].filter(Boolean));
    main.setAttribute("aria-busy", "false");
    document.body.dataset.ready = "true";
    if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
  }
}

function tab(app, view, label) {
  const selected = app.scenario.view === view;
  return el("button", {
    type: "button", role: "tab", id: `tab-${view}`, "aria-selected": selected ? "true" : "false", "aria-controls": "view",
    tabindex: selected ? "0" : "-1", text: label,
    on: {
      click: () => app.setView(view),
      keydown: (e) => {
        if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
          e.preventDefault();
          const next = view === "gitlab" ? "azure" : "gitlab";
          app.setView(next);
          document.getElementById(`tab-${next}`)?.focus();
        }
      },
    },
  });
}

/** Fills what an older or hand-made scenario may lack (ui objects), and checks its outer shape. */
function normalize(value) {
  const s = readScenario({ format: SCENARIO_FORMAT, ...value });
  s.gitlab.ui ??= {};
  s.azure.ui ??= {};
  return s;
}

async function initialScenario(api) {
  const notes = [];
  const tryUse = (value, from) => {
    if (!value) return null;
    try {
      const s = normalize(value);
      api.validateGitlabWorld(s.gitlab.world);
      api.validateAzureConfig(s.azure.config);
      return s;
    } catch (err) {
      notes.push(`The scenario ${from} could not be used: ${err.message}`);
      return null;
    }
  };
  let fromLink = null;
  try {
    fromLink = await decodeFragment(location.hash);
  } catch (err) {
    notes.push(err.message);
  }
  const scenario = tryUse(fromLink, "in the link") ?? tryUse(loadStored(), "in local storage") ?? normalize(exampleScenario());
  return { scenario, notes };
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
  document.getElementById("engine-version").textContent = api.version();
  const { scenario, notes } = await initialScenario(api);
  const app = new App(api, scenario);
  globalThis.simulator = app; // for the browser console (and the end-to-end tests)
  app.transient.notes = notes;
  app.changed();
  window.addEventListener("hashchange", async () => {
    const fragment = location.hash.slice(1);
    if (fragment === app.lastFragment) return;
    try {
      const value = await decodeFragment(location.hash);
      if (value) {
        const s = normalize(value);
        app.checkScenario(s);
        app.replaceScenario(s, "Scenario loaded from the link");
      }
    } catch (err) {
      app.setTransient({ notes: [`The link's scenario could not be used: ${err.message}`] });
    }
  });
  document.getElementById("why-close").addEventListener("click", () => document.getElementById("why-dialog").close());
}

start().catch((err) => fatal("The simulator failed to start", err));

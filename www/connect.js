// @ts-check
// "Connect to GitLab": reads a group's (or a list of projects') job token settings, allowlists,
// fine-grained permissions, and optionally the authentication logs and members, from a GitLab instance
// with the package's `job-token-scope/fetch` module (/pkg/gitlab-fetch.js, loaded when first used), and
// makes what was read the scenario's GitLab part (undoable). A progress line while it reads, a Cancel
// button (an AbortSignal), and the reads that failed listed by project with their HTTP status.
//
// The token is kept in memory only: it is read from its field when the person connects and passed to
// the fetch; it is never rendered (the field is `data-keep-value`: a redraw leaves its value alone and
// never writes it into an attribute), never put in the view's state, the scenario, the link or local
// storage. GitLab answers its API to any origin without credentials (docs/live-import.md), so the page
// talks to it directly.

import { el, live, field, announce, errorBox } from "./dom.js";
import { View } from "./view.js";

/** @typedef {import("./app.js").App} App */
/** @typedef {import("/pkg/gitlab-fetch.js").FetchProgress} FetchProgress */
/** @typedef {import("/pkg/gitlab-fetch.js").FetchReport} FetchReport */
/**
 * The panel's own state: what was typed (never the token), the fetch running, its outcome.
 * @typedef {object} ConnectState
 * @property {boolean} open
 * @property {string} url
 * @property {"group" | "projects"} scope
 * @property {string} group
 * @property {string} projects one path per line
 * @property {boolean} authLog
 * @property {boolean} members
 * @property {{ controller: AbortController, progress: FetchProgress | null } | null} running
 * @property {any} error what ended the last fetch (a GitlabFetchError, or the engine refusing the world)
 * @property {boolean} cancelled the last fetch was cancelled
 * @property {{ report: FetchReport, projects: number, logEntries: number } | null} result the last fetch read
 */

/** What to try, per GitlabFetchError code (gitlab-fetch.d.ts). */
const HINTS = {
  invalid_options: "Give GitLab's address and a group (or projects).",
  insecure_url: "Use https (http only for localhost).",
  unauthorized: "GitLab refused the token: check it, and that it has the read_api scope.",
  version_unreadable: "GitLab did not answer GET /api/v4/version: check the address (and that this network reaches it).",
  not_found: "GitLab has no such group or project, or the token cannot see it.",
  list_unreadable: "The projects could not be listed: the token may lack access to the group.",
};

export class ConnectView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    /** @type {ConnectState} */
    const state = { open: false, url: "", scope: "group", group: "", projects: "", authLog: true, members: false,
      running: null, error: null, cancelled: false, result: null };
    super(app, mounts, state);
    /** A progress report waiting for the next frame (reports come after every project). */
    this.frame = 0;
  }

  render() {
    return [[renderConnect(this.app, this)]];
  }

  /** @param {FetchProgress} progress */
  progress(progress) {
    if (!this.state.running) return;
    this.state.running.progress = progress;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update(true);
    });
  }
}

/** @param {FetchProgress | null} p */
function progressText(p) {
  if (!p) return "Connecting…";
  const phase = { version: "Reading GitLab's version", list: "Listing the projects", projects: "Reading the projects", members: "Reading the members",
    assemble: "Putting the scenario together", done: "Done" }[p.phase] ?? p.phase;
  const counts = p.projects ? `: ${p.projectsDone} of ${p.projects} projects` : "";
  return `${phase}${counts}. ${p.requests} request${p.requests === 1 ? "" : "s"}${p.retries ? `, ${p.retries} retried` : ""}${p.throttled ? ` (${p.throttled} rate-limited)` : ""}, ${p.failures} failed, ${(p.elapsedMs / 1000).toFixed(1)} s.`;
}

/** @param {App} app @param {ConnectView} view */
function renderConnect(app, view) {
  const state = view.state;
  const running = state.running;
  const panel = el("details", { class: "panel connect", id: "connect-panel", open: state.open,
    on: { toggle: (/** @type {any} */ e) => (state.open = e.target.open) } },
  el("summary", {}, el("span", { class: "summary-title", text: "Connect to GitLab: read a group's settings" })));

  const url = el("input", { id: "connect-url", type: "url", autocomplete: "url", spellcheck: "false", placeholder: "https://gitlab.example.com", value: state.url,
    on: { input: (/** @type {any} */ e) => (state.url = e.target.value) } });
  // never rendered with a value; read through live() when connecting
  const token = el("input", { id: "connect-token", type: "password", autocomplete: "off", spellcheck: "false", "data-keep-value": true, placeholder: "glpat-…" });
  const scope = (/** @type {"group" | "projects"} */ value, /** @type {string} */ label) => el("div", { class: "check" },
    el("input", { type: "radio", name: "connect-scope", id: `connect-scope-${value}`, value, checked: state.scope === value,
      on: { change: () => view.setState({ scope: value }) } }),
    el("label", { for: `connect-scope-${value}`, text: label }));
  const group = el("input", { id: "connect-group", type: "text", autocomplete: "off", spellcheck: "false", placeholder: "acme", value: state.group,
    on: { input: (/** @type {any} */ e) => (state.group = e.target.value) } });
  const projects = el("textarea", { id: "connect-projects", rows: "3", spellcheck: "false", placeholder: "acme/api\nacme/web", value: state.projects,
    on: { input: (/** @type {any} */ e) => (state.projects = e.target.value) } });
  const authLog = el("input", { type: "checkbox", id: "connect-auth-log", checked: state.authLog, on: { change: (/** @type {any} */ e) => (state.authLog = e.target.checked) } });
  const members = el("input", { type: "checkbox", id: "connect-members", checked: state.members, on: { change: (/** @type {any} */ e) => (state.members = e.target.checked) } });

  const form = el("form", { id: "connect-form", "aria-label": "Connect to GitLab", on: { submit: (/** @type {Event} */ e) => {
    e.preventDefault();
    if (!state.running) connect(app, view, live(token).value);
  } } },
  el("p", { class: "hint", text: "Reads each project's job token settings, allowlists and fine-grained permissions through GitLab's API, straight from this browser. The token stays in this page's memory: it is never saved, put in the link or exported." }),
  el("div", { class: "row" },
    field("GitLab address", url),
    field("Access token (read_api)", token, "A personal, group or project access token. Forgotten when you close the page.")),
  el("fieldset", { class: "connect-scope" }, el("legend", { text: "What to read" }),
    scope("group", "A group and its subgroups"), scope("projects", "These projects"),
    state.scope === "group" ? field("Group path", group) : field("Project paths, one a line", projects)),
  el("div", { class: "check" }, authLog, el("label", { for: "connect-auth-log", text: "Authentication logs (which projects' jobs used a token here; GitLab 17.6+)" })),
  el("div", { class: "check" }, members, el("label", { for: "connect-members", text: "Members and their roles" })),
  el("div", { class: "buttons" },
    el("button", { type: "submit", id: "connect-button", disabled: !!running, text: running ? "Reading…" : "Read from GitLab" }),
    running ? el("button", { type: "button", id: "connect-cancel", class: "secondary", text: "Cancel", on: { click: () => running.controller.abort() } }) : null));
  panel.append(form);

  if (running) {
    const p = running.progress;
    panel.append(el("div", { class: "connect-progress" },
      el("progress", { id: "connect-progress-bar", "aria-labelledby": "connect-progress", max: String(Math.max(1, p?.projects ?? 1)), value: String(p?.projectsDone ?? 0) }),
      el("p", { id: "connect-progress", text: progressText(p) })));
  }
  panel.append(outcome(view));
  return panel;
}

/** The last fetch's outcome: what was read and what failed, an error, or a cancel. @param {ConnectView} view */
function outcome(view) {
  const state = view.state;
  const box = el("div", { id: "connect-result", tabindex: "-1" });
  if (state.cancelled) {
    box.append(el("p", { class: "note", role: "status", text: "Cancelled: the requests in flight were stopped and the scenario was not changed." }));
  } else if (state.error) {
    const err = state.error;
    box.append(el("div", { class: "error", role: "alert" },
      el("p", {}, el("strong", { text: "Nothing was read" }), err.code ? [" (", el("code", { class: "connect-code", text: err.code }), ")"] : "", ": ", err.message),
      err.request ? el("p", {}, "Request: ", el("code", { text: err.request }), err.status ? ` → HTTP ${err.status}` : "") : null,
      HINTS[/** @type {keyof typeof HINTS} */ (err.code)] ? el("p", { text: HINTS[/** @type {keyof typeof HINTS} */ (err.code)] }) : null));
  } else if (state.result) {
    const { report, projects, logEntries } = state.result;
    const what = report.group ? `group ${report.group}` : report.projects ? `${report.projects.length} project${report.projects.length === 1 ? "" : "s"}` : "the instance";
    box.append(el("div", { class: report.complete ? "note" : "warning", role: "status" },
      el("h3", { id: "connect-result-heading", text: report.complete ? "Read from GitLab" : `Read from GitLab, with ${report.failures.length} failure${report.failures.length === 1 ? "" : "s"}` }),
      el("p", { id: "connect-summary", text: `${what} of ${report.url} (GitLab ${report.gitlabVersion}): ${projects} projects in the scenario` +
        `${report.authLog ? `, ${logEntries} authentication log entr${logEntries === 1 ? "y" : "ies"}` : ""}${report.members ? ", members" : ""}; ` +
        `${report.requests} requests in ${(report.elapsedMs / 1000).toFixed(1)} s. It is now the scenario's GitLab part: Undo brings the previous one back.` }),
      report.notes.length ? el("ul", {}, report.notes.map((n) => el("li", { text: n }))) : null));
    if (report.failures.length) {
      box.append(el("div", { class: "scroll", role: "region", tabindex: "0", "aria-label": "Reads that failed" }, el("table", { id: "connect-failures" },
        el("caption", { text: "What could not be read (the rest was): these parts keep GitLab's defaults in the scenario" }),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col", text: "Project or group" }), el("th", { scope: "col", text: "What" }), el("th", { scope: "col", text: "Request" }),
          el("th", { scope: "col", text: "Status" }), el("th", { scope: "col", text: "Message" }))),
        el("tbody", {}, report.failures.map((f) => el("tr", {},
          el("th", { scope: "row" }, el("code", { text: f.project ?? f.group ?? "—" })),
          el("td", { text: f.what }), el("td", {}, el("code", { text: f.request })),
          el("td", { text: f.status === null ? "no answer" : String(f.status) }), el("td", { text: f.message })))))));
    }
  }
  return box;
}

/**
 * Reads from GitLab and, when the engine takes the world, makes it the scenario's GitLab part.
 * @param {App} app @param {ConnectView} view @param {string} token
 */
async function connect(app, view, token) {
  const state = view.state;
  const controller = new AbortController();
  const group = state.group.trim();
  const projects = state.projects.split("\n").map((p) => p.trim()).filter(Boolean);
  view.setState({ running: { controller, progress: null }, error: null, cancelled: false, result: null });
  app.focusNext = "connect-cancel";
  app.refresh();
  announce("Reading from GitLab…");
  try {
    const { fetchGitlabScenario } = await import("/pkg/gitlab-fetch.js");
    const scenario = await fetchGitlabScenario({
      url: state.url.trim(), token, ...(state.scope === "group" ? { group } : { projects }), authLog: state.authLog, members: state.members,
      signal: controller.signal, onProgress: (p) => view.progress(p),
    });
    app.api.validateGitlabWorld(scenario.world);
    const report = scenario.fetch;
    state.running = null;
    state.result = { report, projects: scenario.world.projects.length, logEntries: scenario.log.length };
    app.focusNext = "connect-result";
    app.replaceScenario({ ...app.scenario, view: "gitlab", gitlab: { world: scenario.world, log: scenario.log, ui: { project: scenario.world.projects[0]?.path } } },
      `Read ${scenario.world.projects.length} projects from GitLab${report.complete ? "" : `; ${report.failures.length} reads failed`}. Undo brings the previous scenario back.`,
      "read from GitLab");
    view.update(true);
  } catch (err) {
    const cancelled = controller.signal.aborted;
    state.running = null;
    state.cancelled = cancelled;
    state.error = cancelled ? null : err;
    app.focusNext = cancelled ? "connect-button" : "connect-result";
    view.update(true);
    app.refresh();
    announce(cancelled ? "Cancelled. The scenario was not changed." : `Nothing was read: ${/** @type {Error} */ (err).message}`);
  }
}

// @ts-check
// The GitLab access matrix (source × target), its "Why?" dialog with the changes that would allow a
// denied request, the what-if diff, and the one-request checker.
//
// The matrix shows, by default, the selected project's row and column (who can reach it, what it can
// reach), or every project a page at a time; a filter narrows either. Its cells come from the decision
// workers (matrix-engine.js: a GitlabPolicy per world, checkGitlabAccess per cell with a triggering user)
// and are drawn when they arrive; the page never waits for them. The table is one Tab stop: the arrow
// keys, Home / End and Page Up / Page Down move inside it (the ARIA grid pattern).
// This module only shapes the engine's answers for display (decisions.js classifies them).

import { el, select, field, announce, traceTable, errorBox, srOnly } from "./dom.js";
import { View, revOf } from "./view.js";
import { SYMBOLS, LABELS, category } from "./decisions.js";

export { SYMBOLS, category };

/** @typedef {import("./app.js").App} App */
/** @typedef {import("./decisions.js").Cell} Cell */
/** @typedef {import("job-token-scope").GitlabWorld} GitlabWorld */
/** @typedef {import("job-token-scope").Decision} Decision */
/**
 * @typedef {object} MatrixState
 * @property {string} filter text a project path must contain to be shown
 * @property {number} rowPage page of rows ("all projects")
 * @property {number} colPage page of columns ("all projects")
 * @property {{ r: number, c: number } | null} active the cell (row, column in the grid shown) holding its Tab stop
 * @property {any} error the engine's error, if the cells cannot be computed
 * @property {string} errorKey what the error was for
 * @property {number} done increments when cells arrive (redraw)
 */

/** Rows and columns per page when every project is shown. */
export const PAGE_ROWS = 40;
export const PAGE_COLS = 20;
/** Rows per page of the selected project's row and column. */
export const PAGE_FOCUS = 100;
/** Up to this many projects, the draft's flipped cells are counted over the whole matrix; beyond, over the cells shown. */
const WHOLE_DIFF = 50;

/**
 * The permissions a request may name: gitlabPermissions() less those the engine refuses in a request
 * (a policy that is not a request permission, such as admin_repositories), asked of the engine once.
 * @param {App} app
 */
export function requestPermissions(app) {
  if (!app.requestable) {
    const world = { projects: [{ path: "probe/project" }] };
    app.requestable = app.permissions.filter((p) => {
      try {
        app.api.checkGitlabAccess(world, { source: "probe/project", target: "probe/project", permission: p.name });
        return true;
      } catch {
        return false;
      }
    }).map((p) => p.name);
  }
  return app.requestable;
}

/** The matrix's permission and user, as chosen and still present in `world`. @param {App} app @param {GitlabWorld} world */
function selection(app, world) {
  const ui = app.scenario.gitlab.ui;
  const permission = requestPermissions(app).includes(ui.matrixPermission ?? "") ? /** @type {string} */ (ui.matrixPermission) : "";
  const user = Object.hasOwn(world.users ?? {}, ui.matrixUser ?? "") ? /** @type {string} */ (ui.matrixUser) : "";
  return { permission, user };
}

/** The engine's decision for one request, with its trace (for "Why?" and the checker). @param {App} app @param {GitlabWorld} world @param {any} request */
function decide(app, world, request) {
  return app.api.checkGitlabAccess(world, request);
}

/** @param {string} source @param {string} target @param {string} permission @param {string} user */
function request(source, target, permission, user) {
  /** @type {any} */
  const r = { source, target };
  if (permission) r.permission = permission;
  if (user) r.user = user;
  return r;
}

const pairKey = (/** @type {string} */ s, /** @type {string} */ t) => `${s}\0${t}`;

/** @extends {View<MatrixState>} */
export class MatrixView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, { filter: "", rowPage: 0, colPage: 0, active: null, error: null, errorKey: "", done: 0 });
    /** Cells shown whose decision is still being computed. */
    this.pendingCount = 0;
    /** Cells the draft flips (in the last drawing). */
    this.flipCount = 0;
  }

  deps() {
    const app = this.app;
    const ui = app.scenario.gitlab.ui;
    return [app.scenario.gitlab.world, app.draft, ui.project, ui.matrixPermission, ui.matrixUser, ui.showReasons, ui.matrixMode, this.state.done];
  }

  render() {
    const start = performance.now();
    const out = renderMatrix(this.app, this);
    this.mounts[0].dataset.state = this.pendingCount ? "computing" : "ready";
    // when the cells shown were all drawn (the benchmark and the tests read it)
    if (!this.pendingCount) this.mounts[0].dataset.readyAt = String(performance.now());
    this.mounts[0].dataset.renderMs = String(Math.round(performance.now() - start));
    return [out];
  }

  /**
   * Asks the workers for what is missing, then redraws (unless a newer request came meanwhile).
   * @param {{ slot: string, pairs: [string, string][], user: string }[]} requests @param {string} permission @param {string} key
   */
  load(requests, permission, key) {
    const engine = this.app.engine;
    const gen = engine.begin();
    const requestable = requestPermissions(this.app);
    Promise.all(requests.map((r) => engine.cells(gen, r.slot, r.pairs, permission, r.user, requestable)))
      .then((results) => {
        if (results.some((r) => r === null)) return; // superseded
        this.state.done++;
        this.update();
        if (this.app.draft) announceFlips(this);
      })
      .catch((err) => {
        this.state.error = err;
        this.state.errorKey = key;
        this.state.done++;
        this.update();
      });
  }
}

/** The flips found, for the announcement after an edit of the draft. @param {MatrixView} view */
function announceFlips(view) {
  const n = view.flipCount ?? 0;
  announce(`Draft updated: ${n} matrix cell${n === 1 ? "" : "s"} flip.`);
}

/** @param {App} app @param {MatrixView} view @returns {any[]} */
function renderMatrix(app, view) {
  const state = view.state;
  const world = app.gitlabWorld();
  const applied = app.scenario.gitlab.world;
  const ui = app.scenario.gitlab.ui;
  const { permission, user } = selection(app, world);
  const users = Object.keys(world.users ?? {});
  const mode = ui.matrixMode === "all" ? "all" : "focus";
  const engine = app.engine;
  engine.setWorld("applied", revOf(applied), applied);
  if (app.draft) engine.setWorld("draft", revOf(app.draft), app.draft);
  const slot = app.draft ? "draft" : "applied";
  const appliedUser = Object.hasOwn(applied.users ?? {}, user) ? user : "";

  const paths = world.projects.map((p) => p.path);
  const selected = paths.includes(ui.project ?? "") ? /** @type {string} */ (ui.project) : paths[0];
  const needle = state.filter.trim().toLowerCase();
  const shown = needle ? paths.filter((p) => p.toLowerCase().includes(needle)) : paths;

  const heading = el("h2", { id: "gl-matrix-heading", text: app.draft ? "Access matrix (with the draft)" : "Access matrix" });
  const permissionSelect = select({ id: "gl-matrix-permission", on: { change: (/** @type {any} */ e) => app.setGitlabUi({ matrixPermission: e.target.value }) } },
    [["", "(none — any access)"], ...requestPermissions(app).map((p) => [p, p])], permission);
  const userSelect = select({ id: "gl-matrix-user", on: { change: (/** @type {any} */ e) => app.setGitlabUi({ matrixUser: e.target.value }) } },
    [["", "(none)"], ...users], user);
  const modeSelect = select({ id: "gl-matrix-mode", on: { change: (/** @type {any} */ e) => {
    view.state.rowPage = 0;
    view.state.colPage = 0;
    view.state.active = null;
    app.setGitlabUi({ matrixMode: e.target.value });
  } } }, [["focus", `The selected project's row and column${selected ? ` (${selected})` : ""}`], ["all", "All projects, a page at a time"]], mode);
  const filter = el("input", { id: "gl-matrix-filter", type: "search", autocomplete: "off", value: state.filter, placeholder: "part of a path",
    on: { input: (/** @type {any} */ e) => {
      view.state.filter = e.target.value;
      view.state.rowPage = 0;
      view.state.colPage = 0;
      view.update(true);
    } } });
  const reasons = el("input", { type: "checkbox", id: "gl-matrix-reasons", checked: !!ui.showReasons,
    on: { change: (/** @type {any} */ e) => app.setGitlabUi({ showReasons: e.target.checked }) } });
  const controls = el("div", { class: "row" },
    field("Permission asked", permissionSelect),
    field("Triggering user", userSelect),
    field("Show", modeSelect),
    field("Filter projects", filter),
    el("div", { class: "check" }, reasons, el("label", { for: "gl-matrix-reasons", text: "Show reason codes in the cells" })));
  const legend = el("ul", { class: "legend", "aria-label": "Legend" },
    Object.entries(SYMBOLS).map(([cat, symbol]) => el("li", {},
      el("span", { class: `cell-sample ${cat}`, "aria-hidden": "true", text: symbol }), ` ${LABELS[/** @type {keyof LABELS} */ (cat)]}`)),
    el("li", {}, el("span", { class: "cell-sample flipped", "aria-hidden": "true", text: "✗→✓" }), " flipped by the draft"),
    el("li", { class: "muted", text: "Select a cell for “Why?”: every rule evaluated, and what would have to change." }));
  const out = [heading, controls, legend];
  if (!paths.length) {
    out.push(el("p", { class: "muted", text: "No projects." }));
    return out;
  }

  // the cells to show
  /** @type {[string, string][]} */
  let pairs;
  /** @type {string[]} */
  let rows;
  /** @type {string[]} */
  let cols = [];
  let rowInfo = "";
  let colInfo = "";
  const focusRows = [selected, ...shown.filter((p) => p !== selected)];
  if (mode === "focus") {
    const pages = Math.max(1, Math.ceil(focusRows.length / PAGE_FOCUS));
    state.rowPage = Math.min(state.rowPage, pages - 1);
    rows = focusRows.slice(state.rowPage * PAGE_FOCUS, (state.rowPage + 1) * PAGE_FOCUS);
    pairs = rows.flatMap((p) => /** @type {[string, string][]} */ ([[p, selected], [selected, p]]));
    rowInfo = `Rows ${state.rowPage * PAGE_FOCUS + 1}–${state.rowPage * PAGE_FOCUS + rows.length} of ${focusRows.length}`;
  } else {
    const rowPages = Math.max(1, Math.ceil(shown.length / PAGE_ROWS));
    const colPages = Math.max(1, Math.ceil(shown.length / PAGE_COLS));
    state.rowPage = Math.min(state.rowPage, rowPages - 1);
    state.colPage = Math.min(state.colPage, colPages - 1);
    rows = shown.slice(state.rowPage * PAGE_ROWS, (state.rowPage + 1) * PAGE_ROWS);
    cols = shown.slice(state.colPage * PAGE_COLS, (state.colPage + 1) * PAGE_COLS);
    pairs = rows.flatMap((s) => cols.map((t) => /** @type {[string, string]} */ ([s, t])));
    rowInfo = `Rows ${shown.length ? state.rowPage * PAGE_ROWS + 1 : 0}–${state.rowPage * PAGE_ROWS + rows.length} of ${shown.length}`;
    colInfo = `columns ${shown.length ? state.colPage * PAGE_COLS + 1 : 0}–${state.colPage * PAGE_COLS + cols.length} of ${shown.length}`;
  }

  // the draft's diff: every cell of a small matrix, else the cells shown
  const appliedPaths = new Set(applied.projects.map((p) => p.path));
  /** @type {[string, string][]} */
  const diffPairs = !app.draft ? [] : paths.length <= WHOLE_DIFF ? paths.flatMap((s) => paths.map((t) => /** @type {[string, string]} */ ([s, t]))) : pairs;
  /** @type {{ slot: string, pairs: [string, string][], user: string }[]} */
  const requests = [{ slot, pairs: app.draft ? /** @type {[string, string][]} */ (dedupe([...pairs, ...diffPairs])) : pairs, user }];
  if (app.draft) requests.push({ slot: "applied", pairs: diffPairs.filter(([s, t]) => appliedPaths.has(s) && appliedPaths.has(t)), user: appliedUser });
  const key = `${revOf(world)}\0${revOf(applied)}\0${permission}\0${user}`;
  if (state.error && state.errorKey === key) {
    out.push(errorBox(state.error, "The matrix cannot be computed"));
    view.pendingCount = 0;
    return out;
  }
  state.error = null;
  const missing = requests.filter((r) => r.pairs.some(([s, t]) => !engine.known(r.slot, permission, r.user, s, t)));
  view.pendingCount = missing.length ? pairs.length : 0;
  if (missing.length) view.load(missing, permission, key);

  /** @param {string} s @param {string} t */
  const cellOf = (s, t) => engine.known(slot, permission, user, s, t);
  /** @param {string} s @param {string} t */
  const flipOf = (s, t) => {
    if (!app.draft) return null;
    const after = cellOf(s, t);
    if (!after) return null;
    if (!appliedPaths.has(s) || !appliedPaths.has(t)) return { before: null, after };
    const before = engine.known("applied", permission, appliedUser, s, t);
    if (!before) return null;
    return before.category !== after.category ? { before, after } : null;
  };

  // the grid
  const active = state.active ?? { r: 0, c: 0 };
  /** @param {string} s @param {string} t @param {number} r @param {number} c */
  const cellNode = (s, t, r, c) => {
    const cell = cellOf(s, t);
    const isActive = r === Math.min(active.r, rows.length - 1) && c === Math.min(active.c, (mode === "focus" ? 2 : cols.length) - 1);
    const common = { type: "button", id: `gl-cell-${r}-${c}`, class: "cell-button", tabindex: isActive ? "0" : "-1", dataset: { source: s, target: t, r: String(r), c: String(c) } };
    if (!cell) {
      return el("td", { class: "cell pending" }, el("button", { ...common, "aria-label": `${s} → ${t}: being computed`, disabled: false,
        on: { click: () => openWhy(app, s, t, permission, user) } }, el("span", { class: "symbol", "aria-hidden": "true", text: "…" })));
    }
    const flip = flipOf(s, t);
    let label = `${s} → ${t}: ${LABELS[cell.category]} (${cell.reason})`;
    if (cell.granted) label += `; granted: ${cell.granted.join(", ") || "nothing"}`;
    if (flip) label += flip.before ? `; the draft changes it from ${LABELS[flip.before.category]} (${flip.before.reason})` : "; new in the draft";
    const text = flip?.before ? `${SYMBOLS[flip.before.category]}→${SYMBOLS[cell.category]}` : SYMBOLS[cell.category];
    return el("td", { class: `cell ${cell.category}${flip ? " flipped" : ""}${s === selected || t === selected ? " in-focus" : ""}` },
      el("button", { ...common, dataset: { ...common.dataset, category: cell.category, reason: cell.reason },
        title: `${label}. Why?`, "aria-label": `${label}. Why?`,
        on: { click: () => { state.active = { r, c }; openWhy(app, s, t, permission, user); } } },
      el("span", { class: "symbol", text }),
      ui.showReasons ? el("span", { class: "reason", text: cell.reason }) : null));
  };
  const caption = el("caption", {},
    mode === "focus"
      ? ["The selected project ", el("code", { text: selected }), ": which projects' jobs can reach it, and which projects its jobs can reach. "]
      : "Rows: the source project (where the job runs). Columns: the target project (where its CI/CD job token is used). ",
    el("span", { class: "muted", text: `Permission: ${permission || "none"}; user: ${user || "none"}.` }));
  let table;
  if (mode === "focus") {
    table = el("table", { class: "matrix focus", id: "gl-matrix", role: "grid", "aria-rowcount": String(rows.length + 1), "aria-colcount": "3",
      "aria-describedby": "gl-matrix-keys", on: { keydown: (/** @type {KeyboardEvent} */ e) => gridKey(e, view) } },
    caption,
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: "Project" }),
      el("th", { scope: "col" }, "its jobs → ", el("code", { text: selected })),
      el("th", { scope: "col" }, el("code", { text: selected }), "'s jobs → it"))),
    el("tbody", {}, rows.map((p, r) => el("tr", { class: p === selected ? "selected-row" : null },
      el("th", { scope: "row" }, el("code", { text: p }), p === selected ? srOnly(" (the selected project)") : null),
      cellNode(p, selected, r, 0), cellNode(selected, p, r, 1)))));
  } else {
    table = el("table", { class: "matrix", id: "gl-matrix", role: "grid", "aria-rowcount": String(shown.length + 1), "aria-colcount": String(shown.length + 1),
      "aria-describedby": "gl-matrix-keys", on: { keydown: (/** @type {KeyboardEvent} */ e) => gridKey(e, view) } },
    caption,
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", class: "corner", text: "source ↓ target →" }),
      cols.map((t) => el("th", { scope: "col", class: t === selected ? "in-focus" : null }, el("code", { text: t.replace(/\//g, "/\u200b") }))))),
    el("tbody", {}, rows.map((s, r) => el("tr", { class: s === selected ? "selected-row" : null },
      el("th", { scope: "row" }, el("code", { text: s })),
      cols.map((t, c) => cellNode(s, t, r, c))))));
  }
  if (mode === "focus" && focusRows.length > PAGE_FOCUS) {
    const pager = (/** @type {string} */ id, /** @type {string} */ text, /** @type {boolean} */ disabled, /** @type {() => void} */ go) =>
      el("button", { type: "button", class: "secondary small", id, text, disabled, on: { click: () => { go(); view.update(true); } } });
    out.push(el("div", { class: "row pager", role: "group", "aria-label": "Pages of the matrix" },
      el("span", { id: "gl-matrix-page", "aria-live": "polite", text: `${rowInfo} (the filter finds the others).` }),
      pager("gl-rows-prev", "Previous rows", state.rowPage === 0, () => state.rowPage--),
      pager("gl-rows-next", "Next rows", (state.rowPage + 1) * PAGE_FOCUS >= focusRows.length, () => state.rowPage++)));
  }
  if (mode === "all" && (shown.length > PAGE_ROWS || shown.length > PAGE_COLS)) {
    const pager = (/** @type {string} */ id, /** @type {string} */ text, /** @type {boolean} */ disabled, /** @type {() => void} */ go) =>
      el("button", { type: "button", class: "secondary small", id, text, disabled, on: { click: () => { go(); view.update(true); } } });
    out.push(el("div", { class: "row pager", role: "group", "aria-label": "Pages of the matrix" },
      el("span", { id: "gl-matrix-page", "aria-live": "polite", text: `${rowInfo}, ${colInfo}.` }),
      pager("gl-rows-prev", "Previous rows", state.rowPage === 0, () => state.rowPage--),
      pager("gl-rows-next", "Next rows", (state.rowPage + 1) * PAGE_ROWS >= shown.length, () => state.rowPage++),
      pager("gl-cols-prev", "Previous columns", state.colPage === 0, () => state.colPage--),
      pager("gl-cols-next", "Next columns", (state.colPage + 1) * PAGE_COLS >= shown.length, () => state.colPage++)));
  }
  if (!rows.length) out.push(el("p", { class: "muted", text: `No project path contains “${state.filter}”.` }));
  out.push(el("p", { class: "hint", id: "gl-matrix-keys", text: "One Tab stop: the arrow keys move between cells, Home / End to the row's ends, Page Up / Page Down by ten rows, Enter opens “Why?”." }));
  out.push(el("div", { class: "scroll matrix-scroll", role: "region", "aria-label": "Access matrix table", "aria-busy": view.pendingCount ? "true" : "false" }, table));
  if (view.pendingCount) out.push(el("p", { class: "muted", role: "status", id: "gl-matrix-progress", text: `Computing ${pairs.length} cells…` }));

  if (app.draft) {
    const changed = [];
    for (const [s, t] of diffPairs) {
      const flip = flipOf(s, t);
      if (flip) changed.push({ source: s, target: t, ...flip });
    }
    view.flipCount = changed.length;
    out.push(diffTable(changed, permission, user, paths.length <= WHOLE_DIFF, !!view.pendingCount));
  }
  return out;
}

/** @template T @param {T[][]} pairs @returns {T[][]} */
function dedupe(pairs) {
  const seen = new Set();
  return pairs.filter((p) => {
    const key = p.join("\0");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Moves the grid's one Tab stop with the arrow keys, Home / End, Page Up / Page Down (ten rows).
 * @param {KeyboardEvent} e @param {MatrixView} view
 */
function gridKey(e, view) {
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
    case "PageDown": r += 10; break;
    case "PageUp": r -= 10; break;
    default: return;
  }
  e.preventDefault();
  r = Math.max(0, Math.min(rows - 1, r));
  c = Math.max(0, Math.min(cols - 1, c));
  const next = /** @type {HTMLElement | null} */ (table.querySelector(`#gl-cell-${r}-${c}`));
  if (!next || next === button) return;
  button.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
  view.state.active = { r, c };
}

/** @param {Cell | null} cell */
function describe(cell) {
  if (!cell) return el("span", { class: "muted", text: "— (not in the applied scenario)" });
  return el("span", { class: `pill ${cell.category}` }, el("span", { "aria-hidden": "true", text: `${SYMBOLS[cell.category]} ` }), LABELS[cell.category], " ",
    el("code", { text: cell.reason }));
}

/**
 * @param {{ source: string, target: string, before: Cell | null, after: Cell }[]} changed
 * @param {string} permission @param {string} user @param {boolean} whole @param {boolean} pending
 */
function diffTable(changed, permission, user, whole, pending) {
  const scope = whole ? "" : " among the cells shown";
  const wrap = el("div", { class: "diff", id: "gl-diff", role: "region", "aria-labelledby": "gl-diff-heading" },
    el("h3", { id: "gl-diff-heading", tabindex: "-1", text: pending ? "What the draft flips: computing…" : `What the draft flips: ${changed.length} cell${changed.length === 1 ? "" : "s"}${scope}` }));
  if (pending) return wrap;
  if (!changed.length) {
    wrap.append(el("p", { class: "muted", text: `No cell changes for permission ${permission || "none"} and user ${user || "none"}${scope}. Try another permission or user above.` }));
    return wrap;
  }
  // scrolled sideways on a narrow screen: a region that takes focus, so the keyboard scrolls it too
  wrap.append(el("div", { class: "scroll", role: "region", tabindex: "0", "aria-label": "Cells the draft flips" }, el("table", {},
    el("caption", { text: `Before (applied) → after (draft), for permission ${permission || "none"} and user ${user || "none"}` }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: "Source" }), el("th", { scope: "col", text: "Target" }),
      el("th", { scope: "col", text: "Before" }), el("th", { scope: "col", text: "After" }))),
    el("tbody", {}, changed.map((f) => el("tr", {},
      el("th", { scope: "row" }, el("code", { text: f.source })), el("td", {}, el("code", { text: f.target })),
      el("td", {}, describe(f.before)), el("td", {}, describe(f.after))))))));
  return wrap;
}

// ───────────────────────────── Why? ─────────────────────────────

/**
 * @typedef {object} WhyState
 * @property {{ source: string, target: string, permission: string, user: string } | null} request
 */

/** The "Why?" dialog's content: the decision, its trace, and what would have to change. */
export class WhyView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, /** @type {WhyState} */ ({ request: null }));
  }

  deps() {
    return [this.state.request, this.app.gitlabWorld()];
  }

  render() {
    const app = this.app;
    const req = this.state.request;
    if (!req) return [[]];
    const { source, target, permission, user } = req;
    const world = app.gitlabWorld();
    const blocks = [];
    try {
      const decision = decide(app, world, request(source, target, permission, user));
      blocks.push(decisionBlock(decision, app.draft ? "With the draft" : null));
      if (!decision.allowed || decision.reason === "anonymous_level") blocks.push(fixesBlock(app, world, request(source, target, permission, user), decision));
      if (decision.allowed && !permission) blocks.push(grantedBlock(app, world, source, target));
      if (app.draft) {
        const applied = app.scenario.gitlab.world;
        if (applied.projects.some((p) => p.path === source) && applied.projects.some((p) => p.path === target)) {
          const appliedUser = Object.hasOwn(applied.users ?? {}, user) ? user : "";
          blocks.push(decisionBlock(decide(app, applied, request(source, target, permission, appliedUser)), "Applied (before the draft)"));
        }
      }
    } catch (err) {
      blocks.push(errorBox(err));
    }
    return [[el("p", { class: "muted", text: `Permission: ${permission || "none"}; triggering user: ${user || "none"}.` }), ...blocks]];
  }
}

/**
 * Opens "Why?" for one cell.
 * @param {App} app @param {string} source @param {string} target @param {string} permission @param {string} user
 */
export function openWhy(app, source, target, permission, user) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById("why-dialog"));
  /** @type {HTMLElement} */ (document.getElementById("why-title")).textContent = `Why? ${source} → ${target}`;
  app.views.why.setState({ request: { source, target, permission, user } });
  if (!dialog.open) dialog.showModal();
  try {
    const d = decide(app, app.gitlabWorld(), request(source, target, permission, user));
    announce(`${source} to ${target}: ${d.allowed ? "allowed" : "denied"}, ${d.reason}`);
  } catch {
    // shown in the dialog
  }
}

/** @param {Decision} decision @param {string | null} heading */
function decisionBlock(decision, heading) {
  const cat = category(decision);
  return el("div", { class: "decision" },
    heading ? el("h3", { text: heading }) : null,
    el("div", { class: `verdict ${decision.allowed ? "allowed" : "denied"}` },
      el("span", { "aria-hidden": "true", text: `${SYMBOLS[cat]} ` }), decision.allowed ? "Allowed" : "Denied",
      cat === "anonymous" ? " (anonymous-level features only)" : ""),
    el("p", {}, el("strong", { text: "Reason: " }), el("code", { class: "why-reason", text: decision.reason })),
    el("p", {}, el("strong", { text: "Message: " }), decision.message),
    traceTable(decision.trace, "The rules evaluated, in order"));
}

/** For an allowed "any access" cell: the permissions the engine grants, and those it refuses. @param {App} app @param {GitlabWorld} world @param {string} source @param {string} target */
function grantedBlock(app, world, source, target) {
  const policy = new app.api.GitlabPolicy(world);
  try {
    const granted = [];
    const refused = [];
    for (const name of requestPermissions(app)) {
      if (policy.check(source, target, name)) granted.push(name);
      else refused.push(`${name} (${policy.explain(source, target, name).reason})`);
    }
    if (!refused.length) return el("p", { class: "note", id: "why-granted", text: "Every permission a job token may ask for is granted." });
    return el("div", { class: "note", id: "why-granted" },
      el("p", {}, el("strong", { text: "Limited: " }), `granted ${granted.join(", ") || "nothing"}.`),
      el("p", { text: `Refused: ${refused.join(", ")}.` }));
  } finally {
    policy.free();
  }
}

/** GitlabRole, lowest first (index.d.ts). */
const ROLES = ["guest", "planner", "reporter", "developer", "maintainer", "owner"];

/**
 * Changes that may lift a refusal, each a description and a change to a world. Nothing here decides:
 * each is tried on a copy and kept only when the engine's decision then changes (findFixes).
 * @param {GitlabWorld} world @param {any} req
 * @returns {{ text: string, apply: (w: any) => void }[]}
 */
function candidates(world, req) {
  const { source, target, permission, user } = req;
  const out = [];
  const t = world.projects.find((p) => p.path === target);
  const s = world.projects.find((p) => p.path === source);
  if (t) {
    out.push({ text: `Add ${source} to ${target}'s inbound allowlist (Settings › CI/CD › Job token permissions)`,
      apply: (/** @type {any} */ w) => {
        const p = w.projects.find((/** @type {any} */ q) => q.path === target);
        p.inbound = { ...p.inbound, projects: [...(p.inbound?.projects ?? []), source] };
      } });
    for (const listKey of ["projects", "groups"]) {
      (t.inbound?.[/** @type {"projects" | "groups"} */ (listKey)] ?? []).forEach((entry, j) => {
        if (typeof entry !== "object" || entry.defaultPermissions !== false) return;
        if (permission) {
          out.push({ text: `Grant ${permission} to the allowlist entry ${entry.path} of ${target}`,
            apply: (/** @type {any} */ w) => {
              const e = w.projects.find((/** @type {any} */ q) => q.path === target).inbound[listKey][j];
              e.policies = [...(e.policies ?? []), permission];
            } });
        }
        out.push({ text: `Give the allowlist entry ${entry.path} of ${target} its default permissions`,
          apply: (/** @type {any} */ w) => {
            const e = w.projects.find((/** @type {any} */ q) => q.path === target).inbound[listKey][j];
            e.defaultPermissions = true;
            e.policies = [];
          } });
      });
    }
  }
  if (s?.outbound?.enabled) {
    out.push({ text: `Add ${target} to ${source}'s outbound list (“Limit access from this project”)`,
      apply: (/** @type {any} */ w) => {
        const p = w.projects.find((/** @type {any} */ q) => q.path === source);
        p.outbound = { ...p.outbound, projects: [...(p.outbound?.projects ?? []), target] };
      } });
  }
  if (user) {
    for (const role of ROLES) {
      out.push({ text: `Give ${user} the ${role} role on ${target}`,
        apply: (/** @type {any} */ w) => (w.users[user] = { ...w.users[user], [target]: role }) });
    }
  }
  return out;
}

/**
 * Every condition that stands between the request and an allowed answer: the engine's first refusal, a
 * change that lifts it (the first candidate after which the engine answers differently), then the next
 * refusal on the changed copy, and so on.
 * @param {App} app @param {GitlabWorld} world @param {any} req
 */
export function findFixes(app, world, req) {
  let current = world;
  /** @type {{ decision: Decision, fix: string | null }[]} */
  const steps = [];
  let decision = decide(app, current, req);
  for (let i = 0; i < 6 && (!decision.allowed || decision.reason === "anonymous_level"); i++) {
    let found = null;
    for (const candidate of candidates(current, req)) {
      const copy = structuredClone(current);
      candidate.apply(copy);
      let next;
      try {
        next = decide(app, copy, req);
      } catch {
        continue;
      }
      if (next.allowed !== decision.allowed || next.reason !== decision.reason) {
        found = { candidate, copy, next };
        break;
      }
    }
    steps.push({ decision, fix: found?.candidate.text ?? null });
    if (!found) break;
    current = found.copy;
    decision = found.next;
  }
  return { steps, world: current, decision };
}

/** @param {App} app @param {GitlabWorld} world @param {any} req @param {Decision} decision */
function fixesBlock(app, world, req, decision) {
  const { steps, world: fixed, decision: after } = findFixes(app, world, req);
  const box = el("section", { class: "fixes", "aria-labelledby": "why-fixes-heading" },
    el("h3", { id: "why-fixes-heading", text: decision.allowed ? "What would open it fully" : "What would have to change" }));
  const list = el("ol", { id: "why-unmet" });
  for (const { decision: d, fix } of steps) {
    const failed = d.trace.filter((step) => step.outcome === "fail");
    list.append(el("li", {},
      el("p", {}, el("strong", { text: "Unmet: " }), el("code", { text: d.reason }), " — ", d.message),
      failed.length ? el("ul", {}, failed.map((step) => el("li", {}, el("code", { text: step.step }), `: ${step.detail}`))) : null,
      el("p", { class: fix ? "fix" : "muted" }, fix ? [el("strong", { text: "Change: " }), fix] : "No single change to the scenario found for this one.")));
  }
  box.append(list);
  const works = after.allowed && after.reason !== "anonymous_level";
  const changes = steps.filter((s) => s.fix).length;
  if (changes) {
    box.append(el("div", { class: works ? "verdict allowed" : "muted", id: "why-after" },
      works ? `With ${changes === 1 ? "this change" : `these ${changes} changes`} the engine allows the request (${after.reason}).`
        : `After ${changes === 1 ? "this change" : `these ${changes} changes`} the engine still refuses it (${after.reason}).`),
    el("button", { type: "button", id: "why-stage", text: "Stage the fix as a what-if draft", on: { click: () => {
      /** @type {HTMLDialogElement} */ (document.getElementById("why-dialog")).close();
      app.startDraft(fixed);
      announce(`The fix is staged in the what-if draft: ${changes} change${changes === 1 ? "" : "s"}.`);
    } } }));
  }
  return box;
}

// ───────────────────────────── one request ─────────────────────────────

/** "Check a request": source, target, permission, user → the decision with its trace. */
export class CheckView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, {});
  }

  deps() {
    const ui = this.app.scenario.gitlab.ui;
    return [this.app.gitlabWorld(), ui.check, ui.project];
  }

  render() {
    return [[renderCheck(this.app, this.app.gitlabWorld())]];
  }
}

/** @param {App} app @param {GitlabWorld} world */
function renderCheck(app, world) {
  const ui = app.scenario.gitlab.ui;
  const paths = world.projects.map((p) => p.path);
  const users = Object.keys(world.users ?? {});
  const check = ui.check ?? {};
  const source = paths.includes(check.source ?? "") ? /** @type {string} */ (check.source) : paths[0];
  const target = paths.includes(check.target ?? "") ? /** @type {string} */ (check.target) : paths.includes(ui.project ?? "") ? /** @type {string} */ (ui.project) : paths[0];
  const permission = requestPermissions(app).includes(check.permission ?? "") ? /** @type {string} */ (check.permission) : "";
  const user = users.includes(check.user ?? "") ? /** @type {string} */ (check.user) : "";
  const update = (/** @type {string} */ key) => (/** @type {any} */ e) => {
    app.setGitlabUi({ check: { source, target, permission, user, [key]: e.target.value } });
    const shown = document.querySelector("#result .verdict")?.textContent;
    if (shown) announce(`Decision: ${shown}, ${document.querySelector("#result code")?.textContent ?? ""}`);
  };
  const form = el("form", { id: "check-form", novalidate: true, on: { submit: (/** @type {Event} */ e) => e.preventDefault() } },
    field("Source project (where the job runs)", select({ id: "source", name: "source", on: { change: update("source") } }, paths, source)),
    field("Target project (what the token is used against)", select({ id: "target", name: "target", on: { change: update("target") } }, paths, target)),
    field("Permission (optional)", select({ id: "permission", name: "permission", on: { change: update("permission") } },
      [["", "(none — any access)"], ...requestPermissions(app)], permission)),
    field("Triggering user (optional)", select({ id: "user", name: "user", on: { change: update("user") } }, [["", "(none)"], ...users], user)),
    el("button", { type: "submit", id: "check-button", text: "Check" }));

  const result = el("div", { id: "result" });
  if (!paths.length) result.append(el("p", { class: "muted", text: "No projects." }));
  else {
    try {
      const decision = decide(app, world, request(source, target, permission, user));
      result.append(
        el("div", { class: `verdict ${decision.allowed ? "allowed" : "denied"}`, text: decision.allowed ? "Allowed" : "Denied" }),
        el("p", {}, el("strong", { text: "Reason: " }), el("code", { text: decision.reason })),
        el("p", {}, el("strong", { text: "Message: " }), decision.message ?? ""),
        el("h3", { text: "Trace" }),
        el("ol", { class: "trace", "aria-label": "Rules evaluated, in order" }, decision.trace.map((step) => el("li", {},
          el("span", { class: "step", text: step.step }),
          el("span", { class: `outcome ${step.outcome}`, text: step.outcome }), " ", step.detail ?? ""))));
    } catch (err) {
      result.append(errorBox(err));
    }
  }
  return el("section", { class: "panel", "aria-labelledby": "check-heading" },
    el("h2", { id: "check-heading", text: "Check a request" }),
    form,
    el("div", { "aria-live": "polite" }, result));
}

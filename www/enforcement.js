// @ts-check
// "Enforcement readiness": from the scenario's job token authentication log (imported, or read by
// Connect to GitLab), the package's planGitlabEnforcement says per project which logged uses break once
// its inbound allowlist is enforced (GitLab 18.0 enforces them all), the least-privilege allowlist that
// keeps them working within the release's limits, and what GitLab's auto-populate (17.10) would write
// instead, each with the projects it admits that nobody logged. "Stage as a what-if draft" puts the
// enforced allowlists in the draft, so the access matrix marks what they flip. The plan is computed in
// the task worker (tasks.js); this module only draws it and builds the staged world from its entries.

import { el, announce, errorBox } from "./dom.js";
import { View, revOf } from "./view.js";

/** @typedef {import("./app.js").App} App */
/** @typedef {import("job-token-scope").GitlabWorld} GitlabWorld */
/** @typedef {import("job-token-scope").EnforcementPlan} EnforcementPlan */
/** @typedef {import("job-token-scope").GitlabProjectPlan} GitlabProjectPlan */
/** @typedef {import("job-token-scope").GitlabCompactEntry} GitlabCompactEntry */
/**
 * @typedef {object} EnforcementState
 * @property {number} shown how many breaking projects are drawn
 * @property {any} stageError the engine's refusal of a staged world
 * @property {number} done increments when a plan arrives (redraw)
 */

/** Breaking projects drawn at first, and per "Show more". */
const PAGE = 20;

const entryPath = (/** @type {any} */ e) => (typeof e === "string" ? e : e.path);
const same = (/** @type {string} */ a, /** @type {string} */ b) => a.toLowerCase() === b.toLowerCase();

/** @param {string | null} at */
const when = (at) => (at ? `last ${at.replace(/T.*$/, "")}` : "time not logged");

export class EnforcementView extends View {
  /** @param {App} app @param {HTMLElement[]} mounts */
  constructor(app, mounts) {
    super(app, mounts, /** @type {EnforcementState} */ ({ shown: PAGE, stageError: null, done: 0 }));
  }

  deps() {
    const app = this.app;
    return [app.scenario.gitlab.world, app.scenario.gitlab.log, app.draft, this.state.done];
  }

  render() {
    const app = this.app;
    const world = app.scenario.gitlab.world;
    const log = app.scenario.gitlab.log;
    const out = [el("h2", { id: "gl-readiness-heading", text: "Enforcement readiness" }),
      el("p", { class: "hint", text: "GitLab 18.0 enforces every project's inbound allowlist. From the job token authentication log: the logged uses each project's allowlist does not admit (they break once it is enforced), the allowlist that keeps them working while admitting the fewest other projects, and what GitLab's auto-populate would write instead." })];
    if (!log?.length) {
      this.mounts[0].dataset.state = "ready";
      out.push(el("p", { id: "gl-readiness-none", text: "The scenario has no authentication log. Import GitLab's (its GraphQL ciJobTokenAuthLogs answer, pasted or as files, several projects at once), or read it with Connect to GitLab." }),
        el("button", { type: "button", id: "gl-readiness-import", class: "secondary", text: "Import an authentication log", on: { click: () => openImport(app) } }));
      return [out];
    }
    const plan = this.plan(world, log);
    const draftPlan = app.draft ? this.plan(app.draft, log, "draft-plan") : undefined;
    this.mounts[0].dataset.state = plan && (!app.draft || draftPlan) ? "ready" : "computing";
    if (!plan) {
      out.push(el("p", { class: "muted", role: "status", text: "Planning…" }));
      return [out];
    }
    if (plan.error || !plan.result) {
      out.push(errorBox(plan.error, "No plan for this scenario"));
      return [out];
    }
    out.push(...renderPlan(app, this, plan.result, draftPlan));
    return [out];
  }

  /**
   * The plan of `world` with `log`, from the task worker (undefined while it is computed); `slot` keeps
   * the applied world's plan and the draft's apart.
   * @param {GitlabWorld} world @param {any[]} log @param {string} [slot]
   */
  plan(world, log, slot = "plan") {
    return this.app.tasks.get("plan", `${revOf(world)}:${revOf(log)}`, { world, log }, () => {
      this.state.done++;
      this.update();
    }, slot);
  }
}

/** Opens the scenario panel's import with the kind set to the authentication log. @param {App} app */
function openImport(app) {
  const view = app.views.scenario;
  view.state.open = true;
  view.state.kind = "gitlab-auth-log";
  view.update(true);
  // a <details>' open state is the person's once on the page (dom.js): opened here as a click would
  const panel = /** @type {HTMLDetailsElement | null} */ (document.getElementById("scenario-panel"));
  if (panel) panel.open = true;
  document.getElementById("import-text")?.focus();
}

/**
 * @param {App} app @param {EnforcementView} view @param {EnforcementPlan} plan
 * @param {{ result?: EnforcementPlan, error?: any } | undefined} draftPlan
 */
function renderPlan(app, view, plan, draftPlan) {
  const world = app.scenario.gitlab.world;
  const breaking = plan.projects.filter((p) => p.breaks.length);
  const fine = plan.projects.filter((p) => !p.breaks.length);
  const gitlabErrors = plan.projects.filter((p) => p.gitlab?.error).length;
  const extra = plan.projects.reduce((n, p) => n + p.admitsAlso.length, 0);
  const extraGitlab = plan.projects.reduce((n, p) => n + (p.gitlab?.admitsAlso.length ?? 0), 0);
  const out = [];
  out.push(el("p", { id: "gl-readiness-summary", class: breaking.length ? "warning" : "note" },
    el("strong", { text: breaking.length ? `${plan.summary.breaking} of ${plan.summary.projects} logged projects would break` : `Nothing breaks: every logged use of the ${plan.summary.projects} logged projects is on their allowlists` }),
    breaking.length ? `: ${plan.summary.breaks} logged use${plan.summary.breaks === 1 ? "" : "s"} their allowlists do not admit. ` : ". ",
    breaking.length ? `The proposed allowlists keep every one working and admit ${extra} other project${extra === 1 ? "" : "s"}` : "",
    breaking.length && plan.projects.some((p) => p.gitlab) ? `; GitLab's auto-populate would admit ${extraGitlab}${gitlabErrors ? ` and fail for ${gitlabErrors} project${gitlabErrors === 1 ? "" : "s"}` : ""}.` : breaking.length ? "." : ""));
  if (plan.unknown.length) {
    out.push(el("details", { id: "gl-readiness-unknown" }, el("summary", { text: `${plan.unknown.length} log entr${plan.unknown.length === 1 ? "y names" : "ies name"} projects outside the scenario` }),
      el("ul", {}, plan.unknown.map((u) => el("li", {}, el("code", { text: u.source }), " → ", el("code", { text: u.target }), ` (${when(u.lastAuthorizedAt)})`)))));
  }
  if (breaking.length) {
    const hasGitlab = plan.projects.some((p) => p.gitlab && !p.gitlab.error);
    out.push(el("div", { class: "buttons", role: "group", "aria-label": "Stage as a what-if draft" },
      el("button", { type: "button", id: "gl-readiness-stage", text: "Stage the proposed allowlists as a what-if draft",
        on: { click: () => stage(app, view, plan, "proposed") } }),
      hasGitlab ? el("button", { type: "button", id: "gl-readiness-stage-gitlab", class: "secondary", text: "Stage GitLab's auto-populate instead",
        on: { click: () => stage(app, view, plan, "gitlab") } }) : null,
      el("button", { type: "button", id: "gl-readiness-stage-enforce", class: "secondary", text: "Stage enforcement with today's allowlists",
        on: { click: () => stage(app, view, plan, "enforce") } })),
    el("p", { class: "hint", text: "Each stages every logged project's allowlist enforced (“Limit access to this project” on) in the draft; the access matrix then marks the cells it flips." }));
  }
  if (view.state.stageError) out.push(errorBox(view.state.stageError, "Not staged"));
  if (draftPlan?.result) {
    const d = draftPlan.result;
    out.push(el("p", { id: "gl-readiness-draft", class: d.summary.breaking ? "warning" : "note" },
      el("strong", { text: "With the draft: " }),
      d.summary.breaking ? `${d.summary.breaks} logged use${d.summary.breaks === 1 ? "" : "s"} of ${d.summary.breaking} project${d.summary.breaking === 1 ? "" : "s"} break.` : "no logged use breaks."));
  } else if (draftPlan?.error) out.push(errorBox(draftPlan.error, "No plan for the draft"));

  const list = el("div", { class: "plans" });
  breaking.slice(0, view.state.shown).forEach((p) => list.append(projectPlan(app, view, plan, world, p)));
  out.push(list);
  if (breaking.length > view.state.shown) {
    out.push(el("button", { type: "button", id: "gl-readiness-more", class: "secondary small", text: `Show ${Math.min(PAGE, breaking.length - view.state.shown)} more of ${breaking.length - view.state.shown}`,
      on: { click: () => {
        app.focusNext = `gl-plan-${view.state.shown}-heading`;
        view.setState({ shown: view.state.shown + PAGE });
        app.refresh();
      } } }));
  }
  if (fine.length) {
    out.push(el("details", { id: "gl-readiness-fine" }, el("summary", { text: `${fine.length} logged project${fine.length === 1 ? "" : "s"} where nothing breaks` }),
      el("ul", {}, fine.map((p) => el("li", {}, el("code", { text: p.project }), p.enforcedToday ? " (enforced today)" : " (not enforced yet)")))));
  }
  return out;
}

/** The entries of `list` that today's allowlist of `project` lacks. @param {GitlabWorld} world @param {string} project @param {{ projects: GitlabCompactEntry[], groups: GitlabCompactEntry[] }} list */
function added(world, project, list) {
  const today = world.projects.find((p) => same(p.path, project))?.inbound ?? {};
  const has = (/** @type {any[] | undefined} */ entries, /** @type {string} */ path) => (entries ?? []).some((e) => same(entryPath(e), path));
  return [
    ...list.projects.filter((e) => !has(today.projects, e.path)).map((e) => ({ kind: "project", path: e.path })),
    ...list.groups.filter((e) => !has(today.groups, e.path)).map((e) => ({ kind: "group", path: e.path })),
  ];
}

/** @param {{ kind: string, path: string }[]} entries */
function entryList(entries) {
  if (!entries.length) return el("span", { class: "muted", text: "nothing new" });
  return el("ul", { class: "entries" }, entries.map((e) => el("li", {}, el("span", { class: "entry-kind", text: e.kind }), " ", el("code", { text: e.path }))));
}

/** @param {string[]} paths */
function admits(paths) {
  if (!paths.length) return el("span", { text: "none" });
  return el("ul", { class: "entries" }, paths.map((p) => el("li", {}, el("code", { text: p }))));
}

/**
 * One project's plan: what breaks, the proposal against GitLab's auto-populate, and a stage button.
 * @param {App} app @param {EnforcementView} view @param {EnforcementPlan} plan @param {GitlabWorld} world @param {GitlabProjectPlan} p
 */
function projectPlan(app, view, plan, world, p) {
  const i = plan.projects.indexOf(p);
  const gitlab = p.gitlab;
  return el("section", { class: "plan-project", id: `gl-plan-${i}`, "aria-labelledby": `gl-plan-${i}-heading`, dataset: { project: p.project } },
    el("h3", { id: `gl-plan-${i}-heading`, tabindex: "-1" }, el("code", { text: p.project }), " ",
      el("span", { class: "badge", text: p.enforcedToday ? "enforced today" : "not enforced yet" })),
    el("p", {}, el("strong", { text: p.enforcedToday
      ? `Logged, but not on today's allowlist, which is enforced: denied now (${p.breaks.length}):`
      : `Breaks once enforced (${p.breaks.length}):` })),
    el("ul", { class: "breaks" }, p.breaks.map((b) => el("li", {}, el("code", { text: b.source }), ` (${when(b.lastAuthorizedAt)})`))),
    el("div", { class: "scroll", role: "region", tabindex: "0", "aria-label": `${p.project}: proposal and GitLab's auto-populate` }, el("table", { class: "compare" },
      el("caption", { text: "The allowlist's new entries, and the projects they admit that nobody logged" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Allowlist" }), el("th", { scope: "col", text: "New entries" }), el("th", { scope: "col", text: "Admits also" }))),
      el("tbody", {},
        el("tr", { class: "proposed" }, el("th", { scope: "row", text: "Proposed (least privilege)" }),
          el("td", {}, entryList(added(world, p.project, p.proposed))), el("td", { class: "admits" }, admits(p.admitsAlso))),
        el("tr", { class: "gitlab" }, el("th", { scope: "row", text: "GitLab's auto-populate" }),
          gitlab === null ? el("td", { colspan: 2, class: "muted", text: "Not in this release (17.10+)." })
            : gitlab.error ? el("td", { colspan: 2 }, el("code", { text: gitlab.error }), ": GitLab adds nothing and leaves the allowlist unenforced.")
              : [el("td", {}, entryList(added(world, p.project, gitlab))), el("td", { class: "admits" }, admits(gitlab.admitsAlso))])))),
    el("button", { type: "button", class: "secondary small", id: `gl-plan-${i}-stage`, text: `Stage ${p.project}'s proposal`,
      on: { click: () => stage(app, view, plan, "proposed", p.project) } }));
}

/**
 * The world with the plan's allowlists enforced: for each planned project (or `only`), its inbound
 * entries replaced by the proposal's or GitLab's (or kept, for "enforce"), and "Limit access to this
 * project" switched on where it is not enforced today. GitLab's auto-populate where its compactor fails
 * adds nothing and enforces nothing, so that project is left as it is.
 * @param {GitlabWorld} world @param {EnforcementPlan} plan @param {"proposed" | "gitlab" | "enforce"} which @param {string} [only]
 * @returns {GitlabWorld}
 */
export function stagedWorld(world, plan, which, only) {
  const next = structuredClone(world);
  for (const p of plan.projects) {
    if (only && p.project !== only) continue;
    const project = next.projects.find((q) => same(q.path, p.project));
    if (!project) continue;
    const list = which === "proposed" ? p.proposed : which === "gitlab" ? p.gitlab : null;
    if (which === "gitlab" && (!list || p.gitlab?.error)) continue;
    /** @type {any} */
    const inbound = { ...project.inbound };
    // today's entries as the world writes them; new ones as the plan gives them (a path: default permissions)
    const asEntry = (/** @type {any[] | undefined} */ today) => (/** @type {GitlabCompactEntry} */ e) =>
      (today ?? []).find((t) => same(entryPath(t), e.path)) ?? (e.defaultPermissions && !e.policies.length ? e.path : { path: e.path, defaultPermissions: e.defaultPermissions, policies: e.policies });
    if (list) {
      inbound.projects = list.projects.map(asEntry(project.inbound?.projects));
      if (list.groups.length || inbound.groups) inbound.groups = list.groups.map(asEntry(project.inbound?.groups));
    }
    if (!p.enforcedToday) inbound.enabled = true;
    project.inbound = inbound;
  }
  return next;
}

/**
 * Stages the plan's allowlists as the what-if draft (built from the applied world); the engine must
 * accept the world. The matrix then focuses the first breaking project staged.
 * @param {App} app @param {EnforcementView} view @param {EnforcementPlan} plan @param {"proposed" | "gitlab" | "enforce"} which @param {string} [only]
 */
function stage(app, view, plan, which, only) {
  const world = stagedWorld(app.scenario.gitlab.world, plan, which, only);
  try {
    app.api.validateGitlabWorld(world);
  } catch (err) {
    view.setState({ stageError: err });
    return;
  }
  view.state.stageError = null;
  const focus = only ?? plan.projects.find((p) => p.breaks.length)?.project;
  if (focus) app.scenario.gitlab.ui = { ...app.scenario.gitlab.ui, project: focus };
  app.startDraft(world);
  const what = which === "proposed" ? "the proposed allowlists" : which === "gitlab" ? "GitLab's auto-populate" : "enforcement with today's allowlists";
  announce(`Staged ${what}${only ? ` for ${only}` : ""} as the what-if draft: the matrix marks what it flips.`);
}

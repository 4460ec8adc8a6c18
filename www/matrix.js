// The GitLab access matrix (source × target), its "Why?" dialog, the what-if diff, and the one-request
// checker. Cells come from a compiled GitlabPolicy (explain), or from checkGitlabAccess when a user is
// chosen (the policy handle takes no user). This module only classifies the engine's answers for display:
// not allowed → ✗, allowed with reason anonymous_level → ◐, other allowed → ✓.

import { el, select, field, announce, traceTable, errorBox } from "./dom.js";

export const SYMBOLS = { allowed: "✓", denied: "✗", anonymous: "◐" };
const LABELS = { allowed: "allowed", denied: "denied", anonymous: "anonymous-level only" };

export function category(decision) {
  if (!decision.allowed) return "denied";
  return decision.reason === "anonymous_level" ? "anonymous" : "allowed";
}

/**
 * The permissions a request may name: gitlabPermissions() less those the engine refuses in a request
 * (a policy that is not a request permission, such as admin_repositories), asked of the engine once.
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
    });
  }
  return app.requestable;
}

/** The engine's decision for one cell of `world` (`which`: "applied" or "draft", for the policy cache). */
export function decide(app, world, which, source, target, permission, user, policy = null) {
  if (user) {
    const request = { source, target, user };
    if (permission) request.permission = permission;
    return app.api.checkGitlabAccess(world, request);
  }
  const compiled = policy ?? app.policy(which, world);
  return permission ? compiled.explain(source, target, permission) : compiled.explain(source, target);
}

/** Every cell: Map "source\0target" → decision (the last few matrices are kept: a render asks for some twice). */
function matrixOf(app, world, which, permission, user) {
  const key = `${which}\0${permission}\0${user}\0${JSON.stringify(world)}`;
  app.matrices ??= new Map();
  const known = app.matrices.get(key);
  if (known) return known;
  const cells = computeMatrix(app, world, which, permission, user);
  app.matrices.set(key, cells);
  if (app.matrices.size > 4) app.matrices.delete(app.matrices.keys().next().value);
  return cells;
}

function computeMatrix(app, world, which, permission, user) {
  const cells = new Map();
  const policy = user ? null : app.policy(which, world);
  for (const s of world.projects) {
    for (const t of world.projects) cells.set(`${s.path}\0${t.path}`, decide(app, world, which, s.path, t.path, permission, user, policy));
  }
  return cells;
}

/** The matrix's permission and user, as chosen and still present in `world`. */
function selection(app, world) {
  const ui = app.scenario.gitlab.ui;
  const permission = requestPermissions(app).some((p) => p.name === ui.matrixPermission) ? ui.matrixPermission : "";
  const user = Object.hasOwn(world.users ?? {}, ui.matrixUser ?? "") ? ui.matrixUser : "";
  return { permission, user };
}

/** Cells whose category differs between the applied world and the draft: [{ source, target, before, after }]. */
export function flips(app) {
  if (!app.draft) return [];
  const applied = app.scenario.gitlab.world;
  const { permission, user } = selection(app, app.draft);
  const before = matrixOf(app, applied, "applied", permission, Object.hasOwn(applied.users ?? {}, user) ? user : "");
  const after = matrixOf(app, app.draft, "draft", permission, user);
  const out = [];
  for (const [key, decision] of after) {
    const old = before.get(key);
    if (!old || category(old) !== category(decision)) {
      const [source, target] = key.split("\0");
      out.push({ source, target, before: old ?? null, after: decision });
    }
  }
  return out;
}

export function renderMatrix(app, world) {
  const ui = app.scenario.gitlab.ui;
  const { permission, user } = selection(app, world);
  const users = Object.keys(world.users ?? {});
  const section = el("section", { class: "panel matrix-panel", "aria-labelledby": "gl-matrix-heading" },
    el("h2", { id: "gl-matrix-heading", text: app.draft ? "Access matrix (with the draft)" : "Access matrix" }));

  const permissionSelect = select({ id: "gl-matrix-permission", on: { change: (e) => app.setGitlabUi({ matrixPermission: e.target.value }) } },
    [["", "(none — any access)"], ...requestPermissions(app).map((p) => [p.name, p.name])], permission);
  const userSelect = select({ id: "gl-matrix-user", on: { change: (e) => app.setGitlabUi({ matrixUser: e.target.value }) } },
    [["", "(none)"], ...users], user);
  const reasons = el("input", { type: "checkbox", id: "gl-matrix-reasons", checked: !!ui.showReasons,
    on: { change: (e) => app.setGitlabUi({ showReasons: e.target.checked }) } });
  section.append(el("div", { class: "row" },
    field("Permission asked", permissionSelect),
    field("Triggering user", userSelect),
    el("div", { class: "check" }, reasons, el("label", { for: "gl-matrix-reasons", text: "Show reason codes in the cells" }))));

  section.append(el("ul", { class: "legend", "aria-label": "Legend" },
    Object.entries(SYMBOLS).map(([cat, symbol]) => el("li", {},
      el("span", { class: `cell-sample ${cat}`, "aria-hidden": "true", text: symbol }), ` ${LABELS[cat]}`)),
    el("li", {}, el("span", { class: "cell-sample flipped", "aria-hidden": "true", text: "✗→✓" }), " flipped by the draft"),
    el("li", { class: "muted", text: "Select a cell for “Why?”: every rule evaluated." })));

  let cells;
  let changed = [];
  try {
    cells = matrixOf(app, world, app.draft ? "draft" : "applied", permission, user);
    changed = flips(app);
  } catch (err) {
    section.append(errorBox(err, "The matrix cannot be computed"));
    return section;
  }
  const flipped = new Map(changed.map((f) => [`${f.source}\0${f.target}`, f]));
  const paths = world.projects.map((p) => p.path);
  const table = el("table", { class: "matrix", id: "gl-matrix" },
    el("caption", {}, "Rows: the source project (where the job runs). Columns: the target project (where its CI/CD job token is used). ",
      el("span", { class: "muted", text: `Permission: ${permission || "none"}; user: ${user || "none"}.` })),
    el("thead", {}, el("tr", {},
      el("td", { class: "corner", text: "source ↓ target →" }),
      paths.map((t) => el("th", { scope: "col" }, el("code", { text: t.replace(/\//g, "/\u200b") }))))));
  const body = el("tbody");
  paths.forEach((s, si) => {
    const row = el("tr", {}, el("th", { scope: "row" }, el("code", { text: s })));
    paths.forEach((t, ti) => {
      const decision = cells.get(`${s}\0${t}`);
      const cat = category(decision);
      const flip = flipped.get(`${s}\0${t}`);
      const beforeCat = flip?.before ? category(flip.before) : null;
      let label = `${s} → ${t}: ${LABELS[cat]} (${decision.reason})`;
      if (flip) label += flip.before ? `; the draft changes it from ${LABELS[beforeCat]} (${flip.before.reason})` : "; new in the draft";
      const text = flip && beforeCat ? `${SYMBOLS[beforeCat]}→${SYMBOLS[cat]}` : SYMBOLS[cat];
      row.append(el("td", { class: `cell ${cat}${flip ? " flipped" : ""}` },
        el("button", {
          type: "button", id: `gl-cell-${si}-${ti}`, class: "cell-button",
          dataset: { source: s, target: t, category: cat, reason: decision.reason },
          title: `${label}. Why?`, "aria-label": `${label}. Why?`,
          on: { click: () => openWhy(app, world, s, t, permission, user) },
        }, el("span", { class: "symbol", text: text }),
        ui.showReasons ? el("span", { class: "reason", text: decision.reason }) : null)));
    });
    body.append(row);
  });
  table.append(body);
  section.append(el("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Access matrix table" }, table));
  if (app.draft) section.append(diffTable(changed, permission, user));
  return section;
}

function describe(decision) {
  if (!decision) return el("span", { class: "muted", text: "— (not in the applied scenario)" });
  const cat = category(decision);
  return el("span", { class: `pill ${cat}` }, el("span", { "aria-hidden": "true", text: `${SYMBOLS[cat]} ` }), LABELS[cat], " ",
    el("code", { text: decision.reason }));
}

function diffTable(changed, permission, user) {
  const wrap = el("div", { class: "diff", id: "gl-diff", role: "region", "aria-labelledby": "gl-diff-heading" },
    el("h3", { id: "gl-diff-heading", text: `What the draft flips: ${changed.length} cell${changed.length === 1 ? "" : "s"}` }));
  if (!changed.length) {
    wrap.append(el("p", { class: "muted", text: `No cell changes for permission ${permission || "none"} and user ${user || "none"}. Try another permission or user above.` }));
    return wrap;
  }
  wrap.append(el("table", {},
    el("caption", { text: `Before (applied) → after (draft), for permission ${permission || "none"} and user ${user || "none"}` }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: "Source" }), el("th", { scope: "col", text: "Target" }),
      el("th", { scope: "col", text: "Before" }), el("th", { scope: "col", text: "After" }))),
    el("tbody", {}, changed.map((f) => el("tr", {},
      el("th", { scope: "row" }, el("code", { text: f.source })), el("td", {}, el("code", { text: f.target })),
      el("td", {}, describe(f.before)), el("td", {}, describe(f.after)))))));
  return wrap;
}

/** The "Why?" dialog: the decision and its trace, step by step (and the applied one when a draft changes it). */
export function openWhy(app, world, source, target, permission, user) {
  const dialog = document.getElementById("why-dialog");
  const body = document.getElementById("why-body");
  const blocks = [];
  try {
    const decision = decide(app, world, app.draft ? "draft" : "applied", source, target, permission, user);
    blocks.push(decisionBlock(decision, app.draft ? "With the draft" : null));
    if (app.draft) {
      const applied = app.scenario.gitlab.world;
      if (applied.projects.some((p) => p.path === source) && applied.projects.some((p) => p.path === target)) {
        const appliedUser = Object.hasOwn(applied.users ?? {}, user) ? user : "";
        blocks.push(decisionBlock(decide(app, applied, "applied", source, target, permission, appliedUser), "Applied (before the draft)"));
      }
    }
    announce(`${source} to ${target}: ${decision.allowed ? "allowed" : "denied"}, ${decision.reason}`);
  } catch (err) {
    blocks.push(errorBox(err));
  }
  document.getElementById("why-title").textContent = `Why? ${source} → ${target}`;
  body.replaceChildren(
    el("p", { class: "muted", text: `Permission: ${permission || "none"}; triggering user: ${user || "none"}.` }),
    ...blocks);
  if (!dialog.open) dialog.showModal();
}

function decisionBlock(decision, heading) {
  const cat = category(decision);
  return el("div", { class: "decision" },
    heading ? el("h3", { text: heading }) : null,
    el("p", { class: `verdict ${decision.allowed ? "allowed" : "denied"}` },
      el("span", { "aria-hidden": "true", text: `${SYMBOLS[cat]} ` }), decision.allowed ? "Allowed" : "Denied",
      cat === "anonymous" ? " (anonymous-level features only)" : ""),
    el("p", {}, el("strong", { text: "Reason: " }), el("code", { class: "why-reason", text: decision.reason })),
    el("p", {}, el("strong", { text: "Message: " }), decision.message),
    traceTable(decision.trace, "The rules evaluated, in order"));
}

// ───────────────────────────── one request ─────────────────────────────

/** "Check a request": source, target, permission, user → the decision with its trace. */
export function renderCheck(app, world) {
  const ui = app.scenario.gitlab.ui;
  const paths = world.projects.map((p) => p.path);
  const users = Object.keys(world.users ?? {});
  const check = ui.check ?? {};
  const source = paths.includes(check.source) ? check.source : paths[0];
  const target = paths.includes(check.target) ? check.target : paths.includes(ui.project) ? ui.project : paths[0];
  const permission = requestPermissions(app).some((p) => p.name === check.permission) ? check.permission : "";
  const user = users.includes(check.user) ? check.user : "";
  const update = (key) => (e) => {
    app.setGitlabUi({ check: { source, target, permission, user, [key]: e.target.value } });
    const shown = document.querySelector("#result .verdict")?.textContent;
    if (shown) announce(`Decision: ${shown}, ${document.querySelector("#result code")?.textContent ?? ""}`);
  };
  const form = el("form", { id: "check-form", novalidate: true, on: { submit: (e) => e.preventDefault() } },
    field("Source project (where the job runs)", select({ id: "source", name: "source", on: { change: update("source") } }, paths, source)),
    field("Target project (what the token is used against)", select({ id: "target", name: "target", on: { change: update("target") } }, paths, target)),
    field("Permission (optional)", select({ id: "permission", name: "permission", on: { change: update("permission") } },
      [["", "(none — any access)"], ...requestPermissions(app).map((p) => p.name)], permission)),
    field("Triggering user (optional)", select({ id: "user", name: "user", on: { change: update("user") } }, [["", "(none)"], ...users], user)),
    el("button", { type: "submit", id: "check-button", text: "Check" }));

  const result = el("div", { id: "result" });
  if (!paths.length) result.append(el("p", { class: "muted", text: "No projects." }));
  else {
    try {
      const request = { source, target };
      if (permission) request.permission = permission;
      if (user) request.user = user;
      const decision = app.api.checkGitlabAccess(world, request);
      result.append(
        el("p", { class: `verdict ${decision.allowed ? "allowed" : "denied"}`, text: decision.allowed ? "Allowed" : "Denied" }),
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

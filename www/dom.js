// @ts-check
// DOM helpers. Every node is built with createElement and every piece of data goes in as text
// (textContent / text nodes / attributes): nothing from a scenario is ever parsed as HTML.
//
// Views build a fresh tree with el() and `morph()` it into the page: the vendored idiomorph updates the
// live nodes in place (focus, scroll, an open <details>, a half-typed input survive). Event handlers are
// not listeners on the nodes (a morph keeps the old node and clones new ones, which would drop or keep
// stale closures) but a property, `node[HANDLERS]`, that the morph copies from the new tree to the live
// one; one capturing listener per event type on the document calls them (docs/contributing.md).

import { Idiomorph } from "./vendor/idiomorph.js";

/** The property holding an element's handlers: `{ click: fn, ... }`. */
const HANDLERS = "__handlers";
/** Events that do not bubble: only the target's own handler runs. */
const NON_BUBBLING = new Set(["toggle", "focus", "blur", "scroll", "load", "mouseenter", "mouseleave"]);
/** @type {Set<string>} */
const listening = new Set();

/** @param {Event} event */
function dispatch(event) {
  const type = event.type;
  /** @type {any} */
  let node = event.target;
  if (NON_BUBBLING.has(type)) {
    node?.[HANDLERS]?.[type]?.(event);
    return;
  }
  for (; node && node !== document; node = node.parentNode) {
    const handler = node[HANDLERS]?.[type];
    if (handler) {
      handler(event);
      if (event.cancelBubble) return;
    }
  }
}

/** @param {string} type */
function listen(type) {
  if (listening.has(type)) return;
  listening.add(type);
  document.addEventListener(type, dispatch, true);
}

/**
 * @param {Node} from
 * @param {Node} to
 */
function copyHandlers(from, to) {
  /** @type {any} */ (to)[HANDLERS] = /** @type {any} */ (from)[HANDLERS];
}

/** The live node a rendered node was merged into (itself when it was moved in as it is). */
const LIVE = "__live";

/**
 * The node on the page that `node` (built by the latest render, and maybe only merged into the page)
 * stands for: handlers read controls through it (`live(input).value`).
 * @template {Node} T @param {T} node @returns {T}
 */
export function live(node) {
  return /** @type {any} */ (node)[LIVE] ?? node;
}

/** @param {Node} a @param {Node} b clone `b` of `a`: copies handlers node by node */
function copyTree(a, b) {
  copyHandlers(a, b);
  /** @type {any} */ (a)[LIVE] = b;
  for (let x = a.firstChild, y = b.firstChild; x && y; x = x.nextSibling, y = y.nextSibling) copyTree(x, y);
}

/** @type {Node | null} */
let adding = null;
const MORPH_CONFIG = {
  morphStyle: /** @type {"innerHTML"} */ ("innerHTML"),
  callbacks: {
    /** @param {Node} node */
    beforeNodeAdded: (node) => {
      adding = node;
      return true;
    },
    /** @param {Node} node */
    afterNodeAdded: (node) => {
      if (adding && adding !== node) copyTree(adding, node);
      adding = null;
    },
    /** @param {Node} live @param {Node} next */
    beforeNodeMorphed: (live, next) => {
      copyHandlers(next, live);
      /** @type {any} */ (next)[LIVE] = live;
      return true;
    },
    /**
     * A <details>' open state belongs to the person, once it is on the page (a view sets `open` when it
     * creates one); `data-own-open` marks one whose state the view owns.
     * @param {string} name @param {Element} node
     */
    beforeAttributeUpdated: (name, node) => !(name === "open" && node.tagName === "DETAILS" && !node.hasAttribute("data-own-open"))
      // a field marked data-keep-value (a token) is never written by a render: its value is the person's
      && !(name === "value" && node.hasAttribute("data-keep-value")),
  },
};

/**
 * Makes `mount`'s children look like `children`, updating the live nodes in place.
 * @param {Element} mount
 * @param {...any} children
 */
export function morph(mount, ...children) {
  const next = document.createElement(mount.tagName);
  append(next, children);
  if (!mount.firstChild) {
    // first render: move the new nodes in (they keep their handler property)
    mount.append(...next.childNodes);
    return;
  }
  Idiomorph.morph(mount, next, MORPH_CONFIG);
}

const PROPERTIES = new Set(["checked", "disabled", "value", "selected", "hidden", "multiple", "required", "indeterminate", "open"]);

/**
 * `el("button", { class, text, on: { click }, dataset: {...}, "aria-label": "..." }, ...children)`.
 * Attributes set to `false`, `null` or `undefined` are left out; `true` sets an empty attribute.
 */
/**
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children
 * @returns {any} the element (typed loosely: views read `.value`, `.checked` of the controls they made)
 */
export function el(tag, props = {}, ...children) {
  /** @type {any} */
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "on") {
      node[HANDLERS] = { ...value };
      for (const type of Object.keys(value)) listen(type);
    } else if (key === "dataset") Object.assign(node.dataset, value);
    else if (PROPERTIES.has(key)) {
      node[key] = value;
      // reflected as an attribute too, so that a morph carries it to the live node (an <option> the morph
      // inserts is a clone, and a clone keeps attributes only)
      if (key === "open" || key === "hidden" || key === "disabled" || key === "multiple" || key === "required" || key === "selected") {
        if (value) node.setAttribute(key, "");
      } else if (key === "value" && tag !== "textarea" && tag !== "select") node.setAttribute("value", String(value));
    }
    else if (value === false) continue;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A `<select>` of `[value, label]` pairs (or plain values) with `selected` chosen. */
export function select(props, options, selected) {
  const node = el("select", props);
  for (const option of options) {
    const [value, label] = Array.isArray(option) ? option : [option, option];
    node.append(el("option", { value, text: label, selected: value === selected }));
  }
  return node;
}

/** A labelled control in a `.field` box: `field("Label", control, hint?)`; the control needs an id. */
export function field(label, control, hint) {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return el("div", { class: "field" },
    el("label", { for: control.id, text: label }),
    control,
    hint ? el("p", { class: "hint", id: hintId, text: hint }) : null);
}

/**
 * A checkbox with its label to the right, GitLab/Azure style; `hint` is read with it.
 * @param {string} id @param {any} label @param {boolean} checked @param {(checked: boolean) => void} onChange
 * @param {{ disabled?: boolean, hint?: string | null, badge?: string }} [options]
 */
export function checkbox(id, label, checked, onChange, { disabled = false, hint, badge } = {}) {
  const input = el("input", { type: "checkbox", id, checked, disabled, on: { change: (e) => onChange(e.target.checked) } });
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return el("div", { class: `check${disabled ? " locked" : ""}` },
    input,
    el("label", { for: id }, label, badge ? el("span", { class: "badge", text: badge }) : null),
    hint ? el("p", { class: "hint", id: hintId, text: hint }) : null);
}

/**
 * A <datalist> for an input's `list`: kept outside the views, in a container of its own, and updated in
 * place (morphing a datalist that inputs point at crashed Chromium's renderer). Returns nothing to render.
 * @param {string} id @param {string[]} values
 * @returns {null}
 */
export function datalist(id, values) {
  let host = document.getElementById("datalists");
  if (!host) {
    host = document.createElement("div");
    host.id = "datalists";
    host.hidden = true;
    document.body.append(host);
  }
  let list = /** @type {HTMLDataListElement | null} */ (document.getElementById(id));
  if (!list) {
    list = document.createElement("datalist");
    list.id = id;
    host.append(list);
  }
  const now = [...list.options].map((o) => o.value);
  if (now.length !== values.length || now.some((v, i) => v !== values[i])) {
    list.replaceChildren(...values.map((value) => {
      const option = document.createElement("option");
      option.value = value;
      return option;
    }));
  }
  return null;
}

/** Text for screen readers only. */
export const srOnly = (text) => el("span", { class: "sr-only", text });

/** Says `text` through the page's polite live region (it stays in the DOM across re-renders). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // a new text node in a later task is announced even when the text repeats
  setTimeout(() => (region.textContent = text), 30);
}

/** A `Decision`'s trace as a table: #, rule, outcome, detail. */
export function traceTable(trace, caption) {
  return el("table", { class: "trace" },
    el("caption", { text: caption }),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col", text: "#" }),
      el("th", { scope: "col", text: "Rule" }),
      el("th", { scope: "col", text: "Outcome" }),
      el("th", { scope: "col", text: "Detail" }))),
    el("tbody", {}, (trace ?? []).map((step, i) => el("tr", {},
      el("td", { text: String(i + 1) }),
      el("th", { scope: "row" }, el("code", { text: step.step })),
      el("td", {}, el("span", { class: `outcome ${step.outcome}`, text: step.outcome })),
      el("td", { text: step.detail ?? "" })))));
}

/** An error box (role=alert) for a thrown engine or import error. */
export function errorBox(err, title = "Error") {
  return el("div", { class: "error", role: "alert" },
    el("p", {}, el("strong", { text: title }), err?.code ? ` (${err.code})` : "", ": ", err?.message ?? String(err)));
}

/**
 * Problem paths (`projects[1].inbound.groups[0].policies[0]`) are shown next to the element whose
 * `data-path` is their longest prefix inside `root`; the rest are returned (no element shows them).
 */
export function attachProblems(root, problems) {
  const anchors = [...(root.dataset?.path !== undefined ? [root] : []), ...root.querySelectorAll("[data-path]")];
  const left = [];
  for (const problem of problems) {
    let best = null;
    for (const anchor of anchors) {
      const path = anchor.dataset.path;
      const boundary = problem.path.length === path.length || ".[".includes(problem.path[path.length]);
      if (problem.path.startsWith(path) && boundary && (!best || path.length > best.dataset.path.length)) best = anchor;
    }
    if (!best) {
      left.push(problem);
      continue;
    }
    let list = best.querySelector(":scope > .problems");
    if (!list) {
      list = el("ul", { class: "problems", "aria-label": "Problems" });
      best.append(list);
    }
    list.append(problemItem(problem));
  }
  return left;
}

export function problemItem(problem) {
  return el("li", { class: "problem" },
    el("span", { class: "problem-icon", "aria-hidden": "true", text: "⚠ " }),
    el("code", { text: problem.code }), " ", problem.message,
    el("span", { class: "problem-path" }, " (", el("code", { text: problem.path }), ")"));
}

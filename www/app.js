// Minimal GitLab job token check page. The full simulator comes later.
// DOM is built with createElement/textContent only: no innerHTML with data.

const WORLD = {
  version: "18.3",
  projects: [
    { path: "acme/ci", visibility: "private" },
    {
      path: "acme/platform/api",
      visibility: "private",
      inbound: {
        enabled: true,
        projects: ["acme/ci"],
        groups: [{ path: "acme/tools", defaultPermissions: false, policies: ["read_packages", "read_jobs"] }],
      },
    },
    { path: "acme/platform/web", visibility: "internal" },
    { path: "acme/tools/deployer", visibility: "private" },
    { path: "acme/docs", visibility: "public" },
  ],
  users: {
    alice: { acme: "developer", "acme/platform/api": "maintainer" },
    bob: { "acme/ci": "developer", "acme/platform": "reporter" },
    carol: { "acme/tools": "guest" },
  },
};

// SPEC §3 step 4: the 19 job token permissions.
const RESOURCES = [
  "deployments", "environments", "jobs", "packages", "pipelines", "releases", "secure_files", "terraform_state",
];
const PERMISSIONS = [
  ...RESOURCES.flatMap((r) => [`read_${r}`, `admin_${r}`]),
  "read_merge_requests", "read_repositories", "read_work_items",
];

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child != null) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fillSelect(select, values, emptyLabel) {
  select.replaceChildren();
  if (emptyLabel) select.append(el("option", { value: "", text: emptyLabel }));
  for (const value of values) select.append(el("option", { value, text: value }));
}

function showError(err) {
  const box = el("div", { class: "error", role: "alert" });
  box.append(el("p", {}, el("strong", { text: "Error" }), err?.code ? ` (${err.code})` : "", ": "));
  box.append(el("p", { text: err?.message ?? String(err) }));
  $("result").replaceChildren(box);
}

function showDecision(decision) {
  const allowed = decision.allowed === true;
  const out = [
    el("p", { class: `verdict ${allowed ? "allowed" : "denied"}`, text: allowed ? "Allowed" : "Denied" }),
    el("p", {}, el("strong", { text: "Reason: " }), el("code", { text: decision.reason })),
    el("p", {}, el("strong", { text: "Message: " }), decision.message ?? ""),
    el("h3", { text: "Trace" }),
  ];
  const list = el("ol", { class: "trace", "aria-label": "Rules evaluated, in order" });
  for (const entry of decision.trace ?? []) {
    list.append(
      el(
        "li",
        {},
        el("span", { class: "step", text: entry.step }),
        el("span", { class: `outcome ${entry.outcome}`, text: entry.outcome }),
        " ",
        entry.detail ?? "",
      ),
    );
  }
  out.push(list);
  $("result").replaceChildren(...out);
}

function summary(world) {
  const users = Object.keys(world.users ?? {});
  return `GitLab ${world.version}: ${world.projects.length} projects, ${users.length} users (${users.join(", ")}). ` +
    "acme/platform/api allowlists the project acme/ci and the group acme/tools (read_packages, read_jobs only); " +
    "acme/docs is public, acme/platform/web internal.";
}

async function main() {
  $("world-summary").textContent = summary(WORLD);
  $("world-json").textContent = JSON.stringify(WORLD, null, 2);

  const paths = WORLD.projects.map((p) => p.path);
  fillSelect($("source"), paths);
  fillSelect($("target"), paths);
  $("target").value = "acme/platform/api";
  fillSelect($("permission"), PERMISSIONS, "(none — any access)");
  fillSelect($("user"), Object.keys(WORLD.users), "(none)");

  let api;
  try {
    api = await import("/pkg/web.js");
  } catch (err) {
    showError(new Error(`Could not load /pkg/web.js (run "make start"): ${err?.message ?? err}`));
    return;
  }
  $("engine-version").textContent = api.version();

  const check = () => {
    const request = { source: $("source").value, target: $("target").value };
    if ($("permission").value) request.permission = $("permission").value;
    if ($("user").value) request.user = $("user").value;
    try {
      showDecision(api.checkGitlabAccess(WORLD, request));
    } catch (err) {
      showError(err);
    }
  };

  $("check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    check();
  });
  for (const id of ["source", "target", "permission", "user"]) $(id).addEventListener("change", check);
  $("check-button").disabled = false;
  check();
}

main().catch(showError);

// A small app as a user would write it: imports the package by name, is bundled by esbuild for the
// browser (tests/js/browser.test.mjs), and shows a decision computed by the wasm.
//
// esbuild does not rewrite `new URL("./job_token_scope_bg.wasm", import.meta.url)`: importing the raw
// .wasm export with the `file` loader (assetNames "[name]") puts the file next to the bundle, where the
// package's browser entry fetches it. (Copying the file there in the build script does the same.)
import wasmUrl from "job-token-scope/job_token_scope_bg.wasm";
import { checkGitlabAccess, GitlabPolicy, version } from "job-token-scope";

const world = {
  version: "18.3",
  projects: [
    { path: "acme/ci" },
    { path: "acme/api", inbound: { projects: ["acme/ci"] } },
    { path: "acme/other" },
  ],
};

const out = document.getElementById("out");
try {
  const allowed = checkGitlabAccess(world, { source: "acme/ci", target: "acme/api" });
  const denied = checkGitlabAccess(world, { source: "acme/other", target: "acme/api" });
  let error = null;
  try {
    checkGitlabAccess(world, { source: "acme/ci", target: "acme/nope" });
  } catch (e) {
    error = { code: e.code, message: e.message };
  }
  const policy = new GitlabPolicy(world);
  const fast = policy.check("acme/ci", "acme/api");
  policy.free();
  out.textContent = JSON.stringify({ version: version(), wasmUrl, allowed, denied, error, fast });
  out.dataset.state = "done";
} catch (e) {
  out.textContent = String(e?.stack ?? e);
  out.dataset.state = "error";
}

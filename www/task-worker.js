// @ts-check
// A worker for the page's whole-scenario computations, so that a large scenario never holds the page:
// the Azure matrix (azureMatrix, or azureWhatIf with a draft) and the enforcement plan
// (planGitlabEnforcement). tasks.js sends one request per task at a time and keeps the latest answer.

const loading = import("/pkg/web.js");

/** @type {Record<string, (api: any, args: any) => any>} */
export const TASKS = {
  /** The Azure matrix, or with a draft its what-if: args { applied, draft }. */
  azure: (api, { applied, draft }) => (draft ? api.azureWhatIf(applied, draft) : { after: api.azureMatrix(applied), before: null, flips: [] }),
  /** The enforcement plan: args { world, log }. */
  plan: (api, { world, log }) => api.planGitlabEnforcement(world, log),
};

// in a worker (on the page, tasks.js imports TASKS for its fallback)
if (typeof document === "undefined") {
  self.onmessage = async (/** @type {MessageEvent} */ event) => {
    const { id, task, args } = event.data;
    let api;
    try {
      api = await loading;
    } catch {
      // the package could not be loaded here (offline before it arrived, say): the page computes it
      self.postMessage({ id, fallback: true });
      return;
    }
    try {
      self.postMessage({ id, result: TASKS[task](api, args) });
    } catch (err) {
      self.postMessage({ id, error: { message: String(/** @type {any} */ (err)?.message ?? err), code: /** @type {any} */ (err)?.code } });
    }
  };
}

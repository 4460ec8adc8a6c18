// @ts-check
// The Azure matrix's worker: azureMatrix(config), or azureWhatIf(applied, draft) while there is a draft,
// off the main thread (an organization listing hundreds of projects makes a matrix of a few thousand
// decisions, each with its trace). azure-engine.js sends one request at a time and keeps the latest.

const loading = import("/pkg/web.js");

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const api = await loading;
  const { id, applied, draft } = event.data;
  try {
    const result = draft ? api.azureWhatIf(applied, draft) : { after: api.azureMatrix(applied), before: null, flips: [] };
    self.postMessage({ id, result });
  } catch (err) {
    self.postMessage({ id, error: { message: String(/** @type {any} */ (err)?.message ?? err), code: /** @type {any} */ (err)?.code } });
  }
};

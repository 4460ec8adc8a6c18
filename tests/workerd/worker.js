// A Cloudflare Worker (module syntax) using the package: bundled by esbuild with the `workerd` condition
// and run by a real `workerd serve` in tests/js/workerd.test.mjs. POST a GitLab world and request as
// JSON ({ world, request }); the answer is the decision, or the error's code and message (status 400).
import { checkGitlabAccess, version } from "job-token-scope";

export default {
  async fetch(request) {
    if (request.method !== "POST") return Response.json({ version: version() });
    let body;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: { code: "invalid_json" } }, { status: 400 });
    }
    try {
      return Response.json({ version: version(), decision: checkGitlabAccess(body.world, body.request) });
    } catch (error) {
      return Response.json({ error: { code: error.code, message: error.message } }, { status: 400 });
    }
  },
};

// Run by tests/js/gate.test.mjs under Deno (when a `deno` binary is available), from inside a project that
// has job-token-scope installed: imports the example worker module (which imports "job-token-scope/gate"),
// sends it the requests given as JSON on stdin ({ env, requests: [{ path, method, headers }] }), and prints
// { resolved, answers: [{ status, reason, scope }] } as JSON. Deno has web Request/Response/crypto.subtle
// and resolves the package's `node` condition (gate-node.js).

const input = JSON.parse(await new Response(Deno.stdin.readable).text());
const worker = (await import(new URL("./worker.js", import.meta.url).href)).default;
const answers = [];
for (const { path, method = "GET", headers = {} } of input.requests) {
  const res = await worker.fetch(new Request(`http://gate.test${path}`, { method, headers }), input.env, {});
  const text = await res.text();
  let reason = null;
  try {
    reason = JSON.parse(text).reason ?? null;
  } catch {
    // the upstream's answer
  }
  answers.push({ status: res.status, reason, scope: res.headers.get("x-job-token-scope") });
}
console.log(JSON.stringify({ resolved: import.meta.resolve("job-token-scope/gate"), answers }));

// A local KV namespace for workerd (config-kv.capnp), holding one key: `world.snapshot`. workerd ships
// the client half of a `kvNamespace` binding and turns `env.GATE_KV.get(key, ...)` into an HTTP request
// to the service it names: `GET /<key, percent-encoded>?urlencoded=true`, answered with the value (200)
// or, for a key it does not hold, 404, which the binding gives the worker as `null`. On Cloudflare the
// namespace is Cloudflare's and this file is not deployed: `wrangler kv key put` uploads the snapshot.
import snapshot from "./kv.snapshot";

export default {
  fetch(request) {
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (request.method === "GET" && key === "world.snapshot") return new Response(snapshot);
    return new Response(null, { status: request.method === "GET" ? 404 : 405 });
  },
};

#!/usr/bin/env node
// Tiny static server for the simulator: www/ at /, pkg/ at /pkg/. No dependencies.
// Usage: node scripts/serve.mjs [port]   (default 8080; binds 127.0.0.1 only)

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const HOST = "127.0.0.1";
const PORT = Number.parseInt(process.argv[2] ?? process.env.PORT ?? "8080", 10);
if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`serve: bad port ${JSON.stringify(process.argv[2])}`);
  process.exit(2);
}

const MOUNTS = [
  ["/pkg/", join(ROOT, "pkg")],
  ["/", join(ROOT, "www")],
];

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

function send(res, status, body, type = "text/plain; charset=utf-8", head = false) {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(head ? undefined : body);
}

/** Maps a URL path to a file under one of the mounts, or null. */
function resolvePath(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/");
  if (segments.some((s) => s === ".." || s === ".")) return null;
  for (const [prefix, dir] of MOUNTS) {
    if (!decoded.startsWith(prefix)) continue;
    let rest = decoded.slice(prefix.length);
    if (rest === "" || rest.endsWith("/")) rest += "index.html";
    const file = resolve(dir, rest);
    if (file !== dir && !file.startsWith(dir + sep)) return null;
    return file;
  }
  return null;
}

const server = createServer(async (req, res) => {
  const head = req.method === "HEAD";
  if (req.method !== "GET" && !head) {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "method not allowed\n");
  }
  let pathname;
  try {
    pathname = new URL(req.url, "http://localhost").pathname;
  } catch {
    return send(res, 400, "bad request\n");
  }
  if (pathname === "/pkg") {
    res.setHeader("Location", "/pkg/");
    return send(res, 301, "moved\n");
  }
  const file = resolvePath(pathname);
  if (!file) return send(res, 404, "not found\n");
  try {
    const info = await stat(file);
    if (!info.isFile()) return send(res, 404, "not found\n");
    const body = await readFile(file);
    res.writeHead(200, {
      "Content-Type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
      "Content-Length": body.length,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(head ? undefined : body);
  } catch {
    send(res, 404, "not found\n");
  }
});

server.on("error", (err) => {
  console.error(`serve: ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  console.log(`Serving www/ and pkg/ at http://${HOST}:${port}/  (Ctrl-C to stop)`);
});

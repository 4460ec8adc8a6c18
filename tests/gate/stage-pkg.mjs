// Development aid, not a test: `node tests/gate/stage-pkg.mjs <dir>` copies the built pkg/ to <dir> and
// adds what `make pkg` adds once the gate is wired into pkg.json and the Makefile — src/wasm/gate*.js and
// gate.d.ts, `exports["./gate"]`, `files` and `sideEffects` — so the gate tests can run against <dir>
// (JTS_PKG_DIR=<dir>) before that. Prints <dir>.

import { cpSync, copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const GATE_FILES = ["gate.js", "gate-node.js", "gate-web.js", "gate-workerd.js"];

/** The manifest with the gate: exactly the lines proposed for pkg.json. */
export function withGate(manifest) {
  const m = structuredClone(manifest);
  const exports = {};
  for (const [key, value] of Object.entries(m.exports)) {
    exports[key] = value;
    if (key === ".") {
      exports["./gate"] = {
        types: "./gate.d.ts",
        workerd: "./gate-workerd.js",
        worker: "./gate-workerd.js",
        node: "./gate-node.js",
        browser: "./gate-web.js",
        import: "./gate-web.js",
        default: "./gate-web.js",
      };
    }
  }
  m.exports = exports;
  for (const file of ["gate.d.ts", ...GATE_FILES]) if (!m.files.includes(file)) m.files.push(file);
  for (const file of ["gate-node.js", "gate-web.js", "gate-workerd.js"]) {
    if (!m.sideEffects.includes(`./${file}`)) m.sideEffects.push(`./${file}`);
  }
  return m;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? "/tmp/jts-stage/pkg");
  rmSync(out, { recursive: true, force: true });
  cpSync(join(ROOT, "pkg"), out, { recursive: true });
  for (const file of [...GATE_FILES, "gate.d.ts"]) copyFileSync(join(ROOT, "src", "wasm", file), join(out, file));
  const manifest = JSON.parse(readFileSync(join(ROOT, "pkg.json"), "utf8"));
  writeFileSync(join(out, "package.json"), JSON.stringify(withGate(manifest), null, 2) + "\n");
  console.log(out);
}

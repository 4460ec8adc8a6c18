// Run by `make pkg` after wasm-bindgen: the JS that src/wasm/ imports into Rust (wasm-bindgen
// `module = "/src/wasm/…"`, written to pkg/snippets/…) goes into the glue, pkg/job_token_scope.js, in its
// own scope, and pkg/snippets/ is removed: one ES module fewer to load, nothing hash-named in the package.
// (Folding api.js into the entries as well was measured: under 0.1 ms of cold start, not kept.)
// Usage: node scripts/inline-snippets.mjs pkg

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "pkg";
const gluePath = join(dir, "job_token_scope.js");
let glue = readFileSync(gluePath, "utf8");
// The glue imports a snippet's functions by name, or (those it hands to the module as they are, with no
// shim of its own) as a namespace: `import * as import1 from "./snippets/…"`.
const named = /^import \{ ([\w, ]+) \} from '\.\/(snippets\/[^']+\.js)';\n/gm;
const namespace = /^import \* as (\w+) from "\.\/(snippets\/[^"]+\.js)";?\n/gm;
const imports = new Map(); // file -> { names: Set, namespaces: [] }
const of = (file) => imports.get(file) ?? imports.set(file, { names: new Set(), namespaces: [] }).get(file);
for (const [, names, file] of glue.matchAll(named)) for (const n of names.split(",")) of(file).names.add(n.trim());
for (const [, alias, file] of glue.matchAll(namespace)) of(file).namespaces.push(alias);
const inlined = new Map();
for (const [file, { names, namespaces }] of imports) {
  const source = readFileSync(join(dir, file), "utf8");
  // A snippet is inlined as it is: it must be self-contained and export exactly what the glue imports.
  if (/^import\b/m.test(source)) throw new Error(`${file} imports other modules; it cannot be inlined`);
  const exported = [...source.matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1]).sort();
  const missing = [...names].filter((n) => !exported.includes(n));
  const unused = namespaces.length > 0 ? [] : exported.filter((n) => !names.has(n));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(`${file} exports ${exported} but the glue imports ${[...names].sort()}`);
  }
  // In its own scope, so its top-level names cannot meet the glue's.
  inlined.set(file, `// Inlined from ${file.replace(/^snippets\/[^/]+\//, "")} by scripts/inline-snippets.mjs.\n`
    + `const { ${exported.join(", ")} } = (() => {\n`
    + source.replace(/^export (function|const) /gm, "$1 ")
    + `return { ${exported.join(", ")} };\n})();\n`
    + namespaces.map((alias) => `const ${alias} = { ${exported.join(", ")} };\n`).join(""));
}
// Each snippet where the glue first imports it; its other import lines go.
const inline = (_line, _names, file) => {
  const code = inlined.get(file) ?? "";
  inlined.delete(file);
  return code;
};
glue = glue.replace(named, inline).replace(namespace, inline);
if (/from ['"]\.\/snippets\//.test(glue)) throw new Error("a snippet import was not inlined");
writeFileSync(gluePath, glue);
rmSync(join(dir, "snippets"), { recursive: true, force: true });

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
const snippetImport = /^import \{ ([\w, ]+) \} from '\.\/(snippets\/[^']+\.js)';$/gm;
glue = glue.replace(snippetImport, (_line, names, file) => {
  const source = readFileSync(join(dir, file), "utf8");
  // A snippet is inlined as it is: it must be self-contained and export exactly what the glue imports.
  if (/^import\b/m.test(source)) throw new Error(`${file} imports other modules; it cannot be inlined`);
  const exported = [...source.matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1]).sort();
  const wanted = names.split(",").map((n) => n.trim()).sort();
  if (exported.join() !== wanted.join()) {
    throw new Error(`${file} exports ${exported} but the glue imports ${wanted}`);
  }
  // In its own scope, so its top-level names cannot meet the glue's.
  return `// Inlined from ${file.replace(/^snippets\/[^/]+\//, "")} by scripts/inline-snippets.mjs.\n`
    + `const { ${wanted.join(", ")} } = (() => {\n`
    + source.replace(/^export (function|const) /gm, "$1 ")
    + `return { ${wanted.join(", ")} };\n})();\n`;
});
if (/from '\.\/snippets\//.test(glue)) throw new Error("a snippet import was not inlined");
writeFileSync(gluePath, glue);
rmSync(join(dir, "snippets"), { recursive: true, force: true });

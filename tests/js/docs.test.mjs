// The documentation holds together (docs/contributing.md "Documentation"):
// - every relative link of README.md and docs/*.md resolves, and every `#anchor` names a heading of its
//   target (GitHub's heading slugs) or an HTML id;
// - docs/api.md covers src/wasm/index.d.ts and src/wasm/gate.d.ts: a heading for every function, class and
//   method, every exported type named, every function's and method's declaration quoted, and every
//   ```ts block a verbatim quote (whitespace aside) of one of the two files;
// - the codes of the .d.ts unions for edits and validation are explained on the rule pages;
// - a page with a ```rust block is compiled by `cargo test --doc` (listed in src/lib.rs).
// Needs no build: it reads only the repository's text files. (The ```js blocks run in readme.test.mjs.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (path) => readFileSync(join(ROOT, path), "utf8");
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

// ───────── Markdown, as far as links and headings need it ─────────

/** The page's lines with fenced code blocks blanked (kept as empty lines, so line numbers hold). */
function withoutFences(markdown) {
  const lines = markdown.split(/\r?\n/);
  let fence = null;
  return lines.map((line) => {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null) {
      if (m) {
        fence = m[1];
        return "";
      }
      return line;
    }
    if (m && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim().replace(/[`~]/g, "") === "") fence = null;
    return "";
  });
}

/** The fenced blocks of a page: { lang, code, line }. */
function fencedBlocks(markdown) {
  const blocks = [];
  let open = null;
  for (const [i, line] of markdown.split(/\r?\n/).entries()) {
    const m = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open === null) {
      if (m) open = { fence: m[1], lang: m[2].toLowerCase(), line: i + 1, body: [] };
    } else if (m && m[1][0] === open.fence[0] && m[1].length >= open.fence.length && line.trim().replace(/[`~]/g, "") === "") {
      blocks.push({ lang: open.lang, code: open.body.join("\n"), line: open.line });
      open = null;
    } else {
      open.body.push(line);
    }
  }
  return blocks;
}

/** Inline code spans blanked, so that a link written inside one is not taken for a link. */
const withoutCodeSpans = (line) => line.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, (span) => " ".repeat(span.length));

/** ATX headings (outside code blocks): { level, text, line }. */
function headings(markdown) {
  const out = [];
  for (const [i, line] of withoutFences(markdown).entries()) {
    const m = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (m) out.push({ level: m[1].length, text: m[2], line: i + 1 });
  }
  return out;
}

/** GitHub's anchor for a heading (github-slugger): the rendered text lower-cased, punctuation dropped,
 *  spaces as `-`; a repeated slug gets `-1`, `-2`, ... */
function slugs(markdown) {
  const seen = new Map();
  const out = new Set();
  for (const { text } of headings(markdown)) {
    const rendered = text
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "");
    const base = rendered.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<[a-z][^>]*\s(?:id|name)="([^"]+)"/gi)) out.add(m[1]);
  return out;
}

/** Every link target of a page (outside code): inline links and images, reference definitions, HTML
 *  href / src. { target, line }. */
function links(markdown) {
  const out = [];
  for (const [i, raw] of withoutFences(markdown).entries()) {
    const line = withoutCodeSpans(raw);
    for (const m of line.matchAll(/\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: m[1].replace(/^<|>$/g, ""), line: i + 1 });
    }
    const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
    if (def) out.push({ target: def[1].replace(/^<|>$/g, ""), line: i + 1 });
    for (const m of line.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]*)"/gi)) out.push({ target: m[1], line: i + 1 });
  }
  return out;
}

// ───────── links ─────────

test("README.md and docs/ exist, and there is something to check", () => {
  assert.ok(PAGES.length > 1, "no docs/*.md");
  assert.ok(links(read("README.md")).some((l) => l.target.startsWith("docs/")), "README.md links to no page of docs/");
});

for (const page of PAGES) {
  test(`${page}: every relative link and anchor resolves`, () => {
    const markdown = read(page);
    const broken = [];
    for (const { target, line } of links(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue; // http:, https:, mailto:
      if (target === "") {
        broken.push(`${page}:${line}: an empty link`);
        continue;
      }
      const hash = target.indexOf("#");
      const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      const file = path === "" ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
      const inRepo = relative(ROOT, file);
      if (inRepo.startsWith("..") || inRepo.split(sep)[0] === "..") {
        broken.push(`${page}:${line}: ${target} leaves the repository`);
        continue;
      }
      if (!existsSync(file)) {
        broken.push(`${page}:${line}: ${target}: no such file (${inRepo})`);
        continue;
      }
      if (anchor === null) continue;
      if (!file.endsWith(".md") || statSync(file).isDirectory()) {
        broken.push(`${page}:${line}: ${target}: an anchor into a file that is not Markdown`);
        continue;
      }
      const known = slugs(readFileSync(file, "utf8"));
      if (!known.has(anchor)) {
        const near = [...known].filter((s) => s.includes(anchor.split("-")[0])).slice(0, 5);
        broken.push(`${page}:${line}: ${target}: no heading with the anchor #${anchor} in ${inRepo}` +
          (near.length ? ` (some it has: ${near.map((s) => `#${s}`).join(", ")})` : ""));
      }
    }
    assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
  });
}

test("the link checker finds what it should (headings, slugs, links outside code)", () => {
  const sample = [
    "# Access: `checkGitlabAccess`, `GitlabPolicy.check` / `explain`",
    "## Reason codes",
    "## Reason codes",
    "## The edge gate (`job-token-scope/gate`)",
    "```sh",
    "# not a heading",
    "[not a link](nowhere.md)",
    "```",
    "A [link](docs/api.md#x) and `[code](not-a-link.md)` and ![img](a.png \"title\").",
    '<a id="custom"></a>',
  ].join("\n");
  assert.deepEqual([...slugs(sample)], [
    "access-checkgitlabaccess-gitlabpolicycheck--explain",
    "reason-codes",
    "reason-codes-1",
    "the-edge-gate-job-token-scopegate",
    "custom",
  ]);
  assert.deepEqual(links(sample).map((l) => l.target), ["docs/api.md#x", "a.png"]);
});

// ───────── docs/api.md against the .d.ts files ─────────

const DTS = { "src/wasm/index.d.ts": read("src/wasm/index.d.ts"), "src/wasm/gate.d.ts": read("src/wasm/gate.d.ts") };
const API_PAGE = "docs/api.md";
const api = read(API_PAGE);
const normalize = (text) => text.replace(/\s+/g, " ").trim();

/** What a .d.ts declares at the top level, and the methods of its classes and interfaces. */
function declarations(dts) {
  const functions = [...dts.matchAll(/^export (?:declare )?function (\w+)[^;]*;/gm)].map((m) => ({ name: m[1], text: m[0] }));
  const types = [...dts.matchAll(/^export (?:declare )?(?:interface|type|class|enum) (\w+)/gm)].map((m) => m[1]);
  const classes = [...dts.matchAll(/^export (?:declare )?class (\w+)/gm)].map((m) => m[1]);
  const methods = [];
  for (const m of dts.matchAll(/^export (?:declare )?(class|interface) (\w+)[^{]*\{\n([\s\S]*?)^\}/gm)) {
    for (const member of m[3].matchAll(/^ {2}(static )?(\w+)\s*[(<][^;]*;/gm)) {
      methods.push({ owner: m[2], isStatic: Boolean(member[1]), name: member[2], text: member[0] });
    }
  }
  return { functions, types, classes, methods };
}

const apiHeadings = headings(api);
const tsBlocks = fencedBlocks(api).filter((b) => b.lang === "ts" || b.lang === "typescript");
const quoted = normalize(tsBlocks.map((b) => b.code).join("\n"));

/** The text of the section under a heading: up to the next heading of the same or a higher level. */
function section(heading) {
  const lines = api.split(/\r?\n/);
  const next = apiHeadings.find((h) => h.line > heading.line && h.level <= heading.level);
  return lines.slice(heading.line, next ? next.line - 1 : lines.length).join("\n");
}

for (const [file, dts] of Object.entries(DTS)) {
  const { functions, types, classes, methods } = declarations(dts);

  test(`${API_PAGE} has a heading, its quoted declaration, "Throws" and an example for every function and class of ${file}`, () => {
    assert.ok(functions.length > 0, `no exported function found in ${file}`);
    const missing = [];
    for (const { name, text } of functions) {
      const heading = apiHeadings.find((h) => h.text.includes(`\`${name}(`));
      if (!heading) {
        missing.push(`${name}: no heading naming \`${name}(...)\``);
        continue;
      }
      if (!quoted.includes(normalize(text))) missing.push(`${name}: its declaration is not quoted in a \`\`\`ts block: ${text}`);
      const body = section(heading);
      if (!body.includes("**Throws**")) missing.push(`${name}: its section does not say what it throws (**Throws**)`);
      if (!/^ {0,3}```js\b/m.test(body)) missing.push(`${name}: its section has no \`\`\`js example`);
    }
    for (const name of classes) {
      const heading = apiHeadings.find((h) => h.text.includes(`\`new ${name}(`));
      if (!heading) {
        missing.push(`class ${name}: no heading naming \`new ${name}(...)\``);
        continue;
      }
      const body = section(heading);
      if (!body.includes("**Throws**")) missing.push(`class ${name}: its section does not say what the constructor throws`);
      if (!/^ {0,3}```js\b/m.test(body)) missing.push(`class ${name}: its section has no \`\`\`js example`);
    }
    assert.deepEqual(missing, [], `${API_PAGE} is behind ${file}:\n${missing.join("\n")}`);
  });

  test(`${API_PAGE} has a heading, its quoted declaration and "Throws" for every method of ${file}`, () => {
    const missing = [];
    for (const { owner, isStatic, name, text } of methods) {
      if (name === "constructor") {
        if (!quoted.includes(normalize(text))) missing.push(`${owner} constructor: not quoted: ${text.trim()}`);
        continue;
      }
      const heading = apiHeadings.find((h) => new RegExp(`\`[\\w$]+\\.${name}\\(`).test(h.text));
      if (!heading) missing.push(`${owner}.${name}: no heading naming \`${isStatic ? owner : "object"}.${name}(...)\``);
      else if (!section(heading).includes("**Throws**")) missing.push(`${owner}.${name}: its section does not say what it throws`);
      if (!quoted.includes(normalize(text))) missing.push(`${owner}.${name}: its declaration is not quoted: ${text.trim()}`);
    }
    assert.deepEqual(missing, [], `${API_PAGE} is behind ${file}:\n${missing.join("\n")}`);
  });

  test(`${API_PAGE} names every type ${file} exports`, () => {
    const prose = withoutFences(api).join("\n");
    const missing = types.filter(
      (name) => !prose.includes(`\`${name}\``) && !new RegExp(`\\b(?:interface|type|class) ${name}\\b`).test(quoted),
    );
    assert.deepEqual(missing, [], `${API_PAGE} never names: ${missing.join(", ")}`);
  });
}

test(`every \`\`\`ts block of ${API_PAGE} is quoted verbatim from a .d.ts file`, () => {
  assert.ok(tsBlocks.length > 0, `${API_PAGE} quotes no declaration`);
  const sources = Object.values(DTS).map(normalize);
  const drifted = [];
  for (const block of tsBlocks) {
    // Declarations next to each other in the block may come from different places: each run of lines
    // between blank lines must be a quote.
    for (const chunk of block.code.split(/\n\s*\n/).map(normalize).filter(Boolean)) {
      if (!sources.some((source) => source.includes(chunk))) drifted.push(`${API_PAGE}:${block.line}: ${chunk.slice(0, 160)}`);
    }
  }
  assert.deepEqual(drifted, [], `quoted declarations that no longer match the .d.ts files:\n${drifted.join("\n")}`);
});

// ───────── codes without a table of their own in the engine ─────────

/** The string literals of the union type `name` in a .d.ts. */
function union(dts, name) {
  const m = new RegExp(`^export type ${name} =([^;]*);`, "m").exec(dts);
  assert.ok(m, `type ${name} not found`);
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

for (const [type, page] of [
  ["GitlabEditReason", "docs/gitlab-rules.md"],
  ["GitlabProblemCode", "docs/gitlab-rules.md"],
  ["AzureProblemCode", "docs/azure-rules.md"],
]) {
  test(`${page} explains every code of ${type}`, () => {
    const text = read(page);
    const missing = union(DTS["src/wasm/index.d.ts"], type).filter((code) => !text.includes(`\`${code}\``));
    assert.deepEqual(missing, [], `${page} never names ${missing.join(", ")}`);
  });
}

// ───────── Rust examples ─────────

test("every page with a ```rust block is compiled by `cargo test --doc` (src/lib.rs includes it)", () => {
  const lib = read("src/lib.rs");
  const missing = PAGES.filter((page) => fencedBlocks(read(page)).some((b) => /^rust\b/.test(b.lang)))
    .filter((page) => !lib.includes(`include_str!("../${page}")`));
  assert.deepEqual(missing, [], `add #[doc = include_str!("../<page>")] to src/lib.rs for: ${missing.join(", ")}`);
});

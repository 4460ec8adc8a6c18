// Every ```js block of README.md and of docs/*.md must run: `from "job-token-scope"` is pointed at the built
// pkg/index.js, `"job-token-scope/gate"` at pkg/gate-node.js. Each block runs alone, as an ES module in a
// fresh `node` process; a block that throws (an `assert` in it failing, say) fails its test.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README = join(ROOT, "README.md");
const DOCS = join(ROOT, "docs");
const PKG_INDEX = fileURLToPath(new URL("../../pkg/index.js", import.meta.url));
const PKG_URL = pathToFileURL(PKG_INDEX).href;

/** The ```js / ```javascript fenced blocks of a Markdown text, with their first line number. */
function jsBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split(/\r?\n/);
  let open = null;
  for (const [i, line] of lines.entries()) {
    if (open === null) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
      if (m) open = { fence: m[1], lang: m[2].toLowerCase(), line: i + 1, body: [] };
    } else if (line.trim().startsWith(open.fence) && line.trim().replace(/[`~]/g, "") === "") {
      if (open.lang === "js" || open.lang === "javascript") blocks.push({ line: open.line, code: open.body.join("\n") });
      open = null;
    } else {
      open.body.push(line);
    }
  }
  return blocks;
}

const GATE_URL = pathToFileURL(fileURLToPath(new URL("../../pkg/gate-node.js", import.meta.url))).href;

function pointAtPkg(code) {
  return code
    .replace(/(["'])job-token-scope\/gate\1/g, JSON.stringify(GATE_URL))
    .replace(/(\bfrom\s*)(["'])job-token-scope\2/g, (_, from) => `${from}${JSON.stringify(PKG_URL)}`)
    .replace(/(\bimport\s*\(\s*)(["'])job-token-scope\2/g, (_, imp) => `${imp}${JSON.stringify(PKG_URL)}`)
    .replace(/(\bimport\s*)(["'])job-token-scope\2/g, (_, imp) => `${imp}${JSON.stringify(PKG_URL)}`);
}

const markdown = existsSync(README) ? readFileSync(README, "utf8") : null;

/** README.md, then every docs/*.md, each with its ```js blocks. */
const documents = [
  { name: "README.md", blocks: markdown === null ? [] : jsBlocks(markdown) },
  ...readdirSync(DOCS)
    .filter((file) => file.endsWith(".md"))
    .sort()
    .map((file) => ({ name: `docs/${file}`, blocks: jsBlocks(readFileSync(join(DOCS, file), "utf8")) })),
];

test("README.md has runnable ```js examples", () => {
  assert.ok(markdown !== null, `README.md not found at ${README}`);
  assert.ok(documents[0].blocks.length > 0, "README.md has no ```js fenced block to run; its examples are part of the tests");
  assert.ok(existsSync(PKG_INDEX), `${PKG_INDEX} is missing — build it with "make pkg" first`);
});

for (const { name, blocks } of documents) {
  for (const [n, block] of blocks.entries()) {
    test(`${name} js block #${n + 1} (line ${block.line}) runs`, () => {
      const dir = mkdtempSync(join(tmpdir(), "jts-readme-"));
      try {
        const file = join(dir, `block-${n + 1}.mjs`);
        writeFileSync(file, pointAtPkg(block.code) + "\n");
        const run = spawnSync(process.execPath, [file], { cwd: dir, encoding: "utf8", timeout: 60_000 });
        assert.equal(
          run.status,
          0,
          `block at ${name}:${block.line} exited with ${run.status ?? run.signal}\n--- code ---\n${block.code}\n` +
            `--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

// GitlabPolicy.fromJSON (src/json.rs, src/wasm/mod.rs, api.js) against the object door: every world of the
// rule tables (tests/cases/gitlab/) and of the bad-input catalogue (tests/cases/bad/gitlab.json), given as
// a string and as UTF-8 bytes, answers check / explain exactly as new GitlabPolicy(world), or throws the
// same code and message; text that is not JSON is a located invalid_input error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

const api = await import(new URL("../../pkg/index.js", import.meta.url));
const { GitlabPolicy, gitlabPermissions } = api;

const CASES = new URL("../cases/", import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, CASES), "utf8"));

/** [name, world] for every world the tables hold. */
function worlds() {
  const out = [];
  for (const file of readdirSync(new URL("gitlab/", CASES)).filter((f) => f.endsWith(".json")).sort()) {
    const table = read(`gitlab/${file}`);
    out.push([`${file}: the table's world`, table.world]);
    for (const c of table.cases) {
      let world = c.world ?? table.world;
      if (c.version !== undefined && world && typeof world === "object") world = { ...world, version: c.version };
      out.push([`${file}: ${c.name}`, world]);
    }
  }
  const bad = read("bad/gitlab.json");
  for (const c of bad.cases) {
    if (!/Gitlab/.test(c.call) || !Array.isArray(c.args) || c.args.length === 0) continue;
    out.push([`bad/gitlab.json: ${c.name}`, c.args[0] === "$world" ? bad.defaults.world : c.args[0]]);
  }
  return out;
}

const attempt = (f) => {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
};
const outcome = (r) => (r.ok ? r.value : { code: r.error.code, message: r.error.message, isError: r.error instanceof Error });
const PERMISSIONS = [undefined, ...gitlabPermissions().map((p) => p.name).filter((n) => n !== "admin_repositories").slice(0, 6)];

test("every table world decides through fromJSON as through the constructor, as a string and as bytes", () => {
  let compiled = 0;
  let refused = 0;
  for (const [name, world] of worlds()) {
    if (world === undefined) continue;
    const text = JSON.stringify(world, null, 2);
    const expected = attempt(() => new GitlabPolicy(world));
    for (const input of [text, new TextEncoder().encode(text)]) {
      const got = attempt(() => GitlabPolicy.fromJSON(input));
      try {
        assert.equal(got.ok, expected.ok, `${name}: ${JSON.stringify([outcome(got), outcome(expected)]).slice(0, 500)}`);
        if (!got.ok) {
          assert.deepEqual(outcome(got), outcome(expected), name);
          refused++;
          continue;
        }
        compiled++;
        const paths = (world.projects ?? []).map((p) => (typeof p === "string" ? p : p.path)).slice(0, 8);
        for (const s of paths) {
          for (const t of paths) {
            for (const p of PERMISSIONS) {
              assert.deepEqual(outcome(attempt(() => got.value.explain(s, t, p))), outcome(attempt(() => expected.value.explain(s, t, p))), `${name}: ${s} → ${t} ${p}`);
              assert.deepEqual(outcome(attempt(() => got.value.check(s, t, p))), outcome(attempt(() => expected.value.check(s, t, p))), `${name}: ${s} → ${t} ${p}`);
            }
          }
        }
      } finally {
        if (got.ok) got.value.free();
      }
    }
    if (expected.ok) expected.value.free();
  }
  assert.ok(compiled > 200 && refused > 40, `${compiled} compiled, ${refused} refused`);
});

const WORLD = { version: "18.3", projects: [{ path: "acme/ci" }, { path: "acme/api", inbound: { projects: ["acme/ci"] } }] };

/** fromJSON(text) throws invalid_input with exactly this message (as a string and, unless `stringOnly`, as bytes). */
function refuses(text, message, { stringOnly = false } = {}) {
  for (const input of stringOnly ? [text] : [text, new TextEncoder().encode(text)]) {
    assert.throws(() => GitlabPolicy.fromJSON(input), (error) => {
      assert.ok(error instanceof Error);
      assert.equal(error.code, "invalid_input", error.message);
      if (message instanceof RegExp) assert.match(error.message, message);
      else assert.equal(error.message, message);
      return true;
    }, JSON.stringify(text).slice(0, 200));
  }
}

/** The same code and message as new GitlabPolicy(JSON.parse(text)). */
function sameAsObjectDoor(text) {
  const expected = attempt(() => new GitlabPolicy(JSON.parse(text)));
  for (const input of [text, new TextEncoder().encode(text)]) {
    const got = attempt(() => GitlabPolicy.fromJSON(input));
    assert.deepEqual(got.ok ? "ok" : outcome(got), expected.ok ? "ok" : outcome(expected), text.slice(0, 200));
    if (got.ok) got.value.free();
  }
  if (expected.ok) expected.value.free();
  return expected;
}

test("syntax errors are located: line, column, the JSON path, what was expected", () => {
  refuses("", "invalid JSON at line 1, column 1: expected a value, found the end of the text");
  refuses("{}}", "invalid JSON at line 1, column 3: expected the end of the text, found '}'");
  refuses('{\n  "projects": [\n    {"path": "acme/ci",},\n  ]\n}', "projects[0]: invalid JSON at line 3, column 24: expected a key in double quotes, found '}'");
  refuses('{"projects": [{"path": "acme/ci"}, {"path": "a", "inbound": {"projects": ["x"] "y"}}]}', "projects[1].inbound: invalid JSON at line 1, column 80: expected ',' or '}', found '\"'");
  refuses('{"projects": [01]}', "projects[0]: invalid JSON at line 1, column 16: expected no digit after a leading 0, found '1'");
  refuses('{"projects": [], /* no */}', /line 1, column 18: expected a key in double quotes, found '\/'/);
  refuses('{"version": "18.3\n"}', /line 1, column 18: expected '"' or a character other than a control character/);
  refuses('{"version": "\\x"}', /column 15: expected an escape/);
  refuses("[" + "[".repeat(5000), /line 1, column 5002: expected a value, found the end of the text/);
  // A byte order mark: JSON.parse refuses it in a string; TextDecoder skips it in bytes.
  refuses("\uFEFF" + JSON.stringify(WORLD), "invalid JSON at line 1, column 1: expected a value, found U+FEFF (a byte order mark)", { stringOnly: true });
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(WORLD))]);
  const policy = GitlabPolicy.fromJSON(bom);
  assert.equal(policy.check("acme/ci", "acme/api"), true);
  policy.free();
});

test("the object door's limits and messages, for the same world", () => {
  const project = (extra) => JSON.stringify({ version: "18.3", projects: [{ path: "acme/ci", ...extra }] });
  sameAsObjectDoor(project({ colour: 1 })); // unknown key
  sameAsObjectDoor('{"projects": [{"path": 7}]}'); // wrong type
  sameAsObjectDoor('{"projects": [{"path": "acme/ci"}, {"path": "ACME/CI"}]}'); // duplicate project
  sameAsObjectDoor('{"version": "99.1", "projects": []}'); // unsupported version
  sameAsObjectDoor('{"projects": [{"path": "acme/ci", "visibility": 1e400}]}'); // Infinity
  sameAsObjectDoor('{"projects": [{"path": "acme/ci", "visibility": -0}]}');
  sameAsObjectDoor('{"projects": [{"path": "\\ud800acme/ci"}]}'); // an escaped lone surrogate
  sameAsObjectDoor('{"projects": [{"path": "acme/ci", "\\udc00": 1}]}'); // ... in a key
  sameAsObjectDoor('{"projects": [{"path": "acme/ci"}], "users": {"a": {"acme": "owner"}, "a": 5}}'); // repeated key: the last wins
  sameAsObjectDoor('{"projects": [{"path": "acme/ci"}], "users": {"a": 5, "a": {"acme": "owner"}}}');
  sameAsObjectDoor(`{"projects": [{"path": "acme/ci"}], "users": {"a": ${"[".repeat(40)}${"]".repeat(40)}}}`); // too deep
  sameAsObjectDoor(`{"projects": [{"path": "${"x".repeat((1 << 20) + 1)}"}]}`); // string too long
  sameAsObjectDoor(`{"projects": [{"path": "${"é".repeat(1 << 20)}"}]}`); // long but not too long (UTF-16)
  sameAsObjectDoor(`{"projects": [${'{"path": "a/b"},'.repeat(200_000)}{"path": "a/c"}]}`); // too many items
  const many = {};
  for (let i = 0; i <= 200_000; i++) many[`u${i}`] = {};
  sameAsObjectDoor(JSON.stringify({ projects: [], users: many })); // too many keys
  // A raw lone surrogate in a string (which UTF-8 cannot hold): read by JSON.parse, refused as the object door does.
  const lone = '{"projects": [{"path": "acme/\uD800ci"}]}';
  const expected = outcome(attempt(() => new GitlabPolicy(JSON.parse(lone))));
  assert.deepEqual(outcome(attempt(() => GitlabPolicy.fromJSON(lone))), expected);
  assert.match(expected.message, /lone UTF-16 surrogate/);
  refuses('{"projects": [\uD800]}', "projects[0]: invalid JSON at line 1, column 15: expected a value, found '\uFFFD' (U+FFFD)", { stringOnly: true });
});

test("arguments that are not JSON text, invalid UTF-8, text over the limit: coded errors, and the instance answers after", () => {
  for (const value of [42, null, undefined, {}, [], WORLD, new Uint16Array(4), new ArrayBuffer(4), Symbol("x")]) {
    assert.throws(() => GitlabPolicy.fromJSON(value), { code: "invalid_input", message: "expected a string or a Uint8Array" });
  }
  const text = new TextEncoder().encode('{"projects": [{"path": "acme/é"}]}');
  const broken = Uint8Array.from(text);
  broken[29] = 0xff;
  assert.throws(() => GitlabPolicy.fromJSON(broken), { code: "invalid_input", message: "invalid UTF-8 at byte 29 of the JSON text" });
  assert.throws(() => GitlabPolicy.fromJSON(new Uint8Array((128 << 20) + 1)), { code: "invalid_input", message: /longer than 128 MiB/ });
  assert.throws(() => GitlabPolicy.fromJSON(" ".repeat((128 << 20) + 1)), { code: "invalid_input", message: /longer than 128 MiB/ });
  // A Node Buffer is a Uint8Array.
  const policy = GitlabPolicy.fromJSON(Buffer.from(JSON.stringify(WORLD)));
  assert.equal(policy.explain("acme/ci", "acme/api").reason, "allowlisted_project");
  policy.free();
  assert.throws(() => policy.check("acme/ci", "acme/api"), { code: "invalid_input", message: /freed/ });
  assert.ok(GitlabPolicy.fromJSON(JSON.stringify(WORLD)) instanceof GitlabPolicy);
});

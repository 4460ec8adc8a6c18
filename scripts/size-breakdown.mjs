// What the shipped .wasm spends its bytes on (docs/size.md "Where the bytes go"): `make size`.
//
// Usage: node scripts/size-breakdown.mjs <named.wasm> [<shipped.wasm>]
//
// <named.wasm> is the package's module built exactly as `make pkg` builds it but with function names kept
// (symbols not stripped, `wasm-opt -g`): `make size` builds it in target/size/. Its code is the shipped
// code (the script checks the code and data sections against <shipped.wasm>, default
// pkg/job_token_scope_bg.wasm); the names only say whose each function is. Each function's body is
// charged to the crate and module its (demangled) name comes from; the data section (string texts,
// tables) is counted apart. Bytes are raw; the gzip column compresses each group's bytes on their own,
// which shows how well a group compresses, not what removing it would save.

import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { gzipSync } from "node:zlib";

const [namedPath, shippedPath = "pkg/job_token_scope_bg.wasm"] = process.argv.slice(2);
if (!namedPath) {
  console.error("usage: node scripts/size-breakdown.mjs <named.wasm> [<shipped.wasm>]");
  process.exit(2);
}

function sections(bytes) {
  let at = 8;
  const out = [];
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return result;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const start = at;
    let name = null;
    if (id === 0) {
      const n = leb();
      name = new TextDecoder().decode(bytes.subarray(at, at + n));
      at += n;
    }
    out.push({ id, name, start, payload: at, end: start + size, size: start + size - (start - 1) });
    at = start + size;
  }
  return out;
}

function reader(bytes, at) {
  return {
    get at() {
      return at;
    },
    set at(v) {
      at = v;
    },
    leb() {
      let result = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[at++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (b < 0x80) return result;
      }
    },
    str() {
      const n = this.leb();
      const s = new TextDecoder().decode(bytes.subarray(at, at + n));
      at += n;
      return s;
    },
  };
}

/** Rust's legacy mangling (`_ZN` (len ident)* `E`) to `a::b::c`, hash suffix dropped. */
function demangle(name) {
  const m = /^_?_ZN(.*)E$/.exec(name);
  if (!m) return name;
  const parts = [];
  let rest = m[1];
  while (rest.length > 0) {
    const len = /^(\d+)/.exec(rest);
    if (!len) break;
    const n = Number(len[1]);
    parts.push(rest.slice(len[1].length, len[1].length + n));
    rest = rest.slice(len[1].length + n);
  }
  if (parts.length && /^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
  return parts
    .join("::")
    .replace(/\$LT\$/g, "<")
    .replace(/\$GT\$/g, ">")
    .replace(/\$u20\$/g, " ")
    .replace(/\$RF\$/g, "&")
    .replace(/\$BP\$/g, "*")
    .replace(/\$C\$/g, ",")
    .replace(/\$u7b\$/g, "{")
    .replace(/\$u7d\$/g, "}")
    .replace(/\$u5b\$/g, "[")
    .replace(/\$u5d\$/g, "]")
    .replace(/\$u27\$/g, "'")
    .replace(/\.\./g, "::");
}

/** A function name as the name section has it (legacy-mangled, or already demangled by the tools, with
 *  `[crate hash]` disambiguators and `::h<hash>` suffixes) as `a::b::c`. */
function clean(name) {
  return demangle(name)
    .replace(/\[[0-9a-f]+\]/g, "")
    .replace(/::h[0-9a-f]{16}$/, "");
}

/** Whose a function is: the type a trait method or an impl block is for, else the path itself. */
function owner(name) {
  let d = clean(name);
  for (;;) {
    const m = /^<(?:impl )?(.*)$/.exec(d);
    if (!m) break;
    d = m[1].replace(/^&(?:mut )?/, "");
  }
  return d;
}

/** The area a function's bytes are charged to; with `fine`, the engine's module. */
function group(name, fine) {
  const d = clean(name);
  if (/ shim$/.test(d) || /^(gitlabpolicy|gateengine)_/.test(d)) {
    // wasm-bindgen's export shims: the #[wasm_bindgen] functions of src/wasm/mod.rs, with whatever LTO
    // inlined into them (often most of the engine call they make).
    return "exports (src/wasm/mod.rs) with the engine code inlined into them";
  }
  const o = owner(name);
  const m = /^job_token_scope::(\w+)(?:::(\w+))?/.exec(o);
  if (m) {
    const [, module, sub] = m;
    if (fine) return sub && /^[a-z_]+$/.test(sub) ? `${module}::${sub}` : module;
    if (module === "gitlab") return "GitLab engine (src/gitlab/)";
    if (module === "azure") return "Azure engine (src/azure/)";
    if (module === "gate") return "gate engine (src/gate/)";
    if (module === "wasm") return "binding layer (src/wasm/): JS values in, answers out, memory";
    return "input reading and errors (src/value.rs, error.rs, decision.rs, …)";
  }
  const crate = /^([a-z_][a-z0-9_]*)::/.exec(o);
  if (crate) {
    if (["std", "core", "alloc", "__rustc"].includes(crate[1])) return "Rust core and alloc (formatting, strings, panics, collections)";
    if (["wasm_bindgen", "js_sys"].includes(crate[1])) return "wasm-bindgen runtime";
    if (crate[1] === "hashbrown") return "hashbrown (the one hash map)";
    if (crate[1] === "talc") return "talc (the allocator)";
    return crate[1];
  }
  if (/^(__wbg|__wbindgen|__externref)/.test(d)) return "wasm-bindgen runtime";
  if (
    /^(memcpy|memmove|memset|memcmp|bcmp|__rust_|rust_begin_unwind|__rdl_|__rg_|__rustc)/.test(d) ||
    /\b(core|alloc|std)::/.test(d) ||
    /^<(str|char|\[u8\]|u8|u16|u32|u64|usize|i32|i64|bool)>::/.test(d)
  ) {
    return "Rust core and alloc (formatting, strings, panics, collections)";
  }
  return `unattributed`;
}

function analyse(bytes) {
  const secs = sections(bytes);
  const byId = (id) => secs.find((s) => s.id === id);
  const names = new Map();
  const nameSec = secs.find((s) => s.id === 0 && s.name === "name");
  if (nameSec) {
    const r = reader(bytes, nameSec.payload);
    while (r.at < nameSec.end) {
      const sub = bytes[r.at++];
      const size = r.leb();
      const end = r.at + size;
      if (sub === 1) {
        const count = r.leb();
        for (let i = 0; i < count; i++) names.set(r.leb(), r.str());
      }
      r.at = end;
    }
  }
  // Imported functions come first in the function index space.
  let imported = 0;
  const imports = byId(2);
  if (imports) {
    const r = reader(bytes, imports.payload);
    const count = r.leb();
    for (let i = 0; i < count; i++) {
      r.str();
      r.str();
      const kind = bytes[r.at++];
      if (kind === 0) {
        r.leb();
        imported++;
      } else if (kind === 1) {
        r.at++;
        const flags = r.leb();
        r.leb();
        if (flags & 1) r.leb();
      } else if (kind === 2) {
        const flags = r.leb();
        r.leb();
        if (flags & 1) r.leb();
      } else if (kind === 3) {
        r.at += 2;
      }
    }
  }
  const code = byId(10);
  const functions = [];
  {
    const r = reader(bytes, code.payload);
    const count = r.leb();
    for (let i = 0; i < count; i++) {
      const size = r.leb();
      const body = bytes.subarray(r.at, r.at + size);
      functions.push({ index: imported + i, name: names.get(imported + i) ?? `#${imported + i}`, body });
      r.at += size;
    }
  }
  const data = byId(11);
  return { secs, functions, data: data ? bytes.subarray(data.payload, data.end) : new Uint8Array(), code };
}

const named = analyse(readFileSync(namedPath));
const shippedBytes = readFileSync(shippedPath);
const shipped = analyse(shippedBytes);

const codeBytes = (a) => a.functions.reduce((n, f) => n + f.body.length, 0);
if (codeBytes(named) !== codeBytes(shipped) || named.data.length !== shipped.data.length) {
  console.error(
    `warning: ${namedPath} is not the shipped build: code ${codeBytes(named)} vs ${codeBytes(shipped)} bytes, ` +
      `data ${named.data.length} vs ${shipped.data.length} bytes; the shares below are the named build's`,
  );
}

const groups = new Map();
const fine = Boolean(process.env.SIZE_FINE);
for (const f of named.functions) {
  const g = group(f.name, fine);
  const entry = groups.get(g) ?? { bytes: 0, functions: 0, bodies: [] };
  entry.bytes += f.body.length;
  entry.functions += 1;
  entry.bodies.push(f.body);
  groups.set(g, entry);
}
const total = shippedBytes.length;
// The total as `make pkg` measures it (`gzip -9`); zlib's level 9 where gzip is missing.
const gzipCli = spawnSync("gzip", ["-9c", shippedPath], { maxBuffer: 1 << 26 });
const totalGzip = gzipCli.status === 0 ? gzipCli.stdout.length : gzipSync(shippedBytes, { level: 9 }).length;
const pct = (n) => `${((100 * n) / total).toFixed(1)}%`;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

const rows = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
console.log(`${shippedPath}: ${total} bytes raw, ${totalGzip} bytes gzip -9\n`);
console.log("| what | functions | raw | share of the file | compressed on its own |");
console.log("| --- | --- | --- | --- | --- |");
for (const [name, g] of rows) {
  const gz = gzipSync(Buffer.concat(g.bodies), { level: 9 }).length;
  console.log(`| ${name} | ${g.functions} | ${kb(g.bytes)} | ${pct(g.bytes)} | ${kb(gz)} |`);
}
console.log(`| data: texts and constant tables | — | ${kb(named.data.length)} | ${pct(named.data.length)} | ${kb(gzipSync(named.data, { level: 9 }).length)} |`);
const rest = total - codeBytes(shipped) - shipped.data.length;
console.log(`| other sections: types, imports, exports, function table, headers | — | ${kb(rest)} | ${pct(rest)} | — |`);

if (process.env.SIZE_TOP) {
  const top = [...named.functions].sort((a, b) => b.body.length - a.body.length).slice(0, Number(process.env.SIZE_TOP));
  console.log("\nlargest functions:");
  for (const f of top) console.log(`${String(f.body.length).padStart(6)}  ${group(f.name, true).padEnd(20)} ${clean(f.name)}`);
}

if (process.env.SIZE_LIST) {
  console.log(`\nfunctions in "${process.env.SIZE_LIST}":`);
  for (const f of named.functions.filter((f) => group(f.name, fine) === process.env.SIZE_LIST)) {
    console.log(`${String(f.body.length).padStart(6)}  ${clean(f.name)}`);
  }
}

// Snapshots of a compiled world (GitlabPolicy.toBytes / GitlabPolicy.fromBytes, docs/api.md "Snapshots"):
// read back, a world decides exactly as the one that wrote it, whatever buffer the bytes sit in; anything
// else is refused with a coded error located at `bytes`, and loading leaks no memory.

import { test } from "node:test";
import assert from "node:assert/strict";

import { makeQueries, makeWorld } from "../../bench/worlds.mjs";

const { GitlabPolicy } = await import(new URL("../../pkg/index.js", import.meta.url));
const { initSync } = await import(new URL("../../pkg/job_token_scope.js", import.meta.url));
const memoryBytes = () => initSync().memory.buffer.byteLength;

const SMALL = {
  version: "18.3",
  instance: { enforceInboundScope: true },
  groups: [{ path: "acme", visibility: "internal" }],
  users: { alice: { "acme/api": "developer" } },
  projects: [
    { path: "Acme/CI" },
    { path: "acme/tools/lint", visibility: "public", features: { packages: "private" } },
    {
      path: "acme/api",
      inbound: {
        enabled: true,
        projects: ["acme/ci", { path: "ACME/TOOLS/LINT", defaultPermissions: false, policies: ["read_packages"] }, "gone/away"],
        groups: [{ path: "acme/tools" }, "nowhere"],
      },
    },
  ],
};

const refused = (error) => {
  assert.ok(error instanceof Error, String(error));
  assert.equal(error.code, "invalid_input");
  assert.match(error.message, /^bytes: /);
  return true;
};

test("a world read back from its snapshot decides as the world did, on 4,096 seeded requests of a 1,000-project world", () => {
  const medium = makeWorld("medium");
  const compiled = new GitlabPolicy(medium.world);
  const bytes = compiled.toBytes();
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...bytes.subarray(0, 4)], [..."JTSW"].map((c) => c.charCodeAt(0)));
  const read = GitlabPolicy.fromBytes(bytes);
  try {
    const { sources, targets, permissions, count } = makeQueries(medium, 4096);
    for (let i = 0; i < count; i++) {
      const args = permissions[i] ? [sources[i], targets[i], permissions[i]] : [sources[i], targets[i]];
      assert.equal(read.check(...args), compiled.check(...args), `query ${i}`);
      if (i % 16 === 0) assert.deepEqual(read.explain(...args), compiled.explain(...args), `query ${i}`);
    }
    assert.deepEqual(read.toBytes(), bytes, "a world read back writes the same snapshot");
  } finally {
    compiled.free();
    read.free();
  }
});

test("the bytes may be any Uint8Array view, at any offset of its buffer, or an ArrayBuffer", () => {
  const bytes = new GitlabPolicy(SMALL).toBytes();
  const expected = new GitlabPolicy(SMALL);
  for (let offset = 0; offset < 8; offset++) {
    // At offsets that are not a multiple of 4 the words cannot be read as 32-bit numbers in place.
    const buffer = new ArrayBuffer(bytes.length + 16);
    const view = new Uint8Array(buffer, offset, bytes.length);
    view.set(bytes);
    const read = GitlabPolicy.fromBytes(view);
    for (const [s, t, p] of [["acme/ci", "acme/api"], ["acme/tools/lint", "acme/api", "read_packages"],
      ["acme/tools/lint", "acme/api", "read_jobs"], ["acme/api", "acme/ci"]]) {
      assert.deepEqual(read.explain(s, t, p), expected.explain(s, t, p), `offset ${offset}: ${s} → ${t} ${p ?? ""}`);
    }
    read.free();
  }
  const fromBuffer = GitlabPolicy.fromBytes(bytes.slice().buffer);
  assert.equal(fromBuffer.check("acme/ci", "acme/api"), true);
  fromBuffer.free();
  expected.free();
});

test("anything but a snapshot is refused with invalid_input at `bytes`, and the module goes on answering", () => {
  const bytes = new GitlabPolicy(SMALL).toBytes();
  for (const value of [undefined, null, 42, "JTSW", {}, [1, 2, 3], new Uint16Array(8), new DataView(new ArrayBuffer(8))]) {
    assert.throws(() => GitlabPolicy.fromBytes(value), refused, String(value));
  }
  assert.throws(() => GitlabPolicy.fromBytes(new TextEncoder().encode(JSON.stringify(SMALL))), /JTSW/);
  const otherFormat = bytes.slice();
  otherFormat[4] = 9;
  assert.throws(() => GitlabPolicy.fromBytes(otherFormat), /snapshot format 9, and this build reads format 1/);
  for (let at = 0; at < bytes.length; at++) {
    const changed = bytes.slice();
    changed[at] ^= 0x20;
    assert.throws(() => GitlabPolicy.fromBytes(changed), refused, `byte ${at} changed`);
    assert.throws(() => GitlabPolicy.fromBytes(bytes.subarray(0, at)), refused, `cut at ${at}`);
  }
  const read = GitlabPolicy.fromBytes(bytes);
  assert.equal(read.check("acme/ci", "acme/api"), true);
  read.free();
});

test("a freed policy writes no snapshot", () => {
  const policy = new GitlabPolicy(SMALL);
  policy.free();
  assert.throws(() => policy.toBytes(), /GitlabPolicy was freed/);
});

test("loading and freeing a snapshot again and again does not grow the module's memory", () => {
  const bytes = new GitlabPolicy(makeWorld("medium").world).toBytes();
  GitlabPolicy.fromBytes(bytes).free(); // the first may grow it
  const before = memoryBytes();
  for (let i = 0; i < 20; i++) GitlabPolicy.fromBytes(bytes).free();
  assert.equal(memoryBytes(), before);
});

// @ts-check
// pkg/index.js: the Node entry under the name this repository's tests and the examples of README.md and docs/ import
// (`./pkg/index.js`). Not part of the published package: users import `job-token-scope`, which the
// `exports` map of pkg.json resolves to node.js, web.js or workerd.js.

export * from "./node.js";

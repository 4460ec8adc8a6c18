// The package's API: exactly what index.d.ts declares, re-exported from the wasm-bindgen glue — and
// nothing else of it (not its `initSync` or default `init`: every entry initialises on import).
// Copied to pkg/api.js by `make pkg`; node.js, web.js and workerd.js re-export it after their init.
// tests/js/package.test.mjs checks this list against index.d.ts and the glue.

export {
  checkGitlabAccess, resolveGitlabScope, validateGitlabWorld, compactGitlabAllowlist, checkGitlabEdit, GitlabPolicy,
  resolveAzureScope, checkAzureAccess, validateAzureConfig,
  gitlabVersions, gitlabPermissions, azureProducts,
  version,
} from "./job_token_scope.js";

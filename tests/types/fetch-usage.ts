// Type-checked (never run) by `tsc --noEmit` in `make test`: `job-token-scope/fetch` as a page or a
// script uses it (docs/live-import.md), and its result goes to the engine as it is.
import {
  fetchGitlabScenario, GitlabFetchError, authLogFromCsv,
  type AuthLogEntry, type FetchProgress, type GitlabScenario,
} from "job-token-scope/fetch";
import { checkGitlabAccess, validateGitlabWorld } from "job-token-scope";

const controller = new AbortController();
const shown: string[] = [];
const scenario: GitlabScenario = await fetchGitlabScenario({
  url: "https://gitlab.example.com",
  token: "glpat-…",
  group: "acme",
  authLog: true,
  concurrency: 4,
  signal: controller.signal,
  onProgress: (p: FetchProgress) => shown.push(`${p.projectsDone}/${p.projects} (${p.phase})`),
});
const problems = validateGitlabWorld(scenario.world);
const first: AuthLogEntry | undefined = scenario.log[0];
if (first) checkGitlabAccess(scenario.world, { source: first.source, target: first.target });
const partial: boolean = !scenario.fetch.complete && scenario.fetch.failures.some((f) => f.status === 403);
const fromCsv: AuthLogEntry[] = authLogFromCsv("acme/api", "Origin Project Path,Last Authorized At (UTC)\n");
try {
  await fetchGitlabScenario({ url: "http://gitlab.example.com", token: "t", projects: ["acme/api"] });
} catch (error) {
  if (error instanceof GitlabFetchError && error.code === "insecure_url") console.log(error.message, problems, partial, fromCsv);
}

// @ts-expect-error: one of group, projects or instance — and instance is `true` only
await fetchGitlabScenario({ url: "https://gitlab.example.com", token: "t", instance: false, tokn: "x" });

// Types of `job-token-scope/fetch` (gitlab-fetch.js): a GitLab instance's job token settings and
// authentication logs, read into a scenario the engine takes as it is. docs/live-import.md.

import type { GitlabWorld } from "./index.js";

/** One logged cross-project use of a job token (SPEC §3 "Enforcement readiness"): a job of `source`
 *  authenticated to `target`, last on `lastAuthorizedAt` (the UTC date of GitLab's timestamp, "2025-10-25"). */
export interface AuthLogEntry {
  source: string;
  target: string;
  lastAuthorizedAt?: string;
}

/** Where a fetch stood; given to `onProgress` after every project and at each phase. */
export interface FetchProgress {
  phase: "version" | "list" | "projects" | "members" | "assemble" | "done";
  /** Projects to read (known from the "projects" phase on). */
  projects: number;
  projectsDone: number;
  /** The project just read. */
  project?: string;
  /** Reads that failed so far (each in `fetch.failures` of the result). */
  failures: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  /** Requests answered 429 Too Many Requests. */
  throttled: number;
  elapsedMs: number;
}

export interface FetchOptions {
  /** GitLab's address, e.g. `https://gitlab.example.com` (a relative root such as `/gitlab` is kept).
   *  `http:` only for localhost, 127.0.0.0/8 and [::1]. */
  url: string;
  /** A personal, group or project access token (or an OAuth token) with `read_api`, sent as
   *  `Authorization: Bearer`. Kept in this call only: never in the result, an error or a progress report. */
  token: string;
  /** A group and its subgroups (one of `group`, `projects`, `instance`). */
  group?: string;
  /** These projects. */
  projects?: string[];
  /** Every project the token sees (an administrator's: the whole instance). */
  instance?: true;
  /** Read each project's authentication log (GraphQL `ciJobTokenAuthLogs`, GitLab 17.6+). Default false. */
  authLog?: boolean;
  /** Read members and their roles into `world.users`. Default false. */
  members?: boolean;
  /** Requests in flight at once, 1–64 (default 8). */
  concurrency?: number;
  /** Retries of a request answered 429 / 502 / 503 / 504, timed out or unreachable (default 4). */
  retries?: number;
  /** One request's time limit in ms (default 30,000). */
  timeoutMs?: number;
  /** First backoff in ms when no `Retry-After` can be read (default 1,000; doubles each retry). */
  retryBaseMs?: number;
  /** A `Retry-After` longer than this (ms, default 120,000) fails the request instead of waiting. */
  maxRetryAfterMs?: number;
  /** Aborting rejects the fetch with `signal.reason` and stops every request in flight. */
  signal?: AbortSignal;
  onProgress?: (progress: FetchProgress) => void;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
}

/** A read that failed; the rest of the scenario was read. */
export interface FetchFailure {
  project?: string;
  group?: string;
  /** What could not be read: "job token settings", "fine-grained permissions", "authentication log", … */
  what: string;
  /** E.g. `GET /projects/12/job_token_scope`. */
  request: string;
  /** The HTTP status (200 for a GraphQL error), or null when no answer came (timeout, network). */
  status: number | null;
  message: string;
}

/** How the scenario was read. */
export interface FetchReport {
  url: string;
  group?: string;
  projects?: string[];
  instance?: true;
  /** As `GET /version` gave it, e.g. `"18.3.1-ee"` (`world.version` is `"18.3"`). */
  gitlabVersion: string;
  fetchedAt: string;
  /** The log was read (asked, and the release has one). */
  authLog: boolean;
  members: boolean;
  /** False when any read failed: see `failures`. */
  complete: boolean;
  failures: FetchFailure[];
  /** Named by allowlists or logs but not read: in the world (projects as sources, groups as private). */
  external: { projects: string[]; groups: string[] };
  notes: string[];
  requests: number;
  retries: number;
  throttled: number;
  elapsedMs: number;
}

/** What `job-token-scope fetch` writes: a world and its log, as the engine takes them. */
export interface GitlabScenario {
  world: GitlabWorld;
  log: AuthLogEntry[];
  fetch: FetchReport;
}

export type GitlabFetchErrorCode =
  | "invalid_options" | "insecure_url" | "unauthorized" | "version_unreadable" | "not_found" | "list_unreadable";

/** What ends a fetch (a failure of one project does not: it is reported in `fetch.failures`). */
export class GitlabFetchError extends Error {
  name: "GitlabFetchError";
  code: GitlabFetchErrorCode;
  /** The HTTP status that ended it, if any. */
  status: number | null;
  /** The request that ended it, e.g. `GET /version`. */
  request: string | null;
}

/**
 * Reads a group with its subgroups, a list of projects or the whole instance into a scenario. Resolves
 * even when some projects could not be read (`fetch.complete` false); rejects with a GitlabFetchError,
 * or with `signal.reason` when aborted.
 */
export function fetchGitlabScenario(options: FetchOptions): Promise<GitlabScenario>;

/** GraphQL `project.ciJobTokenAuthLogs.nodes` of `target` as log entries. */
export function authLogFromGraphql(
  target: string,
  nodes: ReadonlyArray<{ originProject?: { fullPath?: string } | null; lastAuthorizedAt?: string } | null>,
): AuthLogEntry[];

/** GitLab's CSV export of a project's authentication log ("Origin Project Path", "Last Authorized At (UTC)"). */
export function authLogFromCsv(target: string, csv: string): AuthLogEntry[];

/** `"17.6.0-ee"` → `"17.6"`; null when not a version. */
export function gitlabRelease(version: string): string | null;

/** GitLab's `access_level` (10 Guest … 50 Owner) as a role; null below Guest. */
export function gitlabRole(accessLevel: number): "guest" | "planner" | "reporter" | "developer" | "maintainer" | "owner" | null;

/** The instance's base URL as the fetch uses it; throws a GitlabFetchError for http off loopback. */
export function gitlabBaseUrl(url: string): string;

#!/usr/bin/env node
// The `job-token-scope` command (`bin` of the package; Node.js 20.16+): `fetch` reads a GitLab group's
// job token settings and authentication logs into a scenario file (gitlab-fetch.js), `plan` asks the
// engine for an enforcement plan of a scenario, `check` asks it one access question. README "Read a real
// instance"; details in docs/live-import.md. Copied to pkg/cli.js by `make pkg`.
//
// What it deliberately does not do: take a token from the command line (argv is visible to every user
// of the machine through ps and /proc; only GITLAB_TOKEN is read), write to GitLab, or decide anything
// itself (the engine decides; this file only reads arguments, files and prints).

import { fetchGitlabScenario, GitlabFetchError } from "./gitlab-fetch.js";

const fs = process.getBuiltinModule?.("fs");
if (!fs) {
  process.stderr.write("job-token-scope needs Node.js 20.16 or later (22.3 or later on 22)\n");
  process.exit(1);
}

/** Exit codes (every command's --help says which apply). */
const EXIT = { ok: 0, error: 1, usage: 2, partial: 3, denied: 3 };

class UsageError extends Error {}

const HELP = {
  main: `Usage: job-token-scope <command> [options]

What may a CI job token reach? GitLab CI/CD job token allowlists, read from a real instance and
decided by the same engine as the job-token-scope package.

Commands:
  fetch   read a group's projects (job token settings, allowlists, fine-grained permissions,
          authentication logs, members) from GitLab into a scenario file
  plan    which logged uses enforcement would break, and the least-privilege allowlists that keep them
  check   may a job in one project use its token against another? The decision and every rule evaluated

Run "job-token-scope <command> --help" for a command's options.
Options: --help, --version
`,
  fetch: `Usage: GITLAB_TOKEN=... job-token-scope fetch --url URL (--group PATH | --project PATH... | --instance)
                         [--auth-log] [--members] [--out FILE] [options]

Reads through GitLab's REST and GraphQL APIs, into a scenario { world, log, fetch }:
  - the group, its subgroups and their projects (visibility, features), or the projects named;
  - each project's job token settings: GET /projects/:id/job_token_scope, .../allowlist,
    .../groups_allowlist, fine-grained permissions (GraphQL, GitLab 18.3+), the outbound list (before 18.0);
  - with --auth-log, each project's authentication log (GraphQL ciJobTokenAuthLogs, GitLab 17.6+);
  - with --members, members and their roles;
  - the instance's version (GET /version), and its enforcement setting when the token is an admin's.

The token is read from the GITLAB_TOKEN environment variable only (a personal, group or project
access token with the read_api scope; Maintainer on the projects, as GitLab's job token API requires).

Options:
  --url URL            GitLab's address, e.g. https://gitlab.example.com (http only for localhost)
  --group PATH         a group and all its subgroups, e.g. acme or acme/platform
  --project PATH       a project instead (repeat for several)
  --instance           every project the token sees (an administrator's token: the whole instance)
  --auth-log           read the authentication logs (needed by "plan")
  --members            read members and their roles (the world's users)
  --out FILE           write the scenario here (default: standard output)
  --concurrency N      requests in flight at once (default 8, at most 64)
  --timeout SECONDS    give up on one request after this long (default 30)
  --retries N          retries of a request answered 429, 502, 503, 504, timed out or unreachable
                       (default 4; a 429 waits for its Retry-After)
  --quiet              no progress line on standard error

Exit codes: 0 the scenario is complete; 3 it was written but is partial (the projects that could not
be read are listed on standard error and in its fetch.failures, each with its HTTP status);
1 nothing was written (the token refused, the group not found, an unreachable server, ...); 2 bad usage.
`,
  plan: `Usage: job-token-scope plan SCENARIO [--format md|json] [--strategy least-privilege|gitlab]
                            [--limit N] [--project PATH...] [--out FILE]

Asks the engine's planGitlabEnforcement(world, log, options): for each project, the logged uses that
enforcing its allowlist would break, and the allowlist that keeps them — least privilege by default, or
what GitLab's own auto-populate would write (--strategy gitlab).

  SCENARIO             a file written by "job-token-scope fetch" ({ world, log }), or "-" for standard input
  --format md|json     Markdown for people (default) or the plan as JSON
  --strategy S         least-privilege (default) or gitlab
  --limit N            at most N entries (projects and groups together) per proposed allowlist
  --project PATH       plan for this project only (repeat for several; default: every target in the log)
  --out FILE           write the plan here (default: standard output)

Exit codes: 0 planned; 1 the scenario or the engine refused (the message says where); 2 bad usage.
`,
  check: `Usage: job-token-scope check SCENARIO --source PATH --target PATH [--permission P] [--user NAME]
                             [--format text|json]

May a job in SOURCE use its CI/CD job token against TARGET (for PERMISSION, triggered by USER)? The
engine's checkGitlabAccess: the decision, its reason code, GitLab's message and every rule evaluated.

  SCENARIO             a file written by "job-token-scope fetch" ({ world, log }, or a world), or "-"
  --source PATH        the project whose job holds the token
  --target PATH        the project the token is used on
  --permission P       a job token permission, e.g. read_packages
  --user NAME          the user who triggered the job (needs a scenario fetched with --members)
  --format text|json   the decision as text (default) or as JSON

Exit codes: 0 allowed; 3 denied; 1 the scenario or the request refused; 2 bad usage.
`,
};

/** A small argv reader: --name value / --name=value, flags, repeatable options, positionals. */
function parseArgs(argv, spec) {
  const out = { _: [] };
  for (const [name, kind] of Object.entries(spec)) if (kind === "list") out[name] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      out._.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (name === "token") {
      throw new UsageError("--token is not accepted: a token on the command line is visible to every user of this machine (ps, /proc). Set GITLAB_TOKEN instead.");
    }
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (kind === "flag") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let value;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (kind === "list") out[name].push(value);
    else if (out[name] !== undefined) throw new UsageError(`--${name} given twice`);
    else out[name] = value;
  }
  return out;
}

function intOption(args, name, min, max) {
  if (args[name] === undefined) return undefined;
  if (!/^\d+$/.test(args[name]) || Number(args[name]) < min || Number(args[name]) > max) {
    throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got "${args[name]}"`);
  }
  return Number(args[name]);
}

/** Writes to standard output, or to `file` whole: a temporary file renamed over it, never half a file. */
function write(file, text) {
  if (file === undefined || file === "-") {
    process.stdout.write(text);
    return;
  }
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new CliError(`cannot write ${file}: ${error.message}`);
  }
}

/** Refuses an --out whose directory is missing or not writable, before anything is fetched. */
function checkWritable(file) {
  if (file === undefined || file === "-") return;
  const path = process.getBuiltinModule("path");
  const dir = path.dirname(path.resolve(file));
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`--out ${file}: the directory ${dir} does not exist or is not writable`);
  }
}

function readScenario(file) {
  let text;
  try {
    text = file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${error.message}`);
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${error.message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new CliError(`${file}: expected a scenario { "world", "log" } or a world`);
  if ("world" in json) {
    if (json.log !== undefined && !Array.isArray(json.log)) throw new CliError(`${file}: "log" must be a list of { source, target, lastAuthorizedAt }`);
    return { world: json.world, log: json.log ?? [], fetch: json.fetch };
  }
  if ("projects" in json) return { world: json, log: [] };
  throw new CliError(`${file}: expected a scenario { "world", "log" } (from "job-token-scope fetch") or a world { "projects", ... }`);
}

class CliError extends Error {}

/** The engine (the package's Node entry), loaded only by the commands that decide. */
async function engine() {
  return import("./node.js");
}

// ───────────────────────────── fetch ─────────────────────────────

/** The progress line: rewritten in place on a terminal, a line every few seconds otherwise. */
function progressPrinter(quiet) {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let lastPhase = "";
  let width = 0;
  const line = (p) => {
    const secs = (p.elapsedMs / 1000).toFixed(1);
    const what = p.phase === "projects" || p.phase === "members"
      ? `${p.projectsDone}/${p.projects} projects`
      : { version: "reading the version", list: "listing groups and projects", assemble: "assembling", done: "done" }[p.phase] ?? p.phase;
    const extra = [
      `${p.requests} requests`,
      p.throttled ? `${p.throttled} throttled (429)` : "",
      p.retries ? `${p.retries} retried` : "",
      p.failures ? `${p.failures} failed` : "",
    ].filter(Boolean).join(", ");
    return `fetch: ${what} — ${extra}, ${secs} s`;
  };
  return {
    update(p) {
      if (quiet) return;
      const now = Date.now();
      const phaseChanged = p.phase !== lastPhase;
      if (tty) {
        if (!phaseChanged && now - last < 100 && p.phase !== "done") return;
        const text = line(p);
        process.stderr.write(`\r${text}${" ".repeat(Math.max(0, width - text.length))}`);
        width = text.length;
      } else {
        if (!phaseChanged && now - last < 2000) return;
        process.stderr.write(`${line(p)}\n`);
      }
      last = now;
      lastPhase = p.phase;
    },
    end() {
      if (!quiet && tty && width) process.stderr.write("\n");
    },
  };
}

async function fetchCommand(argv) {
  const args = parseArgs(argv, {
    help: "flag", url: "value", group: "value", project: "list", instance: "flag", "auth-log": "flag", members: "flag",
    out: "value", concurrency: "value", timeout: "value", retries: "value", quiet: "flag",
  });
  if (args.help) return write(undefined, HELP.fetch);
  if (args._.length) throw new UsageError(`unexpected argument "${args._[0]}"`);
  if (!args.url) throw new UsageError("--url is required (e.g. --url https://gitlab.example.com)");
  const scopes = [args.group !== undefined, args.project.length > 0, args.instance === true].filter(Boolean).length;
  if (scopes !== 1) throw new UsageError("give one of --group PATH, --project PATH (repeatable) or --instance");
  const token = process.env.GITLAB_TOKEN;
  if (!token || token.trim() === "") {
    throw new UsageError("GITLAB_TOKEN is not set: export a personal, group or project access token with the read_api scope (it is never taken from the command line)");
  }
  const timeout = args.timeout === undefined ? undefined : Number(args.timeout);
  if (timeout !== undefined && !(timeout > 0 && timeout <= 600)) throw new UsageError(`--timeout: expected seconds from 0 to 600, got "${args.timeout}"`);
  const options = {
    url: args.url,
    token,
    ...(args.group !== undefined ? { group: args.group } : args.project.length ? { projects: args.project } : { instance: true }),
    authLog: args["auth-log"] === true,
    members: args.members === true,
    concurrency: intOption(args, "concurrency", 1, 64),
    retries: intOption(args, "retries", 0, 20),
    timeoutMs: timeout === undefined ? undefined : Math.max(1, Math.round(timeout * 1000)),
  };
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  checkWritable(args.out);

  const printer = progressPrinter(args.quiet === true);
  const controller = new AbortController();
  const onSignal = () => controller.abort(new CliError("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let scenario;
  try {
    scenario = await fetchGitlabScenario({ ...options, signal: controller.signal, onProgress: (p) => printer.update(p) });
  } catch (error) {
    printer.end();
    if (error instanceof GitlabFetchError) {
      if (error.code === "invalid_options" || error.code === "insecure_url") throw new UsageError(error.message);
      throw new CliError(error.message);
    }
    throw error;
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
  printer.end();

  // The engine reads what was fetched: a world it refuses is written anyway (for inspection), with the error.
  const api = await engine();
  let problems = [];
  let refused = null;
  try {
    problems = api.validateGitlabWorld(scenario.world);
  } catch (error) {
    refused = error;
  }
  write(args.out, `${JSON.stringify(scenario, null, 2)}\n`);

  const f = scenario.fetch;
  const secs = f.elapsedMs / 1000;
  const err = (s) => process.stderr.write(`${s}\n`);
  const read = scenario.world.projects.length - f.external.projects.length;
  err(`fetch: GitLab ${f.gitlabVersion} at ${f.url}: ${read} projects, ${scenario.world.groups?.length ?? 0} groups, ` +
    `${scenario.log.length} authentication log entries${f.members ? `, ${Object.keys(scenario.world.users ?? {}).length} users` : ""}; ` +
    `${f.requests} requests in ${secs.toFixed(1)} s (${secs > 0 ? Math.round(f.requests / secs) : f.requests} per second)` +
    `${f.throttled ? `, ${f.throttled} answered 429` : ""}${f.retries ? `, ${f.retries} retried` : ""}.`);
  if (f.external.projects.length) err(`fetch: ${f.external.projects.length} projects outside the fetch are named by allowlists or logs; they are in the world as sources, their own settings not read.`);
  for (const note of f.notes) err(`fetch: note: ${note}`);
  if (problems.length) {
    err(`fetch: the engine flags ${problems.length} setting${problems.length === 1 ? "" : "s"} GitLab would refuse or flag (validateGitlabWorld):`);
    for (const p of problems.slice(0, 10)) err(`  ${p.code} at ${p.path}: ${p.message}`);
    if (problems.length > 10) err(`  … and ${problems.length - 10} more`);
  }
  if (args.out && args.out !== "-") err(`fetch: wrote ${args.out}`);
  if (refused) {
    err(`fetch: the engine refuses this world (${refused.code}): ${refused.message}`);
    return EXIT.error;
  }
  if (!f.complete) {
    const projects = new Set(f.failures.map((x) => x.project ?? x.group));
    err(`fetch: PARTIAL — ${f.failures.length} read${f.failures.length === 1 ? "" : "s"} failed, for ${projects.size} project${projects.size === 1 ? "" : "s"} or group${projects.size === 1 ? "" : "s"}:`);
    for (const x of f.failures) {
      err(`  ${x.project ?? `group ${x.group}`}: ${x.what}: ${x.request} → ${x.status ?? "no answer"} ${x.message}`);
    }
    return EXIT.partial;
  }
  return EXIT.ok;
}

// ───────────────────────────── plan ─────────────────────────────

function entryText(e) {
  if (typeof e === "string") return e;
  if (e && e.defaultPermissions === false) return `${e.path} (${(e.policies ?? []).join(", ") || "no permissions"})`;
  return e?.path ?? String(e);
}

function list(items, text = (x) => x) {
  return items.length ? items.map(text).join(", ") : "—";
}

/** The plan (SPEC §3 "Enforcement readiness": EnforcementPlan) as Markdown. */
function planMarkdown(plan, scenario) {
  const lines = [];
  const s = plan.summary ?? {};
  lines.push(`# Enforcement plan${plan.version ? ` — GitLab ${plan.version}` : ""}`, "");
  if (scenario.fetch?.url) lines.push(`Scenario fetched from ${scenario.fetch.url} at ${scenario.fetch.fetchedAt}${scenario.fetch.complete === false ? " — **partial**: some projects could not be read" : ""}.`, "");
  const n = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
  lines.push(`${n(s.projects ?? plan.projects?.length ?? 0, "project")} planned; ${s.breaking ?? 0} would break, ${n(s.breaks ?? 0, "logged use")} denied once enforcement is on.`, "");
  for (const p of plan.projects ?? []) {
    lines.push(`## ${p.project}`, "");
    lines.push(`- Enforced today: ${p.enforcedToday ? "yes" : "no"}`);
    const breaks = p.breaks ?? [];
    lines.push(`- Breaks (${breaks.length}): ${list(breaks, (b) => `${b.source}${b.lastAuthorizedAt ? ` (last ${b.lastAuthorizedAt})` : ""}`)}`);
    lines.push(`- Proposed allowlist — projects: ${list(p.proposed?.projects ?? [], entryText)}; groups: ${list(p.proposed?.groups ?? [], entryText)}`);
    lines.push(`- Also admits (neither logged nor admitted today): ${list(p.admitsAlso ?? [])}`);
    if (p.gitlab) {
      lines.push(`- GitLab's auto-populate would write — projects: ${list(p.gitlab.projects ?? [], entryText)}; groups: ${list(p.gitlab.groups ?? [], entryText)}; also admitting: ${list(p.gitlab.admitsAlso ?? [])}`);
    }
    lines.push("");
  }
  if ((plan.unknown ?? []).length) {
    lines.push("## Log entries naming projects outside the world", "");
    for (const u of plan.unknown) lines.push(`- ${u.source} → ${u.target}${u.lastAuthorizedAt ? ` (last ${u.lastAuthorizedAt})` : ""}`);
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

async function planCommand(argv) {
  const args = parseArgs(argv, { help: "flag", format: "value", strategy: "value", limit: "value", project: "list", out: "value" });
  if (args.help) return write(undefined, HELP.plan);
  if (args._.length !== 1) throw new UsageError(args._.length ? `unexpected argument "${args._[1]}"` : "give the scenario file (written by job-token-scope fetch)");
  const format = args.format ?? "md";
  if (format !== "md" && format !== "json") throw new UsageError(`--format: md or json, not "${format}"`);
  if (args.strategy !== undefined && args.strategy !== "least-privilege" && args.strategy !== "gitlab") {
    throw new UsageError(`--strategy: least-privilege or gitlab, not "${args.strategy}"`);
  }
  const limit = intOption(args, "limit", 1, 1_000_000);
  const api = await engine();
  if (typeof api.planGitlabEnforcement !== "function") {
    throw new CliError("this job-token-scope package does not export planGitlabEnforcement (SPEC §3 \"Enforcement readiness\"), which \"plan\" calls; update the package to a version that has it");
  }
  const scenario = readScenario(args._[0]);
  const options = {};
  if (args.project.length) options.projects = args.project;
  if (args.strategy) options.strategy = args.strategy;
  if (limit !== undefined) options.limit = limit;
  let plan;
  try {
    plan = api.planGitlabEnforcement(scenario.world, scenario.log, options);
  } catch (error) {
    throw new CliError(`the engine refuses the scenario (${error.code ?? "error"}): ${error.message}`);
  }
  write(args.out, format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : planMarkdown(plan, scenario));
  if (scenario.fetch?.complete === false) process.stderr.write("plan: note: the scenario is partial (its fetch.failures lists what could not be read); the plan covers what was read\n");
  return EXIT.ok;
}

// ───────────────────────────── check ─────────────────────────────

async function checkCommand(argv) {
  const args = parseArgs(argv, { help: "flag", source: "value", target: "value", permission: "value", user: "value", format: "value" });
  if (args.help) return write(undefined, HELP.check);
  if (args._.length !== 1) throw new UsageError(args._.length ? `unexpected argument "${args._[1]}"` : "give the scenario file (written by job-token-scope fetch)");
  if (!args.source || !args.target) throw new UsageError("--source and --target are required");
  const format = args.format ?? "text";
  if (format !== "text" && format !== "json") throw new UsageError(`--format: text or json, not "${format}"`);
  const scenario = readScenario(args._[0]);
  const api = await engine();
  const request = { source: args.source, target: args.target };
  if (args.permission) request.permission = args.permission;
  if (args.user) request.user = args.user;
  let decision;
  try {
    decision = api.checkGitlabAccess(scenario.world, request);
  } catch (error) {
    throw new CliError(`the engine refuses (${error.code ?? "error"}): ${error.message}`);
  }
  if (format === "json") write(undefined, `${JSON.stringify(decision, null, 2)}\n`);
  else {
    const lines = [
      `${decision.allowed ? "allowed" : "denied"} (${decision.reason}): ${args.source} → ${args.target}${args.permission ? ` for ${args.permission}` : ""}${args.user ? ` as ${args.user}` : ""}`,
      decision.message,
      "",
      "Rules evaluated:",
      ...decision.trace.map((t) => `  ${t.outcome.padEnd(4)}  ${t.step}: ${t.detail}`),
    ];
    write(undefined, `${lines.join("\n")}\n`);
  }
  return decision.allowed ? EXIT.ok : EXIT.denied;
}

// ───────────────────────────── main ─────────────────────────────

async function main(argv) {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      process.stderr.write(HELP.main);
      return EXIT.usage;
    }
    if (command === "--help" || command === "-h" || command === "help") {
      write(undefined, command === "help" && ["fetch", "plan", "check"].includes(rest[0]) ? HELP[rest[0]] : HELP.main);
      return EXIT.ok;
    }
    if (command === "--version" || command === "-v") {
      const manifest = JSON.parse(fs.readFileSync(new URL("./package.json", import.meta.url), "utf8"));
      write(undefined, `${manifest.version}\n`);
      return EXIT.ok;
    }
    const run = { fetch: fetchCommand, plan: planCommand, check: checkCommand }[command];
    if (!run) throw new UsageError(`unknown command "${command}" (fetch, plan, check)`);
    return (await run(rest)) ?? EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`job-token-scope${command && HELP[command] && command !== "main" ? ` ${command}` : ""}: ${error.message}\nRun "job-token-scope ${command && HELP[command] && command !== "main" ? `${command} ` : ""}--help" for usage.\n`);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`job-token-scope ${command}: ${error.message}\n`);
      return EXIT.error;
    }
    process.stderr.write(`job-token-scope ${command}: ${error?.stack ?? error}\n`);
    return EXIT.error;
  }
}

process.exitCode = await main(process.argv.slice(2));

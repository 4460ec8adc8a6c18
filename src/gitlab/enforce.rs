//! `planGitlabEnforcement` (docs/enforcement.md): before inbound allowlists are enforced, which logged
//! uses of job tokens would break, the allowlist that keeps every one of them working within the
//! release's limits while admitting the fewest other projects, and what GitLab's own auto-populate
//! would write instead.
//!
//! The proposal is exact, not greedy: a dynamic program over the groups above the sources that need
//! an entry, taken in path order ([`Planner::cheapest`]). GitLab's greedy
//! (`Gitlab::Utils::TraversalIdCompactor`) is reproduced as its source has it, ties included
//! ([`Planner::gitlab`]), for comparison. Nothing here changes the world or decides access: whether a
//! source is admitted is the inbound rule's answer ([`World::inbound_entry`]).

use serde::Serialize;

use super::compact::CompactEntry;
use super::input::{AuthLog, AuthLogEntry, PlanOptions, PlanStrategy};
use super::path::within;
use super::version::Version;
use super::world::{Entries, GroupIndex, List, ProjectIndex, World};
use crate::hash::HashMap;
use crate::sort::{heapsort, heapsort_by};
use crate::Error;

/// The plan for every project asked about, and what the log named outside the world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnforcementPlan {
    /// The release the world is modelled at, whose limits the proposals keep.
    pub version: Version,
    /// One plan per project, in the order asked (default: the world's order).
    pub projects: Vec<ProjectPlan>,
    /// Log entries naming a project the world does not have, as given: reported, never dropped.
    pub unknown: Vec<AuthLogEntry>,
    /// Totals over `projects`.
    pub summary: PlanSummary,
}

/// What enforcing one project's inbound allowlist breaks, and the allowlists that would not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectPlan {
    /// The project, as the world spells it.
    pub project: String,
    /// Its inbound allowlist is enforced today (its own setting or the instance's).
    pub enforced_today: bool,
    /// Logged uses its entries do not admit: denied once the allowlist is enforced (world order).
    pub breaks: Vec<Break>,
    /// Today's entries and those the log needs (least privilege, or GitLab's with `strategy: gitlab`).
    pub proposed: Allowlist,
    /// World projects `proposed` admits that are neither logged sources nor admitted today.
    pub admits_also: Vec<String>,
    /// What GitLab's auto-populate would leave (17.10+; `None` before).
    pub gitlab: Option<Autopopulate>,
}

/// A logged use that enforcement would deny.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Break {
    /// The project whose job used its token, as the world spells it.
    pub source: String,
    /// The latest time the log gives for it.
    pub last_authorized_at: Option<String>,
}

/// An inbound allowlist: project entries and group entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowlist {
    /// Project entries: today's (in their order), then the new ones (in world order).
    pub projects: Vec<CompactEntry>,
    /// Group entries: today's, then the new ones (in path order).
    pub groups: Vec<CompactEntry>,
}

/// The allowlist GitLab's auto-populate leaves: today's entries and the ones it adds, or today's
/// alone with the error it raises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Autopopulate {
    /// Project entries after auto-populate.
    pub projects: Vec<CompactEntry>,
    /// Group entries after auto-populate.
    pub groups: Vec<CompactEntry>,
    /// World projects its new entries admit that are neither logged sources nor admitted today.
    pub admits_also: Vec<String>,
    /// The error GitLab's compactor raises (`CompactionLimitCannotBeAchievedError`), if it does:
    /// GitLab then adds nothing.
    pub error: Option<&'static str>,
}

/// Totals of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanSummary {
    /// Projects planned.
    pub projects: usize,
    /// Projects with at least one break.
    pub breaking: usize,
    /// Breaks over all projects.
    pub breaks: usize,
}

/// The error `Gitlab::Utils::TraversalIdCompactor` raises when no namespace is left to merge.
const LIMIT_NOT_ACHIEVED: &str = "CompactionLimitCannotBeAchievedError";

/// A cost bound that bounds nothing.
const INF: u32 = u32::MAX;

/// A traversal id of GitLab's compactor: a project (its project namespace) or a group, this bit set.
const GROUP: u32 = 1 << 31;

impl World {
    /// What enforcing the inbound allowlists of the log's targets (or `options.projects`) breaks,
    /// and the allowlists that keep every logged use working (docs/enforcement.md).
    pub fn plan_enforcement(
        &self,
        log: &AuthLog,
        options: &PlanOptions,
    ) -> Result<EnforcementPlan, Error> {
        if !self.profile.inbound {
            return Err(Error::invalid(
                "version",
                format!(
                    "no inbound allowlist before GitLab 15.9 (this is {})",
                    self.version
                ),
            ));
        }
        if options.strategy == PlanStrategy::Gitlab && !self.profile.autopopulate {
            return Err(Error::invalid(
                "options.strategy",
                format!(
                    "no auto-populate before GitLab 17.10 (this is {})",
                    self.version
                ),
            ));
        }

        // Each use as (target, position in the log), sorted: a target's uses are one run.
        let mut unknown = Vec::new();
        let mut uses: Vec<(u32, u32)> = Vec::new();
        let mut source_of: Vec<u32> = vec![0; log.0.len()];
        for (i, e) in log.0.iter().enumerate() {
            match (self.find_project(&e.source), self.find_project(&e.target)) {
                // A job's token on its own project is never denied (GitLab does not log it).
                (Some(s), Some(t)) if s == t => {}
                (Some(s), Some(t)) => {
                    source_of[i] = s as u32;
                    uses.push((t as u32, i as u32));
                }
                _ => unknown.push(e.clone()),
            }
        }
        heapsort(&mut uses);

        let mut planner = Planner::new(self);
        let targets: Vec<ProjectIndex> = match &options.projects {
            Some(paths) => {
                let mut targets = Vec::with_capacity(paths.len());
                let seen = planner.next_stamp();
                for (i, path) in paths.iter().enumerate() {
                    let t = self.require_project(path, &format!("options.projects[{i}]"))?;
                    if std::mem::replace(&mut planner.project_mark[t], seen) != seen {
                        targets.push(t);
                    }
                }
                targets
            }
            None => {
                let mut targets: Vec<ProjectIndex> = Vec::new();
                for &(t, _) in &uses {
                    if targets.last() != Some(&(t as usize)) {
                        targets.push(t as usize);
                    }
                }
                targets
            }
        };

        let mut projects = Vec::with_capacity(targets.len());
        for t in targets {
            let from = uses.partition_point(|u| (u.0 as usize) < t);
            let to = uses.partition_point(|u| (u.0 as usize) <= t);
            // One source once, in world order, with the latest time the log gives it.
            let mut run: Vec<(u32, u32)> = (uses[from..to].iter())
                .map(|&(_, i)| (source_of[i as usize], i))
                .collect();
            heapsort(&mut run);
            let mut sources: Vec<(ProjectIndex, Option<&str>)> = Vec::new();
            for (s, i) in run {
                let at = log.0[i as usize].last_authorized_at.as_deref();
                match sources.last_mut() {
                    Some((last, latest)) if *last == s as usize => *latest = (*latest).max(at),
                    _ => sources.push((s as usize, at)),
                }
            }
            projects.push(planner.plan(t, &sources, options)?);
        }
        let breaks = projects.iter().map(|p| p.breaks.len()).sum();
        let breaking = projects.iter().filter(|p| !p.breaks.is_empty()).count();
        Ok(EnforcementPlan {
            version: self.version,
            summary: PlanSummary {
                projects: projects.len(),
                breaking,
                breaks,
            },
            projects,
            unknown,
        })
    }
}

/// `a` before `b` in path order: segment by segment (`acme/a/x` before `acme/a-b`), so that a group
/// comes right before everything below it. Keys are compared, so case does not matter.
fn path_less(a: &str, b: &str) -> bool {
    let rank = |byte: u8| if byte == b'/' { 0 } else { byte };
    a.bytes().map(rank).lt(b.bytes().map(rank))
}

/// One group the proposal may add, in the dynamic program.
struct Candidate {
    group: GroupIndex,
    /// World projects below it that it would newly admit.
    cost: u32,
    /// Sources needing an entry whose nearest candidate group this is.
    direct: u32,
    /// The position after its subtree, in path order.
    end: usize,
}

/// What the dynamic program's second dimension counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Count {
    /// Project entries (each list has its own limit).
    Projects,
    /// Entries of both kinds (one limit for both).
    Entries,
}

/// A table of the dynamic program: by (group entries, counted entries), the best value, `cost << 32 |
/// groups`; the group dimension has one row when group entries are not counted.
struct Table {
    groups: usize,
    counted: usize,
    cells: Vec<u64>,
}

/// A value no choice reaches.
const NONE: u64 = u64::MAX;

impl Table {
    /// A table of unreached cells, in the memory of a table no longer used if there is one.
    fn new(groups: usize, counted: usize, spare: &mut Vec<Vec<u64>>) -> Table {
        let mut cells = spare.pop().unwrap_or_default();
        cells.clear();
        cells.resize((groups + 1) * (counted + 1), NONE);
        Table {
            groups,
            counted,
            cells,
        }
    }

    fn at(&self, groups: usize, counted: usize) -> usize {
        groups * (self.counted + 1) + counted
    }

    fn get(&self, groups: usize, counted: usize) -> u64 {
        if groups <= self.groups && counted <= self.counted {
            self.cells[self.at(groups, counted)]
        } else {
            NONE
        }
    }
}

/// The best cut of the candidate forest `kept` (in path order, with their subtrees' ends and direct
/// sources; `forced` sources lie below none): the positions of the candidates chosen, or `None` when
/// none fits. `count` says what the second dimension counts, capped at `max_counted`; `max_groups`
/// caps group entries (0: not counted, one row). Best: the least cost, then the fewest entries, then
/// the fewest groups, then the first in path order.
///
/// `f[i][j][x]` is the best value of the suffix from position `i` with `j` groups and `x` counted
/// entries: skip candidate `i` (its direct sources take project entries) and go on at `i + 1`, or
/// choose it and go on after its subtree. One bit per cell records whether choosing is optimal there.
fn program(
    kept: &[Candidate],
    forced: usize,
    count: Count,
    max_groups: usize,
    max_counted: usize,
) -> Option<Vec<usize>> {
    let n = kept.len();
    let per_group = usize::from(count == Count::Entries);
    // f[n]: nothing left but the forced project entries.
    let mut tables: Vec<Option<Table>> = (0..=n).map(|_| None).collect();
    let mut spare: Vec<Vec<u64>> = Vec::new();
    let mut last = Table::new(0, forced.min(max_counted), &mut spare);
    if forced <= max_counted {
        let at = last.at(0, forced);
        last.cells[at] = 0;
    }
    tables[n] = Some(last);
    // How many later uses each table has: by the position before it, and by the candidates whose
    // subtree ends there.
    let mut uses = vec![1u32; n + 1];
    uses[0] = 0;
    for c in kept {
        uses[c.end] += 1;
    }
    let (mut offsets, mut widths) = (vec![0usize; n + 1], vec![0usize; n + 1]);
    let mut choose: Vec<u64> = Vec::new();
    let mut sources_after = forced;
    for i in (0..n).rev() {
        let c = &kept[i];
        sources_after += c.direct as usize;
        // Every group entry covers a source: entries never outnumber the sources.
        let mut table = Table::new(
            max_groups.min(n - i),
            max_counted.min(sources_after),
            &mut spare,
        );
        offsets[i] = choose.len() * 64;
        widths[i] = table.counted + 1;
        choose.resize(choose.len() + table.cells.len().div_ceil(64), 0);
        let (next, after) = (tables[i + 1].as_ref()?, tables[c.end].as_ref()?);
        let (direct, cost) = (c.direct as usize, u64::from(c.cost) << 32 | 1);
        let width = table.counted + 1;
        // Row by row, over slices (no bounds check per cell: this loop is the plan's time).
        for j in 0..=table.groups {
            let out = &mut table.cells[j * width..(j + 1) * width];
            // Skip: f[i+1][j][x - direct].
            if j <= next.groups {
                let row = &next.cells[j * (next.counted + 1)..(j + 1) * (next.counted + 1)];
                for (slot, &value) in out.iter_mut().skip(direct).zip(row) {
                    *slot = value;
                }
            }
            // Choose: f[end][j - 1][x - per_group] + cost, where it is no worse.
            let below = if max_groups == 0 {
                Some(0)
            } else {
                j.checked_sub(1)
            };
            if let Some(below) = below.filter(|&b| b <= after.groups) {
                let row =
                    &after.cells[below * (after.counted + 1)..(below + 1) * (after.counted + 1)];
                let cells = out.iter_mut().enumerate().skip(per_group);
                for ((x, slot), &value) in cells.zip(row) {
                    if value != NONE && value + cost <= *slot {
                        *slot = value + cost;
                        let bit = offsets[i] + j * width + x;
                        choose[bit / 64] |= 1 << (bit % 64);
                    }
                }
            }
        }
        for used in [i + 1, c.end] {
            uses[used] -= 1;
            if uses[used] == 0 {
                if let Some(table) = tables[used].take() {
                    spare.push(table.cells);
                }
            }
        }
        tables[i] = Some(table);
    }

    // The best cell: least cost, then fewest entries, then fewest groups.
    let first = tables[0].as_ref()?;
    let mut best: Option<((u64, usize, u64), usize, usize)> = None;
    for j in 0..=first.groups {
        for x in 0..=first.counted {
            let value = first.get(j, x);
            if value == NONE {
                continue;
            }
            let (cost, groups) = (value >> 32, value & 0xffff_ffff);
            let entries = if per_group == 1 {
                x
            } else {
                x + groups as usize
            };
            if best.map_or(true, |(b, ..)| (cost, entries, groups) < b) {
                best = Some(((cost, entries, groups), j, x));
            }
        }
    }
    let (_, mut j, mut x) = best?;
    // Walk forward: choose a candidate whenever the rest can still be optimal. A chosen group comes
    // before anything below it in path order, so this is the first proposal in that order.
    let mut chosen = Vec::new();
    let mut i = 0;
    while i < n {
        let bit = offsets[i] + j * widths[i] + x;
        if choose[bit / 64] >> (bit % 64) & 1 == 1 {
            chosen.push(i);
            j = j.saturating_sub(usize::from(max_groups > 0));
            x -= per_group;
            i = kept[i].end;
        } else {
            x -= kept[i].direct as usize;
            i += 1;
        }
    }
    Some(chosen)
}

/// How many entries a proposal may add: project entries, group entries, both together.
#[derive(Clone, Copy)]
struct Budget {
    projects: i64,
    groups: i64,
    total: i64,
}

/// Per-world data and scratch space for planning one target after another. Marks are stamped:
/// an array entry belongs to the current set when it holds the set's stamp, so nothing is cleared.
struct Planner<'w> {
    world: &'w World,
    /// Projects below each group, at any depth.
    under: Vec<u32>,
    /// Each group's depth (its path's segments).
    depth: Vec<u32>,
    /// Each group's place in path order.
    rank: Vec<u32>,
    stamp: u32,
    /// Per project: the logged sources of the current target, or the projects seen.
    project_mark: Vec<u32>,
    /// Per project: the projects counted for the current candidates' costs.
    counted_mark: Vec<u32>,
    /// Per group: group entries of the current target's allowlist.
    entry_mark: Vec<u32>,
    /// Per group: candidates of the current target (with `local` their position).
    candidate_mark: Vec<u32>,
    local: Vec<u32>,
    /// Per group: a set of groups chosen, or kept for the dynamic program.
    chosen_mark: Vec<u32>,
    /// Per group, for GitLab's tally: tallied this round, how often, and when first seen.
    tally_mark: Vec<u32>,
    tally: Vec<u32>,
    first: Vec<u32>,
}

impl<'w> Planner<'w> {
    fn new(world: &'w World) -> Planner<'w> {
        let groups = world.groups.len();
        let mut under = vec![0; groups];
        for p in 0..world.projects.len() {
            for g in world.groups_of(p) {
                under[g] += 1;
            }
        }
        let depth = (0..groups)
            .map(|g| 1 + world.group(g).key.bytes().filter(|&b| b == b'/').count() as u32)
            .collect();
        // Each group's place in path order.
        let mut order: Vec<u32> = (0..groups as u32).collect();
        heapsort_by(&mut order, |&a, &b| {
            path_less(world.group(a as usize).key, world.group(b as usize).key)
        });
        let mut rank = vec![0; groups];
        for (place, &g) in order.iter().enumerate() {
            rank[g as usize] = place as u32;
        }
        let projects = world.projects.len();
        Planner {
            world,
            under,
            depth,
            rank,
            stamp: 0,
            project_mark: vec![0; projects],
            counted_mark: vec![0; projects],
            entry_mark: vec![0; groups],
            candidate_mark: vec![0; groups],
            local: vec![0; groups],
            chosen_mark: vec![0; groups],
            tally_mark: vec![0; groups],
            tally: vec![0; groups],
            first: vec![0; groups],
        }
    }

    fn next_stamp(&mut self) -> u32 {
        self.stamp += 1;
        self.stamp
    }

    /// The plan of target `t`, whose log names `sources` (distinct, in world order, with their latest
    /// time).
    fn plan(
        &mut self,
        t: ProjectIndex,
        sources: &[(ProjectIndex, Option<&str>)],
        options: &PlanOptions,
    ) -> Result<ProjectPlan, Error> {
        let world = self.world;
        let profile = world.profile;
        let own = world.project(t);

        // Sources the allowlist's entries admit today stay admitted; the others break, and need one.
        let logged = self.next_stamp();
        let mut breaks = Vec::new();
        let mut needed: Vec<ProjectIndex> = Vec::new();
        for &(s, at) in sources {
            self.project_mark[s] = logged;
            if world.inbound_entry(s, t).is_none() {
                needed.push(s);
                breaks.push(Break {
                    source: world.project(s).path.to_owned(),
                    last_authorized_at: at.map(str::to_owned),
                });
            }
        }

        let (p0, g0) = (world.project_entry_count(t), world.group_entry_count(t));
        let group_limit = if profile.groups {
            profile.group_limit.unwrap_or(0)
        } else {
            0
        };
        let budget = match options.limit {
            Some(limit) => {
                let left = limit as i64 - (p0 + g0) as i64;
                Budget {
                    projects: left,
                    groups: if profile.groups { left } else { 0 },
                    total: left,
                }
            }
            None => {
                let projects = profile.project_limit.unwrap_or(0) as i64 - p0 as i64;
                let groups = group_limit as i64 - g0 as i64;
                Budget {
                    projects,
                    groups,
                    total: projects + groups.max(0),
                }
            }
        };

        // The groups above the sources that need an entry, with what each would newly admit.
        let candidates = self.candidates(t, &needed);

        // GitLab's auto-populate: the limit it is given (`COMPACTION_LIMIT`, the project limit) less
        // the links the allowlist has, every one counted (`existing_links_traversal_ids.count`).
        let requested = (options.limit).unwrap_or(profile.project_limit.unwrap_or(0));
        let existing = today(world.list(t, List::InboundProjects)).len()
            + today(world.list(t, List::InboundGroups)).len();
        let gitlab = (profile.autopopulate)
            .then(|| self.gitlab(&needed, requested as i64 - existing as i64));

        let proposal = match (options.strategy, &gitlab) {
            (PlanStrategy::Gitlab, Some(Ok(items))) => items.clone(),
            (PlanStrategy::Gitlab, _) => {
                return Err(Error::invalid(
                    format!("projects[{t}]"),
                    format!(
                        "{}: GitLab's auto-populate raises {LIMIT_NOT_ACHIEVED}: its compaction cannot bring the {} logged sources its allowlist does not admit within {requested} entries less the {existing} it has",
                        own.path,
                        needed.len(),
                    ),
                ))
            }
            (PlanStrategy::LeastPrivilege, _) => {
                // GitLab's answer, where it fits, bounds the cost: no costlier group can be chosen.
                let fits = |items: &Vec<u32>| {
                    let groups = items.iter().filter(|&&i| i & GROUP != 0).count() as i64;
                    let projects = items.len() as i64 - groups;
                    projects <= budget.projects
                        && groups <= budget.groups
                        && projects + groups <= budget.total
                };
                let bound = match &gitlab {
                    _ if needed.len() as i64 <= budget.projects.min(budget.total) => 0,
                    Some(Ok(items)) if fits(items) => (items.iter())
                        .filter(|&&i| i & GROUP != 0)
                        .map(|&i| self.cost_of((i & !GROUP) as usize, &candidates))
                        .sum(),
                    _ => INF,
                };
                match self.cheapest(&needed, &candidates, budget, bound) {
                    Some(items) => items,
                    None => {
                        let limits = match options.limit {
                            Some(limit) => format!("the limit of {limit} entries"),
                            None if profile.groups => format!(
                                "GitLab {}'s limits ({} projects, {} groups)",
                                world.version,
                                profile.project_limit.unwrap_or(0),
                                group_limit
                            ),
                            None => format!(
                                "GitLab {}'s limit of {} projects (group entries arrive in 17.0)",
                                world.version,
                                profile.project_limit.unwrap_or(0)
                            ),
                        };
                        return Err(Error::invalid(
                            format!("projects[{t}]"),
                            format!(
                                "{}: no allowlist within {limits} admits the {} logged sources its entries do not admit today (it has {p0} project and {g0} group entries)",
                                own.path,
                                needed.len()
                            ),
                        ));
                    }
                }
            }
        };

        let (proposed, admits_also) = self.allowlist(t, &proposal, logged);
        let gitlab = gitlab.map(|result| {
            let (items, error) = match result {
                Ok(items) => (items, None),
                Err(error) => (Vec::new(), Some(error)),
            };
            let (list, admits_also) = self.allowlist(t, &items, logged);
            Autopopulate {
                projects: list.projects,
                groups: list.groups,
                admits_also,
                error,
            }
        });
        Ok(ProjectPlan {
            project: own.path.to_owned(),
            enforced_today: world.inbound_enforced(t),
            breaks,
            proposed,
            admits_also,
            gitlab,
        })
    }

    /// The candidate groups of target `t` (every group above a source in `needed`) with their
    /// cost: the world projects below each that are not `t`, not logged, and not admitted today.
    fn candidates(&mut self, t: ProjectIndex, needed: &[ProjectIndex]) -> Vec<Candidate> {
        let world = self.world;
        let mut candidates = Vec::new();
        if !world.profile.groups || needed.is_empty() {
            return candidates;
        }
        let stamp = self.next_stamp();
        for &s in needed {
            for g in world.groups_of(s) {
                if self.candidate_mark[g] == stamp {
                    break; // and the groups above it, too
                }
                self.candidate_mark[g] = stamp;
                self.local[g] = candidates.len() as u32;
                candidates.push(Candidate {
                    group: g,
                    cost: self.under[g],
                    direct: 0,
                    end: 0,
                });
            }
        }
        // What each candidate would admit anyway: the projects below today's group entries (the
        // outermost ones), and `t`, the needed sources and today's project entries elsewhere.
        let entries = self.next_stamp();
        let mut outermost: Vec<GroupIndex> = Vec::new();
        for e in world.list(t, List::InboundGroups) {
            if let Some(g) = world.group_id(e.key()) {
                self.entry_mark[g] = entries;
                outermost.push(g);
            }
        }
        let above = |world: &'w World, g: GroupIndex| world.ancestors(g);
        let done = self.next_stamp();
        for &g in &outermost {
            // Each once (an entry may be listed twice), and only the outermost: the projects below
            // an entry inside another are counted with it.
            if self.chosen_mark[g] == done || above(world, g).any(|a| self.entry_mark[a] == entries)
            {
                continue;
            }
            self.chosen_mark[g] = done;
            for a in above(world, g) {
                if self.candidate_mark[a] == stamp {
                    candidates[self.local[a] as usize].cost -= self.under[g];
                }
            }
        }
        let counted = self.next_stamp();
        let listed = world.list(t, List::InboundProjects);
        let admitted = listed.filter_map(|e| world.find_project(e.key()));
        for p in needed.iter().copied().chain([t]).chain(admitted) {
            let mut groups = world.groups_of(p);
            if self.counted_mark[p] == counted
                || groups.clone().any(|g| self.entry_mark[g] == entries)
            {
                continue;
            }
            self.counted_mark[p] = counted;
            for g in groups.by_ref() {
                if self.candidate_mark[g] == stamp {
                    candidates[self.local[g] as usize].cost -= 1;
                }
            }
        }
        candidates
    }

    /// What group `g`, a candidate, would newly admit.
    fn cost_of(&self, g: GroupIndex, candidates: &[Candidate]) -> u32 {
        candidates[self.local[g] as usize].cost
    }

    /// The least-privilege entries to add for `needed` within `budget`: the fewest newly admitted
    /// projects, then the fewest entries, then the fewest groups, then the first in path order;
    /// `None` when nothing fits.
    /// Candidates costlier than `bound` (the cost of a known answer) are left out.
    ///
    /// A proposal is a cut of the candidate forest: some groups, and a project entry for each needed
    /// source below none of them. In path order (preorder) the suffix from position `i` is decided
    /// by `f[i][j][u]`, the least cost of covering its sources with `j` group and `u` project
    /// entries: skip candidate `i` (its direct sources take project entries) and go on at `i + 1`,
    /// or choose it and go on after its subtree. O(candidates × groups budget × projects budget).
    fn cheapest(
        &mut self,
        needed: &[ProjectIndex],
        candidates: &[Candidate],
        budget: Budget,
        bound: u32,
    ) -> Option<Vec<u32>> {
        let world = self.world;
        if budget.projects < 0 || budget.groups < 0 || budget.total < 0 {
            return needed.is_empty().then(Vec::new);
        }
        // The candidates that may be chosen, in path order, each with the end of its subtree.
        let kept_stamp = self.next_stamp();
        let mut order: Vec<(u32, u32)> = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            if c.cost <= bound && budget.groups > 0 {
                self.chosen_mark[c.group] = kept_stamp;
                order.push((self.rank[c.group], i as u32));
            }
        }
        heapsort(&mut order);
        let mut kept: Vec<Candidate> = (order.iter())
            .map(|&(_, i)| Candidate {
                ..candidates[i as usize]
            })
            .collect();
        let key = |c: &Candidate| world.group(c.group).key;
        let n = kept.len();
        let mut open: Vec<usize> = Vec::new();
        for i in 0..=n {
            while let Some(&top) = open.last() {
                if i < n && within(key(&kept[i]), key(&kept[top])) {
                    break;
                }
                kept[top].end = i;
                open.pop();
            }
            if i < n {
                self.local[kept[i].group] = i as u32;
                open.push(i);
            }
        }
        // Each needed source counts for its nearest kept group; below none, it takes a project entry.
        let mut forced = 0usize;
        for &s in needed {
            match world
                .groups_of(s)
                .find(|&g| self.chosen_mark[g] == kept_stamp)
            {
                Some(g) => kept[self.local[g] as usize].direct += 1,
                None => forced += 1,
            }
        }
        let (max_projects, max_groups) = (budget.projects as usize, budget.groups as usize);
        let chosen = if budget.total < budget.projects + budget.groups {
            // One limit for both lists: the program counts entries.
            program(&kept, forced, Count::Entries, 0, budget.total as usize)?
        } else {
            // Each list its own limit: count project entries, and group entries only when the
            // answer without counting them has too many (it is then the answer: the best of more).
            let best = program(&kept, forced, Count::Projects, 0, max_projects)?;
            if best.len() <= max_groups {
                best
            } else {
                program(&kept, forced, Count::Projects, max_groups, max_projects)?
            }
        };
        let mut items: Vec<u32> = (chosen.iter())
            .map(|&i| kept[i].group as u32 | GROUP)
            .collect();
        // Project entries for the needed sources below no chosen group.
        let chosen = self.next_stamp();
        for &item in &items {
            self.chosen_mark[(item & !GROUP) as usize] = chosen;
        }
        for &s in needed {
            if !world.groups_of(s).any(|g| self.chosen_mark[g] == chosen) {
                items.push(s as u32);
            }
        }
        Some(items)
    }

    /// GitLab's auto-populate for the sources in `needed` (world order standing for GitLab's project
    /// ids), brought within `limit` entries: `Gitlab::Utils::TraversalIdCompactor.compact`.
    fn gitlab(&mut self, needed: &[ProjectIndex], limit: i64) -> Result<Vec<u32>, &'static str> {
        let world = self.world;
        let size = |item: u32| match item & GROUP {
            0 => world.groups_of(item as usize).count() as u32 + 1,
            _ => self.depth[(item & !GROUP) as usize],
        };
        // `traversal_ids.sort_by(&:size).reverse`, with Ruby 3.3's sort (GitLab's `.ruby-version`).
        let mut sized: Vec<(u32, u32)> = (needed.iter())
            .map(|&s| (size(s as u32), s as u32))
            .collect();
        ruby_sort_by(&mut sized);
        let mut list: Vec<u32> = sized.iter().rev().map(|&(_, item)| item).collect();
        let parent = |item: u32| match item & GROUP {
            0 => world.projects[item as usize].group,
            _ => world.group((item & !GROUP) as usize).parent,
        };
        let mut touched: Vec<GroupIndex> = Vec::new();
        while list.len() as i64 > limit {
            // `find_most_common_namespace_path`: each entry's namespace tallied in list order; those
            // seen once dropped; the deepest, then the most common, then the last first seen.
            let stamp = self.next_stamp();
            touched.clear();
            for &item in &list {
                if let Some(g) = parent(item) {
                    if self.tally_mark[g] != stamp {
                        self.tally_mark[g] = stamp;
                        self.tally[g] = 0;
                        self.first[g] = touched.len() as u32;
                        touched.push(g);
                    }
                    self.tally[g] += 1;
                }
            }
            let namespace = (touched.iter().copied())
                .filter(|&g| self.tally[g] >= 2)
                .max_by_key(|&g| (self.depth[g], self.tally[g], self.first[g]))
                .ok_or(LIMIT_NOT_ACHIEVED)?;
            // `compact_once`: every entry at or below it becomes it, once, where the first stood.
            let below = |item: u32| {
                let mut at = parent(item);
                while let Some(g) = at {
                    if g == namespace {
                        return true;
                    }
                    at = world.group(g).parent;
                }
                false
            };
            let mut merged = false;
            list.retain_mut(|item| {
                if *item != namespace as u32 | GROUP && !below(*item) {
                    return true;
                }
                *item = namespace as u32 | GROUP;
                !std::mem::replace(&mut merged, true)
            });
        }
        Ok(list)
    }

    /// Today's allowlist of `t` with `items` added (projects, or groups with [`GROUP`] set), and the
    /// world projects the added groups newly admit.
    fn allowlist(
        &mut self,
        t: ProjectIndex,
        items: &[u32],
        logged: u32,
    ) -> (Allowlist, Vec<String>) {
        let world = self.world;
        let new_entry = |path: &str| CompactEntry {
            path: path.to_owned(),
            default_permissions: true,
            policies: Vec::new(),
        };
        let mut new_projects: Vec<ProjectIndex> = Vec::new();
        let mut new_groups: Vec<GroupIndex> = Vec::new();
        for &item in items {
            match item & GROUP {
                0 => new_projects.push(item as usize),
                _ => new_groups.push((item & !GROUP) as usize),
            }
        }
        // New projects stay in world order; new groups go in path order.
        let mut order: Vec<(u32, u32)> = (new_groups.iter())
            .map(|&g| (self.rank[g], g as u32))
            .collect();
        heapsort(&mut order);
        let new_groups: Vec<GroupIndex> = order.iter().map(|&(_, g)| g as usize).collect();
        let mut list = Allowlist {
            projects: today(world.list(t, List::InboundProjects)),
            groups: today(world.list(t, List::InboundGroups)),
        };
        (list.projects).extend(
            new_projects
                .iter()
                .map(|&p| new_entry(world.project(p).path)),
        );
        (list.groups).extend(new_groups.iter().map(|&g| new_entry(world.group(g).path)));

        let mut admits_also = Vec::new();
        if !new_groups.is_empty() {
            let chosen = self.next_stamp();
            for &g in &new_groups {
                self.chosen_mark[g] = chosen;
            }
            for p in 0..world.projects.len() {
                if p != t
                    && self.project_mark[p] != logged
                    && world.groups_of(p).any(|g| self.chosen_mark[g] == chosen)
                    && world.inbound_entry(p, t).is_none()
                {
                    admits_also.push(world.project(p).path.to_owned());
                }
            }
        }
        (list, admits_also)
    }
}

/// Ruby 3.3's `Enumerable#sort_by` for integer keys (`rb_uniform_intro_sort_2` in `enum.c`), step
/// by step, so that equal keys end up where Ruby puts them: a list already in order is kept; up to 16
/// items are insertion-sorted (equal keys keep their order); longer ones go through its introsort,
/// which moves them. Items are (key, payload).
fn ruby_sort_by(items: &mut [(u32, u32)]) {
    let n = items.len();
    if n < 2 || items.windows(2).all(|w| w[0].0 <= w[1].0) {
        return;
    }
    let depth = usize::BITS - 1 - n.leading_zeros();
    ruby_introsort(items, 2 * depth as usize);
}

/// `rb_uniform_quicksort_intro_2`, with its insertion sort and heapsort.
fn ruby_introsort(items: &mut [(u32, u32)], depth: usize) {
    let n = items.len();
    if n <= 16 {
        for index in 1..n {
            let tmp = items[index];
            let mut j = index;
            if tmp.0 < items[0].0 {
                items.copy_within(0..index, 1);
                j = 0;
            } else {
                while tmp.0 < items[j - 1].0 {
                    items[j] = items[j - 1];
                    j -= 1;
                }
            }
            items[j] = tmp;
        }
        return;
    }
    if depth == 0 {
        let down = |items: &mut [(u32, u32)], mut offset: usize, len: usize| {
            let tmp = items[offset];
            loop {
                let mut c = (offset << 1) + 1;
                if c > len {
                    break;
                }
                if c < len && items[c].0 < items[c + 1].0 {
                    c += 1;
                }
                if tmp.0 >= items[c].0 {
                    break;
                }
                items[offset] = items[c];
                offset = c;
            }
            items[offset] = tmp;
        };
        for offset in (0..n >> 1).rev() {
            down(items, offset, n - 1);
        }
        for end in (1..n).rev() {
            items.swap(0, end);
            down(items, 0, end - 1);
        }
        return;
    }
    // `med3_val` of the first, middle and last keys, then Hoare's partition, as Ruby writes them.
    let (a, b, c) = (items[0].0, items[n >> 1].0, items[n - 1].0);
    let x = if a < b {
        if b < c {
            b
        } else if c < a {
            a
        } else {
            c
        }
    } else if c < b {
        b
    } else if a < c {
        a
    } else {
        c
    };
    let key = |items: &[(u32, u32)], at: isize| items[at as usize].0;
    let (mut i, mut j) = (0isize, n as isize - 1);
    loop {
        while key(items, i) < x {
            i += 1;
        }
        while x < key(items, j) {
            j -= 1;
        }
        if i <= j {
            items.swap(i as usize, j as usize);
            i += 1;
            j -= 1;
        }
        if i > j {
            break;
        }
    }
    let (i, j) = (i as usize, (j + 1) as usize);
    if n - j > 1 {
        ruby_introsort(&mut items[j..], depth - 1);
    }
    if i > 1 {
        ruby_introsort(&mut items[..i], depth - 1);
    }
}

/// An allowlist's entries as they are, each key once, in their order.
fn today(entries: Entries) -> Vec<CompactEntry> {
    // A map used as a set, of the world's own map type: one hash table type in the wasm.
    let mut seen: HashMap<String, usize> = HashMap::default();
    entries
        .filter(|e| seen.insert(e.key().to_owned(), 0).is_none())
        .map(|e| CompactEntry {
            path: e.path.to_owned(),
            default_permissions: e.default_permissions,
            policies: e.policies.to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ruby_sort_by;

    /// Vectors from Ruby 3.3's own sort (`enum.c`'s `rb_uniform_intro_sort_2`, compiled as C with
    /// integer keys): `n keys...` then the positions in sorted order.
    #[test]
    fn sort_by_puts_equal_keys_where_ruby_does() {
        let vectors = include_str!("ruby_sort_by.txt");
        let mut lines = vectors.lines().filter(|l| !l.starts_with('#'));
        let mut checked = 0;
        while let (Some(input), Some(output)) = (lines.next(), lines.next()) {
            let keys: Vec<u32> = input
                .split_whitespace()
                .skip(1)
                .map(|k| k.parse().unwrap())
                .collect();
            let mut items: Vec<(u32, u32)> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| (k, i as u32))
                .collect();
            ruby_sort_by(&mut items);
            let order: Vec<u32> = items.iter().map(|&(_, i)| i).collect();
            let expected: Vec<u32> = output
                .split_whitespace()
                .map(|k| k.parse().unwrap())
                .collect();
            assert_eq!(order, expected, "keys {keys:?}");
            checked += 1;
        }
        assert!(checked >= 40, "{checked} vectors");
    }

    proptest::proptest! {
        /// Any keys, any length: sorted by key, every item kept, and no index out of bounds.
        #[test]
        fn sort_by_sorts_any_keys(keys in proptest::collection::vec(0u32..8, 0..300)) {
            let mut items: Vec<(u32, u32)> = keys.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
            ruby_sort_by(&mut items);
            proptest::prop_assert!(items.windows(2).all(|w| w[0].0 <= w[1].0));
            let mut positions: Vec<u32> = items.iter().map(|&(_, i)| i).collect();
            positions.sort_unstable();
            proptest::prop_assert_eq!(positions, (0..keys.len() as u32).collect::<Vec<_>>());
        }
    }
}

//! The exact optimiser: depth-first branch and bound over "which model answers predicate p".
//!
//! Why it is exact and why it is fast:
//! - **Sound pruning of candidates.** A model is dropped when another model costs no more and is
//!   at least as accurate on every query predicate the first can answer: any plan using the first
//!   can swap in the second without losing accuracy or paying more, with or without ordering.
//! - **Bounds that respect sharing.** A model answering several predicates is paid once, so a
//!   lower bound on what the open predicates will still cost splits each unpaid model's cost
//!   evenly over the open predicates it could answer, and charges a model already paid for
//!   nothing. Under short-circuit ordering each share is further multiplied by the least fraction
//!   of items that can still need it.
//! - **Bounds that respect the formula.** Accuracy is increasing in every predicate's accuracy,
//!   so the best an open subtree can reach is the formula with each open predicate at the best
//!   accuracy it can still afford; and when a minimum accuracy is required, the formula (linear in
//!   each predicate that occurs once) tells how accurate each open predicate must at least be,
//!   which rules out its weaker candidates before they are tried.
//!
//! A node and time limit stop the search; the result then says so and carries the remaining gap
//! between the plan found and the best any unexplored branch could still reach.

use std::time::{Duration, Instant};

use crate::expr::Expr;
use crate::plan;
use crate::problem::{Candidate, Problem};
use crate::relax;

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// The most accurate plan costing at most this much (ties: the cheaper plan).
    MaxAccuracy { budget: f64 },
    /// The cheapest plan at least this accurate (ties: the more accurate plan).
    MinCost { min_accuracy: f64 },
}

/// How to search.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Charge models under short-circuit evaluation in the best order instead of in full.
    pub ordered: bool,
    pub time_limit: Duration,
    /// Relative optimality tolerance: a branch is dropped when it cannot improve the plan in
    /// hand by more than this fraction (accuracy or cost). 0 proves the exact optimum; MIP
    /// solvers default to 1e-4 (Gurobi's MIPGap).
    pub relative_gap: f64,
}

/// The default [`Settings::relative_gap`].
pub const DEFAULT_RELATIVE_GAP: f64 = 1e-6;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            ordered: false,
            time_limit: Duration::from_secs(10),
            relative_gap: DEFAULT_RELATIVE_GAP,
        }
    }
}

/// A plan with its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Model index (into [`Problem::models`]) per predicate.
    pub choice: Vec<usize>,
    pub accuracy: f64,
    /// The cost the objective counts: expected under the best order when ordered, else total.
    pub cost: f64,
    /// Sum of the distinct models' costs.
    pub total_cost: f64,
    pub order: Option<plan::Order>,
}

impl Solution {
    pub fn evaluate(problem: &Problem, choice: Vec<usize>, selectivity: Option<&[f64]>) -> Solution {
        let accuracy = plan::accuracy(problem, &choice);
        let total_cost = plan::total_cost(problem, &choice);
        let order = selectivity.map(|s| plan::best_order(problem, &choice, s));
        Solution {
            accuracy,
            cost: order.as_ref().map_or(total_cost, |o| o.expected_cost),
            total_cost,
            order,
            choice,
        }
    }

    /// Whether this plan satisfies the objective's constraint.
    pub fn feasible(&self, objective: Objective) -> bool {
        match objective {
            Objective::MaxAccuracy { budget } => self.cost <= budget + tolerance(budget),
            Objective::MinCost { min_accuracy } => self.accuracy >= min_accuracy - 1e-12,
        }
    }

    /// Whether this plan is strictly better than `other` under the objective (both feasible).
    pub fn better_than(&self, other: &Solution, objective: Objective) -> bool {
        let (cost_tol, acc_tol) = (tolerance(self.cost.max(other.cost)), 1e-12);
        match objective {
            Objective::MaxAccuracy { .. } => {
                self.accuracy > other.accuracy + acc_tol
                    || (self.accuracy >= other.accuracy - acc_tol && self.cost < other.cost - cost_tol)
            }
            Objective::MinCost { .. } => {
                self.cost < other.cost - cost_tol
                    || (self.cost <= other.cost + cost_tol && self.accuracy > other.accuracy + acc_tol)
            }
        }
    }
}

pub(crate) fn tolerance(scale: f64) -> f64 {
    1e-9 * scale.abs().max(1.0)
}

/// What a search found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub best: Option<Solution>,
    /// The search finished: `best` is optimal (or no plan exists), orders included.
    pub proven: bool,
    /// When stopped early: the best objective value an unexplored branch could still reach
    /// (an accuracy for `MaxAccuracy`, a cost for `MinCost`).
    pub open_bound: Option<f64>,
    /// The bound at the root of the search: how far the relaxation alone is from the optimum.
    pub root_bound: Option<f64>,
    pub nodes: u64,
    pub elapsed: Duration,
}

/// Searches for the optimal plan, starting from `incumbent` when one is known.
pub fn solve(problem: &Problem, objective: Objective, settings: Settings, incumbent: Option<Solution>) -> Outcome {
    let started = Instant::now();
    let selectivity = if settings.ordered {
        problem.selectivity.as_deref()
    } else {
        None
    };
    let mut best = incumbent.filter(|s| s.feasible(objective));
    for seed in crate::greedy::model_sets(problem, objective, selectivity) {
        if best.as_ref().is_none_or(|b| seed.better_than(b, objective)) {
            best = Some(seed);
        }
    }
    if selectivity.is_none() {
        return crate::sets::solve(problem, objective, settings, best);
    }
    let mut search = Search::new(problem, objective, selectivity, settings, started);
    search.best = best;
    if search.order.len() == problem.predicates() {
        search.visit(0, full_mask(problem.predicates()));
    }
    Outcome {
        proven: !search.aborted && !search.inexact_order,
        open_bound: search.open_bound,
        root_bound: search.root_bound,
        best: search.best,
        nodes: search.nodes,
        elapsed: started.elapsed(),
    }
}

struct Search<'a> {
    problem: &'a Problem,
    objective: Objective,
    selectivity: Option<&'a [f64]>,
    /// Predicates in branching order.
    order: Vec<usize>,
    /// Per predicate, the candidates left after pruning, most accurate first.
    candidates: Vec<Vec<Candidate>>,
    /// Per predicate, the same candidates cheapest first.
    by_cost: Vec<Vec<Candidate>>,
    /// Per model, the predicates it remains a candidate for.
    answers: Vec<u64>,
    /// Per predicate, the fraction of items that can still need its model in the best case:
    /// the query left open when everything else is known.
    least_open: Vec<f64>,
    best_accuracy: Vec<f64>,
    /// Per predicate, how often its label occurs in the formula.
    occurrences: Vec<f64>,
    /// Per model, cost times the fraction of items the query is settled for when everything but
    /// what the model can answer is known: what running it first costs beyond its bound.
    first_surplus: Vec<f64>,
    // Search state.
    choice: Vec<usize>,
    accuracy: Vec<f64>,
    /// Per model, the predicates assigned to it so far.
    assigned: Vec<u64>,
    spent: f64,
    best: Option<Solution>,
    open_bound: Option<f64>,
    root_bound: Option<f64>,
    nodes: u64,
    deadline: Instant,
    relative_gap: f64,
    aborted: bool,
    inexact_order: bool,
}

impl<'a> Search<'a> {
    fn new(
        problem: &'a Problem,
        objective: Objective,
        selectivity: Option<&'a [f64]>,
        settings: Settings,
        started: Instant,
    ) -> Search<'a> {
        let k = problem.predicates();
        let candidates = prune_dominated(problem);
        let mut answers = vec![0u64; problem.models.len()];
        for (p, list) in candidates.iter().enumerate() {
            for c in list {
                answers[c.model] |= 1 << p;
            }
        }
        let by_cost = candidates
            .iter()
            .map(|list| {
                let mut sorted = list.clone();
                sorted.sort_by(|a, b| {
                    let (ca, cb) = (problem.models[a.model].cost, problem.models[b.model].cost);
                    ca.total_cmp(&cb).then(b.accuracy.total_cmp(&a.accuracy))
                });
                sorted
            })
            .collect();
        let full = full_mask(k);
        let least_open = (0..k)
            .map(|p| selectivity.map_or(1.0, |s| problem.query.undetermined(full & !(1 << p), s)))
            .collect();
        let mut order: Vec<usize> = (0..k).filter(|&p| !candidates[p].is_empty()).collect();
        order.sort_by_key(|&p| (candidates[p].len(), p));
        let mut occurrences = vec![0.0; k];
        count_occurrences(&problem.query.root, &mut occurrences);
        let first_surplus = (0..problem.models.len())
            .map(|m| {
                selectivity.map_or(0.0, |s| {
                    problem.models[m].cost * (1.0 - problem.query.undetermined(full & !answers[m], s))
                })
            })
            .collect();
        Search {
            first_surplus,
            problem,
            objective,
            selectivity,
            occurrences,
            best_accuracy: candidates
                .iter()
                .map(|l| l.first().map_or(0.0, |c| c.accuracy))
                .collect(),
            order,
            candidates,
            by_cost,
            answers,
            least_open,
            choice: vec![usize::MAX; k],
            accuracy: vec![0.0; k],
            assigned: vec![0; problem.models.len()],
            spent: 0.0,
            best: None,
            open_bound: None,
            root_bound: None,
            nodes: 0,
            deadline: started + settings.time_limit,
            relative_gap: settings.relative_gap.max(0.0),
            aborted: false,
            inexact_order: false,
        }
    }

    fn cost(&self, model: usize) -> f64 {
        self.problem.models[model].cost
    }

    /// What the paid models will cost at least: in full, or under ordering each at the least
    /// fraction of items that can still need it given the predicates it already answers.
    fn committed(&self) -> f64 {
        let Some(selectivity) = self.selectivity else {
            return self.spent;
        };
        let k = self.problem.predicates();
        let full = full_mask(k);
        let mut total = 0.0;
        for p in 0..k {
            let model = self.choice[p];
            // Count each paid model once, at its lowest-numbered assigned predicate.
            if model != usize::MAX && self.assigned[model].trailing_zeros() as usize == p {
                total += self.cost(model)
                    * self
                        .problem
                        .query
                        .undetermined(full & !self.assigned[model], selectivity);
            }
        }
        total
    }

    /// Under ordering, the first model runs on every item, not only on the fraction the other
    /// bounds charge it: at least the least such surplus among the models the plan can still
    /// contain (paid ones and candidates of open predicates).
    fn first_model_surplus(&self, open: u64) -> f64 {
        if self.selectivity.is_none() {
            return 0.0;
        }
        let paid = (0..self.assigned.len()).filter(|&m| self.assigned[m] != 0);
        let candidates = bits(open).flat_map(|p| self.candidates[p].iter().map(|c| c.model));
        paid.chain(candidates)
            .map(|m| self.first_surplus[m])
            .fold(f64::INFINITY, f64::min)
            .min(f64::MAX)
    }

    /// A lower bound on what `model` adds when it answers open predicate `p`.
    fn share(&self, model: usize, p: usize, open: u64) -> f64 {
        if self.assigned[model] != 0 {
            return 0.0;
        }
        let splits = (self.answers[model] & open).count_ones().max(1);
        self.cost(model) * self.least_open[p] / f64::from(splits)
    }

    fn visit(&mut self, depth: usize, open: u64) {
        self.nodes += 1;
        if self.nodes.is_multiple_of(1024) && Instant::now() >= self.deadline {
            self.aborted = true;
        }
        if depth == self.order.len() {
            self.leaf();
            return;
        }
        match self.objective {
            Objective::MaxAccuracy { budget } => self.visit_max_accuracy(depth, open, budget),
            Objective::MinCost { min_accuracy } => self.visit_min_cost(depth, open, min_accuracy),
        }
    }

    fn leaf(&mut self) {
        if !self.leaf_can_improve() {
            return;
        }
        let solution = Solution::evaluate(self.problem, self.choice.clone(), self.selectivity);
        if solution.order.as_ref().is_some_and(|o| !o.exact) {
            self.inexact_order = true;
        }
        if solution.feasible(self.objective)
            && self
                .best
                .as_ref()
                .is_none_or(|b| solution.better_than(b, self.objective))
        {
            self.best = Some(solution);
        }
    }

    /// Cheap checks before a leaf's execution order is optimised: its accuracy, and under
    /// ordering a lower bound on its expected cost.
    fn leaf_can_improve(&self) -> bool {
        let accuracy = self.problem.query.accuracy(&self.accuracy);
        let hopeless = match (self.objective, &self.best) {
            (Objective::MinCost { min_accuracy }, _) => accuracy < min_accuracy - 1e-12,
            (Objective::MaxAccuracy { .. }, Some(best)) => accuracy < best.accuracy - 1e-12,
            (Objective::MaxAccuracy { .. }, None) => false,
        };
        if hopeless {
            return false;
        }
        let Some(selectivity) = self.selectivity else {
            return true;
        };
        // Any order runs some model first on every item and some second on what the first leaves
        // open; every later model runs at least on what stays open when all else is known.
        let full = full_mask(self.problem.predicates());
        let used = plan::models_of(&self.choice);
        let open_after: Vec<f64> = used
            .iter()
            .map(|&(_, mask)| self.problem.query.undetermined(mask, selectivity))
            .collect();
        let open_last: Vec<f64> = (used.iter())
            .map(|&(_, mask)| self.problem.query.undetermined(full & !mask, selectivity))
            .collect();
        let base: f64 = used.iter().zip(&open_last).map(|(&(m, _), u)| self.cost(m) * u).sum();
        let mut extra = if used.len() == 1 {
            self.cost(used[0].0) * (1.0 - open_last[0])
        } else {
            f64::INFINITY
        };
        for (i, &(first, _)) in used.iter().enumerate() {
            for (j, &(second, _)) in used.iter().enumerate() {
                if i != j {
                    let surplus =
                        self.cost(first) * (1.0 - open_last[i]) + self.cost(second) * (open_after[i] - open_last[j]);
                    extra = extra.min(surplus);
                }
            }
        }
        let lower = base + extra;
        match self.objective {
            Objective::MaxAccuracy { budget } => lower <= budget + tolerance(budget),
            Objective::MinCost { .. } => !self.cannot_improve_cost(lower, accuracy),
        }
    }

    fn record_open(&mut self, bound: f64) {
        self.open_bound = Some(match (self.open_bound, self.objective) {
            (None, _) => bound,
            (Some(b), Objective::MaxAccuracy { .. }) => b.max(bound),
            (Some(b), Objective::MinCost { .. }) => b.min(bound),
        });
    }

    fn visit_max_accuracy(&mut self, depth: usize, open: u64, budget: f64) {
        let committed = self.committed() + self.first_model_surplus(open);
        let mut shares = Vec::with_capacity(open.count_ones() as usize);
        let mut lower = committed;
        for p in bits(open) {
            let least = (self.candidates[p].iter())
                .map(|c| self.share(c.model, p, open))
                .fold(f64::INFINITY, f64::min);
            shares.push((p, least));
            lower += least;
        }
        let slack_of = |least: f64| budget + tolerance(budget) - (lower - least);
        if lower > budget + tolerance(budget) {
            return;
        }
        // Upper bound: each open predicate at the best accuracy it can still afford.
        for &(p, least) in &shares {
            let slack = slack_of(least);
            let best = (self.candidates[p].iter())
                .find(|c| self.share(c.model, p, open) <= slack)
                .map(|c| c.accuracy);
            match best {
                Some(acc) => self.accuracy[p] = acc,
                None => return,
            }
        }
        let mut upper = self.problem.query.accuracy(&self.accuracy);
        if self.cannot_improve_accuracy(upper, lower) {
            return;
        }
        // The cheap bound did not settle it: solve the relaxation over the formula.
        let remaining = budget + tolerance(budget) - committed;
        let relaxed = self.relax(open, remaining);
        let Some((_, bound, index)) = relaxed.best_within(remaining) else {
            return;
        };
        self.try_relaxed_plan(&relaxed, index, open);
        upper = upper.min(bound);
        if self.cannot_improve_accuracy(upper, lower) {
            return;
        }
        if depth == 0 {
            self.root_bound = Some(upper);
        }
        if self.aborted {
            self.record_open(upper);
            return;
        }
        let p = self.order[depth];
        let slack = shares
            .iter()
            .find(|(q, _)| *q == p)
            .map_or(f64::INFINITY, |&(_, l)| slack_of(l));
        for i in 0..self.candidates[p].len() {
            let c = self.candidates[p][i];
            if self.share(c.model, p, open) > slack {
                continue;
            }
            self.branch(depth, open, p, c);
            if self.aborted {
                self.record_open(upper);
                return;
            }
        }
    }

    fn cannot_improve_accuracy(&self, upper: f64, lower: f64) -> bool {
        self.best.as_ref().is_some_and(|best| {
            let acc_tol = 1e-12;
            let slack = self.relative_gap * best.accuracy;
            upper < best.accuracy - acc_tol
                || (upper <= best.accuracy + acc_tol + slack && (slack > 0.0 || lower >= best.cost))
        })
    }

    fn visit_min_cost(&mut self, depth: usize, open: u64, min_accuracy: f64) {
        for p in bits(open) {
            self.accuracy[p] = self.best_accuracy[p];
        }
        let upper = self.problem.query.accuracy(&self.accuracy);
        if upper < min_accuracy - 1e-12 {
            return;
        }
        let committed = self.committed() + self.first_model_surplus(open);
        let mut lower = committed;
        let mut needs = Vec::with_capacity(open.count_ones() as usize);
        for p in bits(open) {
            let need = self.needed_accuracy(p, min_accuracy);
            let least = (self.candidates[p].iter())
                .take_while(|c| c.accuracy >= need)
                .map(|c| self.share(c.model, p, open))
                .fold(f64::INFINITY, f64::min);
            needs.push((p, need));
            lower += least;
        }
        if !lower.is_finite() {
            return;
        }
        if self.cannot_improve_cost(lower, upper) {
            return;
        }
        // The cheap bound did not settle it: solve the relaxation over the formula, up to the
        // incumbent's cost (nothing dearer matters).
        let cap = self
            .best
            .as_ref()
            .map_or(f64::INFINITY, |b| b.cost + tolerance(b.cost) - committed);
        let relaxed = self.relax(open, cap);
        let Some((price, _, index)) = relaxed.cheapest_reaching(min_accuracy - 1e-12) else {
            return;
        };
        self.try_relaxed_plan(&relaxed, index, open);
        lower = lower.max(committed + price);
        if self.cannot_improve_cost(lower, upper) {
            return;
        }
        if depth == 0 {
            self.root_bound = Some(lower);
        }
        if self.aborted {
            self.record_open(lower);
            return;
        }
        let p = self.order[depth];
        let need = needs.iter().find(|(q, _)| *q == p).map_or(0.0, |&(_, n)| n);
        // Models already paid for first (they add nothing), then the rest cheapest first.
        for paid_pass in [true, false] {
            for i in 0..self.by_cost[p].len() {
                let c = self.by_cost[p][i];
                if (self.assigned[c.model] != 0) != paid_pass || c.accuracy < need {
                    continue;
                }
                self.branch(depth, open, p, c);
                if self.aborted {
                    self.record_open(lower);
                    return;
                }
            }
        }
    }

    fn cannot_improve_cost(&self, lower: f64, upper: f64) -> bool {
        self.best.as_ref().is_some_and(|best| {
            let cost_tol = tolerance(best.cost);
            let slack = self.relative_gap * best.cost;
            lower > best.cost + cost_tol
                || (lower >= best.cost - cost_tol - slack && (slack > 0.0 || upper <= best.accuracy + 1e-12))
        })
    }

    /// Solves the node's relaxation (module `relax`): open predicates choose freely at a price
    /// of their share of the model's cost, split over the label's occurrences; assigned ones keep
    /// their model. Points pricier than `cap` are left out.
    fn relax(&self, open: u64, cap: f64) -> relax::Relaxed {
        let mut options = |p: usize| -> Vec<relax::Choice> {
            if open & (1 << p) == 0 {
                return vec![relax::Choice {
                    price: 0.0,
                    accuracy: self.accuracy[p],
                    model: self.choice[p],
                }];
            }
            (self.candidates[p].iter())
                .map(|c| relax::Choice {
                    price: self.share(c.model, p, open) / self.occurrences[p],
                    accuracy: c.accuracy,
                    model: c.model,
                })
                .collect()
        };
        relax::solve(&self.problem.query.root, &mut options, cap)
    }

    /// The plan behind a relaxation point is a real plan: keep it if it beats the incumbent.
    fn try_relaxed_plan(&mut self, relaxed: &relax::Relaxed, index: usize, open: u64) {
        let mut choice = self.choice.clone();
        let mut written = !open;
        relaxed.assignment(index, &mut choice, &mut written);
        let solution = Solution::evaluate(self.problem, choice, self.selectivity);
        if solution.feasible(self.objective)
            && self
                .best
                .as_ref()
                .is_none_or(|b| solution.better_than(b, self.objective))
        {
            self.best = Some(solution);
        }
    }

    /// The least accuracy predicate `p` needs for the query to reach `target` when every other
    /// open predicate gets its best accuracy (held in `self.accuracy`).
    fn needed_accuracy(&mut self, p: usize, target: f64) -> f64 {
        needed_accuracy(&self.problem.query, &mut self.accuracy, p, target)
    }

    fn branch(&mut self, depth: usize, open: u64, p: usize, c: Candidate) {
        let newly_paid = self.assigned[c.model] == 0;
        if newly_paid {
            self.spent += self.cost(c.model);
        }
        self.assigned[c.model] |= 1 << p;
        self.choice[p] = c.model;
        self.accuracy[p] = c.accuracy;
        self.visit(depth + 1, open & !(1 << p));
        self.assigned[c.model] &= !(1 << p);
        if newly_paid {
            self.spent -= self.cost(c.model);
        }
        self.choice[p] = usize::MAX;
    }
}

fn full_mask(k: usize) -> u64 {
    if k >= 64 {
        u64::MAX
    } else {
        (1u64 << k) - 1
    }
}

pub(crate) fn count_occurrences(expr: &Expr, counts: &mut [f64]) {
    match expr {
        Expr::Label(p) => counts[*p] += 1.0,
        Expr::Not(inner) => count_occurrences(inner, counts),
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| count_occurrences(e, counts)),
    }
}

/// The least accuracy predicate `p` needs for `query` to reach `target` when every other
/// predicate has the accuracy in `accuracy` (restored before returning). Slightly low rather
/// than high: it only ever rules candidates out.
pub(crate) fn needed_accuracy(query: &crate::expr::Query, accuracy: &mut [f64], p: usize, target: f64) -> f64 {
    let saved = accuracy[p];
    let mut at = |a: f64| {
        accuracy[p] = a;
        query.accuracy(accuracy)
    };
    let need = if at(0.0) >= target {
        0.0
    } else if !query.repeats_labels {
        // Linear in a predicate that occurs once.
        let low = at(0.0);
        let slope = at(1.0) - low;
        if slope <= 0.0 {
            f64::INFINITY
        } else {
            (target - low) / slope - 1e-9
        }
    } else {
        // Increasing but not linear: bisect.
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if at(mid) >= target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        lo - 1e-9
    };
    accuracy[p] = saved;
    need
}

/// The positions of the set bits of `mask`, lowest first.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let bit = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        Some(bit)
    })
}

/// Per predicate, the candidates that no other model dominates (see the module doc).
pub(crate) fn prune_dominated(problem: &Problem) -> Vec<Vec<Candidate>> {
    let k = problem.predicates();
    // accuracy[m][p], NaN where m cannot answer p.
    let mut accuracy = vec![f64::NAN; problem.models.len() * k];
    let mut answers = vec![0u64; problem.models.len()];
    for (p, list) in problem.candidates.iter().enumerate() {
        for c in list {
            accuracy[c.model * k + p] = c.accuracy;
            answers[c.model] |= 1 << p;
        }
    }
    let cost = |m: usize| problem.models[m].cost;
    let dominates = |a: usize, b: usize| -> bool {
        if cost(a) > cost(b) || answers[b] & !answers[a] != 0 {
            return false;
        }
        let mut strictly = cost(a) < cost(b);
        for p in 0..k {
            if answers[b] & (1 << p) != 0 {
                let (x, y) = (accuracy[a * k + p], accuracy[b * k + p]);
                if x < y {
                    return false;
                }
                strictly |= x > y;
            }
        }
        strictly || a < b
    };
    let mut dominated = vec![false; problem.models.len()];
    for (p, list) in problem.candidates.iter().enumerate() {
        let mut sorted: Vec<Candidate> = list.clone();
        sorted.sort_by(|a, b| {
            (cost(a.model).total_cmp(&cost(b.model)))
                .then(b.accuracy.total_cmp(&a.accuracy))
                .then(a.model.cmp(&b.model))
        });
        for (i, c) in sorted.iter().enumerate() {
            // Only judge a model at its lowest predicate, against models cheaper or as cheap.
            if dominated[c.model] || answers[c.model].trailing_zeros() as usize != p {
                continue;
            }
            let cheaper = sorted[..i]
                .iter()
                .chain(sorted[i + 1..].iter().take_while(|o| cost(o.model) <= cost(c.model)));
            dominated[c.model] = cheaper
                .filter(|o| o.accuracy >= c.accuracy)
                .any(|o| dominates(o.model, c.model));
        }
    }
    problem
        .candidates
        .iter()
        .map(|list| list.iter().copied().filter(|c| !dominated[c.model]).collect())
        .collect()
}

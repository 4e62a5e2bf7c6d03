//! The exact search for plans charged in full (no execution order): branch and bound over which
//! *models* are bought.
//!
//! Why models and not predicates: once the set of bought models is fixed, the best plan is
//! obvious (each predicate takes its most accurate bought model), and what makes the problem
//! hard is exactly the models that could answer several predicates. The relaxation of a node
//! (module `relax`) lets every predicate choose freely, a bought model for free and an undecided
//! one at an even share of its cost over the predicates it can answer. Where the relaxed plan
//! pays a model less than its cost, the bound is optimistic; the search then branches on the
//! model with the largest unpaid remainder: buy it (its full cost is committed, its shares drop
//! to zero) or exclude it (it leaves every candidate list). A node whose relaxed plan pays every
//! model in full is solved: its plan is real and as good as its bound. Without shared models the
//! root is such a node, so the search ends there.

use std::time::Instant;

use crate::exact::{
    count_occurrences, needed_accuracy, prune_dominated, tolerance, Objective, Outcome, Settings, Solution,
};
use crate::problem::{Candidate, Problem};
use crate::relax;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Status {
    Undecided,
    Bought,
    Excluded,
}

pub(crate) fn solve(problem: &Problem, objective: Objective, settings: Settings, best: Option<Solution>) -> Outcome {
    let started = Instant::now();
    let mut candidates = prune_dominated(problem);
    if let Objective::MinCost { min_accuracy } = objective {
        drop_too_weak(problem, &mut candidates, min_accuracy);
    }
    let mut answerable = vec![0.0; problem.models.len()];
    for list in &candidates {
        for c in list {
            answerable[c.model] += 1.0;
        }
    }
    let mut occurrences = vec![0.0; problem.predicates()];
    count_occurrences(&problem.query.root, &mut occurrences);
    // Start from even shares: each model's cost split over the predicates it can answer.
    let prices = (candidates.iter())
        .map(|list| {
            list.iter()
                .map(|c| problem.models[c.model].cost / answerable[c.model])
                .collect()
        })
        .collect();
    // With whole-number costs every plan costs a whole number: cost bounds round up, and a
    // budget rounds down, for free.
    let integral = problem.models.iter().all(|m| m.cost.fract() == 0.0 && m.cost < 1e15);
    let objective = match objective {
        Objective::MaxAccuracy { budget } if integral => Objective::MaxAccuracy {
            budget: (budget + tolerance(budget)).floor(),
        },
        other => other,
    };
    let mut search = SetSearch {
        problem,
        integral,
        objective,
        candidates,
        prices,
        occurrences,
        status: vec![Status::Undecided; problem.models.len()],
        committed: 0.0,
        best,
        relative_gap: settings.relative_gap.max(0.0),
        open_bound: None,
        root_bound: None,
        nodes: 0,
        deadline: started + settings.time_limit,
        aborted: false,
    };
    search.visit();
    Outcome {
        proven: !search.aborted,
        open_bound: search.open_bound,
        root_bound: search.root_bound,
        best: search.best,
        nodes: search.nodes,
        elapsed: started.elapsed(),
    }
}

/// For a minimum accuracy: a candidate less accurate than its predicate needs even with every
/// other predicate at its best can be in no feasible plan. Dropping it also makes its model's
/// cost shares larger, so bounds get tighter.
fn drop_too_weak(problem: &Problem, candidates: &mut [Vec<Candidate>], target: f64) {
    let mut best: Vec<f64> = candidates
        .iter()
        .map(|l| l.first().map_or(0.0, |c| c.accuracy))
        .collect();
    let needs: Vec<f64> = (0..candidates.len())
        .map(|p| needed_accuracy(&problem.query, &mut best, p, target))
        .collect();
    for (list, need) in candidates.iter_mut().zip(needs) {
        list.retain(|c| c.accuracy >= need);
    }
}

struct SetSearch<'a> {
    problem: &'a Problem,
    /// Every model costs a whole number.
    integral: bool,
    objective: Objective,
    candidates: Vec<Vec<Candidate>>,
    /// Per candidate (parallel to `candidates`), the share of its model's cost it is charged in
    /// the relaxation. A model's shares never add up to more than its cost.
    prices: Vec<Vec<f64>>,
    occurrences: Vec<f64>,
    status: Vec<Status>,
    /// Cost of the bought models.
    committed: f64,
    best: Option<Solution>,
    relative_gap: f64,
    open_bound: Option<f64>,
    root_bound: Option<f64>,
    nodes: u64,
    deadline: Instant,
    aborted: bool,
}

/// What the relaxation of a node says.
struct NodeBound {
    /// Best accuracy (max-accuracy) or least cost (min-cost) any plan of the node can reach.
    bound: f64,
    /// The relaxed plan: a model per predicate.
    choice: Vec<usize>,
    /// Nothing left to search under this node.
    settled: bool,
}

/// Rounds of share shifting at the root, and at every other node (which inherits its parent's
/// shares).
const ROOT_ROUNDS: usize = 40;
const NODE_ROUNDS: usize = 3;

impl SetSearch<'_> {
    fn cost(&self, model: usize) -> f64 {
        self.problem.models[model].cost
    }

    /// What the relaxation charges predicate `p` for its `i`-th candidate (per occurrence).
    fn price(&self, p: usize, i: usize) -> f64 {
        match self.status[self.candidates[p][i].model] {
            Status::Bought => 0.0,
            _ => self.prices[p][i] / self.occurrences[p],
        }
    }

    fn visit(&mut self) {
        self.nodes += 1;
        // A node solves one or more DPs (tens of microseconds or more): the clock is cheap by
        // comparison.
        if Instant::now() >= self.deadline {
            self.aborted = true;
        }
        let saved_prices = self.prices.clone();
        let node = self.tightest_bound();
        let Some(node) = node.filter(|n| !n.settled) else {
            self.prices = saved_prices;
            return;
        };
        if self.aborted {
            self.record_open(node.bound);
            self.prices = saved_prices;
            return;
        }
        let Some(model) = self.branching_model(&node.choice) else {
            self.leaf();
            self.prices = saved_prices;
            return;
        };
        for status in [Status::Bought, Status::Excluded] {
            self.status[model] = status;
            if status == Status::Bought {
                self.committed += self.cost(model);
            }
            self.visit();
            if status == Status::Bought {
                self.committed -= self.cost(model);
            }
            if self.aborted {
                self.record_open(node.bound);
                break;
            }
        }
        self.status[model] = Status::Undecided;
        self.prices = saved_prices;
    }

    /// Bounds the node, improving the cost split between rounds (dual ascent): a model the
    /// relaxed plan uses but pays less than its cost moves share from the predicates it is not
    /// used for to those it is. Any split is a valid relaxation, so every round's bound holds
    /// and the tightest is kept. `None` when the node holds no plan; `settled` when it cannot
    /// beat the incumbent or its relaxed plan reaches its bound.
    fn tightest_bound(&mut self) -> Option<NodeBound> {
        let rounds = if self.nodes == 1 { ROOT_ROUNDS } else { NODE_ROUNDS };
        let mut tightest: Option<NodeBound> = None;
        for round in 0..rounds {
            let mut node = self.bound()?;
            let plan = Solution::evaluate(self.problem, node.choice.clone(), None);
            let reached = self.offer(plan, node.bound);
            let tighter = tightest.as_ref().is_none_or(|t| match self.objective {
                Objective::MaxAccuracy { .. } => node.bound < t.bound,
                Objective::MinCost { .. } => node.bound > t.bound,
            });
            if self.nodes == 1 && tighter {
                self.root_bound = Some(node.bound);
            }
            if reached || self.cannot_improve(node.bound) {
                node.settled = true;
                return Some(node);
            }
            if round + 1 < rounds && Instant::now() < self.deadline {
                self.shift_shares(&node.choice, 0.5 / (1.0 + round as f64 / 4.0));
            }
            let out_of_time = Instant::now() >= self.deadline;
            if tighter {
                tightest = Some(node);
            }
            if out_of_time {
                break;
            }
        }
        tightest
    }

    /// One round of dual ascent (see [`SetSearch::tightest_bound`]).
    fn shift_shares(&mut self, choice: &[usize], step: f64) {
        let mut used: Vec<(usize, u64)> = Vec::new();
        for (p, &m) in choice.iter().enumerate() {
            if self.status[m] != Status::Undecided {
                continue;
            }
            match used.iter_mut().find(|(model, _)| *model == m) {
                Some((_, mask)) => *mask |= 1 << p,
                None => used.push((m, 1 << p)),
            }
        }
        for (m, mask) in used {
            let positions: Vec<(usize, usize)> = (self.candidates.iter().enumerate())
                .filter_map(|(p, list)| list.iter().position(|c| c.model == m).map(|i| (p, i)))
                .collect();
            let paid: f64 = positions
                .iter()
                .filter(|(p, _)| mask & (1 << p) != 0)
                .map(|&(p, i)| self.prices[p][i])
                .sum();
            if paid >= self.cost(m) - tolerance(self.cost(m)) {
                continue;
            }
            let mut freed = 0.0;
            for &(p, i) in positions.iter().filter(|(p, _)| mask & (1 << p) == 0) {
                let moved = self.prices[p][i] * step;
                self.prices[p][i] -= moved;
                freed += moved;
            }
            let receivers = mask.count_ones() as f64;
            for &(p, i) in positions.iter().filter(|(p, _)| mask & (1 << p) != 0) {
                self.prices[p][i] += freed / receivers;
            }
        }
    }

    /// Solves the node's relaxation; `None` when no plan of the node can satisfy the objective.
    fn bound(&self) -> Option<NodeBound> {
        let cap = match self.objective {
            Objective::MaxAccuracy { budget } => budget + tolerance(budget) - self.committed,
            Objective::MinCost { .. } => self
                .best
                .as_ref()
                .map_or(f64::INFINITY, |b| b.cost + tolerance(b.cost) - self.committed),
        };
        if cap < 0.0 {
            return None;
        }
        let mut options = |p: usize| -> Vec<relax::Choice> {
            (self.candidates[p].iter().enumerate())
                .filter(|(_, c)| self.status[c.model] != Status::Excluded)
                .map(|(i, c)| relax::Choice {
                    price: self.price(p, i),
                    accuracy: c.accuracy,
                    model: c.model,
                })
                .collect()
        };
        let relaxed = relax::solve(&self.problem.query.root, &mut options, cap);
        let (price, accuracy, index) = match self.objective {
            Objective::MaxAccuracy { .. } => relaxed.best_within(cap)?,
            Objective::MinCost { min_accuracy } => relaxed.cheapest_reaching(min_accuracy - 1e-12)?,
        };
        let mut choice = vec![usize::MAX; self.problem.predicates()];
        let mut written = 0u64;
        relaxed.assignment(index, &mut choice, &mut written);
        let bound = match self.objective {
            Objective::MaxAccuracy { .. } => accuracy,
            Objective::MinCost { .. } if self.integral => (self.committed + price - 1e-6).ceil(),
            Objective::MinCost { .. } => self.committed + price,
        };
        Some(NodeBound {
            bound,
            choice,
            settled: false,
        })
    }

    /// Keeps `plan` if it beats the incumbent; true when it reaches the node's bound, which
    /// settles the node.
    fn offer(&mut self, plan: Solution, bound: f64) -> bool {
        if !plan.feasible(self.objective) {
            return false;
        }
        let reaches = match self.objective {
            Objective::MaxAccuracy { .. } => plan.accuracy >= bound - 1e-12,
            Objective::MinCost { .. } => plan.cost <= bound + tolerance(bound),
        };
        if self.best.as_ref().is_none_or(|b| plan.better_than(b, self.objective)) {
            self.best = Some(plan);
        }
        reaches
    }

    fn cannot_improve(&self, bound: f64) -> bool {
        let Some(best) = &self.best else { return false };
        match self.objective {
            Objective::MaxAccuracy { .. } => bound <= best.accuracy + 1e-12 + self.relative_gap * best.accuracy,
            Objective::MinCost { .. } => bound >= best.cost - tolerance(best.cost) - self.relative_gap * best.cost,
        }
    }

    fn record_open(&mut self, bound: f64) {
        self.open_bound = Some(match (self.open_bound, self.objective) {
            (None, _) => bound,
            (Some(b), Objective::MaxAccuracy { .. }) => b.max(bound),
            (Some(b), Objective::MinCost { .. }) => b.min(bound),
        });
    }

    /// The undecided model of the relaxed plan that it pays least of its cost; failing that any
    /// undecided candidate, most accurate first.
    fn branching_model(&self, choice: &[usize]) -> Option<usize> {
        let mut paid: Vec<(usize, f64)> = Vec::new();
        for (p, &m) in choice.iter().enumerate() {
            if m == usize::MAX || self.status[m] != Status::Undecided {
                continue;
            }
            let i = self.candidates[p].iter().position(|c| c.model == m).unwrap_or(0);
            let share = self.prices[p][i];
            match paid.iter_mut().find(|(model, _)| *model == m) {
                Some((_, total)) => *total += share,
                None => paid.push((m, share)),
            }
        }
        let unpaid = paid
            .iter()
            .map(|&(m, total)| (m, self.cost(m) - total))
            .filter(|&(m, rest)| rest > tolerance(self.cost(m)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((m, _)) = unpaid {
            return Some(m);
        }
        (self.candidates.iter())
            .flat_map(|list| list.iter())
            .find(|c| self.status[c.model] == Status::Undecided)
            .map(|c| c.model)
    }

    /// Every candidate is bought or excluded: each predicate takes its best bought model.
    fn leaf(&mut self) {
        let choice: Option<Vec<usize>> = (self.candidates.iter())
            .map(|list| {
                list.iter()
                    .find(|c| self.status[c.model] == Status::Bought)
                    .map(|c| c.model)
            })
            .collect();
        if let Some(choice) = choice {
            let plan = Solution::evaluate(self.problem, choice, None);
            self.offer(plan, f64::NAN);
        }
    }
}

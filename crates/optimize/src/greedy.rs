//! The greedy baselines the exact optimiser is compared with (our reading of the heuristics in
//! the ICWE 2023 paper): start from the extreme plan and make the single model swap with the best
//! exchange rate until the constraint holds.
//! - Max accuracy under a budget: start with the most accurate model per predicate; while over
//!   budget, swap in the model that saves the most cost per unit of query accuracy lost.
//! - Min cost at an accuracy: start with the cheapest model per predicate; while not accurate
//!   enough, swap in the model that gains the most query accuracy per unit of cost added.
//!
//! Swaps are judged on the total cost (each distinct model paid once); under ordering, the plan
//! is then charged in its best order, and the budget checked on that.

use crate::exact::{Objective, Solution};
use crate::problem::Problem;

pub fn solve(problem: &Problem, objective: Objective, selectivity: Option<&[f64]>) -> Option<Solution> {
    let mut state = State::new(problem, objective)?;
    loop {
        let solution = Solution::evaluate(problem, state.choice.clone(), selectivity);
        if solution.feasible(objective) {
            return Some(solution);
        }
        let (p, model, accuracy) = state.best_swap()?;
        state.swap(p, model, accuracy);
    }
}

struct State<'a> {
    problem: &'a Problem,
    objective: Objective,
    choice: Vec<usize>,
    accuracy: Vec<f64>,
    /// Per model, how many predicates it answers in the plan.
    uses: Vec<u32>,
}

impl<'a> State<'a> {
    fn new(problem: &'a Problem, objective: Objective) -> Option<State<'a>> {
        let mut choice = Vec::with_capacity(problem.predicates());
        let mut accuracy = Vec::with_capacity(problem.predicates());
        for list in &problem.candidates {
            let start = match objective {
                Objective::MaxAccuracy { .. } => list.first(),
                Objective::MinCost { .. } => list.iter().min_by(|a, b| {
                    let (ca, cb) = (problem.models[a.model].cost, problem.models[b.model].cost);
                    ca.total_cmp(&cb).then(b.accuracy.total_cmp(&a.accuracy))
                }),
            }?;
            choice.push(start.model);
            accuracy.push(start.accuracy);
        }
        let mut uses = vec![0; problem.models.len()];
        for &m in &choice {
            uses[m] += 1;
        }
        Some(State {
            problem,
            objective,
            choice,
            accuracy,
            uses,
        })
    }

    fn swap(&mut self, p: usize, model: usize, accuracy: f64) {
        self.uses[self.choice[p]] -= 1;
        self.uses[model] += 1;
        self.choice[p] = model;
        self.accuracy[p] = accuracy;
    }

    /// The swap with the best exchange rate that moves towards the constraint.
    fn best_swap(&mut self) -> Option<(usize, usize, f64)> {
        let now = self.problem.query.accuracy(&self.accuracy);
        let mut best: Option<(f64, (usize, usize, f64))> = None;
        for p in 0..self.choice.len() {
            let current = self.choice[p];
            let saved_accuracy = self.accuracy[p];
            for c in &self.problem.candidates[p] {
                if c.model == current {
                    continue;
                }
                let released = if self.uses[current] == 1 {
                    self.problem.models[current].cost
                } else {
                    0.0
                };
                let added = if self.uses[c.model] == 0 {
                    self.problem.models[c.model].cost
                } else {
                    0.0
                };
                self.accuracy[p] = c.accuracy;
                let after = self.problem.query.accuracy(&self.accuracy);
                let score = match self.objective {
                    Objective::MaxAccuracy { .. } => {
                        let saving = released - added;
                        (saving > 0.0).then(|| saving / (now - after).max(1e-12))
                    }
                    Objective::MinCost { .. } => {
                        let gain = after - now;
                        (gain > 1e-15).then(|| gain / (added - released).max(1e-12))
                    }
                };
                if let Some(score) = score {
                    if best.as_ref().is_none_or(|(s, _)| score > *s) {
                        best = Some((score, (p, c.model, c.accuracy)));
                    }
                }
            }
            self.accuracy[p] = saved_accuracy;
        }
        best.map(|(_, swap)| swap)
    }
}

/// Plans built model by model rather than predicate by predicate, to seed the exact search:
/// when models answer many predicates, the cheapest plans buy a few versatile models, which the
/// swap greedy above rarely reaches. Models are added by gain per unit cost (covering every
/// predicate first, then accuracy), and for a minimum accuracy, models that turn out redundant
/// are dropped again, dearest first.
pub fn model_sets(problem: &Problem, objective: Objective, selectivity: Option<&[f64]>) -> Vec<Solution> {
    let mut set = ModelSet::new(problem);
    let built = match objective {
        Objective::MinCost { min_accuracy } => set.build_to_accuracy(min_accuracy),
        Objective::MaxAccuracy { budget } => set.build_within(budget),
    };
    if !built {
        return Vec::new();
    }
    let solution = Solution::evaluate(problem, set.choice(), selectivity);
    if solution.feasible(objective) {
        vec![solution]
    } else {
        Vec::new()
    }
}

struct ModelSet<'a> {
    problem: &'a Problem,
    /// Per model, the predicates it answers with their accuracy.
    answers: Vec<Vec<(usize, f64)>>,
    chosen: Vec<bool>,
    spent: f64,
}

impl<'a> ModelSet<'a> {
    fn new(problem: &'a Problem) -> ModelSet<'a> {
        let mut answers = vec![Vec::new(); problem.models.len()];
        for (p, list) in problem.candidates.iter().enumerate() {
            for c in list {
                answers[c.model].push((p, c.accuracy));
            }
        }
        ModelSet {
            problem,
            answers,
            chosen: vec![false; problem.models.len()],
            spent: 0.0,
        }
    }

    /// Per predicate, the best (accuracy, model) among the chosen models; accuracy -1 if none.
    fn best(&self) -> Vec<(f64, usize)> {
        let mut best = vec![(-1.0, usize::MAX); self.problem.predicates()];
        for (m, answers) in self.answers.iter().enumerate() {
            if self.chosen[m] {
                for &(p, acc) in answers {
                    if acc > best[p].0 {
                        best[p] = (acc, m);
                    }
                }
            }
        }
        best
    }

    fn choice(&self) -> Vec<usize> {
        self.best().iter().map(|&(_, m)| m).collect()
    }

    fn query_accuracy(&self, best: &[(f64, usize)]) -> f64 {
        let acc: Vec<f64> = best.iter().map(|&(a, _)| a.max(0.0)).collect();
        self.problem.query.accuracy(&acc)
    }

    /// What adding `m` is worth: newly covered predicates count 1 each plus their accuracy while
    /// some predicate is uncovered; afterwards, the query accuracy gained.
    fn gain(&self, m: usize, best: &mut [(f64, usize)], covered: bool, now: f64) -> f64 {
        if !covered {
            return (self.answers[m].iter())
                .map(|&(p, acc)| {
                    if best[p].0 < 0.0 {
                        1.0 + acc
                    } else {
                        (acc - best[p].0).max(0.0)
                    }
                })
                .sum();
        }
        let saved: Vec<(usize, (f64, usize))> = self.answers[m].iter().map(|&(p, _)| (p, best[p])).collect();
        for &(p, acc) in &self.answers[m] {
            if acc > best[p].0 {
                best[p] = (acc, m);
            }
        }
        let gained = self.query_accuracy(best) - now;
        for (p, old) in saved {
            best[p] = old;
        }
        gained
    }

    /// Adds the model with the best gain per cost among those that keep the total within
    /// `budget`; false if none gains.
    fn add_best(&mut self, budget: f64) -> bool {
        let mut best = self.best();
        let covered = best.iter().all(|&(a, _)| a >= 0.0);
        let now = self.query_accuracy(&best);
        let mut pick: Option<(f64, usize)> = None;
        for m in 0..self.answers.len() {
            let cost = self.problem.models[m].cost;
            if self.chosen[m] || self.spent + cost > budget {
                continue;
            }
            let gain = self.gain(m, &mut best, covered, now);
            let score = gain / cost.max(1e-9);
            if gain > 1e-15 && pick.is_none_or(|(s, _)| score > s) {
                pick = Some((score, m));
            }
        }
        match pick {
            Some((_, m)) => {
                self.chosen[m] = true;
                self.spent += self.problem.models[m].cost;
                true
            }
            None => false,
        }
    }

    fn build_to_accuracy(&mut self, target: f64) -> bool {
        loop {
            let best = self.best();
            if best.iter().all(|&(a, _)| a >= 0.0) && self.query_accuracy(&best) >= target {
                break;
            }
            if !self.add_best(f64::INFINITY) {
                return false;
            }
        }
        // Drop what is no longer needed, dearest first.
        let mut chosen: Vec<usize> = (0..self.chosen.len()).filter(|&m| self.chosen[m]).collect();
        chosen.sort_by(|&a, &b| self.problem.models[b].cost.total_cmp(&self.problem.models[a].cost));
        for m in chosen {
            self.chosen[m] = false;
            let best = self.best();
            if best.iter().all(|&(a, _)| a >= 0.0) && self.query_accuracy(&best) >= target {
                self.spent -= self.problem.models[m].cost;
            } else {
                self.chosen[m] = true;
            }
        }
        true
    }

    fn build_within(&mut self, budget: f64) -> bool {
        while self.add_best(budget) {}
        self.best().iter().all(|&(a, _)| a >= 0.0)
    }
}

//! Property test: on thousands of random small instances, the exact optimiser's objective equals
//! the best found by enumerating every assignment, for both objectives, with and without ordering.
//! Instances have up to 10 predicates, up to 25 candidate models per predicate, models shared
//! between predicates, repeated labels, negations, ties in cost and accuracy, and budgets or
//! accuracy targets anywhere from infeasible to slack.

use std::time::Duration;

use macaroni_optimize::{exact, greedy, Catalog, Objective, Problem, Query, Settings, Solution};

/// xorshift64*: enough randomness for instance generation, reproducible from the seed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A random formula using every one of `labels`, sometimes one twice.
fn formula(rng: &mut Random, labels: &[String]) -> String {
    let mut terms: Vec<String> = labels.to_vec();
    if labels.len() > 1 && rng.chance(0.15) {
        let again = labels[rng.below(labels.len())].clone();
        terms.push(again);
    }
    for t in terms.iter_mut() {
        if rng.chance(0.15) {
            *t = format!("~{t}");
        }
    }
    // Combine random neighbours until one term is left.
    while terms.len() > 1 {
        let i = rng.below(terms.len() - 1);
        let right = terms.remove(i + 1);
        let op = if rng.chance(0.5) { "&" } else { "|" };
        terms[i] = format!("({} {op} {right})", terms[i]);
    }
    terms.remove(0)
}

struct Instance {
    problem: Problem,
}

fn instance(rng: &mut Random, max_predicates: usize, max_assignments: usize) -> Instance {
    let k = 1 + rng.below(max_predicates);
    let labels: Vec<String> = (0..k).map(|i| format!("l{i}")).collect();
    let query = Query::parse(&formula(rng, &labels)).unwrap();
    let mut catalog = Catalog::default();
    let models = 1 + rng.below(30);
    let integer_costs = rng.chance(0.5);
    let share = rng.unit();
    for m in 0..models {
        let cost = if integer_costs {
            (1 + rng.below(12)) as f64
        } else {
            0.5 + 20.0 * rng.unit()
        };
        let id = catalog.add_model(&format!("m{m}"), cost, None);
        // Each model answers one label, and others with probability `share`.
        let first = rng.below(k);
        for (p, label) in labels.iter().enumerate() {
            if p == first || rng.chance(share * 0.5) {
                let accuracy = if rng.chance(0.2) {
                    0.5 // ties
                } else {
                    (rng.unit() * 100.0).round() / 100.0
                };
                catalog.add_predictor(label, id, accuracy);
            }
        }
    }
    // Every label answerable; lists cut until enumeration stays affordable.
    for label in &labels {
        if !catalog.predictors.contains_key(label) {
            let id = catalog.add_model(&format!("extra-{label}"), 3.0, None);
            catalog.add_predictor(label, id, 0.7);
        }
    }
    loop {
        let sizes: Vec<usize> = labels.iter().map(|l| catalog.predictors[l].len()).collect();
        let product: usize = sizes.iter().product();
        if product <= max_assignments && sizes.iter().all(|&s| s <= 25) {
            break;
        }
        let longest = (0..k).max_by_key(|&p| sizes[p]).unwrap();
        let list = catalog.predictors.get_mut(&labels[longest]).unwrap();
        let drop = rng.below(list.len());
        list.remove(drop);
    }
    for label in &labels {
        catalog.selectivity.insert(label.clone(), 0.02 + 0.96 * rng.unit());
    }
    Instance {
        problem: Problem::new(query, &catalog).unwrap(),
    }
}

/// Every assignment, evaluated.
fn enumerate(problem: &Problem, ordered: bool) -> Vec<Solution> {
    let sizes: Vec<usize> = problem.candidates.iter().map(Vec::len).collect();
    let mut digits = vec![0usize; sizes.len()];
    let mut all = Vec::new();
    loop {
        let choice: Vec<usize> = digits
            .iter()
            .enumerate()
            .map(|(p, &d)| problem.candidates[p][d].model)
            .collect();
        let selectivity = if ordered { problem.selectivity.as_deref() } else { None };
        all.push(Solution::evaluate(problem, choice, selectivity));
        let mut p = 0;
        loop {
            if p == sizes.len() {
                return all;
            }
            digits[p] += 1;
            if digits[p] < sizes[p] {
                break;
            }
            digits[p] = 0;
            p += 1;
        }
    }
}

fn objectives(rng: &mut Random, all: &[Solution]) -> [Objective; 2] {
    let (lo_cost, hi_cost) = all
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), s| (lo.min(s.cost), hi.max(s.cost)));
    let (lo_acc, hi_acc) = all
        .iter()
        .fold((1.0f64, 0.0f64), |(lo, hi), s| (lo.min(s.accuracy), hi.max(s.accuracy)));
    // From a little below the cheapest (infeasible) to above the dearest; likewise for accuracy.
    let budget = lo_cost * 0.95 + (hi_cost * 1.05 - lo_cost * 0.95) * rng.unit();
    let target = lo_acc + (hi_acc * 1.02 - lo_acc) * rng.unit();
    let pick_existing = rng.chance(0.2);
    let budget = if pick_existing {
        all[rng.below(all.len())].cost
    } else {
        budget
    };
    let target = if pick_existing {
        all[rng.below(all.len())].accuracy
    } else {
        target
    };
    [
        Objective::MaxAccuracy { budget },
        Objective::MinCost { min_accuracy: target },
    ]
}

fn optimum(all: &[Solution], objective: Objective) -> Option<&Solution> {
    all.iter()
        .filter(|s| s.feasible(objective))
        .fold(None, |best: Option<&Solution>, s| match best {
            Some(b) if !s.better_than(b, objective) => Some(b),
            _ => Some(s),
        })
}

fn check(seed: u64, instances: usize, max_predicates: usize, max_assignments: usize, ordered: bool) {
    let mut rng = Random(seed);
    let settings = Settings {
        ordered,
        // No deadline: a slow machine must not turn a proof into a failure.
        time_limit: Duration::from_secs(24 * 3600),
        relative_gap: 0.0,
    };
    let (mut feasible, mut greedy_worse) = (0, 0);
    for n in 0..instances {
        let Instance { problem } = instance(&mut rng, max_predicates, max_assignments);
        let all = enumerate(&problem, ordered);
        for objective in objectives(&mut rng, &all) {
            let context = format!(
                "instance {n} ({}), {objective:?}, ordered {ordered}",
                problem.query.text
            );
            let brute = optimum(&all, objective);
            let selectivity = if ordered { problem.selectivity.as_deref() } else { None };
            let baseline = greedy::solve(&problem, objective, selectivity);
            let outcome = exact::solve(&problem, objective, settings, baseline.clone());
            assert!(outcome.proven, "{context}: not proven");
            match (brute, &outcome.best) {
                (None, None) => {}
                (Some(b), Some(found)) => {
                    feasible += 1;
                    assert!(found.feasible(objective), "{context}: infeasible plan returned");
                    let again = Solution::evaluate(&problem, found.choice.clone(), selectivity);
                    assert!((again.accuracy - found.accuracy).abs() < 1e-12 && (again.cost - found.cost).abs() < 1e-9);
                    match objective {
                        Objective::MaxAccuracy { .. } => {
                            assert!(
                                (found.accuracy - b.accuracy).abs() < 1e-9,
                                "{context}: {} vs {}",
                                found.accuracy,
                                b.accuracy
                            )
                        }
                        Objective::MinCost { .. } => {
                            assert!(
                                (found.cost - b.cost).abs() < 1e-6,
                                "{context}: {} vs {}",
                                found.cost,
                                b.cost
                            )
                        }
                    }
                    if let Some(g) = &baseline {
                        assert!(
                            !g.better_than(found, objective),
                            "{context}: greedy beat the exact plan"
                        );
                        greedy_worse += usize::from(found.better_than(g, objective));
                    }
                }
                (b, found) => panic!("{context}: enumeration {b:?}, optimiser {found:?}"),
            }
        }
    }
    // The instances must exercise real choices, not only trivial or infeasible ones.
    assert!(
        feasible > instances,
        "only {feasible} feasible objectives of {}",
        2 * instances
    );
    assert!(greedy_worse > 0, "greedy was never beaten: the instances are too easy");
}

#[test]
fn exact_equals_enumeration_without_ordering() {
    check(0x5EED_0001, 1500, 10, 20_000, false);
}

#[test]
fn exact_equals_enumeration_with_ordering() {
    check(0x5EED_0002, 600, 7, 3_000, true);
}

//! A plan: one model per predicate. Its accuracy, its cost (each distinct model paid once) and,
//! under short-circuit evaluation, the execution order with the least expected cost.

use crate::problem::Problem;

/// Execution orders are found exactly (dynamic programming over subsets of models) up to this
/// many distinct models; above it a ratio rule plus adjacent swaps gives a good, unproven order.
pub const EXACT_ORDER_MAX_MODELS: usize = 14;

/// The distinct models of a plan, each with the mask of predicates it answers.
pub fn models_of(choice: &[usize]) -> Vec<(usize, u64)> {
    let mut used: Vec<(usize, u64)> = Vec::with_capacity(choice.len());
    for (predicate, &model) in choice.iter().enumerate() {
        match used.iter_mut().find(|(m, _)| *m == model) {
            Some((_, mask)) => *mask |= 1 << predicate,
            None => used.push((model, 1 << predicate)),
        }
    }
    used
}

pub fn accuracy(problem: &Problem, choice: &[usize]) -> f64 {
    let acc: Vec<f64> = choice
        .iter()
        .enumerate()
        .map(|(p, &m)| {
            problem.candidates[p]
                .iter()
                .find(|c| c.model == m)
                .map_or(0.0, |c| c.accuracy)
        })
        .collect();
    problem.query.accuracy(&acc)
}

/// Sum of the costs of the distinct models used.
pub fn total_cost(problem: &Problem, choice: &[usize]) -> f64 {
    models_of(choice).iter().map(|&(m, _)| problem.models[m].cost).sum()
}

/// Total memory of the distinct models, when every one of them states it.
pub fn total_memory(problem: &Problem, choice: &[usize]) -> Option<f64> {
    models_of(choice)
        .iter()
        .map(|&(m, _)| problem.models[m].memory_mb)
        .sum()
}

/// Models in the order they run, each charged its cost times the fraction of items that still
/// need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// (model index, mask of the predicates it answers, fraction of items it runs on).
    pub steps: Vec<(usize, u64, f64)>,
    pub expected_cost: f64,
    /// Whether the order is proven the cheapest (false above [`EXACT_ORDER_MAX_MODELS`]).
    pub exact: bool,
}

/// The cheapest execution order of a plan's models.
pub fn best_order(problem: &Problem, choice: &[usize], selectivity: &[f64]) -> Order {
    let used = models_of(choice);
    let sequence = if used.len() <= EXACT_ORDER_MAX_MODELS {
        exact_sequence(problem, &used, selectivity)
    } else {
        improved_sequence(problem, &used, selectivity)
    };
    let mut known = 0u64;
    let mut steps = Vec::with_capacity(sequence.len());
    let mut expected_cost = 0.0;
    for index in sequence {
        let (model, mask) = used[index];
        let fraction = problem.query.undetermined(known, selectivity);
        expected_cost += problem.models[model].cost * fraction;
        steps.push((model, mask, fraction));
        known |= mask;
    }
    Order {
        steps,
        expected_cost,
        exact: used.len() <= EXACT_ORDER_MAX_MODELS,
    }
}

/// Expected cost of running `used` in the given sequence.
fn sequence_cost(problem: &Problem, used: &[(usize, u64)], sequence: &[usize], selectivity: &[f64]) -> f64 {
    let mut known = 0u64;
    let mut total = 0.0;
    for &index in sequence {
        let (model, mask) = used[index];
        total += problem.models[model].cost * problem.query.undetermined(known, selectivity);
        known |= mask;
    }
    total
}

/// Dynamic programming over subsets: the cheapest way to have run exactly the models of a
/// subset depends only on the subset, because what is known afterwards does.
fn exact_sequence(problem: &Problem, used: &[(usize, u64)], selectivity: &[f64]) -> Vec<usize> {
    let n = used.len();
    let full = (1usize << n) - 1;
    let mut best = vec![f64::INFINITY; full + 1];
    let mut last = vec![usize::MAX; full + 1];
    best[0] = 0.0;
    for subset in 0..full {
        if best[subset].is_infinite() {
            continue;
        }
        let known = (0..n)
            .filter(|i| subset & (1 << i) != 0)
            .fold(0u64, |acc, i| acc | used[i].1);
        let open = problem.query.undetermined(known, selectivity);
        for (i, &(model, _)) in used.iter().enumerate() {
            if subset & (1 << i) != 0 {
                continue;
            }
            let next = subset | (1 << i);
            let cost = best[subset] + problem.models[model].cost * open;
            if cost < best[next] {
                best[next] = cost;
                last[next] = i;
            }
        }
    }
    let mut sequence = Vec::with_capacity(n);
    let mut subset = full;
    while subset != 0 {
        let i = last[subset];
        sequence.push(i);
        subset &= !(1 << i);
    }
    sequence.reverse();
    sequence
}

/// Greedy by cost per unit of probability settled, then adjacent swaps while they help.
fn improved_sequence(problem: &Problem, used: &[(usize, u64)], selectivity: &[f64]) -> Vec<usize> {
    let mut remaining: Vec<usize> = (0..used.len()).collect();
    let mut sequence = Vec::with_capacity(used.len());
    let mut known = 0u64;
    while !remaining.is_empty() {
        let open = problem.query.undetermined(known, selectivity);
        let score = |i: usize| {
            let (model, mask) = used[i];
            let settled = open - problem.query.undetermined(known | mask, selectivity);
            problem.models[model].cost / (settled + 1e-12)
        };
        let (at, _) = remaining
            .iter()
            .enumerate()
            .map(|(at, &i)| (at, score(i)))
            .fold((0, f64::INFINITY), |best, cur| if cur.1 < best.1 { cur } else { best });
        let chosen = remaining.remove(at);
        known |= used[chosen].1;
        sequence.push(chosen);
    }
    let mut cost = sequence_cost(problem, used, &sequence, selectivity);
    let mut improved = true;
    while improved {
        improved = false;
        for i in 0..sequence.len().saturating_sub(1) {
            sequence.swap(i, i + 1);
            let swapped = sequence_cost(problem, used, &sequence, selectivity);
            if swapped + 1e-12 < cost {
                cost = swapped;
                improved = true;
            } else {
                sequence.swap(i, i + 1);
            }
        }
    }
    sequence
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Query;
    use crate::problem::Catalog;

    fn problem(query: &str, costs: &[f64]) -> Problem {
        let mut catalog = Catalog::default();
        let q = Query::parse(query).unwrap();
        for (i, cost) in costs.iter().enumerate() {
            let m = catalog.add_model(&format!("m{i}"), *cost, None);
            catalog.add_predictor(&q.labels[i % q.labels.len()], m, 0.9);
        }
        Problem::new(q, &catalog).unwrap()
    }

    fn permutations(items: Vec<usize>) -> Vec<Vec<usize>> {
        if items.len() <= 1 {
            return vec![items];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.clone();
            let head = rest.remove(i);
            for mut tail in permutations(rest) {
                tail.insert(0, head);
                out.push(tail);
            }
        }
        out
    }

    #[test]
    fn shared_models_are_paid_once() {
        let p = problem("a & b", &[10.0, 20.0]);
        // The single candidate of `a` is model 0, of `b` model 1.
        assert_eq!(total_cost(&p, &[0, 1]), 30.0);
        assert_eq!(models_of(&[3, 3, 4]), vec![(3, 0b011), (4, 0b100)]);
    }

    #[test]
    fn exact_order_matches_every_permutation() {
        let queries = [
            "(a | b) & c & (d | ~e) & f",
            "a | (b & c) | (d & e & f)",
            "((a & b) | c) & ~(d | e) & f",
        ];
        let selectivity = [0.3, 0.7, 0.05, 0.5, 0.9, 0.2];
        for query in queries {
            let p = problem(query, &[5.0, 9.0, 2.0, 7.0, 3.0, 8.0]);
            let choice: Vec<usize> = (0..6).collect();
            let order = best_order(&p, &choice, &selectivity);
            assert!(order.exact);
            let used = models_of(&choice);
            let brute = permutations((0..used.len()).collect())
                .iter()
                .map(|s| sequence_cost(&p, &used, s, &selectivity))
                .fold(f64::INFINITY, f64::min);
            assert!(
                (order.expected_cost - brute).abs() < 1e-9,
                "{query}: {} vs {brute}",
                order.expected_cost
            );
            assert_eq!(order.steps[0].2, 1.0, "the first model runs on every item");
        }
    }

    #[test]
    fn the_heuristic_order_is_a_real_order_and_never_worse_than_the_given_one() {
        let labels: Vec<String> = (0..16).map(|i| format!("l{i}")).collect();
        let query = labels.join(" & ");
        let costs: Vec<f64> = (0..16).map(|i| 1.0 + (i * 7 % 11) as f64).collect();
        let p = problem(&query, &costs);
        let selectivity: Vec<f64> = (0..16).map(|i| 0.05 + 0.06 * i as f64).collect();
        let choice: Vec<usize> = (0..16).collect();
        let order = best_order(&p, &choice, &selectivity);
        assert!(!order.exact);
        assert_eq!(order.steps.len(), 16);
        let used = models_of(&choice);
        let natural: Vec<usize> = (0..16).collect();
        assert!(order.expected_cost <= sequence_cost(&p, &used, &natural, &selectivity) + 1e-9);
        let total: f64 = costs.iter().sum();
        assert!(order.expected_cost < total);
    }
}

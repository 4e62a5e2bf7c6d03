//! The real workload of the ICWE 2023 code: COCO queries (CNF and DNF) over the per-class
//! accuracy matrix of 125 models, read through the readers and the store as a user would.
//! Expectations come from the CSV files themselves: plan figures are recomputed from the raw
//! cells, and small queries are checked against enumeration of every assignment.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use macaroni_optimize::{catalog_from_store, exact, optimize, pareto, Objective, Problem, Query, Settings, Solution};
use macaroni_sources::{collect_files, read_document, shared_data_or_skip, ReadContext, ReaderKind};
use macaroni_store::{SourceBatch, Store};

fn ingest(store: &mut Store, reader: ReaderKind, path: &Path) {
    let ctx = ReadContext {
        observed_at: "2026-11-27T00:00:00Z".into(),
        label_taxonomy: Some("coco".into()),
    };
    let (files, _) = collect_files(reader, &[path.to_path_buf()]);
    for (root, file) in files {
        let doc = read_document(&root, &file).unwrap();
        let out = reader.read(&doc, &ctx);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        store
            .apply(
                &[SourceBatch {
                    uri: doc.uri,
                    records: out.records,
                }],
                &ctx.observed_at,
            )
            .unwrap();
    }
}

/// The matrix as written: model → (cost, label → accuracy).
type Matrix = HashMap<String, (f64, HashMap<String, f64>)>;

fn raw_matrix(path: &Path) -> Matrix {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let mut matrix = HashMap::new();
    for row in reader.records() {
        let row = row.unwrap();
        let mut cost = f64::NAN;
        let mut accuracy = HashMap::new();
        for (column, cell) in header.iter().zip(row.iter()).skip(1) {
            if column == "cost" {
                cost = cell.parse().unwrap();
            } else if !cell.is_empty() {
                accuracy.insert(column.clone(), cell.parse().unwrap());
            }
        }
        matrix.insert(format!("matrix:model_stats_ap/{}", &row[0]), (cost, accuracy));
    }
    matrix
}

fn queries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for file in ["coco_query_cnf_gt.csv", "coco_query_dnf_gt.csv"] {
        let mut reader = csv::Reader::from_path(dir.join(file)).unwrap();
        let column = reader.headers().unwrap().iter().position(|h| h == "query").unwrap();
        for row in reader.records() {
            out.push(row.unwrap()[column].to_string());
        }
    }
    out
}

/// Accuracy and total cost of a plan recomputed from the raw matrix, by the documented algebra.
fn recompute(problem: &Problem, solution: &Solution, matrix: &Matrix) -> (f64, f64) {
    let mut used = Vec::new();
    let acc: Vec<f64> = (problem.query.labels.iter().zip(&solution.choice))
        .map(|(label, &m)| {
            let id = &problem.models[m].id;
            if !used.contains(id) {
                used.push(id.clone());
            }
            matrix[id].1[label]
        })
        .collect();
    let cost = used.iter().map(|id| matrix[id].0).sum();
    (problem.query.accuracy(&acc), cost)
}

fn enumerate_best(problem: &Problem, objective: Objective) -> Option<Solution> {
    let sizes: Vec<usize> = problem.candidates.iter().map(Vec::len).collect();
    let mut digits = vec![0usize; sizes.len()];
    let mut best: Option<Solution> = None;
    'outer: loop {
        let choice = (digits.iter().enumerate())
            .map(|(p, &d)| problem.candidates[p][d].model)
            .collect();
        let s = Solution::evaluate(problem, choice, None);
        if s.feasible(objective) && best.as_ref().is_none_or(|b| s.better_than(b, objective)) {
            best = Some(s);
        }
        for p in 0..sizes.len() {
            digits[p] += 1;
            if digits[p] < sizes[p] {
                continue 'outer;
            }
            digits[p] = 0;
        }
        return best;
    }
}

/// The shared data's folder and a store holding its COCO matrix and selectivities.
fn coco_store() -> Option<(std::path::PathBuf, Store)> {
    let dir = shared_data_or_skip()?.join("zlizy-optimizer");
    let mut store = Store::open_in_memory().unwrap();
    ingest(&mut store, ReaderKind::ZooMatrix, &dir.join("model_stats_ap.csv"));
    ingest(&mut store, ReaderKind::LabelStats, &dir.join("coco_selectivity.csv"));
    Some((dir, store))
}

#[test]
fn coco_queries_get_optimal_plans_never_worse_than_greedy() {
    let Some((dir, store)) = coco_store() else { return };
    let matrix = raw_matrix(&dir.join("model_stats_ap.csv"));
    let settings = Settings {
        ordered: false,
        // No deadline: a slow machine must not turn a proof into a failure.
        time_limit: Duration::from_secs(24 * 3600),
        relative_gap: 0.0,
    };
    let queries = queries(&dir);
    assert_eq!(queries.len(), 10);
    let mut greedy_beaten = 0;
    for text in &queries {
        let query = Query::parse(text).unwrap();
        let loaded = catalog_from_store(&store, &query.labels, None, None).unwrap();
        assert_eq!(loaded.taxonomy, "coco");
        assert_eq!(loaded.selectivity_from.as_deref(), Some("instance:coco/label-stats"));
        let problem = Problem::new(query, &loaded.catalog).unwrap();
        // Every model of the matrix with a cell for a query label is a candidate.
        for (label, list) in problem.query.labels.iter().zip(&problem.candidates) {
            let expected = matrix.values().filter(|(_, acc)| acc.contains_key(label)).count();
            assert_eq!(list.len(), expected, "{text}: candidates of {label}");
        }
        let cheapest = exact::solve(&problem, Objective::MinCost { min_accuracy: 0.0 }, settings, None);
        let floor = cheapest.best.unwrap().cost;
        let small = problem.candidates.iter().map(Vec::len).product::<usize>() <= 2_000_000;
        for factor in [1.0, 1.25, 1.5, 2.0, 3.0] {
            for objective in [
                Objective::MaxAccuracy { budget: floor * factor },
                Objective::MinCost {
                    min_accuracy: 0.2 * factor,
                },
            ] {
                let report = optimize(&problem, objective, settings).unwrap();
                assert!(report.exact.proven, "{text} {objective:?}");
                let Some(best) = &report.exact.best else {
                    assert!(matches!(objective, Objective::MinCost { .. }));
                    continue;
                };
                assert!(best.feasible(objective));
                let (accuracy, cost) = recompute(&problem, best, &matrix);
                assert!((accuracy - best.accuracy).abs() < 1e-12 && (cost - best.cost).abs() < 1e-9);
                if let Some(greedy) = &report.greedy {
                    assert!(!greedy.better_than(best, objective), "{text} {objective:?}: greedy won");
                    greedy_beaten += usize::from(best.better_than(greedy, objective));
                }
                if small {
                    let brute = enumerate_best(&problem, objective).unwrap();
                    assert!(
                        !brute.better_than(best, objective),
                        "{text} {objective:?}: enumeration found better"
                    );
                }
            }
        }
    }
    assert!(greedy_beaten > 0, "the greedy baseline was optimal on every COCO case");
}

#[test]
fn ordering_by_selectivity_cuts_the_expected_cost_of_coco_queries() {
    let Some((_, store)) = coco_store() else { return };
    let text = "(person | car) & (cup | bowl)";
    let query = Query::parse(text).unwrap();
    let loaded = catalog_from_store(&store, &query.labels, Some("coco"), Some("coco")).unwrap();
    let problem = Problem::new(query, &loaded.catalog).unwrap();
    let selectivity = problem.selectivity.clone().unwrap();
    // Selectivities are the file's: person 0.2992.
    assert_eq!(selectivity[0], 0.2992);
    let ordered = Settings {
        ordered: true,
        // No deadline: a slow machine must not turn a proof into a failure.
        time_limit: Duration::from_secs(24 * 3600),
        relative_gap: 0.0,
    };
    let objective = Objective::MinCost { min_accuracy: 0.5 };
    let plain = optimize(
        &problem,
        objective,
        Settings {
            ordered: false,
            ..ordered
        },
    )
    .unwrap();
    let with_order = optimize(&problem, objective, ordered).unwrap();
    assert!(plain.exact.proven && with_order.exact.proven);
    let (plain, with_order) = (plain.exact.best.unwrap(), with_order.exact.best.unwrap());
    // The ordered optimum is charged less than the unordered one, and no more than the unordered
    // optimum's own plan run in its best order.
    assert!(with_order.cost < plain.cost);
    let plain_in_order = Solution::evaluate(&problem, plain.choice.clone(), Some(&selectivity));
    assert!(with_order.cost <= plain_in_order.cost + 1e-9);
    // The Pareto front is strictly monotone: each point cheaper and less accurate than the last.
    let front = pareto(
        &problem,
        Settings {
            ordered: false,
            ..ordered
        },
        500,
    )
    .unwrap();
    assert!(front.proven && !front.truncated && front.points.len() > 3);
    for pair in front.points.windows(2) {
        assert!(pair[1].cost < pair[0].cost && pair[1].accuracy < pair[0].accuracy);
    }
}

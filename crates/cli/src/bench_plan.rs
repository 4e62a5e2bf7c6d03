//! `macaroni bench plan`: the optimiser on synthetic zoos and queries shaped like the setup of
//! the ICWE 2023 paper (200–1,600 models, 20–80 tasks, 2–32 predicates in CNF and DNF, uniform or
//! power-law accuracies), timed the way its run_summary.csv is: total seconds to optimise the
//! first 50, 100, 150 and 200 queries of a zoo.
//!
//! Zoo density follows ../shared/data/zlizy-optimizer/model_stats_ap.csv, where a model answers
//! 1 to 33 of the 80 COCO classes (14 on average) and costs 22 to 102: here a model answers a
//! uniform 1 to 40% of the tasks and costs a uniform integer in 20..=100.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use macaroni_optimize::{optimize, Catalog, Objective, Problem, Query, Report, Settings};

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Distribution {
    /// Accuracy uniform in [0, 1).
    Uniform,
    /// Accuracy u^(1/3) for uniform u: density 3a², most models good, few poor.
    PowerLaw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sharing {
    /// Each model answers one task (no model is shared between predicates).
    None,
    /// Each model answers a uniform 1 to 40% of the tasks, as dense as model_stats_ap.csv.
    Coco,
}

/// What `macaroni bench plan` was asked.
pub struct PlanBench {
    pub models: Vec<usize>,
    pub tasks: Vec<usize>,
    pub queries: usize,
    pub distribution: Distribution,
    pub sharing: Sharing,
    pub time_limit: Duration,
    pub seed: u64,
    pub shared: Option<std::path::PathBuf>,
    /// Print each query's search to standard error.
    pub per_query: bool,
}

/// The query counts the paper's summary reports at.
const QUERY_STEPS: [usize; 4] = [50, 100, 150, 200];
const PREDICATES: [usize; 5] = [2, 4, 8, 16, 32];

pub fn run(bench: PlanBench) -> anyhow::Result<ExitCode> {
    let paper = bench.shared.as_deref().map(paper_times).unwrap_or_default();
    say!(
        "| models | tasks | queries | objective | exact + greedy (s) | greedy only (s) | proven | max gap | greedy worse | paper, Gurobi (s) |"
    );
    say!("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
    for &models in &bench.models {
        for &tasks in &bench.tasks {
            let mut rng = Rng(bench.seed ^ ((models as u64) << 20) ^ tasks as u64);
            let catalog = zoo(&mut rng, models, tasks, bench.distribution, bench.sharing);
            let queries = (0..bench.queries)
                .map(|i| query(&mut rng, i, tasks))
                .collect::<anyhow::Result<Vec<Query>>>()?;
            for kind in ["max accuracy", "min cost"] {
                let runs = run_queries(&catalog, &queries, kind, bench.time_limit, bench.per_query)?;
                for step in QUERY_STEPS.iter().copied().filter(|&s| s <= queries.len()) {
                    let part = &runs[..step];
                    let total: f64 = part.iter().map(|r| r.seconds).sum();
                    let greedy: f64 = part.iter().map(|r| r.greedy_seconds).sum();
                    let proven = part.iter().filter(|r| r.proven).count();
                    let gap = part.iter().map(|r| r.open_gap).fold(0.0, f64::max);
                    let worse = part.iter().filter(|r| r.greedy_worse).count();
                    let paper_time = paper
                        .get(&(models, tasks, step))
                        .map_or("–".to_string(), |t| format!("{t:.2}"));
                    say!(
                        "| {models} | {tasks} | {step} | {kind} | {total:.3} | {greedy:.3} | {proven}/{step} | {gap:.2e} | {worse} | {paper_time} |"
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

struct Run {
    seconds: f64,
    greedy_seconds: f64,
    proven: bool,
    open_gap: f64,
    greedy_worse: bool,
}

fn run_queries(
    catalog: &Catalog,
    queries: &[Query],
    kind: &str,
    time_limit: Duration,
    per_query: bool,
) -> anyhow::Result<Vec<Run>> {
    let settings = Settings {
        time_limit,
        ..Settings::default()
    };
    let mut runs = Vec::with_capacity(queries.len());
    for query in queries {
        let problem = Problem::new(query.clone(), catalog)?;
        let objective = objective_for(&problem, kind);
        let started = Instant::now();
        let report = optimize(&problem, objective, settings)?;
        let seconds = started.elapsed().as_secs_f64();
        if per_query {
            esay!(
                "{kind}: {} ({} predicates, {} candidate models): {} nodes, {:.3} s, proven {}, root bound {:?}, greedy {:?}, exact {:?}",
                problem.query.text,
                problem.predicates(),
                problem.models.len(),
                report.exact.nodes,
                seconds,
                report.exact.proven,
                report.exact.root_bound,
                report.greedy.as_ref().map(|g| (g.accuracy, g.cost)),
                report.exact.best.as_ref().map(|g| (g.accuracy, g.cost)),
            );
        }
        let started = Instant::now();
        let _ = macaroni_optimize::greedy::solve(&problem, objective, None);
        runs.push(Run {
            seconds,
            greedy_seconds: started.elapsed().as_secs_f64(),
            proven: report.exact.proven,
            open_gap: report.open_gap().unwrap_or(0.0),
            greedy_worse: greedy_worse(&report),
        });
    }
    Ok(runs)
}

fn greedy_worse(report: &Report) -> bool {
    match (&report.exact.best, &report.greedy) {
        (Some(best), Some(greedy)) => best.better_than(greedy, report.objective),
        (Some(_), None) => true,
        _ => false,
    }
}

/// Max accuracy within half the cost of the plan that takes every predicate's most accurate
/// model; or min cost at 90% of the best reachable accuracy.
fn objective_for(problem: &Problem, kind: &str) -> Objective {
    let best: Vec<usize> = problem.candidates.iter().map(|c| c[0].model).collect();
    if kind == "max accuracy" {
        Objective::MaxAccuracy {
            budget: 0.5 * macaroni_optimize::plan::total_cost(problem, &best),
        }
    } else {
        Objective::MinCost {
            min_accuracy: 0.9 * macaroni_optimize::plan::accuracy(problem, &best),
        }
    }
}

fn zoo(rng: &mut Rng, models: usize, tasks: usize, distribution: Distribution, sharing: Sharing) -> Catalog {
    let mut catalog = Catalog::default();
    let max_answered = match sharing {
        Sharing::None => 1,
        Sharing::Coco => (tasks * 2).div_ceil(5).max(1),
    };
    for m in 0..models {
        let cost = (20 + rng.below(81)) as f64;
        let model = catalog.add_model(&format!("synthetic:m{m}"), cost, None);
        let answered = 1 + rng.below(max_answered);
        let answered = if sharing == Sharing::None { 1 } else { answered };
        let mut all: Vec<usize> = (0..tasks).collect();
        for i in 0..answered {
            let pick = i + rng.below(tasks - i);
            all.swap(i, pick);
            let accuracy = match distribution {
                Distribution::Uniform => rng.unit(),
                Distribution::PowerLaw => rng.unit().cbrt(),
            };
            catalog.add_predictor(&format!("t{}", all[i]), model, accuracy);
        }
    }
    // Every task answerable, as in a real zoo.
    for t in 0..tasks {
        if !catalog.predictors.contains_key(&format!("t{t}")) {
            let model = catalog.add_model(&format!("synthetic:extra{t}"), 60.0, None);
            catalog.add_predictor(&format!("t{t}"), model, 0.5);
        }
    }
    catalog
}

/// Query `i`: predicates cycle through 2, 4, 8, 16, 32 (at most the number of tasks), CNF for
/// even `i` (`(a | b) & (c | d) ...`) and DNF for odd (`(a & b) | (c & d) ...`), as in
/// synthetic_query_uniform.csv.
fn query(rng: &mut Rng, i: usize, tasks: usize) -> anyhow::Result<Query> {
    let n = PREDICATES[(i / 2) % PREDICATES.len()].min(tasks);
    let mut all: Vec<usize> = (0..tasks).collect();
    for j in 0..n {
        let pick = j + rng.below(tasks - j);
        all.swap(j, pick);
    }
    let (inner, outer) = if i.is_multiple_of(2) {
        (" | ", " & ")
    } else {
        (" & ", " | ")
    };
    let clauses: Vec<String> = all[..n]
        .chunks(2)
        .map(|pair| {
            let names: Vec<String> = pair.iter().map(|t| format!("t{t}")).collect();
            format!("({})", names.join(inner))
        })
        .collect();
    Ok(Query::parse(&clauses.join(outer))?)
}

/// The paper's optimisation times from run_summary.csv: (models, tasks, queries) → seconds.
fn paper_times(shared: &Path) -> HashMap<(usize, usize, usize), f64> {
    let path = shared.join("zlizy-optimizer/run_summary.csv");
    let Ok(mut reader) = csv::Reader::from_path(&path) else {
        return HashMap::new();
    };
    let mut out = HashMap::new();
    for row in reader.records().flatten() {
        let cell = |i: usize| row.get(i).and_then(|c| c.parse::<f64>().ok());
        if let (Some(m), Some(n), Some(q), Some(t)) = (cell(1), cell(2), cell(3), cell(4)) {
            out.insert((m as usize, n as usize, q as usize), t);
        }
    }
    out
}

/// `macaroni bench plan-coco`: the real workload. The COCO queries of the paper's code
/// (`coco_query_{cnf,dnf}_gt.csv`) over `model_stats_ap.csv`, at budgets from the cheapest plan's
/// cost up to three times it, and at accuracy targets below the best reachable, unordered and
/// ordered (selectivities from `coco_selectivity.csv`): the exact plan next to the greedy one.
pub fn run_coco(shared: &Path, time_limit: Duration) -> anyhow::Result<ExitCode> {
    let dir = shared.join("zlizy-optimizer");
    let mut writer = macaroni_repo::Writer::from_store(macaroni_store::Store::open_in_memory()?);
    for (reader, file) in [
        (macaroni_sources::ReaderKind::ZooMatrix, "model_stats_ap.csv"),
        (macaroni_sources::ReaderKind::LabelStats, "coco_selectivity.csv"),
    ] {
        let path = dir.join(file);
        let document = macaroni_sources::read_document(&dir, &path);
        crate::ingest::ingest_documents(
            &mut writer,
            reader,
            Some("coco".into()),
            std::iter::once(document),
            1,
            1,
            false,
        )?;
    }
    say!("| form | query | objective | exact accuracy | exact cost | greedy accuracy | greedy cost | greedy gap | proven | time (ms) |");
    say!("|---|---|---|---:|---:|---:|---:|---:|---|---:|");
    for (form, file) in [("CNF", "coco_query_cnf_gt.csv"), ("DNF", "coco_query_dnf_gt.csv")] {
        let mut reader = csv::Reader::from_path(dir.join(file))?;
        let column = reader.headers()?.iter().position(|h| h == "query");
        let Some(column) = column else {
            anyhow::bail!("{file} has no `query` column");
        };
        for row in reader.records() {
            let text = row?.get(column).unwrap_or_default().to_string();
            let query = Query::parse(&text)?;
            let loaded =
                macaroni_optimize::catalog_from_store(writer.store(), &query.labels, Some("coco"), Some("coco"))?;
            let problem = Problem::new(query, &loaded.catalog)?;
            for (name, objective, ordered) in coco_objectives(&problem, time_limit) {
                let settings = Settings {
                    ordered,
                    time_limit,
                    ..Settings::default()
                };
                let started = Instant::now();
                let report = optimize(&problem, objective, settings)?;
                let ms = started.elapsed().as_secs_f64() * 1e3;
                let cell = |s: Option<&macaroni_optimize::Solution>| {
                    s.map_or(("–".to_string(), "–".to_string()), |s| {
                        (format!("{:.4}", s.accuracy), format!("{:.1}", s.cost))
                    })
                };
                let (ea, ec) = cell(report.exact.best.as_ref());
                let (ga, gc) = cell(report.greedy.as_ref());
                let gap = report
                    .greedy_gap()
                    .map_or("greedy found none".to_string(), |g| format!("{g:.4}"));
                // Markdown tables split cells at every `|`, even inside code.
                let cell_text = text.replace('|', "\\|");
                say!(
                    "| {form} | `{cell_text}` | {name} | {ea} | {ec} | {ga} | {gc} | {gap} | {} | {ms:.2} |",
                    report.exact.proven
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Budgets at 1, 1.25, 1.5, 2 and 3 times the cheapest plan's cost; targets at 50, 70 and 90% of
/// the best reachable accuracy, unordered and ordered.
fn coco_objectives(problem: &Problem, time_limit: Duration) -> Vec<(String, Objective, bool)> {
    let settings = Settings {
        time_limit,
        ..Settings::default()
    };
    let cheapest = macaroni_optimize::exact::solve(problem, Objective::MinCost { min_accuracy: 0.0 }, settings, None);
    let floor = cheapest.best.map_or(0.0, |s| s.cost);
    let best: Vec<usize> = problem.candidates.iter().map(|c| c[0].model).collect();
    let reachable = macaroni_optimize::plan::accuracy(problem, &best);
    let mut out = Vec::new();
    for factor in [1.0, 1.25, 1.5, 2.0, 3.0] {
        let budget = floor * factor;
        out.push((
            format!("max accuracy, cost ≤ {budget:.0}"),
            Objective::MaxAccuracy { budget },
            false,
        ));
    }
    for share in [0.5, 0.7, 0.9] {
        let min_accuracy = reachable * share;
        for ordered in [false, true] {
            let how = if ordered { "expected cost, ordered" } else { "cost" };
            let name = format!("min {how}, accuracy ≥ {min_accuracy:.3}");
            out.push((name, Objective::MinCost { min_accuracy }, ordered));
        }
    }
    out
}

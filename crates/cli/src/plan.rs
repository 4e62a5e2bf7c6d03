//! `macaroni plan`: a thin shell over `macaroni-optimize` that reads the catalog from the store
//! and prints the plan.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use macaroni_optimize::{
    catalog_from_store, optimize, pareto, plan, LoadedCatalog, Objective, OptimizeError, Problem, Query, Report,
    Settings, Solution,
};
use macaroni_store::Store;
use serde_json::{json, Value};

use crate::output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    #[value(alias = "table")]
    Text,
    Json,
}

/// What `macaroni plan` was asked.
pub struct PlanRequest<'a> {
    pub query: &'a str,
    pub max_cost: Option<f64>,
    pub min_accuracy: Option<f64>,
    pub ordered: bool,
    pub pareto: bool,
    pub taxonomy: Option<&'a str>,
    pub label_stats: Option<&'a str>,
    pub time_limit: Duration,
    pub relative_gap: f64,
    pub format: PlanFormat,
}

/// Exit code when no plan satisfies the constraint.
const NO_PLAN: u8 = 3;

pub fn run(db: &Path, request: PlanRequest) -> anyhow::Result<ExitCode> {
    let query = match Query::parse(request.query) {
        Ok(q) => q,
        Err(err) => {
            eprintln!("error: {err}\n{}", err.pointer(request.query));
            return Ok(ExitCode::from(2));
        }
    };
    if !db.exists() {
        bail!(
            "no database at {}; ingest an accuracy matrix first (macaroni ingest zoo-matrix ...)",
            db.display()
        );
    }
    let store = Store::open(db).with_context(|| format!("opening {}", db.display()))?;
    let loaded = match catalog_from_store(&store, &query.labels, request.taxonomy, request.label_stats) {
        Ok(loaded) => loaded,
        Err(OptimizeError::Usage(message)) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
        Err(err) => return Err(err.into()),
    };
    let problem = match Problem::new(query, &loaded.catalog) {
        Ok(p) => p,
        Err(err @ OptimizeError::Unanswerable { .. }) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(NO_PLAN));
        }
        Err(err) => return Err(err.into()),
    };
    if request.ordered && problem.selectivity.is_none() {
        let missing = problem
            .require_selectivity(&loaded.catalog)
            .err()
            .map(|e| e.to_string());
        eprintln!(
            "error: --order needs label selectivities: {}",
            missing.unwrap_or_else(|| "none are stored".into())
        );
        return Ok(ExitCode::from(2));
    }
    let settings = Settings {
        ordered: request.ordered,
        time_limit: request.time_limit,
        relative_gap: request.relative_gap,
    };
    if request.pareto {
        return print_pareto(&problem, &loaded, settings, request.format);
    }
    let objective = match (request.max_cost, request.min_accuracy) {
        (Some(budget), None) => Objective::MaxAccuracy { budget },
        (None, Some(min_accuracy)) => Objective::MinCost { min_accuracy },
        _ => bail!("give exactly one of --max-cost and --min-accuracy (or --pareto)"),
    };
    let report = optimize(&problem, objective, settings)?;
    let Some(best) = &report.exact.best else {
        eprintln!(
            "error: {}",
            no_plan_message(&problem, objective, settings, report.exact.proven)
        );
        return Ok(ExitCode::from(NO_PLAN));
    };
    match request.format {
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report_json(&problem, &loaded, &report, best))?
        ),
        PlanFormat::Text => print_text(&problem, &loaded, &report, best),
    }
    Ok(ExitCode::SUCCESS)
}

/// Says how far the constraint is from what any plan reaches.
fn no_plan_message(problem: &Problem, objective: Objective, settings: Settings, proven: bool) -> String {
    let unproven = if proven {
        ""
    } else {
        " (the search was stopped by its time limit)"
    };
    match objective {
        Objective::MaxAccuracy { budget } => {
            let cheapest =
                macaroni_optimize::exact::solve(problem, Objective::MinCost { min_accuracy: 0.0 }, settings, None);
            let floor = cheapest
                .best
                .map_or(String::new(), |s| format!("; the cheapest plan costs {}", num(s.cost)));
            format!("no plan costs at most {}{floor}{unproven}", num(budget))
        }
        Objective::MinCost { min_accuracy } => {
            let best: Vec<f64> = problem
                .candidates
                .iter()
                .map(|c| c.first().map_or(0.0, |c| c.accuracy))
                .collect();
            format!(
                "no plan reaches accuracy {}; the most accurate plan reaches {}{unproven}",
                num(min_accuracy),
                num(problem.query.accuracy(&best))
            )
        }
    }
}

fn num(value: f64) -> String {
    let rounded = (value * 1e6).round() / 1e6;
    format!("{rounded}")
}

fn model_id(problem: &Problem, index: usize) -> &str {
    &problem.models[index].id
}

fn plan_json(problem: &Problem, solution: &Solution) -> Value {
    let assignments: Vec<Value> = (problem.query.labels.iter().zip(&solution.choice).enumerate())
        .map(|(p, (label, &m))| {
            let accuracy = problem.candidates[p].iter().find(|c| c.model == m).map(|c| c.accuracy);
            json!({"predicate": label, "model": model_id(problem, m), "accuracy": accuracy, "cost": problem.models[m].cost})
        })
        .collect();
    let order: Option<Vec<Value>> = solution.order.as_ref().map(|order| {
        order
            .steps
            .iter()
            .map(|&(m, mask, fraction)| {
                let predicates: Vec<&String> = (problem.query.labels.iter().enumerate())
                    .filter(|(p, _)| mask & (1 << p) != 0)
                    .map(|(_, l)| l)
                    .collect();
                json!({"model": model_id(problem, m), "predicates": predicates, "cost": problem.models[m].cost, "runs_on": fraction})
            })
            .collect()
    });
    json!({
        "accuracy": solution.accuracy,
        "cost": solution.cost,
        "total_cost": solution.total_cost,
        "memory_mb": plan::total_memory(problem, &solution.choice),
        "assignments": assignments,
        "order": order,
    })
}

fn report_json(problem: &Problem, loaded: &LoadedCatalog, report: &Report, best: &Solution) -> Value {
    let mut out = plan_json(problem, best);
    let objective = match report.objective {
        Objective::MaxAccuracy { budget } => json!({"maximize": "accuracy", "max_cost": budget}),
        Objective::MinCost { min_accuracy } => json!({"minimize": "cost", "min_accuracy": min_accuracy}),
    };
    let greedy = report.greedy.as_ref().map(|g| {
        json!({"accuracy": g.accuracy, "cost": g.cost, "gap": report.greedy_gap(),
               "assignments": plan_json(problem, g)["assignments"].clone()})
    });
    let extra = json!({
        "query": problem.query.text,
        "objective": objective,
        "ordered": report.ordered,
        "optimal": report.exact.proven,
        "open_gap": report.open_gap(),
        "greedy": greedy,
        "search": {"nodes": report.exact.nodes, "elapsed_ms": report.exact.elapsed.as_secs_f64() * 1e3},
        "catalog": catalog_json(problem, loaded),
    });
    if let (Value::Object(out), Value::Object(extra)) = (&mut out, extra) {
        out.extend(extra);
    }
    out
}

fn catalog_json(problem: &Problem, loaded: &LoadedCatalog) -> Value {
    json!({
        "taxonomy": loaded.taxonomy,
        "cost_unit": loaded.cost_unit,
        "candidate_models": problem.models.len(),
        "models_without_cost": loaded.without_cost.len(),
        "label_stats": loaded.selectivity_from,
    })
}

fn print_text(problem: &Problem, loaded: &LoadedCatalog, report: &Report, best: &Solution) {
    let objective = match report.objective {
        Objective::MaxAccuracy { budget } => format!("most accurate plan costing at most {}", num(budget)),
        Objective::MinCost { min_accuracy } => format!("cheapest plan at least {} accurate", num(min_accuracy)),
    };
    let charged = if report.ordered {
        "expected cost under the best order"
    } else {
        "total cost"
    };
    println!("Query      {}", problem.query.text);
    println!("Objective  {objective} ({charged}, in {})", loaded.cost_unit);
    let proof = if report.exact.proven {
        "optimal".to_string()
    } else {
        format!(
            "not proven optimal: stopped with gap {}",
            report.open_gap().map_or("?".into(), num)
        )
    };
    println!(
        "Plan       accuracy {}  cost {}  ({proof}; {} nodes in {:.1} ms)",
        num(best.accuracy),
        num(best.cost),
        report.exact.nodes,
        report.exact.elapsed.as_secs_f64() * 1e3
    );
    match (&report.greedy, report.greedy_gap()) {
        (Some(g), Some(gap)) => println!(
            "Greedy     accuracy {}  cost {}  ({} {} than the optimum)",
            num(g.accuracy),
            num(g.cost),
            num(gap.abs()),
            match report.objective {
                Objective::MaxAccuracy { .. } => "accuracy lower",
                Objective::MinCost { .. } => "cost higher",
            }
        ),
        _ => println!("Greedy     found no plan that satisfies the constraint"),
    }
    let rows = (problem.query.labels.iter().zip(&best.choice).enumerate())
        .map(|(p, (label, &m))| {
            let accuracy = problem.candidates[p]
                .iter()
                .find(|c| c.model == m)
                .map_or(0.0, |c| c.accuracy);
            vec![
                label.clone(),
                model_id(problem, m).to_string(),
                num(accuracy),
                num(problem.models[m].cost),
            ]
        })
        .collect();
    println!("{}", output::table(&["predicate", "model", "accuracy", "cost"], rows));
    if let Some(order) = &best.order {
        let rows = (order.steps.iter().enumerate())
            .map(|(i, &(m, mask, fraction))| {
                let predicates: Vec<&str> = (problem.query.labels.iter().enumerate())
                    .filter(|(p, _)| mask & (1 << p) != 0)
                    .map(|(_, l)| l.as_str())
                    .collect();
                vec![
                    (i + 1).to_string(),
                    model_id(problem, m).to_string(),
                    predicates.join(", "),
                    format!("{:.1}%", fraction * 100.0),
                    num(problem.models[m].cost * fraction),
                ]
            })
            .collect();
        let exact = if order.exact {
            ""
        } else {
            " (heuristic order: too many models to prove)"
        };
        println!("Execution order{exact}:");
        println!(
            "{}",
            output::table(&["#", "model", "answers", "runs on", "expected cost"], rows)
        );
    }
}

fn print_pareto(
    problem: &Problem,
    loaded: &LoadedCatalog,
    settings: Settings,
    format: PlanFormat,
) -> anyhow::Result<ExitCode> {
    let front = pareto(problem, settings, 200)?;
    match format {
        PlanFormat::Json => {
            let points: Vec<Value> = front.points.iter().map(|s| plan_json(problem, s)).collect();
            let out = json!({
                "query": problem.query.text,
                "ordered": settings.ordered,
                "optimal": front.proven,
                "truncated": front.truncated,
                "points": points,
                "elapsed_ms": front.elapsed.as_secs_f64() * 1e3,
                "catalog": catalog_json(problem, loaded),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        PlanFormat::Text => {
            println!("Query  {}", problem.query.text);
            let proof = if front.proven {
                "every point optimal"
            } else {
                "some points not proven"
            };
            println!(
                "Pareto front: {} plans ({proof}{}), {:.1} ms",
                front.points.len(),
                if front.truncated { ", cut at 200" } else { "" },
                front.elapsed.as_secs_f64() * 1e3
            );
            let rows = (front.points.iter())
                .map(|s| {
                    let models: Vec<&str> = plan::models_of(&s.choice)
                        .iter()
                        .map(|&(m, _)| model_id(problem, m))
                        .collect();
                    vec![num(s.accuracy), num(s.cost), models.join(" ")]
                })
                .collect();
            println!("{}", output::table(&["accuracy", "cost", "models"], rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

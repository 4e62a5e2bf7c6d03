//! `macaroni plan`: a thin shell over the facade's `Repo::plan`, printing its report.

use std::path::Path;
use std::process::ExitCode;

use macaroni_repo::plan::{rounded as num, ObjectiveSpec, PlanAnswer, PlanFront, PlanReport, PlanRequest};
use macaroni_repo::{Repo, RepoError};

use crate::output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    #[value(alias = "table")]
    Text,
    Json,
}

pub fn run(db: &Path, request: PlanRequest, format: PlanFormat) -> anyhow::Result<ExitCode> {
    if !db.exists() {
        return Err(RepoError::Missing(db.to_path_buf())).map_err(|e| {
            anyhow::Error::new(e).context("ingest an accuracy matrix first (macaroni ingest zoo-matrix ...)")
        });
    }
    let answer = Repo::open_read(db)?
        .plan(&request)
        .map_err(|e| crate::query::in_query(e, &request.query))?;
    match (format, &answer) {
        (PlanFormat::Json, _) => println!("{}", serde_json::to_string_pretty(&answer)?),
        (PlanFormat::Text, PlanAnswer::Plan(report)) => print_text(report),
        (PlanFormat::Text, PlanAnswer::Front(front)) => print_front(front),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(report: &PlanReport) {
    let (objective, lower) = match &report.objective {
        ObjectiveSpec::MaxAccuracy { max_cost, .. } => (
            format!("most accurate plan costing at most {}", num(*max_cost)),
            "accuracy lower",
        ),
        ObjectiveSpec::MinCost { min_accuracy, .. } => (
            format!("cheapest plan at least {} accurate", num(*min_accuracy)),
            "cost higher",
        ),
    };
    let charged = if report.ordered {
        "expected cost under the best order"
    } else {
        "total cost"
    };
    say!("Query      {}", report.query);
    say!("Objective  {objective} ({charged}, in {})", report.catalog.cost_unit);
    let proof = if report.optimal {
        "optimal".to_string()
    } else {
        format!(
            "not proven optimal: stopped with gap {}",
            report.open_gap.map_or("?".into(), num)
        )
    };
    let plan = &report.plan;
    say!(
        "Plan       accuracy {}  cost {}  ({proof}; {} nodes in {:.1} ms)",
        num(plan.accuracy),
        num(plan.cost),
        report.search.nodes,
        report.search.elapsed_ms
    );
    match &report.greedy {
        Some(g) if g.gap.is_some() => say!(
            "Greedy     accuracy {}  cost {}  ({} {lower} than the optimum)",
            num(g.accuracy),
            num(g.cost),
            num(g.gap.unwrap_or_default().abs()),
        ),
        _ => say!("Greedy     found no plan that satisfies the constraint"),
    }
    let rows = (plan.assignments.iter())
        .map(|a| {
            vec![
                a.predicate.clone(),
                a.model.clone(),
                num(a.accuracy.unwrap_or_default()),
                num(a.cost),
            ]
        })
        .collect();
    say!("{}", output::table(&["predicate", "model", "accuracy", "cost"], rows));
    if let Some(order) = &plan.order {
        let rows = (order.iter().enumerate())
            .map(|(i, step)| {
                vec![
                    (i + 1).to_string(),
                    step.model.clone(),
                    step.predicates.join(", "),
                    format!("{:.1}%", step.runs_on * 100.0),
                    num(step.cost * step.runs_on),
                ]
            })
            .collect();
        let exact = if plan.order_exact == Some(false) {
            " (heuristic order: too many models to prove)"
        } else {
            ""
        };
        say!("Execution order{exact}:");
        say!(
            "{}",
            output::table(&["#", "model", "answers", "runs on", "expected cost"], rows)
        );
    }
}

fn print_front(front: &PlanFront) {
    say!("Query  {}", front.query);
    let proof = if front.optimal {
        "every point optimal"
    } else {
        "some points not proven"
    };
    say!(
        "Pareto front: {} plans ({proof}{}), {:.1} ms",
        front.points.len(),
        if front.truncated { ", cut at 200" } else { "" },
        front.elapsed_ms
    );
    let rows = (front.points.iter())
        .map(|p| {
            let mut models: Vec<&str> = p.assignments.iter().map(|a| a.model.as_str()).collect();
            models.sort();
            models.dedup();
            vec![num(p.accuracy), num(p.cost), models.join(" ")]
        })
        .collect();
    say!("{}", output::table(&["accuracy", "cost", "models"], rows));
}

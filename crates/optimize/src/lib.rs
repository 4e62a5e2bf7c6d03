//! Inference-query optimisation: choose, for each predicate of a Boolean query over a stream of
//! items (`(bottle | tv) & chair`), the zoo model that answers it, and the order the models run
//! in, so that the query is as accurate as possible within a cost budget or as cheap as possible
//! at a required accuracy.
//!
//! It owns the query language for inference queries ([`expr`]), the plan algebra ([`plan`]), the
//! exact optimiser ([`exact`]), the greedy baselines ([`greedy`]), and the Pareto mode. It reads the repository only through the
//! store's typed reads ([`catalog_from_store`]); it never writes and never builds SQL. Semantics
//! and algorithms are documented in docs/OPTIMIZER.md.

pub mod exact;
pub mod expr;
pub mod greedy;
pub mod plan;
pub mod problem;

mod catalog;
mod relax;
mod sets;

use std::time::Duration;

pub use catalog::{catalog_from_store, label_stats_instances, LabelStats, LoadedCatalog};
pub use exact::{Objective, Outcome, Settings, Solution};
pub use expr::{ParseError, Query};
pub use problem::{Candidate, Catalog, ModelInfo, Problem};

#[derive(Debug, thiserror::Error)]
pub enum OptimizeError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("no model in the repository can answer: {}", labels.join(", "))]
    Unanswerable { labels: Vec<String> },
    #[error("no selectivity is known for: {} (ingest label statistics with `macaroni ingest label-stats`)", labels.join(", "))]
    MissingSelectivity { labels: Vec<String> },
    #[error("invalid model metadata: {message}")]
    InvalidCatalog { message: String },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] macaroni_store::StoreError),
}

/// The exact plan next to the greedy baseline's.
#[derive(Debug, Clone)]
pub struct Report {
    pub objective: Objective,
    pub ordered: bool,
    pub exact: Outcome,
    pub greedy: Option<Solution>,
}

impl Report {
    /// How much worse the greedy plan is than the exact one, in the objective's unit (accuracy
    /// points lost, or cost added); `None` when either found no plan.
    pub fn greedy_gap(&self) -> Option<f64> {
        let (best, greedy) = (self.exact.best.as_ref()?, self.greedy.as_ref()?);
        Some(match self.objective {
            Objective::MaxAccuracy { .. } => best.accuracy - greedy.accuracy,
            Objective::MinCost { .. } => greedy.cost - best.cost,
        })
    }

    /// The gap left by a search that was stopped, in the objective's unit.
    pub fn open_gap(&self) -> Option<f64> {
        let bound = self.exact.open_bound?;
        Some(match (self.objective, self.exact.best.as_ref()) {
            (Objective::MaxAccuracy { .. }, Some(best)) => (bound - best.accuracy).max(0.0),
            (Objective::MinCost { .. }, Some(best)) => (best.cost - bound).max(0.0),
            (_, None) => f64::INFINITY,
        })
    }
}

/// Optimises one problem: the greedy baseline first (it also seeds the exact search).
pub fn optimize(problem: &Problem, objective: Objective, settings: Settings) -> Result<Report, OptimizeError> {
    let selectivity = selectivity_for(problem, settings)?;
    let greedy = greedy::solve(problem, objective, selectivity);
    let exact = exact::solve(problem, objective, settings, greedy.clone());
    Ok(Report {
        objective,
        ordered: settings.ordered,
        exact,
        greedy,
    })
}

fn selectivity_for(problem: &Problem, settings: Settings) -> Result<Option<&[f64]>, OptimizeError> {
    if !settings.ordered {
        return Ok(None);
    }
    match problem.selectivity.as_deref() {
        Some(s) => Ok(Some(s)),
        None => Err(OptimizeError::MissingSelectivity {
            labels: problem.query.labels.clone(),
        }),
    }
}

/// The Pareto front of plans on accuracy (higher) and cost (lower), most accurate first: each
/// point is the most accurate plan costing less than the point before, found exactly.
pub struct ParetoFront {
    pub points: Vec<Solution>,
    /// Every point proven optimal for its budget.
    pub proven: bool,
    /// The front was cut at the requested number of points.
    pub truncated: bool,
    pub elapsed: Duration,
}

pub fn pareto(problem: &Problem, settings: Settings, max_points: usize) -> Result<ParetoFront, OptimizeError> {
    let started = std::time::Instant::now();
    let selectivity = selectivity_for(problem, settings)?;
    let mut budget = problem.models.iter().map(|m| m.cost).sum::<f64>();
    let mut points: Vec<Solution> = Vec::new();
    let mut proven = true;
    loop {
        if points.len() == max_points {
            return Ok(ParetoFront {
                points,
                proven,
                truncated: true,
                elapsed: started.elapsed(),
            });
        }
        let objective = Objective::MaxAccuracy { budget };
        let seed = greedy::solve(problem, objective, selectivity);
        let outcome = exact::solve(problem, objective, settings, seed);
        proven &= outcome.proven;
        let Some(point) = outcome.best else { break };
        // The next point must be strictly cheaper.
        budget = point.cost - 1e-7 * point.cost.abs().max(1.0);
        let dominated = points.last().is_some_and(|prev| prev.accuracy <= point.accuracy);
        if dominated {
            points.pop();
        }
        points.push(point);
        if budget < 0.0 {
            break;
        }
    }
    Ok(ParetoFront {
        points,
        proven,
        truncated: false,
        elapsed: started.elapsed(),
    })
}

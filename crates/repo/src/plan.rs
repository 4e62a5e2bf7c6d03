//! Inference-query plans (docs/OPTIMIZER.md): the catalog read from the store, the optimiser
//! run, and the result as typed documents (the JSON contract of `macaroni plan`).

use std::time::Duration;

use macaroni_optimize::{
    catalog_from_store, optimize, pareto, plan, LoadedCatalog, Objective, OptimizeError, Problem, Query, Settings,
    Solution,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Repo, RepoError, Result};

/// Plans on the Pareto front at most.
const MAX_FRONT: usize = 200;

/// What a plan request asks.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Labels joined with `&`, `|`, `~` and parentheses.
    pub query: String,
    /// Maximise accuracy among plans costing at most this.
    pub max_cost: Option<f64>,
    /// Minimise cost among plans at least this accurate.
    pub min_accuracy: Option<f64>,
    /// Charge models under short-circuit evaluation in the best execution order.
    pub ordered: bool,
    /// The Pareto front of plans instead of one plan.
    pub pareto: bool,
    pub taxonomy: Option<String>,
    pub label_stats: Option<String>,
    pub time_limit: Duration,
    pub relative_gap: f64,
}

/// Which model answers one predicate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    pub predicate: String,
    pub model: String,
    pub accuracy: Option<f64>,
    pub cost: f64,
}

/// One model run in the execution order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Step {
    pub model: String,
    pub predicates: Vec<String>,
    /// Cost of running the model on every item.
    pub cost: f64,
    /// Fraction of the items it runs on (short-circuit evaluation).
    pub runs_on: f64,
}

/// One plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanDoc {
    pub accuracy: f64,
    /// The cost the objective counts (expected under the order when ordered).
    pub cost: f64,
    /// The distinct models' costs added up.
    pub total_cost: f64,
    pub memory_mb: Option<f64>,
    pub assignments: Vec<Assignment>,
    pub order: Option<Vec<Step>>,
    /// Whether the order is proven cheapest (false when too many models to prove it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_exact: Option<bool>,
}

/// The objective as asked.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ObjectiveSpec {
    MaxAccuracy { maximize: String, max_cost: f64 },
    MinCost { minimize: String, min_accuracy: f64 },
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GreedyDoc {
    pub accuracy: f64,
    pub cost: f64,
    /// How much worse than the exact plan, in the objective's unit.
    pub gap: Option<f64>,
    pub assignments: Vec<Assignment>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchStats {
    pub nodes: u64,
    pub elapsed_ms: f64,
}

/// Where the plan's figures come from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogDoc {
    pub taxonomy: String,
    pub cost_unit: String,
    pub candidate_models: usize,
    pub models_without_cost: usize,
    pub label_stats: Option<String>,
}

/// The exact plan next to the greedy baseline's.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanReport {
    #[serde(flatten)]
    pub plan: PlanDoc,
    pub query: String,
    pub objective: ObjectiveSpec,
    pub ordered: bool,
    /// Proven optimal (within the relative gap).
    pub optimal: bool,
    /// The gap a stopped search left open.
    pub open_gap: Option<f64>,
    pub greedy: Option<GreedyDoc>,
    pub search: SearchStats,
    pub catalog: CatalogDoc,
}

/// The Pareto front of plans on accuracy and cost, most accurate first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanFront {
    pub query: String,
    pub ordered: bool,
    /// Every point proven optimal for its budget.
    pub optimal: bool,
    /// Cut at 200 points.
    pub truncated: bool,
    pub points: Vec<PlanDoc>,
    pub elapsed_ms: f64,
    pub catalog: CatalogDoc,
}

/// A plan, or the Pareto front of plans.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PlanAnswer {
    Plan(Box<PlanReport>),
    Front(PlanFront),
}

impl Repo {
    /// Chooses (and orders) the models that answer an inference query's predicates. No plan
    /// satisfying the constraint is [`RepoError::NoPlan`], with how far off the constraint is.
    pub fn plan(&self, request: &PlanRequest) -> Result<PlanAnswer> {
        for (name, value) in [("max cost", request.max_cost), ("min accuracy", request.min_accuracy)] {
            if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return Err(RepoError::usage(format!(
                    "the {name} must be a finite number, 0 or more"
                )));
            }
        }
        if !request.relative_gap.is_finite() || request.relative_gap < 0.0 {
            return Err(RepoError::usage("the relative gap must be a finite number, 0 or more"));
        }
        let query = Query::parse(&request.query).map_err(|err| RepoError::Usage {
            position: (request.query.get(..err.position)).map(|before| before.chars().count()),
            message: err.to_string(),
        })?;
        let loaded = catalog_from_store(
            &self.store,
            &query.labels,
            request.taxonomy.as_deref(),
            request.label_stats.as_deref(),
        )?;
        let problem = match Problem::new(query, &loaded.catalog) {
            Ok(p) => p,
            Err(err @ OptimizeError::Unanswerable { .. }) => return Err(RepoError::NoPlan(err.to_string())),
            Err(err) => return Err(err.into()),
        };
        if request.ordered && problem.selectivity.is_none() {
            let missing = problem
                .require_selectivity(&loaded.catalog)
                .err()
                .map(|e| e.to_string());
            return Err(RepoError::usage(format!(
                "--order needs label selectivities: {}",
                missing.unwrap_or_else(|| "none are stored".into())
            )));
        }
        let settings = Settings {
            ordered: request.ordered,
            time_limit: request.time_limit,
            relative_gap: request.relative_gap,
        };
        let catalog = catalog_doc(&problem, &loaded);
        if request.pareto {
            let front = pareto(&problem, settings, MAX_FRONT)?;
            return Ok(PlanAnswer::Front(PlanFront {
                query: problem.query.text.clone(),
                ordered: settings.ordered,
                optimal: front.proven,
                truncated: front.truncated,
                points: front.points.iter().map(|s| plan_doc(&problem, s)).collect(),
                elapsed_ms: front.elapsed.as_secs_f64() * 1e3,
                catalog,
            }));
        }
        let objective = match (request.max_cost, request.min_accuracy) {
            (Some(budget), None) => Objective::MaxAccuracy { budget },
            (None, Some(min_accuracy)) => Objective::MinCost { min_accuracy },
            _ => {
                return Err(RepoError::usage(
                    "give exactly one of --max-cost and --min-accuracy (or --pareto)",
                ))
            }
        };
        let report = optimize(&problem, objective, settings)?;
        let Some(best) = &report.exact.best else {
            return Err(RepoError::NoPlan(no_plan_message(
                &problem,
                objective,
                settings,
                report.exact.proven,
            )));
        };
        Ok(PlanAnswer::Plan(Box::new(PlanReport {
            plan: plan_doc(&problem, best),
            query: problem.query.text.clone(),
            objective: match objective {
                Objective::MaxAccuracy { budget } => ObjectiveSpec::MaxAccuracy {
                    maximize: "accuracy".into(),
                    max_cost: budget,
                },
                Objective::MinCost { min_accuracy } => ObjectiveSpec::MinCost {
                    minimize: "cost".into(),
                    min_accuracy,
                },
            },
            ordered: report.ordered,
            optimal: report.exact.proven,
            open_gap: report.open_gap(),
            greedy: report.greedy.as_ref().map(|g| GreedyDoc {
                accuracy: g.accuracy,
                cost: g.cost,
                gap: report.greedy_gap(),
                assignments: assignments(&problem, g),
            }),
            search: SearchStats {
                nodes: report.exact.nodes,
                elapsed_ms: report.exact.elapsed.as_secs_f64() * 1e3,
            },
            catalog,
        })))
    }
}

fn catalog_doc(problem: &Problem, loaded: &LoadedCatalog) -> CatalogDoc {
    CatalogDoc {
        taxonomy: loaded.taxonomy.clone(),
        cost_unit: loaded.cost_unit.to_string(),
        candidate_models: problem.models.len(),
        models_without_cost: loaded.without_cost.len(),
        label_stats: loaded.selectivity_from.clone(),
    }
}

fn assignments(problem: &Problem, solution: &Solution) -> Vec<Assignment> {
    (problem.query.labels.iter().zip(&solution.choice).enumerate())
        .map(|(p, (label, &m))| Assignment {
            predicate: label.clone(),
            model: problem.models[m].id.clone(),
            accuracy: problem.candidates[p].iter().find(|c| c.model == m).map(|c| c.accuracy),
            cost: problem.models[m].cost,
        })
        .collect()
}

fn plan_doc(problem: &Problem, solution: &Solution) -> PlanDoc {
    let order = solution.order.as_ref().map(|order| {
        (order.steps.iter())
            .map(|&(m, mask, fraction)| Step {
                model: problem.models[m].id.clone(),
                predicates: (problem.query.labels.iter().enumerate())
                    .filter(|(p, _)| mask & (1 << p) != 0)
                    .map(|(_, l)| l.clone())
                    .collect(),
                cost: problem.models[m].cost,
                runs_on: fraction,
            })
            .collect()
    });
    PlanDoc {
        accuracy: solution.accuracy,
        cost: solution.cost,
        total_cost: solution.total_cost,
        memory_mb: plan::total_memory(problem, &solution.choice),
        assignments: assignments(problem, solution),
        order,
        order_exact: solution.order.as_ref().map(|o| o.exact),
    }
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
            let floor = cheapest.best.map_or(String::new(), |s| {
                format!("; the cheapest plan costs {}", rounded(s.cost))
            });
            format!("no plan costs at most {}{floor}{unproven}", rounded(budget))
        }
        Objective::MinCost { min_accuracy } => {
            let best: Vec<f64> = (problem.candidates.iter())
                .map(|c| c.first().map_or(0.0, |c| c.accuracy))
                .collect();
            format!(
                "no plan reaches accuracy {}; the most accurate plan reaches {}{unproven}",
                rounded(min_accuracy),
                rounded(problem.query.accuracy(&best))
            )
        }
    }
}

/// A number rounded to six decimals, for messages.
pub fn rounded(value: f64) -> String {
    let rounded = (value * 1e6).round() / 1e6;
    format!("{rounded}")
}

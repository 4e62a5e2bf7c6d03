//! The Pareto front of a search as a document: the objectives and, per model, its value of each.

use std::collections::BTreeMap;

use macaroni_query::{Objective, ParetoPoint};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectiveDoc {
    /// `params`, `size`, `downloads`, `likes` or `metric@dataset`.
    pub name: String,
    pub maximize: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FrontPoint {
    pub id: String,
    pub name: Option<String>,
    /// Objective name → the model's value.
    pub values: BTreeMap<String, f64>,
}

/// The models a search matches that no other matching model beats on every objective.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParetoFront {
    pub query: String,
    pub objectives: Vec<ObjectiveDoc>,
    pub points: Vec<FrontPoint>,
}

/// Objectives written as comma-separated lists (`top1@imagenet-1k,downloads` to maximise,
/// `params` to minimise), as forms and query strings give them.
pub fn objectives(maximize: &str, minimize: &str) -> Vec<Objective> {
    [(maximize, true), (minimize, false)]
        .into_iter()
        .flat_map(|(list, maximize)| {
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(move |name| Objective {
                    name: name.to_string(),
                    maximize,
                })
        })
        .collect()
}

impl ParetoFront {
    pub(crate) fn new(query: &str, objectives: &[Objective], points: Vec<ParetoPoint>) -> ParetoFront {
        ParetoFront {
            query: query.to_string(),
            objectives: (objectives.iter())
                .map(|o| ObjectiveDoc {
                    name: o.name.clone(),
                    maximize: o.maximize,
                })
                .collect(),
            points: (points.into_iter())
                .map(|p| FrontPoint {
                    values: objectives.iter().map(|o| o.name.clone()).zip(p.values).collect(),
                    id: p.id,
                    name: p.name,
                })
                .collect(),
        }
    }
}

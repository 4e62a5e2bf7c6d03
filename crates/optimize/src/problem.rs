//! What the optimiser works on: a catalog of models (cost, per-label accuracy) and, for one query,
//! the candidates of each predicate.

use std::collections::HashMap;

use crate::expr::Query;
use crate::OptimizeError;

/// One model as the optimiser sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    /// Cost of running the model on one item (the unit is the source's).
    pub cost: f64,
    pub memory_mb: Option<f64>,
}

/// The models that can answer labels: the zoo's metadata reduced to what plans need.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub models: Vec<ModelInfo>,
    /// Label name → (model index, accuracy on that label).
    pub predictors: HashMap<String, Vec<(usize, f64)>>,
    /// Label name → fraction of items carrying it, when known.
    pub selectivity: HashMap<String, f64>,
}

impl Catalog {
    /// Adds a model and returns its index.
    pub fn add_model(&mut self, id: &str, cost: f64, memory_mb: Option<f64>) -> usize {
        self.models.push(ModelInfo {
            id: id.to_string(),
            cost,
            memory_mb,
        });
        self.models.len() - 1
    }

    pub fn add_predictor(&mut self, label: &str, model: usize, accuracy: f64) {
        self.predictors
            .entry(label.to_string())
            .or_default()
            .push((model, accuracy));
    }
}

/// One way to answer a predicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Index into [`Problem::models`].
    pub model: usize,
    pub accuracy: f64,
}

/// A query bound to a catalog: per predicate, the models that can answer it.
#[derive(Debug, Clone)]
pub struct Problem {
    pub query: Query,
    /// Only the models that answer at least one of the query's predicates.
    pub models: Vec<ModelInfo>,
    /// Per predicate (the query's distinct labels, in order): candidates, most accurate first.
    pub candidates: Vec<Vec<Candidate>>,
    /// Per predicate, when every label's selectivity is known.
    pub selectivity: Option<Vec<f64>>,
}

impl Problem {
    /// Binds `query` to `catalog`. Fails when a label has no model, or a cost or accuracy is not
    /// a finite number in range (a negative cost would make "cheapest" meaningless).
    pub fn new(query: Query, catalog: &Catalog) -> Result<Problem, OptimizeError> {
        let mut local: HashMap<usize, usize> = HashMap::new();
        let mut models = Vec::new();
        let mut candidates = Vec::with_capacity(query.labels.len());
        let mut unanswerable = Vec::new();
        for label in &query.labels {
            let Some(predictors) = catalog.predictors.get(label).filter(|p| !p.is_empty()) else {
                unanswerable.push(label.clone());
                candidates.push(Vec::new());
                continue;
            };
            let mut list = Vec::with_capacity(predictors.len());
            for &(model, accuracy) in predictors {
                let info = catalog.models.get(model).ok_or_else(|| OptimizeError::InvalidCatalog {
                    message: format!("label `{label}` names model #{model}, which the catalog lacks"),
                })?;
                check_model(info)?;
                if !(0.0..=1.0).contains(&accuracy) {
                    return Err(OptimizeError::InvalidCatalog {
                        message: format!("{} has accuracy {accuracy} on `{label}`; expected 0..1", info.id),
                    });
                }
                let index = *local.entry(model).or_insert_with(|| {
                    models.push(info.clone());
                    models.len() - 1
                });
                if !list.iter().any(|c: &Candidate| c.model == index) {
                    list.push(Candidate { model: index, accuracy });
                }
            }
            list.sort_by(|a, b| b.accuracy.total_cmp(&a.accuracy).then(a.model.cmp(&b.model)));
            candidates.push(list);
        }
        if !unanswerable.is_empty() {
            return Err(OptimizeError::Unanswerable { labels: unanswerable });
        }
        let selectivity = query
            .labels
            .iter()
            .map(|label| catalog.selectivity.get(label).copied())
            .collect::<Option<Vec<f64>>>();
        Ok(Problem {
            query,
            models,
            candidates,
            selectivity,
        })
    }

    pub fn predicates(&self) -> usize {
        self.candidates.len()
    }

    /// The selectivities, or an error naming the labels that lack one.
    pub fn require_selectivity(&self, catalog: &Catalog) -> Result<&[f64], OptimizeError> {
        match &self.selectivity {
            Some(s) => Ok(s),
            None => Err(OptimizeError::MissingSelectivity {
                labels: (self.query.labels.iter())
                    .filter(|l| !catalog.selectivity.contains_key(*l))
                    .cloned()
                    .collect(),
            }),
        }
    }
}

fn check_model(info: &ModelInfo) -> Result<(), OptimizeError> {
    if info.cost.is_finite() && info.cost >= 0.0 {
        Ok(())
    } else {
        Err(OptimizeError::InvalidCatalog {
            message: format!("{} has cost {}; expected a finite number >= 0", info.id, info.cost),
        })
    }
}

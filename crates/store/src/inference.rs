//! Typed reads for the inference-query optimiser: which models can predict which labels and how
//! accurately, what running a model costs, and which label statistics exist.

use macaroni_format::Kind;
use rusqlite::params;

use crate::{Result, Store};

/// One `can_predict` relation.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelPredictor {
    pub model_id: String,
    pub label_id: String,
    /// The relation's `accuracy` attribute, when it has one.
    pub accuracy: Option<f64>,
}

/// The inference cost figures stored for one model (from its cost measurements whose phase is
/// `infer` or unstated; the lowest figure of each kind when several settings were measured).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InferenceCost {
    pub model_id: String,
    pub cost: Option<f64>,
    pub latency_ms: Option<f64>,
    pub gmacs: Option<f64>,
    pub memory_mb: Option<f64>,
}

impl Store {
    /// The models that can predict each of `label_ids`.
    pub fn label_predictors(&self, label_ids: &[String]) -> Result<Vec<LabelPredictor>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT subject, object, json_extract(attributes, '$.accuracy') FROM relations
             WHERE object = ?1 AND relation = 'can_predict'",
        )?;
        let mut out = Vec::new();
        for label in label_ids {
            let rows = stmt.query_map([label], |row| {
                Ok(LabelPredictor {
                    model_id: row.get(0)?,
                    label_id: row.get(1)?,
                    accuracy: row.get::<_, Option<f64>>(2).ok().flatten(),
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// Inference cost figures of each model in `model_ids` that has any.
    pub fn inference_costs(&self, model_ids: &[String]) -> Result<Vec<InferenceCost>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT MIN(cost), MIN(latency_ms), MIN(gmacs), MIN(memory_mb), COUNT(*) FROM cost_measurements
             WHERE model_id = ?1 AND (phase IS NULL OR phase = 'infer')",
        )?;
        let mut out = Vec::new();
        for model in model_ids {
            let cost = stmt.query_row(params![model], |row| {
                Ok((
                    InferenceCost {
                        model_id: model.clone(),
                        cost: row.get(0)?,
                        latency_ms: row.get(1)?,
                        gmacs: row.get(2)?,
                        memory_mb: row.get(3)?,
                    },
                    row.get::<_, i64>(4)?,
                ))
            })?;
            if cost.1 > 0 {
                out.push(cost.0);
            }
        }
        Ok(out)
    }

    /// Ids of all entities of one kind, in id order.
    pub fn ids_of_kind(&self, kind: Kind) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM entities WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt.query_map([kind.as_str()], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

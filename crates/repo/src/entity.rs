//! One entity as a document: merged attributes with the provenance of each, what every source
//! says, relations both ways, evaluations, costs, and (on request) every version of every field.

use std::collections::BTreeMap;

use macaroni_format::{Provenance, Record};
use macaroni_store::FactVersion;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Instant, Repo, Result};

/// An entity with everything around it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntityDoc {
    pub id: String,
    /// The record kind: model, dataset, evaluation, license, ...
    pub kind: String,
    /// The merged record: the most trusted value of each attribute (docs/FORMAT.md).
    #[schema(value_type = Object)]
    pub merged: Record,
    /// For each merged attribute, the provenance (source, method, time, confidence) of its value.
    #[schema(value_type = BTreeMap<String, Object>)]
    pub attribute_sources: BTreeMap<String, Provenance>,
    /// What each source says, one record per statement.
    #[schema(value_type = Vec<Object>)]
    pub statements: Vec<Record>,
    /// Relations with this entity as subject.
    #[schema(value_type = Vec<Object>)]
    pub outgoing: Vec<Record>,
    /// Relations with this entity as object.
    #[schema(value_type = Vec<Object>)]
    pub incoming: Vec<Record>,
    #[schema(value_type = Vec<Object>)]
    pub evaluations: Vec<Record>,
    #[schema(value_type = Vec<Object>)]
    pub costs: Vec<Record>,
    /// Every version of every attribute, oldest first (only when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub history: Option<Vec<FactVersion>>,
}

/// An entity as it stood at an instant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AsOfDoc {
    pub id: String,
    /// The instant asked for, normalised to UTC.
    pub as_of: String,
    #[schema(value_type = Object)]
    pub merged: Record,
}

impl Repo {
    /// One entity with its context; `history` adds every version of every attribute.
    pub fn entity(&self, id: &str, history: bool) -> Result<EntityDoc> {
        let Some(view) = self.store.view(id)? else {
            return Err(self.not_found(id));
        };
        let history = if history { Some(self.store.history(id)?) } else { None };
        Ok(EntityDoc {
            id: view.id,
            kind: view.kind.as_str().to_string(),
            merged: view.merged,
            attribute_sources: view.attribute_sources,
            statements: view.statements,
            outgoing: view.outgoing,
            incoming: view.incoming,
            evaluations: view.evaluations,
            costs: view.costs,
            history,
        })
    }

    /// Every version of every attribute of an entity, oldest first.
    pub fn history(&self, id: &str) -> Result<Vec<FactVersion>> {
        self.require(id)?;
        Ok(self.store.history(id)?)
    }

    /// The merged record as it stood at `at`. An entity that exists now but not then is
    /// `NotFound` with no suggestions (the id is right, the time is before it).
    pub fn as_of(&self, id: &str, at: Instant) -> Result<AsOfDoc> {
        let at_text = at.to_rfc3339();
        match self.store.merged_as_of(id, &at_text)? {
            Some(merged) => Ok(AsOfDoc {
                id: id.to_string(),
                as_of: at_text,
                merged,
            }),
            None if self.exists(id)? => Err(crate::RepoError::NotFound {
                id: format!("{id} as of {at_text}"),
                suggestions: Vec::new(),
            }),
            None => Err(self.not_found(id)),
        }
    }

    /// The merged record of an entity, if it exists.
    pub fn merged(&self, id: &str) -> Result<Option<Record>> {
        Ok(self.store.merged(id)?)
    }
}

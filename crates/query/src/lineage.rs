//! Ancestors and descendants of a model as a DAG: every edge with its depth, several parents for
//! merges, and the cycles that bad data contains reported rather than walked forever.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use macaroni_format::RelationKind;
use macaroni_store::{Limits, ReadOnly, SqlValue};
use serde::Serialize;

use crate::QueryError;

#[derive(Debug, Clone)]
pub struct LineageOptions {
    /// Walk towards the bases (`true`) or towards the derivatives.
    pub up: bool,
    /// Relations to follow; empty means every lineage relation.
    pub relations: Vec<RelationKind>,
    pub max_depth: u32,
}

/// One edge reached: `id` is the model found, `relation` and `from` the edge that reached it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Edge {
    pub id: String,
    pub relation: String,
    /// The model one step nearer the root.
    pub from: String,
    /// Hops from the root to `id` along this edge.
    pub depth: u32,
    pub method: String,
    pub confidence: f64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct LineageResult {
    pub root: String,
    pub edges: Vec<Edge>,
    /// Edges that lead back to a model already on the path: the data has a cycle there.
    pub cycles: Vec<Edge>,
    /// The depth bound cut the walk short.
    pub truncated: bool,
}

/// Breadth-first over `lineage_edges`, one query per level, each model expanded once.
pub fn lineage(
    store: &ReadOnly,
    root: &str,
    options: &LineageOptions,
    limits: Limits,
) -> Result<LineageResult, QueryError> {
    let kinds: Vec<RelationKind> = if options.relations.is_empty() {
        RelationKind::ALL.into_iter().filter(|k| k.is_lineage()).collect()
    } else {
        options.relations.clone()
    };
    let (near, far) = if options.up {
        ("child", "parent")
    } else {
        ("parent", "child")
    };
    let relation_list = kinds
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut result = LineageResult {
        root: root.to_string(),
        ..LineageResult::default()
    };
    let mut depth_of: BTreeMap<String, u32> = BTreeMap::from([(root.to_string(), 0)]);
    let mut frontier: VecDeque<String> = VecDeque::from([root.to_string()]);
    let mut depth = 0;
    while !frontier.is_empty() {
        if depth == options.max_depth {
            result.truncated = true;
            break;
        }
        depth += 1;
        let level: Vec<String> = frontier.drain(..).collect();
        let placeholders = vec!["?"; level.len()].join(", ");
        let sql = format!(
            "SELECT {far}, relation, {near}, method, confidence FROM lineage_edges WHERE {near} IN ({placeholders}) AND relation IN ({relation_list}) ORDER BY {near}, relation, {far}"
        );
        let params: Vec<SqlValue> = level.iter().map(|id| SqlValue::Text(id.clone())).collect();
        let rows = store.query(&sql, &params, limits)?;
        for row in rows.rows {
            let text = |i: usize| row[i].as_str().unwrap_or_default().to_string();
            let edge = Edge {
                id: text(0),
                relation: text(1),
                from: text(2),
                depth,
                method: text(3),
                confidence: row[4].as_f64().unwrap_or(0.0),
            };
            match depth_of.get(&edge.id) {
                Some(&seen) if seen < depth && leads_back(&result.edges, &edge) => result.cycles.push(edge),
                Some(_) => result.edges.push(edge),
                None => {
                    depth_of.insert(edge.id.clone(), depth);
                    frontier.push_back(edge.id.clone());
                    result.edges.push(edge);
                }
            }
        }
    }
    Ok(result)
}

/// Whether `edge` returns to a model on the path that reached its `from` (a cycle), rather than
/// joining another branch (a DAG with several parents).
fn leads_back(edges: &[Edge], edge: &Edge) -> bool {
    let mut on_path: BTreeSet<&str> = BTreeSet::new();
    let mut current = edge.from.as_str();
    while on_path.insert(current) {
        if current == edge.id {
            return true;
        }
        match edges.iter().find(|e| e.id == current) {
            Some(parent) => current = parent.from.as_str(),
            None => break,
        }
    }
    on_path.contains(edge.id.as_str())
}

/// A model both models descend from (or one of the two themselves), with the fewest hops from each.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommonAncestor {
    pub id: String,
    pub depth_from_first: u32,
    pub depth_from_second: u32,
}

/// The shared ancestry of two models, nearest first (by the longer of the two walks, then the
/// shorter). A model counts as its own ancestor at depth 0, so when one model descends from the
/// other, the other leads the list.
pub fn common_ancestors(
    store: &ReadOnly,
    first: &str,
    second: &str,
    options: &LineageOptions,
    limits: Limits,
) -> Result<Vec<CommonAncestor>, QueryError> {
    let upwards = LineageOptions {
        up: true,
        ..options.clone()
    };
    let depths = |model: &str| -> Result<BTreeMap<String, u32>, QueryError> {
        let mut nearest = BTreeMap::from([(model.to_string(), 0)]);
        for edge in lineage(store, model, &upwards, limits)?.edges {
            let depth = nearest.entry(edge.id).or_insert(edge.depth);
            *depth = (*depth).min(edge.depth);
        }
        Ok(nearest)
    };
    let from_first = depths(first)?;
    let from_second = depths(second)?;
    let mut shared: Vec<CommonAncestor> = from_first
        .iter()
        .filter_map(|(id, &a)| {
            from_second.get(id).map(|&b| CommonAncestor {
                id: id.clone(),
                depth_from_first: a,
                depth_from_second: b,
            })
        })
        .collect();
    shared.sort_by_key(|c| {
        (
            c.depth_from_first.max(c.depth_from_second),
            c.depth_from_first.min(c.depth_from_second),
            c.id.clone(),
        )
    });
    Ok(shared)
}

//! The lineage closure (`lineage_closure`): for every model, every ancestor it reaches through
//! lineage relations, with the fewest hops. Kept current by every write: when a model's own
//! lineage edges change, the ancestor sets of that model and of everything below it are
//! recomputed (what lies below a model does not depend on the model's own upward edges, so the
//! closure names it correctly before the update). Walks stop at 64 hops, so cycles in bad data
//! end.

use std::collections::BTreeSet;

use macaroni_format::RelationKind;
use rusqlite::Transaction;

use crate::Result;

/// Longest chain of lineage followed; queries go to 50.
const MAX_HOPS: u32 = 64;

/// The child of a lineage relation entity id (`rel:<child>|<relation>|<parent>`).
pub(crate) fn lineage_child(entity_id: &str) -> Option<&str> {
    let rest = entity_id.strip_prefix("rel:")?;
    let mut parts = rest.rsplitn(3, '|');
    let _parent = parts.next()?;
    let relation = parts.next()?;
    let child = parts.next()?;
    RelationKind::parse(relation).filter(|k| k.is_lineage()).map(|_| child)
}

fn lineage_kinds() -> String {
    RelationKind::ALL
        .into_iter()
        .filter(|k| k.is_lineage())
        .map(|k| format!("'{}'", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Recomputes the ancestors of `children` and of all their descendants.
pub(crate) fn refresh(tx: &Transaction, children: &BTreeSet<String>) -> Result<()> {
    if children.is_empty() {
        return Ok(());
    }
    let mut affected: BTreeSet<String> = children.clone();
    {
        let mut below = tx.prepare_cached("SELECT descendant FROM lineage_closure WHERE ancestor = ?1")?;
        for child in children {
            for row in below.query_map([child], |r| r.get::<_, String>(0))? {
                affected.insert(row?);
            }
        }
    }
    let kinds = lineage_kinds();
    let mut clear = tx.prepare_cached("DELETE FROM lineage_closure WHERE descendant = ?1")?;
    let mut fill = tx.prepare_cached(&format!(
        "INSERT INTO lineage_closure (ancestor, descendant, depth)
         WITH RECURSIVE up(node, depth) AS (
             SELECT object, 1 FROM relations WHERE subject = ?1 AND relation IN ({kinds})
             UNION
             SELECT r.object, up.depth + 1 FROM up JOIN relations r ON r.subject = up.node
             WHERE r.relation IN ({kinds}) AND up.depth < {MAX_HOPS}
         )
         SELECT node, ?1, MIN(depth) FROM up GROUP BY node"
    ))?;
    for node in &affected {
        clear.execute([node])?;
        fill.execute([node])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_relation_ids_name_their_child() {
        assert_eq!(lineage_child("rel:hf:a/b|fine_tuned_from|hf:c/d"), Some("hf:a/b"));
        assert_eq!(lineage_child("rel:hf:a/b|trained_on|dataset:x"), None);
        assert_eq!(lineage_child("hf:a/b"), None);
    }
}

//! The lineage closure (`lineage_closure`): for every model, every ancestor it reaches through
//! lineage relations, with the fewest hops. Kept current by every write: when a model's own
//! lineage edges change, the ancestor sets of that model and of everything below it are
//! recomputed (what lies below a model does not depend on the model's own upward edges, so the
//! closure names it correctly before the update). Walks stop at 64 hops, so cycles in bad data
//! end.

use std::collections::{BTreeSet, HashMap};

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

/// Recomputes the ancestors of `children` and of all their descendants (the affected nodes).
///
/// A parent outside the affected set has a correct closure already (had it an affected
/// ancestor, it would be affected itself), so each affected node's ancestors are the nodes it
/// reaches inside the set, breadth-first and each once, plus what those nodes' outside parents
/// reach, read from the closure rather than walked again. A clique of K models that all name
/// each other costs K breadth-first walks of K² edges instead of the K³·64 rows a recursive
/// query produced; a new card below a large family reads its parents' closure rows only.
pub(crate) fn refresh(tx: &Transaction, children: &BTreeSet<String>) -> Result<()> {
    if children.is_empty() {
        return Ok(());
    }
    let affected = affected(tx, children)?;
    let graph = Graph::load(tx, &affected)?;
    // The closures of the parents outside the set, read once each.
    let mut outside_closures: HashMap<&str, Vec<(String, u32)>> = HashMap::new();
    let mut closure_of = tx.prepare_cached("SELECT ancestor, depth FROM lineage_closure WHERE descendant = ?1")?;
    for parent in graph.outside.iter().flatten() {
        if !outside_closures.contains_key(parent.as_str()) {
            let rows = closure_of.query_map([parent], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
            outside_closures.insert(parent, rows.collect::<rusqlite::Result<_>>()?);
        }
    }
    let mut clear = tx.prepare_cached("DELETE FROM lineage_closure WHERE descendant = ?1")?;
    let mut insert =
        tx.prepare_cached("INSERT INTO lineage_closure (ancestor, descendant, depth) VALUES (?1, ?2, ?3)")?;
    let mut walk = Walk::new(graph.ids.len());
    for (start, id) in graph.ids.iter().enumerate() {
        let mut best: HashMap<&str, u32> = HashMap::new();
        for (node, hops) in walk.reach(&graph, start) {
            if hops > 0 {
                relax(&mut best, graph.ids[node], hops);
            }
            for parent in &graph.outside[node] {
                relax(&mut best, parent, hops + 1);
                for (ancestor, depth) in outside_closures.get(parent.as_str()).into_iter().flatten() {
                    relax(&mut best, ancestor, hops + 1 + depth);
                }
            }
        }
        clear.execute([id])?;
        for (ancestor, depth) in best {
            insert.execute(rusqlite::params![ancestor, id, depth])?;
        }
    }
    Ok(())
}

/// Keeps the fewest hops to `ancestor`, within [`MAX_HOPS`].
fn relax<'a>(best: &mut HashMap<&'a str, u32>, ancestor: &'a str, hops: u32) {
    if hops <= MAX_HOPS {
        let entry = best.entry(ancestor).or_insert(hops);
        *entry = (*entry).min(hops);
    }
}

/// `children` and everything the closure says lies below them.
fn affected(tx: &Transaction, children: &BTreeSet<String>) -> Result<BTreeSet<String>> {
    let mut affected = children.clone();
    let mut below = tx.prepare_cached("SELECT descendant FROM lineage_closure WHERE ancestor = ?1")?;
    for child in children {
        for row in below.query_map([child], |r| r.get::<_, String>(0))? {
            affected.insert(row?);
        }
    }
    Ok(affected)
}

/// The lineage edges out of the affected nodes: to other affected nodes by index, to the rest by id.
struct Graph<'a> {
    ids: Vec<&'a str>,
    inside: Vec<Vec<usize>>,
    outside: Vec<Vec<String>>,
}

impl<'a> Graph<'a> {
    fn load(tx: &Transaction, affected: &'a BTreeSet<String>) -> Result<Graph<'a>> {
        let ids: Vec<&str> = affected.iter().map(String::as_str).collect();
        let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        let mut parents = tx.prepare_cached(&format!(
            "SELECT DISTINCT object FROM relations WHERE subject = ?1 AND relation IN ({})",
            lineage_kinds()
        ))?;
        let (mut inside, mut outside) = (vec![Vec::new(); ids.len()], vec![Vec::new(); ids.len()]);
        for (i, id) in ids.iter().enumerate() {
            for parent in parents.query_map([id], |r| r.get::<_, String>(0))? {
                let parent = parent?;
                match index.get(parent.as_str()) {
                    Some(&j) => inside[i].push(j),
                    None => outside[i].push(parent),
                }
            }
        }
        Ok(Graph { ids, inside, outside })
    }
}

/// Breadth-first walks over the inside edges, reusing one visit stamp per node.
struct Walk {
    stamp: Vec<usize>,
    round: usize,
}

impl Walk {
    fn new(nodes: usize) -> Walk {
        Walk {
            stamp: vec![0; nodes],
            round: 0,
        }
    }

    /// Every node reached from `start` with its fewest hops, `start` first at 0 (and again,
    /// at its cycle's length, when a loop leads back to it).
    fn reach(&mut self, graph: &Graph, start: usize) -> Vec<(usize, u32)> {
        self.round += 1;
        let mut reached = vec![(start, 0)];
        let mut frontier = vec![start];
        let mut hops = 0;
        while !frontier.is_empty() && hops < MAX_HOPS {
            hops += 1;
            let mut next = Vec::new();
            for node in frontier {
                for &parent in &graph.inside[node] {
                    if self.stamp[parent] != self.round {
                        self.stamp[parent] = self.round;
                        reached.push((parent, hops));
                        next.push(parent);
                    }
                }
            }
            frontier = next;
        }
        reached
    }
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

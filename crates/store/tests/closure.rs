//! The lineage closure follows every write: edges added, edges removed when their source no
//! longer states them, chains several hops deep, merges with two parents, and cycles in bad data.

use macaroni_format::{Provenance, Record, Relation, RelationKind};
use macaroni_store::{Limits, ReadOnly, SourceBatch, Store};

fn edge(child: &str, kind: RelationKind, parent: &str, source: &str) -> Record {
    let prov = Provenance::declared("huggingface", source, "2026-11-27T00:00:00Z");
    Record::Relation(Relation::new(child, kind, parent, prov))
}

fn batch(source: &str, edges: &[(&str, RelationKind, &str)]) -> SourceBatch {
    SourceBatch {
        uri: source.to_string(),
        records: edges.iter().map(|(c, k, p)| edge(c, *k, p, source)).collect(),
    }
}

/// (ancestor, descendant, depth) rows, sorted.
fn closure(db: &std::path::Path) -> Vec<(String, String, i64)> {
    let store = ReadOnly::open(db).unwrap();
    let rows = store
        .query(
            "SELECT ancestor, descendant, depth FROM lineage_closure ORDER BY ancestor, descendant",
            &[],
            Limits::unbounded(),
        )
        .unwrap();
    rows.rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().into(),
                r[1].as_str().unwrap().into(),
                r[2].as_i64().unwrap(),
            )
        })
        .collect()
}

fn row(a: &str, d: &str, depth: i64) -> (String, String, i64) {
    (a.into(), d.into(), depth)
}

#[test]
fn the_closure_follows_added_and_removed_edges() {
    use RelationKind::*;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let mut store = Store::open(&db).unwrap();
    // quant --quantized_from--> tune --fine_tuned_from--> base; merge has two parents.
    store
        .apply(
            &[
                batch("card:tune", &[("tune", FineTunedFrom, "base")]),
                batch("card:quant", &[("quant", QuantizedFrom, "tune")]),
                batch(
                    "card:merge",
                    &[("merge", MergedFrom, "tune"), ("merge", MergedFrom, "other")],
                ),
                batch("card:data", &[("tune", TrainedOn, "dataset:x")]),
            ],
            "2026-11-27T00:00:00Z",
        )
        .unwrap();
    assert_eq!(
        closure(&db),
        [
            row("base", "merge", 2),
            row("base", "quant", 2),
            row("base", "tune", 1),
            row("other", "merge", 1),
            row("tune", "merge", 1),
            row("tune", "quant", 1),
        ]
    );
    // `base` itself gets a parent in a later write: everything below it moves up a level.
    store
        .apply(
            &[batch("card:base", &[("base", DerivedFrom, "root")])],
            "2026-11-27T01:00:00Z",
        )
        .unwrap();
    let rows = closure(&db);
    assert!(rows.contains(&row("root", "quant", 3)) && rows.contains(&row("root", "merge", 3)));
    assert_eq!(rows.len(), 10);
    // The tune card no longer names its base: tune, quant and merge lose base and root.
    store.apply(&[batch("card:tune", &[])], "2026-11-27T02:00:00Z").unwrap();
    let rows = closure(&db);
    assert!(!rows.iter().any(|(a, d, _)| (a == "base" || a == "root") && d != "base"));
    assert!(rows.contains(&row("root", "base", 1)) && rows.contains(&row("tune", "quant", 1)));
}

#[test]
fn a_cycle_in_bad_data_ends() {
    use RelationKind::*;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cycle.db");
    let mut store = Store::open(&db).unwrap();
    store
        .apply(
            &[
                batch("card:a", &[("a", FineTunedFrom, "b")]),
                batch("card:b", &[("b", FineTunedFrom, "a")]),
            ],
            "2026-11-27T00:00:00Z",
        )
        .unwrap();
    let rows = closure(&db);
    assert_eq!(
        rows,
        [row("a", "a", 2), row("a", "b", 1), row("b", "a", 1), row("b", "b", 2)]
    );
}

/// The closure from scratch: a breadth-first walk up from every node of the current edges.
fn reference(edges: &[(String, String)]) -> Vec<(String, String, i64)> {
    use std::collections::{BTreeMap, BTreeSet, VecDeque};
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (child, parent) in edges {
        parents.entry(child).or_default().insert(parent);
    }
    let mut rows = Vec::new();
    for &start in parents.keys() {
        let mut seen: BTreeMap<&str, i64> = BTreeMap::new();
        let mut queue: VecDeque<(&str, i64)> = parents[start].iter().map(|p| (*p, 1)).collect();
        while let Some((node, hops)) = queue.pop_front() {
            if hops > 64 || seen.contains_key(node) {
                continue;
            }
            seen.insert(node, hops);
            for p in parents.get(node).into_iter().flatten() {
                queue.push_back((p, hops + 1));
            }
        }
        rows.extend(seen.into_iter().map(|(a, d)| (a.to_string(), start.to_string(), d)));
    }
    rows.sort();
    rows
}

#[test]
fn the_closure_kept_by_writes_equals_one_computed_from_scratch() {
    // Random graphs (cycles and cliques included) written file by file, then rewritten with edges
    // dropped: after every write the stored closure is the one a fresh walk gives.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for round in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let mut store = Store::open(&db).unwrap();
        let nodes = 6 + next(20);
        let mut files: Vec<Vec<(String, String)>> = vec![Vec::new(); 5];
        for _ in 0..nodes * 2 {
            let (c, p) = (next(nodes), next(nodes));
            files[next(5) as usize].push((format!("hf:m/{c}"), format!("hf:m/{p}")));
        }
        if round == 0 {
            // A clique: every model names every other as its base.
            files = vec![(0..12)
                .flat_map(|c| {
                    (0..12)
                        .filter(move |p| *p != c)
                        .map(move |p| (format!("hf:k/{c}"), format!("hf:k/{p}")))
                })
                .collect()];
        }
        for pass in 0..2 {
            let mut current = Vec::new();
            for (i, file) in files.iter_mut().enumerate() {
                if pass == 1 && !file.is_empty() {
                    file.remove(next(file.len() as u64) as usize);
                }
                let edges: Vec<(&str, RelationKind, &str)> = file
                    .iter()
                    .map(|(c, p)| (c.as_str(), RelationKind::FineTunedFrom, p.as_str()))
                    .collect();
                store
                    .apply(&[batch(&format!("card:{i}"), &edges)], "2026-11-27T00:00:00Z")
                    .unwrap();
                current.extend(file.iter().cloned());
            }
            let mut unique = current.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(closure(&db), reference(&unique), "round {round}, pass {pass}");
        }
    }
}

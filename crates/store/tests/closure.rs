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

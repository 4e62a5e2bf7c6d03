//! "Did you mean": the ids nearest to one that does not exist.
//!
//! Candidates come from two bounded, indexed look-ups (ids sharing the first characters, and
//! full-text matches of the id's words), ranked by edit distance; a repository of millions of
//! ids is never scanned.

use macaroni_store::{Limits, ReadOnly, SqlValue};

/// Suggestions shown at most.
const SHOWN: usize = 5;
/// Candidates read from each look-up.
const CANDIDATES: i64 = 50;

pub fn nearest_ids(store: &ReadOnly, id: &str, limits: Limits) -> Vec<String> {
    let mut candidates = Vec::new();
    let prefix: String = id.chars().take(id.find(':').map_or(0, |colon| colon + 1) + 2).collect();
    let by_prefix = "SELECT id FROM entities WHERE id >= ?1 AND id < ?1 || char(1114111) ORDER BY id LIMIT ?2";
    candidates.extend(ids(
        store,
        by_prefix,
        vec![SqlValue::Text(prefix), SqlValue::Integer(CANDIDATES)],
        limits,
    ));
    let words: Vec<String> = id
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    if !words.is_empty() {
        let by_text = "SELECT e.id FROM search JOIN entities e ON e.rowid = search.rowid WHERE search MATCH ?1 ORDER BY rank LIMIT ?2";
        let params = vec![SqlValue::Text(words.join(" OR ")), SqlValue::Integer(CANDIDATES)];
        candidates.extend(ids(store, by_text, params, limits));
    }
    rank(id, candidates)
}

fn ids(store: &ReadOnly, sql: &str, params: Vec<SqlValue>, limits: Limits) -> Vec<String> {
    // A failed look-up only costs a suggestion.
    store.query(sql, &params, limits).map_or_else(
        |_| Vec::new(),
        |rows| {
            rows.rows
                .iter()
                .filter_map(|r| r[0].as_str().map(str::to_string))
                .collect()
        },
    )
}

/// The closest candidates first (case-insensitive edit distance), only those reasonably close.
pub fn rank(wanted: &str, mut candidates: Vec<String>) -> Vec<String> {
    candidates.sort();
    candidates.dedup();
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(f64, String)> = candidates
        .into_iter()
        .map(|c| (strsim::normalized_levenshtein(&wanted, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored.into_iter().take(SHOWN).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn close_ids_first_far_ones_dropped() {
        let ranked = super::rank(
            "hf:bert-base-uncase",
            vec![
                "hf:google-bert/bert-base-uncased".into(),
                "hf:bert-base-uncased".into(),
                "timm:resnet50".into(),
            ],
        );
        assert_eq!(ranked, ["hf:bert-base-uncased", "hf:google-bert/bert-base-uncased"]);
    }
}

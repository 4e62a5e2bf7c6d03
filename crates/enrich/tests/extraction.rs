//! How well prose extraction recovers what a card's YAML declares.
//!
//! For every real card in ../shared/data/hf-model-cards, the card is read twice: whole (the
//! declared facts are the truth) and with its front matter removed (what text patterns recover).
//! Per fact kind — training datasets, base model, evaluation results — precision is the share of
//! verifiable extracted facts that match a declared one, over cards that declare that kind; recall
//! is the share of declared facts recovered. Every extracted dataset and base model is verifiable;
//! an extracted evaluation is verifiable when the card declares the same metric for a compatible
//! split (a model-index without a split is the Trainer's evaluation set). Figures are printed (run
//! with `--nocapture`) and go into QUALITY.md.

use std::collections::BTreeSet;
use std::path::Path;

use macaroni_enrich::{Enricher, Resolution};
use macaroni_format::{Method, Record, RelationKind};
use macaroni_sources::{collect_files, read_document, Document, ReadContext, ReaderKind};

#[derive(Debug, Default, Clone, Copy)]
struct Score {
    cards: usize,
    declared: usize,
    extracted: usize,
    /// Extracted facts the declared ones can confirm or refute.
    verifiable: usize,
    correct_extracted: usize,
    recovered: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.verifiable == 0 {
            1.0
        } else {
            self.correct_extracted as f64 / self.verifiable as f64
        }
    }

    fn recall(&self) -> f64 {
        if self.declared == 0 {
            0.0
        } else {
            self.recovered as f64 / self.declared as f64
        }
    }
}

/// Facts of one kind from one reading of a card.
/// One evaluation value: canonical metric, split (`validation`, `test`, other, or unknown) and value.
#[derive(Debug, Clone)]
struct Measured {
    metric: String,
    split: Option<String>,
    value: f64,
}

fn split_of(e: &macaroni_format::Evaluation) -> Option<String> {
    let split = e.dataset.split.as_ref()?.as_str()?.to_lowercase();
    Some(match split.as_str() {
        "validation" | "valid" | "val" | "dev" | "eval" | "evaluation" => "validation".to_string(),
        other => other.to_string(),
    })
}

/// A model-index without a split is the Trainer's evaluation set.
fn same_split(extracted: &Option<String>, declared: &Option<String>) -> bool {
    match (extracted.as_deref(), declared.as_deref()) {
        (Some(e), Some(d)) => e == d,
        (Some(e), None) => e == "validation",
        _ => true,
    }
}

#[derive(Debug, Default)]
struct Facts {
    datasets: BTreeSet<String>,
    bases: BTreeSet<String>,
    evaluations: Vec<Measured>,
}

fn canonical(resolver: &macaroni_enrich::Resolver, raw: &str) -> String {
    match resolver.resolve(raw) {
        Resolution::Canonical { ids, .. } => ids.join("+"),
        _ => macaroni_format::id::slug(raw),
    }
}

/// The repository name without its namespace: `distilbert/distilbert-base-uncased` and the legacy
/// `distilbert-base-uncased` name one model.
fn base_name(id: &str) -> String {
    id.trim_start_matches("hf:")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_lowercase()
}

fn facts(enricher: &Enricher, records: &[Record], from_prose: bool) -> Facts {
    let wanted = |m: Method| {
        if from_prose {
            matches!(m, Method::TextPattern | Method::ParsedTable)
        } else {
            m == Method::Declared || m == Method::Inferred
        }
    };
    let mut facts = Facts::default();
    for record in records {
        match record {
            Record::Relation(r) if wanted(r.provenance.method) => match r.relation {
                RelationKind::TrainedOn => {
                    let raw = r.attributes.get("raw").and_then(|v| v.as_str()).unwrap_or(&r.object);
                    facts.datasets.insert(canonical(&enricher.datasets, raw));
                }
                kind if kind.is_lineage() => {
                    facts.bases.insert(base_name(&r.object));
                }
                _ => {}
            },
            Record::Evaluation(e) if wanted(e.provenance.method) => {
                let metric = e
                    .metric
                    .metric_type
                    .clone()
                    .or(e.metric.name.clone())
                    .unwrap_or_default();
                if let Some(value) = e.numeric_value {
                    facts.evaluations.push(Measured {
                        metric: canonical(&enricher.metrics, &metric),
                        split: split_of(e),
                        value,
                    });
                }
            }
            _ => {}
        }
    }
    facts
}

/// Values match when one rounds to the other (prose prints fewer decimals), also across the
/// fraction/percentage scales.
fn close(extracted: f64, declared: f64) -> bool {
    let tolerance = |v: f64| {
        let text = format!("{v}");
        let decimals = text.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
        0.5 * 10f64.powi(-decimals) + 1e-9
    };
    [declared, declared * 100.0, declared / 100.0]
        .iter()
        .any(|d| (extracted - d).abs() <= tolerance(extracted))
}

/// For precision only: a declared name that joins several datasets (`wikiann-conll2003`) also
/// accepts its parts, which is how the card's prose names them ("the wikiann and conll2003 dataset").
fn accepted(declared: &BTreeSet<String>) -> BTreeSet<String> {
    let mut accepted = declared.clone();
    for name in declared {
        let parts: Vec<&str> = name.split('-').collect();
        if parts.len() > 1 && parts.iter().all(|p| p.len() >= 4) {
            accepted.extend(parts.iter().map(|p| p.to_string()));
        }
    }
    accepted
}

fn score_sets(score: &mut Score, declared: &BTreeSet<String>, extracted: &BTreeSet<String>) {
    if declared.is_empty() {
        return;
    }
    score.cards += 1;
    score.declared += declared.len();
    score.extracted += extracted.len();
    score.verifiable += extracted.len();
    score.correct_extracted += extracted.intersection(&accepted(declared)).count();
    score.recovered += declared.intersection(extracted).count();
}

fn score_evaluations(score: &mut Score, declared: &[Measured], extracted: &[Measured]) {
    if declared.is_empty() {
        return;
    }
    score.cards += 1;
    score.declared += declared.len();
    score.extracted += extracted.len();
    let comparable = |e: &Measured, d: &Measured| e.metric == d.metric && same_split(&e.split, &d.split);
    let matches = |e: &Measured, d: &Measured| comparable(e, d) && close(e.value, d.value);
    score.verifiable += extracted
        .iter()
        .filter(|e| declared.iter().any(|d| comparable(e, d)))
        .count();
    score.correct_extracted += extracted
        .iter()
        .filter(|e| declared.iter().any(|d| matches(e, d)))
        .count();
    score.recovered += declared
        .iter()
        .filter(|d| extracted.iter().any(|e| matches(e, d)))
        .count();
}

/// The card with its front matter removed, as the reader would see a card without YAML.
fn without_front_matter(doc: &Document) -> Option<Document> {
    let text = String::from_utf8_lossy(&doc.bytes).replace("\r\n", "\n");
    let rest = text.trim_start().strip_prefix("---\n")?;
    let end = rest.find("\n---")?;
    let body = rest[end + 4..].to_string();
    Some(Document::from_bytes(&doc.uri, &doc.relative_path, body.into_bytes()))
}

#[test]
fn prose_extraction_precision_and_recall() {
    let Some(data) = macaroni_sources::shared_data_or_skip() else {
        return;
    };
    let enricher = Enricher::builtin().unwrap();
    let ctx = ReadContext {
        observed_at: "2026-11-27T00:00:00Z".into(),
        label_taxonomy: None,
    };
    let (files, _) = collect_files(ReaderKind::HfCards, &[data.join("hf-model-cards")]);
    let (mut datasets, mut bases, mut evaluations) = (Score::default(), Score::default(), Score::default());
    for (root, path) in files {
        if path
            .components()
            .any(|c| c.as_os_str() == "spec" || c.as_os_str() == "huggingface_hub-fixtures")
        {
            continue; // templates and synthetic fixtures, not real cards
        }
        let doc = read_document(&root, &path).unwrap();
        let Some(hidden) = without_front_matter(&doc) else {
            continue;
        };
        let declared = facts(&enricher, &ReaderKind::HfCards.read(&doc, &ctx).records, false);
        let extracted = facts(&enricher, &ReaderKind::HfCards.read(&hidden, &ctx).records, true);
        score_sets(&mut datasets, &declared.datasets, &extracted.datasets);
        score_sets(&mut bases, &declared.bases, &extracted.bases);
        score_evaluations(&mut evaluations, &declared.evaluations, &extracted.evaluations);
        report_misses(&path, &declared, &extracted);
        if std::env::var("SHOW_EVAL_MISSES").is_ok() && !declared.evaluations.is_empty() {
            for e in &extracted.evaluations {
                if !declared
                    .evaluations
                    .iter()
                    .any(|d| d.metric == e.metric && close(e.value, d.value))
                {
                    println!("eval miss {}: {e:?} vs {:?}", path.display(), declared.evaluations);
                }
            }
        }
    }
    println!("| fact kind | cards declaring it | declared | extracted | verifiable | correct | precision | recall |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (kind, score) in [
        ("training datasets", datasets),
        ("base model", bases),
        ("evaluation results", evaluations),
    ] {
        println!(
            "| {kind} | {} | {} | {} | {} | {} | {:.3} | {:.3} |",
            score.cards,
            score.declared,
            score.extracted,
            score.verifiable,
            score.correct_extracted,
            score.precision(),
            score.recall()
        );
        assert!(score.cards >= 10, "{kind}: only {} cards declare it", score.cards);
        assert!(score.verifiable > 0, "{kind}: nothing verifiable extracted");
        assert!(
            score.precision() >= 0.95,
            "{kind}: precision {:.3} < 0.95",
            score.precision()
        );
    }
}

/// Extracted facts that match nothing declared, printed for whoever improves the patterns.
fn report_misses(path: &Path, declared: &Facts, extracted: &Facts) {
    let wrong_datasets: Vec<_> = if declared.datasets.is_empty() {
        Vec::new()
    } else {
        extracted.datasets.difference(&declared.datasets).collect()
    };
    let wrong_bases: Vec<_> = if declared.bases.is_empty() {
        Vec::new()
    } else {
        extracted.bases.difference(&declared.bases).collect()
    };
    if !wrong_datasets.is_empty() || !wrong_bases.is_empty() {
        println!(
            "miss {}: datasets {wrong_datasets:?} vs {:?}; bases {wrong_bases:?} vs {:?}",
            path.display(),
            declared.datasets,
            declared.bases
        );
    }
}

//! `macaroni quickstart`: the demo zoo in `demo/zoo/`, compiled into the binary.
//!
//! The zoo is written by us in each zoo's own format (HF cards, TF Hub docs, PyTorch Hub pages,
//! timm CSVs, a model-index metafile) plus a small curated bundle of cross-zoo links, so the
//! quickstart runs the same readers a real ingest does.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use macaroni_format::read_bundle;
use macaroni_repo::{Repo, Writer};
use macaroni_sources::{Document, ReaderKind};
use macaroni_store::Change;

use crate::ingest::ingest_documents;

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// Demo folders and the reader for each.
const FOLDERS: [(&str, ReaderKind); 5] = [
    ("hf-cards/", ReaderKind::HfCards),
    ("tfhub/", ReaderKind::Tfhub),
    ("pytorch-hub/", ReaderKind::PytorchHub),
    ("timm/", ReaderKind::Timm),
    ("model-index/", ReaderKind::ModelIndex),
];

/// The embedded documents read by one reader.
pub fn demo_documents(prefix: &str) -> Vec<Document> {
    DEMO_FILES
        .iter()
        .filter_map(|(path, text)| {
            let relative = path.strip_prefix(prefix)?;
            Some(Document::from_bytes(
                &format!("demo:{path}"),
                Path::new(relative),
                text.as_bytes().to_vec(),
            ))
        })
        .collect()
}

pub fn quickstart(db: &Path) -> anyhow::Result<ExitCode> {
    let mut writer = Writer::open_write(db)?;
    say!(
        "Building {} from the demo zoo ({} files)…",
        db.display(),
        DEMO_FILES.len()
    );
    let mut warnings = 0;
    for (prefix, reader) in FOLDERS {
        let documents = demo_documents(prefix);
        let total = documents.len() as u64;
        let report = ingest_documents(
            &mut writer,
            reader,
            None,
            documents.into_iter().map(Ok),
            total,
            100,
            false,
        )?;
        warnings += report.warnings.len();
        for warning in &report.warnings {
            esay!("warning: {}: {}", warning.file, warning.message);
        }
        say!(
            "  {:<12} {:>3} files → {:>4} records ({} new statements)",
            reader.name(),
            report.files,
            report.records,
            report.summary.total(Change::Added)
        );
    }
    let curated = DEMO_FILES
        .iter()
        .find(|(path, _)| *path == "curated.jsonl")
        .map(|(_, text)| *text)
        .unwrap_or("");
    let records = read_bundle(curated.as_bytes()).context("reading the curated demo bundle")?;
    let count = writer.import(records, macaroni_repo::ImportMode::Add)?.records;
    say!("  {:<12} {:>3} curated cross-zoo links and papers", "bundle", count);
    let enrichment = writer.enrich()?;
    say!("  {}", crate::enrich::summary_line(&enrichment));
    drop(writer);

    let stats = Repo::open_read(db)?.stats()?;
    let n = |k: &str| stats.kinds.get(k).copied().unwrap_or(0);
    say!(
        "\nDone: {} models, {} evaluations, {} relations, {} cost measurements{}.",
        n("model"),
        n("evaluation"),
        n("relation"),
        n("cost_measurement"),
        if warnings > 0 {
            format!(", {warnings} warnings")
        } else {
            String::new()
        }
    );
    let db_arg = if db == Path::new("macaroni.db") {
        String::new()
    } else {
        format!(" --db {}", db.display())
    };
    say!("\nTry next:");
    say!("  macaroni{db_arg} serve            # then open http://127.0.0.1:8080/ in a browser");
    say!("  macaroni{db_arg} stats");
    say!("  macaroni{db_arg} show hf:deepset/roberta-base-squad2");
    say!("  macaroni{db_arg} show timm:resnet50.a1_in1k");
    say!("  macaroni{db_arg} show tfhub:google/imagenet/mobilenet_v2_100_224/classification/5");
    say!("  macaroni{db_arg} show dataset:imagenet-1k");
    say!("  macaroni{db_arg} search 'task:image-classification top1@imagenet-1k>=80 params<30M'");
    say!("  macaroni{db_arg} search 'license:permissive \"question answering\"'");
    say!("  macaroni{db_arg} lineage hf:meta-llama/Llama-2-7b-hf --format dot");
    say!("  macaroni{db_arg} compare timm:resnet50.a1_in1k timm:convnext_tiny.fb_in1k timm:efficientnet_b0.ra_in1k");
    say!("  macaroni{db_arg} select 'task:image-classification' --maximize top1@imagenet-1k --minimize params");
    say!("  macaroni{db_arg} quality");
    say!("  macaroni{db_arg} export --format jsonl --kind evaluation");
    say!("  macaroni{db_arg} sql \"SELECT model_id, dataset_id, metric_type, numeric_value FROM evaluations ORDER BY numeric_value DESC LIMIT 5\"");
    Ok(ExitCode::SUCCESS)
}

//! Inputs of our own making that the fuzz targets (crates/fuzz) found readers mishandling.

use std::path::PathBuf;

use macaroni_sources::{Document, ReadContext, ReaderKind, WarningKind};

fn read(reader: ReaderKind, name: &str, text: &[u8]) -> macaroni_sources::ReadOutput {
    let doc = Document {
        uri: format!("/tmp/fixture/{name}"),
        relative_path: PathBuf::from(name),
        bytes: text.to_vec(),
    };
    let ctx = ReadContext {
        observed_at: "2026-12-04T00:00:00Z".into(),
        label_taxonomy: None,
    };
    reader.read(&doc, &ctx)
}

#[test]
fn a_model_name_holding_a_control_character_is_skipped_with_a_warning() {
    // A quoted newline inside a CSV cell, and a DEL: before, `timm:evil\nmodel` was stored.
    let csv = b"model,top1,top5,param_count\n\"evil\nmodel\",80.1,95.0,5.3\nvit\x7fso,81.0,95.5,6.1\nresnet50.a1_in1k,80.4,95.1,25.56\n";
    let out = read(ReaderKind::Timm, "results-imagenet.csv", csv);
    assert!(out.records.iter().all(|r| !r.id().chars().any(char::is_control)));
    assert!(
        out.records.iter().any(|r| r.id() == "timm:resnet50.a1_in1k"),
        "the good row is kept"
    );
    let warning = out
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::BadValue)
        .expect("a warning");
    assert!(warning.file.ends_with("results-imagenet.csv"));
    assert!(
        warning.message.contains("control characters") && warning.message.contains("evil\\nmodel"),
        "{}",
        warning.message
    );
}

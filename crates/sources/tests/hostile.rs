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

#[test]
fn quiet_wrong_values_are_warned_about_not_stored() {
    // timm writes -1 for an unknown parameter count: it was stored as 0.
    let out = read(
        ReaderKind::Timm,
        "results-imagenet.csv",
        b"model,top1,param_count\nresnet50.a1_in1k,80.4,-1\n",
    );
    let model = out.records.iter().find_map(|r| match r {
        macaroni_format::Record::Model(m) => Some(m),
        _ => None,
    });
    assert_eq!(model.and_then(|m| m.parameters), None);
    assert!(out
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::BadValue && w.message.contains("param_count")));

    // A number too large for a float became null without a word.
    let card = b"---\nlicense: mit\nmodel-index:\n- name: big\n  results:\n  - task: {type: text-classification}\n    dataset: {name: SST-2, type: sst2}\n    metrics:\n    - {type: accuracy, value: 1e400}\n---\n# big\n";
    let out = read(ReaderKind::HfCards, "acme/big/README.md", card);
    let warning = out
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::BadValue)
        .expect("a warning");
    assert!(
        warning.message.contains("model-index[0].results[0].metrics[0].value"),
        "{}",
        warning.message
    );

    // A base model named with `|` broke the lineage closure (it splits relation ids on `|`).
    let card = b"---\nbase_model: evil|fine_tuned_from|hf:x/y\nlicense: mit\n---\n# piped\n";
    let out = read(ReaderKind::HfCards, "acme/piped/README.md", card);
    assert!(out.records.iter().all(|r| match r {
        macaroni_format::Record::Relation(rel) => !rel.object.contains('|'),
        _ => true,
    }));
    assert!(
        out.warnings.iter().any(|w| w.message.contains("`|`")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn a_symbolic_link_to_a_card_is_named_not_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("elsewhere.md");
    std::fs::write(&real, "---\nlicense: mit\n---\n# x\n").unwrap();
    let folder = dir.path().join("cards/acme/m");
    std::fs::create_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(&real, folder.join("README.md")).unwrap();
    let (files, warnings) = macaroni_sources::collect_files(ReaderKind::HfCards, &[dir.path().join("cards")]);
    assert!(files.is_empty());
    assert!(
        warnings
            .iter()
            .any(|w| w.file.ends_with("README.md") && w.message.contains("symbolic link")),
        "{warnings:?}"
    );
}

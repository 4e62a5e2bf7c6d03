//! An ingest skips the files it read before, unchanged, and only those: a changed file, a file
//! read with warnings, a file whose source something else wrote since, and every file under
//! `reparse_all` are parsed again, and what the repository holds is the same either way.

use std::path::{Path, PathBuf};

use macaroni_format::Record;
use macaroni_repo::{IngestReport, Repo, Writer};
use macaroni_sources::ReaderKind;
use macaroni_store::{Category, Change};

fn card(license: &str, accuracy: f64) -> String {
    format!(
        "---\nlicense: {license}\nlibrary_name: transformers\nmodel-index:\n- name: m\n  results:\n  - task:\n      type: text-classification\n    dataset:\n      name: SST-2\n      type: sst2\n    metrics:\n    - type: accuracy\n      value: {accuracy}\n---\n# A model\n\nA card written for this test.\n"
    )
}

fn write_card(root: &Path, org_and_name: &str, text: &str) -> PathBuf {
    let dir = root.join(org_and_name);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("README.md");
    std::fs::write(&path, text).unwrap();
    path
}

fn ingest(writer: &mut Writer, cards: &Path) -> IngestReport {
    writer
        .ingest_paths(ReaderKind::HfCards, &[cards.to_path_buf()], None, 10, &mut |_, _| {})
        .unwrap()
}

fn license_of(db: &Path, id: &str) -> Option<String> {
    match Repo::open_read(db).unwrap().merged(id).unwrap() {
        Some(Record::Model(model)) => model.license,
        other => panic!("{id} is not a model: {other:?}"),
    }
}

fn export(db: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    Repo::open_read(db)
        .unwrap()
        .export_each(None, |record| {
            lines.push(serde_json::to_string(&record).unwrap());
            Ok(())
        })
        .unwrap();
    lines.sort();
    lines
}

/// A folder of two cards and a new repository beside it (`cards/`, `repo.db`).
fn two_cards() -> (tempfile::TempDir, Writer) {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    write_card(&cards, "acme/first", &card("mit", 0.91));
    write_card(&cards, "acme/second", &card("apache-2.0", 0.88));
    let writer = Writer::open_write(&dir.path().join("repo.db")).unwrap();
    (dir, writer)
}

#[test]
fn unchanged_files_are_skipped_and_counted_as_unchanged() {
    let (dir, mut writer) = two_cards();
    let (cards, db) = (dir.path().join("cards"), dir.path().join("repo.db"));

    let first = ingest(&mut writer, &cards);
    assert_eq!((first.files, first.unchanged_files), (2, 0));
    let added = first.summary.total(Change::Added);
    assert!(added >= 4, "two models and their evaluations: {:?}", first.summary);
    let before = export(&db);

    let again = ingest(&mut writer, &cards);
    assert_eq!((again.files, again.unchanged_files), (2, 2));
    assert_eq!(again.summary.total(Change::Unchanged), added);
    for category in [Category::Entities, Category::Evaluations] {
        assert_eq!(
            again.summary.count(category, Change::Unchanged),
            first.summary.count(category, Change::Added),
            "{category:?}"
        );
    }
    assert_eq!(
        again.summary.total(Change::Added) + again.summary.total(Change::Updated),
        0
    );
    assert_eq!(export(&db), before, "a skipped file leaves the repository as it was");

    writer.reparse_all(true);
    let reparsed = ingest(&mut writer, &cards);
    assert_eq!(reparsed.unchanged_files, 0);
    assert_eq!(reparsed.summary.total(Change::Unchanged), added);
    assert_eq!(export(&db), before);
}

#[test]
fn a_changed_file_is_read_again_and_its_change_versioned() {
    let (dir, mut writer) = two_cards();
    let (cards, db) = (dir.path().join("cards"), dir.path().join("repo.db"));
    ingest(&mut writer, &cards);

    write_card(&cards, "acme/first", &card("bsd-3-clause", 0.91));
    let report = ingest(&mut writer, &cards);
    assert_eq!((report.files, report.unchanged_files), (2, 1));
    assert_eq!(report.summary.count(Category::Entities, Change::Updated), 1);
    assert_eq!(license_of(&db, "hf:acme/first").as_deref(), Some("bsd-3-clause"));
    assert_eq!(license_of(&db, "hf:acme/second").as_deref(), Some("apache-2.0"));

    // The new bytes are now the known ones.
    let report = ingest(&mut writer, &cards);
    assert_eq!(report.unchanged_files, 2);
}

#[test]
fn files_read_with_warnings_are_always_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    write_card(&cards, "acme/good", &card("mit", 0.91));
    write_card(
        &cards,
        "acme/broken",
        "---\nlicense: [mit\n  tags: {\n---\n# Broken front matter\n",
    );
    let db = dir.path().join("repo.db");
    let mut writer = Writer::open_write(&db).unwrap();
    let first = ingest(&mut writer, &cards);
    let broken = |report: &IngestReport| (report.warnings.iter()).filter(|w| w.file.contains("broken")).count();
    assert!(broken(&first) > 0, "malformed YAML warns: {:?}", first.warnings);

    let again = ingest(&mut writer, &cards);
    assert_eq!(again.unchanged_files, 1, "only the clean card is skipped");
    assert_eq!(broken(&again), broken(&first), "the warnings are reported again");
}

#[test]
fn a_source_written_by_anything_else_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    let path = write_card(&cards, "acme/first", &card("mit", 0.91));
    let db = dir.path().join("repo.db");
    let mut writer = Writer::open_write(&db).unwrap();
    ingest(&mut writer, &cards);

    // Another write for the same source (here: the store told that the file now says nothing).
    let uri = path.canonicalize().unwrap().to_string_lossy().into_owned();
    let emptied = macaroni_store::SourceBatch {
        uri,
        records: Vec::new(),
    };
    writer.store_mut().apply(&[emptied], "2026-12-04T00:00:00Z").unwrap();
    assert_eq!(Repo::open_read(&db).unwrap().merged("hf:acme/first").unwrap(), None);

    let report = ingest(&mut writer, &cards);
    assert_eq!(report.unchanged_files, 0, "the file is parsed, not taken as known");
    assert_eq!(license_of(&db, "hf:acme/first").as_deref(), Some("mit"));
}

#[test]
fn a_store_without_a_file_parses_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let cards = dir.path().join("cards");
    write_card(&cards, "acme/first", &card("mit", 0.91));
    let mut writer = Writer::from_store(macaroni_store::Store::open_in_memory().unwrap());
    ingest(&mut writer, &cards);
    let again = ingest(&mut writer, &cards);
    assert_eq!(again.unchanged_files, 0);
    assert!(again.summary.total(Change::Unchanged) > 0);
}

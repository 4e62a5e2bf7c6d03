//! Readers: one module per zoo dialect, each turning a file into Macaroni [`Record`]s.
//!
//! A reader sees bytes and a path and returns records plus warnings. It never touches the store
//! or SQL, and never panics on bad input: malformed YAML, broken markdown, invalid UTF-8 or
//! oversized files become a [`Warning`] naming the file and the reason, and whatever could still
//! be read is returned. That contract is what lets `ingest` run over a whole folder of real,
//! messy zoo metadata without losing the good files to the bad ones.

mod csv_table;
mod frontmatter;
pub mod hf_api;
pub mod hf_cards;
pub mod hf_config;
pub mod hf_datasets;
pub mod hubconf;
mod markdown;
pub mod model_index;
pub mod onnx;
pub mod pytorch_hub;
mod text;
pub mod tfhub;
pub mod timm;
mod walk;
pub mod zoo_matrix;

use std::path::Path;

use macaroni_format::{Provenance, Record};

pub use walk::{collect_files, is_metadata_file, read_document, Document, MAX_FILE_BYTES};

/// The folder of real zoo metadata (`../shared/data` beside the repository), from the
/// `MACARONI_SHARED_DATA` variable or the workspace layout. `None` when it is not there.
pub fn shared_data_dir() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("MACARONI_SHARED_DATA") {
        let dir = std::path::PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let beside_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    beside_repo
        .is_dir()
        .then(|| beside_repo.canonicalize().unwrap_or(beside_repo))
}

/// Which folders of `../shared/data` each reader reads, for tests and benchmarks.
pub const SHARED_DATA_LAYOUT: [(ReaderKind, &[&str]); 7] = [
    (ReaderKind::HfCards, &["hf-model-cards"]),
    (ReaderKind::HfApi, &["hf-api-models/responses"]),
    (ReaderKind::Tfhub, &["tfhub.dev"]),
    (ReaderKind::PytorchHub, &["pytorch-hub"]),
    (ReaderKind::Timm, &["timm/results"]),
    (ReaderKind::ModelIndex, &["mmpretrain", "timm/hfdocs"]),
    (ReaderKind::Onnx, &["onnx-model-zoo"]),
];

/// For tests: [`shared_data_dir`], or `None` after printing why the caller skips. Under `CI=true`
/// a missing folder is a failure, not a skip, so that CI cannot pass without the real data.
pub fn shared_data_or_skip() -> Option<std::path::PathBuf> {
    match shared_data_dir() {
        Some(dir) => Some(dir),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("../shared/data is missing: CI must provide it (or set MACARONI_SHARED_DATA)")
        }
        None => {
            eprintln!("skipping: ../shared/data not found (set MACARONI_SHARED_DATA to run this test)");
            None
        }
    }
}

/// The readers `macaroni ingest` knows, by their command-line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReaderKind {
    HfCards,
    HfApi,
    Tfhub,
    PytorchHub,
    Timm,
    ModelIndex,
    Onnx,
    ZooMatrix,
    LabelStats,
    HfDatasets,
    HfDatasetCards,
    HfConfig,
    PytorchHubconf,
}

impl ReaderKind {
    pub const ALL: [ReaderKind; 13] = [
        ReaderKind::HfCards,
        ReaderKind::HfApi,
        ReaderKind::Tfhub,
        ReaderKind::PytorchHub,
        ReaderKind::Timm,
        ReaderKind::ModelIndex,
        ReaderKind::Onnx,
        ReaderKind::ZooMatrix,
        ReaderKind::LabelStats,
        ReaderKind::HfDatasets,
        ReaderKind::HfDatasetCards,
        ReaderKind::HfConfig,
        ReaderKind::PytorchHubconf,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReaderKind::HfCards => "hf-cards",
            ReaderKind::HfApi => "hf-api",
            ReaderKind::Tfhub => "tfhub",
            ReaderKind::PytorchHub => "pytorch-hub",
            ReaderKind::Timm => "timm",
            ReaderKind::ModelIndex => "model-index",
            ReaderKind::Onnx => "onnx",
            ReaderKind::ZooMatrix => "zoo-matrix",
            ReaderKind::LabelStats => "label-stats",
            ReaderKind::HfDatasets => "hf-datasets",
            ReaderKind::HfDatasetCards => "hf-dataset-cards",
            ReaderKind::HfConfig => "hf-config",
            ReaderKind::PytorchHubconf => "pytorch-hubconf",
        }
    }

    pub fn parse(name: &str) -> Option<ReaderKind> {
        ReaderKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether a file found while walking a folder is one this reader reads.
    pub fn accepts(self, path: &Path) -> bool {
        match self {
            ReaderKind::HfCards => hf_cards::accepts(path),
            ReaderKind::HfApi => hf_api::accepts(path),
            ReaderKind::Tfhub => tfhub::accepts(path),
            ReaderKind::PytorchHub => pytorch_hub::accepts(path),
            ReaderKind::Timm => timm::accepts(path),
            ReaderKind::ModelIndex => model_index::accepts(path),
            ReaderKind::Onnx => onnx::accepts(path),
            ReaderKind::ZooMatrix => zoo_matrix::accepts_matrix(path),
            ReaderKind::LabelStats => zoo_matrix::accepts_label_stats(path),
            ReaderKind::HfDatasets => hf_datasets::accepts_api(path),
            ReaderKind::HfDatasetCards => hf_datasets::accepts_card(path),
            ReaderKind::HfConfig => hf_config::accepts(path),
            ReaderKind::PytorchHubconf => hubconf::accepts(path),
        }
    }

    /// Reads one file. What one file can expand into is bounded: tables and listings stop at
    /// [`MAX_ROWS_PER_FILE`] rows, and the records at [`MAX_RECORDS_PER_FILE`], each cut a
    /// warning naming the file (so that its source keeps what it said before).
    pub fn read(self, doc: &Document, ctx: &ReadContext) -> ReadOutput {
        let mut out = self.read_all(doc, ctx);
        // An id is a key, shown in terminals and URLs: one holding a control character (a
        // quoted newline in a CSV cell, a DEL) names nothing real, and `|` separates the parts
        // of a relation's id (`rel:<subject>|<relation>|<object>`), so no end may hold one.
        let before = out.records.len();
        let mut bad = Vec::new();
        out.records.retain(|r| {
            let ends_clean = match r {
                Record::Relation(rel) => !rel.subject.contains('|') && !rel.object.contains('|'),
                _ => true,
            };
            let clean = ends_clean && !r.id().chars().any(char::is_control);
            if !clean && bad.len() < 3 {
                bad.push(r.id().escape_debug().to_string());
            }
            clean
        });
        if out.records.len() < before {
            let skipped = before - out.records.len();
            out.warn(
                doc,
                WarningKind::BadValue,
                format!(
                    "{skipped} record(s) skipped: their ids hold control characters, or a relation end holds `|` ({})",
                    bad.join(", ")
                ),
            );
        }
        if out.records.len() > MAX_RECORDS_PER_FILE {
            let total = out.records.len();
            out.records.truncate(MAX_RECORDS_PER_FILE);
            out.records.shrink_to_fit();
            out.warn(
                doc,
                WarningKind::Truncated,
                format!("{total} records; those after the first {MAX_RECORDS_PER_FILE} were skipped"),
            );
        }
        out
    }

    fn read_all(self, doc: &Document, ctx: &ReadContext) -> ReadOutput {
        let mut out = ReadOutput::default();
        let text = text::decode(doc, &mut out.warnings);
        match self {
            ReaderKind::HfCards => hf_cards::read(doc, &text, ctx, &mut out),
            ReaderKind::HfApi => hf_api::read(doc, &text, ctx, &mut out),
            ReaderKind::Tfhub => tfhub::read(doc, &text, ctx, &mut out),
            ReaderKind::PytorchHub => pytorch_hub::read(doc, &text, ctx, &mut out),
            ReaderKind::Timm => timm::read(doc, &text, ctx, &mut out),
            ReaderKind::ModelIndex => model_index::read(doc, &text, ctx, &mut out),
            ReaderKind::Onnx => onnx::read(doc, &text, ctx, &mut out),
            ReaderKind::ZooMatrix => zoo_matrix::read_matrix(doc, &text, ctx, &mut out),
            ReaderKind::LabelStats => zoo_matrix::read_label_stats(doc, &text, ctx, &mut out),
            ReaderKind::HfDatasets => hf_datasets::read_api(doc, &text, ctx, &mut out),
            ReaderKind::HfDatasetCards => hf_datasets::read_card(doc, &text, ctx, &mut out),
            ReaderKind::HfConfig => hf_config::read(doc, &text, ctx, &mut out),
            ReaderKind::PytorchHubconf => hubconf::read(doc, &text, ctx, &mut out),
        }
        out
    }
}

/// The Hub repository a file belongs to: from its URL
/// (`<endpoint>/<org>/<name>/resolve/<revision>/<file>`, or a root-level `<endpoint>/<name>/...`)
/// or from a checkout path `<org>/<name>/<file>`.
pub(crate) fn hub_repo_of(doc: &Document) -> Option<String> {
    let is_url = doc.uri.starts_with("http://") || doc.uri.starts_with("https://");
    if is_url {
        let parts: Vec<&str> = doc.uri.split('/').filter(|p| !p.is_empty()).collect();
        let at = parts.iter().position(|p| matches!(*p, "resolve" | "raw" | "blob"))?;
        return match at {
            0..=2 => None,
            3 => Some(parts[2].to_string()),
            _ => Some(format!("{}/{}", parts[at - 2], parts[at - 1])),
        };
    }
    let path: Vec<&str> = doc.relative_path.iter().filter_map(|c| c.to_str()).collect();
    match path.as_slice() {
        [.., org, name, _file] => Some(format!("{org}/{name}")),
        _ => None,
    }
}

/// What every reader needs besides the file: the time to stamp facts with.
#[derive(Debug, Clone)]
pub struct ReadContext {
    /// RFC 3339 time of this ingest run.
    pub observed_at: String,
    /// The label set that label columns name (`coco`, `voc`), for the readers of accuracy
    /// matrices and label statistics, whose files do not say.
    pub label_taxonomy: Option<String>,
}

impl ReadContext {
    pub fn provenance(&self, zoo: &str, doc: &Document) -> Provenance {
        Provenance::declared(zoo, &doc.uri, &self.observed_at)
    }
}

/// Rows of one CSV table or items of one JSON listing read at most. Real zoo files hold a few
/// thousand; a 10.8 MB file of a million short rows took 17 GB before this bound.
pub const MAX_ROWS_PER_FILE: usize = 25_000;

/// Records kept from one file at most, whatever its shape.
pub const MAX_RECORDS_PER_FILE: usize = 100_000;

/// Records read from one file, and what went wrong while reading it.
#[derive(Debug, Default)]
pub struct ReadOutput {
    pub records: Vec<Record>,
    pub warnings: Vec<Warning>,
}

impl ReadOutput {
    /// Parses YAML, recording a duplicate key or a syntax error as a warning about `what`.
    fn yaml(&mut self, doc: &Document, text: &str, what: &str) -> Option<serde_json::Value> {
        match frontmatter::parse_yaml(text) {
            Ok(parsed) => {
                if !parsed.non_finite.is_empty() {
                    self.warn(
                        doc,
                        WarningKind::BadValue,
                        format!(
                            "{what}: a number too large for a float (or NaN) at {}; left out",
                            parsed.non_finite.join(", ")
                        ),
                    );
                }
                if let Some(dup) = parsed.duplicate_key {
                    self.warn(
                        doc,
                        WarningKind::DuplicateKey,
                        format!("{what}: {dup}; the last value was kept"),
                    );
                }
                Some(parsed.value)
            }
            Err(message) => {
                self.warn(doc, WarningKind::YamlError, format!("{what}: {message}"));
                None
            }
        }
    }

    /// The records of a Hub API body: one JSON object, or a listing (an array of them). A body
    /// that is not JSON is a warning and yields nothing.
    fn api_items(&mut self, doc: &Document, text: &str) -> Vec<serde_json::Value> {
        match serde_json::from_str(text) {
            Ok(serde_json::Value::Array(mut items)) => {
                if items.len() > MAX_ROWS_PER_FILE {
                    self.warn(
                        doc,
                        WarningKind::Truncated,
                        format!(
                            "a listing of {} items; those after the first {MAX_ROWS_PER_FILE} were skipped",
                            items.len()
                        ),
                    );
                    items.truncate(MAX_ROWS_PER_FILE);
                }
                items
            }
            Ok(other) => vec![other],
            Err(err) => {
                self.warn(doc, WarningKind::ParseError, format!("not JSON: {err}"));
                Vec::new()
            }
        }
    }

    fn warn(&mut self, doc: &Document, kind: WarningKind, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: doc.uri.clone(),
            kind,
            message: message.into(),
        });
    }
}

/// A problem with one file. The file's other content is still read where possible.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub file: String,
    pub kind: WarningKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    /// The file could not be read at all.
    Unreadable,
    /// Larger than [`MAX_FILE_BYTES`]; skipped.
    TooLarge,
    /// Not valid UTF-8; decoded with replacement characters.
    InvalidUtf8,
    /// Front matter or a YAML file failed to parse.
    YamlError,
    /// A YAML mapping repeats a key; the last value was kept, as the Hub does.
    DuplicateKey,
    /// Front matter parsed to something other than a mapping.
    NotAMapping,
    /// A `model-index` (or part of it) does not follow the schema; that part was skipped.
    InvalidModelIndex,
    /// A JSON or CSV file failed to parse, or a row was malformed.
    ParseError,
    /// A field has a value of the wrong type or form; the field was skipped.
    BadValue,
    /// The file is a template with placeholders rather than real metadata.
    Template,
    /// The file holds nothing this reader turns into records (an index, an empty page).
    NoRecords,
    /// Something the reader needs is absent (a model name, a cost); that part was skipped.
    MissingField,
    /// The file holds more rows or records than one file may expand into; the rest was skipped.
    Truncated,
}

impl WarningKind {
    /// Whether part of the file could not be read, so that the records read from it are not all
    /// it says: what its source stated before and does not repeat must then be kept.
    pub fn lost_part(self) -> bool {
        matches!(
            self,
            WarningKind::InvalidUtf8
                | WarningKind::YamlError
                | WarningKind::NotAMapping
                | WarningKind::InvalidModelIndex
                | WarningKind::ParseError
                | WarningKind::BadValue
                | WarningKind::Truncated
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Unreadable => "unreadable",
            WarningKind::TooLarge => "too-large",
            WarningKind::InvalidUtf8 => "invalid-utf8",
            WarningKind::YamlError => "yaml-error",
            WarningKind::DuplicateKey => "duplicate-key",
            WarningKind::NotAMapping => "not-a-mapping",
            WarningKind::InvalidModelIndex => "invalid-model-index",
            WarningKind::ParseError => "parse-error",
            WarningKind::BadValue => "bad-value",
            WarningKind::Template => "template",
            WarningKind::NoRecords => "no-records",
            WarningKind::MissingField => "missing-field",
            WarningKind::Truncated => "truncated",
        }
    }
}

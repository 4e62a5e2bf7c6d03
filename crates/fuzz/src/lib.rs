//! Fuzzing on the stable toolchain: property-based targets (proptest) for every parser of
//! untrusted input — the zoo readers (front matter, markdown, CSV, JSON), the search language,
//! the inference-query language and the bundle importer.
//!
//! Inputs are real files from `../shared/data` (or `MACARONI_SHARED_DATA`) mutated byte-wise
//! and by splicing in tokens that break parsers (`---`, tabs, brackets, escape sequences,
//! `1e400`, invalid UTF-8); each target asserts what must hold for every input, not only that
//! nothing panics. The number of cases comes from `PROPTEST_CASES` (1,000 per target in CI);
//! `fuzz-long` (src/bin) drives the same checks for millions of executions. A failure prints
//! the input: it becomes a regression test next to the code that failed.
//!
//! This crate owns no product code and is never a dependency of one.

use std::path::{Path, PathBuf};

use macaroni_format::Record;
use macaroni_sources::{collect_files, read_document, Document, ReadContext, ReaderKind, MAX_RECORDS_PER_FILE};
use macaroni_store::{Limits, ReadOnly, SourceBatch, Store};
use proptest::prelude::*;

/// Seed files per reader at most, the first in path order (so runs are repeatable).
const SEEDS_PER_READER: usize = 120;

/// Bytes of a seed kept: enough for every structure the readers know, small enough to mutate fast.
const SEED_BYTES: usize = 64 * 1024;

/// Fragments that parsers of these formats trip on.
pub const TOKENS: &[&[u8]] = &[
    b"---\n",
    b"\t",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\"",
    b"'",
    b"\n",
    b"\r\n",
    b": ",
    b"- ",
    b"|",
    b",",
    b"#",
    b"```",
    b"\x1b[2J",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    "é".as_bytes(),
    "\u{202e}".as_bytes(),
    b"1e400",
    b"-1",
    b"NaN",
    b"model-index:\n- name: x\n  results:\n  - metrics:\n    - {type: accuracy, value: 2000}\n",
    b"base_model: ",
    b"license: ",
    b"<script>alert(1)</script>",
    b"&#x6a;avascript:",
    b"\"id\": ",
    b"null",
    b"AND NOT OR ( ) ",
    b"descendant-of(",
    b"sort:",
    b"top1@imagenet-1k>=",
];

/// One edit of a seed. Positions are raw numbers taken modulo the length where applied (so
/// that they shrink towards the start, and a plain random number generator can make them).
#[derive(Debug, Clone)]
pub enum Edit {
    FlipBit(u64, u8),
    Insert(u64, usize),
    Delete(u64, usize),
    Repeat(u64, usize, u8),
    Splice(u64, usize, u64, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<u64>(), 0u8..8).prop_map(|(at, bit)| Edit::FlipBit(at, bit)),
        (any::<u64>(), 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert(at, token)),
        (any::<u64>(), 1usize..64).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<u64>(), 0..TOKENS.len(), 2u8..200).prop_map(|(at, token, times)| Edit::Repeat(at, token, times)),
        (any::<u64>(), any::<usize>(), any::<u64>(), 1usize..256)
            .prop_map(|(at, seed, from, len)| Edit::Splice(at, seed, from, len)),
    ]
}

impl Edit {
    /// An edit drawn from a random number `r` (for the long runs, without proptest).
    pub fn random(mut r: impl FnMut() -> u64) -> Edit {
        match r() % 5 {
            0 => Edit::FlipBit(r(), (r() % 8) as u8),
            1 => Edit::Insert(r(), (r() as usize) % TOKENS.len()),
            2 => Edit::Delete(r(), 1 + (r() as usize) % 63),
            3 => Edit::Repeat(r(), (r() as usize) % TOKENS.len(), 2 + (r() % 198) as u8),
            _ => Edit::Splice(r(), r() as usize, r(), 1 + (r() as usize) % 255),
        }
    }
}

/// `raw` as a position in `0..=len` (`0..len` when `inside`).
fn position(raw: u64, len: usize, inside: bool) -> usize {
    let span = if inside { len } else { len + 1 };
    if span == 0 {
        0
    } else {
        (raw % span as u64) as usize
    }
}

/// Applies edits to a seed; `others` are the seeds spliced from.
pub fn apply(seed: &[u8], edits: &[Edit], others: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for edit in edits {
        match edit {
            Edit::FlipBit(i, bit) if !bytes.is_empty() => {
                let p = position(*i, bytes.len(), true);
                bytes[p] ^= 1 << bit;
            }
            Edit::FlipBit(..) => {}
            Edit::Insert(i, token) => {
                let p = position(*i, bytes.len(), false);
                bytes.splice(p..p, TOKENS[*token].iter().copied());
            }
            Edit::Delete(i, len) if !bytes.is_empty() => {
                let p = position(*i, bytes.len(), true);
                let end = (p + len).min(bytes.len());
                bytes.drain(p..end);
            }
            Edit::Delete(..) => {}
            Edit::Repeat(i, token, times) => {
                let p = position(*i, bytes.len(), false);
                let run: Vec<u8> = TOKENS[*token].repeat(usize::from(*times));
                bytes.splice(p..p, run);
            }
            Edit::Splice(i, seed, from, len) if !others.is_empty() => {
                let other = &others[seed % others.len()];
                if !other.is_empty() {
                    let start = position(*from, other.len(), true);
                    let end = (start + len).min(other.len());
                    let p = position(*i, bytes.len(), false);
                    bytes.splice(p..p, other[start..end].iter().copied());
                }
            }
            Edit::Splice(..) => {}
        }
    }
    bytes
}

/// A seed chosen among `seeds` and mutated by up to eight edits.
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let count = seeds.len().max(1);
    (0..count, prop::collection::vec(edit(), 0..8)).prop_map(move |(pick, edits)| {
        let seed = seeds.get(pick).map(Vec::as_slice).unwrap_or_default();
        apply(seed, &edits, &seeds)
    })
}

/// The shared data folder; `None` (with a message) when it is absent outside CI.
pub fn shared_data() -> Option<PathBuf> {
    macaroni_sources::shared_data_or_skip()
}

/// Real files one reader accepts, as documents (their bytes cut to [`SEED_BYTES`]).
pub fn reader_seeds(reader: ReaderKind, data: &Path) -> Vec<Document> {
    let (files, _) = collect_files(reader, &[data.to_path_buf()]);
    files
        .into_iter()
        .take(SEEDS_PER_READER)
        .filter_map(|(root, path)| read_document(&root, &path).ok())
        .map(|mut doc| {
            doc.bytes.truncate(SEED_BYTES);
            doc
        })
        .collect()
}

/// Queries of the search language: the documented examples and a few of our own.
pub const QUERY_SEEDS: &[&str] = &[
    "task:image-classification top1@imagenet-1k>=80 params<30M",
    "task:text-classification license:permissive sort:downloads",
    "\"question answering\" OR task:question-answering",
    "descendant-of(hf:meta-llama/Llama-2-7b-hf, fine_tuned_from>quantized_from, 3)",
    "ancestor-of(hf:TheBloke/Llama-2-7B-Chat-GPTQ)",
    "zoo:timm sort:params:asc limit:20",
    "library:transformers language:de -license:mit",
    "(task:x OR task:y) AND NOT (zoo:timm OR zoo:tfhub)",
    "created>=2023-01-31 modified<2024 downloads>1k likes>=10",
    "bert classifier sort:relevance",
    "label:person dataset:coco eval:coco arch:resnet publisher:google tag:vision id:hf:a/b",
    "f1@squad_v2>85 wer@librispeech<5 size<1GB",
];

/// Inference queries of the optimiser: labels with `&`, `|`, `~` and parentheses.
pub const PLAN_SEEDS: &[&str] = &[
    "(bottle | tv) & chair",
    "person & ~dog",
    "((a | b) & (c | ~d)) | e",
    "cat",
];

/// The time stamped on what the targets read.
pub fn context() -> ReadContext {
    ReadContext {
        observed_at: "2026-12-04T00:00:00Z".into(),
        label_taxonomy: Some("coco".into()),
    }
}

/// What every reader's output must satisfy, whatever the file held.
pub fn check_reader(reader: ReaderKind, doc: &Document, ctx: &ReadContext) -> Result<(), String> {
    let out = reader.read(doc, ctx);
    let name = reader.name();
    if out.records.len() > MAX_RECORDS_PER_FILE {
        return Err(format!("{name}: {} records", out.records.len()));
    }
    for w in &out.warnings {
        if w.file != doc.uri || w.message.is_empty() {
            return Err(format!("{name}: a warning that names another file or nothing: {w:?}"));
        }
    }
    for record in &out.records {
        let id = record.id();
        if id.is_empty() || id.chars().any(char::is_control) {
            return Err(format!("{name}: an empty id or one with a control character: {id:?}"));
        }
        if let Record::Evaluation(e) = record {
            if e.numeric_value.is_some_and(|v| !v.is_finite()) {
                return Err(format!("{name}: a non-finite value in {id}"));
            }
        }
    }
    Ok(())
}

/// What a reader makes of the input stores, stores again unchanged, and exports.
pub fn check_store(reader: ReaderKind, doc: &Document, ctx: &ReadContext) -> Result<(), String> {
    let out = reader.read(doc, ctx);
    let mut store = Store::open_in_memory().map_err(|e| e.to_string())?;
    let batch = SourceBatch {
        uri: doc.uri.clone(),
        records: out.records,
    };
    store
        .apply(std::slice::from_ref(&batch), "2026-12-04T00:00:00Z")
        .map_err(|e| format!("{}: storing failed: {e}", reader.name()))?;
    let again = store
        .apply(&[batch], "2026-12-04T00:00:01Z")
        .map_err(|e| format!("{}: storing again failed: {e}", reader.name()))?;
    if again.total(macaroni_store::Change::Added) != 0 {
        return Err(format!("{}: storing the same records again added some", reader.name()));
    }
    store.export_each(None, |_| Ok(())).map_err(|e| e.to_string())?;
    Ok(())
}

/// The search language answers a query or names a position inside it; never an internal error.
pub fn check_search(store: &ReadOnly, text: &str) -> Result<(), String> {
    match macaroni_query::search(store, text, Limits::default()) {
        Ok(_) => Ok(()),
        Err(macaroni_query::QueryError::Parse(err)) if err.at <= text.chars().count() => Ok(()),
        Err(macaroni_query::QueryError::Parse(err)) => Err(format!("position {} past the end of {text:?}", err.at)),
        Err(other) => Err(format!(
            "{text:?}: an internal error where a usage error belongs: {other}"
        )),
    }
}

/// The inference-query language parses a text or names a position inside it.
pub fn check_plan(text: &str) -> Result<(), String> {
    match macaroni_optimize::Query::parse(text) {
        Err(err) if err.position > text.len() => Err(format!("{err:?} for {text:?}")),
        _ => Ok(()),
    }
}

/// A bundle is imported, or refused with the number of the line that is wrong.
pub fn check_bundle(bytes: &[u8]) -> Result<(), String> {
    match macaroni_format::read_bundle(bytes) {
        Ok(records) => {
            let mut store = Store::open_in_memory().map_err(|e| e.to_string())?;
            let batch = SourceBatch {
                uri: "bundle:fuzz".into(),
                records,
            };
            store
                .apply(&[batch], "2026-12-04T00:00:00Z")
                .map(|_| ())
                .map_err(|e| format!("a bundle that reads did not store: {e}"))
        }
        Err(macaroni_format::BundleError::Parse { line, .. } | macaroni_format::BundleError::Utf8 { line, .. })
            if line >= 1 =>
        {
            Ok(())
        }
        Err(other) => Err(format!("{other}")),
    }
}

/// An empty repository file to search, in `dir`.
pub fn empty_repository(dir: &Path) -> Result<ReadOnly, String> {
    let db = dir.join("empty.db");
    drop(Store::open(&db).map_err(|e| e.to_string())?);
    ReadOnly::open(&db).map_err(|e| e.to_string())
}

/// A bundle of real records: what the card reader makes of the first cards of the shared data.
pub fn bundle_seed(data: &Path) -> Vec<u8> {
    let ctx = context();
    let mut records = Vec::new();
    for doc in reader_seeds(ReaderKind::HfCards, data).iter().take(20) {
        records.extend(ReaderKind::HfCards.read(doc, &ctx).records);
    }
    let mut bundle = Vec::new();
    // Writing to memory cannot fail; a record that does not serialise is simply left out.
    let _ = macaroni_format::write_bundle(&mut bundle, &records);
    bundle
}

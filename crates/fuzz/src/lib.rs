//! Fuzzing on the stable toolchain: property-based targets (proptest) for every parser of
//! untrusted input — the zoo readers (front matter, markdown, CSV, JSON), the search language,
//! the inference-query language and the bundle importer.
//!
//! Inputs are real files from `../shared/data` (or `MACARONI_SHARED_DATA`) mutated byte-wise
//! and by splicing in tokens that break parsers (`---`, tabs, brackets, escape sequences,
//! `1e400`, invalid UTF-8); each target asserts what must hold for every input, not only that
//! nothing panics. The number of cases comes from `PROPTEST_CASES` (a few hundred per target
//! in CI; the long run in the issue's closing note used millions). A failure prints the
//! shrunk input: it becomes a regression test next to the code that failed.
//!
//! This crate owns no product code and is never a dependency of one.

use std::path::{Path, PathBuf};

use macaroni_sources::{collect_files, read_document, Document, ReaderKind};
use proptest::prelude::*;
use proptest::sample::Index;

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

/// One edit of a seed.
#[derive(Debug, Clone)]
pub enum Edit {
    FlipBit(Index, u8),
    Insert(Index, usize),
    Delete(Index, usize),
    Repeat(Index, usize, u8),
    Splice(Index, usize, Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Edit::FlipBit(at, bit)),
        (any::<Index>(), 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert(at, token)),
        (any::<Index>(), 1usize..64).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<Index>(), 0..TOKENS.len(), 2u8..200).prop_map(|(at, token, times)| Edit::Repeat(at, token, times)),
        (any::<Index>(), any::<usize>(), any::<Index>(), 1usize..256)
            .prop_map(|(at, seed, from, len)| Edit::Splice(at, seed, from, len)),
    ]
}

/// Applies edits to a seed; `others` are the seeds spliced from.
pub fn apply(seed: &[u8], edits: &[Edit], others: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for edit in edits {
        let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match edit {
            Edit::FlipBit(i, bit) if !bytes.is_empty() => {
                let p = i.index(bytes.len());
                bytes[p] ^= 1 << bit;
            }
            Edit::FlipBit(..) => {}
            Edit::Insert(i, token) => {
                let p = at(i, bytes.len());
                bytes.splice(p..p, TOKENS[*token].iter().copied());
            }
            Edit::Delete(i, len) if !bytes.is_empty() => {
                let p = i.index(bytes.len());
                let end = (p + len).min(bytes.len());
                bytes.drain(p..end);
            }
            Edit::Delete(..) => {}
            Edit::Repeat(i, token, times) => {
                let p = at(i, bytes.len());
                let run: Vec<u8> = TOKENS[*token].repeat(usize::from(*times));
                bytes.splice(p..p, run);
            }
            Edit::Splice(i, seed, from, len) if !others.is_empty() => {
                let other = &others[seed % others.len()];
                if !other.is_empty() {
                    let start = from.index(other.len());
                    let end = (start + len).min(other.len());
                    let p = at(i, bytes.len());
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

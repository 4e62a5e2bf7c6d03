//! The write side: the ingest pipeline (readers → records → store, in batches), enrichment and
//! bundle import, shared by the command line, the crawler and the demo.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use macaroni_format::Record;
use macaroni_sources::{collect_files, read_document, Document, ReadContext, ReaderKind, Warning};
use macaroni_store::{ApplySummary, Category, Change, Fingerprint, SourceBatch, Store};
use sha2::{Digest, Sha256};

use crate::{RepoError, Result};

/// What one ingest (or import) did.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub files: usize,
    /// Files skipped because they match, byte for byte and reader for reader, what the
    /// repository read from them last time (counted in `files`; their statements are unchanged).
    pub unchanged_files: usize,
    pub records: usize,
    pub bytes: u64,
    pub summary: ApplySummary,
    pub warnings: Vec<Warning>,
    pub elapsed: Duration,
    pub enrichment: Option<macaroni_enrich::EnrichReport>,
}

/// Records one ingest transaction holds at most: a batch ends at `batch` files or at this many
/// records, whichever comes first, so that memory does not grow with the files' sizes.
const BATCH_RECORDS: usize = 100_000;

/// Parsed files sent to the writer at once.
const PARSED_CHUNK: usize = 32;

/// How an import treats what the repository holds from the bundle's sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Add and update what the bundle states; close nothing.
    #[default]
    Add,
    /// Each source in the bundle says exactly what the bundle says: its other statements close.
    Replace,
}

/// A repository opened for writing (created and migrated when needed).
pub struct Writer {
    store: Store,
    /// The database file, for the parser thread's own read-only connection (which finds the
    /// files an ingest may skip); `None` for a store without a file.
    path: Option<PathBuf>,
    reparse: bool,
}

/// What the parser thread hands the writer for one file.
enum Parsed {
    Read {
        source: SourceBatch,
        bytes: u64,
        warnings: Vec<Warning>,
        fingerprint: Fingerprint,
    },
    Unchanged {
        bytes: u64,
        statements: BTreeMap<Category, usize>,
    },
    Unreadable(Warning),
}

impl Writer {
    pub fn open_write(path: &Path) -> Result<Writer> {
        Ok(Writer {
            store: Store::open(path)?,
            path: Some(path.to_path_buf()),
            reparse: false,
        })
    }

    pub fn from_store(store: Store) -> Writer {
        Writer {
            store,
            path: None,
            reparse: false,
        }
    }

    /// Parse every file an ingest is given, even those unchanged since they were last read
    /// (after a reader was fixed without a version change, say).
    pub fn reparse_all(&mut self, reparse: bool) {
        self.reparse = reparse;
    }

    /// The store, for the crawler's typed calls (checkpoints, crawl items).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The store, for the optimiser's typed reads of a database being written.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Reads files or folders with one reader and stores what they say, `batch` files per
    /// transaction; `on_file(done, total)` is called after each file (for progress).
    pub fn ingest_paths(
        &mut self,
        reader: ReaderKind,
        paths: &[PathBuf],
        label_taxonomy: Option<String>,
        batch: usize,
        on_file: &mut dyn FnMut(u64, u64),
    ) -> Result<IngestReport> {
        let (files, walk_warnings) = collect_files(reader, paths);
        let total = files.len() as u64;
        let documents = files.into_iter().map(|(root, path)| read_document(&root, &path));
        let mut report = self.ingest_documents(reader, label_taxonomy, documents, total, batch, on_file)?;
        report.warnings.splice(0..0, walk_warnings);
        Ok(report)
    }

    /// Parses documents on a worker thread while this thread writes, so both cores work; files
    /// are committed `batch` at a time, each batch one transaction.
    pub fn ingest_documents<I>(
        &mut self,
        reader: ReaderKind,
        label_taxonomy: Option<String>,
        documents: I,
        total: u64,
        batch: usize,
        on_file: &mut dyn FnMut(u64, u64),
    ) -> Result<IngestReport>
    where
        I: Iterator<Item = std::result::Result<Document, Warning>> + Send,
    {
        let started = Instant::now();
        let batch = batch.max(1);
        let ctx = ReadContext {
            observed_at: crate::now(),
            label_taxonomy,
        };
        let now = ctx.observed_at.clone();
        let mut report = IngestReport::default();
        // Files travel in chunks: one wake-up of the writer per file costs more than skipping
        // an unchanged file does. At most 256 parsed files are in flight.
        let (sender, receiver) = mpsc::sync_channel::<Vec<Parsed>>(256 / PARSED_CHUNK);
        let skip_from = self.path.clone().filter(|_| !self.reparse);
        let store = &mut self.store;
        std::thread::scope(|scope| -> Result<()> {
            let ctx = &ctx;
            scope.spawn(move || {
                // Its own connection, so that looking up fingerprints never waits for the
                // writer; without one, every file is parsed.
                let known = skip_from.and_then(|path| Store::open_read_only(&path).ok());
                let mut chunk = Vec::with_capacity(PARSED_CHUNK);
                for document in documents {
                    chunk.push(match document {
                        Ok(doc) => parse(reader, &doc, ctx, known.as_ref()),
                        Err(warning) => Parsed::Unreadable(warning),
                    });
                    if chunk.len() == PARSED_CHUNK && sender.send(std::mem::take(&mut chunk)).is_err() {
                        return; // the writer stopped on an error
                    }
                }
                if !chunk.is_empty() {
                    let _ = sender.send(chunk);
                }
            });
            let mut pending = Pending::default();
            for parsed in receiver.into_iter().flatten() {
                report.files += 1;
                on_file(report.files as u64, total);
                match parsed {
                    Parsed::Read {
                        source,
                        bytes,
                        warnings,
                        fingerprint,
                    } => {
                        report.records += source.records.len();
                        report.bytes += bytes;
                        if warnings.iter().any(|w| w.kind.lost_part()) {
                            pending.partial.insert(source.uri.clone());
                        }
                        // A file read with warnings is read again next time, so that its
                        // warnings are shown again.
                        if warnings.is_empty() {
                            pending.fingerprints.insert(source.uri.clone(), fingerprint);
                        }
                        report.warnings.extend(warnings);
                        pending.records += source.records.len();
                        pending.sources.push(source);
                    }
                    Parsed::Unchanged { bytes, statements } => {
                        report.unchanged_files += 1;
                        report.bytes += bytes;
                        for (category, count) in statements {
                            report.records += count;
                            *report.summary.counts.entry((category, Change::Unchanged)).or_default() += count;
                        }
                    }
                    Parsed::Unreadable(warning) => report.warnings.push(warning),
                }
                if pending.sources.len() >= batch || pending.records >= BATCH_RECORDS {
                    report.summary.merge(&pending.write(store, &now)?);
                }
            }
            if !pending.sources.is_empty() {
                report.summary.merge(&pending.write(store, &now)?);
            }
            Ok(())
        })?;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Links raw names to canonical entities and infers lineage.
    pub fn enrich(&mut self) -> Result<macaroni_enrich::EnrichReport> {
        Ok(macaroni_enrich::enrich(&mut self.store, &crate::now())?)
    }

    /// Loads the records of a bundle in one transaction. [`ImportMode::Add`] adds and updates
    /// what the bundle states and closes nothing; [`ImportMode::Replace`] makes each source in
    /// the bundle say exactly what the bundle says, and refuses a bundle that leaves out a kind
    /// of record a source holds (a bundle exported with `--kind`, say).
    pub fn import(&mut self, records: Vec<Record>, mode: ImportMode) -> Result<IngestReport> {
        let started = Instant::now();
        let count = records.len();
        let batches = by_source(records);
        let partial: BTreeSet<String> = match mode {
            ImportMode::Add => batches.iter().map(|b| b.uri.clone()).collect(),
            ImportMode::Replace => {
                self.refuse_partial_sources(&batches)?;
                BTreeSet::new()
            }
        };
        let summary = self.store.apply_keeping(&batches, &partial, &crate::now())?;
        Ok(IngestReport {
            files: 1,
            records: count,
            summary,
            elapsed: started.elapsed(),
            ..IngestReport::default()
        })
    }

    /// A replacing import must state every kind of record each of its sources holds now.
    fn refuse_partial_sources(&self, batches: &[SourceBatch]) -> Result<()> {
        let uris: Vec<&str> = batches.iter().map(|b| b.uri.as_str()).collect();
        let held = self.store.kinds_by_source(&uris)?;
        for batch in batches {
            let stated: BTreeSet<&str> = batch.records.iter().map(|r| r.kind().as_str()).collect();
            let missing: Vec<&str> = (held.get(&batch.uri).into_iter().flatten())
                .map(String::as_str)
                .filter(|kind| !stated.contains(kind))
                .collect();
            if !missing.is_empty() {
                return Err(RepoError::usage(format!(
                    "--replace would close every {} the repository holds from {} (the bundle states none): \
                     import without --replace to add, or export that source whole",
                    missing.join(", "),
                    batch.uri
                )));
            }
        }
        Ok(())
    }

    /// Reads a JSON Lines bundle file and imports it.
    pub fn import_file(&mut self, bundle: &Path, mode: ImportMode) -> Result<IngestReport> {
        let file = std::fs::File::open(bundle).map_err(|source| RepoError::Io {
            context: format!("opening {}", bundle.display()),
            source,
        })?;
        let records = macaroni_format::read_bundle(std::io::BufReader::new(file))?;
        self.import(records, mode)
    }

    /// Refreshes the query planner's statistics.
    pub fn analyze(&self) -> Result<()> {
        Ok(self.store.analyze()?)
    }
}

/// Each source's records together: importing a source replaces what the database held from it.
/// The files parsed but not yet written: one transaction's worth.
#[derive(Default)]
struct Pending {
    sources: Vec<SourceBatch>,
    records: usize,
    /// Files read only in part: what their sources said before is kept.
    partial: BTreeSet<String>,
    fingerprints: HashMap<String, Fingerprint>,
}

impl Pending {
    fn write(&mut self, store: &mut Store, now: &str) -> Result<ApplySummary> {
        let summary = store.apply_files(&self.sources, &self.partial, &self.fingerprints, now)?;
        *self = Pending::default();
        Ok(summary)
    }
}

/// Reads one file, unless `known` shows that the repository holds what it says already.
fn parse(reader: ReaderKind, doc: &Document, ctx: &ReadContext, known: Option<&Store>) -> Parsed {
    let fingerprint = fingerprint(reader, doc, ctx);
    let bytes = doc.bytes.len() as u64;
    // A failed lookup only costs the skip: the file is parsed as if it were new.
    if let Some(Ok(Some(statements))) = known.map(|store| store.unchanged_file(&doc.uri, &fingerprint)) {
        return Parsed::Unchanged { bytes, statements };
    }
    let out = reader.read(doc, ctx);
    Parsed::Read {
        source: SourceBatch {
            uri: doc.uri.clone(),
            records: out.records,
        },
        bytes,
        warnings: out.warnings,
        fingerprint,
    }
}

/// Everything a reader's records depend on: the reader and the program's version (a new
/// version may read the same bytes differently), the label set, the path ids are taken from,
/// and the bytes. Each part is length-prefixed so that no two inputs hash alike.
fn fingerprint(reader: ReaderKind, doc: &Document, ctx: &ReadContext) -> Fingerprint {
    let mut hasher = Sha256::new();
    let path = doc.relative_path.to_string_lossy();
    let parts: [&[u8]; 5] = [
        env!("CARGO_PKG_VERSION").as_bytes(),
        reader.name().as_bytes(),
        ctx.label_taxonomy.as_deref().unwrap_or("").as_bytes(),
        path.as_bytes(),
        &doc.bytes,
    ];
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn by_source(records: Vec<Record>) -> Vec<SourceBatch> {
    let mut grouped: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    for record in records {
        grouped
            .entry(record.provenance().source.uri.clone())
            .or_default()
            .push(record);
    }
    grouped
        .into_iter()
        .map(|(uri, records)| SourceBatch { uri, records })
        .collect()
}

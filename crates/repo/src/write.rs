//! The write side: the ingest pipeline (readers → records → store, in batches), enrichment and
//! bundle import, shared by the command line, the crawler and the demo.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use macaroni_format::Record;
use macaroni_sources::{collect_files, read_document, Document, ReadContext, ReaderKind, Warning};
use macaroni_store::{ApplySummary, SourceBatch, Store};

use crate::{RepoError, Result};

/// What one ingest (or import) did.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub files: usize,
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
}

impl Writer {
    pub fn open_write(path: &Path) -> Result<Writer> {
        Ok(Writer {
            store: Store::open(path)?,
        })
    }

    pub fn from_store(store: Store) -> Writer {
        Writer { store }
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
        type Parsed = std::result::Result<(SourceBatch, u64, Vec<Warning>), Warning>;
        let (sender, receiver) = mpsc::sync_channel::<Parsed>(256);
        let store = &mut self.store;
        std::thread::scope(|scope| -> Result<()> {
            let ctx = &ctx;
            scope.spawn(move || {
                for document in documents {
                    let parsed = document.map(|doc| {
                        let out = reader.read(&doc, ctx);
                        let bytes = doc.bytes.len() as u64;
                        let source = SourceBatch {
                            uri: doc.uri,
                            records: out.records,
                        };
                        (source, bytes, out.warnings)
                    });
                    if sender.send(parsed).is_err() {
                        break; // the writer stopped on an error
                    }
                }
            });
            let mut pending = Vec::with_capacity(batch);
            // Files read only in part: what their sources said before is kept.
            let mut partial = BTreeSet::new();
            for parsed in receiver {
                report.files += 1;
                on_file(report.files as u64, total);
                match parsed {
                    Ok((source, bytes, warnings)) => {
                        report.records += source.records.len();
                        report.bytes += bytes;
                        if warnings.iter().any(|w| w.kind.lost_part()) {
                            partial.insert(source.uri.clone());
                        }
                        report.warnings.extend(warnings);
                        pending.push(source);
                    }
                    Err(warning) => report.warnings.push(warning),
                }
                let held: usize = pending.iter().map(|b| b.records.len()).sum();
                if pending.len() >= batch || held >= BATCH_RECORDS {
                    report.summary.merge(&store.apply_keeping(&pending, &partial, &now)?);
                    pending.clear();
                    partial.clear();
                }
            }
            if !pending.is_empty() {
                report.summary.merge(&store.apply_keeping(&pending, &partial, &now)?);
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

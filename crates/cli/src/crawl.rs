//! `macaroni crawl`: a thin shell over `macaroni-crawl` with a progress line and a summary.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use macaroni_crawl::{crawl, crawl_key, CrawlReport, Fetcher, HfOptions, Politeness};
use macaroni_repo::Writer;
use macaroni_sources::{collect_files, read_document, Document, ReaderKind, Warning, WarningKind};

use crate::ingest::ingest_documents;
use crate::output::Format;

/// What `macaroni crawl huggingface` was asked.
pub struct HfRequest {
    pub options: HfOptions,
    /// Requests per second at most.
    pub rate: f64,
    /// Forget the checkpoint and list from the first page.
    pub restart: bool,
    pub format: Format,
}

pub fn huggingface(db: &Path, request: HfRequest) -> anyhow::Result<ExitCode> {
    let mut writer = Writer::open_write(db)?;
    let store = writer.store_mut();
    if request.restart {
        store.reset_crawl_checkpoint(&crawl_key(&request.options))?;
    }
    let politeness = Politeness {
        min_interval: Duration::from_secs_f64(1.0 / request.rate.max(0.01)),
        ..Politeness::default()
    };
    let token = std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty());
    let fetcher = Fetcher::new(&request.options.endpoint, token, politeness)?;
    let bar = progress(request.options.limit);
    let report = crawl(store, &fetcher, &request.options, &mut |r: &CrawlReport| {
        bar.set_position(r.models_listed as u64);
        bar.set_message(format!(
            "{} pages; {} stored, {} unchanged, {} cards, {} failed",
            r.pages,
            r.models_stored,
            r.models_unchanged,
            r.cards_fetched,
            r.failures.len()
        ));
    })
    .with_context(|| format!("crawling {}", request.options.endpoint))?;
    bar.finish_and_clear();
    let traffic = fetcher.traffic();
    if !request.options.dry_run && report.models_stored > 0 {
        writer.enrich()?;
    }
    match request.format {
        Format::Json => {
            let out = macaroni_repo::reports::CrawlDoc::of(&request.options, &report, traffic);
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        _ => {
            say!(
                "{}{} pages, {} models listed: {} stored, {} unchanged; cards {} fetched, {} unchanged, {} missing; {} failed; {} requests ({} retries, {:.1} MB) in {:.1} s{}",
                if report.resumed { "resumed: " } else { "" },
                report.pages,
                report.models_listed,
                report.models_stored,
                report.models_unchanged,
                report.cards_fetched,
                report.cards_unchanged,
                report.cards_missing,
                report.failures.len(),
                traffic.requests,
                traffic.retries,
                traffic.bytes as f64 / 1e6,
                report.elapsed_secs,
                if request.options.dry_run { " (dry run: nothing stored)" } else { "" }
            );
            for (id, why) in report.failures.iter().take(10) {
                esay!("  failed: {id}: {why}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar with rate and ETA when the number of models is known (`--limit`), else a spinner with
/// the rate; hidden when standard error is not a terminal.
fn progress(total: Option<usize>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(n) => (
            ProgressBar::new(n as u64),
            "{bar:30} {pos}/{len} items  {per_sec}  eta {eta}  {msg}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{spinner} {pos} items  {per_sec}  {elapsed}  {msg}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `crawl tfhub|pytorch-hub`: a repository tarball over HTTP(S), or a local checkout; the
/// readers do the rest, as for `ingest`. With `hubconf` (PyTorch Hub), the `hubconf.py` of every
/// model repository the pages name is fetched from that raw-file host too.
pub fn repository(
    db: &Path,
    reader: ReaderKind,
    source: &str,
    allow_hosts: &[String],
    hubconf: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let (documents, skipped) = repository_documents(reader, source, allow_hosts)?;
    let repositories = match hubconf {
        Some(_) => hub_repositories(reader, &documents),
        None => Vec::new(),
    };
    let mut writer = Writer::open_write(db)?;
    let total = documents.len() as u64;
    let mut report = ingest_documents(
        &mut writer,
        reader,
        None,
        documents.into_iter().map(Ok),
        total,
        500,
        true,
    )?;
    report.warnings.splice(0..0, skipped);
    if let Some(endpoint) = hubconf {
        let fetcher = Fetcher::new(endpoint, None, Politeness::default())?;
        esay!(
            "fetching hubconf.py of {} repositories from {endpoint}…",
            repositories.len()
        );
        let (found, missing) = macaroni_crawl::pytorch_hub::hubconf_documents(&fetcher, endpoint, &repositories);
        let count = found.len() as u64;
        let hubconfs = ingest_documents(
            &mut writer,
            ReaderKind::PytorchHubconf,
            None,
            found.into_iter().map(Ok),
            count,
            500,
            true,
        )?;
        report.summary.merge(&hubconfs.summary);
        report.files += hubconfs.files;
        report.records += hubconfs.records;
        report.warnings.extend(hubconfs.warnings);
        for (repo, why) in missing {
            esay!("  {repo}: {why}");
        }
    }
    report.enrichment = Some(writer.enrich()?);
    crate::ingest::print_report(reader.name(), &report, Format::Table)?;
    Ok(ExitCode::SUCCESS)
}

/// The files of a tarball URL or a local checkout that `reader` reads; what could not be read
/// becomes a warning.
fn repository_documents(
    reader: ReaderKind,
    source: &str,
    allow_hosts: &[String],
) -> anyhow::Result<(Vec<Document>, Vec<Warning>)> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        let (files, mut warnings) = collect_files(reader, &[std::path::PathBuf::from(source)]);
        let mut documents = Vec::with_capacity(files.len());
        for (root, path) in files {
            match read_document(&root, &path) {
                Ok(doc) => documents.push(doc),
                Err(warning) => warnings.push(warning),
            }
        }
        return Ok((documents, warnings));
    }
    let politeness = Politeness {
        // A whole repository in one response.
        max_body_bytes: 1 << 30,
        timeout: Duration::from_secs(600),
        ..Politeness::default()
    };
    let mut fetcher = Fetcher::new(source, None, politeness)?;
    for host in allow_hosts {
        fetcher.allow_host(host);
    }
    esay!("downloading {source}…");
    let (documents, skipped) = macaroni_crawl::tarball::documents(&fetcher, source, reader)?;
    let warnings = skipped
        .into_iter()
        .map(|(path, why)| Warning {
            file: format!("{source}#{path}"),
            kind: WarningKind::TooLarge,
            message: why,
        })
        .collect();
    Ok((documents, warnings))
}

/// (owner/repo, pinned ref) of every model the hub's pages name.
fn hub_repositories(reader: ReaderKind, documents: &[Document]) -> Vec<(String, Option<String>)> {
    let ctx = macaroni_sources::ReadContext {
        observed_at: macaroni_repo::now(),
        label_taxonomy: None,
    };
    let mut repositories: Vec<(String, Option<String>)> = Vec::new();
    for doc in documents {
        for record in reader.read(doc, &ctx).records {
            let macaroni_format::Record::Model(model) = record else {
                continue;
            };
            let Some(path) = model.id.strip_prefix("pytorch-hub:") else {
                continue;
            };
            let parts: Vec<&str> = path.split('/').collect();
            if let [owner, repo, _entrypoint] = parts.as_slice() {
                let key = (format!("{owner}/{repo}"), model.revision.clone());
                if !repositories.contains(&key) {
                    repositories.push(key);
                }
            }
        }
    }
    repositories
}

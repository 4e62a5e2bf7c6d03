//! Crawling the Hugging Face Hub: `/api/models` (or `/api/datasets`) page by page (cursor pagination through the
//! `Link` header), each model's README.md through `/{id}/resolve/{revision}/README.md`, handed to
//! the `hf-api` and `hf-cards` readers and stored page by page together with the checkpoint.
//!
//! Incremental: a model whose `sha` is the one stored last time is skipped without a request;
//! a changed model's card is asked for with `If-None-Match`, so an unchanged card costs a 304.

use std::collections::BTreeSet;
use std::time::Instant;

use macaroni_sources::{Document, ReadContext, ReaderKind};
use macaroni_store::{ApplySummary, Checkpoint, CrawlItem, SourceBatch, Store};
use serde_json::Value;

use crate::http::{Fetched, Fetcher};
use crate::CrawlError;

/// What differs between crawling models and crawling datasets.
struct Kind {
    /// Where the crawl state of its items is kept.
    source: &'static str,
    /// `models` or `datasets`: the API path.
    listing: &'static str,
    /// The prefix of repository URLs (`""` for models, `"datasets/"` for datasets).
    repo_prefix: &'static str,
    api_reader: ReaderKind,
    card_reader: ReaderKind,
}

fn kind(options: &HfOptions) -> Kind {
    if options.datasets {
        Kind {
            source: "huggingface-datasets",
            listing: "datasets",
            repo_prefix: "datasets/",
            api_reader: ReaderKind::HfDatasets,
            card_reader: ReaderKind::HfDatasetCards,
        }
    } else {
        Kind {
            source: "huggingface",
            listing: "models",
            repo_prefix: "",
            api_reader: ReaderKind::HfApi,
            card_reader: ReaderKind::HfCards,
        }
    }
}

/// What to crawl.
#[derive(Debug, Clone)]
pub struct HfOptions {
    /// Base URL: `https://huggingface.co`, a mirror, or a local test server.
    pub endpoint: String,
    /// Stop after this many models of the listing.
    pub limit: Option<usize>,
    pub author: Option<String>,
    /// A tag the models must have (`text-classification`, `pytorch`, ...).
    pub filter: Option<String>,
    /// `downloads` or `lastModified` (descending).
    pub sort: Option<String>,
    pub with_cards: bool,
    /// Also fetch each model's config.json (architecture and dimensions).
    pub with_config: bool,
    /// Crawl `/api/datasets` (Dataset entities) instead of `/api/models`.
    pub datasets: bool,
    /// Card downloads in flight at once.
    pub concurrency: usize,
    /// Models per listing page.
    pub page_size: usize,
    /// List and count, store nothing.
    pub dry_run: bool,
    /// The time stamped on stored facts (RFC 3339).
    pub observed_at: String,
}

/// What a crawl did.
#[derive(Debug, Clone, Default)]
pub struct CrawlReport {
    /// The run continued a crawl that had stopped part-way.
    pub resumed: bool,
    pub pages: usize,
    pub models_listed: usize,
    pub models_stored: usize,
    pub models_unchanged: usize,
    pub cards_fetched: usize,
    pub cards_unchanged: usize,
    pub cards_missing: usize,
    pub configs_fetched: usize,
    /// (model id, reason): recorded and skipped; retried on the next run.
    pub failures: Vec<(String, String)>,
    pub summary: ApplySummary,
    pub elapsed_secs: f64,
}

/// The key a crawl's checkpoint is stored under: the same options resume the same crawl.
pub fn crawl_key(options: &HfOptions) -> String {
    format!(
        "{}:{}?author={}&filter={}&sort={}&limit={}&cards={}&config={}",
        kind(options).source,
        options.endpoint.trim_end_matches('/'),
        options.author.as_deref().unwrap_or(""),
        options.filter.as_deref().unwrap_or(""),
        options.sort.as_deref().unwrap_or(""),
        options.limit.map_or(String::new(), |l| l.to_string()),
        options.with_cards,
        options.with_config,
    )
}

fn first_page(options: &HfOptions) -> String {
    let mut url = format!(
        "{}/api/{}?full=true&cardData=true&limit={}",
        options.endpoint.trim_end_matches('/'),
        kind(options).listing,
        options.page_size.max(1)
    );
    for (key, value) in [("author", &options.author), ("filter", &options.filter)] {
        if let Some(value) = value {
            url.push_str(&format!("&{key}={}", encode(value)));
        }
    }
    if let Some(sort) = &options.sort {
        url.push_str(&format!("&sort={}&direction=-1", encode(sort)));
    }
    url
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Crawls, calling `progress` after every page.
pub fn crawl(
    store: &mut Store,
    fetcher: &Fetcher,
    options: &HfOptions,
    progress: &mut dyn FnMut(&CrawlReport),
) -> Result<CrawlReport, CrawlError> {
    let started = Instant::now();
    let key = crawl_key(options);
    let mut report = CrawlReport::default();
    // A resumed crawl continues from the checkpointed page, whose URL also says how many items
    // were listed before it (for `--limit`).
    let mut url = match store.crawl_checkpoint(&key)? {
        Some(Checkpoint::Next(next)) => {
            report.resumed = true;
            next
        }
        _ => first_page(options),
    };
    let ctx = ReadContext {
        observed_at: options.observed_at.clone(),
        label_taxonomy: None,
    };
    let mut listed_total = if report.resumed { listed_so_far(&url) } else { 0 };
    loop {
        let (models, next) = fetch_page(fetcher, &url)?;
        report.pages += 1;
        let room = options.limit.map_or(usize::MAX, |l| l.saturating_sub(listed_total));
        let page: Vec<Value> = models.into_iter().take(room).collect();
        listed_total += page.len();
        report.models_listed += page.len();
        let limit_reached = options.limit.is_some_and(|l| listed_total >= l);
        let next = next.filter(|_| !limit_reached).map(|n| with_listed(&n, listed_total));
        let (batches, partial, items) = read_page(store, fetcher, options, &ctx, &page, &mut report)?;
        let checkpoint = next.clone().map_or(Checkpoint::Done, Checkpoint::Next);
        if !options.dry_run {
            let summary = store.apply_crawled(&batches, &partial, &items, &key, &checkpoint, &options.observed_at)?;
            report.summary.merge(&summary);
        }
        progress(&report);
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    report.elapsed_secs = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The checkpointed URL carries how many models were listed before it (`&_listed=N`, ignored by
/// the server), so that `--limit` holds across a resume.
fn with_listed(url: &str, listed: usize) -> String {
    let base = strip_listed(url);
    format!("{base}{}_listed={listed}", if base.contains('?') { '&' } else { '?' })
}

fn strip_listed(url: &str) -> String {
    match url.find("&_listed=").or_else(|| url.find("?_listed=")) {
        Some(at) => url[..at].to_string(),
        None => url.to_string(),
    }
}

fn listed_so_far(url: &str) -> usize {
    url.rsplit_once("_listed=")
        .and_then(|(_, n)| n.split('&').next()?.parse().ok())
        .unwrap_or(0)
}

/// One listing page as model objects, retrying a page whose body is not the JSON array it must
/// be (a truncated transfer) like any other transient failure.
fn fetch_page(fetcher: &Fetcher, url: &str) -> Result<(Vec<Value>, Option<String>), CrawlError> {
    let request_url = strip_listed(url);
    let mut last_error = String::new();
    for _ in 0..3 {
        match fetcher.get(&request_url, None)? {
            Fetched::Body { bytes, next, .. } => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Array(models)) => return Ok((models, next)),
                Ok(_) => last_error = "the listing is not a JSON array".into(),
                Err(err) => last_error = format!("the listing is not valid JSON: {err}"),
            },
            Fetched::NotFound => {
                return Err(CrawlError::Listing {
                    url: request_url,
                    reason: "404".into(),
                })
            }
            Fetched::NotModified => last_error = "304 without a conditional request".into(),
        }
    }
    Err(CrawlError::Listing {
        url: request_url,
        reason: last_error,
    })
}

/// A model's listing entry and what changed since last time.
struct Entry<'a> {
    id: String,
    object: &'a Value,
    sha: Option<String>,
    stored: Option<CrawlItem>,
}

fn read_page(
    store: &Store,
    fetcher: &Fetcher,
    options: &HfOptions,
    ctx: &ReadContext,
    page: &[Value],
    report: &mut CrawlReport,
) -> Result<PageRead, CrawlError> {
    let kind = kind(options);
    let mut changed = Vec::new();
    for object in page {
        let Some(id) = object
            .get("id")
            .or_else(|| object.get("modelId"))
            .and_then(Value::as_str)
        else {
            report.failures.push(("?".into(), "listing entry without an id".into()));
            continue;
        };
        let sha = object.get("sha").and_then(Value::as_str).map(str::to_string);
        let modified = object.get("lastModified").and_then(Value::as_str).map(str::to_string);
        let stored = store.crawl_item(kind.source, id)?;
        // Unchanged: the same commit, or without a commit in the listing the same modification time.
        let unchanged = stored.as_ref().is_some_and(|s| match (&sha, &modified) {
            (Some(_), _) => s.sha == sha,
            (None, Some(_)) => s.sha.is_none() && s.last_modified == modified,
            (None, None) => false,
        });
        if unchanged {
            report.models_unchanged += 1;
            continue;
        }
        changed.push(Entry {
            id: id.to_string(),
            object,
            sha,
            stored,
        });
    }
    let skipped = || changed.iter().map(|_| Ok(CardOutcome::Skipped)).collect::<Vec<_>>();
    let cards = if options.with_cards {
        fetch_files(fetcher, options, &changed, "README.md", true)
    } else {
        skipped()
    };
    let configs = if options.with_config && !options.datasets {
        fetch_files(fetcher, options, &changed, "config.json", false)
    } else {
        skipped()
    };
    let mut batches = Vec::new();
    let mut partial = BTreeSet::new();
    let mut items = Vec::new();
    for ((entry, card), config) in changed.iter().zip(cards).zip(configs) {
        let (card, config) = match (card, config) {
            (Ok(card), Ok(config)) => (card, config),
            (Err(err), _) | (_, Err(err)) => {
                report.failures.push((entry.id.clone(), err.to_string()));
                continue;
            }
        };
        match config {
            CardOutcome::Fetched { doc, .. } => {
                report.configs_fetched += 1;
                batches.push(read(ReaderKind::HfConfig, &doc, ctx, &mut partial));
            }
            // A config that vanished takes what it said with it; most repositories have none.
            CardOutcome::Missing { uri } => batches.push(SourceBatch {
                uri,
                records: Vec::new(),
            }),
            CardOutcome::Unchanged | CardOutcome::Skipped => {}
        }
        let api_uri = format!(
            "{}/api/{}/{}",
            options.endpoint.trim_end_matches('/'),
            kind.listing,
            entry.id
        );
        let api_doc = Document {
            uri: api_uri,
            relative_path: format!("{}.json", entry.id).into(),
            bytes: serde_json::to_vec(entry.object).unwrap_or_default(),
        };
        batches.push(read(kind.api_reader, &api_doc, ctx, &mut partial));
        let mut card_etag = entry.stored.as_ref().and_then(|s| s.card_etag.clone());
        match card {
            CardOutcome::Fetched { doc, etag } => {
                report.cards_fetched += 1;
                batches.push(read(kind.card_reader, &doc, ctx, &mut partial));
                card_etag = etag;
            }
            CardOutcome::Unchanged => report.cards_unchanged += 1,
            CardOutcome::Missing { uri } => {
                report.cards_missing += 1;
                // A card that existed and is gone: its statements are closed.
                if card_etag.take().is_some() {
                    batches.push(SourceBatch {
                        uri,
                        records: Vec::new(),
                    });
                }
            }
            CardOutcome::Skipped => {}
        }
        report.models_stored += 1;
        items.push(CrawlItem {
            source: kind.source.into(),
            item: entry.id.clone(),
            sha: entry.sha.clone(),
            last_modified: entry
                .object
                .get("lastModified")
                .and_then(Value::as_str)
                .map(str::to_string),
            card_etag,
        });
    }
    Ok((batches, partial, items))
}

/// What one listing page gave: the batches to apply, the sources among them read only in part,
/// and the items' new revisions.
type PageRead = (Vec<SourceBatch>, BTreeSet<String>, Vec<CrawlItem>);

/// Reads one fetched file; a file read only in part has its uri put in `partial`, so that what
/// it said before is kept.
fn read(reader: ReaderKind, doc: &Document, ctx: &ReadContext, partial: &mut BTreeSet<String>) -> SourceBatch {
    let out = reader.read(doc, ctx);
    if out.warnings.iter().any(|w| w.kind.lost_part()) {
        partial.insert(doc.uri.clone());
    }
    SourceBatch {
        uri: doc.uri.clone(),
        records: out.records,
    }
}

enum CardOutcome {
    Fetched { doc: Document, etag: Option<String> },
    Unchanged,
    Missing { uri: String },
    Skipped,
}

/// Fetches the cards of `entries`, `concurrency` at a time; results in `entries` order.
/// Fetches `file` (README.md, config.json) of each of `entries`, `concurrency` at a time;
/// results in `entries` order. The file is asked for at the listed revision, so that listing and
/// files agree, but recorded under the branch-independent URL `.../resolve/main/<file>`: a new
/// revision then replaces what the old one said instead of adding to it.
fn fetch_files(
    fetcher: &Fetcher,
    options: &HfOptions,
    entries: &[Entry],
    file: &str,
    conditional: bool,
) -> Vec<Result<CardOutcome, CrawlError>> {
    let fetch_one = |entry: &Entry| -> Result<CardOutcome, CrawlError> {
        let revision = entry.sha.as_deref().unwrap_or("main");
        let base = format!(
            "{}/{}{}/resolve",
            options.endpoint.trim_end_matches('/'),
            kind(options).repo_prefix,
            entry.id
        );
        let uri = format!("{base}/main/{file}");
        let etag = if conditional {
            entry.stored.as_ref().and_then(|s| s.card_etag.as_deref())
        } else {
            None
        };
        Ok(match fetcher.get(&format!("{base}/{revision}/{file}"), etag)? {
            Fetched::Body { bytes, etag, .. } => CardOutcome::Fetched {
                doc: Document {
                    relative_path: format!("{}/{file}", entry.id).into(),
                    uri,
                    bytes,
                },
                etag,
            },
            Fetched::NotModified => CardOutcome::Unchanged,
            Fetched::NotFound => CardOutcome::Missing { uri },
        })
    };
    let mut results: Vec<Option<Result<CardOutcome, CrawlError>>> = entries.iter().map(|_| None).collect();
    for (chunk, slots) in entries
        .chunks(options.concurrency.max(1))
        .zip(results.chunks_mut(options.concurrency.max(1)))
    {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunk.iter().map(|entry| scope.spawn(|| fetch_one(entry))).collect();
            for (slot, handle) in slots.iter_mut().zip(handles) {
                *slot = Some(handle.join().unwrap_or_else(|_| Err(CrawlError::Panicked)));
            }
        });
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(CrawlError::Panicked)))
        .collect()
}

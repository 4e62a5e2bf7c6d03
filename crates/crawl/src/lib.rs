//! Crawling: fetching zoo metadata from live services into the store, the way a good crawler
//! must — politely (one global request rate, backoff, `Retry-After`), incrementally (unchanged
//! models are skipped, cards are asked for conditionally) and resumably (each page lands in one
//! transaction with the checkpoint past it, so a crawl killed at any moment continues where it
//! stopped and ends with the database an uninterrupted crawl would have written).
//!
//! It owns HTTP and the crawl state machine. Parsing stays with the readers of
//! `macaroni-sources` (a fetched body becomes a `Document`), and storage with `macaroni-store`
//! (typed calls, never SQL).

pub mod http;
pub mod huggingface;
pub mod pytorch_hub;
pub mod tarball;

pub use http::{Fetched, Fetcher, Politeness, Traffic};
pub use huggingface::{crawl, crawl_key, CrawlReport, HfOptions};

#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("not an http(s) URL: {0}")]
    BadUrl(String),
    #[error("{url} is not on the configured host; not followed")]
    OffHost { url: String },
    #[error("{url}: more than 5 redirects")]
    TooManyRedirects { url: String },
    #[error("{url}: gave up after {attempts} attempts ({reason})")]
    GaveUp { url: String, attempts: u32, reason: String },
    #[error("{url}: the response is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("listing {url}: {reason}")]
    Listing { url: String, reason: String },
    #[error("{url}: not a readable .tar.gz ({reason})")]
    Archive { url: String, reason: String },
    #[error("a download thread panicked")]
    Panicked,
    #[error(transparent)]
    Store(#[from] macaroni_store::StoreError),
}
